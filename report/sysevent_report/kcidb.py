# SPDX-License-Identifier: GPL-2.0
"""KCIDB v5.3 JSON (kernelci kcidb-io): tests of one build.

Every id carries the origin the user gives (`<origin>:...`); paths are
dot-separated `[A-Za-z0-9_-]` components under a prefix (default
`kvm_sysevent`), one node per binary and one per case. Statuses: pass and
xfail -> PASS, fail and xpass -> FAIL, skip -> SKIP, timeout, crash and error
-> ERROR, planned results that never ran -> MISS. Results of the software
model and of the SEV-ES test harness (a test-only kvm_amd patch) are left
out: they are not results about the kernel build.
"""

import hashlib
import json
import re

from .resultset import INVENTORY_KEYS

ORIGIN_RE = re.compile(r"^[a-z0-9_]+$")
PATH_RE = re.compile(r"^([A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)?$")
STATUS = {
    "pass": "PASS", "xfail": "PASS", "fail": "FAIL", "xpass": "FAIL", "skip": "SKIP",
    "timeout": "ERROR", "crash": "ERROR", "error": "ERROR", "missing": "MISS",
}
LOG_EXCERPT_MAX = 16384


class KcidbError(Exception):
    pass


def component(text):
    """One path component: characters outside [A-Za-z0-9_-] become `_`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "_"


def case_path(prefix, binary, name):
    """`sev_es_term.long_0_1.terminate` keeps its dots as path separators."""
    parts = [component(p) for p in name.split(".")]
    return ".".join([prefix, component(binary)] + parts)


def _nonul(text):
    return str(text).replace("\0", "\ufffd")


def _excerpt(lines):
    text = "\n".join(lines)
    if len(text) > LOG_EXCERPT_MAX:
        text = text[-LOG_EXCERPT_MAX:]
    return _nonul(text)


def run_id(run):
    """A stable id for a result set: the same input gives the same ids."""
    h = hashlib.sha256()
    h.update(run.ktap_bytes or b"")
    for key in ("hostname", "date", "kernel_release", "suite_revision"):
        h.update(b"\0" + run.inventory.get(key, "").encode("utf-8", "replace"))
    if not run.ktap_bytes:
        for b in run.binaries:
            for c in b.cases:
                h.update(f"\0{b.name}\0{c.name}\0{c.status}".encode("utf-8", "replace"))
    return h.hexdigest()[:16]


def render(run, origin, build_id=None, path_prefix="kvm_sysevent", rid=None):
    """Returns (json text, number of model results left out)."""
    if not ORIGIN_RE.match(origin or ""):
        raise KcidbError(f"origin '{origin}' must match [a-z0-9_]+")
    if not PATH_RE.match(path_prefix) or not path_prefix:
        raise KcidbError(f"path prefix '{path_prefix}' must be dot-separated [A-Za-z0-9_-] parts")
    if build_id is None:
        build_id = f"{origin}:kernel_{component(run.info('kernel_release'))}"
    elif not build_id.startswith(origin + ":"):
        build_id = f"{origin}:{build_id}"
    if "\0" in build_id:
        raise KcidbError("build id contains NUL")
    rid = rid or run_id(run)
    environment = {
        "comment": _nonul(f"{run.info('hostname')}: {run.inventory.get('cpu_model_name', '?')}"),
        "misc": {k: _nonul(run.inventory[k]) for k, _ in INVENTORY_KEYS if k in run.inventory},
    }
    start_time = run.inventory.get("date")
    if start_time and not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
                                   start_time):
        start_time = None
    tests = []
    used = {}
    left_out = 0

    def add(path, status, misc, excerpt=None, duration=None, comment=None):
        if path in used:
            used[path] += 1
            path = f"{path}_dup{used[path]}"
        used[path] = 1
        t = {
            "id": f"{origin}:{rid}.{path}",
            "build_id": build_id,
            "origin": origin,
            "path": path,
            "status": status,
            "environment": environment,
            "misc": misc,
        }
        if start_time:
            t["start_time"] = start_time
        if excerpt:
            t["log_excerpt"] = excerpt
        if duration is not None:
            t["duration"] = duration
        if comment:
            t["comment"] = _nonul(comment)
        tests.append(t)

    for b in run.binaries:
        if b.model or b.harness:
            left_out += len(b.cases) or 1
            continue
        base = {"abi_profile": b.abi_profile or "unknown", "backend": b.backend or "unknown",
                "suite_revision": run.info("suite_revision")}
        misc = dict(base, ktap_status=b.status)
        if b.reason:
            misc["reason"] = _nonul(b.reason)
        if b.notes:
            misc["notes"] = [_nonul(n) for n in b.notes]
        if b.exit:
            misc["exit"] = {k: _nonul(v) for k, v in b.exit.items()}
        add(".".join([path_prefix, component(b.name)]), STATUS.get(b.status, "ERROR"), misc,
            excerpt=_excerpt(b.diagnostics[-200:]) if b.failed else None,
            duration=b.seconds, comment=b.reason or None)
        for c in b.cases:
            misc = dict(base, ktap_status=c.status, ktap_name=_nonul(c.name))
            if c.directive:
                misc["directive"] = _nonul(c.directive)
            if c.reason:
                misc["reason"] = _nonul(c.reason)
            if c.deviations:
                misc["deviations"] = [
                    {"field": _nonul(d.field), "expected": _nonul(d.expected),
                     "actual": _nonul(d.actual), "diagnosis": _nonul(d.diagnosis)}
                    for d in c.deviations]
            excerpt = None
            if c.failed:
                excerpt = _excerpt([d.raw for d in c.deviations] or c.diagnostics[-200:])
            add(case_path(path_prefix, b.name, c.name), STATUS[c.status], misc, excerpt=excerpt,
                comment=c.reason if c.status == "skip" else None)
        if b.missing:
            misc = dict(base, ktap_status="missing", planned=b.planned, missing=b.missing)
            add(".".join([path_prefix, component(b.name), "missing_results"]), "MISS", misc,
                comment=f"{b.missing} of {b.planned} planned results never reported")
    doc = {"version": {"major": 5, "minor": 3}, "tests": tests}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n", left_out
