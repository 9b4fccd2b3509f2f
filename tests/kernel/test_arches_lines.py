# SPDX-License-Identifier: GPL-2.0
"""The architecture table and the kernel-line data."""

import os
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
