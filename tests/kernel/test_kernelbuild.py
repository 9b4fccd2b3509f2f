# SPDX-License-Identifier: GPL-2.0
"""The whole-kernel builder (build.Builder for arm64) without building: what
it takes from a change, what it refuses, and the arm64 catalogue it builds."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import build, catalogue, kernelbuild  # noqa: E402


class Change:
	"""A build change that writes TEXT to FILE (or nothing)."""

	def __init__(self, file, text=None):
		self.name = "t"
		self.file = file
		self.text = text

	def files(self, root=None):
		return [self.file]

	def apply(self, root):
		if self.text is not None:
			with open(os.path.join(root, self.file), "w") as f:
				f.write(self.text)


@pytest.fixture
def src(tmp_path):
	d = tmp_path / "src" / "arch" / "arm64" / "kvm"
	d.mkdir(parents=True)
	(d / "psci.c").write_text("stock\n")
	(tmp_path / "src" / "Makefile").write_text("top\n")
	return str(tmp_path / "src")


def builder(tmp_path):
	return kernelbuild.KernelBuilder("6.12", "arm64", cache=str(tmp_path / "cache"))


def test_a_change_is_its_edited_files(tmp_path, src):
	b = builder(tmp_path)
	out = b._changed([Change("arch/arm64/kvm/psci.c", "mutant\n")], src, str(tmp_path / "w"))
	assert out == {"arch/arm64/kvm/psci.c": b"mutant\n"}
	# The pristine tree is never edited.
	assert open(os.path.join(src, "arch/arm64/kvm/psci.c")).read() == "stock\n"


def test_outside_kvm_is_refused(tmp_path, src):
	with pytest.raises(build.ChangeError, match="outside"):
		builder(tmp_path)._changed([Change("Makefile", "x\n")], src, str(tmp_path / "w"))


def test_a_change_that_changes_nothing_is_refused(tmp_path, src):
	with pytest.raises(build.ChangeError, match="edited no file"):
		builder(tmp_path)._changed([Change("arch/arm64/kvm/psci.c", "stock\n")], src,
					   str(tmp_path / "w"))


def test_no_kdir(tmp_path):
	with pytest.raises(build.SetupError):
		kernelbuild.KernelBuilder("6.12", "arm64", kdir="/x", cache=str(tmp_path))


def test_only_for_built_in_kvm(tmp_path):
	with pytest.raises(build.SetupError):
		kernelbuild.KernelBuilder("6.12", "x86_64", cache=str(tmp_path))


def test_the_arm64_catalogue():
	"""Every killed entry names its field; SYSTEM_OFF2's entries (6.13+)
	are the newest line's only; conformant variants exist."""
	es = catalogue.load("arm64")
	assert es
	for e in es:
		if e.expect == "killed":
			assert e.kills, e.name
		for ed in e.edits:
			assert ed.file.startswith(("arch/arm64/kvm/", "virt/kvm/")), e.name
	off2 = [e for e in es if e.name.startswith("off2-") or e.name == "psci-1.3-not-offered"]
	assert off2 and all(not e.applies_to("6.12") and e.applies_to("latest") for e in off2)
	assert any(e.expect == "conformant" for e in es)


def test_a_new_file_is_refused(tmp_path, src):
	with pytest.raises(build.ChangeError, match="not in the source"):
		builder(tmp_path)._changed([Change("arch/arm64/kvm/new.c", "x\n")], src,
					   str(tmp_path / "w"))
