# SPDX-License-Identifier: GPL-2.0
"""The kill matrix: each mutant row with both suites' verdicts, and the two
totals over the architectures."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import killmatrix  # noqa: E402


def rows_file(tmp_path, arch, rows):
	p = tmp_path / arch / "rows.json"
	p.parent.mkdir(parents=True)
	p.write_text(json.dumps({"arch": arch, "line": "6.12", "rows": rows}))
	return str(p)


def test_kill_matrix_totals(tmp_path, capsys):
	up = lambda v, r="": {"verdict": v, "reason": r}  # noqa: E731
	a = rows_file(tmp_path, "arm64", [
		{"name": "control", "expect": "control", "verdict": "passed", "upstream": up("survived")},
		{"name": "m1", "expect": "killed", "kills": "f", "verdict": "killed", "upstream": up("killed")},
		{"name": "m2", "expect": "killed", "kills": "f", "verdict": "killed", "upstream": up("survived")},
		{"name": "m3", "expect": "killed", "kills": "f", "verdict": "killed-otherwise",
		 "upstream": up("skipped", "no cap")},
		{"name": "m4", "expect": "killed", "kills": "f", "verdict": "not-applicable",
		 "upstream": up("not-run")}])
	r = rows_file(tmp_path, "riscv64", [
		{"name": "s1", "expect": "killed", "kills": "f", "verdict": "killed",
		 "upstream": up("none", "no upstream KVM selftest makes an SBI system event")}])
	assert killmatrix.main([a, r]) == 0
	out = capsys.readouterr().out.splitlines()
	assert out[-2] == "kvm-sysevent killed: 3/4"
	assert out[-1] == "upstream selftests killed: 1/4"
	assert any("skipped (no cap)" in l for l in out)
	assert any("no rows for x86_64" in l for l in out)


def test_kill_matrix_readme(tmp_path):
	a = rows_file(tmp_path, "arm64", [
		{"name": "m1", "expect": "killed", "kills": "f", "verdict": "killed",
		 "upstream": {"verdict": "killed", "reason": ""}}])
	readme = tmp_path / "README.md"
	readme.write_text(f"x\n{killmatrix.BEGIN}\nold\n{killmatrix.END}\ny\n")
	assert killmatrix.main(["--readme", str(readme), a]) == 0
	s = readme.read_text()
	assert "old" not in s and "| arm64 | 6.12 | `m1` |" in s and s.endswith("y\n")
	assert "kvm-sysevent killed: 1/1" in s
	readme.write_text("no markers\n")
	assert killmatrix.main(["--readme", str(readme), a]) == 2


def test_kill_matrix_bad_input(tmp_path):
	p = tmp_path / "rows.json"
	p.write_text("{}")
	assert killmatrix.main([str(p)]) == 2
	assert killmatrix.main([str(tmp_path / "none")]) == 2


def test_kill_matrix_reads_the_mutants_state(tmp_path, capsys):
	"""The matrix engine's mutants.json: actual for the verdict, kind for
	the controls, no upstream column yet (not-run)."""
	p = tmp_path / "mutants.json"
	p.write_text(json.dumps({"arch": "x86_64", "lines": {"6.12": {"release": "r", "origin": "o"}},
				 "rows": [
		{"name": "control", "line": "6.12", "kind": "control", "expect": "conformant",
		 "actual": "passed"},
		{"name": "hv-crash-bit31", "line": "6.12", "kind": "entry", "expect": "killed",
		 "kills": "system_event.type.bit31=1", "actual": "killed"}]}))
	assert killmatrix.main([str(p)]) == 0
	out = capsys.readouterr().out.splitlines()
	assert out[-2] == "kvm-sysevent killed: 1/1"
	assert out[-1] == "upstream selftests killed: 0/1"
	assert any("hv-crash-bit31" in l and "not-run" in l for l in out)


def test_a_survivor_says_what_skipped(tmp_path, capsys):
	up = {"verdict": "survived", "reason": "",
	      "tests": {"hyperv_features": {"verdict": "survived", "reason": "passed"},
			"sev_smoke_test": {"verdict": "skipped", "reason": "no SEV"}}}
	a = rows_file(tmp_path, "x86_64", [
		{"name": "m1", "expect": "killed", "kills": "f", "verdict": "killed", "upstream": up}])
	readme = tmp_path / "README.md"
	readme.write_text(f"{killmatrix.BEGIN}\n{killmatrix.END}\n")
	assert killmatrix.main(["--readme", str(readme), a]) == 0
	assert "survived (sev_smoke_test skipped: no SEV)" in capsys.readouterr().out
	s = readme.read_text()
	assert "| survived (sev_smoke_test skipped) |" in s
	assert "sev_smoke_test skipped: no SEV." in s
