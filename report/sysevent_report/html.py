# SPDX-License-Identifier: GPL-2.0
"""A self-contained HTML report: inline CSS, no JavaScript, every text escaped.

The page leads with the conformance matrix (matrix.py): one row per ABI
promise, one column per backend or kernel, each cell pass / fail (the first
deviation on hover and in the list below) / skip (its reason) / not run.
Then, for each input: run and host inventory, binaries, one heatmap per
exhaustive-sweep mode (16 reason-code sets x 256 codes), failures with
their deviations, skips by reason, the results table. When any result comes
from the software model, a banner saying so sits at the top of the page and
is repeated on every printed page, and each model row and column carries a
`model` mark; the same for the SEV-ES test harness (a `harness` banner and
mark).
"""

import html
import re
from collections import OrderedDict

from . import matrix as mx
from . import promises
from .resultset import HARNESS_NOTE, INVENTORY_KEYS, MODEL_NOTE, failure_groups

_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def e(text):
    """Escape for HTML text and attribute values."""
    return html.escape(_CTRL.sub("\ufffd", str(text)), quote=True)


CSS = """
:root { --pass: #2e7d32; --fail: #c62828; --skip: #9e9e9e; --none: #eceff1; --xf: #6a1b9a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 0;
       color: #1b1b1b; background: #fafafa; }
main { padding: 0 1.5rem 2rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 1rem 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code, pre, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre { margin: .2rem 0; white-space: pre-wrap; word-break: break-all; }
.counts span { display: inline-block; margin-right: 1rem; font-weight: 600; }
.st { display: inline-block; min-width: 4.5em; text-align: center; border-radius: 3px;
      color: #fff; padding: 0 .35em; font-weight: 600; font-size: 12px; }
.st-pass { background: var(--pass); } .st-fail, .st-xpass { background: var(--fail); }
.st-skip { background: var(--skip); } .st-xfail { background: var(--xf); }
.st-timeout, .st-crash, .st-error, .st-missing { background: #e65100; }
.model-banner { position: sticky; top: 0; z-index: 2; background: #fff3cd; color: #5c4400;
                border-bottom: 3px solid #e0a800; padding: .5rem 1.5rem; font-weight: 700; }
.model { display: inline-block; background: #fff3cd; color: #5c4400; border: 1px solid #e0a800;
         border-radius: 3px; padding: 0 .3em; font-size: 11px; font-weight: 700; }
.harness-banner { position: sticky; top: 0; z-index: 2; background: #e3f2fd; color: #0d3c61;
                  border-bottom: 3px solid #1e88e5; padding: .5rem 1.5rem; font-weight: 700; }
.model.harness { background: #e3f2fd; color: #0d3c61; border-color: #1e88e5; }
.kernel-banner { background: #e8f5e9; border-bottom: 3px solid var(--pass); padding: .5rem 1.5rem; }
.dev { color: #8e0000; }
.heat { border-collapse: collapse; table-layout: fixed; }
.heat td, .heat th { border: 0; padding: 0; }
.heat td.c { width: 4px; height: 14px; }
.heat td.p { background: var(--pass); } .heat td.f { background: var(--fail); }
.heat td.s { background: var(--skip); } .heat td.n { background: var(--none); }
.heat th.row { font-weight: 400; padding-right: .4rem; white-space: nowrap; font-size: 12px; }
.heat th.col { font-weight: 400; font-size: 10px; text-align: left; height: 1.2em;
               overflow: visible; white-space: nowrap; }
.heat td.note { padding-left: .5rem; font-size: 12px; white-space: nowrap; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: 12px; height: 12px; vertical-align: middle;
            margin-right: .3rem; }
.muted { color: #666; }
.cols { display: flex; flex-wrap: wrap; gap: 0 2.5rem; }
.fgroup { border-left: 4px solid var(--fail); padding-left: .75rem; margin: .8rem 0; }
.fgroup h3 { margin-top: .2rem; }
details { margin: .3rem 0; } summary { cursor: pointer; color: #0b4f8a; }
table.matrix { margin: .4rem 0 .6rem; }
.matrix th.col { text-align: center; min-width: 9.5rem; font-size: 12.5px; }
.matrix th.col .sub { display: block; font-weight: 400; color: #555; font-size: 11px; }
.matrix th.row { font-weight: 600; white-space: nowrap; }
.matrix th.row .promise { display: block; font-weight: 400; color: #666; font-size: 11px;
                          white-space: normal; max-width: 26rem; }
.matrix td.mx { text-align: center; font-weight: 700; font-size: 12.5px; vertical-align: middle;
                color: #fff; }
.matrix td.mx-pass { background: var(--pass); } .matrix td.mx-fail { background: var(--fail); }
.matrix td.mx-skip { background: var(--skip); }
.matrix td.mx-notrun { background: var(--none); color: #555; font-weight: 400; }
.matrix td.mx-na { background: #fff; color: #8a8a8a; font-weight: 400; font-style: italic;
                   font-size: 11.5px; }
.matrix tr.group th { background: #dfe6ee; color: #1b2a3a; font-size: 12.5px; padding: .3rem .5rem; }
.matrix th.col .be { display: block; font-weight: 600; color: #0b4f8a; font-size: 11px; }
.matrix th.row .arch, .matrix th.row .req, .matrix th.row .since, .legend .req, .legend .since {
  display: inline-block; font-weight: 600; font-size: 10.5px; border-radius: 3px; padding: 0 .3em;
  margin-left: .2em; border: 1px solid #b0bec5; color: #37474f; background: #eceff1; }
.matrix th.row .req, .legend .req { border-color: #2e7d32; color: #1b5e20; background: #e8f5e9; }
.legend span.req, .legend span.since { margin-right: .25em; }
.observations td.obs { background: #fffde7; }
.observations td.obs-na { color: #8a8a8a; font-style: italic; font-size: 11.5px; }
.observations td.obs .detail { display: block; font-size: 11px; color: #555; font-weight: 400; }
.observations th.col .sub { display: block; font-weight: 400; color: #555; font-size: 11px; }
.matrix td.mx .why { display: block; font-weight: 400; font-size: 10.5px; max-width: 13rem;
                     margin: 0 auto; line-height: 1.25; }
.matrix td.mx sup a { color: #fff; }
ol.mx-notes { font-size: 12.5px; } ol.mx-notes li { margin: .2rem 0; }
.diagnosis { border-left: 4px solid #e0a800; background: #fffbe6; padding: .4rem .75rem;
             margin: .5rem 0; max-width: 80rem; }
@media print {
  .model-banner { position: fixed; top: 0; left: 0; right: 0; }
  .harness-banner { position: fixed; top: 0; left: 0; right: 0; }
  main { margin-top: 3rem; }
}
"""

STATUS_LABEL = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "xfail": "XFAIL",
                "xpass": "XPASS", "timeout": "TIMEOUT", "crash": "CRASH", "error": "ERROR",
                "missing": "MISSING"}


def badge(status):
    return f'<span class="st st-{e(status)}">{e(STATUS_LABEL.get(status, status))}</span>'


def backend_mark(obj):
    if obj.model:
        return ' <span class="model" title="' + e(MODEL_NOTE) + '">model</span>'
    if getattr(obj, "harness", False) or getattr(obj, "kind", "") == "harness":
        return ' <span class="model harness" title="' + e(HARNESS_NOTE) + '">harness</span>'
    return ""


def _inventory(run, w, sfx=""):
    w(f'<h2 id="inventory{sfx}">Host inventory</h2>')
    if not run.inventory:
        w('<p class="muted">No inventory.txt: this input is a bare KTAP stream.</p>')
        return
    w('<table class="inventory"><tbody>')
    known = {k for k, _ in INVENTORY_KEYS}
    rows = [(label, k) for k, label in INVENTORY_KEYS if k in run.inventory]
    rows += [(k, k) for k in run.inventory if k not in known]
    for label, k in rows:
        w(f'<tr><th>{e(label)}</th><td class="mono" data-key="{e(k)}">'
          f'{e(run.inventory[k])}</td></tr>')
    w('</tbody></table>')


def _failure(b, c, w):
    if c is None:
        why = b.reason or b.directive or "; ".join(b.notes) or "failed"
        w(f'<p class="mono">{e(b.name)} (binary) {badge(b.status)}{backend_mark(b)}: {e(why)}</p>')
        return
    w(f'<p class="mono">{e(b.name)}: {e(c.name)} {badge(c.status)}{backend_mark(c)}</p>')
    if c.deviations:
        w('<table class="deviations"><thead><tr><th>field</th><th>expected</th>'
          '<th>actual</th><th>diagnosis</th></tr></thead><tbody>')
        for d in c.deviations:
            w(f'<tr class="dev"><td class="mono">{e(d.field)}</td><td class="mono">'
              f'{e(d.expected)}</td><td class="mono">{e(d.actual)}</td>'
              f'<td>{e(d.diagnosis)}</td></tr>')
        w('</tbody></table>')
        return
    lines = [sw.raw for sw in c.sweeps] or [t for t in c.diagnostics if t.strip()][-10:]
    if lines:
        w('<pre>' + e("\n".join(lines)) + '</pre>')


def _grid(g, w, sfx=""):
    gid = re.sub(r"[^A-Za-z0-9_-]", "_", f"{g.binary}-{g.mode}") + sfx
    t = g.totals()
    w(f'<h3 id="heatmap-{e(gid)}">{e(g.binary)}: mode {e(g.mode)}{backend_mark(g)}</h3>')
    w(f'<p>{t["p"]} pass, {t["f"]} fail, {t["s"]} skip, {t["n"]} not run, of 16 sets x 256 '
      'reason codes.</p>')
    w(f'<table class="heat" data-mode="{e(g.mode)}" aria-label="reason-code grid">')
    w('<thead><tr><th></th>')
    for col in range(0, 256, 16):
        w(f'<th class="col" colspan="16">0x{col:02x}</th>')
    w('<th></th></tr></thead><tbody>')
    names = {"p": "pass", "f": "fail", "s": "skip", "n": "not run"}
    for nset, row in enumerate(g.rows):
        cells = "".join(f'<td class="c {c}" title="set {nset} code 0x{code:02x}: {names[c]}"></td>'
                        for code, c in enumerate(row))
        w(f'<tr><th class="row">set {nset}</th>{cells}<td class="note">{e(g.notes[nset])}</td>'
          '</tr>')
    w('</tbody></table>')
    by_codes = OrderedDict()
    for nset, row in enumerate(g.rows):
        codes = [code for code, c in enumerate(row) if c == "f"]
        if codes:
            by_codes.setdefault(_ranges(codes), []).append(nset)
    if by_codes:
        w('<p>Failing codes: ' + "; ".join(
            f"{'set' if len(sets) == 1 else 'sets'} {e(_set_list(sets))}: <code>{e(r)}</code>"
            for r, sets in by_codes.items()) + '</p>')


def _set_list(sets):
    """[0, 1, 2, 5] -> '0-2, 5'."""
    return _ranges(sets, fmt="{}").replace(",", ", ")


def _ranges(codes, fmt="0x{:02x}"):
    out = []
    start = prev = codes[0]
    for c in codes[1:] + [None]:
        if c is not None and c == prev + 1:
            prev = c
            continue
        out.append(fmt.format(start) if start == prev else
                   f"{fmt.format(start)}-{fmt.format(prev)}")
        if c is not None:
            start = prev = c
    return ",".join(out)


STATE_LABEL = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "notrun": "not run"}


def _matrix(m, w):
    """The conformance matrix, its failures' first deviations, and its diagnoses."""
    ncol = len(m.columns)
    w('<h2 id="matrix">Conformance matrix</h2>')
    w('<p class="legend muted">One row per promise of the ABI (the catalogue '
      '<code>promises.toml</code>), grouped by where it is promised; one column per kernel '
      'or backend in this report, its header naming its architecture and backend. '
      'PASS: results judged it and none deviated; FAIL: the first deviation is on hover and '
      'listed below; SKIP: every result skipped (reason in the cell); not run: this column '
      'could judge it but nothing here does; n/a: this column cannot judge it (another '
      'architecture or backend, or a kernel older than the promise). Tags: '
      '<span class="req">required</span> every kernel must pass it, '
      '<span class="since">6.13+</span> it applies from that kernel version on.</p>')
    w('<table class="matrix" id="matrix-table"><thead><tr><th>ABI promise</th>')
    for col in m.columns:
        mark = backend_mark(col)
        arch = f"{col.arch} \u00b7 " if col.arch else ""
        w(f'<th class="col" data-kind="{e(col.kind)}" data-arch="{e(col.arch or "")}" '
          f'title="{e(", ".join(col.sources))}">{e(col.title)}{mark}'
          f'<span class="sub">{e(col.subtitle)}</span>'
          f'<span class="be">{e(arch + col.backend_label)}</span></th>')
    w('</tr></thead>')
    notes = []
    for source, rows in m.groups():
        w(f'<tbody data-source="{e(source)}"><tr class="group"><th colspan="{ncol + 1}">'
          f'{e(promises.SOURCES[source])}</th></tr>')
        for row in rows:
            tags = f'<span class="arch">{e(", ".join(row.arches))}</span>'
            if row.required:
                tags += ' <span class="req">required</span>'
            if row.since:
                tags += f' <span class="since">{e(row.since)}+</span>'
            w(f'<tr data-row="{e(row.id)}"><th class="row">{e(row.label)} {tags}'
              f'<span class="promise">{e(row.promise)}</span></th>')
            for col in m.columns:
                cell = m.cells[(row.id, col.key)]
                tip = cell.detail + (f" ({cell.where})" if cell.where else "")
                extra = ""
                if cell.state == "na":
                    w(f'<td class="mx mx-na" data-col="{e(col.title)}" title="{e(tip)}">'
                      f'{e(cell.detail)}</td>')
                    continue
                if cell.state == "fail":
                    notes.append((row, col, cell))
                    extra = f'<sup><a href="#mx-note-{len(notes)}">{len(notes)}</a></sup>'
                elif cell.detail:
                    extra = f'<span class="why">{e(cell.detail)}</span>'
                w(f'<td class="mx mx-{e(cell.state)}" data-col="{e(col.title)}" '
                  f'title="{e(tip)}">{e(STATE_LABEL[cell.state])}{extra}</td>')
            w('</tr>')
        w('</tbody>')
    w('</table>')
    if m.hidden:
        by_arch = OrderedDict()
        for r in m.hidden:
            by_arch.setdefault(", ".join(r.arches), []).append(r)
        w('<p class="muted" id="matrix-hidden">Not shown: ' + "; ".join(
            f"{len(rs)} {e(a)} promise{'s' if len(rs) > 1 else ''}" for a, rs in by_arch.items())
          + ' that no column of this report can judge.</p>')
    if notes:
        w('<ol class="mx-notes" id="matrix-failures">')
        for i, (row, col, cell) in enumerate(notes, 1):
            w(f'<li id="mx-note-{i}"><b>{e(row.label)}</b>, {e(col.title)}: '
              f'<span class="mono">{e(cell.where)}</span><pre class="dev">{e(cell.detail)}</pre>'
              '</li>')
        w('</ol>')
    for title, text in m.notes:
        w(f'<p class="diagnosis" id="diagnosis-real-mode"><b>{e(title)}:</b> {e(text)}</p>')
    _observations(m, w)


def _observations(m, w):
    """What kernels did where the ABI leaves it open: `# observed:`, never judged."""
    if not m.observations:
        return
    keys = {k for o in m.observations for k in o.cells}
    cols = [c for c in m.columns if c.key in keys]
    w('<h2 id="observations">Observations</h2>')
    w('<p class="legend muted">What each kernel did where the ABI leaves it open, as the '
      'cases printed it (<code># observed:</code>). Not a promise: a difference between '
      'kernels here is no failure.</p>')
    w('<table class="observations" id="observations-table"><thead><tr><th>case</th>'
      '<th>beside the promise</th>')
    for col in cols:
        w(f'<th class="col">{e(col.title)}{backend_mark(col)}'
          f'<span class="sub">{e(col.subtitle)}</span></th>')
    w('</tr></thead><tbody>')
    arches = promises.load().binary_arches()
    for o in m.observations:
        w(f'<tr><td class="mono">{e(o.binary)}: {e(o.label)}</td>'
          f'<td>{e(", ".join(o.promises) or "none")}</td>')
        where = sorted(arches.get(o.binary, ()))
        for col in cols:
            got = o.cells.get(col.key)
            if got is None and col.arch and where and col.arch not in where:
                w(f'<td class="obs-na">n/a ({e(", ".join(where))})</td>')
                continue
            if got is None:
                w('<td class="muted">nothing observed</td>')
                continue
            details = OrderedDict.fromkeys(d for _, d in got.details)
            if len(details) == 1:
                (detail,) = details
                tip = detail
            else:
                detail = ""
                tip = "\n".join(f"{n}: {d}" for n, d in got.details)
            w(f'<td class="obs" title="{e(tip)}"><b>{e(got.phrase)}</b>'
              + (f'<span class="detail mono">{e(detail)}</span>' if detail else
                 f'<span class="detail">{len(details)} details, on hover</span>' if details
                 else '') + '</td>')
        w('</tr>')
    w('</tbody></table>')


def _banner(runs, w):
    binaries = [b for r in runs for b in r.binaries]
    models = [b for b in binaries if b.model]
    if models:
        backends = ", ".join(OrderedDict.fromkeys(b.backend for b in models))
        scope = ("Every result on this page" if len(models) == len(binaries) else
                 f"{len(models)} of {len(binaries)} binaries (marked model)")
        w(f'<div class="model-banner" id="model-banner">Software model, not a kernel result: '
          f'{e(scope)} ran on backend {e(backends)}.</div>')
    harness = [b for b in binaries if b.harness]
    if harness:
        scope = ("Every result on this page" if len(harness) == len(binaries) else
                 f"{len(harness)} of {len(binaries)} binaries (marked harness)")
        w(f'<div class="harness-banner" id="harness-banner">SEV-ES test harness, not an SEV-ES '
          f'hardware result: {e(scope)} ran on backend harness, {e(HARNESS_NOTE)}.</div>')
    if not models and not harness:
        kernels = OrderedDict()
        for r in runs:
            kernels.setdefault((r.info("kernel_under_test", "host"), r.info("kernel_release")),
                               None)
        arches = OrderedDict.fromkeys(a for a in (promises.run_arch(r) for r in runs) if a)
        what = (f"{len(kernels)} kernels" if len(kernels) > 1 else
                "1 kernel") + (f" ({', '.join(arches)})" if arches else "")
        w(f'<div class="kernel-banner" id="kernel-banner">Kernel results: every result on '
          f'this page is a kernel\'s own, {e(what)}; no software model, no test harness. '
          'Each column of the matrix names its backend.</div>')


def render(runs, title=None):
    """One page for one run (a Run) or several (a list of Runs)."""
    if not isinstance(runs, (list, tuple)):
        runs = [runs]
    out = []
    w = out.append
    p = f = s = 0
    for run in runs:
        rp, rf, rs = run.counts()
        p, f, s = p + rp, f + rf, s + rs
    title = "kvm-sysevent report: " + (title or ", ".join(r.source for r in runs))
    w('<!DOCTYPE html>')
    w('<html lang="en"><head><meta charset="utf-8">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    w(f'<title>{e(title)}</title>')
    w(f'<style>{CSS}</style></head><body>')
    _banner(runs, w)
    w('<main>')
    w(f'<h1>{e(title)}</h1>')
    w(f'<p class="counts" id="counts"><span>{p} passed</span><span>{f} failed</span>'
      f'<span>{s} skipped</span></p>')
    _matrix(mx.build(runs), w)
    many = len(runs) > 1
    for i, run in enumerate(runs, 1):
        _body(run, w, f"-{i}" if many else "", i if many else None)
    w(f'<p class="muted">{p} passed, {f} failed, {s} skipped. Generated by kvm-sysevent-report.'
      + (f' {e(MODEL_NOTE.capitalize())}: results marked model.'
         if any(r.any_model for r in runs) else '')
      + (f' {e(HARNESS_NOTE)}: results marked harness.'
         if any(r.any_harness for r in runs) else '') + '</p>')
    w('</main></body></html>')
    return "\n".join(out) + "\n"


def _body(run, w, sfx, number):
    """One run's sections; @sfx makes their ids unique when a page holds several."""
    p, f, s = run.counts()
    if number is not None:
        kut = run.info("kernel_under_test", "host")
        arch = promises.run_arch(run)
        what = (f"{kut} ({run.info('kernel_release')}{', ' + arch if arch else ''}), "
                if kut != "host" else "")
        w(f'<section class="run-section" id="section{sfx}"><h2 class="run-title">Run {number}: '
          f'{e(what)}<span class="mono">{e(run.source)}</span></h2>')
        w(f'<p class="counts" id="counts{sfx}"><span>{p} passed</span><span>{f} failed</span>'
          f'<span>{s} skipped</span></p>')
    w('<div class="cols"><section>')
    w(f'<h2 id="run{sfx}">Run</h2><table class="run"><tbody>')
    facts = [
        ("suite revision", run.info("suite_revision")),
        ("kernel", f"{run.info('kernel_release')} ({run.info('kernel_under_test', 'host')})"),
        ("date", run.info("date")),
        ("ABI profile", ", ".join(run.abi_profiles())),
        ("backend", ", ".join(run.backends())),
        ("input", run.source),
    ]
    if run.summary_line is not None:
        facts.append(("runner's summary", run.summary_line))
    for k, v in facts:
        w(f'<tr><th>{e(k)}</th><td class="mono" id="run-{e(k.replace(" ", "-"))}{sfx}">'
          f'{e(v)}</td></tr>')
    w('</tbody></table>')
    w('</section><section>')
    _inventory(run, w, sfx)
    w('</section></div>')

    w(f'<h2 id="binaries{sfx}">Binaries</h2>')
    w('<table class="binaries"><thead><tr><th>binary</th><th>result</th><th>pass</th>'
      '<th>fail</th><th>skip</th><th>ABI profile</th><th>backend</th><th>exit</th>'
      '<th>notes</th></tr></thead><tbody>')
    for b in run.binaries:
        bp, bf, bs = b.counts()
        ex = ""
        if b.exit:
            ex = f"exit={b.exit.get('exit', '?')} signal={b.exit.get('signal', '-')}"
            if b.seconds is not None:
                ex += f" {b.seconds:g}s"
        notes = "; ".join(([b.reason] if b.reason else []) + b.notes)
        w(f'<tr><td class="mono">{e(b.name)}{backend_mark(b)}</td><td>{badge(b.status)}</td>'
          f'<td>{bp}</td><td>{bf}</td><td>{bs}</td><td>{e(b.abi_profile)}</td>'
          f'<td>{e(b.backend)}</td><td class="mono">{e(ex)}</td><td>{e(notes)}</td></tr>')
    w('</tbody></table>')

    w(f'<h2 id="heatmaps{sfx}">Exhaustive reason sweep</h2>')
    grids = run.grids()
    if not grids:
        w('<p class="muted">This result set has no exhaustive sweep '
          '(<code>sev_es_term_test --exhaustive</code>).</p>')
    else:
        w('<p class="legend"><span><i style="background:var(--pass)"></i>pass</span>'
          '<span><i style="background:var(--fail)"></i>fail</span>'
          '<span><i style="background:var(--skip)"></i>skip</span>'
          '<span><i style="background:var(--none);border:1px solid #ccc"></i>not run</span>'
          ' Rows: reason-code set 0..15; columns: reason code 0x00..0xff.</p>')
        for g in grids:
            _grid(g, w, sfx)

    groups = failure_groups(run)
    nfail = sum(len(items) for _, items in groups)
    w(f'<h2 id="failures{sfx}">Failures ({nfail})</h2>')
    if not nfail:
        w('<p class="muted">No failing result.</p>')
    elif len(groups) < nfail:
        w(f'<p>{nfail} failing results in {len(groups)} groups with the same deviations '
          '(fields and diagnoses); each group shows its first result in full.</p>')
    for sig, items in groups:
        b, c = items[0]
        what = "; ".join(f"{f} [{d.split(':')[0]}]" if d else f for f, d in sig)
        w(f'<div class="fgroup"><h3 class="failure">{len(items)} &times; <span class="mono">'
          f'{e(what)}</span></h3>')
        _failure(b, c, w)
        if len(items) > 1:
            w(f'<details><summary>all {len(items)} results of this group</summary>'
              '<table class="group"><tbody>')
            for gb, gc in items:
                name = f"{gb.name}: {gc.name}" if gc is not None else f"{gb.name} (binary)"
                detail = "".join(f'<pre class="dev">{e(d.raw)}</pre>'
                                 for d in (gc.deviations if gc is not None else []))
                w(f'<tr><td class="mono">{e(name)}{backend_mark(gb)}</td><td>{detail}</td></tr>')
            w('</tbody></table></details>')
        w('</div>')

    skips = OrderedDict()
    for b in run.binaries:
        if b.status == "skip" and not b.cases:
            skips.setdefault(b.reason or "(no reason given)", []).append((b, f"{b.name} (binary)"))
        for c in b.cases:
            if c.status == "skip":
                skips.setdefault(c.reason or "(no reason given)", []).append((c, c.name))
    w(f'<h2 id="skips{sfx}">Skips by reason ({sum(len(v) for v in skips.values())})</h2>')
    if skips:
        w('<table class="skips"><thead><tr><th>reason</th><th>count</th><th>results</th></tr>'
          '</thead><tbody>')
        for reason, items in sorted(skips.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            names = ", ".join(e(n) + backend_mark(o) for o, n in items)
            w(f'<tr><td>{e(reason)}</td><td>{len(items)}</td><td class="mono">{names}</td></tr>')
        w('</tbody></table>')
    else:
        w('<p class="muted">Nothing skipped.</p>')

    w(f'<h2 id="results{sfx}">All results</h2>')
    w(f'<table class="results" id="results-table{sfx}"><thead><tr><th>binary</th><th>test</th>'
      '<th>result</th><th>reason / directive</th><th>deviations</th></tr></thead><tbody>')
    for b in run.binaries:
        for c in b.cases:
            devs = "".join(f'<pre class="dev">{e(d.raw)}</pre>' for d in c.deviations)
            w(f'<tr class="r-{e(c.status)}"><td class="mono">{e(b.name)}</td>'
              f'<td class="mono">{e(c.name)}{backend_mark(c)}</td><td>{badge(c.status)}</td>'
              f'<td>{e(c.reason or c.directive)}</td><td>{devs}</td></tr>')
        if not b.cases:
            w(f'<tr class="r-{e(b.status)}"><td class="mono">{e(b.name)}</td>'
              f'<td class="muted">(whole binary){backend_mark(b)}</td><td>{badge(b.status)}</td>'
              f'<td>{e(b.reason or b.directive)}</td><td></td></tr>')
    w('</tbody></table>')
    if run.problems and run.problems.warnings:
        w(f'<h2 id="warnings{sfx}">Input warnings ({len(run.problems.warnings)})</h2><pre>'
          + e("\n".join(run.problems.format())) + '</pre>')
    if number is not None:
        w('</section>')
