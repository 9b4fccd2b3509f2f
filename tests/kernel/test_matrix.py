# SPDX-License-Identifier: GPL-2.0
"""The kernel matrix's judge and table (no boot): required cases per
architecture and version, the verdict on a result set, the "which kernels"
table."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import arches, lines, matrix  # noqa: E402

REQUIRED = """\
# a comment
[x86_64]
Hyper-V CRASH|^hyperv\\.[a-z]+\\.crash$
triple fault|^triple_fault\\.

[arm64]
PSCI SYSTEM_OFF|^psci\\.system_off$

[arm64 6.13]
PSCI SYSTEM_OFF2|^psci\\.system_off2$
"""


@pytest.fixture
def req(tmp_path):
	p = tmp_path / "required-cases.txt"
	p.write_text(REQUIRED)
	return str(p)


def test_required_by_arch(req):
	assert [w for w, _ in matrix.required_cases("x86_64", "6.1.0-57-amd64", req)] == \
		["Hyper-V CRASH", "triple fault"]
	assert matrix.required_cases("riscv64", "6.12.1", req) == []


@pytest.mark.parametrize("release,n", [("6.12.118+deb13-arm64", 1), ("6.13.0-rc1", 2),
				       ("7.3.4+deb13-arm64", 2), ("7.3-arm64", 2), (None, 2)])
def test_required_from_a_version_on(req, release, n):
	assert len(matrix.required_cases("arm64", release, req)) == n


def test_the_repo_list_parses():
	for a in arches.ARCHES:
		assert matrix.required_cases(a, "6.12.0"), a


def ktap(tmp_path, body):
	d = tmp_path / "set"
	d.mkdir(exist_ok=True)
	(d / "ktap.txt").write_text("KTAP version 1\n1..1\n  KTAP version 1\n" + body)
	return str(d / "ktap.txt")


def test_verdicts(tmp_path):
	k = ktap(tmp_path, "  ok 1 hyperv.long.crash\n  ok 2 hyperv.real.crash\n"
			   "  ok 3 triple_fault.a # SKIP no reason\n  not ok 4 triple_fault.b\n"
			   "  not ok 5 triple_fault.c\n  not ok 6 triple_fault.d\n")
	assert matrix.verdict(k, r"^hyperv\.[a-z]+\.crash$") == "ok (2)"
	assert matrix.verdict(k, r"^triple_fault\.") == \
		"triple_fault.a skipped, triple_fault.b failed and 2 more"
	assert matrix.verdict(k, r"^nonsev\.") == "missing"
	assert matrix.verdict(str(tmp_path / "nope"), "x") == "no ktap.txt"


def kset(root, name, arch, release, label, counts, suite="", version="", outcome="ok",
	 seconds="12.5", cases=""):
	d = root / name
	d.mkdir(parents=True)
	kt = [f"label={label}", f"arch={arch}", f"kernel_release={release}", f"outcome={outcome}",
	      f"seconds={seconds}"]
	if suite:
		kt += [f"debian_suite={suite}", f"debian_version={version}"]
	(d / "kernel.txt").write_text("\n".join(kt) + "\n")
	(d / "summary.txt").write_text(counts + "\n")
	(d / "ktap.txt").write_text("KTAP version 1\n" + cases)
	return d


def test_table_rows_in_lines_order(tmp_path, req):
	out = tmp_path / "m"
	kset(out, "debian-latest_arm64", "arm64", "7.3.4+deb13-arm64", "debian-latest:arm64",
	     "15 passed, 0 failed, 0 skipped", "trixie-backports", "7.3.4-1~bpo13+1",
	     cases="  ok 1 psci.system_off\n  ok 2 psci.system_off2\n")
	kset(out, "debian-6.12", "x86_64", "6.12.118+deb13-amd64", "debian-6.12",
	     "16 passed, 1 failed, 95 skipped", "trixie-security", "6.12.118-1",
	     cases="  ok 1 hyperv.long.crash\n")
	kset(out, "debian-6.1", "x86_64", "6.1.0-57-amd64", "debian-6.1",
	     "16 passed, 0 failed, 95 skipped", "bookworm-security", "6.1.192-3", outcome="timeout")
	rows = matrix.table_rows(str(out), req)
	assert [(r["line"], r["arch"]) for r in rows] == \
		[("6.1", "x86_64"), ("6.12", "x86_64"), ("latest", "arm64")]
	assert rows[2]["required"] == (2, 2)
	assert rows[1]["required"] == (1, 2)
	text = matrix.render_table(rows)
	assert "| latest | arm64 | trixie-backports | 7.3.4+deb13-arm64 (7.3.4-1~bpo13+1) | 15 | 0 | 0 " \
		"| 2/2 | 12.5 |" in text
	assert "(timeout)" in text


def test_table_update_between_markers(tmp_path, req):
	out = tmp_path / "m"
	kset(out, "debian-6.12", "x86_64", "6.12.118+deb13-amd64", "debian-6.12",
	     "1 passed, 0 failed, 0 skipped", "trixie", "6.12.118-1")
	kset(out, "debian-6.1", "x86_64", "6.1.0-57-amd64", "debian-6.1",
	     "1 passed, 0 failed, 0 skipped", "bookworm", "6.1.192-3")
	doc = tmp_path / "README.md"
	doc.write_text(f"# x\n\n{matrix.BEGIN}\nold table\n{matrix.END}\n\nafter\n")
	assert matrix.write_table(str(out), req, str(doc)) == 0
	t = doc.read_text()
	assert "old table" not in t and t.endswith(f"{matrix.END}\n\nafter\n")
	assert "| 6.12 | x86_64 | trixie |" in t
	first = t
	matrix.write_table(str(out), req, str(doc))
	assert doc.read_text() == first
	doc.write_text("no markers\n")
	with pytest.raises(matrix.cli.Bad, match="no <!-- kernels-table -->"):
		matrix.write_table(str(out), req, str(doc))


def test_matrices_of_lines_toml():
	check = matrix.matrix_kernels("check")
	assert check == lines.matrix("check")
	rc = matrix.matrix_kernels("rc")
	assert rc and all(k not in check for k in rc)
	assert all(k in lines.matrix("kernels") for k in rc)
	with pytest.raises(matrix.cli.Bad):
		matrix.matrix_kernels("nope")


def test_compare_table(tmp_path, capsys):
	a = tmp_path / "a"
	b = tmp_path / "b"
	a.mkdir()
	b.mkdir()
	(a / "ktap.txt").write_text("  ok 1 x.one\n  ok 2 x.two\n")
	(b / "ktap.txt").write_text("  ok 1 x.one\n  not ok 2 x.two\n  ok 3 x.three # SKIP why\n")
	matrix._compare_table(["A", "B"], [str(a), str(b)], str(tmp_path / "compare.txt"))
	shown = capsys.readouterr().out
	full = (tmp_path / "compare.txt").read_text()
	assert "x.one" in full and "x.one" not in shown
	assert "x.two" in shown and "FAIL" in shown and "SKIP" in full
