#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read run_kselftest.sh output the way LKFT does, and check it per case.

LKFT turns kselftest output into results with a small tappy-based parser
(Linaro test-definitions, automated/linux/kselftest/parse-output.py). This
is our own implementation of the same reading, for `make check` (that
parser is not part of this project and is not copied here):

- every line goes to tappy's Parser.parse_line(); a result line closes the
  diagnostics (`#` lines) gathered since the previous result, and those,
  each with its first `#` and surrounding blanks removed, are read the same
  way as that result's subtests, at any depth;
- a result's name is its description without a leading `selftests:`, with
  a skip's reason appended, reduced to [A-Za-z0-9_-] (`[N]` dropped, other
  runs of characters become `_`, no `_` at either end, `_-` becomes `__`);
  a subtest's name is its parent's name, `_`, its own; repeats get `_dupN`;
- each result is pass, fail or skip (ok with a SKIP directive).

usage: lkft_results.py OUTPUT                 print `<name> <result>` lines
       lkft_results.py --check SUITE OUTPUT   compare with run_tests.sh's
                                              result set SUITE, per case
Exit status: 0 ok, 1 a check failed, 2 bad usage or unreadable input.
"""

import os
import re
import sys

from tap.parser import Parser

TAPPY = Parser()
COLLECTION = "kvm-sysevent"


def slug(text):
    text = re.sub(r"\[\d{1,5}\]", "", text)
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", text)
    text = re.sub(r"(^_|_$)", "", text)
    return re.sub(r"_-", "__", text)


def result_name(description, directive, ok, skip):
    if description.startswith("selftests:"):
        description = description[len("selftests:"):]
    extra = directive[4:] if ok and skip and directive.lower().startswith("skip") else ""
    return slug(f"{description} {extra}".strip() or "<unknown>")


def classify(text):
    try:
        return TAPPY.parse_line(text)
    except ValueError:      # tappy refuses `TAP version N` below 13
        return None


def uncomment(text):
    return text[1:].strip() if text.startswith("#") else text


def parse_level(lines):
    """[(name, result, children)] for one level of (uncommented) lines."""
    results, captured = [], []
    for text in lines:
        line = classify(text)
        if line is None:
            continue
        if line.category == "test":
            result = ("skip" if line.skip else "pass") if line.ok else "fail"
            name = result_name(line.description, line.directive.text, line.ok, line.skip)
            results.append((name, result, parse_level(captured)))
            captured = []
        elif line.category == "diagnostic":
            captured.append(uncomment(text))
    return results


def flatten(results, prefix=""):
    """[(full name, result, depth of children below)] leaves first, as LKFT lists them."""
    out = []
    for name, result, children in results:
        full = prefix + name
        out += flatten(children, full + "_")
        out.append((full, result, bool(children)))
    return out


def unique(flat):
    seen, out = {}, []
    for name, result, parent in flat:
        seen[name] = seen.get(name, 0) + 1
        out.append((name + (f"_dup{seen[name]}" if seen[name] > 1 else ""), result, parent))
    return out


def read(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    return unique(flatten(parse_level(text.splitlines())))


class BadInput(Exception):
    pass


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, what, good, detail=""):
        if good:
            self.passed += 1
            print(f"ok - {what}")
        else:
            self.failed += 1
            print(f"not ok - {what}" + (f": {detail}" if detail else ""))


def expected_from_suite(suite):
    """LKFT name -> (result, case) for every case in run_tests.sh's result set."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.join(top, "report"))
    from sysevent_report.ktap import MalformedInput
    from sysevent_report.resultset import InputError, load_result_set
    try:
        run = load_result_set(suite)
    except (InputError, MalformedInput) as e:
        raise BadInput(str(e)) from None
    want, binaries = {}, []
    for b in run.binaries:
        parent = slug(f" {COLLECTION}: {b.name}")
        binaries.append((parent, b))
        for c in b.cases:
            res = {"skip": "skip", "pass": "pass"}.get(c.status, "fail")
            own = slug(f"{c.name} {c.reason}".strip()) if res == "skip" else slug(c.name)
            want[f"{parent}_{own}"] = (res, c)
    return want, binaries


def check(suite, output):
    flat = read(output)
    want, binaries = expected_from_suite(suite)
    leaves = [(n, r) for n, r, parent in flat if not parent]
    parents = {n: r for n, r, parent in flat if parent}
    got = dict(leaves)
    t = Checks()
    counts = {r: sum(1 for _, x in leaves if x == r) for r in ("pass", "fail", "skip")}
    print(f"# LKFT-style reading: {len(flat)} results, {len(leaves)} cases "
          f"({counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip) "
          f"under {len(parents)} binaries")
    t.check(f"{len(leaves)} per-case results, as many as run_tests.sh's {len(want)} cases",
            len(leaves) == len(want) and len(want) > 0)
    dups = [n for n, _, _ in flat if re.search(r"_dup\d+$", n)]
    t.check("every name unique (no _dupN)", not dups, " ".join(dups[:3]))
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    t.check("the same case names as run_tests.sh's result set", not missing and not extra,
            f"missing {missing[:2]}, unexpected {extra[:2]}")
    wrong = [f"{n}: {got[n]}, run_tests.sh {want[n][0]}" for n in sorted(set(got) & set(want))
             if got[n] != want[n][0]]
    t.check("the same result for every case", not wrong, "; ".join(wrong[:3]))
    for parent, b in binaries:
        kids = [r for n, r in leaves if n.startswith(parent + "_")]
        if not kids:
            t.check(f"{parent}: one result per binary with its cases", False, "no cases")
            continue
        exp = ("fail" if "fail" in kids else
               "skip" if all(r == "skip" for r in kids) else "pass")
        t.check(f"{parent}: {parents.get(parent, 'absent')} "
                f"({len(kids)} cases, every one skipped: {exp == 'skip'})",
                parents.get(parent) == exp, f"expected {exp}")
    return t


def main(argv):
    if len(argv) == 2 and argv[1] not in ("-h", "--help", "--check"):
        try:
            for name, result, _ in read(argv[1]):
                print(f"{name} {result}")
        except OSError as e:
            print(f"lkft_results.py: {argv[1]}: {e.strerror}", file=sys.stderr)
            return 2
        return 0
    if len(argv) == 4 and argv[1] == "--check":
        try:
            t = check(argv[2], argv[3])
        except OSError as e:
            print(f"lkft_results.py: {e.filename}: {e.strerror}", file=sys.stderr)
            return 2
        except BadInput as e:
            print(f"lkft_results.py: {e}", file=sys.stderr)
            return 2
        print(f"lkft: {t.passed} passed, {t.failed} failed")
        return 1 if t.failed else 0
    if len(argv) == 2:
        print(__doc__.strip())
        return 0
    print("lkft_results.py: give OUTPUT, or --check SUITE OUTPUT (see --help)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
