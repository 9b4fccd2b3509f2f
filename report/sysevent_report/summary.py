# SPDX-License-Identifier: GPL-2.0
"""The terminal summary: counts, failures with their deviations, skips by reason."""

import textwrap
from collections import OrderedDict

from .resultset import HARNESS_NOTE, MODEL_NOTE, failure_groups

MAX_NAMES_PER_REASON = 4
GROUP_ABOVE = 10
WIDTH = 100


def _status_text(b):
    text = {"pass": "ok", "skip": "skipped", "xfail": "ok (xfail)"}.get(b.status, b.status.upper())
    extra = []
    if b.exit:
        code = b.exit.get("exit", "?")
        sig = b.exit.get("signal", "-")
        extra.append(f"exit {code}" + (f", {sig}" if sig not in ("-", "") else ""))
        if b.exit.get("timeout") == "1":
            extra.append("timed out")
        if b.seconds is not None:
            extra.append(f"{b.seconds:g}s")
    return text + (f" ({', '.join(extra)})" if extra else "")


def _wrap(text):
    return textwrap.fill(text, width=WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 8,
                         break_long_words=False, break_on_hyphens=False)


def _name(b, c):
    return f"{b.name}:{c.name}" if c is not None else f"{b.name} (binary)"


def _failure_line(b, c):
    mark = " [model]" if b.model else " [harness]" if b.harness else ""
    if c is None:
        why = b.reason or b.directive or "; ".join(b.notes) or "failed"
        return f"{b.name}: the binary {b.status.upper()}{mark}: {why}"
    why = f" # {c.directive}" if c.directive else ""
    return f"{b.name}: {c.name} {c.status.upper()}{why}{mark}"


def _failure_detail(b, c):
    if c is None:
        return []
    if c.deviations:
        return [d.raw for d in c.deviations]
    if c.sweeps:
        return [sw.raw for sw in c.sweeps]
    return ["| " + t for t in [t for t in c.diagnostics if t.strip()][-3:]]


def render(run, verbose=False):
    out = []
    w = out.append
    inv = run.inventory
    w(f"kvm-sysevent {run.kind}: {run.source}")
    w(f"  suite {run.info('suite_revision')}, kernel {run.info('kernel_release')}"
      f" ({run.info('kernel_under_test', 'host')}), date {run.info('date')}")
    w(f"  abi-profile {', '.join(run.abi_profiles())}; backend {', '.join(run.backends())}")
    if inv:
        w(f"  cpu {inv.get('cpu_vendor', '?')} family {inv.get('cpu_family', '?')} model "
          f"{inv.get('cpu_model', '?')} stepping {inv.get('cpu_stepping', '?')} microcode "
          f"{inv.get('microcode', '?')} ({inv.get('cpu_model_name', '?')})")
        w(f"  kvm modules {inv.get('kvm_modules', '?')}; kvm_amd sev={inv.get('kvm_amd_sev', '?')}"
          f" sev_es={inv.get('kvm_amd_sev_es', '?')} sev_snp={inv.get('kvm_amd_sev_snp', '?')};"
          f" SEV API {inv.get('sev_api_version', '?')}; nested QEMU {inv.get('nested_qemu', '?')}")
    if run.any_model:
        which = "all results" if run.all_model else "results marked [model]"
        w(f"  NOTE: {which} ran on the SEV-ES software model ({MODEL_NOTE}).")
    if run.any_harness:
        which = "all results" if run.all_harness else "results marked [harness]"
        w(f"  NOTE: {which} ran on the SEV-ES test harness ({HARNESS_NOTE}).")
    w("")
    width = max([len(b.name) for b in run.binaries] + [6])
    w(f"  {'binary':<{width}}  {'pass':>5} {'fail':>5} {'skip':>5}  status")
    for b in run.binaries:
        p, f, s = b.counts()
        mark = " [model]" if b.model else " [harness]" if b.harness else ""
        w(f"  {b.name:<{width}}  {p:>5} {f:>5} {s:>5}  {_status_text(b)}{mark}")
        for note in b.notes:
            w(f"  {'':<{width}}  {note}")

    groups = failure_groups(run)
    nfail = sum(len(items) for _, items in groups)
    if nfail:
        w("")
        grouped = nfail > GROUP_ABOVE and not verbose
        w(f"Failures ({nfail})" + (", grouped by their deviations (-v lists each):"
                                    if grouped else ":"))
        if grouped:
            for sig, items in groups:
                b, c = items[0]
                what = "; ".join(f"{f} [{d.split(':')[0]}]" if d else f for f, d in sig)
                w(f"  {len(items)} x {what}")
                w(f"      e.g. {_failure_line(b, c)}")
                for line in _failure_detail(b, c):
                    w(f"        {line}")
                names = [_name(b, c) for b, c in items[1:]]
                if names:
                    shown = names[:MAX_NAMES_PER_REASON]
                    more = len(names) - len(shown)
                    w(_wrap("also " + ", ".join(shown) + (f", +{more} more" if more else "")))
        else:
            for b, c in (item for _, items in groups for item in items):
                w(f"  {_failure_line(b, c)}")
                for line in _failure_detail(b, c):
                    w(f"      {line}")

    skips = OrderedDict()
    for b in run.binaries:
        if b.status == "skip" and not b.cases:
            skips.setdefault(b.reason or "(no reason given)", []).append(f"{b.name} (binary)")
        for c in b.cases:
            if c.status == "skip":
                skips.setdefault(c.reason or "(no reason given)", []).append(f"{b.name}:{c.name}")
    if skips:
        w("")
        w(f"Skips by reason ({sum(len(v) for v in skips.values())}):")
        for reason, names in sorted(skips.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            w(f"  {reason} ({len(names)})")
            shown = names[:MAX_NAMES_PER_REASON]
            more = len(names) - len(shown)
            w(_wrap(", ".join(shown) + (f", +{more} more" if more else "")))

    odd = [c for c in run.cases() if c.status in ("xfail", "xpass")]
    if odd:
        w("")
        w(f"Expected failures and unexpected passes ({len(odd)}):")
        for c in odd:
            w(f"  {c.binary}: {c.name} {c.status.upper()}" + (f" {c.reason}" if c.reason else ""))

    for g in run.grids():
        t = g.totals()
        mark = " [model]" if g.model else " [harness]" if g.harness else ""
        w("")
        w(f"Exhaustive sweep {g.binary} mode={g.mode}{mark}: {t['p']} pass, {t['f']} fail, "
          f"{t['s']} skip, {t['n']} not run (of 16 x 256)")

    if run.summary_line is not None:
        w("")
        w(f"runner's summary.txt: {run.summary_line}")
    w("")
    w(run.count_line())
    return "\n".join(out) + "\n"

