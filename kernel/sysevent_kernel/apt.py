# SPDX-License-Identifier: GPL-2.0
"""Package indexes: resolve, download, lock.

One private package index per Debian architecture, under
<cache>/apt/<debian-arch>/, holding every suite kernel/lines.toml lists
([debian].suites). It is made at run time from the system's own Debian
sources (`apt-get indextargets`: whatever mirror apt uses here), with the
architecture and the suite changed; the system's apt configuration and
state are never touched, and no root is needed. The index is refreshed once
a day (or when asked), under a lock, and the stanzas the tooling reads
(linux-*, busybox*) are kept in a small JSON file beside it, so that a
resolution reads no 60 MB Packages file.

An Index can also be made from Packages text (Index.from_text) with a
download function of one's own: the resolver's tests use a fake index.
"""

import contextlib
import fcntl
import functools
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

from . import arches, lines

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
REFRESH_SECONDS = 86400
# packages.json's format: a new one is rebuilt from the lists.
JSON_FORMAT = 1
# The packages whose stanzas are kept in packages.json.
KEPT = re.compile(rb"^Package: ((?:linux|busybox)-[^\n]*)$", re.M)
_FIELDS = ("Package", "Version", "Architecture", "Source", "Depends", "Provides",
	   "Filename", "Size", "SHA256", "Installed-Size")
_SUITE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")


class AptError(ValueError):
	"""A failure to say in one line (the tools exit 2 on it)."""


class Unavailable(AptError):
	"""The index lists the package, the mirror cannot serve it."""


def default_cache():
	c = os.environ.get("KVM_SYSEVENT_KERNEL_CACHE")
	if c:
		return c
	repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
	return os.path.join(repo, ".cache", "kernels")


def _say(msg):
	print(msg, file=sys.stderr, flush=True)


# --- Debian version order (dpkg's) --------------------------------------------

def _order(c):
	if c == "~":
		return -1
	if "0" <= c <= "9":
		return 0
	if c.isascii() and c.isalpha():
		return ord(c)
	return ord(c) + 256


def _cmp_part(a, b):
	i = j = 0
	while i < len(a) or j < len(b):
		while (i < len(a) and not "0" <= a[i] <= "9") or (j < len(b) and not "0" <= b[j] <= "9"):
			ac = _order(a[i]) if i < len(a) else 0
			bc = _order(b[j]) if j < len(b) else 0
			if ac != bc:
				return -1 if ac < bc else 1
			i += 1
			j += 1
		while i < len(a) and a[i] == "0":
			i += 1
		while j < len(b) and b[j] == "0":
			j += 1
		first = 0
		while i < len(a) and "0" <= a[i] <= "9" and j < len(b) and "0" <= b[j] <= "9":
			if not first and a[i] != b[j]:
				first = -1 if a[i] < b[j] else 1
			i += 1
			j += 1
		if i < len(a) and "0" <= a[i] <= "9":
			return 1
		if j < len(b) and "0" <= b[j] <= "9":
			return -1
		if first:
			return first
	return 0


def _split_version(v):
	epoch, _, rest = v.partition(":") if ":" in v else ("0", "", v)
	upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
	return int(epoch or 0), upstream, revision


def compare_versions(a, b):
	"""dpkg's order of two Debian versions: <0, 0 or >0."""
	ea, ua, ra = _split_version(a)
	eb, ub, rb = _split_version(b)
	if ea != eb:
		return -1 if ea < eb else 1
	return _cmp_part(ua, ub) or _cmp_part(ra, rb)


version_key = functools.cmp_to_key(compare_versions)


def upstream_version(v):
	"""7.3.4-1~bpo13+1 -> 7.3.4; 7.3~rc7-1~exp1 -> 7.3~rc7."""
	return _split_version(v)[1]


# --- packages -------------------------------------------------------------------

@dataclass(frozen=True)
class Pkg:
	name: str
	version: str
	arch: str		# Debian's (amd64, arm64, riscv64, all)
	suite: str		# the suite whose index lists it (trixie-backports)
	source: str		# its source package (linux, linux-signed-amd64)
	source_version: str
	depends: str
	filename: str		# its path on the mirror (pool/...)
	size: int
	sha256: str
	fields: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

	def depends_names(self):
		"""The package names of Depends (alternatives included)."""
		out = []
		for part in self.depends.split(","):
			for alt in part.split("|"):
				n = alt.strip().split(" ", 1)[0].split(":", 1)[0]
				if n:
					out.append(n)
		return out


def parse_stanza(text):
	"""One Packages stanza -> {field: value} (continuation lines joined)."""
	f = {}
	key = None
	for ln in text.splitlines():
		if not ln:
			continue
		if ln[0] in " \t" and key:
			f[key] += "\n" + ln.strip()
			continue
		key, _, val = ln.partition(":")
		f[key] = val.strip()
	return f


def pkg_of(fields, suite):
	src = fields.get("Source", "") or fields["Package"]
	sname, _, sver = src.partition(" ")
	sver = sver.strip("() ") or fields["Version"]
	try:
		size = int(fields.get("Size", "0"))
	except ValueError:
		size = 0
	return Pkg(name=fields["Package"], version=fields["Version"],
		   arch=fields.get("Architecture", ""), suite=suite, source=sname,
		   source_version=sver, depends=fields.get("Depends", ""),
		   filename=fields.get("Filename", ""), size=size,
		   sha256=fields.get("SHA256", ""),
		   fields={k: v for k, v in fields.items() if k in _FIELDS})


def kept_stanzas(data, only=None):
	"""The stanzas of Packages text (bytes) whose package the tooling keeps
	(or, with `only`, that one package): a list of field dicts."""
	out = []
	if only:
		pat = re.compile(rb"^Package: (" + re.escape(only.encode()) + rb")$", re.M)
	else:
		pat = KEPT
	for m in pat.finditer(data):
		end = data.find(b"\n\n", m.start())
		chunk = data[m.start():end if end >= 0 else len(data)]
		out.append(parse_stanza(chunk.decode("utf-8", "replace")))
	return out


# --- the index ------------------------------------------------------------------

class Index:
	"""The packages of one architecture in an ordered list of suites."""

	def __init__(self, darch, suites, pkgs, downloader=None, scanner=None, dir=None,
		     rc_suites=()):
		self.darch = darch
		self.suites = list(suites)
		self.rc_suites = [s for s in rc_suites if s in self.suites]
		self.dir = dir
		self._by_name = {}
		for p in pkgs:
			self._by_name.setdefault(p.name, []).append(p)
		self._downloader = downloader
		self._scanner = scanner

	@classmethod
	def from_text(cls, darch, suites_text, downloader=None, rc_suites=()):
		"""An index made of Packages text per suite ({suite: text}, in
		order): a fake index for tests. downloader(pkg) -> path or raises."""
		pkgs = []
		for suite, text in suites_text.items():
			for chunk in text.strip().split("\n\n"):
				if chunk.strip():
					pkgs.append(pkg_of(parse_stanza(chunk), suite))
		return cls(darch, list(suites_text), pkgs, downloader=downloader,
			   rc_suites=rc_suites)

	@classmethod
	def private(cls, arch, cache=None, refresh=False, suites=None, log=_say):
		"""The private index of an architecture (an arches.Arch or any
		spelling) in the cache: see the module's doc."""
		a = arch if isinstance(arch, arches.Arch) else arches.get(arch)
		return _private_index(a.debian, cache or default_cache(), refresh, suites, log)

	def suite_rank(self, suite):
		try:
			return self.suites.index(suite)
		except ValueError:
			return len(self.suites)

	def names(self):
		return self._by_name.keys()

	def versions(self, name):
		"""Every version of `name` in every suite, newest first (then in
		suite order)."""
		ps = self._by_name.get(name)
		if ps is None and self._scanner and not KEPT.match(b"Package: " + name.encode()):
			ps = self._by_name[name] = self._scanner(name)
		ps = ps or []
		return sorted(ps, key=lambda p: (version_key(p.version), -self.suite_rank(p.suite)),
			      reverse=True)

	def find(self, name, version=None):
		"""That version of `name`, or its candidate: the newest version in
		the first release family (a suite and its -security, -updates) in
		suite order that has it, else the newest in any suite that is not a
		release-candidate suite. None when the index has no such package."""
		vs = self.versions(name)
		if version is not None:
			vs = [p for p in vs if p.version == version]
			return vs[0] if vs else None
		released = [p for p in vs if p.suite not in self.rc_suites]
		for fam in _families(self.suites):
			inside = [p for p in released if p.suite in fam]
			if inside:
				return inside[0]
		return released[0] if released else (vs[0] if vs else None)

	def download(self, pkg):
		"""The .deb of pkg in the cache (fetched when missing)."""
		if not self._downloader:
			raise AptError(f"cannot download {pkg.name} {pkg.version}: no downloader")
		return self._downloader(pkg)


def _families(suites):
	"""Release families in suite order: [{bookworm, bookworm-security,
	bookworm-updates}, {trixie, ...}, {sid}, ...]; backports are their own."""
	fams = []
	for s in suites:
		base, _, kind = s.partition("-")
		if kind in ("security", "updates"):
			for fam in fams:
				if base in fam:
					fam.add(s)
					break
			else:
				fams.append({s})
		else:
			fams.append({s})
	return fams


# --- the private index on disk --------------------------------------------------

def system_sources():
	"""The system's Debian sources: [(uri, release, component)] from
	`apt-get indextargets` (read only)."""
	try:
		r = subprocess.run(["apt-get", "indextargets", "--format",
				    "$(REPO_URI)\t$(RELEASE)\t$(COMPONENT)", "Identifier: Packages"],
				   capture_output=True, text=True)
	except FileNotFoundError:
		raise AptError("apt-get not found (a Debian system is needed)") from None
	out = set()
	for ln in r.stdout.splitlines():
		parts = ln.split("\t")
		if len(parts) == 3 and all(parts):
			out.add(tuple(parts))
	return sorted(out)


def system_codename():
	try:
		with open("/etc/os-release") as f:
			for ln in f:
				if ln.startswith("VERSION_CODENAME="):
					return ln.split("=", 1)[1].strip().strip('"')
	except OSError:
		pass
	return ""


def archive_uri():
	"""The Debian archive URI the system's apt uses for its own release
	(http://deb.debian.org/debian/), e.g. for debootstrap; AptError when
	there is none."""
	codename = system_codename()
	for u, r, _ in system_sources():
		if r == codename:
			return u
	raise AptError(f"no Debian {codename or 'release'} sources in the system's apt configuration")


def sources_list(darch, suites, system, codename, keyring=KEYRING):
	"""The private index's sources.list lines: each suite from the system
	source of the same kind (the archive for a release, -backports and the
	development suites; the security archive for -security)."""
	archive = [u for u, r, c in system if r == codename]
	security = [u for u, r, c in system if r == f"{codename}-security"]
	if not archive:
		raise AptError(f"no Debian {codename} sources in the system's apt configuration")
	opts = f"arch={darch}"
	if os.path.exists(keyring):
		opts += f" signed-by={keyring}"
	out = []
	for s in suites:
		uris = security if s.endswith("-security") else archive
		for u in uris[:1]:
			out.append(f"deb [{opts}] {u} {s} main")
	return out


class _Private:
	def __init__(self, darch, cache, subdir):
		self.darch = darch
		self.cache = cache
		self.dir = os.path.join(cache, "apt", subdir)
		d = self.dir
		self.opts = [
			"-o", f"Dir::State={d}", "-o", f"Dir::State::lists={d}/lists",
			"-o", f"Dir::State::status={d}/status", "-o", f"Dir::Cache={d}",
			"-o", f"Dir::Cache::archives={d}/archives",
			"-o", f"Dir::Cache::pkgcache={d}/pkgcache.bin",
			"-o", "Dir::Cache::srcpkgcache=",
			"-o", f"Dir::Etc::sourcelist={d}/etc/sources.list",
			"-o", f"Dir::Etc::sourceparts={d}/etc/sources.list.d",
			"-o", f"Dir::Etc::preferencesparts={d}/etc/preferences.d",
			"-o", f"APT::Architecture={darch}", "-o", f"APT::Architectures::={darch}",
			"-o", "Acquire::Languages=none",
		]
		if os.geteuid() == 0:
			self.opts += ["-o", "APT::Sandbox::User=root"]

	def prepare(self):
		for sub in ("lists/partial", "archives/partial", "etc/sources.list.d",
			    "etc/preferences.d"):
			os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
		status = os.path.join(self.dir, "status")
		if not os.path.exists(status):
			open(status, "w").close()

	@contextlib.contextmanager
	def locked(self):
		"""The index's lock: one tool updates or reads it at a time."""
		fd = os.open(os.path.join(self.dir, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
		try:
			fcntl.flock(fd, fcntl.LOCK_EX)
			yield
		finally:
			os.close(fd)

	def targets(self):
		"""[(Packages file, suite)] of the private index, in apt's words."""
		r = subprocess.run(["apt-get", *self.opts, "indextargets", "--format",
				    "$(FILENAME)\t$(RELEASE)", "Identifier: Packages"],
				   capture_output=True, text=True)
		out = []
		for ln in r.stdout.splitlines():
			fn, _, suite = ln.partition("\t")
			if fn and suite:
				out.append((fn, suite))
		return out


def _lists_key(targets):
	key = []
	for fn, suite in targets:
		try:
			st = os.stat(fn)
			key.append([fn, suite, st.st_size, int(st.st_mtime)])
		except OSError:
			pass
	return key


APT_HELPER = "/usr/lib/apt/apt-helper"


def _read_list(fn):
	"""A Packages file of the index, as apt stored it (plain, or compressed
	as the system's apt configuration keeps lists: lz4, gz, xz)."""
	if os.path.exists(APT_HELPER) and not fn.endswith("_Packages"):
		r = subprocess.run([APT_HELPER, "cat-file", fn], capture_output=True)
		if r.returncode == 0:
			return r.stdout
	with open(fn, "rb") as f:
		return f.read()


def _update(p, darch, suites, codename, stamp, download, log):
	"""Write the index's sources.list from the system's sources; download
	the lists when asked or when the sources changed."""
	src = sources_list(darch, suites, system_sources(), codename)
	sl = os.path.join(p.dir, "etc", "sources.list")
	new = "".join(ln + "\n" for ln in src)
	try:
		with open(sl) as f:
			old = f.read()
	except OSError:
		old = None
	if old != new:
		with open(sl + ".new", "w") as f:
			f.write(new)
		os.replace(sl + ".new", sl)
		download = True
	if not download:
		return
	log(f"updating the {darch} package index ({', '.join(suites)})")
	with open(os.path.join(p.dir, "update.log"), "w") as lf:
		r = subprocess.run(["apt-get", *p.opts, "-q", "update"], stdout=lf,
				   stderr=subprocess.STDOUT)
	# A suite that fails to download leaves the others usable: resolution
	# decides.
	if r.returncode != 0:
		log(f"warning: some {darch} package indexes failed to download "
		    f"(see {p.dir}/update.log)")
	open(stamp, "w").close()


def _private_index(darch, cache, refresh, suites, log):
	data = lines.load()
	all_suites = list(data["debian"]["suites"])
	rc_suites = list(data["debian"].get("rc_suites", []))
	env = os.environ.get("KVM_SYSEVENT_DEBIAN_SUITE", "")
	if suites is None and env:
		suites = [s for s in env.split(",") if s]
	if suites is None:
		suites = all_suites
	for s in suites:
		if not _SUITE_RE.match(s):
			raise AptError(f"bad Debian suite name: {s}")
	# The lines.toml suites share one index per architecture; another set
	# of suites gets its own.
	subdir = darch if suites == all_suites else f"{darch}_{'+'.join(suites)}"
	p = _Private(darch, os.path.abspath(cache), subdir)
	try:
		p.prepare()
	except OSError as e:
		raise AptError(f"cannot create {p.dir}: {e.strerror}") from None
	codename = system_codename()
	if not codename:
		raise AptError("cannot read the system's release codename (/etc/os-release)")
	with p.locked():
		stamp = os.path.join(p.dir, "updated")
		cached = os.path.join(p.dir, "packages.json")
		try:
			age = time.time() - os.stat(stamp).st_mtime
		except OSError:
			age = None
		try:
			with open(cached) as f:
				j = json.load(f)
			if j.get("format") != JSON_FORMAT or j.get("suites") != suites:
				j = None
		except (OSError, ValueError):
			j = None
		if refresh or age is None or age > REFRESH_SECONDS or j is None:
			_update(p, darch, suites, codename, stamp, refresh or age is None or
				age > REFRESH_SECONDS, log)
			targets = [(fn, s) for fn, s in p.targets() if s in suites]
			j = None
		else:
			targets = [(fn, s) for fn, s, _, _ in j.get("key", [])]
		key = _lists_key(targets)
		pkgs_fields = j["packages"] if j and j.get("key") == key else None
		if pkgs_fields is None:
			pkgs_fields = []
			for fn, s, _, _ in key:
				for fl in kept_stanzas(_read_list(fn)):
					pkgs_fields.append([s, fl])
			with open(cached + ".new", "w") as f:
				json.dump({"format": JSON_FORMAT, "suites": suites, "key": key,
					   "packages": pkgs_fields}, f)
			os.replace(cached + ".new", cached)
	present = [s for s in suites if any(s == k[1] for k in key)]
	if not present:
		raise AptError(f"no {darch} package index could be downloaded "
			       f"(see {p.dir}/update.log)")

	def scanner(name):
		out = []
		for fn, s, _, _ in key:
			with contextlib.suppress(OSError):
				for fl in kept_stanzas(_read_list(fn), only=name):
					out.append(pkg_of(fl, s))
		return out

	def downloader(pkg):
		return _download(p, pkg, log)

	pkgs = [pkg_of(fl, s) for s, fl in pkgs_fields]
	return Index(darch, suites, pkgs, downloader=downloader, scanner=scanner, dir=p.dir,
		     rc_suites=rc_suites)


def deb_name(pkg):
	"""The file name apt-get download gives a package."""
	return f"{pkg.name}_{pkg.version.replace(':', '%3a')}_{pkg.arch}.deb"


def _download(p, pkg, log):
	path = os.path.join(p.cache, deb_name(pkg))
	if os.path.isfile(path) and os.path.getsize(path) > 0:
		return path
	# Tools fetching kernels in parallel may want the same package.
	fd = os.open(os.path.join(p.cache, ".fetch.lock"), os.O_RDWR | os.O_CREAT, 0o644)
	try:
		fcntl.flock(fd, fcntl.LOCK_EX)
		if os.path.isfile(path) and os.path.getsize(path) > 0:
			return path
		log(f"fetching {pkg.name} {pkg.version} ({pkg.suite}, {p.darch})")
		r = subprocess.run(["apt-get", "download", "-q", *p.opts, f"{pkg.name}={pkg.version}"],
				   cwd=p.cache, capture_output=True, text=True)
	finally:
		os.close(fd)
	if r.returncode != 0 or not os.path.isfile(path):
		err = (r.stderr or r.stdout).strip().splitlines()
		why = next((ln for ln in err if ln.startswith("E:")), err[-1] if err else "")
		with contextlib.suppress(OSError):
			with open(os.path.join(p.dir, "download.log"), "a") as lf:
				lf.write(f"{pkg.name}={pkg.version}: {r.stderr}{r.stdout}\n")
		if re.search(r"\b404\b|Not Found|Hash Sum mismatch|File has unexpected size", why):
			raise Unavailable(f"{pkg.name} {pkg.version} ({pkg.suite}) is listed but the "
					  "mirror cannot serve it" + (" (404)" if "404" in why else ""))
		raise AptError(f"apt-get download {pkg.name}={pkg.version} ({p.darch}) failed"
			       + (f": {why[:200]}" if why else ""))
	return path
