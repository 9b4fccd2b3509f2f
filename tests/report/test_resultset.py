# SPDX-License-Identifier: GPL-2.0
"""Result sets: loading, counts against the runner's summary, model marking."""

import os
import shutil

import pytest

from conftest import HANDMADE, data, real_result_sets
from sysevent_report.resultset import load, load_result_set

ALL_SETS = HANDMADE + real_result_sets()


def _summary_counts(path):
    with open(os.path.join(path, "summary.txt")) as f:
        line = f.read().strip().splitlines()[-1]
    nums = [int(w) for w in line.replace(",", " ").split() if w.isdigit()]
    return tuple(nums + [0] * (3 - len(nums)))


@pytest.mark.parametrize("path", ALL_SETS, ids=os.path.basename)
def test_counts_match_runner_summary(path):
    run = load_result_set(path)
    assert run.counts() == _summary_counts(path)


@pytest.mark.parametrize("path", ALL_SETS, ids=os.path.basename)
def test_contract_clean(path):
    """The suite's own output (and the hand-made sets) read without a warning."""
    run = load_result_set(path)
    assert list(run.problems.format()) == []
    assert run.inventory, "inventory.txt"
    for b in run.binaries:
        assert b.exit, f"status.txt has no line for {b.name}"


def test_binaries_and_cases():
    run = load(data("handmade-kernel-b"))
    assert [b.name for b in run.binaries] == [
        "sev_es_term_test", "system_event_legacy_test", "ghcb_nonsev_test"]
    sev = run.binaries[0]
    assert sev.status == "fail" and sev.exit["exit"] == "1" and sev.seconds == 3.0
    assert sev.log.endswith("logs/sev_es_term_test.log")
    bad = [c.name for c in sev.cases if c.failed]
    assert bad == ["sev_es_term.prot_set0_code2_dbg.terminate", "sev_es_sweep.long.set_3",
                   "sev_es_sweep.long.set_7"]
    assert run.binaries[2].status == "skip"
    assert run.binaries[2].reason == "no GHCB MSR on this vCPU"


def test_model_is_marked_per_binary():
    run = load(data("handmade-model"))
    assert run.any_model and not run.all_model
    # run_tests.sh --backend model:... puts only the SEV-ES binary on the model.
    assert [b.model for b in run.binaries] == [True, False, False]
    assert all(c.model for c in run.binaries[0].cases)


def test_sweep_grid():
    run = load(data("handmade-kernel-b"))
    (g,) = run.grids()
    assert (g.binary, g.mode) == ("sev_es_term_test", "long")
    assert len(g.rows) == 16 and all(len(r) == 256 for r in g.rows)
    assert [code for code, c in enumerate(g.rows[3]) if c == "f"] == list(range(16)) + [0x42]
    assert g.rows[7][0xff] == "f" and g.rows[7].count("f") == 1
    assert set(g.rows[15]) == {"s"}
    assert g.totals() == {"p": 15 * 256 - 18, "f": 18, "s": 256, "n": 0}


def test_inventory_and_status_problems_are_warnings(tmp_path):
    d = tmp_path / "set"
    shutil.copytree(data("handmade-kernel-a"), d)
    with open(d / "inventory.txt") as f:
        n = len(f.read().splitlines())
    with open(d / "inventory.txt", "a") as f:
        f.write("this line has no equals sign\nhostname=second\n")
    with open(d / "summary.txt", "w") as f:
        f.write("1 passed, 0 failed, 0 skipped\n")
    run = load(str(d))
    msgs = list(run.problems.format())
    assert any(f"inventory.txt:{n + 1}: warning: not a key=value line" in m for m in msgs)
    assert any(f"inventory.txt:{n + 2}: warning: key 'hostname' given twice" in m for m in msgs)
    assert any("summary.txt: warning: the runner counted '1 passed, 0 failed, 0 skipped'" in m
               for m in msgs)
    assert run.inventory["hostname"] == "lab-epyc-07"


def test_not_a_result_set(tmp_path, cli):
    res = cli("summary", tmp_path)
    assert res.rc == 2
    assert "not a result set (no ktap.txt)" in res.err


def test_child_missing_results_under_ok_parent_count_as_failure():
    text = b"""KTAP version 1
1..1
  KTAP version 1
  1..3
  ok 1 a.b.c
ok 1 bin
"""
    from sysevent_report.resultset import load_stream
    run = load_stream(text, "t")
    b = run.binaries[0]
    assert b.status == "fail" and b.missing == 2
    assert run.counts() == (1, 1, 0)
    assert any("counted as failed" in m for m in run.problems.format())


def test_timeout_parent_with_partial_children():
    text = b"""KTAP version 1
1..1
  KTAP version 1
  1..3
  ok 1 a.b.c
not ok 1 bin # TIMEOUT 120s
"""
    from sysevent_report.resultset import load_stream
    run = load_stream(text, "t")
    b = run.binaries[0]
    assert b.status == "timeout" and b.missing == 2
    assert run.counts() == (1, 1, 0)
    assert list(run.problems.format()) == []


def _kselftest_wrap(path):
    """What run_kselftest.sh would print for this result set's binaries."""
    with open(os.path.join(path, "status.txt")) as f:
        status = [ln.split() for ln in f if ln.strip()]
    out = ["TAP version 13", f"1..{len(status)}"]
    for n, (name, *fields) in enumerate(status, 1):
        rc = int(dict(x.split("=", 1) for x in fields)["exit"])
        out.append("# timeout set to 120")
        out.append(f"# selftests: kvm-sysevent: {name}")
        with open(os.path.join(path, "logs", name + ".log"), errors="replace") as f:
            out += ["# " + ln.rstrip("\n") for ln in f]
        result = {0: "ok", 4: "ok"}.get(rc, "not ok")
        directive = " # SKIP" if rc == 4 else f" # exit={rc}" if rc else ""
        out.append(f"{result} {n} selftests: kvm-sysevent: {name}{directive}")
    return ("\n".join(out) + "\n").encode()


@pytest.mark.parametrize("path", ALL_SETS, ids=os.path.basename)
def test_run_kselftest_wrapped_gives_the_same_results(path):
    from sysevent_report.resultset import load_stream
    wrapped = load_stream(_kselftest_wrap(path), "wrapped")
    direct = load_result_set(path)
    assert [b.name for b in wrapped.binaries] == [b.name for b in direct.binaries]
    assert wrapped.counts() == direct.counts()
    for wb, db in zip(wrapped.binaries, direct.binaries):
        assert [(c.name, c.status, c.reason) for c in wb.cases] == [
            (c.name, c.status, c.reason) for c in db.cases]
        assert wb.backend == db.backend


def _set_with_exit(tmp_path, code, lines):
    d = tmp_path / "set"
    d.mkdir()
    body = "".join(f"  {t}\n" for t in lines)
    (d / "ktap.txt").write_text(
        "KTAP version 1\n# kvm-sysevent x on 6.12\n1..1\n  KTAP version 1\n"
        f"  # kvm-sysevent: t\n  1..{len(lines)}\n{body}"
        f"ok 1 t{' # SKIP all cases skipped' if code == 4 else ''}\n0 passed\n")
    (d / "status.txt").write_text(f"t exit={code} signal=- timeout=0 seconds=0\n")
    return load_result_set(str(d))


@pytest.mark.parametrize("code,lines,warned", [
    (4, ["ok 1 a # SKIP no /dev/kvm (is KVM loaded?)"], False),
    (4, ["ok 1 a # SKIP no SEV-ES VM type", "ok 2 b"], True),
    (0, ["ok 1 a # SKIP no SEV-ES VM type"], True),
    (0, ["ok 1 a # SKIP no SEV-ES VM type", "ok 2 b"], False),
])
def test_exit_4_is_every_case_skipped(tmp_path, code, lines, warned):
    """Exit 4 (KSFT_SKIP) and 'every case skipped' go together, or a warning says not."""
    run = _set_with_exit(tmp_path, code, lines)
    warnings = [w for w in run.problems.format() if "exited" in w]
    assert bool(warnings) == warned, warnings
