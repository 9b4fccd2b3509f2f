# SPDX-License-Identifier: GPL-2.0
"""The hand-made result sets (data/handmade-*) say what the suite really prints.

They stand for hosts this project has none of (an EPYC lab with SEV-ES) and
for failures no host here gives, so they are written by
make_handmade_fixtures.py, not recorded. What they hold must still be the
suite's own: case names its binaries register (read from the C sources),
skip reasons it prints, deviation lines in the oracle's format with a
diagnosis id and text from its catalogue (lib/sysevent.c), and the files
are exactly what the generator writes. Each deliberate difference is named
in the generator (DELIBERATE) and allowed here by that name only.
"""

import filecmp
import os
import re
import subprocess

import pytest

from conftest import DATA, HANDMADE, HERE, TOP

from sysevent_report import cases as case_lists
from sysevent_report.resultset import load_result_set

import make_handmade_fixtures as gen

DEV_RE = re.compile(r'^field=(?P<field>\S+) expected=(?P<expected>\S+) actual=(?P<actual>\S+)'
                    r'(?: diagnosis="(?P<id>[^":]+): (?P<text>[^"]*)")?$')
DEV_LINE_RE = re.compile(r"^\s*# (?:code 0x[0-9a-f]{2}: )?deviation: (?P<rest>.*)$")
STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def registered():
    try:
        return {name: set(b.cases) for name, b in case_lists.source_cases(TOP).items()}
    except case_lists.CaseListError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def catalogue():
    return gen.catalogue(TOP)


@pytest.fixture(scope="module")
def literals():
    """Every C string literal of the suite's library and tests."""
    out = set()
    for d in ("lib", "x86_64", "aarch64", "riscv"):
        for root, _, files in os.walk(os.path.join(TOP, d)):
            for name in files:
                if name.endswith(".c") or name.endswith(".h"):
                    with open(os.path.join(root, name), encoding="utf-8") as f:
                        out.update(STRING_RE.findall(f.read()))
    return out


def _ktap_lines(path):
    with open(os.path.join(path, "ktap.txt"), encoding="utf-8") as f:
        return f.read().splitlines()


@pytest.mark.parametrize("path", HANDMADE, ids=os.path.basename)
def test_case_names_are_ones_the_suite_registers(path, registered):
    run = load_result_set(path)
    unknown = [f"{b.name}: {c.name}" for b in run.binaries for c in b.cases
               if c.name not in registered.get(b.name, set())]
    assert not unknown, f"names the suite never emits: {unknown[:5]}"


@pytest.mark.parametrize("path", HANDMADE, ids=os.path.basename)
def test_deviation_lines_are_the_oracles(path, catalogue):
    seen = 0
    for line in _ktap_lines(path):
        m = DEV_LINE_RE.match(line)
        if not m:
            continue
        seen += 1
        d = DEV_RE.match(m.group("rest"))
        assert d, f"not the oracle's format: {line.strip()}"
        if d.group("id") is not None:
            assert d.group("id") in catalogue, f"no diagnosis id {d.group('id')!r} in lib/sysevent.c"
            assert d.group("text") == catalogue[d.group("id")], \
                f"{d.group('id')}: not the catalogue's text"
    if os.path.basename(path) != "handmade-kernel-a":
        assert seen, "a set with failures shows their deviations"


@pytest.mark.parametrize("path", HANDMADE, ids=os.path.basename)
def test_skip_reasons_are_ones_the_suite_prints(path, literals):
    run = load_result_set(path)
    reasons = {c.reason for b in run.binaries for c in b.cases if c.status == "skip"}
    reasons |= {b.reason for b in run.binaries if not b.cases and b.reason}
    unknown = sorted(r for r in reasons
                     if r not in literals and r not in gen.DELIBERATE_REASONS)
    assert not unknown, f"skip reasons the suite never prints: {unknown}"


def test_the_generator_writes_exactly_these_files(tmp_path):
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_handmade_fixtures.py"),
                    str(tmp_path)], check=True, timeout=60)
    for path in HANDMADE:
        name = os.path.basename(path)
        cmp = filecmp.dircmp(path, tmp_path / name)
        assert not (cmp.left_only or cmp.right_only), (name, cmp.left_only, cmp.right_only)
        for sub in ["."] + [d for d in cmp.common_dirs]:
            files = sorted(os.listdir(os.path.join(path, sub)))
            files = [f for f in files if os.path.isfile(os.path.join(path, sub, f))]
            match, mismatch, errors = filecmp.cmpfiles(os.path.join(path, sub),
                                                       tmp_path / name / sub, files,
                                                       shallow=False)
            assert not mismatch and not errors, (name, sub, mismatch, errors)


def test_data_holds_the_handmade_sets_the_generator_makes():
    made = sorted(d for d in os.listdir(DATA) if d.startswith("handmade-"))
    assert made == sorted(os.path.basename(p) for p in HANDMADE) == sorted(gen.SETS)
