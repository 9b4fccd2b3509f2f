# SPDX-License-Identifier: GPL-2.0
"""The conformance matrix: one row per ABI promise, one column per backend or kernel.

A cell says what the results of one column say about one promise:

  pass     results judged the promise and none deviated
  fail     a result deviated (the first deviation is the cell's detail)
  skip     every result skipped (the most common reason is the detail)
  not run  no result of the column judges the promise (not in the set, or
           every result failed before reaching it: "not judged")

Columns come from the results, not from the runs: a case's backend decides
(sev_es_term_test's cases on --backend=model:upstream are the model's; the
legacy tests of the same run are the host kernel's). Kernel results of the
same kernel, hardware SEV-ES results included, share a column.

The field rows (exit reason, type, bit 31, ndata, data[0]) read the oracle's
deviation lines and know its order: a deviation at KVM_RUN or exit_reason
ends the judging of that exit, a missing capability or (under the 2022
proposal) a missing bit 31 ends it before ndata, a wrong ndata before the
data words. A field the oracle never reached is not reported as passing.
"""

import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from .ktap import PASSED, SKIPPED
from .resultset import MODEL_NOTE, SWEEP_NAME_RE

SEV_BINARY = "sev_es_term_test"
LEGACY_BINARY = "system_event_legacy_test"
CONTROL_BINARY = "ghcb_nonsev_test"

# The sev_es_term_test fixtures whose cases expect an SEV_TERM exit.
TERM_FIXTURES = ("sev_es_term", "sev_es_reentry", "sev_es_sweep", "sev_es_ghcb_page",
                 "sev_es_snp_only", "sev_es_negotiate")
MODES = (("real", "16-bit real mode"), ("prot", "32-bit protected mode"),
         ("long", "64-bit long mode"))

# The oracle's order; where a deviation stops the judging of an exit.
FIELD_ORDER = ("KVM_RUN", "exit_reason", "system_event.type", "system_event.type.bit31",
               "KVM_CAP_SYSTEM_EVENT_DATA", "system_event.ndata", "system_event.data[0]")
SWEEP_DEV_RE = re.compile(r"^code 0x[0-9a-fA-F]+: (deviation: field=(?P<field>\S+).*)$")


@dataclass
class Cell:
    state: str = "notrun"       # pass, fail, skip, notrun
    detail: str = ""
    counts: Counter = field(default_factory=Counter)
    where: str = ""             # the case the detail comes from


@dataclass
class Column:
    key: tuple
    kind: str                   # kernel, harness, model
    title: str
    subtitle: str
    sources: list = field(default_factory=list)
    profiles: set = field(default_factory=set)
    sweeps: set = field(default_factory=set)

    @property
    def model(self):
        return self.kind == "model"


@dataclass
class Row:
    id: str
    label: str
    promise: str
    select: object              # (binary, case, profile, sweep) -> bool
    field: str = None           # a field row: judged per the oracle's order


def _fixture(case):
    return case.name.split(".", 1)[0]


def _variant(case):
    parts = case.name.split(".")
    return parts[1] if len(parts) > 2 else ""


def _mode(case):
    return _variant(case).split("_", 1)[0]


def _is_term(b, c):
    return b == SEV_BINARY and _fixture(c) in TERM_FIXTURES


def _rows():
    rows = [
        Row("exit-reason", "exit reason", "KVM_RUN returns 0 with KVM_EXIT_SYSTEM_EVENT (24)",
            lambda b, c, p, s: _is_term(b, c), field="exit_reason"),
        Row("type", "type", "system_event.type (low 31 bits) is SEV_TERM: 6 (upstream), "
            "4 (proposal-2022)", lambda b, c, p, s: _is_term(b, c), field="system_event.type"),
        Row("bit31-upstream", "bit 31, upstream", "bit 31 of type is clear",
            lambda b, c, p, s: _is_term(b, c) and p == "upstream",
            field="system_event.type.bit31"),
        Row("bit31-proposal", "bit 31, proposal-2022", "bit 31 (NDATA_VALID) is set with data",
            lambda b, c, p, s: _is_term(b, c) and p == "proposal-2022",
            field="system_event.type.bit31"),
        Row("ndata", "ndata", "ndata is 1 (data[] valid: KVM_CAP_SYSTEM_EVENT_DATA)",
            lambda b, c, p, s: _is_term(b, c), field="system_event.ndata"),
        Row("data0", "data[0]", "data[0] is the exact GHCB MSR value the guest wrote",
            lambda b, c, p, s: _is_term(b, c), field="system_event.data[0]"),
        Row("reentry", "re-entry", "KVM_RUN after SEV_TERM resumes the guest; its next "
            "request is reported", lambda b, c, p, s: b == SEV_BINARY and
            _fixture(c) == "sev_es_reentry"),
        Row("shutdown", "SEV-ES shutdown", "a guest that shuts down gives KVM_EXIT_SHUTDOWN "
            "(6.7+)", lambda b, c, p, s: b == SEV_BINARY and _fixture(c) == "sev_es_shutdown"),
    ]
    for mode, what in MODES:
        rows.append(Row(f"mode-{mode}", f"{mode} mode", f"every SEV-ES case from {what}",
                        lambda b, c, p, s, m=mode: b == SEV_BINARY and _mode(c) == m))
    rows += [
        Row("ghcb-page", "GHCB page", "termination through the GHCB page protocol",
            lambda b, c, p, s: b == SEV_BINARY and _fixture(c) == "sev_es_ghcb_page"),
        Row("snp-only", "SNP-only requests", "an SNP-only MSR request from a non-SNP guest "
            "terminates it", lambda b, c, p, s: b == SEV_BINARY and
            _fixture(c) == "sev_es_snp_only"),
        Row("snp", "SNP", "the same requests from an SNP guest (KVM_X86_SNP_VM)",
            lambda b, c, p, s: b == SEV_BINARY and "_snp_" in f"_{_variant(c)}_"),
        Row("sweep-loop", "all reason values, loop", "16 x 256 (set, code) from every mode, "
            "one launch per set", lambda b, c, p, s: b == SEV_BINARY and
            _fixture(c) == "sev_es_sweep" and s == "loop"),
        Row("sweep-per-vm", "all reason values, per-vm", "16 x 256 (set, code) from every "
            "mode, one VM per value", lambda b, c, p, s: b == SEV_BINARY and
            _fixture(c) == "sev_es_sweep" and s == "per-vm"),
        Row("legacy", "legacy CRASH/RESET", "Hyper-V crash and reset MSRs: SYSTEM_EVENT "
            "CRASH (3) / RESET (2), ndata 0", lambda b, c, p, s: b == LEGACY_BINARY and
            _fixture(c) == "hyperv"),
        Row("triple-fault", "triple fault", "a triple fault is KVM_EXIT_SHUTDOWN, never an "
            "event", lambda b, c, p, s: b == LEGACY_BINARY and
            _fixture(c) in ("triple_fault", "triple_fault_event")),
        Row("capability", "capability", "KVM_CAP_SYSTEM_EVENT_DATA is advertised",
            lambda b, c, p, s: b == LEGACY_BINARY and c.name.endswith("system_event_data_cap")),
        Row("layout", "layout", "system_event's offsets and size; flags aliases data[0]",
            lambda b, c, p, s: b == LEGACY_BINARY and c.name.endswith("system_event_layout")),
        Row("control", "non-SEV control", "a plain guest running the same bytes never gets "
            "SEV_TERM", lambda b, c, p, s: b == CONTROL_BINARY),
    ]
    return rows


ROWS = _rows()


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
    rows: list
    cells: dict                 # (row id, column key) -> Cell
    notes: list                 # (column title, text)


def build(runs):
    columns = OrderedDict()
    cases = {}                  # column key -> [(binary, case, profile, sweep)]
    for run in runs:
        sweep = _sweep_mode(run)
        for b in run.binaries:
            key, kind, title, sub = _column_for(run, b.backend)
            col = columns.get(key)
            if col is None:
                col = columns[key] = Column(key=key, kind=kind, title=title, subtitle=sub)
            if run.source not in col.sources:
                col.sources.append(run.source)
            profile = b.abi_profile or "upstream"
            col.profiles.add(profile)
            for c in b.cases:
                if b.name == SEV_BINARY and _fixture(c) == "sev_es_sweep":
                    col.sweeps.add(sweep)
                cases.setdefault(key, []).append((b.name, c, profile, sweep))
    # Kernel columns first, then harness, then the model's.
    order = {"kernel": 0, "harness": 1, "model": 2}
    cols = sorted(columns.values(), key=lambda c: order[c.kind])
    cells = {}
    for row in ROWS:
        for col in cols:
            cells[(row.id, col.key)] = _cell(row, cases.get(col.key, []))
    return Matrix(columns=cols, rows=ROWS, cells=cells, notes=_notes(cols, cells))


def _cell(row, items):
    cell = Cell()
    reasons = Counter()
    notjudged = []
    for b, c, profile, sweep in items:
        if not row.select(b, c, profile, sweep):
            continue
        state, detail = (_field_verdict(c, row.field, profile) if row.field else
                         _case_verdict(c))
        cell.counts[state] += 1
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
        st = {m: cells[(f"mode-{m}", col.key)].state for m, _ in MODES}
        if st["real"] == "fail" and st["prot"] == "pass" and st["long"] == "pass":
            notes.append((col.title, REAL_MODE_NOTE))
    return notes
