# SPDX-License-Identifier: GPL-2.0
"""One kernel under QEMU: qemu-suite.sh (kernel/README.md).

Boot a kernel image (x86_64, arm64 or riscv64) with its kvm modules and an
initramfs of a static busybox, the suite's static binaries and
kernel/guest-init.sh as /init; run the suite inside it and leave a complete
result set on the host. The one place that knows how to boot a kernel of
each architecture: the facts come from arches, the image from image.

Three channels from the guest, each a serial port of its own: the kernel
console (boot.log), the KTAP stream and the result set (exit status and a
tar, base64, between markers). x86 has three ISA ports; the virt machines
have one UART, so the two others are PCI 16550s (8250_pci).
"""

import base64
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import apt, arches, cli, debs, fetch, image

PROG = "qemu-suite.sh"
HERE = os.path.join(cli.REPO, "kernel")

USAGE = f"""\
usage: {PROG} --image PATH [--modules DIR] --out RESULTDIR [options] [-- RUNNER_ARGS...]

Boot the kernel image PATH under QEMU (qemu-system-x86_64, -aarch64 or
-riscv64, from the image's architecture) with an initramfs made of a static
busybox, the suite's static binaries and the kvm modules found in DIR, run
the suite's run_tests.sh inside it and leave a result set in RESULTDIR:
ktap.txt, logs/, status.txt, inventory.txt, summary.txt (from the guest),
boot.log (serial console), kernel.txt (what ran, how, timings), modules.txt,
dmesg.txt.

  --image PATH      kernel image: an x86 bzImage, an arm64 Image or a riscv
                    Image (Debian's vmlinuz-*/vmlinux-*); gzip-compressed
                    images too. --bzimage is the same option
  --modules DIR     kvm modules: a flat directory (kvm.ko and kvm-amd.ko /
                    kvm-intel.ko on x86, kvm.ko on riscv; .ko.xz/.ko.zst/
                    .ko.gz too) or a tree laid out like /lib/modules/<release>/.
                    The modules they depend on (irqbypass, ccp) come from
                    DIR when it has them, else from /lib/modules/<release>
                    on this host, else from the kernel's own Debian package
                    (fetched). Omit it for a kernel with KVM built in
                    (always so on arm64)
  --out RESULTDIR   result set directory (created; our files in it replaced)
  --arch A          the image's architecture must be A (x86_64, arm64,
                    riscv64); read from the image when not given
  --timeout S       kill QEMU after S seconds (default 600)
  --label L         name of the kernel in the inventory and messages
                    (default: the release string read from the image)
  --accel A         auto (default), kvm or tcg. auto uses kvm only for an
                    x86_64 kernel on a host whose KVM offers nested SVM/VMX,
                    else TCG (-cpu max; arm64: virt with EL2, riscv64: virt
                    with the H extension)
  --memory MB       guest memory (default 1024)
  --boot MODE       x86_64 only: auto (default), pvh or bzimage. pvh
                    decompresses the image on the host and boots the ELF
                    through its PVH entry (saves seconds of decompression
                    under TCG); auto does so when the image has a PVH entry
  --build DIR       static suite binaries (default <repo>/build-static for
                    x86_64, <repo>/build-static-arm64 or -riscv, made by
                    'make STATIC=1 [ARCH=arm64|riscv]')
  --busybox PATH    a static busybox for the image's architecture (default
                    /bin/busybox for the host's own, else Debian's
                    busybox-static, fetched)
  --suite-dir DIR   directory holding run_tests.sh and settings (default
                    the repo)
  --config FILE     the kernel's .config, put at /boot/config-<release> in the
                    guest for the inventory (default: boot/config-<release>
                    beside a packaged image, lib/modules/<release>/config
                    beside a 7.x one, or the .config of the tree an
                    arch/*/boot image was built in)
  --append ARGS     extra kernel command line arguments
  --module-param M.P=V
                    load module M (one of the kvm modules in --modules) with
                    parameter P=V (repeatable); insmod does not read the
                    kernel command line. Recorded in modules.txt and kernel.txt
  --kernel-info KEY=VALUE
                    a line added to kernel.txt (repeatable; the kernel
                    matrix says there where a Debian kernel came from)
  --no-stream       do not copy the KTAP stream to stdout while it runs
  --ktap            the KTAP stream on stdout (the default unless stdout is a
                    terminal)
  --no-report       no junit.xml and report.html (the caller reports)
  --brief           a person's view (the default on a terminal): a progress
                    line while the guest boots and runs, then the result set
                    as run_tests.sh --show prints it
                    (ktap.txt is printed when the run ends instead)
  --initramfs FILE  write the initramfs to FILE and stop, booting nothing
                    (no --out needed): its /init loads the kvm modules as a
                    run does, then starts a shell on the console with the
                    suite in /suite, for harnesses that drive the console
                    themselves (LAVA, lava/README.md)
  -h, --help        this help

Everything after -- goes to the guest's run_tests.sh (its -o is ours).

A module that fails to load (other than the vendor module that does not
match the CPU, kvm_intel on AMD or kvm_amd on Intel) or a guest without
/dev/kvm fails the run: the suite does not run, the reason is the result.

Exit status: the guest runner's status (0 nothing failed, 1 failures, 4
every case skipped), 2 bad usage or input, 3 the kernel panicked, never
reached the suite, died in it, timed out, a kvm module failed to load or
there was no /dev/kvm (the tail of boot.log says which).
"""

# The files of a result set this tool writes (or has the guest write).
OURS = ("ktap.txt", "logs", "status.txt", "inventory.txt", "summary.txt", "boot.log",
	"kernel.txt", "modules.txt", "dmesg.txt", "runner-stderr.txt", "qemu.log",
	"junit.xml", "report.html")
_MODPARAM_RE = re.compile(r"^[a-z0-9_-]+\.[A-Za-z0-9_]+=[A-Za-z0-9_.,:+-]*$")
_KINFO_RE = re.compile(r"^[a-z][a-z0-9_]*=[^\n]*$")
COUNT_RE = re.compile(r"^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$")


def _positive(v):
	return bool(re.match(r"^[0-9]+$", v)) and int(v) > 0


def static_build(a, suite_dir):
	"""Where `make STATIC=1 [ARCH=<make>]` leaves the static suite."""
	if a.name == "x86_64":
		return os.path.join(suite_dir, "build-static")
	return os.path.join(suite_dir, f"build-static-{a.make}")


def make_hint(a):
	return "make STATIC=1" if a.name == "x86_64" else f"make STATIC=1 ARCH={a.make}"


def no_build_message(a, build):
	if a.name == "x86_64":
		return f"no static suite build in {build} (run: {make_hint(a)})"
	return f"no static {a.name} suite build in {build} (run: {make_hint(a)})"


def count_ktap(path):
	"""Leaf results (the binaries' subtests) of a combined KTAP stream:
	(passed, failed, skipped)."""
	p = f = s = 0
	try:
		with open(path, errors="replace") as fh:
			for ln in fh:
				if re.match(r"^ +ok [0-9]+ .*# [Ss][Kk][Ii][Pp]", ln):
					s += 1
				elif re.match(r"^ +ok [0-9]+", ln):
					p += 1
				elif re.match(r"^ +not ok [0-9]+", ln):
					f += 1
	except OSError:
		pass
	return p, f, s


def squote(s):
	return "'" + s.replace("'", "'\\''") + "'"


def qarg(s):
	"""A QEMU option value: a comma is written twice."""
	return s.replace(",", ",,")


def host_nested():
	"""Does this host's KVM offer nested SVM/VMX?"""
	if not (os.access("/dev/kvm", os.R_OK) and os.access("/dev/kvm", os.W_OK)):
		return False
	try:
		with open("/proc/cpuinfo") as f:
			flags = f.read()
	except OSError:
		return False
	if re.search(r"\bsvm\b", flags):
		p = "/sys/module/kvm_amd/parameters/nested"
	elif re.search(r"\bvmx\b", flags):
		p = "/sys/module/kvm_intel/parameters/nested"
	else:
		return False
	try:
		with open(p) as f:
			return f.read().strip() in ("1", "Y")
	except OSError:
		return False


class _Modules:
	"""The kvm modules for the guest: those asked for from DIR, what they
	depend on (depends=, followed to the end) from DIR, else from the
	kernel's own modules; each decompressed and ranked after what it
	depends on."""

	def __init__(self, work, release, arch, log):
		self.work = work
		self.release = release
		self.arch = arch
		self.file = {}
		self.deps = {}
		self.src_dir = {}
		self._fallback = None
		self.log = log

	def find(self, d, name):
		alt = name.replace("-", "_")
		hits = []
		for root, _, files in os.walk(d, followlinks=True):
			for fn in files:
				for n in (name, alt):
					if fn == f"{n}.ko" or fn.startswith(f"{n}.ko."):
						p = os.path.join(root, fn)
						if os.path.isfile(p):
							hits.append(p)
						break
		hits = sorted(set(hits))
		if self.release and len(hits) > 1:
			mine = [h for h in hits if f"/{self.release}/" in h]
			if mine:
				hits = mine
		if len(hits) > 1:
			raise cli.Bad(f"several {name} modules under {d}; give the directory of one kernel")
		return hits[0] if hits else ""

	def add(self, key, src, from_dir):
		os.makedirs(os.path.join(self.work, "mods"), exist_ok=True)
		dst = os.path.join(self.work, "mods", f"{key}.ko")
		if src.endswith(".ko"):
			shutil.copyfile(src, dst)
		else:
			cmd = {".xz": ["xz", "-dc"], ".zst": ["zstd", "-qdc"], ".gz": ["gzip", "-dc"]}
			ext = os.path.splitext(src)[1]
			if not src.endswith((".ko.xz", ".ko.zst", ".ko.gz")):
				raise cli.Bad(f"unknown module format: {src}")
			with open(dst, "wb") as out:
				try:
					r = subprocess.run(cmd[ext] + [src], stdout=out,
							   stderr=subprocess.DEVNULL)
					ok = r.returncode == 0
				except FileNotFoundError:
					ok = False
			if not ok:
				raise cli.Bad(f"cannot decompress {src}")
		with open(dst, "rb") as f:
			data = f.read()
		deps = []
		for field in data.split(b"\0"):
			for ln in field.split(b"\n"):
				if ln.startswith(b"depends="):
					deps = [d for d in ln[len(b"depends="):].decode("ascii", "replace").split(",") if d]
					break
			else:
				continue
			break
		self.file[key] = dst
		self.deps[key] = deps
		self.src_dir[key] = from_dir

	def fallback_dirs(self):
		"""The kernel's own modules, for the dependencies DIR lacks: this
		host's /lib/modules/<release>, the kernel's package in the cache, or
		the package fetched now."""
		if self._fallback is not None:
			return self._fallback
		out = self._fallback = []
		r = self.release
		if not r:
			return out
		if os.path.isdir(f"/lib/modules/{r}/kernel"):
			out.append(f"/lib/modules/{r}")
		kc = os.environ.get("KVM_SYSEVENT_KERNEL_CACHE") or os.path.join(cli.REPO, ".cache",
										 "kernels")
		for pat in (f"linux-image-{r}-unsigned_*", f"linux-image-{r}_*"):
			for top in sorted(glob.glob(os.path.join(glob.escape(kc), pat))):
				for sub in ("usr/lib/modules", "lib/modules"):
					d = os.path.join(top, sub, r)
					if os.path.isdir(d) and os.path.isfile(os.path.join(top, ".extracted")):
						out.append(d)
						return out
		for p in (f"linux-image-{r}-unsigned", f"linux-image-{r}"):
			try:
				f = fetch.kernel(f"{p}:{self.arch.debian}", log=lambda m: None)
			except (cli.Bad, apt.AptError, debs.DebError, OSError):
				continue
			if f.modules:
				out.append(f.modules)
			return out
		return out

	def gather(self, modules_dir):
		for m in self.arch.kvm_modules:
			src = self.find(modules_dir, m)
			if src:
				self.add(m.replace("-", "_"), src, modules_dir)
		if "kvm" not in self.file:
			raise cli.Bad(f"no kvm.ko under {modules_dir}")
		if self.arch.name == "x86_64" and "kvm_amd" not in self.file and \
				"kvm_intel" not in self.file:
			raise cli.Bad(f"no kvm-amd.ko or kvm-intel.ko under {modules_dir}")
		while True:
			missing = []
			for k in list(self.file):
				for d in self.deps[k]:
					d = d.replace("-", "_")
					if d not in self.file:
						missing.append((d, k))
			if not missing:
				break
			for d, k in missing:
				if d in self.file:
					continue
				src = self.find(modules_dir, d)
				frm = modules_dir
				if not src:
					for fd in self.fallback_dirs():
						src = self.find(fd, d)
						frm = fd
						if src:
							break
				if not src:
					raise cli.Bad(f"{k}.ko needs {d}.ko, which is neither in {modules_dir} nor "
						      "in the modules of kernel "
						      f"{self.release or '(unknown release)'} (no Debian package found)")
				self.add(d, src, frm)

	def place(self, dest):
		"""Copy into dest as <rank>-<name>.ko in dependency order; the order."""
		rank = 10
		placed = set()
		order = []
		remaining = sorted(self.file)
		while remaining:
			progress = False
			nxt = []
			for m in sorted(remaining):
				if all(d.replace("-", "_") in placed for d in self.deps[m]):
					shutil.copyfile(self.file[m], os.path.join(dest, f"{rank}-{m}.ko"))
					rank += 1
					placed.add(m)
					order.append(m)
					progress = True
				else:
					nxt.append(m)
			remaining = nxt
			if not progress:
				raise cli.Bad("circular module dependencies among:"
					      + "".join(f" {m}" for m in remaining))
		return order


def _tail_lines(path, n):
	try:
		with open(path, "rb") as f:
			data = f.read()
	except OSError:
		return []
	lines = data.split(b"\n")
	if lines and lines[-1] == b"":
		lines.pop()
	return lines[-n:]


def _out(b):
	sys.stdout.buffer.write(b)
	sys.stdout.buffer.flush()


def _err_lines(lines):
	for ln in lines:
		sys.stderr.buffer.write(b"  | " + ln + b"\n")
	sys.stderr.buffer.flush()


def _grep(path, text):
	try:
		with open(path, "rb") as f:
			return text.encode() in f.read()
	except OSError:
		return False


def main(argv):
	args = cli.Args(argv)
	o = dict(image="", modules="", out="", timeout="600", label="", accel="auto",
		 memory="1024", want_arch="", build="", suite_dir="", append="", config="",
		 boot="auto", busybox="", view="", initramfs_out="")
	stream = True
	host_report = True
	runner_args = []
	module_params = []
	kinfo = []
	valued = {"--image": "image", "--bzimage": "image", "--modules": "modules", "--out": "out",
		  "--arch": "want_arch", "--timeout": "timeout", "--label": "label",
		  "--accel": "accel", "--memory": "memory", "--build": "build",
		  "--busybox": "busybox", "--suite-dir": "suite_dir", "--append": "append",
		  "--config": "config", "--boot": "boot", "--initramfs": "initramfs_out"}
	while args.more():
		a = args.next()
		if a in valued:
			o[valued[a]] = args.value(a)
		elif a == "--module-param":
			module_params.append(args.value(a))
		elif a == "--kernel-info":
			kinfo.append(args.value(a))
		elif a == "--no-stream":
			stream = False
		elif a == "--ktap":
			o["view"] = "ktap"
		elif a == "--brief":
			o["view"] = "brief"
		elif a == "--no-report":
			host_report = False
		elif a in ("-h", "--help"):
			sys.stdout.write(USAGE)
			return 0
		elif a == "--":
			runner_args = args.rest()
		else:
			raise cli.Bad(f"unknown option '{a}' (see --help)")
	for a in runner_args:
		if a in ("-o", "--output"):
			raise cli.Bad("give the result directory as --out, not as a runner argument")
		if a == "--kernel" or a.startswith("--kernel="):
			raise cli.Bad("--kernel is not a runner argument here")
	if not o["image"]:
		raise cli.Bad("--image is required (try --help)")
	if not o["out"] and not o["initramfs_out"]:
		raise cli.Bad("--out is required (try --help)")
	if not _positive(o["timeout"]):
		raise cli.Bad("--timeout needs a positive number of seconds")
	if not _positive(o["memory"]):
		raise cli.Bad("--memory needs a positive number of MiB")
	if o["accel"] not in ("auto", "kvm", "tcg"):
		raise cli.Bad("--accel must be auto, kvm or tcg")
	if o["boot"] not in ("auto", "pvh", "bzimage"):
		raise cli.Bad("--boot must be auto, pvh or bzimage")
	want = None
	if o["want_arch"]:
		try:
			want = arches.get(o["want_arch"])
		except arches.UnknownArch:
			raise cli.Bad("--arch must be x86_64, arm64 or riscv64") from None
	for mp in module_params:
		if not _MODPARAM_RE.match(mp):
			raise cli.Bad("--module-param needs MODULE.PARAM=VALUE (letters, digits, "
				      f"_.,:+-), not: {mp}")
		if not o["modules"]:
			raise cli.Bad(f"--module-param needs --modules (for a built-in module use "
				      f"--append {mp})")
	for ki in kinfo:
		if not _KINFO_RE.match(ki):
			raise cli.Bad(f"--kernel-info needs KEY=VALUE (key: a-z, 0-9, _), not: {ki}")
	view = o["view"] or ("brief" if sys.stdout.isatty() else "ktap")
	if view != "ktap":
		stream = False
	work = tempfile.mkdtemp(prefix="kvm-sysevent-qemu.", dir=os.environ.get("TMPDIR", "/tmp"))
	try:
		return _run(o, want, stream, host_report, runner_args, module_params, kinfo, view,
			    work)
	finally:
		shutil.rmtree(work, ignore_errors=True)


def _run(o, want, stream, host_report, runner_args, module_params, kinfo, view, work):
	img = o["image"]
	modules = o["modules"]
	suite_dir = o["suite_dir"] or cli.REPO
	if not image.exists_readable(img):
		raise cli.Bad(f"kernel image not found: {img}")
	# An arm64 Image.gz (or any gzip-compressed image) is looked at, and
	# booted, decompressed.
	plain = img
	if image.is_gzip(img):
		plain = os.path.join(work, "Image")
		if not image.gunzip(img, plain):
			raise cli.Bad(f"cannot decompress {img}")
	a = image.arch_of(plain)
	if a is None:
		raise cli.Bad(f"not a kernel image (x86 bzImage, arm64 or riscv Image): {img}")
	if want and want.name != a.name:
		raise cli.Bad(f"{img} is an {a.name} kernel, not {want.name}")
	boot = o["boot"]
	if a.name != "x86_64" and boot != "auto":
		raise cli.Bad("--boot is for x86_64 kernels only")
	build = o["build"] or static_build(a, suite_dir)
	release = image.release_of(plain, a)
	label = o["label"] or release or os.path.basename(img)

	if modules:
		if not os.path.isdir(modules):
			raise cli.Bad(f"modules directory not found: {modules}")
		if not a.kvm_modular:
			raise cli.Bad("arm64 KVM is built into the kernel (CONFIG_KVM=y); give no --modules")
	config = o["config"]
	if config and not os.path.isfile(config):
		raise cli.Bad(f"config file not found: {config}")
	if not os.path.isfile(os.path.join(suite_dir, "run_tests.sh")):
		raise cli.Bad(f"no run_tests.sh in {suite_dir}")
	hint = make_hint(a)
	if not os.path.isdir(os.path.join(build, a.testdir)):
		raise cli.Bad(no_build_message(a, build))
	if not shutil.which(a.qemu):
		raise cli.Bad(f"{a.qemu} not found (apt-get install {' '.join(a.qemu_packages)})")
	if not shutil.which("cpio"):
		raise cli.Bad("cpio not found (apt-get install cpio)")
	busybox = o["busybox"]
	host = arches.host()
	if not busybox:
		if a.name == host.name and os.access("/bin/busybox", os.X_OK) and \
				image.is_static("/bin/busybox"):
			busybox = "/bin/busybox"
		elif a.name == host.name:
			raise cli.Bad("/bin/busybox is missing or not a static executable "
				      "(apt-get install busybox-static)")
		else:
			busybox = fetch.call(fetch.busybox, a)
	if not os.path.isfile(busybox):
		raise cli.Bad(f"busybox not found: {busybox}")
	if not image.is_static(busybox):
		raise cli.Bad(f"{busybox} is not a static executable")
	if image.elf_machine(busybox) != a.elf_machine:
		raise cli.Bad(f"{busybox} is not an {a.name} executable")

	if not config and release:
		imgdir = os.path.dirname(os.path.abspath(img))
		cands = [os.path.join(imgdir, f"config-{release}")]
		# 7.x: lib/modules/<release>/vmlinuz beside lib/modules/<release>/config.
		if os.path.basename(imgdir) == release:
			cands.append(os.path.join(imgdir, "config"))
		cands.append(os.path.join(imgdir, "..", "..", "..", ".config"))
		for c in cands:
			if os.path.isfile(c):
				config = c
				break

	out = o["out"]
	if out:
		try:
			os.makedirs(out, exist_ok=True)
		except OSError:
			raise cli.Bad(f"cannot create {out}") from None
		out = os.path.abspath(out)

	# --- the initramfs's tree ---------------------------------------------------
	root = os.path.join(work, "root")
	for d in ("bin", f"suite/build/{a.testdir}", "suite/build/tools", "suite/modules", "proc",
		  "sys", "dev", "tmp", "results"):
		os.makedirs(os.path.join(root, d), exist_ok=True)
	shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
	os.symlink("busybox", os.path.join(root, "bin", "sh"))
	shutil.copyfile(os.path.join(HERE, "guest-init.sh"), os.path.join(root, "init"))
	os.chmod(os.path.join(root, "init"), 0o755)
	shutil.copy(os.path.join(suite_dir, "run_tests.sh"), os.path.join(root, "suite"))
	for f in ("settings", "config", "tests.list"):
		p = os.path.join(suite_dir, f)
		if os.path.isfile(p):
			shutil.copy(p, os.path.join(root, "suite"))
	nbins = 0
	for sub in (a.testdir, "tools"):
		d = os.path.join(build, sub)
		if not os.path.isdir(d):
			continue
		for fn in sorted(os.listdir(d)):
			f = os.path.join(d, fn)
			if not os.path.isfile(f) or not os.access(f, os.X_OK):
				continue
			if not image.is_static(f):
				raise cli.Bad(f"{f} is not a static executable (build with: {hint})")
			if image.elf_machine(f) != a.elf_machine:
				raise cli.Bad(f"{f} is not an {a.name} executable (build with: {hint})")
			shutil.copy(f, os.path.join(root, "suite", "build", sub))
			nbins += 1
	if nbins == 0:
		raise cli.Bad(f"no executables in {build}/{a.testdir} (run: {hint})")
	if config and release:
		os.makedirs(os.path.join(root, "boot"), exist_ok=True)
		shutil.copyfile(config, os.path.join(root, "boot", f"config-{release}"))

	mods = _Modules(work, release, a, None)
	order = []
	if modules:
		mods.gather(modules)
	order = mods.place(os.path.join(root, "suite", "modules"))
	# Module parameters: one line per module, `name param=value ...`, read by /init.
	for mp in module_params:
		m = mp.split(".", 1)[0].replace("-", "_")
		if m not in mods.file:
			raise cli.Bad(f"--module-param {mp}: no module {m} under {modules}")
		with open(os.path.join(root, "suite", "module-params"), "a") as f:
			f.write(f"{m} {mp.split('.', 1)[1]}\n")

	# --- the machine ----------------------------------------------------------------
	same_arch = a.name == host.name
	accel = o["accel"]
	if accel == "auto":
		accel = "kvm" if a.name == "x86_64" and same_arch and host_nested() else "tcg"
	if accel == "kvm":
		if not same_arch:
			raise cli.Bad(f"--accel kvm needs an {a.name} host")
		cpu = "host"
		if a.name == "x86_64" and not host_nested():
			cli.say(PROG, "warning: host KVM offers no nested SVM/VMX; the guest may have "
				"no /dev/kvm")
	else:
		cpu = a.cpu_tcg
	ktap_out = os.path.join(work, "ktap.out")
	tar_out = os.path.join(work, "tar.out")
	open(ktap_out, "w").close()
	open(tar_out, "w").close()
	qserial = ["-serial", f"file:{out}/boot.log"]
	if a.pci_serial:
		for cid, path in (("ktap", ktap_out), ("tar", tar_out)):
			qserial += ["-chardev", f"file,id={cid},path={qarg(path)}",
				    "-device", f"pci-serial,chardev={cid}"]
	else:
		qserial += ["-serial", f"file:{ktap_out}", "-serial", f"file:{tar_out}"]

	# --- guest settings --------------------------------------------------------------
	revision = os.environ.get("KVM_SYSEVENT_REVISION")
	if not revision:
		r = subprocess.run(["git", "-C", suite_dir, "describe", "--always", "--dirty"],
				   capture_output=True, text=True)
		revision = r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "unknown"
	with open(os.path.join(root, "suite", "guest.env"), "w") as f:
		f.write(f"LABEL={squote(label)}\n")
		f.write(f"REVISION={squote(revision)}\n")
		f.write(f"KTAP_TTY={a.ktap_tty}\n")
		f.write(f"TAR_TTY={a.tar_tty}\n")
		f.write(f"MODULES_GIVEN={1 if modules else 0}\n")
		f.write(f"GUEST_SHELL={1 if o['initramfs_out'] else 0}\n")
		f.write("set --" + "".join(f" {squote(x)}" for x in runner_args) + "\n")

	initrd = os.path.join(work, "initrd.cpio")
	entries = []
	for dp, dns, fns in os.walk(root):
		for n in dns + fns:
			entries.append("./" + os.path.relpath(os.path.join(dp, n), root))
	entries.sort(key=lambda s: s.encode())
	with open(initrd, "wb") as f:
		r = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=root,
				   input="".join(e + "\n" for e in entries).encode(), stdout=f)
	if r.returncode != 0:
		raise cli.Bad("cannot build the initramfs")
	if o["initramfs_out"]:
		try:
			shutil.copyfile(initrd, o["initramfs_out"])
		except OSError:
			raise cli.Bad(f"cannot write {o['initramfs_out']}") from None
		return 0

	# --- the image to boot -------------------------------------------------------------
	boot_image = plain
	if a.name != "x86_64":
		boot = "image"
	elif boot != "bzimage":
		vml = os.path.join(work, "vmlinux")
		if image.extract_vmlinux(img, vml):
			boot_image = vml
			boot = "pvh"
		elif boot == "pvh":
			raise cli.Bad(f"cannot boot {img} through PVH (no PVH entry, or its payload is "
				      "not readable)")
		else:
			boot = "bzimage"

	return _boot(o, a, img, release, label, modules, config, module_params, kinfo, order, mods,
		     accel, cpu, boot, boot_image, initrd, qserial, out, work, stream, view,
		     host_report, suite_dir)


def _boot(o, a, img, release, label, modules, config, module_params, kinfo, order, mods, accel,
	  cpu, boot, boot_image, initrd, qserial, out, work, stream, view, host_report,
	  suite_dir):
	for f in OURS:
		p = os.path.join(out, f)
		if os.path.isdir(p) and not os.path.islink(p):
			shutil.rmtree(p, ignore_errors=True)
		elif os.path.lexists(p):
			os.unlink(p)
	timeout_s = int(o["timeout"])
	append = "console=" + a.console + " quiet panic=-1 mitigations=off"
	# x86 under TCG on a loaded host: the kernel's check that the 8254 timer
	# reaches the IO-APIC can fail ("IO-APIC + timer doesn't work!" panic);
	# the guest needs no such check.
	if a.name == "x86_64":
		append += " no_timer_check"
	if o["append"]:
		append += " " + o["append"]
	qemu_cmd = [a.qemu, "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
		    *a.machine, "-accel", accel, "-cpu", cpu, "-smp", "1", "-m", o["memory"],
		    "-kernel", boot_image, "-initrd", initrd, "-append", append, *qserial,
		    "-monitor", "none"]
	ktap_out = os.path.join(work, "ktap.out")
	tar_out = os.path.join(work, "tar.out")
	boot_log = os.path.join(out, "boot.log")

	start = time.monotonic()
	with open(os.path.join(out, "qemu.log"), "wb") as ql:
		proc = subprocess.Popen(["timeout", "-k", "5", str(timeout_s), *qemu_cmd],
					stdin=subprocess.DEVNULL, stdout=ql, stderr=subprocess.STDOUT)
	try:
		if stream:
			pos = 0
			while True:
				done = proc.poll() is not None
				with open(ktap_out, "rb") as f:
					f.seek(pos)
					chunk = f.read()
				if chunk:
					_out(chunk)
					pos += len(chunk)
				if done:
					break
				time.sleep(0.2)
		elif view == "brief" and sys.stdout.isatty():
			# Progress, rewritten in place: booting, then the cases so far.
			while proc.poll() is None:
				t = int(time.monotonic() - start)
				if _grep(boot_log, "kvm-sysevent-guest: suite starting"):
					n = 0
					with open(ktap_out, "rb") as f:
						for ln in f:
							if re.match(rb"^  (not )?ok [0-9]+ ", ln):
								n += 1
					what = f"{n} cases"
				else:
					what = "booting"
				sys.stdout.write(f"\r\033[K..    {label}: {what}  {t}s")
				sys.stdout.flush()
				time.sleep(1)
			sys.stdout.write("\r\033[K")
			sys.stdout.flush()
		qrc = proc.wait()
	except BaseException:
		# timeout(1) passes SIGTERM on to QEMU.
		proc.terminate()
		try:
			proc.wait(timeout=10)
		except subprocess.TimeoutExpired:
			proc.kill()
			proc.wait()
		raise
	seconds = f"{time.monotonic() - start:.1f}"

	# --- collect -----------------------------------------------------------------------
	open(boot_log, "ab").close()
	with open(tar_out, "rb") as f:
		tar_txt = f.read().replace(b"\r", b"").decode("ascii", "replace").split("\n")
	guest_rc = ""
	setup_failed = ""
	for ln in tar_txt:
		m = re.match(r"^KVM-SYSEVENT-EXIT rc=([0-9]*)$", ln)
		if m:
			guest_rc = m.group(1)
		if ln.startswith("KVM-SYSEVENT-SETUP-FAILED ") and not setup_failed:
			setup_failed = ln[len("KVM-SYSEVENT-SETUP-FAILED "):]
	have_tar = False
	if "KVM-SYSEVENT-TAR-END" in tar_txt and "KVM-SYSEVENT-TAR-BEGIN" in tar_txt:
		b = tar_txt.index("KVM-SYSEVENT-TAR-BEGIN")
		try:
			e = tar_txt.index("KVM-SYSEVENT-TAR-END", b)
			data = base64.b64decode("".join(tar_txt[b + 1:e]), validate=False)
			tarf = os.path.join(work, "results.tar")
			with open(tarf, "wb") as f:
				f.write(data)
			have_tar = subprocess.run(["tar", "-xf", tarf, "-C", out],
						  stderr=subprocess.DEVNULL).returncode == 0
		except (ValueError, OSError):
			have_tar = False

	log = open(boot_log, "rb").read()
	started = b"kvm-sysevent-guest: suite starting" in log
	# What happened to the kernel: one of ok, timeout, panic, no-suite, died,
	# module-failed, no-kvm, qemu-failed.
	outcome = "ok"
	if qrc in (124, 137):
		outcome = "timeout"
	elif b"Kernel panic" in log:
		outcome = "panic"
	elif setup_failed:
		outcome = "no-kvm" if setup_failed.startswith("no /dev/kvm") else "module-failed"
	elif qrc != 0 and not log:
		outcome = "qemu-failed"
	elif not started:
		outcome = "no-suite"
	elif not guest_rc or not have_tar:
		outcome = "died"
	# A timeout or panic after the results were sent does not lose them.
	if outcome != "ok" and not setup_failed and guest_rc and have_tar and \
			b"kvm-sysevent-guest: results sent" in log:
		outcome = "ok"
	dev_kvm = "unknown"
	if b"kvm-sysevent-guest: /dev/kvm present" in log:
		dev_kvm = "yes"
	elif b"kvm-sysevent-guest: no /dev/kvm" in log:
		dev_kvm = "no"
	qlog = os.path.join(out, "qemu.log")
	why = ""
	if outcome == "timeout":
		why = f"timed out after {timeout_s}s"
	elif outcome == "panic":
		why = "kernel panicked"
	elif outcome == "no-suite":
		why = "kernel never reached the suite"
	elif outcome == "died":
		why = "kernel stopped before the suite finished"
	elif outcome == "module-failed":
		why = f"module failed to load: {setup_failed}"
	elif outcome == "no-kvm":
		why = setup_failed
	elif outcome == "qemu-failed":
		first = next((ln for ln in open(qlog, errors="replace").read().split("\n") if ln), None)
		why = f"QEMU failed: {first if first is not None else f'exit {qrc}'}"

	ktap = os.path.join(out, "ktap.txt")
	if outcome != "ok":
		# Keep what the stream carried, and make the result set complete: the
		# run counts as one failure on top of the results it printed.
		if not os.path.isfile(ktap):
			shutil.copyfile(ktap_out, ktap)
			with open(ktap, "rb") as f:
				body = f.read()
			# A line cut off by the end of the run gets its newline.
			if body and not body.endswith(b"\n"):
				with open(ktap, "ab") as f:
					f.write(b"\n")
		if os.path.getsize(ktap) == 0:
			with open(ktap, "w") as f:
				f.write(f"KTAP version 1\n# kvm-sysevent in kernel {label}\n1..1\n")
				f.write(f"not ok 1 boot # {why}\n")
		else:
			with open(ktap, "a") as f:
				f.write(f"# kvm-sysevent: {label}: {why}\n")
		os.makedirs(os.path.join(out, "logs"), exist_ok=True)
		p, fl, s = count_ktap(ktap)
		fl += 1
		with open(ktap, "a") as f:
			f.write(f"{p} passed, {fl} failed, {s} skipped\n")
		with open(os.path.join(out, "summary.txt"), "w") as f:
			f.write(f"{p} passed, {fl} failed, {s} skipped\n")
		with open(os.path.join(out, "status.txt"), "a") as f:
			f.write(f"qemu_boot exit=3 signal=- timeout={1 if outcome == 'timeout' else 0} "
				f"seconds={seconds.split('.')[0]}\n")
		inv = os.path.join(out, "inventory.txt")
		if not os.path.isfile(inv):
			with open(inv, "w") as f:
				f.write(f"kernel_release={release or 'unknown'}\narch={a.name}\n"
					f"nested_qemu=yes\nkernel_under_test={label}\n")

	# --- kernel.txt: what ran and how ----------------------------------------------------
	img_abs = os.path.abspath(img)
	img_sha = image.sha256(img)
	qv = subprocess.run([a.qemu, "--version"], capture_output=True, text=True).stdout
	kt = [f"label={label}", f"arch={a.name}", f"kernel_release={release or 'unknown'}",
	      f"image={img_abs}", f"image_sha256={img_sha}", f"bzimage={img_abs}",
	      f"bzimage_sha256={img_sha}", f"modules_dir={modules or 'none'}",
	      f"config={config or 'none'}", f"modules={','.join(order)}",
	      f"module_params={' '.join(module_params) or 'none'}"]
	for m in order:
		kt.append(f"module_{m}_sha256={image.sha256(mods.file[m])}")
		kt.append(f"module_{m}_from={mods.src_dir.get(m, '')}")
	kt += [f"qemu={qv.splitlines()[0] if qv else ''}", f"machine={' '.join(a.machine)}",
	       f"boot={boot}", f"accel={accel}", f"cpu={cpu}", f"memory_mib={o['memory']}",
	       f"timeout_s={timeout_s}", f"dev_kvm={dev_kvm}", f"outcome={outcome}",
	       f"guest_exit={guest_rc or 'none'}", f"seconds={seconds}", *kinfo]
	with open(os.path.join(out, "kernel.txt"), "w") as f:
		f.write("".join(ln + "\n" for ln in kt))

	# JUnit and HTML beside the KTAP, as run_tests.sh -o leaves them where the
	# reporter's Python is (the guest has none).
	report = os.path.join(cli.REPO, "report", "kvm-sysevent-report")
	if host_report:
		py = subprocess.run([report, "--print-python"], capture_output=True, text=True)
		if py.returncode == 0 and shutil.which(py.stdout.strip()):
			for what, dst in (("junit", "junit.xml"), ("html", "report.html")):
				cmd = [report, what, "-q"]
				if what == "junit":
					cmd += ["-o", os.path.join(out, "junit.xml")]
				r = subprocess.run(cmd + [out], stdout=subprocess.DEVNULL,
						   stderr=subprocess.DEVNULL)
				if r.returncode != 0:
					try:
						os.unlink(os.path.join(out, dst))
					except OSError:
						pass

	if view == "brief":
		sys.stdout.flush()
		subprocess.run([os.path.join(cli.REPO, "run_tests.sh"), "--show", out])
	elif not stream or outcome != "ok":
		with open(ktap, "rb") as f:
			body = f.read()
		if not stream:
			_out(body)
		else:
			# The live stream stopped early: finish it with what we added.
			with open(ktap_out, "rb") as f:
				seen = f.read()
			shown = seen.count(b"\n")
			if seen and not seen.endswith(b"\n"):
				_out(b"\n")
				shown += 1
			rest = body.split(b"\n")[shown:]
			_out(b"\n".join(rest))

	if outcome != "ok":
		sys.stderr.write(f"{PROG}: {label}: {why} (exit 3); last lines of {boot_log}:\n")
		sys.stderr.flush()
		if outcome == "panic":
			first = next((ln for ln in log.split(b"\n") if b"Kernel panic" in ln), b"")
			_err_lines([first, b"..."])
		if outcome == "qemu-failed":
			_err_lines(_tail_lines(qlog, 5))
		elif log:
			_err_lines(_tail_lines(boot_log, 25))
		else:
			_err_lines([b"(empty: the kernel printed nothing on its console)"])
		return 3
	rs = os.path.join(out, "runner-stderr.txt")
	if os.path.isfile(rs) and os.path.getsize(rs) > 0:
		with open(rs, "rb") as f:
			lines = f.read().split(b"\n")
		if lines and lines[-1] == b"":
			lines.pop()
		for ln in lines:
			sys.stderr.buffer.write(f"{PROG}: {label}: runner: ".encode() + ln + b"\n")
		sys.stderr.flush()
	return int(guest_rc)


if __name__ == "__main__":
	cli.run(PROG, main)
