# SPDX-License-Identifier: GPL-2.0
"""Upstream's KVM selftests as the mutants' second judge: their verdict read
from a guest's result set (their own exit status, never the oracle), and
the guest's suite and build directories."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import upstream  # noqa: E402

BIN = "psci_system_event_test"


def result_set(tmp_path, log_lines, status=None, uplogs=None):
	"""A guest result set: status.txt and logs/ as run_tests.sh leaves them."""
	d = tmp_path / "r"
	(d / "logs").mkdir(parents=True)
	(d / "logs" / f"{BIN}.log").write_text("\n".join(log_lines) + "\n")
	st = [f"{BIN} exit={status if status is not None else 0} signal=- timeout=0 seconds=3"]
	for name, (rc, log) in (uplogs or {}).items():
		st.append(f"{upstream.guest_name(name)} exit={rc} signal=- timeout=0 seconds=1")
		(d / "logs" / f"{upstream.guest_name(name)}.log").write_text("\n".join(log) + "\n")
	(d / "status.txt").write_text("\n".join(st) + "\n")
	return str(d)


def test_upstream_verdicts(tmp_path):
	fail = ["==== Test Assertion Failure ====", "  arm64/psci_test.c:200: ret == PSCI_RET_INVALID_PARAMS",
		"  pid=1 tid=1 errno=0 - Success"]
	d = result_set(tmp_path, [], uplogs={"psci_test": (254, fail)})
	v, reason, per = upstream.verdict(d, "arm64")
	assert v == "killed" and "PSCI_RET_INVALID_PARAMS" in reason
	d = result_set(tmp_path / "a", [], uplogs={"psci_test": (4, ["1..0 # SKIP - Requirement not met"])})
	assert upstream.verdict(d, "arm64")[0] == "skipped"
	d = result_set(tmp_path / "b", [], uplogs={"psci_test": (0, [])})
	assert upstream.verdict(d, "arm64")[0] == "survived"
	d = result_set(tmp_path / "c", [])
	assert upstream.verdict(d, "arm64")[0] == "error"
	assert upstream.verdict(d, "riscv64")[0] == "none"


def test_upstream_x86_one_kill_is_enough(tmp_path):
	d = result_set(tmp_path, [], uplogs={"triple_fault_event_test": (0, []),
					     "hyperv_features": (1, ["FAIL"]),
					     "sev_smoke_test": (4, ["1..0 # SKIP no SEV"])})
	v, reason, per = upstream.verdict(d, "x86_64")
	assert v == "killed" and reason.startswith("hyperv_features")
	assert per["sev_smoke_test"][0] == "skipped"


def test_guest_dirs(tmp_path):
	b = tmp_path / "b" / "aarch64"
	b.mkdir(parents=True)
	(b / BIN).write_text("x")
	(b / BIN).chmod(0o755)
	up = tmp_path / "psci_test"
	up.write_text("y")
	suite, build = upstream.guest_dirs("arm64", str(tmp_path / "b"), {"psci_test": str(up)},
					   str(tmp_path / "w"))
	listing = open(os.path.join(suite, "tests.list")).read()
	assert "aarch64/upstream_psci_test" in listing and "aarch64/psci_system_event_test" in listing
	assert os.path.exists(os.path.join(build, "aarch64", "upstream_psci_test"))


def _source_tarball(tmp_path):
	top = tmp_path / "t" / "linux-source-9.9"
	top.mkdir(parents=True)
	(top / "Makefile").write_text("VERSION = 9\n")
	tarball = tmp_path / "linux-source-9.9.tar.xz"
	subprocess.run(["tar", "-cJf", str(tarball), "-C", str(tmp_path / "t"), "linux-source-9.9"],
		       check=True)
	return tarball


def test_source_tree_from_a_tarball(tmp_path):
	t = upstream.source_tree(str(_source_tarball(tmp_path)), "9.9.1-1", str(tmp_path / "c"),
				 log=lambda m: None)
	assert open(os.path.join(t, "Makefile")).read() == "VERSION = 9\n"
	# Once: a second call does not extract again.
	os.remove(os.path.join(t, "Makefile"))
	assert upstream.source_tree("/nonexistent", "9.9.1-1", str(tmp_path / "c")) == t


def test_source_tree_from_a_deb(tmp_path):
	pkg = tmp_path / "pkg"
	(pkg / "DEBIAN").mkdir(parents=True)
	(pkg / "usr" / "src").mkdir(parents=True)
	(pkg / "DEBIAN" / "control").write_text(
		"Package: linux-source-9.9\nVersion: 9.9.1-1\nArchitecture: all\n"
		"Maintainer: x <x@example.org>\nDescription: test\n")
	os.rename(_source_tarball(tmp_path), pkg / "usr" / "src" / "linux-source-9.9.tar.xz")
	deb = tmp_path / "linux-source-9.9_9.9.1-1_all.deb"
	subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(pkg), str(deb)], check=True,
		       capture_output=True)
	t = upstream.source_tree(str(deb), "9.9.1-1", str(tmp_path / "c"), log=lambda m: None)
	assert os.path.isfile(os.path.join(t, "Makefile"))


def test_source_tree_refuses_what_is_no_kernel(tmp_path):
	bad = tmp_path / "x.tar.xz"
	bad.write_bytes(b"not a tarball")
	with pytest.raises(upstream.UpstreamError):
		upstream.source_tree(str(bad), "1", str(tmp_path / "c"), log=lambda m: None)
