# SPDX-License-Identifier: GPL-2.0
"""The conformance matrix: one row per promise of the catalogue, one column per backend or kernel.

The rows are the promises of promises.toml (promises.py), grouped by their
source (api.rst, the GHCB specification, PSCI, SBI). A cell says what the
results of one column say about one promise:

  pass     results judged the promise and none deviated (the detail: the
           version or capability their result lines say decided it)
  fail     a result deviated (the first deviation is the cell's detail)
  skip     every result skipped (the most common reason is the detail)
  not run  the column could judge the promise but no result of it does (not
           in the set, or every result failed before reaching it: "not
           judged")
  n/a      the column cannot judge the promise: another architecture's
           ("n/a (x86_64)"), another backend's ("n/a (kernel only)"), or a
           kernel older than the promise ("n/a (6.13+)") whose results did
           not pass it

Columns come from the results, not from the runs: a case's backend decides
(sev_es_term_test's cases on --backend=model:upstream are the model's; the
legacy tests of the same run are the host kernel's). Kernel results of the
same kernel, hardware SEV-ES results included, share a column; its header
names its architecture and the backends its results came from.

The field rows (exit reason, type, bit 31, ndata, data[0]) read the oracle's
deviation lines and know its order: a deviation at KVM_RUN or exit_reason
ends the judging of that exit, a missing capability or (under the 2022
proposal) a missing bit 31 ends it before ndata, a wrong ndata before the
data words. A field the oracle never reached is not reported as passing.

Observations (`# observed:` lines: what a kernel did where the ABI leaves it
open) are collected per case and column, beside the promises, never judged.
"""

import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from . import promises
from .ktap import PASSED, SKIPPED
from .resultset import MODEL_NOTE

SEV_BINARY = "sev_es_term_test"

MODES = (("real", "16-bit real mode"), ("prot", "32-bit protected mode"),
         ("long", "64-bit long mode"))

# The oracle's order; where a deviation stops the judging of an exit.
FIELD_ORDER = ("KVM_RUN", "exit_reason", "system_event.type", "system_event.type.bit31",
               "KVM_CAP_SYSTEM_EVENT_DATA", "system_event.ndata", "system_event.data[0]")
SWEEP_DEV_RE = re.compile(r"^code 0x[0-9a-fA-F]+: (deviation: field=(?P<field>\S+).*)$")


@dataclass
class Cell:
    state: str = "notrun"       # pass, fail, skip, notrun, na
    detail: str = ""
    counts: Counter = field(default_factory=Counter)
    where: str = ""             # the case the detail comes from


# Which backends of the catalogue a column of each kind can judge.
KIND_BACKENDS = {"kernel": {"kernel", "hardware"}, "harness": {"harness"}, "model": {"model"}}


@dataclass
class Column:
    key: tuple
    kind: str                   # kernel, harness, model
    title: str
    subtitle: str
    sources: list = field(default_factory=list)
    profiles: set = field(default_factory=set)
    sweeps: set = field(default_factory=set)
    arch: str = None            # x86_64, arm64, riscv64 (None: unknown)
    release: str = ""           # the kernel release, for promises with `since`
    backends: list = field(default_factory=list)    # as the binaries' headers say

    @property
    def model(self):
        return self.kind == "model"

    @property
    def backend_label(self):
        """What judged this column's results, for its header."""
        names = []
        for be in self.backends:
            if be == "hardware":
                be = "hardware (SEV-ES)"
            if be not in names:
                names.append(be)
        return ("backend " if len(names) == 1 else "backends ") + ", ".join(names or ["kernel"])


@dataclass
class Row:
    id: str
    label: str
    promise: str
    select: object              # (binary, case, profile, sweep) -> bool
    field: str = None           # a field row: judged per the oracle's order
    source: str = ""
    arches: tuple = ()
    backends: tuple = ()
    required: bool = False
    since: str = ""
    entry: object = None        # the catalogue's Promise

    def na_reason(self, col):
        """Why @col cannot judge this row ("n/a (x86_64)"), or None if it can."""
        if col.arch and col.arch not in self.arches:
            return f"n/a ({', '.join(self.arches)})"
        if not set(self.backends) & KIND_BACKENDS[col.kind]:
            return f"n/a ({'/'.join(self.backends)} only)"
        return None


def _fixture(case):
    return case.name.split(".", 1)[0]


def _row(p):
    def select(b, c, profile, sweep, p=p):
        return (p.judges(b, c.name) and (not p.profile or profile == p.profile)
                and (not p.sweep or sweep == p.sweep))
    return Row(p.id, p.title, p.promise, select, field=p.field or None, source=p.source,
               arches=p.arches, backends=p.backends, required=p.required, since=p.since,
               entry=p)


def rows(catalogue=None):
    """One Row per promise of the catalogue, in its order."""
    return [_row(p) for p in (catalogue or promises.load())]


def _judged(devs, fld, profile):
    """Did the oracle reach @fld, given the deviations of one exit (field, expected, actual)?"""
    target = FIELD_ORDER.index(fld) if fld in FIELD_ORDER else len(FIELD_ORDER)
    for f, expected, actual in devs:
        if f.startswith("KVM_CAP_SYSTEM_EVENT_DATA"):
            f = "KVM_CAP_SYSTEM_EVENT_DATA"
        if f not in FIELD_ORDER:
            continue
        pos = FIELD_ORDER.index(f)
        if pos >= target:
            continue
        if f in ("KVM_RUN", "exit_reason"):
            return False
        if f == "KVM_CAP_SYSTEM_EVENT_DATA" and target > pos:
            return False
        if (f == "system_event.type.bit31" and profile == "proposal-2022" and
                expected == "1" and target > FIELD_ORDER.index("KVM_CAP_SYSTEM_EVENT_DATA")):
            return False
        if f == "system_event.ndata" and actual in ("0x0", "0") and fld == "system_event.data[0]":
            return False
    return True


def _sweep_deviation(case):
    for d in case.diagnostics:
        m = SWEEP_DEV_RE.match(d.strip())
        if m:
            return m.group("field"), m.group(1)
    return None


def _field_verdict(case, fld, profile):
    """(state, detail) of one case for a field row: pass, fail, skip, notjudged."""
    if case.status in SKIPPED:
        return "skip", case.reason
    if case.status in PASSED:
        return "pass", ""
    devs = [(d.field, d.expected, d.actual) for d in case.deviations]
    if devs:
        for d in case.deviations:
            if d.field == fld:
                return "fail", d.raw
        return ("pass", "") if _judged(devs, fld, profile) else ("notjudged", devs[0][0])
    sw = _sweep_deviation(case)
    if sw:
        f, raw = sw
        if f == fld:
            return "fail", raw
        return ("notjudged", f)
    return "notjudged", case.directive or case.status


def _case_verdict(case):
    if case.status in SKIPPED:
        return "skip", case.reason
    if case.status in PASSED:
        return "pass", ""
    if case.deviations:
        return "fail", case.deviations[0].raw
    sw = _sweep_deviation(case)
    if sw:
        return "fail", sw[1]
    for s in case.sweeps:
        why = next((d.strip() for d in case.diagnostics if d.strip().startswith("not run")), "")
        return "fail", f"{s.raw}; {why}" if why else s.raw
    why = case.directive or next((d for d in reversed(case.diagnostics) if d.strip()), "")
    return "fail", f"{case.status}{': ' + why if why else ''}"


def _kernel_label(run):
    kut = run.info("kernel_under_test", "host")
    return kut, run.info("kernel_release")


def _column_for(run, backend):
    kut, release = _kernel_label(run)
    # "model:upstream (software model, not a kernel result)": the name is the column.
    backend = (backend or "kernel").split(" (", 1)[0].strip() or "kernel"
    if backend.startswith("model"):
        where = "" if kut == "host" else f", on {kut}"
        return ("model", backend, kut), "model", backend, MODEL_NOTE + where
    if backend.startswith("harness"):
        return (("harness", backend, kut, release), "harness", f"harness on {kut}",
                f"{release}: KVM's SEV-ES handler, not an SEV-ES hardware result")
    # "kernel" (the legacy tests' header) and "hardware" are the kernel's own results.
    return ("kernel", kut, release), "kernel", kut, release


def _sweep_mode(run):
    return run.inventory.get("sweep") or run.header.get("sweep") or "loop"


@dataclass
class Matrix:
    columns: list
    rows: list                  # the rows shown: some column can judge them
    cells: dict                 # (row id, column key) -> Cell
    notes: list                 # (column title, text)
    hidden: list = field(default_factory=list)      # rows no column can judge
    observations: list = field(default_factory=list)

    def groups(self):
        """[(source, [rows])] of the rows shown, in the catalogue's source order."""
        return [(s, [r for r in self.rows if r.source == s]) for s in promises.SOURCES
                if any(r.source == s for r in self.rows)]


def build(runs, catalogue=None):
    cat = catalogue or promises.load()
    all_rows = rows(cat)
    columns = OrderedDict()
    cases = {}                  # column key -> [(binary, case, profile, sweep)]
    for run in runs:
        sweep = _sweep_mode(run)
        arch = promises.run_arch(run, cat)
        for b in run.binaries:
            key, kind, title, sub = _column_for(run, b.backend)
            col = columns.get(key)
            if col is None:
                col = columns[key] = Column(key=key, kind=kind, title=title, subtitle=sub,
                                            arch=arch, release=run.info("kernel_release", ""))
            if run.source not in col.sources:
                col.sources.append(run.source)
            be = (b.backend or "kernel").split(" (", 1)[0].strip() or "kernel"
            if be not in col.backends:
                col.backends.append(be)
            profile = b.abi_profile or "upstream"
            col.profiles.add(profile)
            for c in b.cases:
                if b.name == SEV_BINARY and _fixture(c) == "sev_es_sweep":
                    col.sweeps.add(sweep)
                cases.setdefault(key, []).append((b.name, c, profile, sweep))
    # Kernel columns first, then harness, then the model's.
    order = {"kernel": 0, "harness": 1, "model": 2}
    cols = sorted(columns.values(), key=lambda c: order[c.kind])
    shown = [r for r in all_rows if any(r.na_reason(c) is None for c in cols)]
    hidden = [r for r in all_rows if r not in shown]
    cells = {}
    for row in shown:
        for col in cols:
            cells[(row.id, col.key)] = _cell(row, col, cases.get(col.key, []))
    return Matrix(columns=cols, rows=shown, cells=cells, notes=_notes(cols, cells),
                  hidden=hidden, observations=observations(runs, cols, cat))


def _cell(row, col, items):
    na = row.na_reason(col)
    if na:
        return Cell(state="na", detail=na)
    cell = _judge(row, items)
    # A kernel older than the promise: what did not pass there is n/a, not a miss.
    if (row.since and col.kind != "model" and cell.state in ("skip", "notrun")
            and not row.entry.applies_to(col.release)):
        why = cell.detail
        cell.state, cell.detail = "na", f"n/a ({row.since}+)"
        cell.where = why if why != "no result in this set" else cell.where
    return cell


def _judge(row, items):
    cell = Cell()
    reasons = Counter()
    decided = Counter()         # what a passing result line says decided it
    notjudged = []
    for b, c, profile, sweep in items:
        if not row.select(b, c, profile, sweep):
            continue
        state, detail = (_field_verdict(c, row.field, profile) if row.field else
                         _case_verdict(c))
        cell.counts[state] += 1
        if state == "pass" and c.status in PASSED and c.directive:
            decided[c.directive] += 1
        if state == "fail" and cell.state != "fail":
            cell.state, cell.detail, cell.where = "fail", detail, f"{b}: {c.name}"
        elif state == "skip":
            reasons[detail or "(no reason given)"] += 1
        elif state == "notjudged":
            notjudged.append((b, c, detail))
    if cell.state == "fail":
        return cell
    if cell.counts["pass"]:
        cell.state = "pass"
        if reasons:
            reason, _ = reasons.most_common(1)[0]
            cell.detail = f"{sum(reasons.values())} skipped: {reason}"
        elif len(decided) == 1:
            # "6.11+ (kernel 7.3.4)", "KVM_CAP_HYPERV": the gate that decided it.
            (cell.detail,) = decided
        return cell
    if notjudged:
        b, c, stop = notjudged[0]
        cell.state, cell.where = "notrun", f"{b}: {c.name}"
        cell.detail = f"not judged: every result failed first at {stop}"
        return cell
    if reasons:
        reason, _ = reasons.most_common(1)[0]
        cell.state, cell.detail = "skip", reason
        return cell
    cell.detail = "no result in this set"
    return cell


# ---- Observations -----------------------------------------------------------

OBSERVED = "observed:"


@dataclass
class Observed:
    """What one column saw in a row: the fixed phrase(s), and the details."""
    phrase: str
    details: list = field(default_factory=list)     # [(case, detail)]


@dataclass
class Observation:
    binary: str
    label: str                  # a case, or fixture.*.test for variants that agree
    cases: list                 # the case names behind the row
    promises: list              # the titles of the promises its cases judge
    cells: dict                 # column key -> Observed


def _observed(case):
    """(phrase, detail) of a case's `# observed: <phrase>; <detail>` lines."""
    phrases, details = [], []
    for d in case.diagnostics:
        t = d.strip()
        if t.startswith(OBSERVED):
            phrase, _, detail = t[len(OBSERVED):].strip().partition(";")
            if phrase.strip() not in phrases:
                phrases.append(phrase.strip())
            if detail.strip():
                details.append(detail.strip())
    return " + ".join(phrases), "; ".join(details)


def observations(runs, cols, catalogue):
    """Observation rows: one per case that printed `# observed:` in some column,
    one per fixture.*.test where every column saw the same phrase in every
    variant (the details, which may differ, stay with each case)."""
    seen = OrderedDict()        # (binary, case) -> {column key: (phrase, detail)}
    for run in runs:
        for b in run.binaries:
            key = _column_for(run, b.backend)[0]
            for c in b.cases:
                phrase, detail = _observed(c)
                if phrase:
                    seen.setdefault((b.name, c.name), {})[key] = (phrase, detail)
    groups = OrderedDict()      # (binary, fixture, test) -> [(case, cells)]
    for (binary, name), cells in seen.items():
        parts = name.split(".")
        gkey = (binary, parts[0], parts[-1]) if len(parts) == 3 else (binary, name, "")
        groups.setdefault(gkey, []).append((name, cells))
    out = []
    for (binary, fixture, test), members in groups.items():
        keys = [k for k in (c.key for c in cols) if any(k in cells for _, cells in members)]
        same = test and len(members) > 1 and all(
            len({cells.get(k, (None, ""))[0] for _, cells in members}) == 1 for k in keys)
        if same:
            variants = [n.split(".")[1] for n, _ in members]
            batches = [(f"{fixture}.*.{test} ({', '.join(variants)})", members)]
        else:
            batches = [(n, [(n, cells)]) for n, cells in members]
        for label, batch in batches:
            titles = []
            for n, _ in batch:
                for p in catalogue.judged_by(binary, n):
                    if p.title not in titles:
                        titles.append(p.title)
            cells = {}
            for k in keys:
                got = [(n, cells_[k]) for n, cells_ in batch if k in cells_]
                if got:
                    cells[k] = Observed(phrase=got[0][1][0],
                                        details=[(n, d) for n, (_, d) in got if d])
            out.append(Observation(binary=binary, label=label, cases=[n for n, _ in batch],
                                   promises=titles, cells=cells))
    return out


REAL_MODE_NOTE = (
    "real mode fails, protected and long mode pass. The termination ABI itself is right in "
    "two modes and KVM's SEV_TERM path does not depend on the guest's mode, so this most "
    "likely is the CPU, not KVM: no firmware or kernel issues VMGEXIT from 16-bit real mode "
    "(OVMF does it from 32-bit flat mode), and a CPU that does not take it there makes the "
    "guest fault before its request, which ends as KVM_EXIT_SHUTDOWN (shutdown-not-term) or a "
    "stuck run in the real-mode cases. Read their deviations below; the real-mode shutdown "
    "case shows whether real-mode faults reach KVM.")


def _notes(cols, cells):
    notes = []
    for col in cols:
        if any((f"mode-{m}", col.key) not in cells for m, _ in MODES):
            continue
        st = {m: cells[(f"mode-{m}", col.key)].state for m, _ in MODES}
        if st["real"] == "fail" and st["prot"] == "pass" and st["long"] == "pass":
            notes.append((col.title, REAL_MODE_NOTE))
    return notes
