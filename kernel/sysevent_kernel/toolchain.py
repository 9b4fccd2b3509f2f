# SPDX-License-Identifier: GPL-2.0
"""The compiler a kernel's modules (or the kernel itself) are built with.

Chosen from the kernel's own configuration, never from a table of versions:
CONFIG_CC_VERSION_TEXT names the compiler Debian built the kernel with (its
first word, e.g. `x86_64-linux-gnu-gcc-14`, is the command) and
CONFIG_GCC_VERSION its version. In order:

  host     that command is on this machine, of the same major version
           (bookworm's gcc-12 for Debian 12's kernels; Debian's cross
           compilers for another architecture)
  chroot   a Debian chroot (debootstrap --variant=minbase) of the suite the
           kernel came from, with the Debian package that provides that
           command (gcc-N for this machine's architecture, gcc-N-TRIPLET
           for another), kept in an ignored cache and reused. Making one
           and entering it needs root: without root this is a SetupError
           that says so, never a skip.

Toolchain.run() runs a command with that compiler: on the host as it is, in
the chroot through a private mount namespace (unshare) in which the build
folders are bound at their own paths and /proc is mounted (objtool reads
it), so the paths kbuild records are the same inside and outside.
"""

import fcntl
import glob
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field

from . import arches

CACHE_ENV = "KVM_SYSEVENT_TOOLCHAIN_CACHE"
SUITE_ENV = "KVM_SYSEVENT_TOOLCHAIN_SUITE"
# What a module build needs besides the compiler, in every Debian suite.
CHROOT_BASE = ("make", "libc6-dev", "libelf-dev", "bc", "xz-utils", "kmod", "ca-certificates")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


class ToolchainError(Exception):
	"""The compiler cannot be had here (the tools exit 2 with this line)."""


@dataclass(frozen=True)
class Wanted:
	"""The compiler a kernel config asks for."""
	command: str		# x86_64-linux-gnu-gcc-14
	major: int		# 14
	text: str		# CONFIG_CC_VERSION_TEXT
	triplet: str		# x86_64-linux-gnu

	def package(self, host_triplet):
		"""The Debian package that provides `command`."""
		if self.triplet == host_triplet:
			return f"gcc-{self.major}"
		return f"gcc-{self.major}-{self.triplet.replace('_', '-')}"


def _arch(a):
	return a if isinstance(a, arches.Arch) else arches.get(a)


def read_config(path):
	"""A kernel .config (or include/config/auto.conf) -> dict of CONFIG_*."""
	out = {}
	with open(path, encoding="utf-8", errors="replace") as f:
		for ln in f:
			m = re.match(r'^(CONFIG_[A-Za-z0-9_]+)=(.*)$', ln.rstrip("\n"))
			if m:
				v = m.group(2)
				if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
					v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
				out[m.group(1)] = v
	return out


def wanted(config_path, arch):
	"""The compiler the kernel of this .config was built with."""
	a = _arch(arch)
	cfg = read_config(config_path)
	text = cfg.get("CONFIG_CC_VERSION_TEXT", "")
	ver = cfg.get("CONFIG_GCC_VERSION", "")
	if not text or not ver.isdigit() or int(ver) == 0:
		raise ToolchainError(f"{config_path}: no CONFIG_CC_VERSION_TEXT/CONFIG_GCC_VERSION "
				     "(only kernels built with gcc are supported)")
	major = int(ver) // 10000
	cmd = text.split()[0]
	triplet = a.cross_prefix[:-1]
	m = re.match(r"^(?:([a-z0-9_]+-linux-gnu[a-z0-9]*)-)?gcc(?:-(\d+))?$", cmd)
	if not m:
		raise ToolchainError(f"{config_path}: cannot read the compiler from "
				     f"CONFIG_CC_VERSION_TEXT \"{text}\"")
	if m.group(1):
		triplet = m.group(1)
	return Wanted(f"{triplet}-gcc-{major}", major, text, triplet)


def host_triplet():
	return arches.host().cross_prefix[:-1]


def _version_line(argv):
	try:
		p = subprocess.run(argv + ["--version"], capture_output=True, text=True, timeout=30)
	except (OSError, subprocess.TimeoutExpired):
		return ""
	return p.stdout.splitlines()[0].strip() if p.returncode == 0 and p.stdout else ""


def _major_of(version_line):
	m = re.search(r"\s(\d+)\.\d+\.\d+\s*$", version_line)
	return int(m.group(1)) if m else None


@dataclass
class Toolchain:
	kind: str			# host or chroot
	cc: str				# the compiler command
	arch: object			# the target arches.Arch
	version: str			# `cc --version`, first line
	kernel_text: str		# what the kernel was built with (CONFIG_CC_VERSION_TEXT)
	root: str = None		# the chroot
	suite: str = None
	binds: list = field(default_factory=list)

	@property
	def cross(self):
		return self.arch.cross_prefix[:-1] != host_triplet()

	def make_vars(self):
		"""make variables that select this compiler for kbuild."""
		v = [f"CC={self.cc}"]
		if self.cross:
			v += [f"ARCH={self.arch.make}", f"CROSS_COMPILE={self.arch.cross_prefix}"]
		return v

	def describe(self):
		where = "host" if self.kind == "host" else f"Debian {self.suite} chroot"
		return f"{self.version} ({where})"

	def bind(self, path):
		"""Make PATH (a folder) visible at its own path inside the chroot."""
		path = os.path.abspath(path)
		if path not in self.binds:
			self.binds.append(path)

	def argv(self, argv, cwd=None, env=None):
		"""The command line that runs argv with this compiler."""
		if self.kind == "host":
			return list(argv)
		env = dict(env or {})
		env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
		env.setdefault("LC_ALL", "C.UTF-8")
		inner = " ".join(shlex.quote(x) for x in
				 ["env", "-i"] + [f"{k}={v}" for k, v in sorted(env.items())] + list(argv))
		if cwd:
			inner = f"cd {shlex.quote(os.path.abspath(cwd))} && exec {inner}"
		r = shlex.quote(self.root)
		setup = [f"mount -t proc proc {r}/proc"]
		for b in self.binds:
			q = shlex.quote(b)
			setup.append(f"mkdir -p {r}{q} && mount --rbind {q} {r}{q}")
		script = " && ".join(setup) + f" && exec chroot {r} /bin/sh -c {shlex.quote(inner)}"
		return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script]

	def run(self, argv, cwd=None, env=None, **kw):
		"""subprocess.run(argv) with this compiler (cwd and env are the
		command's own, inside the chroot for a chroot)."""
		if self.kind == "host":
			e = dict(os.environ)
			e.update(env or {})
			return subprocess.run(list(argv), cwd=cwd, env=e, **kw)
		base = {k: os.environ[k] for k in ("TERM",) if k in os.environ}
		base.update(env or {})
		return subprocess.run(self.argv(argv, cwd, base), **kw)


def cache_dir(default):
	return os.environ.get(CACHE_ENV) or default


def base_suite(suite):
	"""The suite whose own packages a kernel of SUITE was built with: a
	release's -backports or -security -> the release; a suite of release
	candidates (kernel/lines.toml [debian].rc_suites) -> the suite listed
	before it."""
	if not suite:
		return None
	from . import lines
	deb = lines.load()["debian"]
	order, rc = list(deb["suites"]), set(deb.get("rc_suites", ()))
	if suite in rc and suite in order:
		before = [s for s in order[:order.index(suite)] if s not in rc]
		return before[-1].split("-")[0] if before else None
	return suite.split("-")[0]


def debian_mirror():
	"""The Debian archive the system's apt uses (for debootstrap)."""
	try:
		p = subprocess.run(["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE)",
				    "Identifier: Packages"], capture_output=True, text=True, timeout=60)
		for ln in sorted(set(p.stdout.splitlines())):
			uri, _, rel = ln.partition(" ")
			if "security" not in uri and "-" not in rel:
				return uri
	except (OSError, subprocess.TimeoutExpired):
		pass
	return "http://deb.debian.org/debian/"


def _lock(path):
	os.makedirs(os.path.dirname(path), exist_ok=True)
	fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
	fcntl.flock(fd, fcntl.LOCK_EX)
	return fd


def _need_root(what):
	if os.geteuid() != 0:
		raise ToolchainError(
			f"{what} needs a Debian chroot, and making or entering one needs root: "
			"run this as root (debootstrap, chroot and mount need it); see "
			"kernel/mutants/README.md, \"Requirements\"")


def ensure_chroot(suite, packages, cache, say=print):
	"""A Debian SUITE chroot with PACKAGES under CACHE (made once, then
	extended); returns its path."""
	_need_root(f"the compiler {' '.join(packages)} from Debian {suite}")
	if not re.match(r"^[a-z]+$", suite):
		raise ToolchainError(f"bad Debian suite for a chroot: {suite}")
	harch = arches.host().debian
	root = os.path.join(cache, f"{suite}-{harch}")
	fd = _lock(root + ".lock")
	try:
		ok = os.path.join(root, ".sysevent-ok")
		have = set()
		if os.path.exists(ok):
			with open(ok) as f:
				have = set(f.read().split())
		want = set(CHROOT_BASE) | set(packages)
		if not have:
			if not shutil.which("debootstrap"):
				raise ToolchainError("debootstrap not found (apt-get install debootstrap)")
			shutil.rmtree(root, ignore_errors=True)
			os.makedirs(root)
			mirror = debian_mirror()
			say(f"making a Debian {suite} chroot with {' '.join(sorted(packages))} "
			    f"in {root} (once; about a minute)")
			log = root + ".log"
			with open(log, "w") as lf:
				p = subprocess.run(
					["debootstrap", "--variant=minbase", f"--arch={harch}",
					 f"--keyring={KEYRING}", "--include=" + ",".join(sorted(want)),
					 suite, root, mirror], stdout=lf, stderr=subprocess.STDOUT)
			if p.returncode != 0:
				raise ToolchainError(f"debootstrap {suite} failed (exit {p.returncode}): "
						     f"see {log}")
			have = want
		elif not want <= have:
			missing = sorted(want - have)
			say(f"adding {' '.join(missing)} to the Debian {suite} chroot")
			shutil.copy("/etc/resolv.conf", os.path.join(root, "etc", "resolv.conf"))
			log = root + ".log"
			with open(log, "a") as lf:
				for cmd in (["apt-get", "update"],
					    ["apt-get", "install", "-y", "--no-install-recommends"] + missing):
					p = subprocess.run(["chroot", root] + cmd, stdout=lf,
							   stderr=subprocess.STDOUT,
							   env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
								"DEBIAN_FRONTEND": "noninteractive"})
					if p.returncode != 0:
						raise ToolchainError(f"cannot install {' '.join(missing)} in "
								     f"{root}: see {log}")
			have |= want
		tmp = ok + ".tmp"
		with open(tmp, "w") as f:
			f.write("\n".join(sorted(have)) + "\n")
		os.replace(tmp, ok)
		return root
	finally:
		os.close(fd)


def _chroot_with(w, cache):
	"""The suite of a chroot already in CACHE that has W's package (for a
	kernel tree, which names no suite)."""
	for ok in sorted(glob.glob(os.path.join(cache, "*", ".sysevent-ok"))):
		with open(ok) as f:
			if w.package(host_triplet()) in f.read().split():
				return os.path.basename(os.path.dirname(ok)).rsplit("-", 1)[0]
	return None


def for_config(config_path, arch, suite=None, cache=None, say=print):
	"""The Toolchain for the kernel whose .config is CONFIG_PATH. SUITE is
	the Debian suite the kernel came from (for a chroot); CACHE where
	chroots are kept."""
	a = _arch(arch)
	w = wanted(config_path, a)
	line = _version_line([w.command]) if shutil.which(w.command) else ""
	if line and _major_of(line) == w.major:
		return Toolchain("host", w.command, a, line, w.text)
	if cache is None:
		raise ToolchainError(f"{w.command} is not on this machine (no chroot cache given)")
	bs = base_suite(suite) or os.environ.get(SUITE_ENV) or _chroot_with(w, cache_dir(cache))
	if not bs:
		raise ToolchainError(f"{w.command} (the kernel's compiler: {w.text}) is not on this "
				     "machine, and a kernel tree names no Debian suite to take it from: "
				     f"set {SUITE_ENV} to a Debian suite that has it")
	root = ensure_chroot(bs, [w.package(host_triplet())], cache_dir(cache), say)
	t = Toolchain("chroot", w.command, a, "", w.text, root=root, suite=bs)
	p = t.run([w.command, "--version"], capture_output=True, text=True)
	line = p.stdout.splitlines()[0].strip() if p.returncode == 0 and p.stdout else ""
	if _major_of(line) != w.major:
		raise ToolchainError(f"the {bs} chroot's {w.command} does not run "
				     f"({p.stderr.strip()[:200] or line})")
	t.version = line
	return t
