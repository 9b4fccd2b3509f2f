# SPDX-License-Identifier: GPL-2.0
"""The mutant matrix's judge (kernel/sysevent_kernel/mutants.py): a kill
counts only for its named cause, conformant rows against their expected
cases, the expected lists, and the slot scheduler."""

import os
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import catalogue, mutants  # noqa: E402

DEV_TYPE = ('deviation: field=system_event.type.bit31 expected=0 actual=1 '
	    'diagnosis="bit31-upstream: bit 31 of type set"')
DEV_EXIT = ('deviation: field=exit_reason expected=0x18(KVM_EXIT_SYSTEM_EVENT) '
	    'actual=0x8(KVM_EXIT_SHUTDOWN)')


def ktap(cases, binary="system_event_legacy_test"):
	"""A run_tests.sh-shaped stream: one binary, CASES = [(ok, name,
	directive, [diagnostics])]."""
	out = ["KTAP version 1", "# kvm-sysevent abc on 6.12", "1..1", "  KTAP version 1",
	       f"  # kvm-sysevent: {binary}", f"  1..{len(cases)}"]
	for i, (ok, name, directive, diags) in enumerate(cases, 1):
		out += [f"  # {d}" for d in diags]
		out.append(f"  {'ok' if ok else 'not ok'} {i} {name}" + (f" # {directive}" if directive
									   else ""))
	bad = any(not c[0] for c in cases)
	out.append(f"{'not ok' if bad else 'ok'} 1 {binary}")
	return ("\n".join(out) + "\n").encode()


PASS = [(True, "hyperv.real.crash", "", []), (True, "hyperv.real.reset", "", []),
	(True, "sbi_v01.shutdown", "SKIP no SBI v0.1 in KVM", [])]
EXPECTED = {("system_event_legacy_test", "hyperv.real.crash"): ("pass", ""),
	    ("system_event_legacy_test", "hyperv.real.reset"): ("pass", ""),
	    ("system_event_legacy_test", "sbi_v01.shutdown"): ("skip", "no SBI v0.1 in KVM")}
BIT31 = catalogue.Kill.parse("system_event.type.bit31=1")


def test_killed_by_its_named_field():
	k = ktap([(False, "hyperv.real.crash", "", [DEV_TYPE])] + PASS[1:])
	v = mutants.judge("killed", 1, k, kill=BIT31, diagnosis="bit31-upstream")
	assert (v.actual, v.ok) == ("killed", True)
	assert v.seen == "system_event.type.bit31 expected=0 actual=1 (bit31-upstream)"
	assert v.detail == "hyperv.real.crash"


def test_another_field_is_killed_otherwise():
	k = ktap([(False, "hyperv.real.crash", "", [DEV_EXIT])] + PASS[1:])
	v = mutants.judge("killed", 1, k, kill=BIT31)
	assert (v.actual, v.ok) == ("killed-otherwise", False)
	assert v.seen.startswith("exit_reason expected=0x18")


def test_a_wrong_diagnosis_is_killed_otherwise():
	k = ktap([(False, "hyperv.real.crash", "", [DEV_TYPE])])
	v = mutants.judge("killed", 1, k, kill=BIT31, diagnosis="bit31-no-data")
	assert v.actual == "killed-otherwise"


def test_the_value_must_match():
	k = ktap([(False, "hyperv.real.crash", "", [DEV_EXIT])])
	hlt = catalogue.Kill.parse("exit_reason=KVM_EXIT_HLT")
	assert mutants.judge("killed", 1, k, kill=hlt).actual == "killed-otherwise"
	shut = catalogue.Kill.parse("exit_reason=KVM_EXIT_SHUTDOWN")
	assert mutants.judge("killed", 1, k, kill=shut).actual == "killed"


def test_a_deviation_of_a_passing_case_does_not_kill():
	# A deviation printed before a case that passed is not that case's failure.
	k = ktap([(True, "hyperv.real.crash", "", [DEV_TYPE]),
		  (False, "hyperv.real.reset", "", [DEV_EXIT])])
	assert mutants.judge("killed", 1, k, kill=BIT31).actual == "killed-otherwise"


def test_failure_without_deviation_is_killed_otherwise():
	k = ktap([(False, "hyperv.real.crash", "TIMEOUT", [])])
	v = mutants.judge("killed", 1, k, kill=BIT31)
	assert v.actual == "killed-otherwise" and v.seen == "not ok hyperv.real.crash # TIMEOUT"


def test_survived_and_nothing_ran():
	assert mutants.judge("killed", 0, ktap(PASS), kill=BIT31).actual == "survived"
	skips = [(True, "a", "SKIP no", [])]
	assert mutants.judge("killed", 4, ktap(skips), kill=BIT31).actual == "error"


@pytest.mark.parametrize("rc,what", [(3, "boot: panic"), (2, "boot program exit 2")])
def test_a_broken_boot_is_an_error(rc, what):
	v = mutants.judge("killed", rc, b"", kill=BIT31, outcome="panic")
	assert (v.actual, v.detail) == ("error", what)
	assert mutants.judge("conformant", rc, b"", expected=EXPECTED).actual == "error"


def test_unreadable_ktap_is_an_error():
	assert mutants.judge("killed", 1, b"garbage\n", kill=BIT31).actual == "error"


def test_conformant_against_its_cases():
	assert mutants.judge("conformant", 0, ktap(PASS), expected=EXPECTED).actual == "passed"


@pytest.mark.parametrize("cases,text", [
	(PASS[:2], "missing sbi_v01.shutdown"),
	(PASS + [(True, "extra.case", "", [])], "unexpected case extra.case"),
	(PASS[:2] + [(True, "sbi_v01.shutdown", "", [])], "sbi_v01.shutdown pass, expected skip"),
	([(True, "hyperv.real.crash", "SKIP no /dev/kvm", [])] + PASS[1:],
	 "hyperv.real.crash skip (no /dev/kvm), expected pass"),
	(PASS[:2] + [(True, "sbi_v01.shutdown", "SKIP other", [])], "skipped for 'other'"),
])
def test_conformant_with_other_cases_is_a_false_alarm(cases, text):
	v = mutants.judge("conformant", 0, ktap(cases), expected=EXPECTED)
	assert v.actual == "false-alarm" and text in v.detail


def test_conformant_failure_names_the_deviation():
	k = ktap([(False, "hyperv.real.crash", "", [DEV_EXIT])] + PASS[1:])
	v = mutants.judge("conformant", 1, k, expected=EXPECTED)
	assert v.actual == "false-alarm" and v.seen.startswith("exit_reason")
	assert mutants.judge("conformant", 1, k, expected=EXPECTED, patch=True).actual == "breaks-abi"
	assert mutants.judge("conformant", 0, ktap(PASS[:2]), expected=EXPECTED,
			     patch=True).actual == "breaks-abi"


def test_conformant_without_a_list_needs_a_pass():
	assert mutants.judge("conformant", 0, ktap(PASS), expected=None).actual == "passed"
	skips = [(True, "a", "SKIP no", [])]
	assert mutants.judge("conformant", 4, ktap(skips), expected=None).actual == "error"


def test_expected_lists(tmp_path):
	d = tmp_path / "x86_64"
	(d / "latest").mkdir(parents=True)
	(d / "b.txt").write_text("# c\npass one\nskip two  # no SNP VM type\n")
	(d / "b@harness.txt").write_text("pass one\npass two\n")
	(d / "latest" / "b.txt").write_text("pass one\n")
	assert mutants.expected_for("x86_64", "b", root=str(tmp_path)) == {
		"one": ("pass", ""), "two": ("skip", "no SNP VM type")}
	assert mutants.expected_for("x86_64", "b", "harness", "6.12",
				    root=str(tmp_path))["two"] == ("pass", "")
	assert mutants.expected_for("x86_64", "b", None, "latest", root=str(tmp_path)) == {
		"one": ("pass", "")}
	assert mutants.expected_for("x86_64", "zz", root=str(tmp_path)) is None
	(d / "c.txt").write_text("fail one\n")
	with pytest.raises(mutants.ExpectedError, match="c.txt:1"):
		mutants.expected_for("x86_64", "c", root=str(tmp_path))


def test_shipped_expected_lists_parse():
	for arch in ("x86_64", "riscv64"):
		d = os.path.join(mutants.EXPECTED_DIR, arch)
		for f in os.listdir(d):
			if f.endswith(".txt"):
				assert mutants.read_expected(os.path.join(d, f))


def test_runner_binaries():
	assert mutants.runner_binaries(["-t", "a", "-T", "60", "-t", "b", "--test=c"]) == ["a", "b", "c"]


def test_bad_usage():
	for argv in (["--timeout", "0"], ["--jobs", "x"], ["--only"], ["--bogus"],
		     ["--arch", "mips"], ["--line", "7.99"], ["--kdir", "/x", "--line", "6.12"]):
		with pytest.raises(mutants.Usage):
			mutants.parse_args(argv)
	assert mutants.parse_args(["--help"]) is None
	o = mutants.parse_args(["--line", "6.12", "--", "-t", "x"])
	assert o.lines == ["6.12"] and o.runner_args == ["-t", "x"]


def test_slots_boots_first_then_table_order():
	s = mutants.Slots(1)
	order = []
	gate = threading.Event()

	def hold(prio, name):
		with s.hold(prio, name):
			order.append(name)
	with s.hold((1, 0), "first"):
		ts = [threading.Thread(target=hold, args=(p, n)) for p, n in
		      [((1, 5), "build 5"), ((1, 2), "build 2"), ((0, 9), "boot 9")]]
		for t in ts:
			t.start()
		deadline = time.monotonic() + 5
		while len(s.waiting) < 3 and time.monotonic() < deadline:
			gate.wait(0.01)
	for t in ts:
		t.join(5)
	assert order == ["boot 9", "build 2", "build 5"]


def with_upstream(stream, ok, name="upstream_psci_test"):
	"""STREAM with an upstream selftest's result after the suite's binary."""
	lines = stream.decode().splitlines()
	lines[2] = "1..2"
	lines += ["  # Random seed: 0x6b8b4567", f"{'ok' if ok else 'not ok'} 2 {name}"]
	return ("\n".join(lines) + "\n").encode()


def test_upstream_results_are_never_judged():
	"""Upstream's selftests share the guest, not the verdict: their failure
	neither kills a mutant nor fails a conformant row, and their pass
	rescues no survivor."""
	assert mutants.judge("killed", 1, with_upstream(ktap(PASS), False),
			     kill=BIT31).actual == "survived"
	assert mutants.judge("conformant", 1, with_upstream(ktap(PASS), False),
			     expected=EXPECTED).actual == "passed"
	k = ktap([(False, "hyperv.real.crash", "", [DEV_TYPE])] + PASS[1:])
	assert mutants.judge("killed", 1, with_upstream(k, True), kill=BIT31,
			     diagnosis="bit31-upstream").actual == "killed"
