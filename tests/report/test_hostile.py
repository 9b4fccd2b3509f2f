# SPDX-License-Identifier: GPL-2.0
"""Hostile input: never a traceback, never a silent pass.

Truncated streams, duplicate names, garbage bytes, `<script>` names, deep
nesting, a 100k-line stream. Malformed input exits 2 with one line naming the
line number; anything accepted is reported without losing a failure.
"""

import json
import os
import random
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import HANDMADE, data, validate_kcidb
from sysevent_report.ktap import MalformedInput
from sysevent_report.resultset import load_stream

ERROR_RE = re.compile(r"^kvm-sysevent-report: error: \S+(:\d+)?: .+$")


def _garbage(seed, size):
    rnd = random.Random(seed)
    return bytes(rnd.randrange(256) for _ in range(size))


CORPUS = {
    "empty": b"",
    "blank-lines": b"\n\n   \n",
    "preamble-only": b"Random seed: 0x6b8b4567\nhello\n",
    "random-bytes": _garbage(1, 65536),
    "random-bytes-with-version": b"KTAP version 1\n1..1\n" + _garbage(2, 4096) + b"\nok 1 a\n",
    "nul-bytes": b"KTAP version 1\n1..1\n\x00\x00\x00\nok 1 a\x00b\n",
    "truncated-top": b"KTAP version 1\n1..3\nok 1 a\nok 2 b\n",
    "truncated-mid-line": b"KTAP version 1\n1..2\nok 1 a\nnot o",
    "truncated-child": b"KTAP version 1\n1..2\n  KTAP version 1\n  1..3\n  ok 1 x.y.z\n",
    "duplicate-names": b"KTAP version 1\n1..3\nok 1 a.b.c\nnot ok 2 a.b.c\nok 3 a.b.c # SKIP r\n",
    "duplicate-binaries": (b"KTAP version 1\n1..2\n  KTAP version 1\n  1..1\n  ok 1 a\nok 1 bin\n"
                           b"  KTAP version 1\n  1..1\n  not ok 1 a\nnot ok 2 bin\n"),
    "script-name": (b"KTAP version 1\n1..2\nnot ok 1 <script>alert(1)</script>\n"
                    b"ok 2 \"quoted\" & <b>bold</b> # SKIP <img src=x>\n"),
    "concatenated": b"KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..1\nok 1 b\n",
    "two-plans": b"KTAP version 1\n1..1\n1..2\nok 1 a\n",
    "too-many-results": b"KTAP version 1\n1..1\nok 1 a\nok 2 b\n",
    "no-numbers": b"TAP version 13\n1..2\nok\nnot ok\n",
    "tap12": b"TAP version 12\n1..1\nok 1 a\n",
    "bail-out": b"KTAP version 1\n1..3\nok 1 a\nBail out! no /dev/kvm\n",
    "skip-plan": b"KTAP version 1\n1..0 # SKIP no KVM\n",
    "orphan-child": b"KTAP version 1\n1..1\nok 1 a\n  KTAP version 1\n  1..1\n  not ok 1 x\n",
    "deep-nesting": ("".join("  " * d + "KTAP version 1\n" + "  " * d + "1..1\n"
                             for d in range(400))
                     + "".join("  " * (d - 1) + f"ok 1 l{d}\n" for d in range(399, 0, -1))
                     ).encode(),
    "long-line": b"KTAP version 1\n1..1\nok 1 " + b"x" * (1 << 20) + b"\n",
    "bad-deviation": b"KTAP version 1\n1..1\n# deviation: nonsense\nnot ok 1 a\n",
    "bad-sweep": (b"KTAP version 1\n1..1\n# sweep: mode=long set=99 pass=1 fail=1 "
                  b"failed_codes=0x1ff\nnot ok 1 sev_es_sweep.long.set_99\n"),
    "ok-with-deviation": (b"KTAP version 1\n1..1\n# deviation: field=exit_reason expected=0x18 "
                          b"actual=0x8\nok 1 a\n"),
    "parent-ok-child-fails": (b"KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n"
                              b"  not ok 1 x.y.z\nok 1 bin\n"),
}

# Inputs that must be refused (exit 2), and the line the message must name.
MALFORMED = {
    "empty": None, "blank-lines": 1, "preamble-only": 1, "random-bytes": 1,
    "truncated-top": 4, "truncated-mid-line": 4, "truncated-child": 5, "concatenated": 4,
    "two-plans": 3,
}


@pytest.mark.parametrize("name", sorted(CORPUS))
@pytest.mark.parametrize("command", ["summary", "junit", "kcidb", "html"])
def test_corpus_never_crashes(name, command, cli, tmp_path):
    args = {"summary": ["summary"], "junit": ["junit"], "kcidb": ["kcidb", "--origin", "lab"],
            "html": ["html", "-o", tmp_path / "r.html"]}[command]
    res = cli(*args, "-", stdin=CORPUS[name])
    if name in MALFORMED:
        assert res.rc == 2
        lines = res.err.strip().splitlines()
        assert ERROR_RE.match(lines[-1]), res.err
        lineno = MALFORMED[name]
        if lineno is not None:
            assert f"<stdin>:{lineno}: " in lines[-1]
        assert res.out == ""
        return
    assert res.rc in (0, 1), res.err
    if command == "summary":
        assert re.search(r"^\d+ passed, \d+ failed, \d+ skipped$", res.out, re.M)
    elif command == "junit":
        ET.fromstring(res.out.encode())
    elif command == "kcidb":
        validate_kcidb(json.loads(res.out))
    else:
        text = (tmp_path / "r.html").read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text


@pytest.mark.parametrize("name,counts", [
    ("duplicate-names", (1, 1, 1)),
    ("duplicate-binaries", (1, 1, 0)),
    ("script-name", (0, 1, 1)),
    ("bail-out", (1, 1, 0)),
    ("parent-ok-child-fails", (0, 1, 0)),
    ("skip-plan", (0, 0, 1)),
    ("orphan-child", (1, 0, 0)),
    ("too-many-results", (2, 0, 0)),
])
def test_accepted_inputs_keep_every_failure(name, counts):
    run = load_stream(CORPUS[name], "t")
    assert run.counts() == counts


def test_duplicate_names_are_kept_apart(cli):
    res = cli("junit", "-", stdin=CORPUS["duplicate-names"])
    assert "duplicate test name 'a.b.c'; reported as 'a.b.c_dup2'" in res.err
    root = ET.fromstring(res.out.encode())
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["a.b.c", "a.b.c_dup2", "a.b.c_dup3"]
    assert root.get("failures") == "1"


def test_strict_refuses_warnings(cli):
    res = cli("summary", "--strict", "-", stdin=CORPUS["duplicate-names"])
    assert res.rc == 2
    assert "input warning(s) and --strict" in res.err


def test_quiet_hides_warnings(cli):
    res = cli("summary", "-q", "-", stdin=CORPUS["duplicate-names"])
    assert res.rc == 1 and res.err == ""


@pytest.mark.parametrize("path", HANDMADE[:2])
def test_every_truncation_is_refused_or_complete(path):
    """Cut a real stream anywhere: either refused, or nothing was lost."""
    with open(os.path.join(path, "ktap.txt"), "rb") as f:
        full = f.read()
    want = load_stream(full, "full").counts()
    cuts = set()
    pos = 0
    for line in full.splitlines(keepends=True):
        cuts.update({pos, pos + len(line) // 2, pos + len(line) - 1})
        pos += len(line)
    accepted = 0
    for cut in sorted(cuts):
        try:
            run = load_stream(full[:cut], "cut")
        except MalformedInput as exc:
            assert exc.lineno is not None or cut == 0
            continue
        accepted += 1
        assert run.counts() == want, f"cut at byte {cut} changed the counts silently"
    assert accepted >= 1


def test_100k_line_stream(cli):
    """A single binary with 50k results and 50k diagnostics (no timing asserted)."""
    n = 50000
    lines = ["KTAP version 1", "# kvm-sysevent: big_test", "# abi-profile: upstream",
             "# backend: kernel", f"1..{n}"]
    for i in range(1, n + 1):
        if i % 1000 == 0:
            lines.append("# deviation: field=exit_reason expected=0x18 actual=0x8")
            lines.append(f"not ok {i} big.case_{i}.run")
        elif i % 100 == 0:
            lines.append(f"#      SKIP      reason {i % 7}")
            lines.append(f"ok {i} big.case_{i}.run # SKIP reason {i % 7}")
        else:
            lines.append(f"#  RUN           big.case_{i}.run ...")
            lines.append(f"ok {i} big.case_{i}.run")
    stream = ("\n".join(lines) + "\n").encode()
    assert stream.count(b"\n") >= 100000
    res = cli("summary", "--strict", "-", stdin=stream, timeout=600)
    assert res.rc == 1
    assert res.out.rstrip().splitlines()[-1] == "49500 passed, 50 failed, 450 skipped"
    res = cli("junit", "-", stdin=stream, timeout=600)
    root = ET.fromstring(res.out.encode())
    assert root.get("tests") == str(n) and root.get("failures") == "50"


def test_100k_line_combined_stream():
    """The same size through the nesting code: 100 binaries of 500 results each."""
    out = ["KTAP version 1", "# kvm-sysevent v1 on 6.12", "1..100"]
    for b in range(1, 101):
        out += ["  KTAP version 1", f"  # kvm-sysevent: bin_{b}", "  1..500"]
        for i in range(1, 501):
            out.append(f"  # diag {i}")
            out.append(f"  ok {i} f.v{i}.t")
        out.append(f"ok {b} bin_{b}")
    run = load_stream(("\n".join(out) + "\n").encode(), "t")
    assert len(out) > 100000
    assert run.counts() == (50000, 0, 0)
    assert list(run.problems.format()) == []


def test_inventory_garbage(cli, tmp_path):
    import shutil
    d = tmp_path / "set"
    shutil.copytree(data("handmade-kernel-a"), d)
    (d / "inventory.txt").write_bytes(b"\xff\xfe=\x00\nhostname=<script>x</script>\n"
                                      + _garbage(3, 512))
    (d / "status.txt").write_bytes(_garbage(4, 256))
    res = cli("html", d)
    assert res.rc == 0
    text = (d / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in text
    res = cli("summary", d)
    assert res.rc == 0 and "warning" in res.err


@pytest.mark.parametrize("args,words", [
    (["summary", "/nonexistent/set"], "/nonexistent/set: no such file or directory"),
    (["junit", "-o", "/nonexistent/dir/x.xml", data("handmade-kernel-a")], "cannot write"),
    (["frobnicate"], "invalid choice"),
    (["summary"], "required"),
])
def test_bad_usage(args, words, cli):
    res = cli(*args)
    assert res.rc == 2
    assert words in res.err


@pytest.mark.parametrize("sub", ["summary", "junit", "kcidb", "html", "compare"])
def test_every_command_has_help(sub, cli):
    res = cli(sub, "--help")
    assert res.rc == 0 and res.out.startswith("usage: kvm-sysevent-report " + sub)


def test_top_help(cli):
    res = cli("--help")
    assert res.rc == 0 and "exit status:" in res.out


def test_launcher_without_a_usable_python(tmp_path):
    import subprocess
    from conftest import LAUNCHER
    env = dict(os.environ, KVM_SYSEVENT_PYTHON="/nonexistent/python3")
    proc = subprocess.run([LAUNCHER, "summary", "x"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == ("kvm-sysevent-report: error: /nonexistent/python3 "
                                            "not found (apt-get install python3 python3-tap)")
    # A Python that does not see Debian's dist-packages (site disabled): one clear line.
    nosite = tmp_path / "python-nosite"
    nosite.write_text("#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n")
    nosite.chmod(0o755)
    env["KVM_SYSEVENT_PYTHON"] = str(nosite)
    proc = subprocess.run([LAUNCHER, "summary", "x"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "cannot import tappy; install Debian's python3-tap" in err
    assert "Traceback" not in err
