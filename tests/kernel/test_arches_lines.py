# SPDX-License-Identifier: GPL-2.0
"""The architecture table and the kernel-line data."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import arches, lines  # noqa: E402


@pytest.mark.parametrize("spelling,name", [
	("amd64", "x86_64"), ("x86", "x86_64"), ("aarch64", "arm64"),
	("riscv", "riscv64"), ("riscv64", "riscv64")])
def test_aliases(spelling, name):
	assert arches.get(spelling).name == name


def test_unknown_arch():
	with pytest.raises(arches.UnknownArch):
		arches.get("mips")


def test_image_magic(tmp_path):
	for a in arches.ARCHES.values():
		off, magic = a.image_magic
		f = tmp_path / a.name
		f.write_bytes(b"\0" * off + magic + b"\0" * 64)
		assert arches.of_image(f) == a
	(tmp_path / "junk").write_bytes(b"\0" * 1024)
	assert arches.of_image(tmp_path / "junk") is None


def test_lines_arches_known():
	for line in lines.lines().values():
		for a in line.arches:
			assert arches.get(a).name == a


def test_matrices_parse():
	for which in ("check", "kernels"):
		for k in lines.matrix(which):
			series, a = lines.parse_kernel_name(k)
			assert series == "latest" or series == "rc" or series in lines.lines()


@pytest.mark.parametrize("bad", ["debian-6", "debian-6.x", "ubuntu-6.1", "debian-6.1.2"])
def test_bad_names(bad):
	with pytest.raises(lines.BadKernelName):
		lines.parse_kernel_name(bad)


def test_rc_suites_apart():
	assert "experimental" not in lines.suites()
	assert lines.suites(rc=True) == ["experimental"]


def test_by_role():
	data = {"line": {"a": {"series": "6.1", "role": "oldest"},
			 "b": {"series": "latest", "role": "newest"},
			 "c": {"series": "rc", "role": "rc"},
			 "d": {"series": "rc", "role": "rc"}}}
	assert lines.by_role("oldest", data).series == "6.1"
	assert lines.by_role("newest", data).name == "b"
	with pytest.raises(lines.BadKernelName, match="no line with role 'lts'"):
		lines.by_role("lts", data)
	with pytest.raises(lines.BadKernelName, match="2 lines with role 'rc'"):
		lines.by_role("rc", data)


def test_every_role_is_one_line():
	for role in ("oldest", "lts", "newest", "rc"):
		assert lines.by_role(role).role == role


@pytest.mark.parametrize("argv,rc,out,err", [
	(["--role", "newest"], 0, "latest\n", ""),
	(["--role", "oldest"], 0, lines.by_role("oldest").series + "\n", ""),
	(["--role", "nosuch"], 2, "", "lines: error: no line with role 'nosuch' in lines.toml\n"),
	(["--role"], 2, "", "lines: error: usage: python3 -m sysevent_kernel.lines --role ROLE\n"),
	([], 2, "", "lines: error: usage: python3 -m sysevent_kernel.lines --role ROLE\n")])
def test_cli(argv, rc, out, err):
	kdir = os.path.join(os.path.dirname(__file__), "..", "..", "kernel")
	p = subprocess.run([sys.executable, "-m", "sysevent_kernel.lines", *argv], cwd=kdir,
			   env={**os.environ, "PYTHONPATH": kdir}, capture_output=True, text=True)
	assert (p.returncode, p.stdout, p.stderr) == (rc, out, err)
