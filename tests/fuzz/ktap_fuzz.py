# SPDX-License-Identifier: GPL-2.0
"""Hostile KTAP for the reporter (report/kvm-sysevent-report).

Random mutations of real streams (the result sets in tests/report/data/ and
tests/fuzz/corpus/ktap/): lines deleted, duplicated, swapped, re-indented,
cut short, bytes flipped, hostile lines and bytes inserted, streams spliced
and nested deep. Each input goes through the reporter's own entry point
(in-process, as `kvm-sysevent-report --strict summary FILE`, and now and
then junit, kcidb, html and compare) and must give:

- exit status 0, 1 or 2, never 3 (internal error) and never a traceback;
- every problem reported with its line number (`FILE:N:`, N a line of the
  input), but for the few that concern the whole input;
- exit status 2 whenever a problem was reported (--strict).

Targeted mutations make one known line malformed in an otherwise clean
stream (a deviation or sweep line not in the documented form, a result
numbered out of order, a second version line) and check that exactly that
line's number is reported, and exit status 2.

usage: ktap_fuzz.py [--runs N] [--seed S] [--save DIR] [--reporter-dir DIR]
Last lines: `ktap-fuzz: N passed, N failed` and
`ktap-fuzz: N executions in S s (R/s), N inputs reported malformed, C crashes`.
Exit status: 0 no crash, 1 a crash (the input is saved), 2 bad usage.
"""

import argparse
import contextlib
import glob
import io
import os
import random
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

HOSTILE_LINES = [
    b"KTAP version 1", b"TAP version 14", b"KTAP version 99", b"  KTAP version 1",
    b"1..0", b"1..18446744073709551617", b"1..-1", b"1..0 # SKIP", b"1..3 trailing junk",
    b"ok", b"not ok", b"ok 0", b"ok -1 x", b"ok 99999999999999999999999999 x",
    b"not ok 1 x # TIMEOUT", b"not ok 1 x # CRASH", b"ok 1 x # SKIP", b"ok 1 # TODO",
    b"not ok 1 x # ERROR binary not built", b"ok 1 x y z # XFAIL why", b"ok 1 - - -",
    b"ok 1 \xe2\x80\xae\xe2\x80\x8b", b"ok 1 <script>alert(1)</script>", b"ok 1 a\"b'c&d",
    b"# deviation:", b"# deviation: field=", b"# deviation: field= expected= actual=",
    b"# deviation: field=x expected=y actual=z diagnosis=\"unterminated",
    b"# deviation: field=x expected=y actual=z diagnosis=\"a\"\"b\"",
    b"# sweep: mode=real set=99 pass=0 fail=0 failed_codes=",
    b"# sweep: mode=real set=0 pass=256 fail=0 failed_codes=0xff-0x00",
    b"# sweep: mode=real set=0 pass=0 fail=256 failed_codes=0x00-0x1ff",
    b"# sweep: mode=real set=0 pass=-1 fail=x failed_codes=,,,",
    b"# kvm-sysevent: ", b"# kvm-sysevent x on", b"# abi-profile: ", b"# backend: model:",
    b"# backend: model:x (software model, not a kernel result)",
    b"Bail out!", b"Bail out! " + b"x" * 300, b"#", b"# ", b"  ", b"\t", b"\x00",
    b"\r", b"\xff\xfe\xfd", b"\xc3\x28", b"\xed\xa0\x80", b"#\x00\x00",
    b"# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0",
    b"1 passed, 0 failed, 0 skipped",
]

HOSTILE_BYTES = [b"\x00", b"\r", b"\n", b"\xff", b"\x80", b"\xc3", b"#", b" ", b"  ", b"\t",
                 b"1", b"0", b"-", b"\"", b"ok ", b"not ok ", b"..", b"\xe2\x80\xa8"]

# Problems that concern a whole input, so carry no line number.
LINELESS = [
    re.compile(r"lines with bytes that are not UTF-8 in all"),
    re.compile(r": empty input$"),
    re.compile(r"\d+ more warnings$"),
    re.compile(r"input warning\(s\) and --strict$"),
    re.compile(r"result\(s\) of the software model or the SEV-ES test harness left out "
               r"\(not results about the kernel build\)$"),
]

RESULT_RE = re.compile(rb"^( *)(not )?ok (\d+)( |$)")
COUNT_RE = re.compile(r"^[A-Za-z-]+: \d+ passed, \d+ failed")


class Crash(Exception):
    pass


def load_seeds(reporter_dir):
    paths = sorted(glob.glob(os.path.join(TOP, "tests/report/data/*/ktap.txt")) +
                   glob.glob(os.path.join(TOP, "tests/report/data/*/logs/*.log")) +
                   glob.glob(os.path.join(HERE, "corpus/ktap/*")))
    seeds = []
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        if data:
            seeds.append((os.path.relpath(p, TOP), data))
    return seeds


def mutate(rng, data, seeds):
    lines = data.split(b"\n")
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        op = rng.randrange(12)
        i = rng.randrange(len(lines)) if lines else 0
        if op == 0 and lines:
            del lines[i:i + rng.choice((1, 1, 2, 10))]
        elif op == 1 and lines:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2 and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3 and lines:
            lines[i] = (b"  " + lines[i]) if rng.random() < 0.5 else lines[i][2:]
        elif op == 4:
            lines.insert(i, rng.choice(HOSTILE_LINES))
        elif op == 5 and lines and lines[i]:
            line = bytearray(lines[i])
            for _ in range(rng.choice((1, 2, 4))):
                line[rng.randrange(len(line))] = rng.randrange(256)
            lines[i] = bytes(line)
        elif op == 6 and lines:
            line = lines[i]
            k = rng.randrange(len(line) + 1)
            lines[i] = line[:k] + rng.choice(HOSTILE_BYTES) + line[k:]
        elif op == 7 and lines:
            lines[i] = re.sub(rb"\d+", lambda m: rng.choice(
                (b"0", b"-1", b"4294967297", b"9" * 40, m.group(0) + b"0")), lines[i], count=1)
        elif op == 8:
            other = rng.choice(seeds)[1].split(b"\n")
            j = rng.randrange(len(other))
            lines[i:i] = other[j:j + rng.randrange(1, 40)]
        elif op == 9:
            depth = rng.choice((1, 3, 9, 30))
            lines = [b"  " * depth + line for line in lines]
            lines.insert(0, b"KTAP version 1")
        elif op == 10 and lines:
            lines[i] = lines[i] * rng.choice((2, 50, 2000))
        elif op == 11:
            lines = lines[:i]
    out = b"\n".join(lines)
    if rng.random() < 0.1 and out:
        out = out[:rng.randrange(len(out))]        # cut mid-line
    return out


def count_lines(data):
    if data.endswith(b"\n"):
        data = data[:-1]
    return len(data.split(b"\n")) if data else 0


def run_cli(cli, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.entry(argv)
        except SystemExit as exc:        # argparse: not expected with these arguments
            rc = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:     # a traceback would reach the user
            raise Crash(f"{' '.join(argv)}: uncaught {type(exc).__name__}: {exc}") from None
    return rc, out.getvalue(), err.getvalue()


def check_output(path, nlines, rc, err, argv):
    """Exit status, no internal error, every problem with its line number."""
    if rc not in (0, 1, 2):
        raise Crash(f"{' '.join(argv)}: exit status {rc}: {err.strip()[:300]}")
    if "Traceback" in err or "internal error" in err:
        raise Crash(f"{' '.join(argv)}: {err.strip()[:300]}")
    problems = 0
    for line in err.splitlines():
        if not line.startswith("kvm-sysevent-report: "):
            raise Crash(f"stderr line not from the reporter: {line[:200]!r}")
        problems += 1
        if any(r.search(line) for r in LINELESS):
            continue
        m = re.search(re.escape(path) + r":(\d+): ", line)
        if not m:
            raise Crash(f"a problem without its line number: {line[:200]!r}")
        n = int(m.group(1))
        if not 1 <= n <= max(nlines, 1):
            raise Crash(f"line {n} of a {nlines}-line input: {line[:200]!r}")
    return problems


def one_input(cli, rng, data, tmpdir, extra):
    path = os.path.join(tmpdir, "in.ktap")
    with open(path, "wb") as f:
        f.write(data)
    nlines = count_lines(data)
    argv = ["summary", "--strict", path]
    rc, _, err = run_cli(cli, argv)
    problems = check_output(path, nlines, rc, err, argv)
    if problems and rc != 2:
        raise Crash(f"{problems} problem(s) reported under --strict, but exit status {rc}")
    if extra:
        cmd = rng.choice(("junit", "kcidb", "html", "compare"))
        argv = {"junit": ["junit", path, "-o", os.path.join(tmpdir, "j.xml")],
                "kcidb": ["kcidb", "--origin", "fuzz", path, "-o", os.path.join(tmpdir, "k.json")],
                "html": ["html", path, "-o", os.path.join(tmpdir, "r.html")],
                "compare": ["compare", path, path]}[cmd]
        rc2, _, err2 = run_cli(cli, argv)
        check_output(path, nlines, rc2, err2, argv)
    return rc == 2


def targeted(rng, data):
    """Make one line of a clean stream malformed: (input, its 1-based line number, what)."""
    lines = data.split(b"\n")
    results = [i for i, line in enumerate(lines) if RESULT_RE.match(line)]
    # A diagnostic is a result's when it comes right before it, at its level:
    # before a binary's own result line it would fall into the binary's stream.
    leaves = [i for i in results if i and RESULT_RE.match(lines[i]).group(1) == b"  " and
              lines[i - 1].startswith(b"  ") and not lines[i - 1].startswith(b"   ")]
    kind = rng.randrange(4)
    if kind < 2:
        results = leaves
    if not results:
        return None
    i = rng.choice(results)
    indent = RESULT_RE.match(lines[i]).group(1)
    if kind == 0:
        lines.insert(i, indent + b"# deviation: field=system_event.type " +
                     rng.choice((b"", b"expected=", b"actual=0x6 expected=0x6")))
        return b"\n".join(lines), i + 1, "deviation"
    if kind == 1:
        lines.insert(i, indent + b"# sweep: mode=long set=" +
                     rng.choice((b"16 pass=256 fail=0 failed_codes=",
                                 b"0 pass=0 fail=1 failed_codes=0x100",
                                 b"0 pass=x fail=0 failed_codes=")))
        return b"\n".join(lines), i + 1, "sweep"
    if kind == 2:
        m = RESULT_RE.match(lines[i])
        wrong = int(m.group(3)) + rng.choice((1, 7, 1000))
        lines[i] = lines[i][:m.start(3)] + str(wrong).encode() + lines[i][m.end(3):]
        return b"\n".join(lines), i + 1, "number"
    # A second version line right after a result line of the same level.
    lines.insert(i + 1, indent + b"KTAP version 1")
    return b"\n".join(lines), i + 2, "version"


def check_targeted(cli, ktap, tmpdir, data, lineno, what):
    path = os.path.join(tmpdir, "t.ktap")
    with open(path, "wb") as f:
        f.write(data)
    # All warnings, through the reader's API (the CLI shows the first 20).
    try:
        _, problems = ktap.parse_stream(data, path)
        numbers = [n for n, _, _ in problems.warnings]
    except ktap.MalformedInput as exc:
        numbers = [exc.lineno]
    if lineno not in numbers:
        raise Crash(f"targeted {what}: line {lineno} made malformed, reported: {numbers[:10]}")
    argv = ["summary", "--strict", path]
    rc, _, err = run_cli(cli, argv)
    check_output(path, count_lines(data), rc, err, argv)
    if rc != 2 or f"{path}:{lineno}:" not in err:
        raise Crash(f"targeted {what}: line {lineno}: exit {rc}, stderr {err.strip()[:300]!r}")


class OneLineParser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit status 2, not a usage dump."""

    def error(self, message):
        self.exit(2, f"ktap_fuzz.py: {message} (see --help)\n")


def main():
    ap = OneLineParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2000, help="mutated inputs (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--save", help="directory for a crashing input (default: tmp)")
    ap.add_argument("--reporter-dir", default=os.path.join(TOP, "report"),
                    help="where the sysevent_report package is")
    args = ap.parse_args()
    if args.runs < 0:
        ap.error("--runs must be >= 0")
    sys.path.insert(0, args.reporter_dir)
    from sysevent_report import cli, ktap    # noqa: E402 (the reporter under test)

    seeds = load_seeds(args.reporter_dir)
    if not seeds:
        print("ktap-fuzz: no seed streams found", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    passed = failed = malformed = 0
    t0 = time.monotonic()
    crash = None
    with tempfile.TemporaryDirectory(prefix="kse-ktap-fuzz.") as tmpdir:
        # The seeds themselves must read cleanly (they are real outputs).
        for name, data in seeds:
            path = os.path.join(tmpdir, "in.ktap")
            with open(path, "wb") as f:
                f.write(data)
            rc, _, err = run_cli(cli, ["summary", "--strict", path])
            if rc not in (0, 1):
                print(f"ktap-fuzz: seed {name} does not read cleanly: exit {rc}: {err.strip()[:300]}")
                failed += 1
        for n in range(args.runs):
            name, base = rng.choice(seeds)
            is_targeted = rng.random() < 0.25
            try:
                if is_targeted:
                    t = targeted(rng, base)
                    if t is None:
                        continue
                    data = t[0]
                    check_targeted(cli, ktap, tmpdir, *t)
                    malformed += 1
                else:
                    data = mutate(rng, base, seeds)
                    malformed += one_input(cli, rng, data, tmpdir, extra=rng.random() < 0.1)
                passed += 1
            except Crash as exc:
                failed += 1
                save = args.save or tmpdir
                os.makedirs(save, exist_ok=True)
                crash = os.path.join(save, f"ktap-crash-{args.seed}-{n}.ktap")
                with open(crash, "wb") as f:
                    f.write(data)
                print(f"ktap-fuzz: crash on a mutation of {name}: {exc}")
                print(f"ktap-fuzz: input kept in {crash}" if args.save else
                      "ktap-fuzz: rerun with --save DIR to keep the input")
                break
    secs = time.monotonic() - t0
    execs = passed + failed
    print(f"ktap-fuzz: {passed} passed, {failed} failed")
    print(f"ktap-fuzz: {execs} executions in {secs:.1f} s ({execs / max(secs, 1e-9):.0f}/s), "
          f"{malformed} inputs reported malformed, {1 if crash else 0} crashes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
