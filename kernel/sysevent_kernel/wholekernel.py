# SPDX-License-Identifier: GPL-2.0
"""Whole-kernel builds: a small kernel image with KVM built in, from Debian's
own linux-source of a line, for the architectures whose KVM cannot be a
module (arm64: CONFIG_KVM is bool there, and Debian builds it in).

One cached tree per (architecture, Debian source version):

  <cache>/wholekernel/<arch>-<version>/
    src/         Debian's linux-source-X.Y, extracted once, kept pristine
    obj/         the build (make O=obj)
    stock/       the stock Image, its .config, stock objects set aside
    build.json   what the stock build was: version, compiler, seconds, set id
    lock         one build at a time per tree (flock)

The .config is written here: tinyconfig, then the suite's `config` fragment
(the options the suite wants; another architecture's drop out), then what
QEMU's virt machine and the guest's /init need (BOOT_OPTIONS). After
olddefconfig every option of BOOT_OPTIONS that the tree's Kconfig defines
must read =y, else the build stops with a one-line error: a kernel without,
say, POSIX_TIMERS boots and fails every case with ENOSYS, which would read
as a kill. An option the tree no longer defines (ARM64_VHE by 6.12,
ARM64_PAN by 7.3: always built now) is recorded in build.json, not required.

The build is reproducible (KBUILD_BUILD_TIMESTAMP, USER, HOST and VERSION
fixed), so a mutant whose Image is byte for byte the stock one is an edit
that did not reach the code, never a survivor.

A mutant is an incremental build: the edited files replace the pristine ones
(newer mtime), `make Image` recompiles their objects and relinks, the Image
is copied out, and the tree gets its pristine files (old mtime) and the stock
objects back, so the next build starts from stock again without compiling.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

from . import arches

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
SUITE_CONFIG = os.path.join(REPO, "config")

# What a QEMU virt guest of kernel/qemu-suite.sh needs beyond tinyconfig, and
# what the suite's static binaries need from the kernel (measured: without
# POSIX_TIMERS every case fails with ENOSYS). Per architecture.
BOOT_OPTIONS = {
	"arm64": (
		# A 64-bit kernel with an MMU and a console.
		"64BIT", "MMU", "PRINTK", "TTY",
		# Console: the PL011; the KTAP and result channels: PCI 16550s.
		"SERIAL_AMBA_PL011", "SERIAL_AMBA_PL011_CONSOLE",
		"SERIAL_8250", "SERIAL_8250_CONSOLE", "SERIAL_8250_PCI", "SERIAL_OF_PLATFORM",
		# The virt machine: device tree, PCI host bridge, GICv3, timer.
		"OF", "PCI", "PCI_HOST_GENERIC", "ARM_GIC_V3", "ARM_ARCH_TIMER", "SMP",
		# The initramfs and /init (busybox sh).
		"BLK_DEV_INITRD", "RD_GZIP", "DEVTMPFS", "DEVTMPFS_MOUNT", "BINFMT_ELF",
		"BINFMT_SCRIPT", "PROC_FS", "SYSFS", "TMPFS", "SHMEM",
		# What the suite's binaries and the kselftest harness call.
		"FUTEX", "EPOLL", "SIGNALFD", "TIMERFD", "EVENTFD", "AIO", "POSIX_TIMERS",
		"HIGH_RES_TIMERS", "MEMFD_CREATE", "FILE_LOCKING", "MULTIUSER",
		"ADVISE_SYSCALLS",
		# KVM itself, at EL2 with VHE as QEMU's virtualization=on offers.
		"VIRTUALIZATION", "KVM", "ARM64_VHE", "ARM64_PAN", "PERF_EVENTS",
	),
}

# The image make builds and where it lands, per architecture.
IMAGE_TARGET = {"arm64": ("Image", "arch/arm64/boot/Image")}

# Fixed build identity: the same source and edits give the same Image.
REPRODUCIBLE_ENV = {
	"KBUILD_BUILD_TIMESTAMP": "Thu Jan  1 00:00:00 UTC 1970",
	"KBUILD_BUILD_USER": "kvm-sysevent",
	"KBUILD_BUILD_HOST": "kvm-sysevent",
	"KBUILD_BUILD_VERSION": "1",
}


class BuildError(RuntimeError):
	"""A build that could not be made: one line, the log named."""


@dataclass
class Built:
	image: str		# the kernel image to boot
	modules: object		# None: KVM is built in
	release: str		# the kernel release string (make kernelrelease)
	version: str		# the Debian source version it was built from
	line: str		# the kernel line (lines.toml)
	compiler: str		# the compiler's --version first line
	seconds: float		# this build's wall time (0 when taken from the cache)
	set_id: str		# sha256 of the Image, first 10 hex digits
	cached: bool		# taken from the cache, not built now
	config: str = ""	# the .config it was built with


def default_cache():
	return os.environ.get("KVM_SYSEVENT_BUILD_CACHE") or os.path.join(REPO, ".cache", "build")


def sha10(path):
	h = hashlib.sha256()
	with open(path, "rb") as f:
		for chunk in iter(lambda: f.read(1 << 20), b""):
			h.update(chunk)
	return h.hexdigest()[:10]


def read_config(path):
	"""A .config: {X: value}, "n" for `# CONFIG_X is not set`."""
	opts = {}
	with open(path) as f:
		for line in f:
			line = line.strip()
			if line.startswith("CONFIG_") and "=" in line:
				k, v = line.split("=", 1)
				opts[k[len("CONFIG_"):]] = v
			elif line.startswith("# CONFIG_") and line.endswith(" is not set"):
				opts[line[len("# CONFIG_"):-len(" is not set")]] = "n"
	return opts


def kconfig_symbols(src):
	"""Every symbol a kernel tree's Kconfig files define."""
	syms = set()
	rx = re.compile(r"^\s*(?:menu)?config\s+([A-Za-z0-9_]+)")
	for d, _dirs, files in os.walk(src):
		for f in files:
			if f.startswith("Kconfig"):
				with open(os.path.join(d, f), errors="replace") as fh:
					for line in fh:
						m = rx.match(line)
						if m:
							syms.add(m.group(1))
	return syms


class Tree:
	"""One architecture's kernel tree of one Debian source version."""

	def __init__(self, arch, line, tarball, version, cross_prefix=None, cache=None,
		     jobs=None, log=None, runner=None):
		self.arch = arches.get(arch)
		if self.arch.name not in BOOT_OPTIONS:
			raise BuildError(f"no whole-kernel build for {self.arch.name}")
		self.line = line
		self.tarball = tarball
		self.version = version
		self.cross = cross_prefix if cross_prefix is not None else self.arch.cross_prefix
		self.cache = os.path.abspath(cache or default_cache())
		self.jobs = jobs or os.cpu_count() or 1
		self.log = log or sys.stderr
		# What runs make: a toolchain.Toolchain (its run()), or the host.
		self.runner = runner
		safe = "".join(c if c.isalnum() or c in "+.-_" else "_" for c in version)
		self.root = os.path.join(self.cache, "wholekernel", f"{self.arch.name}-{safe}")
		self.src = os.path.join(self.root, "src")
		self.obj = os.path.join(self.root, "obj")
		self.stock = os.path.join(self.root, "stock")
		self.meta = os.path.join(self.root, "build.json")
		target, image = IMAGE_TARGET[self.arch.name]
		self.target = target
		self.image_rel = image

	# --- helpers -------------------------------------------------------------
	def say(self, msg):
		print(f"wholekernel: {msg}", file=self.log, flush=True)

	def make_args(self, *targets):
		return ["make", "-s", "-C", self.src, f"O={self.obj}", f"ARCH={self.arch.make}",
			f"CROSS_COMPILE={self.cross}", f"-j{self.jobs}", *targets]

	def run(self, argv, env=None, **kw):
		"""argv with the build's compiler (the runner's, or the host's)."""
		e = dict(REPRODUCIBLE_ENV, LC_ALL="C", **(env or {}))
		if self.runner:
			return self.runner.run(argv, env=e, **kw)
		return subprocess.run(argv, env=dict(os.environ, **e), **kw)

	def run_make(self, *targets, logname="build.log"):
		logpath = os.path.join(self.root, logname)
		with open(logpath, "a") as lf:
			lf.write(f"$ {' '.join(self.make_args(*targets))}\n")
			lf.flush()
			r = self.run(self.make_args(*targets), stdout=lf, stderr=subprocess.STDOUT)
		if r.returncode:
			tail = ""
			try:
				with open(logpath) as lf:
					lines = [l.rstrip() for l in lf if l.strip()]
				tail = lines[-1] if lines else ""
			except OSError:
				pass
			raise BuildError(f"make {' '.join(targets)} failed ({tail}); see {logpath}")

	def compiler(self):
		try:
			out = subprocess.run([self.cross + "gcc", "--version"], capture_output=True,
					     text=True, check=True).stdout
		except (OSError, subprocess.CalledProcessError):
			raise BuildError(f"no compiler {self.cross}gcc (apt-get install "
					 f"{' '.join(self.arch.cross_packages)})") from None
		return out.splitlines()[0]

	def lock(self):
		os.makedirs(self.root, exist_ok=True)
		f = open(os.path.join(self.root, "lock"), "w")
		fcntl.flock(f, fcntl.LOCK_EX)
		return f

	# --- the tree -------------------------------------------------------------
	def extract(self):
		if os.path.isfile(os.path.join(self.src, ".extracted")):
			return
		if not os.path.isfile(self.tarball):
			raise BuildError(f"kernel source not found: {self.tarball}")
		self.say(f"extracting {os.path.basename(self.tarball)} ({self.version})")
		shutil.rmtree(self.src, ignore_errors=True)
		tmp = self.src + ".tmp"
		shutil.rmtree(tmp, ignore_errors=True)
		os.makedirs(tmp)
		# The tarball holds one top directory (linux-source-X.Y/).
		r = subprocess.run(["tar", "-xf", self.tarball, "-C", tmp, "--strip-components=1"])
		if r.returncode:
			raise BuildError(f"cannot extract {self.tarball}")
		with open(os.path.join(tmp, ".extracted"), "w") as f:
			f.write(self.version + "\n")
		os.rename(tmp, self.src)

	def required_options(self):
		"""The options that must read =y: the boot list and the suite's own
		options that exist for this architecture (KVM, VIRTUALIZATION)."""
		return list(BOOT_OPTIONS[self.arch.name])

	def write_config(self):
		"""tinyconfig + the suite's config + BOOT_OPTIONS, checked."""
		os.makedirs(self.obj, exist_ok=True)
		self.run_make("tinyconfig")
		frag = os.path.join(self.root, "boot.config")
		with open(frag, "w") as f:
			f.write(f"# written by kernel/sysevent_kernel/wholekernel.py for "
				f"{self.arch.name}\n")
			for o in BOOT_OPTIONS[self.arch.name]:
				f.write(f"CONFIG_{o}=y\n")
		env = {"ARCH": self.arch.make, "CROSS_COMPILE": self.cross}
		with open(os.path.join(self.root, "build.log"), "a") as lf:
			r = self.run([os.path.join(self.src, "scripts/kconfig/merge_config.sh"),
				      "-m", "-O", self.obj, os.path.join(self.obj, ".config"),
				      SUITE_CONFIG, frag], cwd=self.src, env=env,
				     stdout=lf, stderr=subprocess.STDOUT)
		if r.returncode:
			raise BuildError("merge_config.sh failed; see " +
					 os.path.join(self.root, "build.log"))
		self.run_make("olddefconfig")
		have = read_config(os.path.join(self.obj, ".config"))
		want = self.required_options()
		# An option this source does not define at all is no longer an
		# option (ARM64_VHE: gone by 6.12, VHE support is always built):
		# noted, not required. One it defines must read =y, and so must
		# every option of the suite's config Kconfig shows here.
		defined = kconfig_symbols(self.src)
		self.absent = [o for o in want if o not in defined]
		# A kselftest-style fragment reads like a .config (`is not set`: n).
		suite = read_config(SUITE_CONFIG)
		bad = [o for o in want if o in defined and have.get(o) != "y"]
		bad += [o for o, v in suite.items() if o in have and have[o] != v]
		if bad:
			raise BuildError("the kernel config lacks " +
					 ", ".join(f"CONFIG_{o}" for o in bad) +
					 f" (a dependency missing?): see {self.obj}/.config")

	def kernelrelease(self):
		r = self.run(self.make_args("kernelrelease"), capture_output=True, text=True)
		return r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else ""

	def load_meta(self):
		try:
			with open(self.meta) as f:
				return json.load(f)
		except (OSError, ValueError):
			return None

	def prepare(self):
		"""The stock build, once per tree: a Built for the stock Image."""
		with self.lock():
			meta = self.load_meta()
			img = os.path.join(self.stock, "Image")
			if meta and os.path.isfile(img) and meta.get("version") == self.version:
				return Built(image=img, modules=None, release=meta["release"],
					     version=self.version, line=self.line,
					     compiler=meta["compiler"], seconds=0.0,
					     set_id=meta["set_id"], cached=True,
					     config=os.path.join(self.stock, "config"))
			compiler = self.compiler()
			t0 = time.monotonic()
			self.extract()
			t_extract = time.monotonic() - t0
			self.say(f"configuring {self.arch.name} {self.version} ({compiler})")
			self.write_config()
			self.say(f"building the stock {self.target} (-j{self.jobs})")
			t1 = time.monotonic()
			self.run_make(self.target)
			t_build = time.monotonic() - t1
			os.makedirs(self.stock, exist_ok=True)
			shutil.copy2(os.path.join(self.obj, self.image_rel), img)
			shutil.copy2(os.path.join(self.obj, ".config"), os.path.join(self.stock, "config"))
			meta = {
				"arch": self.arch.name, "line": self.line, "version": self.version,
				"release": self.kernelrelease(), "compiler": compiler,
				"extract_seconds": round(t_extract, 1),
				"build_seconds": round(t_build, 1),
				"set_id": sha10(img), "jobs": self.jobs,
				"options_not_in_this_kernel": getattr(self, "absent", []),
				"cc_version_text": read_config(os.path.join(
					self.obj, "include", "config", "auto.conf")).get(
					"CC_VERSION_TEXT", "").strip('"'),
			}
			with open(self.meta + ".tmp", "w") as f:
				json.dump(meta, f, indent=1)
			os.replace(self.meta + ".tmp", self.meta)
			self.say(f"stock {self.target} {meta['set_id']} built in {t_build:.0f}s")
			return Built(image=img, modules=None, release=meta["release"],
				     version=self.version, line=self.line, compiler=compiler,
				     seconds=round(t_extract + t_build, 1), set_id=meta["set_id"],
				     cached=False, config=os.path.join(self.stock, "config"))

	def _stock_object(self, rel):
		"""Set aside the stock object (and its .cmd) of source file rel, the
		first time it is edited: the tree is at stock then."""
		if not rel.endswith(".c"):
			return None
		o = rel[:-2] + ".o"
		saved = os.path.join(self.stock, "obj", o)
		if not os.path.isfile(saved):
			live = os.path.join(self.obj, o)
			if not os.path.isfile(live):
				raise BuildError(f"{rel} is not built into this kernel ({o} missing)")
			os.makedirs(os.path.dirname(saved), exist_ok=True)
			shutil.copy2(live, saved)
			cmd = os.path.join(os.path.dirname(live), "." + os.path.basename(o) + ".cmd")
			if os.path.isfile(cmd):
				shutil.copy2(cmd, saved + ".cmd")
		return o

	def build(self, files, out, name="mutant"):
		"""An Image with files ({relpath: bytes}) replacing the pristine
		sources, into out/Image. The tree is back at stock afterwards."""
		for rel in files:
			p = os.path.normpath(rel)
			if p.startswith("..") or os.path.isabs(p):
				raise BuildError(f"{rel}: not a path inside the kernel tree")
		stock = self.prepare()
		for rel in files:
			if not os.path.isfile(os.path.join(self.src, rel)):
				raise BuildError(f"{rel}: no such file in {self.version}")
		os.makedirs(out, exist_ok=True)
		with self.lock():
			saved = {}
			objs = []
			for rel in files:
				o = self._stock_object(rel)
				if o:
					objs.append(o)
				path = os.path.join(self.src, rel)
				st = os.stat(path)
				with open(path, "rb") as f:
					saved[rel] = (f.read(), st.st_atime_ns, st.st_mtime_ns)
			t0 = time.monotonic()
			try:
				for rel, data in files.items():
					with open(os.path.join(self.src, rel), "wb") as f:
						f.write(data)
				self.run_make(self.target, logname=f"build-{name}.log")
				img = os.path.join(out, "Image")
				shutil.copy2(os.path.join(self.obj, self.image_rel), img)
			finally:
				self._restore(saved, objs)
			secs = time.monotonic() - t0
			set_id = sha10(img)
			return Built(image=img, modules=None, release=stock.release,
				     version=self.version, line=self.line, compiler=stock.compiler,
				     seconds=round(secs, 1), set_id=set_id, cached=False,
				     config=stock.config)

	def _restore(self, saved, objs):
		for rel, (data, atime, mtime) in saved.items():
			path = os.path.join(self.src, rel)
			with open(path, "wb") as f:
				f.write(data)
			if rel.endswith(".c"):
				os.utime(path, ns=(atime, mtime))
			# An edited header (or anything else) keeps a new time stamp:
			# what was compiled with the change is compiled again from
			# the pristine file by the next build, never linked as stock.
		now = time.time()
		for o in objs:
			src = os.path.join(self.stock, "obj", o)
			live = os.path.join(self.obj, o)
			shutil.copy2(src, live)
			cmd = src + ".cmd"
			if os.path.isfile(cmd):
				shutil.copy2(cmd, os.path.join(os.path.dirname(live),
							       "." + os.path.basename(o) + ".cmd"))
			# Newer than the restored source and than the last link:
			# the next make relinks the stock object, compiles nothing.
			os.utime(live, (now, now))


def main(argv=None):
	import argparse

	ap = argparse.ArgumentParser(prog="wholekernel",
				     description="Build a small kernel with KVM built in from "
				     "a Debian linux-source tarball (stock, cached).")
	ap.add_argument("--arch", default="arm64")
	ap.add_argument("--line", required=True)
	ap.add_argument("--tarball", required=True)
	ap.add_argument("--version", required=True)
	ap.add_argument("--cache")
	ap.add_argument("--jobs", type=int)
	a = ap.parse_args(argv)
	try:
		t = Tree(a.arch, a.line, a.tarball, a.version, cache=a.cache, jobs=a.jobs)
		b = t.prepare()
	except (BuildError, arches.UnknownArch) as e:
		print(f"wholekernel: error: {e}", file=sys.stderr)
		return 2
	for k, v in asdict(b).items():
		print(f"{k}={v}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
