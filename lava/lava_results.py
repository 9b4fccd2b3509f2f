#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What a LAVA job recorded, and whether it is what the guest printed, case by case.

usage: lava_results.py extract LOG DIR
           Read lava-run's log (one YAML mapping a line): write DIR/results.txt,
           one `DEFINITION CASE RESULT` line per LAVA result, and for each
           test definition that printed its stream between the markers
           `KVM-SYSEVENT-OUTPUT-BEGIN NAME` and `KVM-SYSEVENT-OUTPUT-END NAME`
           (NAME: the run's TESTRUN_ID, `<index>_<definition name>`)
           on the serial console, DIR/NAME.ktap: that stream as the guest
           printed it (kernel messages and the shell's `+ ` trace lines in
           between left out).
       lava_results.py compare KTAP CASES [--label L]
           Compare LAVA's results of one definition (CASES: `CASE RESULT`
           lines) with the stream KTAP (run_tests.sh's KTAP, or
           run_kselftest.sh's output), read by the reporter's own KTAP
           reader, not by lava/ktap-to-lava.sh: the same case names, each
           with the same verdict (pass, fail or skip), nothing missing,
           nothing more. A case is a result with no results under it; a
           binary that failed with no failing case of its own is a failing
           case named after the binary, as ktap-to-lava.sh says. Prints one
           `ok - ` or `not ok - ` line.

Exit status: 0 (compare: they match), 1 they differ, 2 bad usage or
unreadable input.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "report"))

MARK_RE = re.compile(r"^KVM-SYSEVENT-OUTPUT-(BEGIN|END) ([A-Za-z0-9_.-]+)$")
# A kernel message on the console, between the stream's lines.
PRINTK_RE = re.compile(r"^\[\s*\d+\.\d+\] ")
NAME_BAD_RE = re.compile(r"[^A-Za-z0-9_.-]")


class Bad(Exception):
    pass


def log_entries(path):
    import yaml
    try:
        f = open(path, errors="replace")
    except OSError as e:
        raise Bad(f"{path}: {e.strerror}") from None
    with f:
        for line in f:
            # One entry a line: `{...}`, or `- {...}` in a YAML log file.
            line = line[2:] if line.startswith("- {") else line
            if not line.startswith("{"):
                continue
            try:
                entry = yaml.safe_load(line)
            except yaml.YAMLError:
                continue
            if isinstance(entry, dict):
                yield entry


def extract(log, out):
    rows, streams, open_name = [], {}, None
    for entry in log_entries(log):
        msg = entry.get("msg")
        if entry.get("lvl") == "results" and isinstance(msg, dict):
            rows.append(f"{msg.get('definition')} {msg.get('case')} {msg.get('result')}")
        elif entry.get("lvl") == "target" and isinstance(msg, str):
            text = msg.rstrip("\r")
            m = MARK_RE.match(text)
            if m:
                open_name = m.group(2) if m.group(1) == "BEGIN" else None
                if open_name:
                    streams[open_name] = []
            elif open_name is not None and not PRINTK_RE.match(text) \
                    and not text.startswith("+ "):
                streams[open_name].append(text)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.txt"), "w") as f:
        f.writelines(r + "\n" for r in rows)
    for name, lines in streams.items():
        with open(os.path.join(out, name + ".ktap"), "w") as f:
            f.writelines(line + "\n" for line in lines)
    print(f"# {len(rows)} LAVA results; guest streams: {' '.join(sorted(streams)) or 'none'}")


def verdict(status):
    from sysevent_report.resultset import bucket
    return {"passed": "pass", "skipped": "skip"}.get(bucket(status), "fail")


def expected_cases(path):
    """[(case, verdict)] for the stream at path, as LAVA should record it."""
    from sysevent_report.ktap import MalformedInput
    from sysevent_report.resultset import load_stream
    try:
        with open(path, "rb") as f:
            run = load_stream(f.read(), path)
    except OSError as e:
        raise Bad(f"{path}: {e.strerror}") from None
    except MalformedInput as e:
        raise Bad(str(e)) from None
    out = []
    for b in run.binaries:
        if not b.cases:
            out.append((b.name, verdict(b.status)))
            continue
        out += [(c.name, verdict(c.status)) for c in b.cases]
        if b.failed and not any(c.failed for c in b.cases):
            out.append((b.name, "fail"))
    seen, named = {}, []
    for name, v in out:
        name = NAME_BAD_RE.sub("_", name) or "unnamed"
        seen[name] = seen.get(name, 0) + 1
        named.append((name + (f"_dup{seen[name]}" if seen[name] > 1 else ""), v))
    return named


def read_cases(path):
    try:
        with open(path, errors="replace") as f:
            rows = [line.split() for line in f if line.strip()]
    except OSError as e:
        raise Bad(f"{path}: {e.strerror}") from None
    for n, r in enumerate(rows, 1):
        if len(r) != 2 or r[1] not in ("pass", "fail", "skip"):
            raise Bad(f"{path}: result {n} is not a `CASE pass|fail|skip` line")
    return rows


def compare(ktap, cases, label):
    want = expected_cases(ktap)
    got = read_cases(cases)
    if not want:
        print(f"not ok - {label}: the guest's stream holds no result")
        return 1
    wmap, gmap = dict(want), {}
    diffs = []
    for name, v in got:
        if name in gmap:
            diffs.append(f"{name}: recorded twice by LAVA")
        gmap[name] = v
    for name, v in want:
        if name not in gmap:
            diffs.append(f"{name}: KTAP {v}, not in LAVA")
        elif gmap[name] != v:
            diffs.append(f"{name}: LAVA {gmap[name]}, KTAP {v}")
    diffs += [f"{name}: LAVA {v}, not in the KTAP" for name, v in got if name not in wmap]
    counts = {r: sum(1 for _, v in want if v == r) for r in ("pass", "fail", "skip")}
    what = (f"{len(want)} cases ({counts['pass']} pass, {counts['fail']} fail, "
            f"{counts['skip']} skip)")
    if diffs:
        print(f"not ok - {label}: LAVA's cases are not the guest's: {len(diffs)} "
              f"difference(s) over {what}; {'; '.join(diffs[:3])}")
        return 1
    print(f"ok - {label}: LAVA's cases are the guest's, case by case: {what}")
    return 0


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "extract":
            extract(argv[2], argv[3])
            return 0
        if len(argv) in (4, 6) and argv[1] == "compare":
            label = "LAVA"
            if len(argv) == 6:
                if argv[4] != "--label":
                    raise Bad(f"unknown option '{argv[4]}'")
                label = argv[5]
            return compare(argv[2], argv[3], label)
        if len(argv) == 2 and argv[1] in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        raise Bad("give extract LOG DIR, or compare KTAP CASES [--label L] (see --help)")
    except Bad as e:
        print(f"lava_results.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
