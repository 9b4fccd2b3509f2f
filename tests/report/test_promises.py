# SPDX-License-Identifier: GPL-2.0
"""The catalogue of promises: one list, every case judged, every file made from it current."""

import os
import subprocess

import pytest

from conftest import TOP, data
from sysevent_report import cases, promises
from sysevent_report.resultset import load_stream

CATALOGUE = os.path.join(TOP, "promises.toml")


def _text():
    with open(CATALOGUE, encoding="utf-8") as f:
        return f.read()


def test_catalogue_reads_and_covers_three_architectures():
    cat = promises.load()
    assert [p.id for p in cat] == [p.id for p in promises.parse(_text())]
    sizes = {a: len(cat.for_arch(a)) for a in promises.ARCHES}
    assert all(sizes.values()), sizes
    assert {p.source for p in cat} == set(promises.SOURCES)
    # Every architecture has required promises, and only kernel-backend ones.
    for arch in promises.ARCHES:
        req = cat.required(arch)
        assert req and all("kernel" in p.backends for p in req), arch


def test_every_case_judges_a_promise_and_every_promise_a_case():
    """The suite's cases (from the sources of tests.list's binaries) and the catalogue agree."""
    suite = cases.source_cases(TOP)
    assert {b.arch for b in suite.values()} == set(promises.ARCHES)
    assert promises.case_problems(promises.load(), suite) == []


def _drop(text, pid):
    """The catalogue's text without the [[promise]] whose id is @pid."""
    blocks = text.split("[[promise]]")
    kept = [b for b in blocks if f'\nid = "{pid}"\n' not in b]
    assert len(kept) == len(blocks) - 1
    return "[[promise]]".join(kept)


def test_a_case_that_judges_no_promise_is_found():
    cat = promises.parse(_drop(_text(), "psci-wakeup"))
    problems = promises.case_problems(cat, cases.source_cases(TOP))
    assert problems == ["psci_system_event_test: psci.wakeup judges no promise "
                        "(add it to promises.toml)"]


def test_a_promise_that_names_no_case_is_found():
    text = _text().replace("cases = '^psci\\.wakeup$'", "cases = '^psci\\.wake_up$'")
    cat = promises.parse(text)
    problems = promises.case_problems(cat, cases.source_cases(TOP))
    assert "promise psci-wakeup: '^psci\\.wake_up$' matches no case of psci_system_event_test" \
        in problems
    text = _text().replace('binary = "sbi_system_event_test"\ncases = \'^srst\\.invalid_type$\'',
                           'binary = "psci_system_event_test"\ncases = \'^srst\\.invalid_type$\'')
    problems = promises.case_problems(promises.parse(text), cases.source_cases(TOP))
    assert any(p.startswith("promise sbi-srst-invalid-type: psci_system_event_test is the "
                            "arm64 suite's") for p in problems), problems


def _built(binary, archdir):
    build = os.environ.get("BUILD") or "build"
    for d in (build, "build", "build-static"):
        path = os.path.join(TOP, d, archdir, binary)
        if os.access(path, os.X_OK):
            return path
    return None


def test_source_cases_are_what_the_binaries_list():
    """Where this machine's binaries are built, their -l listing is the same list."""
    suite = cases.source_cases(TOP)
    here = {"x86_64": "x86_64", "aarch64": "aarch64", "riscv64": "riscv"}.get(os.uname().machine)
    checked = 0
    for b in suite.values():
        path = _built(b.name, b.archdir) if b.archdir == here else None
        if path is None:
            continue
        proc = subprocess.run([path, "-l"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)
        listed = cases.parse_listing(proc.stdout.decode() + proc.stderr.decode())
        assert sorted(listed) == sorted(b.cases), b.name
        checked += 1
    if not checked:
        pytest.skip("no test binary of this machine built (make)")


def test_listing_parser_reads_long_names():
    dashes = "-" * 80
    text = "\n".join([
        "# FIXTURE            VARIANT                   TEST",
        "global                                         ",
        dashes,
        "sev_es_unknown_request real                      resumes",
        "                     prot                      ",
        dashes,
        "sev_es_term          real_set1_code2_upper_nodbg terminate",
        "                     long_x                    other",
        dashes,
        "abi                                            cap",
        "                                               layout"]) + "\n"
    assert cases.parse_listing(text) == [
        "sev_es_unknown_request.real.resumes", "sev_es_unknown_request.prot.resumes",
        "sev_es_term.real_set1_code2_upper_nodbg.terminate",
        "sev_es_term.real_set1_code2_upper_nodbg.other",
        "sev_es_term.long_x.terminate", "sev_es_term.long_x.other",
        "abi.cap", "abi.layout"]


def test_generated_files_are_current(cli):
    res = cli("promises", "--check")
    assert res.rc == 0, res.err
    assert res.out.strip() == f"promises: {len(promises.load())} promises, 0 problems"


def test_a_stale_generated_file_is_found(tmp_path):
    top = tmp_path / "top"
    for d in ("kernel", "docs"):
        (top / d).mkdir(parents=True)
    cat = promises.load()
    for path, text in promises.generated_files(cat).items():
        rel = os.path.relpath(path, TOP)
        (top / rel).write_text(text, encoding="utf-8")
    assert promises.stale_files(cat, str(top)) == []
    req = top / "kernel" / "required-cases.txt"
    req.write_text(req.read_text().replace("WAKEUP|^psci\\.wakeup$\n", ""))
    assert promises.stale_files(cat, str(top)) == [str(req)]


def test_required_cases_file_is_the_required_promises():
    """kernel/required-cases.txt, as check-kernels.sh reads it: [ARCH] sections of what|ERE."""
    with open(os.path.join(TOP, "kernel", "required-cases.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    sections, section = {}, None
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        what, _, ere = line.partition("|")
        sections.setdefault(section, []).append((what, ere))
    cat = promises.load()
    for arch in promises.ARCHES:
        want = [(p.title, p.cases) for p in cat.required(arch) if not p.since]
        assert sections[arch] == want, arch
    off2 = cat.by_id["psci-system-off2"]
    assert sections[f"arm64 {off2.since}"] == [(p.title, p.cases) for p in cat.required("arm64")
                                               if p.since == off2.since]
    assert (off2.title, off2.cases) in sections[f"arm64 {off2.since}"]


@pytest.mark.parametrize("edit, message", [
    (('source = "PSCI"', 'source = "psci"', 1), "source 'psci' is not one of"),
    (('id = "type"', 'id = "exit-reason"', 1), "id given twice"),
    (("cases = '^psci_smp\\.'", "cases = '^psci_smp\\d'", 1), "may use only"),
    (('arches = ["riscv64"]', 'arches = ["riscv"]', 1), "'arches' must be a list of"),
    (('since = "6.13"', 'since = "6.13.1"', 1), "'since' is a kernel version X.Y"),
    (("required = true", "required = 1", 1), "'required' must be true or false"),
    (('title = "WAKEUP"', 'title = "WAKEUP"\ncolour = "red"', 1), "unknown key 'colour'"),
])
def test_a_broken_catalogue_is_a_one_line_error(cli, tmp_path, edit, message):
    bad = tmp_path / "promises.toml"
    old, new, count = edit
    assert old in _text()
    bad.write_text(_text().replace(old, new, count), encoding="utf-8")
    with pytest.raises(promises.CatalogueError) as exc:
        promises.parse(bad.read_text(), str(bad))
    assert message in str(exc.value)
    res = subprocess.run([os.path.join(TOP, "report", "kvm-sysevent-report"), "html", "-o",
                          str(tmp_path / "r.html"), data("handmade-kernel-b")],
                         env=dict(os.environ, KVM_SYSEVENT_PROMISES=str(bad)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    err = res.stderr.decode()
    assert res.returncode == 2 and len(err.strip().splitlines()) == 1, err
    assert message in err and "Traceback" not in err


def test_no_catalogue_is_a_one_line_error(tmp_path):
    res = subprocess.run([os.path.join(TOP, "report", "kvm-sysevent-report"), "promises"],
                         env=dict(os.environ, KVM_SYSEVENT_PROMISES=str(tmp_path / "none")),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert res.returncode == 2
    assert "No such file or directory (the catalogue of promises)" in res.stderr.decode()


def _stream(binary, cases_, arch_release="7.3.4+deb13-arm64"):
    out = ["KTAP version 1", f"# kvm-sysevent v1 on {arch_release}", "# abi-profile: upstream",
           "# backend: kernel", "1..1", "  KTAP version 1", f"  # kvm-sysevent: {binary}",
           "  # backend: kernel", f"  1..{len(cases_)}"]
    for i, (name, status) in enumerate(cases_, 1):
        out.append(f"  {'not ok' if status == 'fail' else 'ok'} {i} {name}"
                   + (" # SKIP why" if status == "skip" else ""))
    out.append(f"{'not ok' if any(s == 'fail' for _, s in cases_) else 'ok'} 1 {binary}")
    return ("\n".join(out) + "\n").encode()


def test_check_required_meets_misses_and_versions():
    cat = promises.load()
    every = [(n, "pass") for n in cases.source_cases(TOP)["psci_system_event_test"].cases]
    run = load_stream(_stream("psci_system_event_test", every), "arm64")
    v = promises.check_required(run, arch="arm64", release="7.3.4", catalogue=cat)
    assert all(x.met and x.applies for x in v) and len(v) == len(cat.required("arm64"))
    # 6.12: SYSTEM_OFF2 (6.13+) does not apply; a skip of it is no miss.
    some = [(n, "skip" if n == "psci.system_off2" else s) for n, s in every]
    run = load_stream(_stream("psci_system_event_test", some), "arm64")
    v = {x.promise.id: x for x in promises.check_required(run, "arm64", "6.12.57", cat)}
    assert v["psci-system-off2"].met and not v["psci-system-off2"].applies
    # ... but on 7.3 the skip does not meet it, and a missing case neither.
    some = [(n, s) for n, s in some if n != "psci.wakeup"]
    run = load_stream(_stream("psci_system_event_test", some), "arm64")
    v = {x.promise.id: x for x in promises.check_required(run, "arm64", "7.3.4", cat)}
    assert not v["psci-system-off2"].met and v["psci-system-off2"].text == \
        "psci.system_off2 skipped"
    assert not v["psci-wakeup"].met and v["psci-wakeup"].text == "missing"
    # An architecture nothing is required of is itself not met.
    (only,) = promises.check_required(run, arch="mips", release="7.3", catalogue=cat)
    assert only.promise is None and not only.met


def test_required_command(cli, tmp_path):
    every = [(n, "pass") for n in cases.source_cases(TOP)["sbi_system_event_test"].cases]
    d = tmp_path / "riscv"
    d.mkdir()
    (d / "ktap.txt").write_bytes(_stream("sbi_system_event_test", every, "7.2.13+deb14-riscv64"))
    (d / "inventory.txt").write_text("arch=riscv64\nkernel_release=7.2.13+deb14-riscv64\n"
                                     "kernel_under_test=debian-latest:riscv64\n")
    res = cli("required", "-q", d)
    assert res.rc == 0, res.out + res.err
    n = len(promises.load().required("riscv64"))
    assert res.out.splitlines()[-1] == f"required: {n} met, 0 not met"
    assert "# debian-latest:riscv64 SRST shutdown" in res.out
    (d / "ktap.txt").write_bytes(_stream("sbi_system_event_test", [
        (c, "fail" if c == "srst.invalid_type" else s) for c, s in every],
        "7.2.13+deb14-riscv64"))
    res = cli("required", "-q", d)
    assert res.rc == 1
    assert "NOT MET: srst.invalid_type failed" in res.out
    assert res.out.splitlines()[-1] == f"required: {n - 1} met, 1 not met"
