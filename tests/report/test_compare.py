# SPDX-License-Identifier: GPL-2.0
"""compare: kernel A vs kernel B, yesterday vs today."""

import shutil

from conftest import data


def _section(out, title):
    """Lines of one `  title:` block of the compare output."""
    lines = out.splitlines()
    start = lines.index(f"  {title}:")
    block = []
    for ln in lines[start + 1:]:
        if not ln.startswith("    "):
            break
        block.append(ln.strip())
    return block


def test_newly_failing(cli):
    res = cli("compare", data("handmade-kernel-a"), data("handmade-kernel-b"))
    assert res.rc == 1
    out = res.out
    assert out.startswith("A = ") and "\nB = " in out
    assert ("A -> B: 4 newly failing, 0 newly passing, 0 changed skip reasons, "
            "0 other changes") in out
    block = _section(out, "newly failing")
    assert "sev_es_term_test: sev_es_term.prot_set0_code2_dbg.terminate  pass -> fail" in block
    assert "system_event_legacy_test: hyperv.long.crash  pass -> fail" in block
    assert ("deviation: field=system_event.type expected=0x3(CRASH) actual=0x2(RESET) "
            'diagnosis="reset-crash-swapped: RESET and CRASH type numbers swapped"') in block
    assert "Side by side (4 of 27 results differ):" in out


def test_newly_passing(cli):
    res = cli("compare", data("handmade-kernel-b"), data("handmade-kernel-a"))
    assert res.rc == 0
    assert "A -> B: 0 newly failing, 4 newly passing" in res.out
    assert "sev_es_term_test: sev_es_sweep.long.set_7  fail -> pass" in _section(
        res.out, "newly passing")


def test_same_run_has_no_differences(cli):
    res = cli("compare", data("handmade-kernel-a"), data("handmade-kernel-a"))
    assert res.rc == 0
    assert "Side by side: all 27 results are the same in every run." in res.out


def test_changed_skip_reasons_and_other_changes(cli, tmp_path):
    b = tmp_path / "b"
    shutil.copytree(data("handmade-kernel-a"), b)
    ktap = (b / "ktap.txt").read_text()
    ktap = ktap.replace("# SKIP no KVM_CAP_X86_TRIPLE_FAULT_EVENT",
                        "# SKIP no Hyper-V emulation (KVM_CAP_HYPERV)")
    (b / "ktap.txt").write_text(ktap)
    res = cli("compare", data("handmade-kernel-a"), b)
    assert res.rc == 0
    assert _section(res.out, "changed skip reasons") == [
        "system_event_legacy_test: triple_fault_event.long.injected  "
        "'no KVM_CAP_X86_TRIPLE_FAULT_EVENT' -> 'no Hyper-V emulation (KVM_CAP_HYPERV)'"]


def test_three_runs_and_backend_note(cli):
    res = cli("compare", data("handmade-kernel-a"), data("handmade-kernel-b"),
              data("handmade-model"))
    assert res.rc == 1
    assert "\nC = " in res.out
    assert "B -> C:" in res.out
    assert "note: B and C ran on different backends" in res.out
    assert "a difference between them is not a kernel change" in res.out
    assert "[model]" in res.out


def test_compare_needs_two(cli):
    res = cli("compare", data("handmade-kernel-a"))
    assert res.rc == 2 and "two or more" in res.err


def test_compare_streams_from_files(cli, tmp_path):
    a = tmp_path / "a.ktap"
    b = tmp_path / "b.ktap"
    a.write_bytes(b"KTAP version 1\n# kvm-sysevent: t\n1..2\nok 1 x.y.z\nok 2 x.y.w # SKIP r1\n")
    b.write_bytes(b"KTAP version 1\n# kvm-sysevent: t\n1..3\nnot ok 1 x.y.z\nok 2 x.y.w\n"
                  b"not ok 3 x.y.new\n")
    res = cli("compare", a, b)
    assert res.rc == 1
    assert _section(res.out, "newly failing") == ["t: x.y.z  pass -> fail", "t: x.y.new  - -> fail"]
    assert _section(res.out, "other changes") == ["t: x.y.w  skip -> pass"]
