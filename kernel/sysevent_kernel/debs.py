# SPDX-License-Identifier: GPL-2.0
"""Debian's kernel package layouts: which packages make a kernel of a line,
and what to take out of them.

6.x: linux-image-R-unsigned (else the signed linux-image-R) holds the image
     at /boot/vmlinu[xz]-R and the modules under [/usr]/lib/modules/R.
7.x: linux-image-R is a metapackage of linux-base-R, linux-binary-unsigned-R
     (riscv64, and the signed flavour: linux-binary-R) with the image at
     /usr/lib/modules/R/vmlinuz[.unsigned], and linux-modules-R, whose modules
     are .ko.xz.

R, the release (uname -r), is <abi>-<flavour>: 6.1.0-57-amd64,
6.12.118+deb13-amd64, 7.3.4+deb13-arm64, 7.3-riscv64 (a release candidate:
version 7.3~rc7-1~exp1). Only the architecture's own flavour (amd64, arm64,
riscv64) is a kernel of a line; cloud, rt, 16k and -dbg are not.
"""

import lzma
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass

from . import apt, arches

_ABI = r"\d+\.\d+(?:[.+~][0-9a-z.+~]*)?(?:-\d+)?(?:-rc\d+)?"


class DebError(ValueError):
	"""One line; the tools exit 2 on it."""


@dataclass(frozen=True)
class Kernel:
	"""One kernel a package index offers."""
	release: str		# uname -r: 7.3.4+deb13-amd64
	version: str		# the Debian version: 7.3.4-1~bpo13+1
	suite: str		# the first suite (in lines.toml order) that lists it
	layout: str		# "6.x" or "7.x"
	image: apt.Pkg		# the package with the image
	modules: apt.Pkg	# the package with the modules (7.x), else None
	base: apt.Pkg		# linux-base-R (7.x), else None
	name: str		# the kernel's image package: linux-image-R[-unsigned]

	@property
	def packages(self):
		"""What to download, the largest (the likeliest gap) first."""
		return [p for p in (self.modules, self.image, self.base) if p]

	@property
	def upstream(self):
		return apt.upstream_version(self.version)

	@property
	def rc(self):
		return is_rc(self.version)


def is_rc(version):
	return bool(re.search(r"[~-]rc\d", apt.upstream_version(version)))


def series_of(version):
	"""7.3.4-1~bpo13+1 -> 7.3; 7.3~rc7-1~exp1 -> 7.3."""
	m = re.match(r"(\d+)\.(\d+)", apt.upstream_version(version))
	return f"{m.group(1)}.{m.group(2)}" if m else ""


def _release_re(flavour):
	return re.compile(
		rf"^linux-(image|binary-unsigned|binary)-(?P<r>{_ABI}-{re.escape(flavour)})"
		rf"(?P<unsigned>-unsigned)?$")


def kernels(index, line=None, suites=None):
	"""Every kernel of the index's architecture (its default flavour),
	newest first: by Debian version, then unsigned before signed, then
	suite order. line: None (all), "X.Y", "latest" (released: no rc suite,
	no rc version) or "rc" (the rc suites only). suites: limit to these."""
	flavour = index.darch
	rx = _release_re(flavour)
	rc_suites = set(index.rc_suites)
	out = {}
	for name in list(index.names()):
		m = rx.match(name)
		if not m:
			continue
		kind, r = m.group(1), m.group("r")
		for p in index.versions(name):
			if suites is not None and p.suite not in suites:
				continue
			k = _kernel_of(index, kind, bool(m.group("unsigned")), r, p)
			if k is None:
				continue
			key = (k.release, k.version, k.image.name)
			if key not in out or index.suite_rank(k.suite) < index.suite_rank(out[key].suite):
				out[key] = k
	ks = list(out.values())
	if line == "rc":
		ks = [k for k in ks if k.suite in rc_suites]
	elif line is not None:
		ks = [k for k in ks if k.suite not in rc_suites and not k.rc]
		if line != "latest":
			ks = [k for k in ks if series_of(k.version) == line]

	def signed_rank(k):
		return 0 if "unsigned" in k.image.name or k.image.source == "linux" else 1
	ks.sort(key=lambda k: (apt.version_key(k.version), -signed_rank(k),
			       -index.suite_rank(k.suite)), reverse=True)
	return ks


def _same(index, name, version):
	return index.find(name, version)


def _kernel_of(index, kind, unsigned, r, p):
	"""The Kernel that package p (linux-image-R[-unsigned], linux-binary-R,
	linux-binary-unsigned-R) is the image of, or None when p is a 7.x
	metapackage or its parts are not all listed."""
	if kind == "image":
		if _is_meta(p):
			return None	# a metapackage: the package it names decides
		return Kernel(release=r, version=p.version, suite=p.suite, layout="6.x", image=p,
			      modules=None, base=None, name=p.name)
	mods = _same(index, f"linux-modules-{r}", p.version)
	if mods is None:
		return None
	base = _same(index, f"linux-base-{r}", p.version)
	return Kernel(release=r, version=p.version, suite=p.suite, layout="7.x", image=p,
		      modules=mods, base=base, name=f"linux-image-{r}")


def _is_meta(p):
	"""A metapackage: 7.x's linux-image-R (of linux-binary-R), or a 6.x
	linux-image-X.Y-ARCH that only depends on the newest image."""
	return any(n.startswith(("linux-binary", "linux-image-")) for n in p.depends_names())


def by_name(index, name):
	"""linux-image-R[-unsigned] (either layout) -> its newest Kernel, or
	None."""
	m = re.match(r"^linux-image-(.+?)(-unsigned)?$", name)
	if not m:
		return None
	r = m.group(1)
	for p in index.versions(name):
		if not _is_meta(p):
			return Kernel(release=r, version=p.version, suite=p.suite, layout="6.x",
				      image=p, modules=None, base=None, name=p.name)
		for b in (f"linux-binary-unsigned-{r}", f"linux-binary-{r}"):
			bp = index.find(b, p.version)
			mods = index.find(f"linux-modules-{r}", p.version)
			if bp and mods:
				return Kernel(release=r, version=p.version, suite=p.suite,
					      layout="7.x", image=bp, modules=mods,
					      base=index.find(f"linux-base-{r}", p.version), name=name)
	return None


def build_packages(index, kernel):
	"""What a module build for `kernel` needs from the same source version:
	{"source": linux-source-X.Y, "headers": [linux-headers-R,
	linux-headers-<abi>-common], "kbuild": linux-kbuild-<abi>}. Missing ones
	are left out (the caller says what it cannot do without)."""
	v = kernel.version
	abi = kernel.release.rsplit("-", 1)[0]
	out = {}
	src = index.find(f"linux-source-{series_of(v)}", v)
	if src:
		out["source"] = src
	hdrs = [index.find(n, v) for n in (f"linux-headers-{kernel.release}",
					     f"linux-headers-{abi}-common")]
	hdrs = [h for h in hdrs if h]
	if hdrs:
		out["headers"] = hdrs
	for n in (f"linux-kbuild-{abi}", f"linux-kbuild-{series_of(v)}"):
		kb = index.find(n, v)
		if kb:
			out["kbuild"] = kb
			break
	return out


# --- extraction -------------------------------------------------------------------

def _members(deb):
	"""A streaming tar reader of a .deb's data (dpkg-deb --fsys-tarfile)."""
	proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE,
				stderr=subprocess.DEVNULL)
	return proc, tarfile.open(fileobj=proc.stdout, mode="r|")


def _norm(name):
	return name[2:] if name.startswith("./") else name.lstrip("/")


_WANTED = [
	re.compile(r"^boot/(vmlinu[xz]|config)-[^/]+$"),
	re.compile(r"^(usr/)?lib/modules/[^/]+/(vmlinu[xz](\.unsigned)?|config)$"),
	re.compile(r"^(usr/)?lib/modules/[^/]+/kernel/arch/[^/]+/kvm/[^/]+$"),
	re.compile(r"^(usr/)?lib/modules/[^/]+/kernel/drivers/crypto/ccp/ccp\.ko[^/]*$"),
	re.compile(r"^(usr/)?lib/modules/[^/]+/kernel/virt/lib/irqbypass\.ko[^/]*$"),
]
_MOD_RE = re.compile(r"^(usr/)?lib/modules/[^/]+/kernel/.*/([^/]+)\.ko(\.(xz|zst|gz))?$")


def _extract(deb, dest, want, names=None):
	"""Extract the regular files of deb for which want(path) is true into
	dest; with names, add every module file's path to it (name -> path)."""
	proc, tf = _members(deb)
	n = 0
	try:
		for m in tf:
			path = _norm(m.name)
			if names is not None and m.isfile():
				mm = _MOD_RE.match(path)
				if mm:
					names.setdefault(mm.group(2).replace("-", "_"), path)
			if not (m.isfile() or m.issym()) or not want(path):
				continue
			out = os.path.join(dest, path)
			os.makedirs(os.path.dirname(out), exist_ok=True)
			if m.issym():
				if os.path.lexists(out):
					os.unlink(out)
				os.symlink(m.linkname, out)
			else:
				with tf.extractfile(m) as src, open(out, "wb") as dst:
					shutil.copyfileobj(src, dst)
			n += 1
	except (tarfile.TarError, OSError) as e:
		raise DebError(f"cannot unpack {deb}: {e}") from None
	finally:
		proc.stdout.close()
		proc.wait()
	return n


def _module_depends(path):
	"""depends= of a module file (.ko, .ko.xz; others: none known)."""
	try:
		if path.endswith(".xz"):
			data = lzma.open(path).read()
		elif path.endswith(".ko"):
			with open(path, "rb") as f:
				data = f.read()
		else:
			return []
	except (OSError, lzma.LZMAError):
		return []
	m = re.search(rb"(?:^|\0)depends=([^\0]*)", data)
	if not m:
		return []
	return [d.replace("-", "_") for d in m.group(1).decode("ascii", "replace").split(",") if d]


def extract(debs, dest, arch):
	"""Unpack a kernel's image, config and kvm modules (with every module they
	depend on) from its packages into dest, once (dest/.extracted marks a
	complete one; made in a temporary directory beside it and renamed).
	Returns (image, modules_dir or "", release)."""
	if not os.path.isfile(os.path.join(dest, ".extracted")):
		parent = os.path.dirname(dest)
		tmp = tempfile.mkdtemp(prefix=".extract.", dir=parent)
		try:
			names = {}
			for deb in debs:
				_extract(deb, tmp, lambda p: any(w.match(p) for w in _WANTED), names)
			# The dependencies of what was taken, followed to the end.
			have = {}
			for root, _, files in os.walk(tmp):
				for f in files:
					mm = _MOD_RE.match(os.path.relpath(os.path.join(root, f), tmp))
					if mm:
						have[mm.group(2).replace("-", "_")] = os.path.join(root, f)
			todo = set()
			for p in list(have.values()):
				todo.update(d for d in _module_depends(p) if d not in have)
			while todo:
				paths = {names[d] for d in todo if d in names}
				if not paths:
					break
				for deb in debs:
					_extract(deb, tmp, lambda p: p in paths)
				new = {}
				for d in todo:
					if d in names:
						new[d] = os.path.join(tmp, names[d])
				have.update(new)
				todo = set()
				for p in new.values():
					todo.update(d for d in _module_depends(p) if d not in have)
			if not _find_image(tmp):
				raise DebError(f"no kernel image in {debs[-1] if len(debs) == 1 else ', '.join(debs)}")
			open(os.path.join(tmp, ".extracted"), "w").close()
			if os.path.isdir(dest):
				shutil.rmtree(dest, ignore_errors=True)
			try:
				os.rename(tmp, dest)
			except OSError:
				pass	# another tool made it meanwhile
		finally:
			if os.path.isdir(tmp):
				shutil.rmtree(tmp, ignore_errors=True)
	found = _find_image(dest)
	if not found:
		raise DebError(f"no kernel image in {', '.join(debs)}")
	image, release = found
	modules = ""
	for m in (os.path.join(dest, "lib", "modules", release),
		  os.path.join(dest, "usr", "lib", "modules", release)):
		if os.path.isdir(os.path.join(m, "kernel")):
			modules = m
	return image, modules, release


def _find_image(d):
	"""(image path, release) in an unpacked kernel, or None."""
	boot = os.path.join(d, "boot")
	if os.path.isdir(boot):
		for f in sorted(os.listdir(boot)):
			m = re.match(r"^vmlinu[xz]-(.+)$", f)
			if m:
				return os.path.join(boot, f), m.group(1)
	for lib in ("usr/lib/modules", "lib/modules"):
		base = os.path.join(d, lib)
		if not os.path.isdir(base):
			continue
		for r in sorted(os.listdir(base)):
			for f in ("vmlinuz.unsigned", "vmlinuz", "vmlinux"):
				p = os.path.join(base, r, f)
				if os.path.isfile(p):
					return p, r
	return None


def deb_field(deb, fieldname):
	"""A control field of a .deb file, or None when it is no Debian package."""
	try:
		r = subprocess.run(["dpkg-deb", "-f", deb, fieldname], capture_output=True, text=True)
	except FileNotFoundError:
		raise DebError("dpkg-deb not found (a Debian system is needed)") from None
	if r.returncode != 0:
		return None
	return r.stdout.strip()


def arch_of_debian(darch):
	try:
		return arches.get(darch)
	except arches.UnknownArch:
		return None
