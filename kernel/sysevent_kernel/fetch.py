# SPDX-License-Identifier: GPL-2.0
"""Kernel names to files: fetch-kernel.sh (kernel/README.md).

A kernel name resolves through the private package index of its
architecture (apt) and Debian's package layouts (debs) to .deb files in the
cache, whose image and kvm modules are unpacked beside them once:

  debian-X.Y[:ARCH]       the newest X.Y kernel any released suite offers
  debian-latest[:ARCH]    the newest released kernel any suite offers
  debian-rc[:ARCH]        the newest kernel of the release-candidate suites
  linux-image-R[:ARCH]    a Debian kernel image package by name (6.x or 7.x)
  PATH.deb                a Debian kernel image package file

When the index lists a kernel the mirror cannot serve (a package answers
404), the next complete one is taken, and that is said on stderr and in
the `fallback=` line.
"""

import os
import re
import sys
from dataclasses import dataclass, field

from . import apt, arches, cli, debs, lines

PROG = "fetch-kernel.sh"

USAGE = f"""\
usage: {PROG} [--cache DIR] [--refresh] KERNEL
       {PROG} [--cache DIR] [--refresh] --busybox ARCH
       {PROG} [--cache DIR] [--refresh] --fetch PACKAGE[:ARCH][=VERSION]
       {PROG} [--cache DIR] [--refresh] --list debian-...[:ARCH]

KERNEL is one of
  debian-X.Y[:ARCH]       the newest X.Y kernel (linux-image-X.Y.*-ARCH, unsigned
                          first) any Debian suite of kernel/lines.toml offers
                          today, e.g. debian-6.12, debian-6.1:arm64,
                          debian-6.12:riscv64
  debian-latest[:ARCH]    the newest released kernel any suite offers
  debian-rc[:ARCH]        the newest kernel of experimental (release candidates)
  linux-image-...[:ARCH]  a Debian kernel image package by name
  PATH.deb                a Debian kernel image package file

Both of Debian's package layouts are known: 6.x's linux-image-R-unsigned
with the image and the modules, and 7.x's linux-image-R metapackage of
linux-binary[-unsigned]-R (the image) and linux-modules-R.

ARCH is amd64, arm64 or riscv64 (x86_64, aarch64, riscv also work); the
default is the host's. Packages come from a private package index per
architecture in the cache (<cache>/apt/ARCH/), made from the system's own
Debian sources (whatever mirror apt uses) with the architecture and the
suite changed: every suite kernel/lines.toml lists (bookworm, trixie, their
-security and -backports, sid; experimental for debian-rc only) that
carries ARCH, or only $KVM_SYSEVENT_DEBIAN_SUITE (comma separated). The
index is refreshed once a day, or now with --refresh. The system's apt
configuration is never changed. A version the index lists but the mirror
cannot serve is passed over for the next complete one, and that is said.

The packages are fetched with 'apt-get download' into the cache (default
<repo>/.cache/kernels, or $KVM_SYSEVENT_KERNEL_CACHE) unless they are
already there, and the kernel image and kvm modules are extracted beside
them. Prints key=value lines: name, arch, package, version, release, deb,
image, bzimage (the same as image), modules, then suite (the Debian suite
that ships it), layout (6.x or 7.x), debs (every .deb, space separated) and,
when a version was passed over, fallback.

--busybox ARCH fetches Debian's busybox-static for ARCH the same way and
prints busybox=PATH. --fetch fetches any package of ARCH's index (its
candidate version, from the first release that has it, unless VERSION is
given) and prints deb=PATH. --list prints what a debian-* name may resolve
to, newest first, one line each (version, suite, layout, release, package),
and fetches nothing.

Exit status: 0 done, 2 bad usage, unknown kernel or failed fetch/extraction.
"""


class FetchError(cli.Bad):
	pass


@dataclass
class Fetched:
	"""A kernel on disk, as fetch-kernel.sh prints it."""
	name: str
	arch: str
	package: str
	version: str
	release: str
	deb: str
	image: str
	modules: str
	suite: str = ""
	layout: str = ""
	debs: list = field(default_factory=list)
	fallback: str = ""
	config: str = ""	# the kernel's .config, extracted beside the image ("" if none)

	def lines(self):
		out = [f"name={self.name}", f"arch={self.arch}", f"package={self.package}",
		       f"version={self.version}", f"release={self.release}", f"deb={self.deb}",
		       f"image={self.image}", f"bzimage={self.image}", f"modules={self.modules}",
		       f"suite={self.suite}", f"layout={self.layout}",
		       f"debs={' '.join(self.debs)}"]
		if self.fallback:
			out.append(f"fallback={self.fallback}")
		return out


def _log(msg):
	cli.say(PROG, msg)


def call(fn, *args, **kw):
	"""fn(*args) of this module for another tool: its errors are
	fetch-kernel.sh's, as when the tools ran it as a program."""
	try:
		return fn(*args, **kw)
	except (cli.Bad, apt.AptError, debs.DebError, OSError) as e:
		if isinstance(e, OSError):
			e = f"{e.strerror}: {e.filename}" if e.filename else str(e)
		raise cli.Bad(str(e), prog=PROG) from None


def split_arch(spec):
	"""NAME[:ARCH] -> (NAME, Arch); the host's when no ARCH is given."""
	if ":" in spec:
		name, _, a = spec.rpartition(":")
		try:
			return name, arches.get(a)
		except arches.UnknownArch:
			raise FetchError(f"unknown architecture '{a}' in {spec} "
					 "(amd64, arm64 or riscv64)") from None
	return spec, arches.host()


def _cache(cache):
	cache = cache or apt.default_cache()
	try:
		os.makedirs(cache, exist_ok=True)
	except OSError:
		raise FetchError(f"cannot create the cache {cache}") from None
	return os.path.abspath(cache)


def _index(a, cache, refresh, log=_log):
	return apt.Index.private(a, cache=cache, refresh=refresh, log=log)



def package(spec, cache=None, refresh=False, index=None, log=_log):
	"""PACKAGE[:ARCH][=VERSION] -> the path of its .deb in the cache."""
	ver = None
	if "=" in spec:
		spec, _, ver = spec.partition("=")
	name, a = split_arch(spec)
	if not re.match(r"^[a-z0-9.+-]+$", name):
		raise FetchError(f"bad package name: {name}")
	idx = index or _index(a, _cache(cache), refresh, log)
	p = idx.find(name, ver)
	if p is None:
		what = f"{name}={ver}" if ver else name
		raise FetchError(f"package {what} ({a.debian}) not in the package index (try --refresh)")
	return idx.download(p)


def busybox(arch, cache=None, refresh=False, index=None, log=_log):
	"""A static busybox for arch (an Arch or a spelling): Debian's
	busybox-static of that architecture, unpacked in the cache."""
	try:
		a = arch if isinstance(arch, arches.Arch) else arches.get(arch)
	except arches.UnknownArch:
		raise FetchError(f"unknown architecture '{arch}' (amd64, arm64 or riscv64)") from None
	cache = _cache(cache)
	idx = index or _index(a, cache, refresh, log)
	p = idx.find("busybox-static")
	if p is None:
		raise FetchError(f"package busybox-static ({a.debian}) not in the package index "
				 "(try --refresh)")
	deb = idx.download(p)
	d = deb[:-len(".deb")]
	if not os.path.isfile(os.path.join(d, ".extracted")):
		import shutil
		import subprocess
		import tempfile
		tmp = tempfile.mkdtemp(prefix=".extract.", dir=os.path.dirname(deb))
		try:
			if subprocess.run(["dpkg-deb", "-x", deb, tmp]).returncode != 0:
				raise FetchError(f"cannot unpack {deb}")
			open(os.path.join(tmp, ".extracted"), "w").close()
			shutil.rmtree(d, ignore_errors=True)
			try:
				os.rename(tmp, d)
			except OSError:
				pass
		finally:
			shutil.rmtree(tmp, ignore_errors=True)
	for b in ("bin/busybox", "usr/bin/busybox"):
		p = os.path.join(d, b)
		if os.path.isfile(p):
			return p
	raise FetchError(f"no busybox in {deb}")


def _config_of(image_path, release):
	"""The .config beside an extracted image: boot/config-R (6.x) or
	lib/modules/R/config (7.x)."""
	d = os.path.dirname(image_path)
	for c in (os.path.join(d, f"config-{release}"), os.path.join(d, "config")):
		if os.path.isfile(c):
			return c
	return ""


def deb(name, arch=None, version=None, cache=None, refresh=False, log=_log):
	"""The .deb of package name (its candidate, or that version) of arch's
	private index (any suite that lists it): a path in the cache."""
	a = arch if isinstance(arch, arches.Arch) else (arches.get(arch) if arch else arches.host())
	spec = f"{name}:{a.debian}" + (f"={version}" if version else "")
	return package(spec, cache, refresh, log=log)


def versions(prefix, arch=None, cache=None, refresh=False, log=_log):
	"""Every package of arch's index whose name is prefix or starts with it
	(linux-* and busybox* packages only), newest first:
	[(name, version, suite)]."""
	a = arch if isinstance(arch, arches.Arch) else (arches.get(arch) if arch else arches.host())
	idx = _index(a, _cache(cache), refresh, log)
	out = []
	for n in sorted(idx.names()):
		if n == prefix or n.startswith(prefix):
			out += [(p.name, p.version, p.suite) for p in idx.versions(n)]
	out.sort(key=lambda t: apt.version_key(t[1]), reverse=True)
	return out


def _dest(cache, pkgname, version):
	return os.path.join(cache, f"{pkgname}_{version.replace(':', '%3a')}")


def _fetch_kernel(idx, k, cache, a):
	"""Download k's packages and unpack them: (debs, image, modules, release).
	An architecture whose KVM is built in (arm64) needs no 7.x modules
	package."""
	paths = [idx.download(p) for p in k.packages if a.kvm_modular or p is not k.modules]
	dest = _dest(cache, k.name if k.layout == "7.x" else k.image.name, k.version)
	image, modules, release = debs.extract(paths, dest, None)
	# The package with the image first: deb= is it.
	paths.sort(key=lambda p: os.path.basename(p) != os.path.basename(apt.deb_name(k.image)))
	return paths, image, modules, release


def resolve(name, cache=None, refresh=False, index=None, log=_log):
	"""The candidates of a debian-* name, newest first: (Arch, [debs.Kernel],
	what) where what says the name's packages for an error."""
	base, a = split_arch(name)
	series = base[len("debian-"):]
	try:
		series, a2 = lines.parse_kernel_name(f"debian-{series}:{a.name}")
	except lines.BadKernelName:
		raise FetchError(f"bad kernel series: {name}") from None
	idx = index or _index(a, cache, refresh, log)
	ks = debs.kernels(idx, series)
	if series == "rc":
		suites = ", ".join(idx.rc_suites) or "no release-candidate suite"
		what = f"no release-candidate kernel for {a.debian} ({suites})"
	elif series == "latest":
		what = f"no released linux-image-*-{a.debian} kernel in the {a.debian} package index"
	else:
		what = f"no linux-image-{series}.*-{a.debian} package in the {a.debian} package index"
	return a, idx, ks, what


def kernel(name, cache=None, refresh=False, index=None, log=_log):
	"""A kernel name -> Fetched (see the module's doc)."""
	cache = _cache(cache)
	if re.match(r"^debian-", name) and (re.match(r"^debian-[0-9]+.*\.[0-9]", name) or
					    re.match(r"^debian-(latest|rc)(:|$)", name)):
		a, idx, ks, what = resolve(name, cache, refresh, index, log)
		if not ks:
			searched = ", ".join(s for s in idx.suites if s not in idx.rc_suites)
			if name.split(":")[0] == "debian-rc":
				searched = ", ".join(idx.rc_suites)
			raise FetchError(f"{what} (suites: {searched}; try --refresh)")
		notes = []
		for k in ks:
			try:
				paths, image, modules, release = _fetch_kernel(idx, k, cache, a)
			except apt.Unavailable as e:
				notes.append(f"{e}")
				log(f"{name}: {e}; trying the next version")
				continue
			fb = ""
			if notes:
				fb = f"{'; '.join(notes)}; took {k.version} ({k.suite}) instead"
				log(f"{name}: took {k.version} from {k.suite} instead")
			return Fetched(name=name, arch=a.name, package=k.image.name, version=k.version,
				       release=release, deb=paths[0], image=image, modules=modules,
				       suite=k.suite, layout=k.layout, debs=paths, fallback=fb,
				       config=_config_of(image, release))
		raise FetchError(f"{name}: no version the index lists can be fetched "
				 f"({'; '.join(notes)})")
	if name.startswith("linux-image-"):
		if name.endswith(".deb") or "/" in name:
			raise FetchError(f"no such file: {name}")
		pkg, a = split_arch(name)
		idx = index or _index(a, cache, refresh, log)
		k = debs.by_name(idx, pkg)
		if k is None:
			raise FetchError(f"package {pkg} ({a.debian}) not in the package index "
					 "(try --refresh)")
		paths, image, modules, release = _fetch_kernel(idx, k, cache, a)
		short = re.sub(r"-unsigned$", "", pkg[len("linux-image-"):])
		return Fetched(name=short, arch=a.name, package=k.image.name, version=k.version,
			       release=release, deb=paths[0], image=image, modules=modules,
			       suite=k.suite, layout=k.layout, debs=paths,
			       config=_config_of(image, release))
	if name.endswith(".deb"):
		if not os.path.isfile(name):
			raise FetchError(f"no such file: {name}")
		path = os.path.abspath(name)
		pkg = debs.deb_field(path, "Package")
		if pkg is None:
			raise FetchError(f"not a Debian package: {name}")
		m = re.match(r"^linux-(image|binary|binary-unsigned)-(.+)$", pkg)
		if not m:
			raise FetchError(f"not a kernel image package: {name} ({pkg})")
		ver = debs.deb_field(path, "Version") or ""
		darch = debs.deb_field(path, "Architecture") or ""
		try:
			a = arches.get(darch)
		except arches.UnknownArch:
			raise FetchError(f"{path} is for {darch} (amd64, arm64 or riscv64 wanted)") from None
		image, modules, release = debs.extract([path], _dest(cache, pkg, ver), a)
		short = re.sub(r"-unsigned$", "", m.group(2))
		return Fetched(name=short, arch=a.name, package=pkg, version=ver, release=release,
			       deb=path, image=image, modules=modules,
			       layout="7.x" if m.group(1) != "image" else "6.x", debs=[path],
			       config=_config_of(image, release))
	raise FetchError(f"unknown kernel '{name}' (want debian-X.Y[:ARCH], linux-image-<name> "
			 "or a .deb)")


def main(argv):
	args = cli.Args(argv)
	cache = None
	refresh = False
	bb = fetch_spec = None
	listing = False
	while args.more():
		a = args.peek()
		if a == "--cache":
			args.next()
			cache = args.value(a)
		elif a == "--busybox":
			args.next()
			bb = args.value(a)
		elif a == "--fetch":
			args.next()
			fetch_spec = args.value(a)
		elif a == "--refresh":
			args.next()
			refresh = True
		elif a == "--list":
			args.next()
			listing = True
		elif a in ("-h", "--help"):
			sys.stdout.write(USAGE)
			return 0
		elif a == "--":
			args.next()
			break
		elif a.startswith("-"):
			raise cli.Bad(f"unknown option '{a}' (see --help)")
		else:
			break
	rest = args.rest()
	if bb is not None or fetch_spec is not None:
		if rest:
			raise cli.Bad("--busybox and --fetch take no KERNEL")
		if bb is not None and fetch_spec is not None:
			raise cli.Bad("--busybox and --fetch do not mix")
	elif len(rest) != 1:
		raise cli.Bad("expected one KERNEL (see --help)")
	if fetch_spec is not None:
		print(f"deb={package(fetch_spec, cache, refresh)}")
		return 0
	if bb is not None:
		print(f"busybox={busybox(bb, cache, refresh)}")
		return 0
	if listing:
		if not rest[0].startswith("debian-"):
			raise cli.Bad("--list takes a debian-X.Y, debian-latest or debian-rc name")
		_, _, ks, _ = resolve(rest[0], _cache(cache), refresh)
		for k in ks:
			print(f"{k.version} {k.suite} {k.layout} {k.release} {k.image.name}")
		return 0
	f = kernel(rest[0], cache, refresh)
	print("\n".join(f.lines()))
	return 0


if __name__ == "__main__":
	cli.run(PROG, main)
