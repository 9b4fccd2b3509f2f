# SPDX-License-Identifier: GPL-2.0
"""One build interface: "a bootable image plus modules for line L with
changes P" (kernel/mutants/README.md).

builder(line, arch) picks the implementation: ModuleBuilder where Debian
builds KVM as modules (x86_64, riscv64: Debian's own image, KVM's modules
rebuilt out of tree against Debian's headers), or a whole-kernel builder
where KVM is built into the image (arm64: sysevent_kernel.kernelbuild,
imported only when asked for).

ModuleBuilder, per line: resolve the kernel (the resolver's sysevent_kernel.fetch),
fetch and unpack the headers, kbuild and source packages of exactly that
version, pick the compiler from the headers' .config (toolchain), build
the stock modules once and keep every object. A change (catalogue edits or
a -p1 patch) then costs one recompiled file: each edited .c file is
compiled beside the work tree with the exact command kbuild recorded for it,
__FILE__ mapped back, so the object is what kbuild would make; the object
goes into the work tree, make only relinks, the stock object is put back.
An edit to a header falls back to editing the work tree and rebuilding
what includes it. A change whose modules come out identical to its base
fails: it did not reach the code.
"""

import fcntl
import glob
import hashlib
import importlib
import importlib.util
import lzma
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from . import arches, lines as lines_mod, toolchain

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS_DIR = os.path.join(REPO, "kernel", "harness")
HARNESS_PARAM = "kvm_amd.sev_es_test_harness=1"

# What a module build makes and what it takes from the kernel's own
# package, per architecture whose KVM is a module.
MODULES = {
	"x86_64": {"dir": "arch/x86/kvm", "built": ("kvm", "kvm-amd"), "base": ("irqbypass", "ccp"),
		   # QEMU emulates AMD SVM: no kvm-intel
		   "make": ("CONFIG_KVM_INTEL=",)},
	"riscv64": {"dir": "arch/riscv/kvm", "built": ("kvm",), "base": (), "make": ()},
}


class SetupError(Exception):
	"""Missing input, a bad tree, no compiler: one line, exit 2."""


class BuildError(Exception):
	"""A build failed or changed nothing (verdict build-failed)."""

	def __init__(self, message, log=None):
		super().__init__(message)
		self.log = log


class ChangeError(Exception):
	"""A change that does not apply (verdict edit-failed)."""


@dataclass(frozen=True)
class Kernel:
	line: str
	arch: object
	release: str
	version: str
	origin: str
	image: str
	config: str
	compiler: str
	stock_seconds: float


@dataclass(frozen=True)
class Built:
	image: str
	modules: str
	module_params: tuple
	set_id: str
	seconds: float
	log: str


@dataclass(frozen=True)
class Patch:
	"""A -p1 patch file as a change."""
	path: str

	@property
	def name(self):
		return os.path.basename(self.path)

	def files(self, root=None):
		out = []
		with open(self.path, encoding="utf-8", errors="replace") as f:
			for ln in f:
				m = re.match(r"^\+\+\+ [^/\s]*/(\S+)", ln)
				if m and m.group(1) not in out:
					out.append(m.group(1))
		return sorted(out)

	def apply(self, root):
		with open(self.path, "rb") as f:
			p = subprocess.run(["patch", "-d", root, "-p1", "--fuzz=0",
					    "--no-backup-if-mismatch", "-s"], stdin=f,
					   capture_output=True, text=True)
		if p.returncode != 0:
			msg = (p.stdout + p.stderr).strip().splitlines()
			raise ChangeError(f"{self.path} does not apply"
					  + (f": {msg[0]}" if msg else ""))


def harness_patch(line):
	"""The SEV-ES harness patch for LINE: sev-es-test-harness@LINE.patch when
	kernel/harness has one, else sev-es-test-harness.patch."""
	if line:
		p = os.path.join(HARNESS_DIR, f"sev-es-test-harness@{line}.patch")
		if os.path.exists(p):
			return p
	return os.path.join(HARNESS_DIR, "sev-es-test-harness.patch")


def _sha(paths, n=10):
	h = hashlib.sha256()
	for p in paths:
		with open(p, "rb") as f:
			h.update(f.read())
	return h.hexdigest()[:n]


def _run(argv, log=None, **kw):
	if log:
		with open(log, "a") as lf:
			return subprocess.run(argv, stdout=lf, stderr=subprocess.STDOUT, **kw)
	return subprocess.run(argv, capture_output=True, text=True, **kw)


def _publish(path, text):
	tmp = path + ".tmp"
	with open(tmp, "w") as f:
		f.write(text)
	os.replace(tmp, path)


def _copytree(src, dst):
	shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)


class Builder:
	"""The one build interface, "a bootable image plus KVM for line L with
	patches P": prepare, stock, harness, build, check, source. Module lines
	(x86_64, riscv64) implement it in ModuleBuilder, arm64's whole kernels in
	kernelbuild.KernelBuilder."""

	def __init__(self, line, arch, kdir=None, cache=None, jobs=None, say=print):
		self.line = line
		self.arch = arches.get(arch) if isinstance(arch, str) else arch
		self.kdir = kdir
		self.cache = cache or os.path.join(REPO, ".cache", "mutants")
		self.jobs = jobs or os.cpu_count() or 2
		self.say = say

	def prepare(self):
		raise NotImplementedError

	def stock(self):
		raise NotImplementedError

	def harness(self):
		raise BuildError(f"the SEV-ES harness is kvm_amd's: not on {self.arch.name}")

	def build(self, changes, out, base="stock"):
		raise NotImplementedError

	def check(self, changes, base="stock"):
		raise NotImplementedError

	def source(self, base="stock"):
		raise NotImplementedError

	def full_source(self):
		"""A whole kernel tree of the same source (upstream's selftests are
		built from it)."""
		raise NotImplementedError


def whole_kernel_builds():
	"""Is a whole-kernel builder (sysevent_kernel.kernelbuild) installed?"""
	return importlib.util.find_spec(f"{__package__}.kernelbuild") is not None


def builder(line, arch, **kw):
	a = arches.get(arch) if isinstance(arch, str) else arch
	if a.name in MODULES:
		return ModuleBuilder(line, a, **kw)
	try:
		mod = importlib.import_module(f"{__package__}.kernelbuild")
	except ImportError:
		raise SetupError(f"{a.name}'s KVM is built into the kernel image, and no whole-kernel "
				 "build is installed (sysevent_kernel.kernelbuild)") from None
	return mod.KernelBuilder(line, a, **kw)


# --- resolution -----------------------------------------------------------------------

@dataclass
class _Resolved:
	release: str
	version: str
	suite: str
	origin: str
	image: str		# bootable image (extracted), or None until extracted
	modules_dir: str	# the kernel's own modules (irqbypass, ccp), or None
	debs: dict		# headers, common, kbuild -> .deb path
	source: tuple		# ("tarball"|"deb", path, "linux-source-X.Y")


def _series_of(version):
	m = re.match(r"^(?:\d+:)?(\d+\.\d+)", version)
	return m.group(1) if m else None


def _abi_of(release, arch):
	suffix = "-" + arch.debian
	return release[:-len(suffix)] if release.endswith(suffix) else release.rsplit("-", 1)[0]


def _installed_tarball(series, version):
	"""/usr/src/linux-source-X.Y.tar.xz when the installed package is that
	version."""
	tarball = f"/usr/src/linux-source-{series}.tar.xz"
	if not os.access(tarball, os.R_OK):
		return None
	p = _run(["dpkg-query", "-W", "-f=${Version}", f"linux-source-{series}"])
	return tarball if p.returncode == 0 and p.stdout.strip() == version else None


def _fetch_api():
	"""The resolver's fetch room, when it has landed."""
	try:
		fetch = importlib.import_module(f"{__package__}.fetch")
	except ImportError:
		return None
	if all(hasattr(fetch, n) for n in ("kernel", "deb", "versions")):
		return fetch
	return None


def _resolve_with_fetch(fetch, line, arch, say):
	try:
		k = fetch.kernel(f"debian-{line}:{arch.debian}", log=say)
	except TypeError:
		k = fetch.kernel(f"debian-{line}:{arch.debian}")
	except Exception as e:			# the resolver's one-line errors
		raise SetupError(str(e)) from None
	try:
		abi = _abi_of(k.release, arch)
		series = _series_of(k.version)
		host = arches.host().debian
		debs = {"headers": fetch.deb(f"linux-headers-{k.release}", arch.debian, k.version),
			"common": fetch.deb(f"linux-headers-{abi}-common", arch.debian, k.version)}
		kb = [v for v in fetch.versions(f"linux-kbuild-{abi}", host) if v[1] == k.version]
		if not kb:
			up = abi.split("+")[0]
			kb = fetch.versions(f"linux-kbuild-{up}+", host)
		if not kb:
			raise SetupError(f"no linux-kbuild for {abi} in the package index of {host}")
		debs["kbuild"] = fetch.deb(kb[0][0], host, kb[0][1])
		tarball = _installed_tarball(series, k.version)
		if tarball:
			source = ("tarball", tarball, f"linux-source-{series}")
		else:
			source = ("deb", fetch.deb(f"linux-source-{series}", arch.debian, k.version),
				  f"linux-source-{series}")
	except SetupError:
		raise
	except Exception as e:
		raise SetupError(str(e)) from None
	origin = f"debian {k.suite} {k.version}" + (f" ({k.fallback})" if getattr(k, "fallback", "")
						     else "")
	return _Resolved(k.release, k.version, k.suite, origin, k.image, k.modules or None,
			 debs, source)


# --- the module builder -------------------------------------------------------------

class ModuleBuilder(Builder):
	"""KVM's modules rebuilt out of tree for Debian's image (or a kernel
	tree's), one recompiled file per change."""

	def __init__(self, line, arch, **kw):
		super().__init__(line, arch, **kw)
		self.facts = MODULES[self.arch.name]
		self.src_dirs = self.arch.kvm_src_dirs
		self._link = threading.Lock()
		self._kernel = None
		self._lockfd = None
		self._harness = None
		self.harness_error = None

	# paths (valid after _resolve)
	def _paths(self, d):
		self.dir = d
		self.work = os.path.join(d, "work")
		self.pristine = os.path.join(d, "src")
		self.stock_dir = os.path.join(d, "stock")
		self.stock_obj = os.path.join(d, "stock-obj")
		self.harness_dir = os.path.join(d, "harness")
		self.harness_src = os.path.join(d, "harness-src")
		self.harness_obj = os.path.join(d, "harness-obj")
		self.scratch = os.path.join(d, "scratch")

	def _lock(self):
		if self._lockfd is not None:
			return
		os.makedirs(os.path.dirname(self.dir), exist_ok=True)
		fd = os.open(self.dir + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
		try:
			fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
		except BlockingIOError:
			self.say(f"waiting for another run that uses {self.dir}")
			fcntl.flock(fd, fcntl.LOCK_EX)
		self._lockfd = fd

	# --- resolving ---
	def resolve(self):
		"""What the line is today: (release, version, origin); fetches nothing
		heavy for a Debian line, reads a kdir."""
		if getattr(self, "_res", None):
			return self._res
		if self.kdir:
			self._res = self._resolve_kdir()
			return self._res
		fetch = _fetch_api()
		if fetch is None:
			raise SetupError("the resolver (sysevent_kernel.fetch) is not installed")
		r = _resolve_with_fetch(fetch, self.line, self.arch, self.say)
		self._res = r
		self._paths(os.path.join(self.cache, r.release))
		return r

	def _resolve_kdir(self):
		k = os.path.abspath(self.kdir)
		if not os.path.isdir(k):
			raise SetupError(f"KDIR is not a directory: {self.kdir}")
		kvm = self.facts["dir"]
		if not (os.path.isfile(os.path.join(k, "Makefile"))
			and all(os.path.isdir(os.path.join(k, d)) for d in self.src_dirs)):
			raise SetupError(f"KDIR is not a kernel source tree (no {kvm}): {k}")
		if not (os.path.isfile(os.path.join(k, ".config"))
			and os.path.isfile(os.path.join(k, "Module.symvers"))):
			raise SetupError("KDIR has not been built (no .config or Module.symvers): "
					 f"run make in {k} first")
		cfg = toolchain.read_config(os.path.join(k, ".config"))
		if cfg.get("CONFIG_KVM") != "m":
			raise SetupError("KDIR's kernel has KVM built in or off; mutants need "
					 "CONFIG_KVM=m and CONFIG_KVM_AMD=m")
		if self.arch.name == "x86_64" and cfg.get("CONFIG_KVM_AMD") != "m":
			raise SetupError("KDIR's kernel lacks CONFIG_KVM_AMD=m (QEMU emulates AMD SVM, so "
					 "kvm-amd is what runs)")
		img = os.path.join(k, "arch", "x86", "boot", "bzImage")
		if not os.path.isfile(img):
			raise SetupError(f"no {img}: build the kernel first")
		try:
			with open(os.path.join(k, "include", "config", "kernel.release")) as f:
				release = f.read().strip()
		except OSError:
			release = ""
		if not release:
			raise SetupError(f"cannot read include/config/kernel.release in {k}")
		self.kdir = k
		self._paths(os.path.join(self.cache, "kdir-" + hashlib.sha256(k.encode()).hexdigest()[:12]))
		return _Resolved(release, f"tree {k}", "", f"tree {k}", img, None, {}, None)

	# --- preparing ---
	def prepare(self):
		if self._kernel:
			return self._kernel
		r = self.resolve()
		self._lock()
		os.makedirs(self.dir, exist_ok=True)
		if self.kdir:
			self._extract_kdir()
			hdr, config, image = self.kdir, os.path.join(self.kdir, ".config"), r.image
			suite = None
		else:
			src = threading.Thread(target=self._src_thread)
			src.start()
			try:
				hdr, common = self._extract_headers(r)
				image = self._extract_image(r)
			finally:
				src.join()
			if self._src_error:
				raise self._src_error
			for d in self.src_dirs:
				dst = os.path.join(common, d)
				if not os.path.isdir(dst):
					os.makedirs(os.path.dirname(dst), exist_ok=True)
					shutil.copytree(os.path.join(self.pristine, d), dst, symlinks=True)
			config = os.path.join(hdr, ".config")
			suite = r.suite
		self.hdr = hdr
		try:
			self.tc = toolchain.for_config(config, self.arch, suite,
						       cache=os.path.join(os.path.dirname(self.cache),
									  "toolchains"),
						       say=self.say)
		except toolchain.ToolchainError as e:
			raise SetupError(str(e)) from None
		self.tc.bind(self.dir)
		if self.kdir:
			self.tc.bind(self.kdir)
		secs = self._build_stock()
		self._kernel = Kernel(self.line or "kdir", self.arch, r.release, r.version, r.origin,
				      image, config, self.tc.describe(), secs)
		return self._kernel

	_src_error = None

	def _src_thread(self):
		try:
			self._extract_src()
		except Exception as e:		# re-raised in prepare()
			self._src_error = e if isinstance(e, (SetupError, BuildError)) else \
				SetupError(f"cannot extract KVM's source: {e}")

	def _extract_src(self):
		ok = os.path.join(self.dir, ".src-ok")
		if os.path.exists(ok):
			return
		kind, path, top = self._res.source
		self.say(f"extracting {' '.join(self.src_dirs)} from {os.path.basename(path)}")
		shutil.rmtree(self.pristine, ignore_errors=True)
		os.makedirs(self.pristine)
		members = [f"{top}/{d}" for d in self.src_dirs]
		tar = ["tar", "-x", "-C", self.pristine, "--strip-components=1"]
		if kind == "tarball":
			p = _run(tar + ["-f", path] + members)
		else:
			sh = (f"dpkg-deb --fsys-tarfile {shlex.quote(path)} | "
			      f"tar -xOf - ./usr/src/{top}.tar.xz | "
			      + " ".join(shlex.quote(x) for x in tar + ["-J", "-f", "-"] + members))
			p = _run(["bash", "-o", "pipefail", "-c", sh])
		if p.returncode != 0:
			raise SetupError(f"cannot extract KVM's source from {path}: "
					 f"{p.stderr.strip()[:200]}")
		_publish(ok, "")

	def _extract_headers(self, r):
		root = os.path.join(self.dir, "root")
		abi = _abi_of(r.release, self.arch)
		hdr = os.path.join(root, "usr", "src", f"linux-headers-{r.release}")
		common = os.path.join(root, "usr", "src", f"linux-headers-{abi}-common")
		ok = os.path.join(self.dir, ".headers-ok")
		if os.path.exists(ok):
			return hdr, common
		self.say(f"extracting headers {r.release}")
		shutil.rmtree(root, ignore_errors=True)
		os.makedirs(root)
		for k in ("headers", "common", "kbuild"):
			p = _run(["dpkg-deb", "-x", r.debs[k], root])
			if p.returncode != 0:
				raise SetupError(f"cannot unpack {r.debs[k]}")
		mk = os.path.join(hdr, "Makefile")
		if not os.path.isfile(mk) or not os.path.isfile(os.path.join(common, "Makefile")):
			raise SetupError(f"unexpected layout of the headers packages under {root}")
		# The flavour's Makefile names /usr/src/...: point it at our copy.
		with open(mk) as f:
			text = f.read()
		new = re.sub(r"(?m)(^include |=)/usr/src/", lambda m: m.group(1) + root + "/usr/src/", text)
		if f"include {common}/Makefile" not in new:
			raise SetupError(f"cannot point {mk} at the extracted common headers")
		with open(mk, "w") as f:
			f.write(new)
		# The headers link to linux-kbuild-<their abi>; a kbuild of another
		# abi (this machine's, for another architecture) stands in.
		kb = [d for d in glob.glob(os.path.join(root, "usr", "lib", "linux-kbuild-*"))
		      if os.path.isdir(os.path.join(d, "scripts"))]
		if not kb:
			raise SetupError(f"no kbuild host tools under {root}/usr/lib")
		want = os.path.join(root, "usr", "lib", f"linux-kbuild-{abi}")
		if not os.path.exists(want):
			os.symlink(os.path.basename(kb[0]), want)
		_publish(ok, "")
		return hdr, common

	def _extract_image(self, r):
		"""The bootable image and the kernel's own base modules."""
		base = os.path.join(self.dir, "image", "base")
		ok = os.path.join(self.dir, ".image-ok")
		wanted = self.facts["base"]
		if not os.path.exists(ok):
			shutil.rmtree(base, ignore_errors=True)
			os.makedirs(base)
			if wanted:
				if not r.modules_dir:
					raise SetupError(f"the resolver gave no modules for {r.release}")
				self._copy_base(r.modules_dir, base)
			_publish(ok, "")
		return r.image

	def _copy_base(self, tree, dest):
		for m in self.facts["base"]:
			hits = sorted(glob.glob(os.path.join(tree, "**", f"{m}.ko*"), recursive=True))
			if not hits:
				continue
			f = hits[0]
			out = os.path.join(dest, f"{m}.ko")
			if f.endswith(".ko.xz"):
				with lzma.open(f) as src, open(out, "wb") as dst:
					shutil.copyfileobj(src, dst)
			elif f.endswith(".ko.zst"):
				with open(out, "wb") as dst:
					p = subprocess.run(["zstd", "-dc", f], stdout=dst)
				if p.returncode != 0:
					raise SetupError(f"cannot decompress {f} (zstd)")
			elif f.endswith(".ko"):
				shutil.copy(f, out)
			else:
				raise SetupError(f"unknown module compression: {f}")

	def _extract_kdir(self):
		ok = os.path.join(self.dir, ".src-ok")
		newer = False
		if os.path.exists(ok):
			t = os.path.getmtime(ok)
			for d in self.src_dirs:
				for dp, _, fs in os.walk(os.path.join(self.kdir, d)):
					if any((f.endswith((".c", ".h", ".S")) or f.startswith("Makefile"))
					       and os.path.getmtime(os.path.join(dp, f)) > t for f in fs):
						newer = True
						break
		if not os.path.exists(ok) or newer:
			self.say(f"copying {' '.join(self.src_dirs)} from {self.kdir}")
			for d in (self.pristine, self.stock_dir, self.work, self.harness_dir):
				shutil.rmtree(d, ignore_errors=True)
			skip = shutil.ignore_patterns("*.o", "*.ko", "*.mod", "*.mod.c", ".*.cmd",
						      "modules.order", "Module.symvers", "*.a")
			for d in self.src_dirs:
				shutil.copytree(os.path.join(self.kdir, d), os.path.join(self.pristine, d),
						symlinks=True, ignore=skip)
			_publish(ok, "")
		base = os.path.join(self.dir, "image", "base")
		os.makedirs(base, exist_ok=True)
		for rel in ("virt/lib/irqbypass.ko", "drivers/crypto/ccp/ccp.ko"):
			p = os.path.join(self.kdir, rel)
			if os.path.isfile(p):
				shutil.copy(p, base)

	# --- building ---
	def _make(self, log):
		kvm = os.path.join(self.work, self.facts["dir"])
		argv = ["make", "-C", self.hdr, f"M={kvm}", f"-j{self.jobs}",
			*self.facts["make"], *self.tc.make_vars(),
			"CONFIG_DEBUG_INFO_BTF_MODULES=", "KCFLAGS=-g0", "modules"]
		env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
		with open(log, "a") as lf:
			if self.tc.kind == "host":
				p = subprocess.run(argv, stdout=lf, stderr=subprocess.STDOUT, env=env)
			else:
				p = self.tc.run(argv, stdout=lf, stderr=subprocess.STDOUT)
		return p.returncode == 0

	def _built_paths(self, d):
		return [os.path.join(d, f"{m}.ko") for m in self.facts["built"]]

	def set_id(self, d):
		return _sha(self._built_paths(d))

	def _collect(self, out):
		os.makedirs(out, exist_ok=True)
		kvm = os.path.join(self.work, self.facts["dir"])
		for m in self.facts["built"]:
			shutil.copy(os.path.join(kvm, f"{m}.ko"), out)
		base = os.path.join(self.dir, "image", "base")
		for f in glob.glob(os.path.join(base, "*.ko")):
			shutil.copy(f, out)

	def _objects(self, root):
		out = []
		for dp, _, fs in os.walk(root):
			for f in fs:
				if f.endswith(".o") and not f.endswith(".mod.o"):
					out.append(os.path.relpath(os.path.join(dp, f), root))
		return sorted(out)

	def _build_stock(self):
		okf = os.path.join(self.stock_dir, ".ok")
		if os.path.exists(okf) and os.path.isdir(self.work):
			with open(okf) as f:
				ok = f.read().splitlines()
			# Built by this very compiler against this very kernel build:
			# else everything again.
			if len(ok) >= 3 and ok[1] == self.tc.describe() and ok[2] == self._fingerprint():
				self._sanitize()
				return float(ok[0])
		self.say("building the stock modules (once; about a minute)")
		t0 = time.monotonic()
		for d in (self.work, self.stock_dir, self.stock_obj, self.harness_dir):
			shutil.rmtree(d, ignore_errors=True)
		_copytree(self.pristine, self.work)
		log = os.path.join(self.dir, "stock-build.log")
		open(log, "w").close()
		if not self._make(log):
			raise BuildError(f"the stock build failed, log: {log}", log)
		self._collect(self.stock_dir)
		for o in self._objects(self.work):
			dst = os.path.join(self.stock_obj, o)
			os.makedirs(os.path.dirname(dst), exist_ok=True)
			shutil.copy2(os.path.join(self.work, o), dst)
		secs = time.monotonic() - t0
		_publish(okf, f"{secs:.0f}\n{self.tc.describe()}\n{self._fingerprint()}\n")
		return secs

	def _fingerprint(self):
		"""What the modules are built against: the kernel build's config and
		symbol versions (a --kdir tree rebuilt with another config gets new
		modules)."""
		return _sha([os.path.join(self.hdr, ".config"), os.path.join(self.hdr, "Module.symvers")],
			    16)

	def stock(self):
		k = self.prepare()
		with open(os.path.join(self.stock_dir, ".ok")) as f:
			secs = float(f.read().split()[0])
		return Built(k.image, self.stock_dir, (), self.set_id(self.stock_dir), secs,
			     os.path.join(self.dir, "stock-build.log"))

	def _restore(self, files):
		"""The pristine source back with its old time stamp, the stock object
		back with a new one: make then relinks without recompiling."""
		for f in files:
			shutil.copy2(os.path.join(self.pristine, f), os.path.join(self.work, f))
			if f.endswith(".c"):
				o = f[:-2] + ".o"
				so = os.path.join(self.stock_obj, o)
				if os.path.exists(so):
					shutil.copy(so, os.path.join(self.work, o))
					os.utime(os.path.join(self.work, o))
					continue
			os.utime(os.path.join(self.work, f))

	def _sanitize(self):
		"""Every work-tree source that differs from the pristine copy (an
		interrupted run) back to stock."""
		if not os.path.isdir(self.work):
			return
		for dp, _, fs in os.walk(self.pristine):
			for f in fs:
				rel = os.path.relpath(os.path.join(dp, f), self.pristine)
				w = os.path.join(self.work, rel)
				p = os.path.join(self.pristine, rel)
				if (not os.path.exists(w) or _sha([p], 64) != _sha([w], 64)
				    or os.path.getmtime(w) > os.path.getmtime(p)):
					self._restore([rel])

	# --- the harness ---
	def harness(self):
		"""The SEV-ES harness set (x86_64), built once per version of the patch;
		BuildError when it does not apply or build."""
		if self.arch.name != "x86_64":
			raise BuildError("the SEV-ES harness is kvm_amd's: x86_64 only")
		k = self.prepare()
		with self._link:
			if self._harness:
				return self._harness
			if self.harness_error:
				raise self.harness_error
			try:
				self._harness = self._build_harness(k)
			except BuildError as e:
				self.harness_error = e
				raise
			return self._harness

	def harness_patch(self):
		"""The harness patch of this line; for a --kdir tree (of any version)
		the first of kernel/harness's patches that applies to it."""
		if not self.kdir:
			return harness_patch(self.line)
		if getattr(self, "_kdir_patch", None):
			return self._kdir_patch
		cands = [harness_patch(None)] + sorted(glob.glob(os.path.join(HARNESS_DIR,
									 "sev-es-test-harness@*.patch")))
		for c in cands:
			with open(c, "rb") as f:
				p = subprocess.run(["patch", "-d", self.pristine, "-p1", "--fuzz=0",
						    "--dry-run", "-s"], stdin=f, capture_output=True)
			if p.returncode == 0:
				self._kdir_patch = c
				return c
		return cands[0]

	def harness_files(self):
		try:
			with open(os.path.join(self.harness_obj, ".files")) as f:
				return f.read().split()
		except OSError:
			return []

	def _build_harness(self, k):
		patch = self.harness_patch()
		if not os.path.isfile(patch):
			raise BuildError(f"the harness patch is missing: {patch}")
		pid = _sha([patch], 16)
		okf = os.path.join(self.harness_dir, ".ok")
		if os.path.exists(okf):
			with open(okf) as f:
				ok = f.read().split()
			if ok and ok[0] == pid:
				return Built(k.image, self.harness_dir, (HARNESS_PARAM,),
					     self.set_id(self.harness_dir), float(ok[1]), "")
		self.say(f"building the harness modules ({os.path.basename(patch)}; once, about 20 s)")
		t0 = time.monotonic()
		log = os.path.join(self.dir, "harness-build.log")
		open(log, "w").close()
		for d in (self.harness_dir, self.harness_src, self.harness_obj):
			shutil.rmtree(d, ignore_errors=True)
		os.makedirs(self.harness_obj)
		_copytree(self.pristine, self.harness_src)
		p = Patch(patch)
		files = p.files()
		for f in files:
			if not self._inside(f):
				raise BuildError(f"the harness patch touches {f}, outside "
						 f"{' '.join(self.src_dirs)}", log)
		try:
			p.apply(self.harness_src)
		except ChangeError as e:
			with open(log, "a") as lf:
				lf.write(f"{e}\n")
			raise BuildError(f"the harness patch does not apply to KVM's source of "
					 f"{k.version}", log) from None
		for f in files:
			shutil.copy(os.path.join(self.harness_src, f), os.path.join(self.work, f))
		ok = self._make(log)
		err = None
		if ok:
			self._collect(self.harness_dir)
			changed = []
			for o in self._objects(self.work):
				if not os.path.exists(os.path.join(self.pristine, o[:-2] + ".c")):
					continue	# kvm.o, kvm-amd.o: relinked
				so = os.path.join(self.stock_obj, o)
				if os.path.exists(so) and _sha([so], 64) == _sha([os.path.join(self.work, o)], 64):
					continue
				dst = os.path.join(self.harness_obj, o)
				os.makedirs(os.path.dirname(dst), exist_ok=True)
				shutil.copy(os.path.join(self.work, o), dst)
				changed.append(o[:-2] + ".c")
			_publish(os.path.join(self.harness_obj, ".files"), "\n".join(changed) + "\n")
			if self.set_id(self.harness_dir) == self.set_id(self.stock_dir):
				err = "the harness patch left the modules identical to the stock ones"
		else:
			err = f"the harness build failed, log: {log}"
		# Back to stock: sources with their old time stamps, objects newer.
		for f in files:
			shutil.copy2(os.path.join(self.pristine, f), os.path.join(self.work, f))
		for o in self._objects(self.work):
			so = os.path.join(self.stock_obj, o)
			w = os.path.join(self.work, o)
			if os.path.exists(so) and _sha([so], 64) != _sha([w], 64):
				shutil.copy(so, w)
				os.utime(w)
		if err:
			with open(log, "a") as lf:
				lf.write(err + "\n")
			shutil.rmtree(self.harness_dir, ignore_errors=True)
			raise BuildError(err, log)
		secs = time.monotonic() - t0
		_publish(okf, f"{pid}\n{secs:.0f}\n")
		return Built(k.image, self.harness_dir, (HARNESS_PARAM,), self.set_id(self.harness_dir),
			     secs, log)

	# --- changes ---
	def _inside(self, f):
		if f.startswith("/") or ".." in f.split("/"):
			return False
		return (any(f.startswith(d + "/") for d in self.src_dirs)
			and os.path.isfile(os.path.join(self.pristine, f)))

	def full_source(self):
		"""A whole tree of this line's Debian source, for upstream's
		selftests (a KDIR is one already)."""
		from . import upstream
		self.prepare()
		if self.kdir:
			return self.kdir
		return upstream.source_tree(self._res.source[1], self._res.version, self.cache,
					    log=self.say)

	def source(self, base="stock"):
		self.prepare()
		if base == "harness":
			self.harness()
			return self.harness_src
		return self.pristine

	def _overlay(self, changes, src, root):
		"""Apply CHANGES to copies of the files they touch, from SRC, in
		ROOT; returns the files edited."""
		files = []
		for c in changes:
			for f in c.files(src):
				if not self._inside(f):
					raise ChangeError(f"{c.name} touches {f}, outside "
							  f"{' '.join(self.src_dirs)}: build the whole kernel "
							  "and use run_tests.sh --kernel")
				if f not in files:
					files.append(f)
					dst = os.path.join(root, f)
					os.makedirs(os.path.dirname(dst), exist_ok=True)
					shutil.copy2(os.path.join(src, f), dst)
		for c in changes:
			try:
				c.apply(root)
			except ChangeError:
				raise
			except Exception as e:		# catalogue.EditError and the like
				raise ChangeError(str(e)) from None
		if not files:
			raise ChangeError("the change edited no file")
		return sorted(files)

	def check(self, changes, base="stock", src=None):
		"""Apply CHANGES to a scratch copy; the files they changed. No build.
		SRC: the tree to start from (default the pristine or harness source)."""
		src = src or (self.harness_src if base == "harness" else self.pristine)
		with tempfile.TemporaryDirectory(prefix="kvm-mutants-edits.") as t:
			files = self._overlay(changes, src, t)
			changed = [f for f in files
				   if _sha([os.path.join(src, f)], 64) != _sha([os.path.join(t, f)], 64)]
		if not changed:
			raise ChangeError("no file changed")
		return changed

	def prepare_source(self):
		"""Only the source (for --check-edits): resolve and extract."""
		self.resolve()
		os.makedirs(self.dir, exist_ok=True)
		if self.kdir:
			self._lock()
			self._extract_kdir()
		else:
			self._extract_src()
		return self.pristine

	def _side_compile(self, rel, mirror, out, log):
		"""Compile MIRROR/REL with the command kbuild recorded for the work
		tree's REL, into OUT (byte for byte what kbuild makes of it)."""
		d, base = os.path.split(rel)
		cmdf = os.path.join(self.work, d, f".{base[:-2]}.o.cmd")
		try:
			with open(cmdf) as f:
				first = f.readline().rstrip("\n")
		except FileNotFoundError:
			raise BuildError(f"{rel} is not compiled in this kernel's configuration "
					 "(its CONFIG_ option is off)", log) from None
		except OSError:
			first = ""
		try:
			cmd, cwd = side_command(first, rel, self.work, self.hdr,
						os.path.join(self.work, self.facts["dir"]), mirror, out)
		except ValueError:
			raise BuildError(f"no usable compile command for {rel} in {cmdf}", log) from None
		env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
		with open(log, "a") as lf:
			if self.tc.kind == "host":
				p = subprocess.run(["sh", "-c", cmd], cwd=cwd, env=env, stdout=lf,
						   stderr=subprocess.STDOUT)
			else:
				p = self.tc.run(["sh", "-c", cmd], cwd=cwd, stdout=lf,
						stderr=subprocess.STDOUT)
		if p.returncode != 0:
			raise BuildError(f"{rel} does not compile", log)

	def build(self, changes, out, base="stock"):
		"""Modules with CHANGES on BASE into OUT: a Built. ChangeError when a
		change does not apply, BuildError when the build fails or leaves
		the modules as BASE's."""
		k = self.prepare()
		ref = self.harness() if base == "harness" else self.stock()
		src = self.harness_src if base == "harness" else self.pristine
		t0 = time.monotonic()
		os.makedirs(self.scratch, exist_ok=True)
		s = tempfile.mkdtemp(prefix="set.", dir=self.scratch)
		log = out.rstrip("/") + ".build.log"
		os.makedirs(os.path.dirname(log), exist_ok=True)
		open(log, "w").close()
		try:
			tree = os.path.join(s, "tree")
			files = self._overlay(changes, src, tree)
			side = all(f.endswith(".c") for f in files)
			if side:
				mirror = os.path.join(s, "src")
				_symlink_tree(src, mirror)
				for f in files:
					os.unlink(os.path.join(mirror, f))
					shutil.copy2(os.path.join(tree, f), os.path.join(mirror, f))
				for f in files:
					o = os.path.join(s, "obj", f[:-2] + ".o")
					os.makedirs(os.path.dirname(o), exist_ok=True)
					self._side_compile(f, mirror, o, log)
			with self._link:
				return self._link_set(k, ref, base, files, side, s, out, log, t0)
		finally:
			shutil.rmtree(s, ignore_errors=True)

	def _link_set(self, k, ref, base, files, side, s, out, log, t0):
		restore = list(files)
		if base == "harness":
			hp = Patch(self.harness_patch())
			if side:
				for f in self.harness_files():
					o = f[:-2] + ".o"
					shutil.copy(os.path.join(self.harness_obj, o), os.path.join(self.work, o))
					os.utime(os.path.join(self.work, o))
				restore += self.harness_files()
			else:
				for f in hp.files():
					shutil.copy(os.path.join(self.harness_src, f), os.path.join(self.work, f))
				restore += self.harness_files() + hp.files()
		for f in files:
			if side:
				o = f[:-2] + ".o"
				shutil.copy(os.path.join(s, "obj", o), os.path.join(self.work, o))
				os.utime(os.path.join(self.work, o))
			else:
				shutil.copy(os.path.join(s, "tree", f), os.path.join(self.work, f))
		try:
			ok = self._make(log)
			if ok:
				shutil.rmtree(out, ignore_errors=True)
				self._collect(out)
		finally:
			self._restore(sorted(set(restore)))
		if not ok:
			raise BuildError("the build failed", log)
		sid = self.set_id(out)
		if sid == ref.set_id:
			with open(log, "a") as lf:
				lf.write(f"the change left the modules identical to the {base} ones\n")
			raise BuildError(f"the change left the modules identical to the {base} ones", log)
		return Built(k.image, out, ref.module_params, sid, time.monotonic() - t0, log)

	def close(self):
		if self._lockfd is not None:
			os.close(self._lockfd)
			self._lockfd = None


def side_command(first, rel, work, hdr, mdir, mirror, out):
	"""(command, cwd) that compiles MIRROR/REL as kbuild compiled WORK/REL,
	into OUT, from the first line of its .o.cmd file (savedcmd_OBJ := CMD).

	kbuild records either absolute paths, run from the headers (HDR; 6.x),
	or paths relative to the module folder, run from there (MDIR; 7.x). The
	command keeps its form and runs from the mirror's place of that folder,
	so every name the compiler sees, __FILE__ included, is the one kbuild
	gave it. ValueError when the line is not such a command."""
	m = re.match(r"^savedcmd_(\S+) := (.*)$", first)
	if not m:
		raise ValueError("not a savedcmd line")
	obj, cmd = m.group(1), m.group(2)
	base = os.path.basename(rel)[:-2]
	absolute = obj.startswith("/")
	cwd = hdr if absolute else mdir
	src = obj[:-2] + ".c"
	tail = f" -o {obj} {src}"
	if os.path.normpath(os.path.join(cwd, obj)) != os.path.join(work, rel[:-2] + ".o") \
	   or tail not in cmd:
		raise ValueError("the command does not make this object")
	dep = os.path.join(os.path.dirname(obj) or ".", f".{base}.o.d")
	if absolute:
		mapping = f"-fmacro-prefix-map={mirror}/={work}/"
		cmd = cmd.replace(tail, f" {mapping} -o {out} {mirror}{src[len(work):]}")
	else:
		cmd = cmd.replace(tail, f" -o {out} {src}")
		cwd = os.path.join(mirror, os.path.relpath(mdir, work))
	return cmd.replace(f"-Wp,-MMD,{dep}", f"-Wp,-MMD,{out}.d"), cwd


def _symlink_tree(src, dst):
	"""DST: SRC's folders, every file a symbolic link to SRC's (cp -as)."""
	for dp, dns, fs in os.walk(src):
		rel = os.path.relpath(dp, src)
		d = os.path.join(dst, rel) if rel != "." else dst
		os.makedirs(d, exist_ok=True)
		for f in fs:
			os.symlink(os.path.join(dp, f), os.path.join(d, f))


# --- the command (kernel/mutants/kvm-modules.sh) --------------------------------------

PROG = "kvm-modules.sh"
USAGE = """\
usage: kvm-modules.sh [--arch A] [--line L]... [--kdir DIR] [--cache DIR] [--jobs N]
                      COMMAND [ARGS]

Build KVM's modules (x86_64: kvm.ko, kvm-amd.ko; riscv64: kvm.ko) for the
Debian kernel of a kernel line of kernel/lines.toml ([matrix].mutants: today
6.12 and latest), from Debian's linux-source-X.Y and the headers and kbuild
packages of exactly that version (resolved from the package index today), or
for a built kernel tree (--kdir, or KDIR=). The compiler is the one the
kernel's config names (CONFIG_CC_VERSION_TEXT): this machine's when it has
that gcc, else a Debian chroot of the kernel's suite with it (made once with
debootstrap; needs root).

Commands:
  resolve           print each line's kernel (key=value: line, release,
                    version, origin, cache); builds nothing
  packages          print the Debian packages the builds need installed
  prepare           download and extract what is needed, build the stock
                    modules and (x86_64) the harness modules once; print
                    line=, bzimage=, stock=, stock_id=, compiler=, harness=,
                    harness_id= and harness_param= lines per line
  build [--harness] OUT [PATCH...]
                    modules with the PATCH files (patch -p1, no fuzz, paths
                    inside KVM's source folders) applied, into OUT (the
                    modules and the kernel's own base modules); one line:
                    --line or the first line of [matrix].mutants. --harness:
                    on top of the test-only SEV-ES harness (kernel/harness/);
                    load the result with the printed module_param=

Options:
  --arch A     x86_64 (default; KM_ARCH= in the environment works too) or
               riscv64
  --line L     a kernel line of kernel/lines.toml (repeatable)
  --kdir DIR   a kernel tree built with CONFIG_KVM=m (arch/x86/boot/bzImage,
               Module.symvers); its tree is only read, never written
  --cache DIR  work directory (default <repo>/.cache/mutants)
  --jobs N     parallel compile jobs (default: number of CPUs)
  -h, --help   this help

Exit status: 0 done, 1 a build failed, 2 bad usage or missing input.
"""

PACKAGES = ("make", "binutils", "xz-utils", "patch", "libelf1", "libssl3", "zlib1g", "debootstrap")


def line_name(spelling):
	"""A kernel line of kernel/lines.toml by its key ("latest") or its role
	("lts"); ValueError for anything else."""
	known = lines_mod.lines()
	if spelling in known:
		return spelling
	by_role = [k for k, v in known.items() if v.role == spelling]
	if len(by_role) == 1:
		return by_role[0]
	raise ValueError(f"unknown line '{spelling}' (kernel/lines.toml has "
			 f"{', '.join(known)}; roles {', '.join(v.role for v in known.values())})")


def _cli_lines(arch, given):
	if given:
		try:
			return [line_name(g) for g in given]
		except ValueError as e:
			raise SetupError(str(e)) from None
	ls = lines_mod.load()["matrix"].get("mutants", {}).get(arch.name, [])
	if not ls:
		raise SetupError(f"kernel/lines.toml [matrix].mutants names no line for {arch.name}")
	return list(ls)


def main(argv=None):
	import sys
	argv = list(sys.argv[1:] if argv is None else argv)

	def say(msg):
		print(f"{PROG}: {msg}", file=sys.stderr, flush=True)

	def usage_error(msg):
		print(f"{PROG}: error: {msg}", file=sys.stderr)
		return 2
	arch_name = os.environ.get("KM_ARCH") or "x86_64"
	kdir = os.environ.get("KDIR") or None
	cache = None
	jobs = None
	given = []
	while argv and argv[0].startswith("-"):
		a = argv.pop(0)
		if a in ("-h", "--help"):
			sys.stdout.write(USAGE)
			return 0
		if a in ("--kdir", "--cache", "--jobs", "--line", "--arch"):
			if not argv or not argv[0]:
				return usage_error(f"{a} needs a value")
			v = argv.pop(0)
			if a == "--kdir":
				kdir = v
			elif a == "--cache":
				cache = v
			elif a == "--line":
				given.append(v)
			elif a == "--arch":
				arch_name = v
			elif not v.isdigit() or int(v) == 0:
				return usage_error("--jobs needs a positive number")
			else:
				jobs = int(v)
			continue
		print(f"{PROG}: error: unknown option '{a}'", file=sys.stderr)
		sys.stderr.write(USAGE)
		return 2
	if not argv:
		sys.stderr.write(USAGE)
		return 2
	cmd = argv.pop(0)
	try:
		arch = arches.get(arch_name)
		if arch.name not in MODULES:
			return usage_error(f"{arch.name}'s KVM is built into the kernel image: "
					   "no modules to build")
		if kdir and arch.name != "x86_64":
			return usage_error("--kdir is for x86_64 kernel trees")
		if cmd == "packages":
			print(" ".join(PACKAGES))
			return 0
		if cmd not in ("resolve", "prepare", "build"):
			print(f"{PROG}: error: unknown command '{cmd}'", file=sys.stderr)
			sys.stderr.write(USAGE)
			return 2
		ls = [None] if kdir else _cli_lines(arch, given)
		if cmd == "build":
			harness = bool(argv) and argv[0] == "--harness"
			if harness:
				argv.pop(0)
				if arch.name != "x86_64":
					return usage_error("the SEV-ES harness is kvm_amd's: x86_64 only")
			if not argv or not argv[0]:
				return usage_error("build needs an output directory")
			out = argv.pop(0)
			for p in argv:
				if not os.path.isfile(p):
					return usage_error(f"patch not found: {p}")
			b = builder(ls[0], arch, kdir=kdir, cache=cache, jobs=jobs, say=say)
			k = b.prepare()
			try:
				if not argv:
					bt = b.harness() if harness else b.stock()
					shutil.rmtree(out, ignore_errors=True)
					shutil.copytree(bt.modules, out, ignore=shutil.ignore_patterns(".*"))
				else:
					bt = b.build([Patch(p) for p in argv], os.path.abspath(out),
						     "harness" if harness else "stock")
			except ChangeError as e:
				return usage_error(str(e))
			except BuildError as e:
				print(f"{PROG}: {e}" + (f" (log: {e.log})" if e.log else ""), file=sys.stderr)
				return 1
			print(f"line={k.line}\nbzimage={k.image}\nmodules={os.path.abspath(out)}\n"
			      f"modules_id={bt.set_id}")
			if harness:
				print(f"module_param={HARNESS_PARAM}")
			return 0
		rc = 0
		for ln in ls:
			b = builder(ln, arch, kdir=kdir, cache=cache, jobs=jobs, say=say)
			if cmd == "resolve":
				r = b.resolve()
				print(f"line={ln or 'kdir'}\nrelease={r.release}\nversion={r.version}\n"
				      f"origin={r.origin}\ncache={b.dir}")
				continue
			try:
				k = b.prepare()
			except BuildError as e:
				print(f"{PROG}: {e}", file=sys.stderr)
				rc = 1
				continue
			st = b.stock()
			print(f"line={k.line}\nbzimage={k.image}\nstock={st.modules}\n"
			      f"stock_id={st.set_id}\ncompiler={k.compiler}")
			if arch.name != "x86_64":
				continue
			try:
				h = b.harness()
				print(f"harness={h.modules}\nharness_id={h.set_id}")
			except BuildError as e:
				say(f"line {k.line}: {e}")
				print("harness=none")
			print(f"harness_param={HARNESS_PARAM}")
		return rc
	except (SetupError, toolchain.ToolchainError, arches.UnknownArch) as e:
		print(f"{PROG}: error: {e}", file=sys.stderr)
		return 2
	except KeyboardInterrupt:
		return 130


if __name__ == "__main__":
	import sys
	sys.exit(main())
