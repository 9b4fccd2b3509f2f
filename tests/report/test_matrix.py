# SPDX-License-Identifier: GPL-2.0
"""The conformance matrix: rows per ABI promise, columns per backend or kernel, honest cells."""

import os
import re
import shutil

from conftest import TOP, data
from sysevent_report import cases, matrix, promises
from sysevent_report.resultset import load, load_stream
from test_html import _chromium, _chromium_run, elements


def stream(binaries, backend="hardware", profile="upstream", rev="v1", release="6.12.1"):
    """A combined run_tests.sh stream: binaries = [(name, backend, [(result line, [diags])])]."""
    out = ["KTAP version 1", f"# kvm-sysevent {rev} on {release}", f"# abi-profile: {profile}",
           f"# backend: {backend}", f"1..{len(binaries)}"]
    for i, (name, be, cases) in enumerate(binaries, 1):
        out += ["  KTAP version 1", f"  # kvm-sysevent: {name}", f"  # abi-profile: {profile}",
                f"  # backend: {be}", f"  1..{len(cases)}"]
        bad = False
        for j, (line, diags) in enumerate(cases, 1):
            out += [f"  # {d}" for d in diags]
            ok, _, rest = line.partition(" ")
            if ok == "not":
                bad = True
                out.append(f"  not ok {j} {rest.split(' ', 1)[1]}")
            else:
                out.append(f"  ok {j} {rest}")
        out.append(f"{'not ok' if bad else 'ok'} {i} {name}")
    return ("\n".join(out) + "\n").encode()


def ok(name):
    return (f"ok {name}", [])


def fail(name, *devs):
    return (f"not ok {name}", [f"deviation: {d}" for d in devs])


def skip(name, reason):
    return (f"ok {name} # SKIP {reason}", [])


def cell(m, row, title):
    col = next(c for c in m.columns if c.title == title)
    return m.cells[(row, col.key)]


EXIT_DEV = ("field=exit_reason expected=0x18(KVM_EXIT_SYSTEM_EVENT) "
            "actual=0x8(KVM_EXIT_SHUTDOWN) diagnosis=\"shutdown-not-term: ...\"")


def test_real_mode_fails_protected_and_long_pass():
    run = load_stream(stream([("sev_es_term_test", "hardware", [
        fail("sev_es_term.real_set0_code0_dbg.terminate", EXIT_DEV),
        ok("sev_es_term.prot_set0_code0_dbg.terminate"),
        ok("sev_es_term.long_set0_code0_dbg.terminate"),
        ok("sev_es_reentry.prot.second_request"),
    ])]), "t")
    m = matrix.build([run])
    assert [c.title for c in m.columns] == ["host"]
    assert cell(m, "mode-real", "host").state == "fail"
    assert cell(m, "mode-prot", "host").state == "pass"
    assert cell(m, "mode-long", "host").state == "pass"
    assert cell(m, "exit-reason", "host").state == "fail"
    assert "shutdown-not-term" in cell(m, "exit-reason", "host").detail
    # The real-mode case never reached type: the prot/long cases judged it.
    assert cell(m, "type", "host").state == "pass"
    (note,) = m.notes
    assert note[0] == "host" and "real mode fails, protected and long mode pass" in note[1]
    assert "VMGEXIT from 16-bit real mode" in note[1]


def test_no_real_mode_note_when_every_mode_fails():
    run = load_stream(stream([("sev_es_term_test", "hardware", [
        fail(f"sev_es_term.{m}_set0_code0_dbg.terminate", EXIT_DEV)
        for m in ("real", "prot", "long")])]), "t")
    assert matrix.build([run]).notes == []


def test_a_field_never_reached_is_not_a_pass():
    run = load_stream(stream([("sev_es_term_test", "hardware", [
        fail("sev_es_term.long_set0_code0_dbg.terminate", EXIT_DEV)])]), "t")
    m = matrix.build([run])
    for row in ("type", "ndata", "data0", "bit31-upstream"):
        c = cell(m, row, "host")
        assert c.state == "notrun", row
        assert "not judged" in c.detail and "exit_reason" in c.detail


def test_missing_capability_stops_ndata_and_data_not_type():
    run = load_stream(stream([("sev_es_term_test", "hardware", [
        fail("sev_es_term.long_set0_code0_dbg.terminate",
             "field=KVM_CAP_SYSTEM_EVENT_DATA expected=0x1 actual=0x0")])]), "t")
    m = matrix.build([run])
    assert cell(m, "type", "host").state == "pass"
    assert cell(m, "ndata", "host").state == "notrun"
    assert cell(m, "data0", "host").state == "notrun"


def test_ndata_zero_stops_data0_only():
    run = load_stream(stream([("sev_es_term_test", "hardware", [
        fail("sev_es_term.long_set0_code0_dbg.terminate",
             "field=system_event.ndata expected=0x1 actual=0x0")])]), "t")
    m = matrix.build([run])
    assert cell(m, "ndata", "host").state == "fail"
    assert cell(m, "data0", "host").state == "notrun"
    assert cell(m, "type", "host").state == "pass"


def test_bit31_rows_follow_the_profile():
    up = load_stream(stream([("sev_es_term_test", "model:upstream", [
        ok("sev_es_term.long_set0_code0_dbg.terminate")])]), "a")
    prop = load_stream(stream([("sev_es_term_test", "model:proposal-2022", [
        fail("sev_es_term.long_set0_code0_dbg.terminate",
             "field=system_event.type.bit31 expected=1 actual=0")])], profile="proposal-2022"),
        "b")
    m = matrix.build([up, prop])
    assert [c.title for c in m.columns] == ["model:upstream", "model:proposal-2022"]
    assert cell(m, "bit31-upstream", "model:upstream").state == "pass"
    assert cell(m, "bit31-proposal", "model:upstream").state == "notrun"
    assert cell(m, "bit31-proposal", "model:proposal-2022").state == "fail"
    # Under the proposal a missing bit 31 ends the judging before ndata.
    assert cell(m, "ndata", "model:proposal-2022").state == "notrun"
    assert all(c.model for c in m.columns)


def test_columns_come_from_each_binarys_backend():
    """A model run's legacy tests are the host kernel's results, not the model's."""
    run = load_stream(stream([
        ("sev_es_term_test", "model:upstream (software model, not a kernel result)",
         [ok("sev_es_term.long_set0_code0_dbg.terminate")]),
        ("system_event_legacy_test", "kernel", [ok("abi.system_event_data_cap"),
                                                skip("hyperv.long.crash", "no Hyper-V")]),
    ], backend="model:upstream"), "t")
    m = matrix.build([run])
    assert [(c.kind, c.title) for c in m.columns] == [("kernel", "host"),
                                                      ("model", "model:upstream")]
    assert cell(m, "capability", "host").state == "pass"
    # The model cannot judge a kernel's own events: n/a, never "not run".
    assert cell(m, "capability", "model:upstream").state == "na"
    assert cell(m, "capability", "model:upstream").detail == "n/a (kernel only)"
    assert cell(m, "hyperv-crash", "host").state == "skip"
    assert cell(m, "hyperv-crash", "host").detail == "no Hyper-V"
    assert cell(m, "exit-reason", "model:upstream").state == "pass"


def test_kernels_are_columns():
    a, b = load(data("handmade-kernel-a")), load(data("handmade-kernel-b"))
    m = matrix.build([a, b])
    assert len([c for c in m.columns if c.kind == "kernel"]) >= 1
    assert all(len(m.cells) == len(m.rows) * len(m.columns) for _ in [0])
    states = {c.state for c in m.cells.values()}
    assert states <= {"pass", "fail", "skip", "notrun", "na"}


def test_sweep_rows_by_sweep_mode(tmp_path):
    text = stream([("sev_es_term_test", "hardware", [
        ("ok sev_es_sweep.long.set_0", ["sweep: mode=long set=0 pass=256 fail=0 failed_codes="]),
        ("not ok sev_es_sweep.long.set_1",
         ["sweep: mode=long set=1 pass=17 fail=0 failed_codes= not_run=0x11-0xff",
          "not run from code 0x11: creating its VM failed: errno=EBUSY"]),
    ])])
    d = tmp_path / "set"
    (d / "logs").mkdir(parents=True)
    (d / "ktap.txt").write_bytes(text)
    (d / "inventory.txt").write_text("kernel_release=6.12.1\nexhaustive=yes\nsweep=per-vm\n")
    m = matrix.build([load(str(d))])
    assert cell(m, "sweep-per-vm", "host").state == "fail"
    assert "not run from code 0x11" in cell(m, "sweep-per-vm", "host").detail
    assert cell(m, "sweep-loop", "host").state == "notrun"


def test_sweep_first_deviation_is_the_cell_detail():
    run = load_stream(stream([("sev_es_term_test", "hardware", [
        ("not ok sev_es_sweep.long.set_3",
         ["sweep: mode=long set=3 pass=0 fail=256 failed_codes=0x00-0xff",
          "code 0x00: deviation: field=system_event.data[0] expected=0x3100 actual=0x0"]),
    ])]), "t")
    m = matrix.build([run])
    assert cell(m, "data0", "host").state == "fail"
    assert cell(m, "data0", "host").detail.startswith("deviation: field=system_event.data[0]")
    assert cell(m, "type", "host").state == "notrun"


def _html(cli, tmp_path, *inputs):
    out = tmp_path / "report.html"
    res = cli("html", "-o", out, *inputs)
    assert res.rc == 0, res.err
    return out.read_text(encoding="utf-8")


def test_html_leads_with_the_matrix(cli, tmp_path):
    text = _html(cli, tmp_path, data("handmade-kernel-b"))
    el = elements(text)
    assert {"matrix", "matrix-table", "inventory", "results"} <= el.ids
    assert text.index('id="matrix-table"') < text.index('id="run"')
    rows = re.findall(r'<tr data-row="([a-z0-9-]+)">', text)
    # The catalogue's x86_64 promises, grouped by source; no other architecture's.
    cat = promises.load()
    assert rows == [p.id for _, ps in cat.grouped() for p in ps if "x86_64" in p.arches]
    for want in ("exit-reason", "type", "bit31-upstream", "bit31-proposal", "ndata", "data0",
                 "reentry", "shutdown", "mode-real", "mode-prot", "mode-long", "ghcb-page",
                 "snp-only", "snp", "hyperv-crash", "triple-fault", "capability"):
        assert want in rows, want
    n_arm64 = sum(1 for p in cat.promises if "arm64" in p.arches)
    assert 'id="matrix-hidden"' in text and f"{n_arm64} arm64 promises" in text
    # A failing cell says its first deviation on hover and in the list below.
    fails = re.findall(r'<td class="mx mx-fail"[^>]*title="([^"]*)"', text)
    assert fails and all("deviation" in t or "not ok" in t or "fail" in t for t in fails)
    assert 'id="matrix-failures"' in text and 'href="#mx-note-1"' in text


def test_html_several_inputs_unique_ids(cli, tmp_path):
    text = _html(cli, tmp_path, data("handmade-kernel-a"), data("handmade-kernel-b"),
                 data("handmade-model"))
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
    assert {"section-1", "section-2", "section-3", "heatmaps-2", "results-table-3"} <= set(ids)
    assert "model-banner" in ids


def test_html_several_inputs_need_output(cli):
    res = cli("html", data("handmade-kernel-a"), data("handmade-kernel-b"))
    assert res.rc == 2 and "give -o FILE for several inputs" in res.err


def test_chromium_renders_the_matrix(cli, tmp_path):
    _chromium()
    page = tmp_path / "report.html"
    assert cli("html", "-o", page, data("handmade-kernel-b"), data("handmade-model")).rc == 0
    proc = _chromium_run(["--dump-dom", page.as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout.decode("utf-8", errors="replace")
    el = elements(dom)
    assert "matrix-table" in el.ids and "script" not in el.tags
    shown = len(re.findall(r'<tr data-row=', dom))
    assert shown == len(promises.load().for_arch("x86_64"))
    assert el.classes.count("mx") == shown * len(re.findall(r'<th class="col" data-kind=', dom))


# ---- Every architecture: n/a where a column cannot judge, versions, observations ----

def _arch_set(tmp_path, name, binary, cases_, arch, release, kut, observed=None):
    """A result set of one binary: cases_ = [(name, status)], observed = {case: text}."""
    observed = observed or {}
    out = ["KTAP version 1", f"# kvm-sysevent v1 on {release}", "# abi-profile: upstream",
           "# backend: kernel", "1..1", "  KTAP version 1", f"  # kvm-sysevent: {binary}",
           "  # abi-profile: upstream", "  # backend: kernel", f"  1..{len(cases_)}"]
    for i, (case, status) in enumerate(cases_, 1):
        if case in observed:
            out.append(f"  # observed: {observed[case]}")
        out.append(f"  {'not ok' if status == 'fail' else 'ok'} {i} {case}"
                   + (" # SKIP no reason here" if status == "skip" else ""))
    out.append(f"{'not ok' if any(s == 'fail' for _, s in cases_) else 'ok'} 1 {binary}")
    d = tmp_path / name
    d.mkdir(parents=True)
    (d / "ktap.txt").write_text("\n".join(out) + "\n")
    (d / "inventory.txt").write_text(f"arch={arch}\nkernel_release={release}\n"
                                     f"kernel_under_test={kut}\n")
    return str(d)


def _all(binary, skip=()):
    return [(c, "skip" if c in skip else "pass")
            for c in cases.source_cases(TOP)[binary].cases]


def test_every_architecture_has_its_rows_and_na_elsewhere(tmp_path):
    arm = _arch_set(tmp_path, "arm", "psci_system_event_test", _all("psci_system_event_test"),
                    "aarch64", "7.3.4+deb13-arm64", "debian-latest:arm64")
    rv = _arch_set(tmp_path, "rv", "sbi_system_event_test",
                   _all("sbi_system_event_test", skip=("sbi_v01.shutdown",)),
                   "riscv64", "7.2.13+deb14-riscv64", "debian-latest:riscv64")
    m = matrix.build([load(data("handmade-kernel-b")), load(arm), load(rv)])
    cat = promises.load()
    assert [r.id for r in m.rows] == [p.id for _, ps in cat.grouped() for p in ps]
    assert [c.arch for c in m.columns] == ["x86_64", "arm64", "riscv64"]
    for p in cat:
        for title in ("debian-latest:arm64", "debian-latest:riscv64", "host"):
            c = cell(m, p.id, title)
            col = next(x for x in m.columns if x.title == title)
            if col.arch in p.arches:
                assert c.state != "na", (p.id, title)
            else:
                assert c.state == "na" and c.detail == f"n/a ({p.arches[0]})", (p.id, title)
    for p in cat.for_arch("arm64"):
        assert cell(m, p.id, "debian-latest:arm64").state == "pass", p.id
    for p in cat.for_arch("riscv64"):
        want = "skip" if p.id == "sbi-v01-shutdown" else "pass"
        assert cell(m, p.id, "debian-latest:riscv64").state == want, p.id
    assert [g for g, _ in m.groups()] == list(promises.SOURCES)


def test_a_kernel_older_than_a_promise_reads_na(tmp_path):
    old = _arch_set(tmp_path, "old", "psci_system_event_test",
                    _all("psci_system_event_test", skip=("psci.system_off2",)),
                    "aarch64", "6.12.118+deb12-arm64", "debian-6.12:arm64")
    new = _arch_set(tmp_path, "new", "psci_system_event_test",
                    _all("psci_system_event_test", skip=("psci.system_off2",)),
                    "aarch64", "7.3.4+deb13-arm64", "debian-latest:arm64")
    m = matrix.build([load(old), load(new)])
    c = cell(m, "psci-system-off2", "debian-6.12:arm64")
    assert c.state == "na" and c.detail == "n/a (6.13+)"
    # From 6.13 on the same skip is a skip, not n/a.
    assert cell(m, "psci-system-off2", "debian-latest:arm64").state == "skip"
    # Not a promise of any x86 column here: the x86 rows are not shown at all.
    assert not any("x86_64" in r.arches for r in m.rows)
    assert {r.id for r in m.hidden} >= {"exit-reason", "sbi-srst-shutdown"}


def test_observations_kernel_by_kernel(tmp_path):
    """`# observed: <phrase>; <detail>`: rows by case, folded where every column saw
    the same phrase in every variant; the details stay with their cases."""
    nonsev = cases.source_cases(TOP)["ghcb_nonsev_test"].cases
    wrmsr = [c for c in nonsev if c.endswith(".ghcb_wrmsr")]
    gp = {c: "#GP at the GHCB MSR write; vector 13 at rip 0x3000" for c in wrmsr}
    through = {c: "no exception: the guest ran on to its HLT; rax 0xfffffc18" for c in wrmsr}
    through["nonsev.long.ghcb_wrmsr"] = ("no exception: the guest ran on to its HLT; "
                                         "rax 0xfffffffffffffc18")
    new = _arch_set(tmp_path, "new", "ghcb_nonsev_test", [(c, "pass") for c in nonsev],
                    "x86_64", "7.3.4+deb13-amd64", "debian-latest", observed=gp)
    old = _arch_set(tmp_path, "old", "ghcb_nonsev_test", [(c, "pass") for c in nonsev],
                    "x86_64", "6.12.118+deb12-amd64", "debian-6.12", observed=through)
    m = matrix.build([load(new), load(old)])
    (o,) = m.observations
    assert o.label == "nonsev.*.ghcb_wrmsr (real, prot, long)"
    assert o.promises == ["non-SEV control"]
    new_col, old_col = m.columns
    assert o.cells[new_col.key].phrase == "#GP at the GHCB MSR write"
    assert {d for _, d in o.cells[new_col.key].details} == {"vector 13 at rip 0x3000"}
    assert o.cells[old_col.key].phrase == "no exception: the guest ran on to its HLT"
    assert dict(o.cells[old_col.key].details)["nonsev.long.ghcb_wrmsr"] == \
        "rax 0xfffffffffffffc18"
    # A phrase that differs between variants of one column: a row per case.
    through["nonsev.long.ghcb_wrmsr"] = "an exception this control does not name; vector 6"
    other = _arch_set(tmp_path, "other", "ghcb_nonsev_test", [(c, "pass") for c in nonsev],
                      "x86_64", "6.1.0-57-amd64", "debian-6.1", observed=through)
    m = matrix.build([load(new), load(other)])
    assert [o.label for o in m.observations] == wrmsr
    assert m.observations[2].cells[m.columns[1].key].phrase == \
        "an exception this control does not name"


def test_html_of_a_kernel_matrix_directory(cli, tmp_path):
    top = tmp_path / "matrix"
    _arch_set(top, "debian-latest:riscv64", "sbi_system_event_test",
              _all("sbi_system_event_test"), "riscv64", "7.2.13+deb14-riscv64",
              "debian-latest:riscv64")
    _arch_set(top, "debian-latest:arm64", "psci_system_event_test",
              _all("psci_system_event_test"), "aarch64", "7.3.4+deb13-arm64",
              "debian-latest:arm64")
    (top / "compare.txt").write_text("not a result set\n")
    res = cli("html", "-q", top)
    assert res.rc == 0, res.err
    assert res.out.strip() == f"HTML report: {top / 'report.html'}"
    text = (top / "report.html").read_text()
    assert "kernel matrix" in text.split("</title>")[0]
    # The matrix first, then each kernel's run: arm64 before riscv64.
    assert text.index('id="matrix-table"') < text.index('id="section-1"') < \
        text.index('id="section-2"')
    assert text.index("Run 1: debian-latest:arm64") < text.index("Run 2: debian-latest:riscv64")
    assert re.findall(r'data-arch="([a-z0-9_]*)"', text) == ["arm64", "riscv64"]
    # One column per kernel, each naming its architecture and backend in its header.
    assert text.count('<span class="be">arm64 \u00b7 backend kernel</span>') == 1
    banner = re.search(r'<div class="kernel-banner"[^>]*>(.*?)</div>', text).group(1)
    assert "2 kernels (arm64, riscv64)" in banner and "Backend:" not in banner
    # One-input commands want one of its sets.
    res = cli("junit", top)
    assert res.rc == 2 and "a kernel matrix of 2 result sets: give one of them" in res.err
    res = cli("summary", "-q", top)
    assert res.rc == 0 and res.out.count("passed, 0 failed") >= 2


# ---- The real three-architecture set: 7.x under QEMU TCG, and x86_64 6.12 ---------

REAL_7X = ["real-kernel-7.3-x86_64", "real-kernel-7.3-arm64", "real-kernel-7.2-riscv64"]
REAL_612 = "real-kernel-6.12-x86_64"


def _col(m, arch, release_prefix):
    return next(c for c in m.columns if c.arch == arch and c.release.startswith(release_prefix))


def _recorded(arch):
    """The promises of @arch that the recorded set's cases judge. A promise added after
    the recording (its cases newer than the set) is left out here rather than failing
    every later change; re-record with the recipe in tests/report/data/README.md."""
    name = next(d for d in REAL_7X if d.endswith(arch))
    run = load(data(name))
    names = [(b.name, c.name) for b in run.binaries for c in b.cases]
    return [p for p in promises.load().for_arch(arch)
            if any(p.judges(b, c) for b, c in names)]


def test_real_three_architectures():
    runs = [load(data(d)) for d in REAL_7X + [REAL_612]]
    m = matrix.build(runs)
    cat = promises.load()
    x86, arm, rv = _col(m, "x86_64", "7."), _col(m, "arm64", "7."), _col(m, "riscv64", "7.")
    # As recorded: arm64 17 promises, riscv64 6 (their catalogue then).
    assert len(_recorded("arm64")) >= 17 and len(_recorded("riscv64")) >= 6
    for p in _recorded("arm64"):
        assert m.cells[(p.id, arm.key)].state == "pass", p.id
    for p in cat.for_arch("arm64"):
        assert m.cells[(p.id, x86.key)].detail == "n/a (arm64)", p.id
    for p in _recorded("riscv64"):
        want = "skip" if p.id == "sbi-v01-shutdown" else "pass"
        assert m.cells[(p.id, rv.key)].state == want, p.id
    for p in cat.for_arch("riscv64"):
        assert m.cells[(p.id, arm.key)].detail == "n/a (riscv64)", p.id
    for p in cat.for_arch("x86_64"):
        for col in (arm, rv):
            c = m.cells[(p.id, col.key)]
            assert (c.state, c.detail) == ("na", "n/a (x86_64)"), (p.id, col.title)
        if p.required and p in _recorded("x86_64"):
            assert m.cells[(p.id, x86.key)].state == "pass", p.id
    # Every required promise of each kernel is met (SYSTEM_OFF2 too: 7.3 is past 6.13).
    for run in runs:
        names = [(b.name, c.name) for b in run.binaries for c in b.cases]
        verdicts = [v for v in promises.check_required(run, catalogue=cat)
                    if any(v.promise.judges(b, c) for b, c in names)]
        assert len(verdicts) >= 5 and all(v.met for v in verdicts), run.source


def test_real_observations_show_what_changed_after_6_12():
    m = matrix.build([load(data(d)) for d in REAL_7X + [REAL_612]])
    x86_7, x86_6 = _col(m, "x86_64", "7."), _col(m, "x86_64", "6.12")
    rows = {o.label: o for o in m.observations}
    o = rows["nonsev.*.ghcb_wrmsr (real, prot, long)"]
    assert o.cells[x86_7.key].phrase == "#GP at the GHCB MSR write"
    assert o.cells[x86_6.key].phrase == "no exception: the guest ran on to its HLT"
    assert o.promises == ["non-SEV control"]
    # riscv's reserved reset type: which SBI error it got, observed, not judged.
    (rv,) = [o for o in m.observations if o.binary == "sbi_system_event_test"]
    assert rv.cells[_col(m, "riscv64", "7.").key].phrase.endswith("for a reserved reset type")


MATRIX_SCREENSHOT = os.path.join(TOP, "results", "report-kernel-matrix.png")


def test_chromium_kernel_matrix_page(cli, tmp_path):
    """The page of a kernel matrix of three architectures, as a browser draws it."""
    _chromium()
    top = tmp_path / "kernels"
    for d in REAL_7X + [REAL_612]:
        shutil.copytree(data(d), top / d)
    assert cli("html", "-q", top).rc == 0
    page = top / "report.html"
    proc = _chromium_run(["--dump-dom", page.as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout.decode("utf-8", errors="replace")
    el = elements(dom)
    assert "script" not in el.tags
    assert {"matrix-table", "observations-table", "kernel-banner", "section-4"} <= el.ids
    # The columns, as drawn: x86_64 6.12 and 7.3, arm64 7.3, riscv64 7.2.
    assert re.findall(r'<th class="col" data-kind="kernel" data-arch="([a-z0-9_]+)"', dom) == \
        ["x86_64", "x86_64", "arm64", "riscv64"]
    cells = {}
    for row, tds in re.findall(r'<tr data-row="([a-z0-9-]+)">(.*?)</tr>', dom, re.S):
        cells[row] = re.findall(r'<td class="mx mx-([a-z]+)"[^>]*>([^<]*)', tds)
    cat = promises.load()
    for p in _recorded("arm64"):
        assert cells[p.id][2] == ("pass", "PASS"), p.id
    for p in cat.for_arch("arm64"):
        assert cells[p.id][3] == ("na", "n/a (arm64)"), p.id
    for p in cat.for_arch("x86_64"):
        assert cells[p.id][2] == cells[p.id][3] == ("na", "n/a (x86_64)"), p.id
    recorded = {p.id for a in ("arm64", "riscv64") for p in _recorded(a)}
    assert not any(s == "notrun" for pid, row in cells.items() if pid in recorded
                   for s, _ in row[2:])
    shot = tmp_path / "shot.png"
    proc = _chromium_run([f"--screenshot={shot}", "--window-size=1500,3600", page.as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(shot, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) == \
        (1500, 3600)
    assert os.path.getsize(shot) > 50000, "a blank page would compress to almost nothing"
    os.makedirs(os.path.dirname(MATRIX_SCREENSHOT), exist_ok=True)
    shutil.copyfile(shot, MATRIX_SCREENSHOT)


def test_html_observations_table_of_the_real_sets(cli, tmp_path):
    out = tmp_path / "r.html"
    assert cli("html", "-q", "-o", out, *[data(d) for d in [REAL_612] + REAL_7X]).rc == 0
    text = out.read_text()
    table = text[text.index('id="observations-table"'):]
    table = table[:table.index("</table>")]
    heads = re.findall(r'<th class="col">([^<]+)', table)
    assert heads == ["debian-6.12", "vmlinuz-7.3.4+deb13-amd64", "vmlinuz-7.3.4+deb13-arm64",
                     "vmlinuz-7.2.13+deb14-riscv64"]
    rows = {re.sub(r"<[^>]+>", "", r[0]): r[1:] for r in
            (re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in table.split("<tr>")[2:])}
    wrmsr = rows["ghcb_nonsev_test: nonsev.*.ghcb_wrmsr (real, prot, long)"]
    assert wrmsr[0] == "non-SEV control"
    assert "<b>no exception: the guest ran on to its HLT</b>" in wrmsr[1]
    assert "<b>#GP at the GHCB MSR write</b>" in wrmsr[2]
    # The arm64 and riscv kernels never run the x86 control: n/a, not "nothing observed".
    assert wrmsr[3] == wrmsr[4] == "n/a (x86_64)"
    srst = rows["sbi_system_event_test: srst.invalid_type"]
    assert srst[1] == srst[2] == srst[3] == "n/a (riscv64)" and "reserved reset type" in srst[4]
    # The matrix comes first, the observations next, the runs after.
    assert text.index('id="matrix-table"') < text.index('id="observations"') < \
        text.index('id="section-1"')


def test_real_arm64_observation_said_twice_is_one_phrase():
    m = matrix.build([load(data("real-kernel-7.3-arm64"))])
    (o,) = [o for o in m.observations if o.binary == "psci_system_event_test"]
    got = o.cells[m.columns[0].key]
    assert got.phrase == "a resumed SYSTEM_OFF2 returns INTERNAL_FAILURE"
    assert got.details == [("psci.system_off2_count", "call 2, x0 -6; call 4, x0 -6")]


def test_a_pass_says_which_version_decided_it():
    """`ok N case #  PSCI 1.3, 6.13+ (kernel 7.3.4)`: the gate is the cell's detail."""
    m = matrix.build([load(data("real-kernel-7.3-arm64"))])
    c = cell(m, "psci-system-off2", m.columns[0].title)
    assert (c.state, c.detail) == ("pass", "PSCI 1.3, 6.13+ (kernel 7.3.4)")
    assert cell(m, "psci-system-off", m.columns[0].title).detail == ""
