# SPDX-License-Identifier: GPL-2.0
"""JUnit XML for GitLab and Jenkins: one <testsuite> per binary.

Mapping: `not ok` -> <failure> (the deviations are its text); TIMEOUT, CRASH,
ERROR and missing results -> <error>; SKIP -> <skipped message=reason>;
XFAIL -> a pass with a <system-out> note; XPASS -> <failure>. Model runs get
the classname `kvm_sysevent.model.<binary>`, so GitLab shows them apart.
"""

import re
import xml.etree.ElementTree as ET

from .resultset import HARNESS_NOTE, INVENTORY_KEYS, MODEL_NOTE

# Characters XML 1.0 cannot carry at all.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text):
    return _XML_BAD.sub("\ufffd", str(text))


def classname(b):
    if b.model:
        return f"kvm_sysevent.model.{b.name}"
    if b.harness:
        return f"kvm_sysevent.harness.{b.name}"
    return f"kvm_sysevent.{b.name}"


def _case_element(parent, b, name, status, reason, directive, deviations, diagnostics, seconds):
    tc = ET.SubElement(parent, "testcase", classname=clean(classname(b)), name=clean(name))
    if seconds is not None:
        tc.set("time", f"{seconds:.3f}")
    text = "\n".join(d.raw for d in deviations) or "\n".join(diagnostics[-20:])
    if status == "skip":
        ET.SubElement(tc, "skipped", message=clean(reason or "skipped"))
    elif status in ("fail", "xpass"):
        msg = (f"{len(deviations)} deviation(s)" if deviations else
               "unexpected pass (XPASS)" if status == "xpass" else "failed")
        el = ET.SubElement(tc, "failure", message=clean(msg), type=status)
        el.text = clean(text)
    elif status in ("timeout", "crash", "error", "missing"):
        msg = f"{status}: {reason or directive}".strip(": ")
        el = ET.SubElement(tc, "error", message=clean(msg), type=status)
        el.text = clean(text)
    out = []
    if b.model:
        out.append(f"backend {b.backend}: {MODEL_NOTE}")
    elif b.harness:
        out.append(f"backend harness: {HARNESS_NOTE}")
    if status == "xfail":
        out.append(f"expected failure (XFAIL){': ' + reason if reason else ''}")
    if out:
        ET.SubElement(tc, "system-out").text = clean("\n".join(out))
    return tc


def render(run):
    root = ET.Element("testsuites", name="kvm-sysevent")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for b in run.binaries:
        suite = ET.SubElement(root, "testsuite", name=clean(b.name))
        if run.inventory.get("hostname"):
            suite.set("hostname", clean(run.inventory["hostname"]))
        if run.inventory.get("date"):
            suite.set("timestamp", clean(run.inventory["date"].rstrip("Z")))
        props = ET.SubElement(suite, "properties")
        facts = [("abi_profile", b.abi_profile or "unknown"), ("backend", b.backend or "unknown")]
        if b.model:
            facts.append(("note", MODEL_NOTE))
        elif b.harness:
            facts.append(("note", HARNESS_NOTE))
        facts += [(k, run.inventory[k]) for k, _ in INVENTORY_KEYS
                  if k in run.inventory and k not in ("abi_profile", "backend")]
        for k, v in facts:
            ET.SubElement(props, "property", name=clean(k), value=clean(v))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        entries = [(c.name, c.status, c.reason, c.directive, c.deviations, c.diagnostics)
                   for c in b.cases]
        if not b.cases or (b.failed and not any(c.failed for c in b.cases)):
            # The binary's own verdict: no results, or it failed with none failing.
            reason = b.reason or "; ".join(b.notes)
            entries.append((b.name if not b.cases else f"{b.name}.binary", b.status, reason,
                            b.directive, [], b.diagnostics))
        for name, status, reason, directive, deviations, diagnostics in entries:
            seconds = b.seconds if len(entries) == 1 else None
            _case_element(suite, b, name, status, reason, directive, deviations, diagnostics,
                          seconds)
            counts["tests"] += 1
            if status == "skip":
                counts["skipped"] += 1
            elif status in ("fail", "xpass"):
                counts["failures"] += 1
            elif status in ("timeout", "crash", "error", "missing"):
                counts["errors"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        if b.seconds is not None:
            suite.set("time", f"{b.seconds:.3f}")
            total_time += b.seconds
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
