# SPDX-License-Identifier: GPL-2.0
"""Compare two or more runs side by side (kernel A vs B, yesterday vs today).

Each run is compared with the one before it: newly failing, newly passing,
changed skip reasons, and other changes (appeared, disappeared, started or
stopped skipping). A result is keyed by (binary, test name).
"""

from collections import OrderedDict

from .resultset import bucket


def _kind(v):
    """"model", "harness" or "" (a kernel result) for a case or binary."""
    return "model" if v.model else "harness" if v.harness else ""


def results(run):
    """(binary, name) -> (status, reason, deviations, kind of backend)."""
    out = OrderedDict()
    for b in run.binaries:
        for c in b.cases:
            out[(b.name, c.name)] = (c.status, c.reason, c.deviations, _kind(c))
        if not b.cases:
            out[(b.name, "(binary)")] = (b.status, b.reason, [], _kind(b))
    return out


def diff(a, b):
    ra, rb = results(a), results(b)
    d = {"newly_failing": [], "newly_passing": [], "skip_reason": [], "other": []}
    for key in OrderedDict.fromkeys(list(ra) + list(rb)):
        old, new = ra.get(key), rb.get(key)
        if old is None:
            if bucket(new[0]) == "failed":
                d["newly_failing"].append((key, None, new))
            else:
                d["other"].append((key, None, new))
            continue
        if new is None:
            d["other"].append((key, old, None))
            continue
        bo, bn = bucket(old[0]), bucket(new[0])
        if bn == "failed" and bo != "failed":
            d["newly_failing"].append((key, old, new))
        elif bo == "failed" and bn == "passed":
            d["newly_passing"].append((key, old, new))
        elif bo == bn == "skipped" and old[1] != new[1]:
            d["skip_reason"].append((key, old, new))
        elif old[0] != new[0] or (bo == bn == "failed" and
                                  [x.raw for x in old[2]] != [x.raw for x in new[2]]):
            d["other"].append((key, old, new))
    return d


def _label(i):
    return chr(ord("A") + i) if i < 26 else f"R{i}"


def _st(r):
    if r is None:
        return "-"
    return r[0] + ({"model": " [model]", "harness": " [harness]"}.get(r[3], ""))


def render(runs):
    out = []
    w = out.append
    for i, run in enumerate(runs):
        p, f, s = run.counts()
        w(f"{_label(i)} = {run.source}: kernel {run.info('kernel_release')} "
          f"({run.info('kernel_under_test', 'host')}), abi-profile "
          f"{', '.join(run.abi_profiles())}, backend {', '.join(run.backends())}; "
          f"{p} passed, {f} failed, {s} skipped")
    for i in range(1, len(runs)):
        a, b = runs[i - 1], runs[i]
        if a.backends() != b.backends():
            w(f"note: {_label(i - 1)} and {_label(i)} ran on different backends "
              f"({', '.join(a.backends())} vs {', '.join(b.backends())}): a difference between "
              "them is not a kernel change")
        if a.abi_profiles() != b.abi_profiles():
            w(f"note: {_label(i - 1)} and {_label(i)} check different ABI profiles")

    table = [results(r) for r in runs]
    keys = list(OrderedDict.fromkeys(k for t in table for k in t))
    changed = [k for k in keys if len({_st(t.get(k)) for t in table}) > 1
               or len({(t.get(k) or ("", "", [], False))[1] for t in table}) > 1]
    w("")
    if changed:
        wb = max(len(k[0]) for k in changed)
        wn = max(len(k[1]) for k in changed)
        w(f"Side by side ({len(changed)} of {len(keys)} results differ):")
        head = "  ".join(f"{_label(i):<10}" for i in range(len(runs)))
        w(f"  {'binary':<{wb}}  {'test':<{wn}}  {head}")
        for k in changed:
            cols = "  ".join(f"{_st(t.get(k)):<10}" for t in table)
            w(f"  {k[0]:<{wb}}  {k[1]:<{wn}}  {cols}".rstrip())
    else:
        w(f"Side by side: all {len(keys)} results are the same in every run.")

    newly_failing = 0
    for i in range(1, len(runs)):
        d = diff(runs[i - 1], runs[i])
        newly_failing += len(d["newly_failing"])
        pair = f"{_label(i - 1)} -> {_label(i)}"
        w("")
        w(f"{pair}: {len(d['newly_failing'])} newly failing, {len(d['newly_passing'])} newly "
          f"passing, {len(d['skip_reason'])} changed skip reasons, {len(d['other'])} other changes")
        for title, items in (("newly failing", d["newly_failing"]),
                             ("newly passing", d["newly_passing"])):
            if items:
                w(f"  {title}:")
            for (binary, name), old, new in items:
                w(f"    {binary}: {name}  {_st(old)} -> {_st(new)}")
                if new and bucket(new[0]) == "failed":
                    for dev in new[2]:
                        w(f"        {dev.raw}")
        if d["skip_reason"]:
            w("  changed skip reasons:")
        for (binary, name), old, new in d["skip_reason"]:
            w(f"    {binary}: {name}  '{old[1]}' -> '{new[1]}'")
        if d["other"]:
            w("  other changes:")
        for (binary, name), old, new in d["other"]:
            what = ("appeared" if old is None else "disappeared" if new is None
                    else f"{_st(old)} -> {_st(new)}")
            if old and new and old[0] == new[0]:
                what = f"{new[0]}, deviations changed"
            w(f"    {binary}: {name}  {what}")
    return "\n".join(out) + "\n", newly_failing
