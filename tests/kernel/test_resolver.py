# SPDX-License-Identifier: GPL-2.0
"""The kernel resolver against a fake package index (no network): Debian's
two package layouts, the suite search, debian-latest and debian-rc, a
mirror gap, and the errors a name that resolves to nothing gives."""

import lzma
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import apt, cli, debs, fetch  # noqa: E402

SUITES = ["bookworm", "bookworm-security", "bookworm-backports", "trixie",
	  "trixie-security", "trixie-backports", "sid", "experimental"]


def stanza(name, version, arch="amd64", depends="", source="linux"):
	s = f"Package: {name}\nSource: {source}\nVersion: {version}\nArchitecture: {arch}\n"
	if depends:
		s += f"Depends: {depends}\n"
	s += f"Filename: pool/main/l/{source}/{name}_{version}_{arch}.deb\nSize: 1000\n"
	return s


def layout6(r, version, signed=True, cloud=True, arch="amd64"):
	"""The 6.x packages of release r: the unsigned image, the signed one,
	a cloud flavour that is no kernel of a line. The signed one is listed
	first: the unsigned one must win on its merits."""
	out = []
	if signed:
		out.append(stanza(f"linux-image-{r}", version, arch, source=f"linux-signed-{arch}"))
	out.append(stanza(f"linux-image-{r}-unsigned", version, arch))
	if cloud:
		abi = r.rsplit("-", 1)[0]
		out.append(stanza(f"linux-image-{abi}-cloud-{arch}-unsigned", version, arch))
	return out


def layout7(r, version, arch="amd64", unsigned=True):
	"""The 7.x packages of release r: metapackage, base, binary, modules."""
	binary = f"linux-binary-unsigned-{r}" if unsigned else f"linux-binary-{r}"
	out = []
	if unsigned:
		out.append(stanza(f"linux-binary-{r}", version, arch, source=f"linux-signed-{arch}"))
	out += [stanza(f"linux-image-{r}", version, arch,
		      depends=f"initramfs-tools | linux-initramfs-tool, linux-base-{r} (= {version}), "
			      f"linux-binary-{r} (= {version}), linux-modules-{r} (= {version})"),
	       stanza(f"linux-base-{r}", version, arch),
	       stanza(binary, version, arch, depends=f"linux-base-{r} (= {version})"),
	       stanza(f"linux-modules-{r}", version, arch, depends=f"kmod, linux-base-{r}")]
	return out


def amd64_text(rc_version="7.3~rc7-1~exp1"):
	return {
		"bookworm": layout6("6.1.0-50-amd64", "6.1.150-1") + [
			stanza("linux-image-amd64", "6.1.150-1", depends="linux-image-6.1.0-50-amd64"),
			stanza("busybox-static", "1:1.35.0-4+b3", source="busybox")],
		"bookworm-security": layout6("6.1.0-57-amd64", "6.1.192-3")
			+ layout6("6.12.118+deb12-amd64", "6.12.118-1~deb12u1") + [
			stanza("linux-image-6.12-amd64", "6.12.118-1~deb12u1",
			       depends="linux-image-6.12.118+deb12-amd64 (= 6.12.118-1~deb12u1)")],
		"bookworm-backports": [],
		"trixie": layout6("6.12.117+deb13-amd64", "6.12.117-1") + [
			stanza("busybox-static", "1:1.37.0-6", source="busybox")],
		"trixie-security": [],
		"trixie-backports": layout7("7.3.4+deb13-amd64", "7.3.4-1~bpo13+1")
			+ layout7("7.2.12+deb13-amd64", "7.2.12-1~bpo13+1"),
		"sid": layout7("7.2.13+deb14-amd64", "7.2.13-1"),
		"experimental": layout7("7.3-amd64", rc_version),
	}


def index_of(text, darch="amd64", downloader=None):
	return apt.Index.from_text(darch, {s: "\n".join(v) for s, v in text.items()},
				   downloader=downloader, rc_suites=["experimental"])


# --- versions ---------------------------------------------------------------------

@pytest.mark.parametrize("a,b,want", [
	("6.12.118-1", "6.12.118-1~deb12u1", 1),
	("7.3~rc7-1~exp1", "7.3-1", -1),
	("7.3~rc7-1~exp1", "7.2.13-1", 1),
	("1:1.0", "2.0", 1),
	("6.1.192-3", "6.1.192-10", -1),
	("7.3.4-1~bpo13+1", "7.3.4-1", -1),
	("1.0a", "1.0+", -1),
	("1.0", "1.0", 0),
])
def test_versions(a, b, want):
	got = apt.compare_versions(a, b)
	assert (got > 0) - (got < 0) == want
	if shutil.which("dpkg"):
		op = {1: "gt", -1: "lt", 0: "eq"}[want]
		assert subprocess.run(["dpkg", "--compare-versions", a, op, b]).returncode == 0


# --- the suite search and both layouts --------------------------------------------

def test_series_6x_newest_across_suites():
	idx = index_of(amd64_text())
	k = debs.kernels(idx, "6.1")[0]
	assert (k.release, k.version, k.suite, k.layout) == \
		("6.1.0-57-amd64", "6.1.192-3", "bookworm-security", "6.x")
	assert k.image.name == "linux-image-6.1.0-57-amd64-unsigned"	# unsigned first
	assert [p.name for p in k.packages] == ["linux-image-6.1.0-57-amd64-unsigned"]
	k = debs.kernels(idx, "6.12")[0]
	# 6.12.118-1~deb12u1 (bookworm-security) is newer than trixie's 6.12.117-1;
	# the metapackage linux-image-6.12-amd64 is no kernel.
	assert (k.release, k.suite) == ("6.12.118+deb12-amd64", "bookworm-security")
	assert all(k.release != "6.12-amd64" for k in debs.kernels(idx, "6.12"))


def test_flavours_are_not_kernels_of_a_line():
	idx = index_of(amd64_text())
	assert all("cloud" not in k.release for k in debs.kernels(idx))


def test_latest_is_the_7x_layout():
	idx = index_of(amd64_text())
	k = debs.kernels(idx, "latest")[0]
	assert (k.release, k.version, k.suite, k.layout) == \
		("7.3.4+deb13-amd64", "7.3.4-1~bpo13+1", "trixie-backports", "7.x")
	assert k.name == "linux-image-7.3.4+deb13-amd64"
	assert [p.name for p in k.packages] == [
		"linux-modules-7.3.4+deb13-amd64", "linux-binary-unsigned-7.3.4+deb13-amd64",
		"linux-base-7.3.4+deb13-amd64"]


def test_latest_never_a_release_candidate():
	idx = index_of(amd64_text(rc_version="7.4~rc1-1~exp1"))
	assert debs.kernels(idx, "latest")[0].version == "7.3.4-1~bpo13+1"
	k = debs.kernels(idx, "rc")[0]
	assert (k.version, k.suite, k.release) == ("7.4~rc1-1~exp1", "experimental", "7.3-amd64")
	assert k.rc


def test_rc_only_from_the_rc_suites():
	text = amd64_text()
	text["experimental"] = []
	assert debs.kernels(index_of(text), "rc") == []


def test_riscv64_signed_only_binary():
	text = {"trixie": layout6("6.12.117+deb13-riscv64", "6.12.117-1", signed=False,
				  cloud=False, arch="riscv64"),
		"trixie-backports": layout7("7.3.4+deb13-riscv64", "7.3.4-1~bpo13+1",
					    arch="riscv64", unsigned=False)}
	# riscv64 has no -unsigned 6.x image either: linux-image-R is the image.
	text["trixie"] = [stanza("linux-image-6.12.117+deb13-riscv64", "6.12.117-1", "riscv64")]
	idx = apt.Index.from_text("riscv64", {s: "\n".join(v) for s, v in text.items()})
	k = debs.kernels(idx, "latest")[0]
	assert k.image.name == "linux-binary-7.3.4+deb13-riscv64" and k.layout == "7.x"
	k = debs.kernels(idx, "6.12")[0]
	assert k.image.name == "linux-image-6.12.117+deb13-riscv64" and k.layout == "6.x"
	assert debs.kernels(idx, "6.1") == []


def test_by_name_both_layouts():
	idx = index_of(amd64_text())
	k = debs.by_name(idx, "linux-image-7.2.13+deb14-amd64")
	assert k.layout == "7.x" and k.image.name == "linux-binary-unsigned-7.2.13+deb14-amd64"
	k = debs.by_name(idx, "linux-image-6.1.0-57-amd64-unsigned")
	assert k.layout == "6.x" and k.suite == "bookworm-security"
	assert debs.by_name(idx, "linux-image-9.9-amd64") is None


def test_candidate_of_a_package_is_the_first_release():
	idx = index_of(amd64_text())
	assert idx.find("busybox-static").version == "1:1.35.0-4+b3"
	assert idx.find("busybox-static", "1:1.37.0-6").suite == "trixie"
	assert [p.suite for p in idx.versions("busybox-static")] == ["trixie", "bookworm"]


def test_build_packages_same_version():
	text = amd64_text()
	v = "7.3.4-1~bpo13+1"
	text["trixie-backports"] += [
		stanza("linux-source-7.3", v, "all"),
		stanza("linux-headers-7.3.4+deb13-amd64", v),
		stanza("linux-headers-7.3.4+deb13-common", v, "all"),
		stanza("linux-kbuild-7.3.4+deb13", v),
		stanza("linux-source-7.3", "7.3.3-1~bpo13+1", "all")]
	idx = index_of(text)
	b = debs.build_packages(idx, debs.kernels(idx, "latest")[0])
	assert b["source"].version == v
	assert [h.name for h in b["headers"]] == ["linux-headers-7.3.4+deb13-amd64",
						  "linux-headers-7.3.4+deb13-common"]
	assert b["kbuild"].name == "linux-kbuild-7.3.4+deb13"


# --- sources --------------------------------------------------------------------------

def test_sources_from_the_system():
	system = [("http://m/debian/", "bookworm", "main"),
		  ("http://m/debian/", "bookworm-updates", "main"),
		  ("http://s/debian-security/", "bookworm-security", "main"),
		  ("http://other/", "nodistro", "main")]
	got = apt.sources_list("arm64", SUITES, system, "bookworm", keyring="/nonexistent")
	assert got[0] == "deb [arch=arm64] http://m/debian/ bookworm main"
	assert "deb [arch=arm64] http://s/debian-security/ trixie-security main" in got
	assert "deb [arch=arm64] http://m/debian/ sid main" in got
	assert len(got) == len(SUITES)
	with pytest.raises(apt.AptError, match="no Debian trixie sources"):
		apt.sources_list("arm64", SUITES, system, "trixie")


# --- fetching: real .deb files made here, a mirror gap ------------------------------

def make_deb(tmp, name, version, arch, files):
	"""A .deb of name with files {path: bytes} (dpkg-deb)."""
	root = tmp / f"root-{name}"
	(root / "DEBIAN").mkdir(parents=True)
	(root / "DEBIAN" / "control").write_text(
		f"Package: {name}\nVersion: {version}\nArchitecture: {arch}\n"
		"Maintainer: test <t@example.org>\nDescription: test\n")
	for path, data in files.items():
		p = root / path
		p.parent.mkdir(parents=True, exist_ok=True)
		p.write_bytes(data)
	out = tmp / f"{name}_{version}_{arch}.deb"
	subprocess.run(["dpkg-deb", "-Zgzip", "--root-owner-group", "-b", str(root), str(out)],
		       check=True, capture_output=True)
	return str(out)


def ko(name, depends=""):
	return lzma.compress(b"\x7fELF fake module\0name=" + name.encode() + b"\0depends="
			     + depends.encode() + b"\0")


needs_dpkg = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="no dpkg-deb")


@pytest.fixture
def debdir(tmp_path):
	d = tmp_path / "debs"
	d.mkdir()
	return d


def fake_debs(debdir):
	"""Real .deb files for the amd64 index: 7.3.4 and 7.2.13 in the 7.x
	layout, 6.1.0-57 in the 6.x layout."""
	made = {}
	for r, v in (("7.3.4+deb13-amd64", "7.3.4-1~bpo13+1"), ("7.2.13+deb14-amd64", "7.2.13-1")):
		m = f"usr/lib/modules/{r}"
		made[(f"linux-binary-unsigned-{r}", v)] = make_deb(
			debdir, f"linux-binary-unsigned-{r}", v, "amd64",
			{f"{m}/vmlinuz.unsigned": b"not really a kernel"})
		made[(f"linux-base-{r}", v)] = make_deb(
			debdir, f"linux-base-{r}", v, "amd64", {f"{m}/config": b"CONFIG_KVM=m\n"})
		made[(f"linux-modules-{r}", v)] = make_deb(debdir, f"linux-modules-{r}", v, "amd64", {
			f"{m}/kernel/arch/x86/kvm/kvm.ko.xz": ko("kvm", "irqbypass"),
			f"{m}/kernel/arch/x86/kvm/kvm-amd.ko.xz": ko("kvm_amd", "kvm,ccp"),
			f"{m}/kernel/drivers/crypto/ccp/ccp.ko.xz": ko("ccp", "some_dep"),
			f"{m}/kernel/virt/lib/irqbypass.ko.xz": ko("irqbypass"),
			f"{m}/kernel/drivers/misc/some-dep.ko.xz": ko("some_dep"),
			f"{m}/kernel/drivers/misc/unrelated.ko.xz": ko("unrelated")})
	r, v = "6.1.0-57-amd64", "6.1.192-3"
	made[(f"linux-image-{r}-unsigned", v)] = make_deb(
		debdir, f"linux-image-{r}-unsigned", v, "amd64", {
			f"boot/vmlinuz-{r}": b"not really a kernel", f"boot/config-{r}": b"CONFIG_KVM=m\n",
			f"lib/modules/{r}/kernel/arch/x86/kvm/kvm.ko": b"\x7fELF\0depends=\0",
			f"lib/modules/{r}/kernel/sound/core/snd.ko": b"\x7fELF\0"})
	return made


def downloader_of(made, gaps=()):
	tried = []

	def dl(pkg):
		tried.append(pkg.name)
		if pkg.name in gaps:
			raise apt.Unavailable(f"{pkg.name} {pkg.version} ({pkg.suite}) is listed but "
					      "the mirror cannot serve it (404)")
		return made[(pkg.name, pkg.version)]
	dl.tried = tried
	return dl


@needs_dpkg
def test_fetch_7x_layout(tmp_path, debdir, monkeypatch):
	monkeypatch.setattr(fetch.arches, "host", lambda: fetch.arches.get("amd64"))
	idx = index_of(amd64_text(), downloader=downloader_of(fake_debs(debdir)))
	f = fetch.kernel("debian-latest", cache=str(tmp_path / "c"), index=idx, log=lambda m: None)
	assert (f.name, f.arch, f.release, f.version, f.suite, f.layout) == \
		("debian-latest", "x86_64", "7.3.4+deb13-amd64", "7.3.4-1~bpo13+1",
		 "trixie-backports", "7.x")
	assert f.image.endswith("/usr/lib/modules/7.3.4+deb13-amd64/vmlinuz.unsigned")
	assert os.path.basename(f.deb).startswith("linux-binary-unsigned-7.3.4+deb13-amd64_")
	assert not f.fallback
	mods = sorted(os.listdir(os.path.join(f.modules, "kernel", "arch", "x86", "kvm")))
	assert mods == ["kvm-amd.ko.xz", "kvm.ko.xz"]
	# What kvm-amd depends on, followed to the end; nothing else.
	assert os.path.exists(os.path.join(f.modules, "kernel/drivers/misc/some-dep.ko.xz"))
	assert not os.path.exists(os.path.join(f.modules, "kernel/drivers/misc/unrelated.ko.xz"))
	assert os.path.exists(os.path.join(os.path.dirname(f.image), "config"))
	assert "suite=trixie-backports" in f.lines() and "layout=7.x" in f.lines()


@needs_dpkg
def test_fetch_6x_layout(tmp_path, debdir, monkeypatch):
	monkeypatch.setattr(fetch.arches, "host", lambda: fetch.arches.get("amd64"))
	idx = index_of(amd64_text(), downloader=downloader_of(fake_debs(debdir)))
	f = fetch.kernel("debian-6.1", cache=str(tmp_path / "c"), index=idx, log=lambda m: None)
	assert (f.release, f.suite, f.layout, f.package) == \
		("6.1.0-57-amd64", "bookworm-security", "6.x", "linux-image-6.1.0-57-amd64-unsigned")
	assert f.image.endswith("/boot/vmlinuz-6.1.0-57-amd64")
	assert f.modules.endswith("/lib/modules/6.1.0-57-amd64")
	assert os.path.basename(f.image.rsplit("/boot/", 1)[0]) == \
		"linux-image-6.1.0-57-amd64-unsigned_6.1.192-3"
	assert not os.path.exists(os.path.join(f.modules, "kernel/sound"))


@needs_dpkg
def test_mirror_gap_falls_back(tmp_path, debdir, monkeypatch):
	monkeypatch.setattr(fetch.arches, "host", lambda: fetch.arches.get("amd64"))
	said = []
	dl = downloader_of(fake_debs(debdir), gaps={"linux-modules-7.3.4+deb13-amd64"})
	idx = index_of(amd64_text(), downloader=dl)
	f = fetch.kernel("debian-latest", cache=str(tmp_path / "c"), index=idx, log=said.append)
	# The next complete version is sid's 7.2.13, newer than trixie-backports' 7.2.12.
	assert (f.version, f.suite, f.release) == ("7.2.13-1", "sid", "7.2.13+deb14-amd64")
	assert "linux-modules-7.3.4+deb13-amd64 7.3.4-1~bpo13+1 (trixie-backports)" in f.fallback
	assert "404" in f.fallback and "7.2.13-1 (sid)" in f.fallback
	assert any("cannot serve" in m for m in said) and any("sid" in m for m in said)
	assert any(ln.startswith("fallback=") for ln in f.lines())
	# The signed binary of the same version is not tried: the gap is the modules.
	assert dl.tried[0] == "linux-modules-7.3.4+deb13-amd64"


@needs_dpkg
def test_every_version_unavailable(tmp_path, debdir, monkeypatch):
	monkeypatch.setattr(fetch.arches, "host", lambda: fetch.arches.get("amd64"))
	text = {"sid": layout7("7.2.13+deb14-amd64", "7.2.13-1"), "experimental": []}
	dl = downloader_of({}, gaps={"linux-modules-7.2.13+deb14-amd64"})
	with pytest.raises(fetch.FetchError, match="no version the index lists can be fetched"):
		fetch.kernel("debian-latest", cache=str(tmp_path / "c"), index=index_of(text, downloader=dl),
			     log=lambda m: None)


@pytest.mark.parametrize("name,msg", [
	("debian-6.1:riscv64", "no linux-image-6.1.*-riscv64 package in the riscv64 package index"),
	("debian-rc:riscv64", "no release-candidate kernel for riscv64"),
	("debian-9.9:riscv64", "no linux-image-9.9.*-riscv64 package"),
])
def test_resolves_to_nothing_is_one_line_exit_2(tmp_path, monkeypatch, capsys, name, msg):
	text = {"trixie": [stanza("linux-image-6.12.117+deb13-riscv64", "6.12.117-1", "riscv64")],
		"experimental": []}
	idx = apt.Index.from_text("riscv64", {s: "\n".join(v) for s, v in text.items()},
				  rc_suites=["experimental"])
	monkeypatch.setattr(fetch, "_index", lambda *a, **k: idx)
	with pytest.raises(SystemExit) as e:
		cli.run(fetch.PROG, fetch.main, ["--cache", str(tmp_path / "c"), name])
	assert e.value.code == 2
	err = capsys.readouterr().err.strip().splitlines()
	assert len(err) == 1 and err[0].startswith("fetch-kernel.sh: error: ") and msg in err[0]


def test_unknown_arch_and_name(tmp_path, capsys):
	for argv, msg in ((["debian-6.12:sparc"], "unknown architecture 'sparc' in debian-6.12:sparc"),
			  (["frob"], "unknown kernel 'frob' (want debian-X.Y[:ARCH]"),
			  (["debian-6.x"], "unknown kernel"),
			  (["debian-6.1.2"], "bad kernel series: debian-6.1.2")):
		with pytest.raises(SystemExit) as e:
			cli.run(fetch.PROG, fetch.main, ["--cache", str(tmp_path / "c"), *argv])
		assert e.value.code == 2
		assert msg in capsys.readouterr().err


@needs_dpkg
def test_builtin_kvm_needs_no_modules_package(tmp_path, debdir):
	"""arm64's KVM is built in: its 7.x modules package (100 MB) is not
	fetched, and a gap there is none."""
	r, v = "7.3.4+deb13-arm64", "7.3.4-1~bpo13+1"
	m = f"usr/lib/modules/{r}"
	made = {(f"linux-binary-unsigned-{r}", v): make_deb(
			debdir, f"linux-binary-unsigned-{r}", v, "arm64",
			{f"{m}/vmlinuz.unsigned": b"not really a kernel"}),
		(f"linux-base-{r}", v): make_deb(debdir, f"linux-base-{r}", v, "arm64",
						 {f"{m}/config": b"CONFIG_KVM=y\n"})}
	dl = downloader_of(made, gaps={f"linux-modules-{r}"})
	idx = index_of({"trixie-backports": layout7(r, v, arch="arm64"), "experimental": []},
		       darch="arm64", downloader=dl)
	f = fetch.kernel("debian-latest:arm64", cache=str(tmp_path / "c"), index=idx,
			 log=lambda m: None)
	assert (f.version, f.layout, f.modules, f.fallback) == (v, "7.x", "", "")
	assert f"linux-modules-{r}" not in dl.tried
	assert f.config.endswith(f"{m}/config")
