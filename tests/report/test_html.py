# SPDX-License-Identifier: GPL-2.0
"""The HTML report: self-contained, escaped, model runs marked, opened in Chromium."""

import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

from conftest import TOP, data, real_result_sets

SCREENSHOT = os.path.join(TOP, "results", "report-screenshot.png")


class Elements(HTMLParser):
    """Tags, ids, classes and text of a document (stdlib only)."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.ids = set()
        self.classes = []
        self.text = []
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(a["id"])
        self.classes.extend((a.get("class") or "").split())
        for k in ("src", "href"):
            # A link within the page (the matrix's footnotes) is not a resource.
            if a.get(k) and not (k == "href" and a[k].startswith("#")):
                self.external.append(a[k])

    def handle_data(self, d):
        self.text.append(d)


def elements(text):
    p = Elements()
    p.feed(text)
    p.close()
    return p


HOSTILE_KTAP = b"""KTAP version 1
# kvm-sysevent: evil_test
# abi-profile: <b>upstream</b>
# backend: kernel
1..3
# deviation: field=<img src=x onerror=alert(1)> expected="0x1" actual=0x2 diagnosis="x"
not ok 1 <script>alert(1)</script>
ok 2 a&b"c'd # SKIP <i>no</i> reason & "quotes"
ok 3 ctl\x07char
"""


def _write_html(cli, tmp_path, src, stdin=None):
    out = tmp_path / "report.html"
    res = cli("html", "-o", out, src, stdin=stdin)
    assert res.rc == 0, res.err
    assert res.out.strip() == f"HTML report: {out}"
    return out.read_text(encoding="utf-8")


def test_default_output_in_result_set(cli, tmp_path):
    d = tmp_path / "set"
    shutil.copytree(data("handmade-kernel-b"), d)
    res = cli("html", d)
    assert res.rc == 0
    assert res.out.strip() == f"HTML report: {d / 'report.html'}"
    assert (d / "report.html").is_file()


def test_html_needs_output_for_streams(cli):
    res = cli("html", "-", stdin=b"KTAP version 1\n1..1\nok 1 a\n")
    assert res.rc == 2 and "give -o FILE" in res.err


def test_self_contained_and_sections(cli, tmp_path):
    text = _write_html(cli, tmp_path, data("handmade-kernel-b"))
    el = elements(text)
    assert "script" not in el.tags
    assert el.external == [], "no external resources"
    assert {"inventory", "binaries", "failures", "skips", "heatmaps", "results", "counts",
            "heatmap-sev_es_term_test-long", "kernel-banner"} <= el.ids
    assert "model-banner" not in el.ids
    assert el.classes.count("c") == 16 * 256
    assert el.classes.count("f") == 18
    assert "19 passed" in text and "4 failed" in text and "4 skipped" in text
    assert "AMD EPYC 7713 64-Core Processor" in text
    assert "SEV_TERM numbered 4 as posted in 2022" in text


def test_model_marked(cli, tmp_path):
    text = _write_html(cli, tmp_path, data("handmade-model"))
    el = elements(text)
    assert "model-banner" in el.ids
    banner = re.search(r'<div class="model-banner"[^>]*>(.*?)</div>', text).group(1)
    assert "Software model, not a kernel result" in banner
    # Every result of the model binary carries the mark; the kernel binaries' do not
    # (run_tests.sh --backend model:... runs only the SEV-ES binary on the model).
    rows = re.findall(r'<tr class="r-[a-z]+"><td class="mono">([^<]+)</td><td[^>]*>(.*?)</td>',
                      text)
    for binary, cell in rows:
        assert ('class="model"' in cell) == (binary == "sev_es_term_test"), binary
    # The banner repeats on every printed page.
    assert re.search(r"@media print \{\s*\.model-banner \{ position: fixed", text)


def test_everything_escaped(cli, tmp_path):
    text = _write_html(cli, tmp_path, "-", stdin=HOSTILE_KTAP)
    el = elements(text)
    assert "script" not in el.tags and "img" not in el.tags and "i" not in el.tags
    assert "b" not in el.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text
    assert "a&amp;b&quot;c&#x27;d" in text
    assert "\x07" not in text
    joined = "".join(el.text)
    assert "<script>alert(1)</script>" in joined
    assert "<i>no</i> reason & \"quotes\"" in joined


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium not installed (Debian package chromium)")


def _chromium_run(args, timeout=180):
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    try:
        cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile}"] + args
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _source():
    """The richest available input: a real result set with a sweep, else the hand-made one."""
    real = [p for p in real_result_sets()
            if "# sweep:" in open(os.path.join(p, "ktap.txt"), errors="replace").read()]
    return real[-1] if real else data("handmade-model")


def test_chromium_renders_key_elements(cli, tmp_path):
    _chromium()
    page = tmp_path / "report.html"
    res = cli("html", "-o", page, _source())
    assert res.rc == 0
    proc = _chromium_run(["--dump-dom", page.as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout.decode("utf-8", errors="replace")
    el = elements(dom)
    assert {"inventory", "binaries", "results", "heatmaps", "counts"} <= el.ids
    assert any(i.startswith("heatmap-") for i in el.ids)
    assert el.classes.count("c") % (16 * 256) == 0 and el.classes.count("c") > 0
    assert "script" not in el.tags
    if "model-banner" in el.ids:
        assert "Software model, not a kernel result" in dom


def test_chromium_does_not_run_injected_script(cli, tmp_path):
    _chromium()
    page = tmp_path / "evil.html"
    assert cli("html", "-o", page, "-", stdin=HOSTILE_KTAP).rc == 0
    proc = _chromium_run(["--dump-dom", page.as_uri()])
    dom = proc.stdout.decode("utf-8", errors="replace")
    el = elements(dom)
    assert "script" not in el.tags and "img" not in el.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_chromium_screenshot(cli, tmp_path):
    _chromium()
    page = tmp_path / "report.html"
    assert cli("html", "-o", page, _source()).rc == 0
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    shot = tmp_path / "shot.png"
    proc = _chromium_run([f"--screenshot={shot}", "--window-size=1400,2600", page.as_uri()])
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(shot, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert (width, height) == (1400, 2600)
    assert os.path.getsize(shot) > 20000, "a blank page would compress to almost nothing"
    shutil.copyfile(shot, SCREENSHOT)


def test_harness_marked(cli, tmp_path):
    text = _write_html(cli, tmp_path, data("real-harness-6.12-tcg"))
    el = elements(text)
    assert "harness-banner" in el.ids and "model-banner" not in el.ids
    banner = re.search(r'<div class="harness-banner"[^>]*>(.*?)</div>', text).group(1)
    assert "SEV-ES test harness, not an SEV-ES hardware result" in banner
    rows = re.findall(r'<tr class="r-[a-z]+"><td class="mono">([^<]+)</td><td[^>]*>(.*?)</td>',
                      text)
    assert rows and all('>harness</span>' in cell for _, cell in rows)
    assert re.search(r"@media print \{[^}]*\}\s*\.harness-banner \{ position: fixed", text)
