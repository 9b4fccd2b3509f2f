# SPDX-License-Identifier: GPL-2.0
"""Summary, JUnit and KCIDB outputs, through the command line."""

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import HANDMADE, data, real_result_sets, validate_kcidb

ALL_SETS = HANDMADE + real_result_sets()
COUNT_LINE = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


# --- summary -----------------------------------------------------------------

def test_summary_failures_deviations_and_skips(cli):
    res = cli("summary", data("handmade-kernel-b"))
    assert res.rc == 1
    out = res.out
    assert "Failures (4):" in out
    assert ("sev_es_term_test: sev_es_term.prot_set0_code2_dbg.terminate FAIL\n"
            "      deviation: field=system_event.type expected=0x6(SEV_TERM) actual=0x4(WAKEUP) "
            'diagnosis="sev-term-4: ') in out
    assert "deviation: field=system_event.type expected=0x3(CRASH) actual=0x2(RESET)" in out
    assert "Skips by reason (4):\n  SNP not enabled in kvm_amd (1)" in out
    assert "ghcb_nonsev_test (binary)" in out
    assert "Exhaustive sweep sev_es_term_test mode=long: 3822 pass, 18 fail, 256 skip" in out
    assert out.rstrip().splitlines()[-1] == "19 passed, 4 failed, 4 skipped"


def test_summary_all_passing_exits_zero(cli):
    res = cli("summary", data("handmade-kernel-a"))
    assert res.rc == 0
    assert "Failures" not in res.out
    assert res.err == ""


def test_summary_marks_model(cli):
    res = cli("summary", data("handmade-model"))
    assert "software model, not a kernel result" in res.out
    rows = [ln for ln in res.out.splitlines() if ln.startswith("  sev_es_term_test ")]
    assert rows and rows[0].endswith("[model]")
    legacy = [ln for ln in res.out.splitlines() if ln.startswith("  system_event_legacy_test ")]
    assert "[model]" not in legacy[0]


def test_summary_stdin_and_several_inputs(cli):
    with open(data("handmade-kernel-a", "ktap.txt"), "rb") as f:
        stream = f.read()
    res = cli("summary", "-", data("handmade-kernel-b"), stdin=stream)
    assert res.rc == 1
    assert res.out.count("kvm-sysevent ") >= 2
    assert "kvm-sysevent stream: <stdin>" in res.out


@pytest.mark.parametrize("path", ALL_SETS, ids=os.path.basename)
def test_summary_count_line_matches_runner(path, cli):
    res = cli("summary", "--strict", path)
    assert res.rc in (0, 1)
    with open(os.path.join(path, "summary.txt")) as f:
        assert res.out.rstrip().splitlines()[-1] == f.read().strip().splitlines()[-1]


# --- JUnit -------------------------------------------------------------------

@pytest.mark.parametrize("path", ALL_SETS, ids=os.path.basename)
def test_junit_parses_back_and_counts_agree(path, cli, tmp_path):
    out = tmp_path / "junit.xml"
    res = cli("junit", "-o", out, path)
    assert res.rc == 0 and res.out == ""
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    tests = fails = errors = skips = 0
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
        names = [c.get("name") for c in cases]
        assert len(names) == len(set(names)), "names unique per suite (GitLab keeps the first)"
        for c in cases:
            assert c.get("classname").startswith("kvm_sysevent.")
        tests += len(cases)
        fails += int(suite.get("failures"))
        errors += int(suite.get("errors"))
        skips += int(suite.get("skipped"))
    assert (int(root.get("tests")), int(root.get("failures")), int(root.get("errors")),
            int(root.get("skipped"))) == (tests, fails, errors, skips)
    with open(os.path.join(path, "summary.txt")) as f:
        p, f_, s = map(int, COUNT_LINE.match(f.read().strip().splitlines()[-1]).groups())
    assert (tests - fails - errors - skips, fails + errors, skips) == (p, f_, s)


def test_junit_content(cli):
    res = cli("junit", data("handmade-model"))
    root = ET.fromstring(res.out.encode())
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"sev_es_term_test", "system_event_legacy_test", "ghcb_nonsev_test"}
    sev = suites["sev_es_term_test"]
    props = {p.get("name"): p.get("value") for p in sev.find("properties")}
    assert props["backend"].startswith("model:")
    assert props["note"] == "software model, not a kernel result"
    assert props["cpu_vendor"] == "AuthenticAMD"
    case = sev.find("testcase[@name='sev_es_term.prot_set0_code2_dbg.terminate']")
    assert case.get("classname") == "kvm_sysevent.model.sev_es_term_test"
    failure = case.find("failure")
    assert failure.get("message") == "2 deviation(s)"
    assert "field=system_event.type.bit31 expected=0 actual=1" in failure.text
    skipped = sev.find("testcase[@name='sev_es_term.real_snp_set0_code0_dbg.terminate']/skipped")
    assert skipped.get("message") == "SNP is not modelled"
    legacy = suites["system_event_legacy_test"].find("testcase")
    assert legacy.get("classname") == "kvm_sysevent.system_event_legacy_test"
    whole = suites["ghcb_nonsev_test"].find("testcase")
    assert whole.get("name") == "ghcb_nonsev_test"
    assert whole.find("skipped").get("message") == "no GHCB MSR on this vCPU"


def test_junit_errors_for_timeout_and_crash(cli):
    text = b"""KTAP version 1
1..3
  KTAP version 1
  1..2
  ok 1 a.b.c
not ok 1 slow_test # TIMEOUT 120s
not ok 2 crashy_test # CRASH SIGSEGV
  KTAP version 1
  1..1
  ok 1 x.y.z # XFAIL known kernel behaviour
ok 3 xfail_test
"""
    res = cli("junit", "-", stdin=text)
    root = ET.fromstring(res.out.encode())
    assert root.get("errors") == "2" and root.get("failures") == "0"
    slow = root.find("testsuite[@name='slow_test']")
    assert slow.find("testcase[@name='slow_test.binary']/error").get("type") == "timeout"
    crash = root.find("testsuite[@name='crashy_test']/testcase/error")
    assert crash.get("message") == "crash: SIGSEGV"
    xf = root.find("testsuite[@name='xfail_test']/testcase")
    assert xf.find("failure") is None and "XFAIL" in xf.find("system-out").text


# --- KCIDB -------------------------------------------------------------------

def _validate(doc):
    validate_kcidb(doc)


def _check_ids_and_paths(doc, origin):
    path_re = re.compile(r"^([A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)?$")
    ids = [t["id"] for t in doc["tests"]]
    assert len(ids) == len(set(ids))
    for t in doc["tests"]:
        assert t["id"].startswith(origin + ":")
        assert t["build_id"].startswith(origin + ":")
        assert t["origin"] == origin
        assert path_re.match(t["path"])


@pytest.mark.parametrize("path", ALL_SETS, ids=os.path.basename)
def test_kcidb_validates_against_schema(path, cli):
    res = cli("kcidb", "--origin", "kvm_sysevent_ci", path)
    assert res.rc == 0
    doc = json.loads(res.out)
    _check_ids_and_paths(doc, "kvm_sysevent_ci")
    _validate(doc)


def test_kcidb_content_and_model_left_out(cli):
    res = cli("kcidb", "--origin", "lab", "--build-id", "b42", data("handmade-model"))
    doc = json.loads(res.out)
    paths = {t["path"]: t for t in doc["tests"]}
    assert not any("sev_es_term_test" in p for p in paths), "model results are not kernel results"
    # The SEV-ES binary's 6 cases and 16 sweep sets (the other binaries ran on the kernel).
    assert "22 result(s) of the software model or the SEV-ES test harness left out" in res.err
    t = paths["kvm_sysevent.system_event_legacy_test.triple_fault_event.long.injected"]
    assert t["status"] == "SKIP" and t["comment"] == "no KVM_CAP_X86_TRIPLE_FAULT_EVENT"
    assert t["build_id"] == "lab:b42"
    assert doc["version"] == {"major": 5, "minor": 3}


def test_kcidb_statuses(cli):
    res = cli("kcidb", "--origin", "lab", data("handmade-kernel-b"))
    doc = json.loads(res.out)
    by_path = {t["path"]: t for t in doc["tests"]}
    t = by_path["kvm_sysevent.sev_es_term_test.sev_es_term.prot_set0_code2_dbg.terminate"]
    assert t["status"] == "FAIL"
    assert t["misc"]["deviations"][0] == {
        "field": "system_event.type", "expected": "0x6(SEV_TERM)", "actual": "0x4(WAKEUP)",
        "diagnosis": "sev-term-4: SEV_TERM numbered 4 as posted in 2022 (merged as 6 in v5.19; "
                     "4 is WAKEUP)"}
    assert "deviation: field=system_event.type" in t["log_excerpt"]
    assert by_path["kvm_sysevent.sev_es_term_test"]["status"] == "FAIL"
    assert by_path["kvm_sysevent.ghcb_nonsev_test"]["status"] == "SKIP"
    assert by_path["kvm_sysevent.sev_es_term_test"]["duration"] == 3.0
    _validate(doc)


def test_kcidb_is_stable_and_run_id_settable(cli):
    a = cli("kcidb", "--origin", "lab", data("handmade-kernel-a")).out
    b = cli("kcidb", "--origin", "lab", data("handmade-kernel-a")).out
    assert a == b
    c = json.loads(cli("kcidb", "--origin", "lab", "--run-id", "nightly_7",
                       data("handmade-kernel-a")).out)
    assert all(t["id"].startswith("lab:nightly_7.") for t in c["tests"])


def test_kcidb_timeout_crash_missing(cli):
    text = b"""KTAP version 1
1..2
  KTAP version 1
  1..3
  ok 1 a.b.c
not ok 1 slow_test # TIMEOUT 120s
not ok 2 crashy_test # CRASH SIGSEGV
"""
    res = cli("kcidb", "--origin", "lab", "-", stdin=text)
    doc = json.loads(res.out)
    st = {t["path"]: t["status"] for t in doc["tests"]}
    assert st["kvm_sysevent.slow_test"] == "ERROR"
    assert st["kvm_sysevent.slow_test.missing_results"] == "MISS"
    assert st["kvm_sysevent.crashy_test"] == "ERROR"
    _validate(doc)


@pytest.mark.parametrize("args,words", [
    (["--origin", "Bad-Origin"], "origin 'Bad-Origin' must match [a-z0-9_]+"),
    (["--origin", "lab", "--path-prefix", "a/b"], "path prefix 'a/b'"),
    (["--origin", "lab", "--path-prefix", ""], "path prefix ''"),
])
def test_kcidb_bad_arguments(args, words, cli):
    res = cli("kcidb", *args, data("handmade-kernel-a"))
    assert res.rc == 2
    assert words in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_kcidb_needs_origin(cli):
    res = cli("kcidb", data("handmade-kernel-a"))
    assert res.rc == 2 and "--origin" in res.err


def test_summary_groups_many_failures(cli, tmp_path):
    """Many failures are grouped by their deviations; -v lists each."""
    lines = ["KTAP version 1", "# kvm-sysevent: t", f"1..{24}"]
    for i in range(1, 25):
        diag = "sev-term-4: SEV_TERM numbered 4" if i % 2 else "ndata-0: not counted"
        field = "system_event.type" if i % 2 else "system_event.ndata"
        lines.append(f'# deviation: field={field} expected=0x{i:x} actual=0x0 diagnosis="{diag}"')
        lines.append(f"not ok {i} f.v{i}.t")
    stream = ("\n".join(lines) + "\n").encode()
    res = cli("summary", "-", stdin=stream)
    assert res.rc == 1
    assert "Failures (24), grouped by their deviations (-v lists each):" in res.out
    assert "  12 x system_event.type [sev-term-4]" in res.out
    assert "  12 x system_event.ndata [ndata-0]" in res.out
    assert "      e.g. t: f.v1.t FAIL" in res.out
    assert "+7 more" in res.out
    res = cli("summary", "-v", "-", stdin=stream)
    assert "Failures (24):" in res.out
    assert res.out.count("deviation: field=") == 24
    out = tmp_path / "r.html"
    assert cli("html", "-o", out, "-", stdin=stream).rc == 0
    text = out.read_text()
    assert "24 failing results in 2 groups" in text
    assert text.count("<details>") == 2
    assert all(f"f.v{i}.t" in text for i in range(1, 25))


# --- the SEV-ES test harness (a real run: Debian 6.12 under QEMU TCG) ---------

HARNESS = "real-harness-6.12-tcg"
HARNESS_NOTE = ("KVM's SEV-ES handler code driven by a plain guest through a test-only "
                "kvm_amd patch, not an SEV-ES hardware result")


def test_summary_marks_harness(cli):
    res = cli("summary", data(HARNESS))
    assert res.rc == 0
    assert f"NOTE: all results ran on the SEV-ES test harness ({HARNESS_NOTE})." in res.out
    rows = [l for l in res.out.splitlines() if l.startswith("  sev_es_term_test ")]
    assert rows and rows[0].endswith("[harness]")
    assert "[model]" not in res.out


def test_junit_marks_harness(cli):
    root = ET.fromstring(cli("junit", data(HARNESS)).out.encode())
    sev = root.find("testsuite[@name='sev_es_term_test']")
    props = {p.get("name"): p.get("value") for p in sev.find("properties")}
    assert props["note"] == HARNESS_NOTE
    assert props["kvm_amd_sev_es_test_harness"] == "Y"
    case = sev.find("testcase[@name='sev_es_ghcb_page.long_nodbg.terminate']")
    assert case.get("classname") == "kvm_sysevent.harness.sev_es_term_test"


def test_kcidb_leaves_harness_out(cli):
    res = cli("kcidb", "--origin", "lab", data(HARNESS))
    assert not json.loads(res.out)["tests"], "harness results are not about the kernel build"
    assert "94 result(s) of the software model or the SEV-ES test harness left out" in res.err
