# SPDX-License-Identifier: GPL-2.0
"""KTAP parsing: what tappy classifies and what the reporter adds on top."""

import pytest

from sysevent_report import ktap
from sysevent_report.ktap import MalformedInput
from sysevent_report.resultset import load_stream


def parse(text):
    return ktap.parse_stream(text.encode() if isinstance(text, str) else text, "t")


def statuses(level):
    return [(r.name, r.status, r.reason) for r in level.results]


def test_version_line_and_preamble():
    lvl, probs = parse("Random seed: 0x6b8b4567\nnoise\nKTAP version 1\n1..1\nok 1 a\n")
    assert lvl.version == "KTAP version 1"
    assert lvl.preamble == 2
    assert statuses(lvl) == [("a", "pass", "")]
    assert probs.warnings == []


@pytest.mark.parametrize("version", ["TAP version 13", "TAP version 14", "KTAP version 1"])
def test_accepted_versions(version):
    lvl, probs = parse(f"{version}\n1..1\nok 1 a\n")
    assert len(lvl.results) == 1 and probs.warnings == []


def test_tap_version_12_is_a_warning_not_a_crash():
    lvl, probs = parse("TAP version 12\n1..1\nok 1 a\n")
    assert len(lvl.results) == 1
    assert any("unknown version" in m for _, m, _ in probs.warnings)


@pytest.mark.parametrize("directive,status,reason", [
    ("# SKIP no SEV-ES VM type", "skip", "no SEV-ES VM type"),
    ("# skip lower case", "skip", "lower case"),
    ("# XFAIL known bug", "xfail", "known bug"),
    ("# XPASS", "xpass", ""),
    ("# TODO later", "pass", ""),           # `ok # TODO` is an unexpected pass: below
    ("# skip_rc=4", "pass", ""),            # tappy would call this a skip
    ("# rcode=0", "pass", ""),
    ("", "pass", ""),
])
def test_ok_directives(directive, status, reason):
    lvl, _ = parse(f"KTAP version 1\n1..1\nok 1 a {directive}\n")
    r = lvl.results[0]
    if directive.startswith("# TODO"):
        assert r.status == "xpass"
    else:
        assert (r.status, r.reason) == (status, reason)


@pytest.mark.parametrize("directive,status", [
    ("# TIMEOUT 120s", "timeout"),
    ("# CRASH SIGSEGV", "crash"),
    ("# ERROR cannot open /dev/kvm", "error"),
    ("# error could not open", "error"),
    ("# SKIP reason", "skip"),
    ("# TODO not yet", "xfail"),
    ("# exit=139", "fail"),
    ("", "fail"),
])
def test_not_ok_directives(directive, status):
    lvl, _ = parse(f"KTAP version 1\n1..1\nnot ok 1 a {directive}\n")
    assert lvl.results[0].status == status


def test_okay_is_not_a_result():
    lvl, _ = parse("KTAP version 1\n1..1\nokay then\nok 1 a\n")
    assert [r.name for r in lvl.results] == ["a"]


def test_dash_separator_stripped():
    lvl, _ = parse("TAP version 13\n1..1\nok 1 - dashed name\n")
    assert lvl.results[0].name == "dashed name"


def test_indented_subtests():
    text = """KTAP version 1
1..2
  KTAP version 1
  # kvm-sysevent: bin_a
  1..2
  ok 1 x.y.z
  # deviation: field=exit_reason expected=0x18 actual=0x8
  not ok 2 x.y.w
not ok 1 bin_a
  KTAP version 1
  1..0 # SKIP no SEV-ES VM type
ok 2 bin_b # SKIP no SEV-ES VM type
"""
    lvl, probs = parse(text)
    assert probs.warnings == []
    a, b = lvl.results
    assert a.children.header["binary"] == "bin_a"
    assert statuses(a.children) == [("x.y.z", "pass", ""), ("x.y.w", "fail", "")]
    dev = a.children.results[1].deviations[0]
    assert (dev.field, dev.expected, dev.actual) == ("exit_reason", "0x18", "0x8")
    assert b.children.plan_skip == "no SEV-ES VM type"


def test_kselftest_prefixed_subtests():
    text = """TAP version 13
1..2
# timeout set to 120
# selftests: kvm: sev_es_term_test
# KTAP version 1
# # kvm-sysevent: sev_es_term_test
# 1..2
# ok 1 sev_es_term.long_0_1.terminate
# ok 2 sev_es_term.real_0_0.terminate # SKIP no SEV-ES VM type
# # Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0
ok 1 selftests: kvm: sev_es_term_test
# selftests: kvm: ghcb_nonsev_test
# TAP version 13
# 1..0 # SKIP no GHCB MSR on this vCPU
ok 2 selftests: kvm: ghcb_nonsev_test # SKIP
"""
    run = load_stream(text.encode(), "wrapped")
    assert [b.name for b in run.binaries] == ["sev_es_term_test", "ghcb_nonsev_test"]
    assert [(c.name, c.status) for c in run.binaries[0].cases] == [
        ("sev_es_term.long_0_1.terminate", "pass"), ("sev_es_term.real_0_0.terminate", "skip")]
    # The runner's outer skip has no reason; the child's survives.
    assert run.binaries[1].status == "skip"
    assert run.binaries[1].reason == "no GHCB MSR on this vCPU"
    assert run.counts() == (1, 0, 2)


def test_deviation_with_kvm_run_values_and_diagnosis():
    line = ('# deviation: field=KVM_RUN expected=rc=0 actual=rc=-1 errno=EINVAL '
            'diagnosis="kernel rejects the request"')
    lvl, _ = parse(f"KTAP version 1\n1..1\n{line}\nnot ok 1 a\n")
    d = lvl.results[0].deviations[0]
    assert (d.field, d.expected, d.actual, d.diagnosis) == (
        "KVM_RUN", "rc=0", "rc=-1 errno=EINVAL", "kernel rejects the request")


def test_sweep_lines():
    text = ("KTAP version 1\n1..1\n"
            "# sweep: mode=long set=3 pass=239 fail=17 failed_codes=0x00-0x0f,0x42\n"
            "not ok 1 sev_es_sweep.long.set_3\n")
    lvl, probs = parse(text)
    sw = lvl.results[0].sweeps[0]
    assert (sw.mode, sw.set, sw.passed, sw.failed) == ("long", 3, 239, 17)
    assert sw.failed_codes == frozenset(list(range(16)) + [0x42])
    assert probs.warnings == []


def test_sweep_line_with_codes_not_run():
    """A VM that could not be created part-way: judged codes kept, the rest not run."""
    text = ("KTAP version 1\n1..1\n"
            "# sweep: mode=long set=1 pass=16 fail=1 failed_codes=0x03 not_run=0x11-0xff\n"
            "# not run from code 0x11: creating its VM failed: errno=EBUSY\n"
            "not ok 1 sev_es_sweep.long.set_1\n")
    lvl, probs = parse(text)
    sw = lvl.results[0].sweeps[0]
    assert (sw.passed, sw.failed) == (16, 1)
    assert sw.not_run_codes == frozenset(range(0x11, 0x100))
    assert probs.warnings == []
    run = load_stream(text.encode(), "t")
    (g,) = run.grids()
    assert g.rows[1][3] == "f" and g.rows[1][0x10] == "p" and g.rows[1][0x11] == "n"
    assert g.totals()["n"] == 15 * 256 + 0xef
    assert "not run 239" in g.notes[1]
    assert run.problems.warnings == []


@pytest.mark.parametrize("codes", ["0xzz", "0x10-0x01", "0x100", "1,2"])
def test_bad_sweep_codes_are_warnings(codes):
    text = (f"KTAP version 1\n1..1\n# sweep: mode=long set=0 pass=255 fail=1 "
            f"failed_codes={codes}\nnot ok 1 sev_es_sweep.long.set_0\n")
    lvl, probs = parse(text)
    assert lvl.results[0].sweeps == []
    assert probs.warnings


def test_parse_codes():
    assert ktap.parse_codes("") == frozenset()
    assert ktap.parse_codes("0xff") == {255}
    assert ktap.parse_codes("0x00-0x02,0x05") == {0, 1, 2, 5}


def test_non_utf8_and_crlf_and_nul():
    data = b"KTAP version 1\r\n1..2\r\n# bad \xff\xfe bytes\r\nok 1 a\r\nok 2 b\x00c\r\n"
    lvl, probs = parse(data)
    assert [r.name for r in lvl.results] == ["a", "b\ufffdc"]
    assert any(lineno == 3 and "UTF-8" in m for lineno, m, _ in probs.warnings)


def test_test_numbers_checked():
    lvl, probs = parse("KTAP version 1\n1..3\nok 1 a\nok 3 b\nok c\n")
    msgs = [m for _, m, _ in probs.warnings]
    assert "test number 3, expected 2" in msgs
    assert "a result line without a test number" in msgs


def test_plan_at_end():
    lvl, probs = parse("KTAP version 1\nok 1 a\nok 2 b\n1..2\n")
    assert lvl.plan == 2 and lvl.missing == 0 and probs.warnings == []


@pytest.mark.parametrize("text,lineno,words", [
    ("", None, "empty input"),
    ("just noise\nmore noise\n", 1, "no 'KTAP version 1'"),
    ("KTAP version 1\n1..2\n", 2, "ends after 0 of 2 planned results"),
    ("KTAP version 1\n# nothing\n", 1, "no test results"),
    ("KTAP version 1\n1..0\n", 2, "no test results"),
    ("KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..1\nok 1 b\n", 4, "second version line"),
    ("KTAP version 1\n1..1\n1..1\nok 1 a\n", 3, "second plan line"),
    ("KTAP version 1\nok 1 a\n1..1\nok 2 b\n", 4, "after the closing plan"),
])
def test_malformed_has_line_numbers(text, lineno, words):
    with pytest.raises(MalformedInput) as exc:
        parse(text)
    assert exc.value.lineno == lineno
    assert words in exc.value.message
    assert str(exc.value).startswith("t:" if lineno is None else f"t:{lineno}:")


def test_truncated_top_level_is_malformed():
    with pytest.raises(MalformedInput) as exc:
        load_stream(b"KTAP version 1\n1..3\nok 1 a\nok 2 b\n", "t")
    assert exc.value.lineno == 4
    assert "2 of 3 planned results" in exc.value.message


def test_bail_out_is_a_failure_not_malformed():
    run = load_stream(b"KTAP version 1\n1..3\nok 1 a\nBail out! /dev/kvm went away\n", "t")
    assert run.failed
    assert run.binaries[0].bail == "/dev/kvm went away"


def test_too_deep_nesting_is_a_warning():
    lines = []
    for depth in range(20):
        lines.append("  " * depth + "KTAP version 1")
        lines.append("  " * depth + "1..1")
    for depth in reversed(range(1, 20)):
        lines.append("  " * (depth - 1) + "ok 1 level%d" % depth)
    lvl, probs = parse("\n".join(lines) + "\n")
    assert any("nested too deep" in m for _, m, _ in probs.warnings)


def test_1x5_is_not_a_plan():
    lvl, probs = parse("KTAP version 1\n1x5\n1..1\nok 1 a\n")
    assert lvl.plan == 1 and [r.name for r in lvl.results] == ["a"]


@pytest.mark.parametrize("stream,nested", [
    ("KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  # diag\n  ok 1 case # SKIP r\n"
     "ok 1 bin\n", "  "),
    ("TAP version 13\n1..1\n# KTAP version 1\n# 1..1\n# # diag\n# ok 1 case # SKIP r\n"
     "ok 1 selftests: c: bin\n", "# "),
])
def test_tappy_reads_every_line_at_every_level(monkeypatch, stream, nested):
    """Each line goes to tappy without its level's indentation or `# ` prefix."""
    from tap.parser import Parser
    seen = []
    real = Parser.parse_line

    def spy(self, text, fh=None):
        seen.append(text)
        return real(self, text, fh)

    monkeypatch.setattr(Parser, "parse_line", spy)
    lvl, _ = parse(stream)
    assert lvl.results[0].children.results[0].status == "skip"
    for line in stream.splitlines()[1:]:
        inner = line[len(nested):] if line.startswith(nested) else line
        if not inner.startswith(("KTAP", "TAP")):
            assert inner in seen, inner
