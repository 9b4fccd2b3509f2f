# SPDX-License-Identifier: GPL-2.0
"""Result sets (`run_tests.sh -o DIR`), KTAP files and stdin, as Runs.

A Run is what every output format works from: the host inventory, the
binaries with their cases, and the warnings met while reading. The layout of
a result set and its files is docs/output-format.md.
"""

import os
import re
import sys
from dataclasses import dataclass, field

from . import ktap
from .ktap import FAILED, PASSED, SKIPPED, Problems

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
SWEEP_NAME_RE = re.compile(r"^sev_es_sweep\.(?P<mode>[A-Za-z0-9_-]+)\.set_(?P<set>\d+)$")
MODEL_NOTE = "software model, not a kernel result"
HARNESS_NOTE = ("KVM's SEV-ES handler code driven by a plain guest through a test-only "
                "kvm_amd patch, not an SEV-ES hardware result")

# inventory.txt keys in the order the contract lists them, with labels.
INVENTORY_KEYS = [
    ("suite_revision", "suite revision"),
    ("date", "date (UTC)"),
    ("hostname", "hostname"),
    ("kernel_release", "kernel release"),
    ("kernel_version", "kernel version"),
    ("kernel_config", "kernel config"),
    ("cpu_vendor", "CPU vendor"),
    ("cpu_family", "CPU family"),
    ("cpu_model", "CPU model"),
    ("cpu_stepping", "CPU stepping"),
    ("microcode", "microcode"),
    ("cpu_model_name", "CPU model name"),
    ("kvm_modules", "KVM modules"),
    ("kvm_amd_sev", "kvm_amd sev"),
    ("kvm_amd_sev_es", "kvm_amd sev_es"),
    ("kvm_amd_sev_snp", "kvm_amd sev_snp"),
    ("kvm_amd_sev_es_test_harness", "kvm_amd sev_es_test_harness (test only)"),
    ("sev_api_version", "SEV API version"),
    ("abi_profile", "ABI profile"),
    ("backend", "backend"),
    ("nested_qemu", "nested in QEMU"),
    ("kernel_under_test", "kernel under test"),
]


class InputError(Exception):
    """An input that cannot be opened or is not a result set."""


def bucket(status):
    if status in PASSED:
        return "passed"
    if status in SKIPPED:
        return "skipped"
    return "failed"


def is_model(backend):
    return (backend or "").startswith("model")


def is_harness(backend):
    return (backend or "").startswith("harness")


class _Verdict:
    """What a case and a binary share: a status and the backend that produced it."""

    @property
    def model(self):
        return is_model(self.backend)

    @property
    def harness(self):
        return is_harness(self.backend)

    @property
    def failed(self):
        return self.status in FAILED


@dataclass
class Case(_Verdict):
    binary: str
    name: str
    status: str
    reason: str = ""
    directive: str = ""
    lineno: int = 0
    deviations: list = field(default_factory=list)
    sweeps: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    backend: str = ""



@dataclass
class Binary(_Verdict):
    name: str
    status: str
    reason: str = ""
    directive: str = ""
    lineno: int = 0
    abi_profile: str = ""
    backend: str = ""
    cases: list = field(default_factory=list)
    planned: int = None
    missing: int = 0
    bail: str = None
    notes: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    exit: dict = field(default_factory=dict)
    log: str = None


    @property
    def seconds(self):
        try:
            return float(self.exit.get("seconds", ""))
        except ValueError:
            return None

    def counts(self):
        """(passed, failed, skipped) of this binary's leaf results."""
        c = {"passed": 0, "failed": 0, "skipped": 0}
        for case in self.cases:
            c[bucket(case.status)] += 1
        if not self.cases:
            c[bucket(self.status)] += 1
        elif self.failed and not c["failed"]:
            # It failed without a failing result (killed, crashed, plan not met).
            c["failed"] += 1
        return c["passed"], c["failed"], c["skipped"]


@dataclass
class Grid:
    """The exhaustive sweep of one mode: 16 reason-code sets x 256 codes."""
    binary: str
    mode: str
    backend: str
    rows: list          # 16 lists of 256 cells: 'p' pass, 'f' fail, 's' skip, 'n' not run
    notes: list         # per row: short text

    @property
    def model(self):
        return is_model(self.backend)

    @property
    def harness(self):
        return is_harness(self.backend)

    def totals(self):
        t = {"p": 0, "f": 0, "s": 0, "n": 0}
        for row in self.rows:
            for cell in row:
                t[cell] += 1
        return t


@dataclass
class Run:
    source: str
    kind: str                   # "result-set" or "stream"
    path: str = None
    inventory: dict = field(default_factory=dict)
    header: dict = field(default_factory=dict)
    binaries: list = field(default_factory=list)
    problems: Problems = None
    summary_line: str = None
    ktap_bytes: bytes = b""

    def cases(self):
        for b in self.binaries:
            yield from b.cases

    def counts(self):
        p = f = s = 0
        for b in self.binaries:
            bp, bf, bs = b.counts()
            p, f, s = p + bp, f + bf, s + bs
        return p, f, s

    def count_line(self):
        return "%d passed, %d failed, %d skipped" % self.counts()

    @property
    def failed(self):
        return self.counts()[1] > 0

    def backends(self):
        seen = []
        for b in self.binaries:
            if b.backend and b.backend not in seen:
                seen.append(b.backend)
        return seen or [self.header.get("backend") or self.inventory.get("backend") or "unknown"]

    def abi_profiles(self):
        seen = []
        for b in self.binaries:
            if b.abi_profile and b.abi_profile not in seen:
                seen.append(b.abi_profile)
        return seen or [self.header.get("abi_profile") or self.inventory.get("abi_profile")
                        or "unknown"]

    @property
    def any_model(self):
        return any(b.model for b in self.binaries)

    @property
    def all_model(self):
        return bool(self.binaries) and all(b.model for b in self.binaries)

    @property
    def any_harness(self):
        return any(b.harness for b in self.binaries)

    @property
    def all_harness(self):
        return bool(self.binaries) and all(b.harness for b in self.binaries)

    def info(self, key, default="unknown"):
        """A run fact from the inventory, else from the stream's header."""
        return self.inventory.get(key) or self.header.get(key) or default

    def grids(self):
        return sweep_grids(self)


def _read_kv(path, problems):
    """inventory.txt -> dict; lines that are not key=value give warnings."""
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    sub = Problems(path)
    for lineno, text in ktap.decode_lines(data, sub):
        if not text.strip() or text.startswith("#"):
            continue
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not re.match(r"^[A-Za-z0-9_.-]+$", key):
            sub.warn(lineno, "not a key=value line")
            continue
        if key in out:
            sub.warn(lineno, f"key '{key}' given twice; the first is kept")
            continue
        out[key] = value.strip()
    for lineno, message, _ in sub.warnings:
        problems.warn(lineno, message, source=path)
    return out


STATUS_RE = re.compile(r"^(?P<binary>\S+)((?:\s+[a-z_]+=\S*)*)\s*$")


def _read_status(path, problems):
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    sub = Problems(path)
    for lineno, text in ktap.decode_lines(data, sub):
        if not text.strip():
            continue
        m = STATUS_RE.match(text)
        if not m:
            problems.warn(lineno, "not '<binary> key=value...'", source=path)
            continue
        fields = dict(tok.split("=", 1) for tok in text.split()[1:])
        out[m.group("binary")] = fields
    return out


def _unique(name, seen, problems, lineno, what):
    if name not in seen:
        seen[name] = 1
        return name
    seen[name] += 1
    new = f"{name}_dup{seen[name]}"
    problems.warn(lineno, f"duplicate {what} name '{name}'; reported as '{new}'")
    return new


def _cases(level, binary, backend, problems):
    cases = []
    seen = {}
    bad_names = 0
    for r in level.results:
        name = r.name
        if not name:
            name = f"unnamed_{r.number}"
            problems.warn(r.lineno, f"a result without a name; reported as '{name}'")
        elif not NAME_RE.match(name):
            bad_names += 1
            if bad_names <= 3:
                problems.warn(r.lineno, "test name has characters outside [A-Za-z0-9_.-]")
        name = _unique(name, seen, problems, r.lineno, "test")
        if r.children is not None:
            problems.warn(r.lineno, f"'{name}' has subtests of its own (one level per binary "
                          "is the contract); its own result line is used")
        cases.append(Case(binary=binary, name=name, status=r.status, reason=r.reason,
                          directive=r.directive, lineno=r.lineno, deviations=r.deviations,
                          sweeps=r.sweeps, diagnostics=r.diagnostics, backend=backend))
        if r.status in PASSED and r.deviations:
            problems.warn(r.lineno, f"'{name}' passed but has deviation lines")
    return cases


def _check_level(b, level, problems, parent_lineno):
    """Missing results or a bail-out never leave a binary passing."""
    if level is None:
        return
    b.planned = level.plan
    b.missing = level.missing
    b.bail = level.bail
    if level.bail is not None:
        b.notes.append(f"bailed out: {level.bail}" if level.bail else "bailed out")
    if b.missing:
        b.notes.append(f"{b.missing} of {level.plan} planned results missing")
    if (b.missing or level.bail is not None) and not b.failed:
        problems.warn(parent_lineno or level.last_lineno,
                      f"'{b.name}' is not failed but "
                      + ("bailed out" if level.bail is not None else
                         f"{b.missing} of {level.plan} planned results are missing")
                      + "; counted as failed")
        b.status = "fail"


def _check_exit(b, problems, lineno):
    """Exit 4 (KSFT_SKIP) is the contract for a binary whose every case skipped."""
    if not b.cases:
        return
    code = b.exit.get("exit")
    all_skipped = all(c.status in SKIPPED for c in b.cases)
    if code == "4" and not all_skipped:
        problems.warn(lineno, f"'{b.name}' exited 4 (every case skipped) but not every "
                      "case skipped")
    elif code == "0" and all_skipped:
        problems.warn(lineno, f"'{b.name}' exited 0 but every case skipped (the contract "
                      "is exit 4, KSFT_SKIP)")


def build_run(level, problems, source, kind, inventory=None, status=None, stem=None):
    run = Run(source=source, kind=kind, inventory=inventory or {}, header=dict(level.header),
              problems=problems)
    status = status or {}
    top_backend = level.header.get("backend") or run.inventory.get("backend", "")
    top_profile = level.header.get("abi_profile") or run.inventory.get("abi_profile", "")
    nested = any(r.children is not None for r in level.results)
    combined = (kind == "result-set" or nested
                or ("binary" not in level.header
                    and ("suite_revision" in level.header
                         or any(r.name.startswith("selftests:") for r in level.results))))
    if level.missing and level.bail is None:
        problems.error(level.last_lineno, f"the stream ends after {len(level.results)} of "
                       f"{level.plan} planned results (truncated?)")
    if not combined:
        name = level.header.get("binary") or stem or "stdin"
        b = Binary(name=name, status="pass", lineno=level.version_lineno,
                   abi_profile=top_profile, backend=top_backend)
        b.cases = _cases(level, name, top_backend, problems)
        if level.plan_skip is not None:
            b.status, b.reason = "skip", level.plan_skip
        elif any(c.failed for c in b.cases) or level.bail is not None:
            b.status = "fail"
        _check_level(b, level, problems, None)
        b.diagnostics = [t for _, t in level.trailer]
        run.binaries.append(b)
        return run
    seen = {}
    for r in level.results:
        name = ktap.SELFTESTS_PREFIX_RE.sub("", r.name).strip() or f"binary_{r.number}"
        if " " in name:
            name = name.replace(" ", "_")
        name = _unique(name, seen, problems, r.lineno, "binary")
        child = r.children
        hdr = child.header if child else {}
        backend = hdr.get("backend") or top_backend
        b = Binary(name=name, status=r.status, reason=r.reason, directive=r.directive,
                   lineno=r.lineno, abi_profile=hdr.get("abi_profile") or top_profile,
                   backend=backend, diagnostics=r.diagnostics)
        if child is not None:
            b.cases = _cases(child, name, backend, problems)
            if child.plan_skip is not None and not b.reason:
                b.reason = child.plan_skip
                if b.status == "pass" and not b.cases:
                    b.status = "skip"
            b.diagnostics = b.diagnostics + [t for _, t in child.trailer]
        if b.status in PASSED and any(c.failed for c in b.cases):
            problems.warn(r.lineno, f"'{name}' reports ok but has failing results")
        _check_level(b, child, problems, r.lineno)
        st = status.get(name) or status.get(r.name)
        if st:
            b.exit = st
            _check_exit(b, problems, r.lineno)
        run.binaries.append(b)
    if level.bail is not None:
        run.header["bail"] = level.bail
    return run


def load_stream(data, source, stem=None):
    problems = Problems(source)
    level, problems = ktap.parse_stream(data, source, problems)
    return build_run(level, problems, source, "stream", stem=stem)


def load_result_set(path):
    ktap_path = os.path.join(path, "ktap.txt")
    if not os.path.isfile(ktap_path):
        raise InputError(f"{path}: not a result set (no ktap.txt) and not a KTAP file")
    with open(ktap_path, "rb") as f:
        data = f.read()
    problems = Problems(ktap_path)
    inventory, status = {}, {}
    inv_path = os.path.join(path, "inventory.txt")
    if os.path.isfile(inv_path):
        inventory = _read_kv(inv_path, problems)
    else:
        problems.warn(None, "no inventory.txt in the result set", source=path)
    status_path = os.path.join(path, "status.txt")
    if os.path.isfile(status_path):
        status = _read_status(status_path, problems)
    level, problems = ktap.parse_stream(data, ktap_path, problems)
    run = build_run(level, problems, path, "result-set", inventory=inventory, status=status)
    run.path = path
    run.ktap_bytes = data
    for b in run.binaries:
        log = os.path.join(path, "logs", b.name + ".log")
        if os.path.isfile(log):
            b.log = log
    summary_path = os.path.join(path, "summary.txt")
    if os.path.isfile(summary_path):
        with open(summary_path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace").strip()
        run.summary_line = text.splitlines()[-1].strip() if text else ""
        m = re.search(r"(\d+) passed, (\d+) failed(?:, (\d+) skipped)?", run.summary_line)
        if not m:
            problems.warn(None, "no 'N passed, N failed, N skipped' line", source=summary_path)
        elif (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) != run.counts():
            problems.warn(None, f"the runner counted '{m.group(0)}' but the stream gives "
                          f"'{run.count_line()}'", source=summary_path)
    return run


def matrix_sets(path):
    """The result sets of a kernel matrix's directory (`run_tests.sh --kernel A
    --kernel B -o DIR`, `make kernels`): DIR/<kernel>/ each with a ktap.txt.
    [] when @path is no such directory (or a result set itself)."""
    if not os.path.isdir(path) or os.path.isfile(os.path.join(path, "ktap.txt")):
        return []
    out = []
    for name in sorted(os.listdir(path)):
        d = os.path.join(path, name)
        if os.path.isdir(d) and os.path.isfile(os.path.join(d, "ktap.txt")):
            out.append(d)
    return out


ARCH_ORDER = {"x86_64": 0, "amd64": 0, "arm64": 1, "aarch64": 1, "riscv64": 2, "riscv": 2}


def _kernel_order(run):
    """Kernels of a matrix: by architecture (x86_64, arm64, riscv64), then version."""
    from . import promises
    try:
        arch = promises.run_arch(run) or ""
    except promises.CatalogueError:
        arch = run.info("arch", "")
    m = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", run.info("kernel_release", ""))
    ver = tuple(int(x or 0) for x in m.groups()) if m else (999,)
    return (ARCH_ORDER.get(arch, 3), ver, run.source)


def load_matrix(path):
    """The Runs of a kernel matrix directory, by architecture and version."""
    sets = matrix_sets(path)
    if not sets:
        raise InputError(f"{path}: not a kernel matrix (no DIR/<kernel>/ktap.txt)")
    return sorted((load_result_set(d) for d in sets), key=_kernel_order)


def load(arg):
    """One command-line input: a result-set directory, a KTAP file or `-`."""
    if arg == "-":
        return load_stream(sys.stdin.buffer.read(), "<stdin>", stem="stdin")
    if os.path.isdir(arg):
        if matrix_sets(arg):
            raise InputError(f"{arg}: a kernel matrix of {len(matrix_sets(arg))} result sets: "
                             "give one of them (DIR/<kernel>)")
        return load_result_set(arg)
    if not os.path.exists(arg):
        raise InputError(f"{arg}: no such file or directory")
    with open(arg, "rb") as f:
        data = f.read()
    stem = os.path.basename(arg)
    for suffix in (".ktap", ".tap", ".txt", ".log"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return load_stream(data, arg, stem=stem)


def sweep_grids(run):
    """The exhaustive sweep of each (binary, mode), as 16 x 256 cell grids."""
    grids = {}

    def grid(binary, mode):
        key = (binary.name, mode)
        if key not in grids:
            grids[key] = Grid(binary=binary.name, mode=mode, backend=binary.backend,
                              rows=[["n"] * ktap.SWEEP_CODES for _ in range(ktap.SWEEP_SETS)],
                              notes=["not in this result set"] * ktap.SWEEP_SETS)
        return grids[key]

    for b in run.binaries:
        done = set()
        for c in b.cases:
            for sw in c.sweeps:
                g = grid(b, sw.mode)
                if (sw.mode, sw.set) in done:
                    run.problems.warn(sw.lineno, f"second sweep line for mode={sw.mode} "
                                      f"set={sw.set}; the first is kept")
                    continue
                done.add((sw.mode, sw.set))
                nr = len(sw.not_run_codes)
                consistent = (sw.passed + sw.failed + nr == ktap.SWEEP_CODES
                              and len(sw.failed_codes) == sw.failed)
                other = "p" if consistent else "n"
                g.rows[sw.set] = ["f" if code in sw.failed_codes else
                                  "n" if code in sw.not_run_codes else other
                                  for code in range(ktap.SWEEP_CODES)]
                g.notes[sw.set] = f"pass {sw.passed}, fail {sw.failed}" + (
                    f", not run {nr}" if nr else "") + (
                    "" if consistent else " (counts inconsistent: unlisted codes unknown)")
            m = SWEEP_NAME_RE.match(c.name)
            if not m or int(m.group("set")) >= ktap.SWEEP_SETS:
                continue
            mode, nset = m.group("mode"), int(m.group("set"))
            if (mode, nset) in done:
                if c.status == "skip":
                    run.problems.warn(c.lineno, f"'{c.name}' is skipped but has a sweep line")
                elif c.failed != any(x in grid(b, mode).rows[nset] for x in "fn"):
                    run.problems.warn(c.lineno, f"'{c.name}' is {c.status} but its sweep line "
                                      "says otherwise")
                continue
            g = grid(b, mode)
            if c.status == "skip":
                g.rows[nset] = ["s"] * ktap.SWEEP_CODES
                g.notes[nset] = f"skipped: {c.reason}" if c.reason else "skipped"
            else:
                g.notes[nset] = f"{c.status}, no sweep line"
    return [grids[k] for k in grids]


def deviation_signature(case):
    """What a failure looks like, values aside: its deviation fields and diagnoses."""
    if case.deviations:
        return tuple((d.field, d.diagnosis) for d in case.deviations)
    if case.sweeps:
        return (("sweep", "reason codes failed"),)
    what = case.status + (f" # {case.directive}" if case.directive else "")
    return (("no deviation line", what),)


def failure_groups(run):
    """Failing results grouped by deviation_signature, largest group first.

    Returns [(signature, [(binary, case), ...])]; a binary that failed without
    a failing result is its own group with case None.
    """
    groups = {}
    for b in run.binaries:
        bad = [c for c in b.cases if c.failed]
        for c in bad:
            groups.setdefault(deviation_signature(c), []).append((b, c))
        if b.failed and not bad:
            why = b.reason or b.directive or "; ".join(b.notes) or "failed"
            groups.setdefault((("binary", f"{b.status}: {why}"),), []).append((b, None))
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))
