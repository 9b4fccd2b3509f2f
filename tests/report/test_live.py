# SPDX-License-Identifier: GPL-2.0
"""The reporter on a fresh run of this suite, when `make` has built it.

Runs run_tests.sh into a temporary result set (model backend with the
exhaustive sweep: fast, and no SEV hardware needed) and reads it with
--strict: the suite's own output must follow docs/output-format.md exactly.
Skipped when the binaries are not built.
"""

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import TOP, validate_kcidb

BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
BINARIES = ["sev_es_term_test", "system_event_legacy_test", "ghcb_nonsev_test"]


@pytest.fixture(scope="module")
def live_set(tmp_path_factory):
    missing = [b for b in BINARIES if not os.access(os.path.join(BUILD, "x86_64", b), os.X_OK)]
    if missing or not os.access(os.path.join(BUILD, "tools", "host_inventory"), os.X_OK):
        pytest.skip("suite not built (run make)")
    out = tmp_path_factory.mktemp("live") / "set"
    env = dict(os.environ, BUILD=BUILD)
    proc = subprocess.run([os.path.join(TOP, "run_tests.sh"), "-o", str(out),
                           "--backend", "model:upstream", "--exhaustive"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=900)
    assert proc.returncode in (0, 1), proc.stderr.decode()[-2000:]
    return str(out), proc.stdout.decode()


def test_live_summary_strict(live_set, cli):
    path, stdout = live_set
    res = cli("summary", "--strict", path)
    assert res.rc in (0, 1), res.err
    assert res.err == ""
    assert res.out.rstrip().splitlines()[-1] == stdout.rstrip().splitlines()[-1]
    assert "[model]" in res.out


def test_live_outputs(live_set, cli, tmp_path):
    path, _ = live_set
    junit = cli("junit", path)
    assert junit.rc == 0
    ET.fromstring(junit.out.encode())
    kcidb = cli("kcidb", "--origin", "live", path)
    assert kcidb.rc == 0
    doc = json.loads(kcidb.out)
    validate_kcidb(doc)
    assert not any(".sev_es_term_test" in t["path"] for t in doc["tests"])
    html = cli("html", "-o", tmp_path / "r.html", path)
    assert html.rc == 0
    text = (tmp_path / "r.html").read_text()
    assert 'id="model-banner"' in text
    assert text.count('class="c ') == 3 * 16 * 256
