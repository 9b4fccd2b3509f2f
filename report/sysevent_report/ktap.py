# SPDX-License-Identifier: GPL-2.0
"""KTAP v1 parsing: tappy reads every line, this module does the rest.

Every line of every level, once its indentation or kselftest's `# ` prefix
is stripped, goes to tappy's `Parser.parse_line()` (Debian python3-tap),
which says what it is (result, plan, diagnostic, bail-out, version) and
splits a result into ok, number, description and directive text. Kept here,
because tappy cannot do them: the `KTAP version` line (tappy knows only
`TAP version 13+` and raises below 13), finding nested levels (indented and
`# `-prefixed subtests), the directive keyword (tappy knows only SKIP and
TODO, and takes any word beginning with "skip" for SKIP), a line tappy
would misread (`okay` is no result, `1x5` no plan), and undecodable bytes.
The result is a tree of Level (one KTAP document) and Result (one result
line, possibly with a child Level).
"""

import re
from dataclasses import dataclass, field

from tap.parser import Parser

VERSION_RE = re.compile(r"^(KTAP|TAP) version (\d+)\s*$")
RESULT_RE = re.compile(r"^(not )?ok(?=\s|$)")
PLAN_RE = re.compile(r"^1\.\.(\d+)(\s|$)")
# Directive keywords: exact words; SKIP and TODO also in lower case, kselftest
# prints `error` in lower case.
DIRECTIVE_RE = re.compile(
    r"^(?P<kw>SKIP|skip|Skip|XFAIL|XPASS|TIMEOUT|ERROR|error|CRASH|TODO|todo)(?=\s|$)"
    r"\s*(?P<rest>.*)$")
SELFTESTS_PREFIX_RE = re.compile(r"^selftests:\s*[^:\s]+:\s*")

KNOWN_VERSIONS = {("KTAP", 1), ("KTAP", 2), ("TAP", 13), ("TAP", 14)}
MAX_DEPTH = 8

# Statuses of a result, and how they count.
PASSED = ("pass", "xfail")
FAILED = ("fail", "xpass", "timeout", "error", "crash", "missing")
SKIPPED = ("skip",)


class MalformedInput(Exception):
    """Input that cannot be reported on; carries the source and line number."""

    def __init__(self, source, lineno, message):
        super().__init__(message)
        self.source = source
        self.lineno = lineno
        self.message = message

    def __str__(self):
        where = self.source if self.lineno is None else f"{self.source}:{self.lineno}"
        return f"{where}: {self.message}"


class Problems:
    """Warnings collected while reading one input."""

    def __init__(self, source):
        self.source = source
        self.warnings = []

    def warn(self, lineno, message, source=None):
        self.warnings.append((lineno, message, source))

    def error(self, lineno, message):
        raise MalformedInput(self.source, lineno, message)

    def format(self):
        for lineno, message, source in self.warnings:
            source = source or self.source
            where = source if lineno is None else f"{source}:{lineno}"
            yield f"{where}: warning: {message}"


@dataclass
class Deviation:
    field: str
    expected: str
    actual: str
    diagnosis: str = ""
    raw: str = ""
    lineno: int = 0


@dataclass
class Sweep:
    mode: str
    set: int
    passed: int
    failed: int
    failed_codes: frozenset
    raw: str = ""
    lineno: int = 0
    not_run_codes: frozenset = frozenset()


@dataclass
class Result:
    ok: bool
    number: int
    name: str
    status: str
    reason: str = ""
    directive: str = ""
    lineno: int = 0
    diagnostics: list = field(default_factory=list)
    deviations: list = field(default_factory=list)
    sweeps: list = field(default_factory=list)
    children: "Level" = None


@dataclass
class Level:
    version: str = ""
    version_lineno: int = 0
    plan: int = None
    plan_lineno: int = 0
    plan_skip: str = None
    header: dict = field(default_factory=dict)
    results: list = field(default_factory=list)
    trailer: list = field(default_factory=list)
    bail: str = None
    bail_lineno: int = 0
    preamble: int = 0
    last_lineno: int = 0
    orphan_lineno: int = 0

    @property
    def missing(self):
        if self.plan is None or self.plan_skip is not None:
            return 0
        return max(0, self.plan - len(self.results))


DEVIATION_RE = re.compile(
    r'^deviation:\s+field=(?P<field>\S+)\s+expected=(?P<expected>.*?)\s+actual=(?P<actual>.*?)'
    r'(?:\s+diagnosis="(?P<diagnosis>[^"]*)")?\s*$')
SWEEP_RE = re.compile(
    r"^sweep:\s+mode=(?P<mode>[A-Za-z0-9_-]+)\s+set=(?P<set>\d+)\s+pass=(?P<passed>\d+)\s+"
    r"fail=(?P<failed>\d+)\s+failed_codes=(?P<codes>\S*)(?:\s+not_run=(?P<not_run>\S+))?\s*$")
CODE_RE = re.compile(r"^0x([0-9a-fA-F]{1,2})(?:-0x([0-9a-fA-F]{1,2}))?$")
SWEEP_SETS = 16
SWEEP_CODES = 256


def parse_codes(text):
    """`0x00-0x0f,0x42` -> frozenset of ints; ValueError when malformed."""
    codes = set()
    if not text:
        return frozenset()
    for part in text.split(","):
        m = CODE_RE.match(part)
        if not m:
            raise ValueError(f"bad reason code '{part}'")
        lo = int(m.group(1), 16)
        hi = int(m.group(2), 16) if m.group(2) else lo
        if hi < lo:
            raise ValueError(f"bad reason code range '{part}'")
        codes.update(range(lo, hi + 1))
    return frozenset(codes)


def decode_lines(data, problems):
    """Bytes -> list of (lineno, text). Undecodable bytes and NULs are replaced."""
    lines = []
    bad = 0
    if data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        return lines
    for lineno, raw in enumerate(data.split(b"\n"), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            bad += 1
            if bad <= 3:
                problems.warn(lineno, "bytes that are not UTF-8 (replaced)")
        if "\r" in text:
            text = text.rstrip("\r").replace("\r", " ")
        if "\0" in text:
            text = text.replace("\0", "\ufffd")
        lines.append((lineno, text))
    if bad > 3:
        problems.warn(None, f"{bad} lines with bytes that are not UTF-8 in all (replaced)")
    return lines


def strip_hash(text):
    """Remove one kselftest prefix (`# `, or a bare `#`)."""
    if text.startswith("# "):
        return text[2:]
    return text[1:]


def classify_directive(ok, text):
    """Directive text after `#` -> (status, reason)."""
    m = DIRECTIVE_RE.match(text)
    if not m:
        return ("pass" if ok else "fail"), ""
    kw = m.group("kw").upper()
    rest = m.group("rest").strip()
    if kw == "SKIP":
        return "skip", rest
    if kw == "XFAIL":
        return "xfail", rest
    if kw == "XPASS":
        return "xpass", rest
    if kw == "TODO":
        return ("xpass" if ok else "xfail"), rest
    if ok:
        # TIMEOUT, ERROR and CRASH only mean something on `not ok`.
        return "pass", rest
    return {"TIMEOUT": "timeout", "ERROR": "error", "CRASH": "crash"}[kw], rest


class _LevelParser:
    def __init__(self, problems, tappy):
        self.problems = problems
        self.tappy = tappy

    def classify(self, text):
        """(category, tappy line or None) for one line of one level.

        tappy's category, except: a `KTAP version` line (and a `TAP version`
        tappy refuses) is "version"; a line tappy takes for a result or a
        plan that is none (`okay`, `1x5`) is "unknown"; a plan line tappy
        refuses for its trailing text is still "plan" (the caller warns).
        """
        try:
            line = self.tappy.parse_line(text)
        except ValueError:          # `TAP version N`, N < 13
            line = None
        if VERSION_RE.match(text):
            return "version", line
        if line is None:
            return "unknown", None
        category = line.category
        if category == "test" and not RESULT_RE.match(text):
            category = "unknown"
        elif category == "plan" and not PLAN_RE.match(text):
            category = "unknown"
        elif category != "plan" and PLAN_RE.match(text):
            category = "plan"
        return category, line

    def parse(self, lines, depth):
        lvl = Level()
        n = len(lines)
        i = 0
        while i < n and not VERSION_RE.match(lines[i][1]):
            i += 1
        if i == n:
            return None
        lvl.preamble = i
        lineno, text = lines[i]
        m = VERSION_RE.match(text)
        lvl.version = f"{m.group(1)} version {m.group(2)}"
        lvl.version_lineno = lineno
        if (m.group(1), int(m.group(2))) not in KNOWN_VERSIONS:
            self.problems.warn(lineno, f"unknown version line '{text.strip()}', read as KTAP 1")
        lvl.last_lineno = lines[-1][0]
        i += 1

        pending = []        # diagnostics since the last result
        child = None        # (lineno, lines) of a subtest block waiting for its result
        seen_results = False
        closed = False      # a plan after the results ends the level
        while i < n:
            lineno, text = lines[i]
            # An indented subtest: everything up to the next result line of this level.
            if text.startswith("  ") and VERSION_RE.match(text[2:]):
                j = i
                block = []
                while j < n and self.classify(lines[j][1])[0] != "test":
                    t = lines[j][1]
                    block.append((lines[j][0], t[2:] if t.startswith("  ") else t))
                    j += 1
                child = self._set_child(child, (lineno, block))
                i = j
                continue
            # A kselftest-style subtest: `# `-prefixed lines holding a version line.
            if text.startswith("#") and VERSION_RE.match(strip_hash(text)):
                j = i
                block = []
                while j < n and lines[j][1].startswith("#"):
                    block.append((lines[j][0], strip_hash(lines[j][1])))
                    j += 1
                child = self._set_child(child, (lineno, block))
                i = j
                continue
            i += 1
            category, line = self.classify(text)
            if category == "version":
                self.problems.error(lineno, "a second version line at the same level "
                                    "(concatenated streams?)")
            if category == "test":
                if closed:
                    self.problems.error(lineno, "a result after the closing plan line")
                res = self._result(line, text, lineno, pending, child, depth, lvl)
                pending, child = [], None
                lvl.results.append(res)
                seen_results = True
                continue
            if category == "plan":
                self._plan(line, text, lineno, lvl, seen_results)
                closed = seen_results
                continue
            if category == "bail":
                if lvl.bail is None:
                    lvl.bail = line.reason.strip()
                    lvl.bail_lineno = lineno
                pending.append((lineno, text))
                continue
            if category == "diagnostic":
                diag = strip_hash(text)
                if not seen_results:
                    self._header(diag, lvl)
                pending.append((lineno, diag))
                continue
            # KTAP allows unknown lines anywhere; keep them with the diagnostics.
            pending.append((lineno, text))
        lvl.trailer = pending
        if child is not None:
            lvl.orphan_lineno = child[0]
            self.problems.warn(child[0], "subtest output with no result line after it "
                               "(stream truncated?)")
        return lvl

    def _set_child(self, child, new):
        if child is not None:
            self.problems.warn(child[0], "subtest output with no result line after it")
        return new

    def _plan(self, line, text, lineno, lvl, seen_results):
        if lvl.plan is not None:
            self.problems.error(lineno, "a second plan line at the same level")
        count = int(PLAN_RE.match(text).group(1))
        lvl.plan = count
        lvl.plan_lineno = lineno
        if line is not None and line.category == "plan" and line.skip:
            lvl.plan_skip = (line.directive.reason or "").strip()
            if count != 0:
                self.problems.warn(lineno, f"a skip plan with {count} tests")
        elif line is None or line.category != "plan":
            self.problems.warn(lineno, f"unexpected text after the plan: '{text}'")
        if seen_results and lvl.results and count < len(lvl.results):
            self.problems.error(lineno, f"plan 1..{count} but {len(lvl.results)} results before it")

    @staticmethod
    def _header(diag, lvl):
        if diag.startswith("kvm-sysevent: "):
            lvl.header.setdefault("binary", diag[len("kvm-sysevent: "):].strip())
        elif diag.startswith("kvm-sysevent "):
            m = re.match(r"^kvm-sysevent (\S+) on (\S+)", diag)
            if m:
                lvl.header.setdefault("suite_revision", m.group(1))
                lvl.header.setdefault("kernel_release", m.group(2))
        elif diag.startswith("abi-profile: "):
            lvl.header.setdefault("abi_profile", diag[len("abi-profile: "):].strip())
        elif diag.startswith("backend: "):
            lvl.header.setdefault("backend", diag[len("backend: "):].strip())
        elif diag.startswith("timeout: "):
            # run_tests.sh: "timeout: <binary> <T>s (... N sweep launches x Mms, <mode> sweep)"
            m = re.search(r", (loop|per-vm) sweep\)$", diag)
            if m:
                lvl.header.setdefault("sweep", m.group(1))

    def _result(self, line, text, lineno, pending, child, depth, lvl):
        number = None
        if line.number not in (None, ""):
            number = int(line.number)
        expected = len(lvl.results) + 1
        if number is None:
            self.problems.warn(lineno, "a result line without a test number")
            number = expected
        elif number != expected:
            self.problems.warn(lineno, f"test number {number}, expected {expected}")
        name = line.description
        if name.startswith("- "):
            name = name[2:].strip()
        directive = (line.directive.text or "").strip()
        status, reason = classify_directive(line.ok, directive)
        res = Result(ok=line.ok, number=number, name=name, status=status, reason=reason,
                     directive=directive, lineno=lineno)
        for dlineno, diag in pending:
            res.diagnostics.append(diag)
            if diag.startswith("deviation:"):
                res.deviations.append(self._deviation(diag, dlineno))
            elif diag.startswith("sweep:"):
                sweep = self._sweep(diag, dlineno)
                if sweep:
                    res.sweeps.append(sweep)
        if child is not None:
            clineno, block = child
            if depth + 1 >= MAX_DEPTH:
                self.problems.warn(clineno, "subtests nested too deep; not read")
            else:
                res.children = self.parse(block, depth + 1)
        return res

    def _deviation(self, diag, lineno):
        m = DEVIATION_RE.match(diag)
        if not m:
            self.problems.warn(lineno, "a deviation line not in the documented form")
            return Deviation(field="?", expected="?", actual="?", raw=diag, lineno=lineno)
        return Deviation(field=m.group("field"), expected=m.group("expected"),
                         actual=m.group("actual"), diagnosis=m.group("diagnosis") or "",
                         raw=diag, lineno=lineno)

    def _sweep(self, diag, lineno):
        m = SWEEP_RE.match(diag)
        if not m:
            self.problems.warn(lineno, "a sweep line not in the documented form")
            return None
        try:
            codes = parse_codes(m.group("codes"))
            not_run = parse_codes(m.group("not_run") or "")
        except ValueError as exc:
            self.problems.warn(lineno, f"sweep line: {exc}")
            return None
        sweep = Sweep(mode=m.group("mode"), set=int(m.group("set")),
                      passed=int(m.group("passed")), failed=int(m.group("failed")),
                      failed_codes=codes, raw=diag, lineno=lineno, not_run_codes=not_run)
        if not 0 <= sweep.set < SWEEP_SETS:
            self.problems.warn(lineno, f"sweep set {sweep.set} is outside 0..{SWEEP_SETS - 1}")
            return None
        if max(codes | not_run, default=0) >= SWEEP_CODES:
            self.problems.warn(lineno, "sweep reason code above 0xff")
            return None
        if len(codes) != sweep.failed:
            self.problems.warn(lineno, f"sweep fail={sweep.failed} but {len(codes)} failed "
                               "codes listed")
        if codes & not_run:
            self.problems.warn(lineno, "sweep codes listed both as failed and as not run")
        if sweep.passed + sweep.failed + len(not_run) != SWEEP_CODES:
            self.problems.warn(lineno, f"sweep pass+fail+not_run="
                               f"{sweep.passed + sweep.failed + len(not_run)}, "
                               f"not {SWEEP_CODES}")
        return sweep


def parse_stream(data, source, problems=None):
    """Parse KTAP bytes. Returns (Level, Problems); raises MalformedInput."""
    if problems is None:
        problems = Problems(source)
    lines = decode_lines(data, problems)
    if not lines:
        problems.error(None, "empty input")
    lvl = _LevelParser(problems, Parser()).parse(lines, 0)
    if lvl is None:
        problems.error(1, "no 'KTAP version 1' (or 'TAP version 13') line")
    if not lvl.results and lvl.plan_skip is None:
        if lvl.plan:
            problems.error(lvl.last_lineno, f"the stream ends after 0 of {lvl.plan} planned "
                           "results (truncated?)")
        problems.error(lvl.plan_lineno or lvl.version_lineno, "no test results")
    return lvl, problems
