#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write the hand-made result sets tests/report/data/handmade-*.

usage: tests/report/make_handmade_fixtures.py DIR     (DIR: tests/report/data)

They stand for what no machine of this project gives: a run on an EPYC lab
host with SEV-ES (handmade-kernel-a: everything passes; handmade-kernel-b:
a kernel with the 2022 numbering in one case, a sweep with failing codes,
Hyper-V's CRASH reported as RESET), and the software model's proposal-2022
behaviour under the upstream profile, which fails every SEV-ES case
(handmade-model; its lines are those tests/mutation/ sees). Everything else is the suite's own output, as
docs/output-format.md and the binaries print it:

- every case name is one the binaries register (test_fixtures.py reads
  them from the C sources through report/sysevent_report/cases.py);
- every deviation line is in the oracle's format, `field=F expected=E
  actual=A diagnosis="ID: TEXT"`, with the id and its text read from the
  oracle's catalogue in lib/sysevent.c at generation time, and the values
  the oracle would print for the behaviour named;
- skip reasons are the fixed phrases the suite prints;
- the framing lines (`#  RUN`, `#      SKIP`, `#            OK`, `#
  FAIL`, `Test terminated by assertion`, `# Totals:`) are the kselftest
  harness's, the header lines run_tests.sh's and the binaries'.

The deliberate differences, each on purpose (DELIBERATE lists them):
- results an SEV-ES host gives (passes, the failures above) where this
  project's machines skip every SEV-ES case: the reporter's pages, JUnit,
  KCIDB and compare need them;
- each binary runs a few of its cases, as a run filtered with the harness's
  -v/-f options prints them (`1..N` counts those), so that a fixture stays
  small enough to read; the names are the binaries' own;
- the harness's `file:line:test:Expected ...` line before `Test terminated
  by assertion` is left out (its line number would only go stale);
- ghcb_nonsev_test is `1..0 # SKIP <reason>`, the contract's whole-binary
  skip, which none of the binaries prints today (docs/output-format.md), so
  that the reporter's handling of it stays tested; its reason is the one
  phrase here the suite never prints.

Regenerate after the suite changes a name, a phrase or a diagnosis text;
tests/report/test_fixtures.py fails until then.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

SETS = ("handmade-kernel-a", "handmade-kernel-b", "handmade-model")

# The one skip reason the suite never prints (see above).
WHOLE_BINARY_SKIP = "no GHCB MSR on this vCPU"
DELIBERATE_REASONS = {WHOLE_BINARY_SKIP}
DELIBERATE = {
    "sev-es-host": "SEV-ES results of a host this project has none of",
    "filtered": "a few cases of each binary, as a run filtered with -v/-f",
    "no-assert-line": "the harness's file:line assertion line left out",
    "whole-binary-skip": f"ghcb_nonsev_test `1..0 # SKIP {WHOLE_BINARY_SKIP}`",
}

KNOWN_RE = re.compile(r'\[(KB_\w+)\]\s*=\s*\{\s*"([^"]+)",\s*"((?:[^"\\]|\\.)*)"\s*\}')


def catalogue(top=TOP):
    """{diagnosis id: text} of the oracle's catalogue (lib/sysevent.c)."""
    with open(os.path.join(top, "lib", "sysevent.c"), encoding="utf-8") as f:
        text = f.read()
    return {m.group(2): m.group(3) for m in KNOWN_RE.finditer(text)}


def ghcb_value(set_, code):
    """The GHCB MSR value of a termination request: GHCBInfo 0x100, the
    reason-code set in bits 15:12, the reason code in bits 23:16."""
    return (code << 16) | (set_ << 12) | 0x100


def deviation(cat, field, expected, actual, kb=None):
    line = f"field={field} expected={expected} actual={actual}"
    if kb is not None:
        if kb not in cat:
            sys.exit(f"make_handmade_fixtures.py: no diagnosis '{kb}' in lib/sysevent.c")
        line += f' diagnosis="{kb}: {cat[kb]}"'
    return line


def parse_codes(codes):
    out = []
    for part in codes.split(",") if codes else []:
        a, _, b = part.partition("-")
        out += list(range(int(a, 16), int(b or a, 16) + 1))
    return out


class Binary:
    """One binary's stream, as the kselftest harness prints it."""

    def __init__(self, name, profile, backend):
        self.name, self.lines, self.counts = name, [], [0, 0, 0]
        self.head = ["KTAP version 1", f"# kvm-sysevent: {name}",
                     f"# abi-profile: {profile}", f"# backend: {backend}"]
        self.n = 0

    def case(self, name, result, extra=None, pre=()):
        """result: pass, skip (extra: the reason) or fail (extra: the
        deviation lines); pre: diagnostics printed before the verdict."""
        self.n += 1
        test = name.rsplit(".", 1)[1]
        self.lines.append(f"#  RUN           {name} ...")
        self.lines += list(pre)
        if result == "pass":
            self.lines += [f"#            OK  {name}", f"ok {self.n} {name}"]
            self.counts[0] += 1
        elif result == "skip":
            self.lines += [f"#      SKIP      {extra}", f"#            OK  {name}",
                           f"ok {self.n} {name} # SKIP {extra}"]
            self.counts[2] += 1
        else:
            self.lines += [f"# {d}" for d in extra]
            self.lines += [f"# {test}: Test terminated by assertion",
                           f"#          FAIL  {name}", f"not ok {self.n} {name}"]
            self.counts[1] += 1

    def stream(self):
        p, f, s = self.counts
        plan = [f"1..{self.n}", f"# Starting {self.n} tests from {self.n} test cases."]
        tail = []
        if f == 0:
            tail.append(f"# PASSED: {p + s} / {self.n} tests passed.")
        else:
            tail.append(f"# FAILED: {p + s} / {self.n} tests passed.")
        tail.append(f"# Totals: pass:{p} fail:{f} xfail:0 xpass:0 skip:{s} error:0")
        return self.head + plan + self.lines + tail

    def exit(self):
        p, f, s = self.counts
        return 1 if f else (4 if not p else 0)


PROPOSAL_2022 = (  # what the oracle prints for the 2022 numbering under the upstream profile
    ("system_event.type", "0x6(SEV_TERM)", "0x4(WAKEUP)", "sev-term-4"),
    ("system_event.type.bit31", "0", "1", "bit31-upstream"),
)


def sev_binary(cat, backend, model, fail_type, sweep_fails):
    """model: the software model's proposal-2022 behaviour, which gets every
    case wrong; else an SEV-ES host whose kernel gets wrong the one case
    fail_type says and the sweep codes sweep_fails says."""
    b = Binary("sev_es_term_test", "upstream", backend)
    wrong = ["deviation: " + deviation(cat, *d) for d in PROPOSAL_2022]

    def term(name, fails=False):
        if model or fails:
            b.case(name, "fail", wrong)
        else:
            b.case(name, "pass")
    term("sev_es_term.long_set0_code1_dbg.terminate")
    term("sev_es_term.prot_set0_code1_dbg.terminate")
    # The SNP variants skip: kvm_amd_sev_snp=N in the inventory, or the model.
    b.case("sev_es_term.real_snp_set0_code0_dbg.terminate", "skip",
           "SNP is not modelled" if model else "SNP not enabled in kvm_amd")
    # A kernel on the 2022 proposal's numbering (SEV_TERM 4 with bit 31,
    # NDATA_VALID) judged under the upstream profile: the oracle's two lines
    # (the model's proposal-2022 behaviour gives them, tests/mutation/).
    term("sev_es_term.prot_set0_code2_dbg.terminate", fail_type)
    term("sev_es_term.long_set15_code255_dbg.terminate")
    term("sev_es_reentry.long.second_request")
    for n in range(16):
        name = f"sev_es_sweep.long.set_{n}"
        if n == 15 and not model:
            # Nothing judged because of the host's state: a skip, no sweep line.
            b.case(name, "skip", "no SEV-ES ASID available")
            continue
        if model:
            codes, kb = "0x00-0xff", None
        else:
            codes, kb = sweep_fails.get(n, ("", None))
        failed = parse_codes(codes)
        sweep = (f"# sweep: mode=long set={n} pass={256 - len(failed)} fail={len(failed)} "
                 f"failed_codes={codes}")
        if not failed:
            b.case(name, "pass", pre=[sweep])
            continue
        # The sweep prints the first deviation of its first failing code.
        code = failed[0]
        if model:
            first = deviation(cat, *PROPOSAL_2022[0])
        else:
            want = ghcb_value(n, code)
            got = {"value-masked": want & 0xfff000, "stale-data0": 0xa5a5a5a5a5a5a5a5}[kb]
            first = deviation(cat, "system_event.data[0]", f"0x{want:x}", f"0x{got:x}", kb)
        b.case(name, "fail", [], pre=[sweep, f"# code 0x{code:02x}: deviation: {first}"])
    return b


def legacy_binary(cat, crash_fails):
    b = Binary("system_event_legacy_test", "upstream", "kernel")
    b.case("triple_fault.long.ud_empty_idt", "pass")
    b.case("hyperv.long.reset", "pass")
    b.case("triple_fault_event.long.injected", "skip", "no KVM_CAP_X86_TRIPLE_FAULT_EVENT")
    if crash_fails:
        # Hyper-V's crash MSR reported as RESET: the oracle names the swap.
        b.case("hyperv.long.crash", "fail", [
            "deviation: " + deviation(cat, "system_event.type", "0x3(CRASH)", "0x2(RESET)",
                                      "reset-crash-swapped")])
    else:
        b.case("hyperv.long.crash", "pass")
    return b


def result_set(d, cat, backend, kernel, rev, fail_type, sweep_fails, crash_fails=False):
    """One result set in d: backend `hardware` (an SEV-ES host) or the
    model's `model:proposal-2022`."""
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    model = backend.startswith("model:")
    header_backend = (f"{backend} (software model, not a kernel result)" if model else backend)
    sev = sev_binary(cat, header_backend, model, fail_type, sweep_fails)
    leg = legacy_binary(cat, crash_fails)
    ghcb_lines = ["KTAP version 1", "# kvm-sysevent: ghcb_nonsev_test",
                  "# abi-profile: upstream", "# backend: kernel",
                  f"1..0 # SKIP {WHOLE_BINARY_SKIP}"]
    top = ["KTAP version 1", f"# kvm-sysevent {rev} on {kernel}", "# abi-profile: upstream",
           f"# backend: {header_backend}", "# timeout: 120s per binary",
           "1..3"]
    top += ["  " + ln for ln in sev.stream()]
    top.append(("not ok" if sev.counts[1] else "ok") + " 1 sev_es_term_test")
    top += ["  " + ln for ln in leg.stream()]
    top.append(("not ok" if leg.counts[1] else "ok") + " 2 system_event_legacy_test")
    top += ["  " + ln for ln in ghcb_lines]
    top.append(f"ok 3 ghcb_nonsev_test # SKIP {WHOLE_BINARY_SKIP}")
    P = sev.counts[0] + leg.counts[0]
    F = sev.counts[1] + leg.counts[1]
    S = sev.counts[2] + leg.counts[2] + 1
    top.append(f"{P} passed, {F} failed, {S} skipped")

    def write(name, lines):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    write("ktap.txt", top)
    write(os.path.join("logs", "sev_es_term_test.log"), sev.stream())
    write(os.path.join("logs", "system_event_legacy_test.log"), leg.stream())
    write(os.path.join("logs", "ghcb_nonsev_test.log"), ghcb_lines)
    write("status.txt", [
        f"sev_es_term_test exit={sev.exit()} signal=- timeout=0 seconds=3",
        f"system_event_legacy_test exit={leg.exit()} signal=- timeout=0 seconds=1",
        "ghcb_nonsev_test exit=4 signal=- timeout=0 seconds=0"])
    write("summary.txt", [f"{P} passed, {F} failed, {S} skipped"])
    # run_tests.sh's inventory keys, in its order, for an EPYC lab host.
    inv = [("suite_revision", rev), ("date", "2026-11-20T10:00:00Z"), ("hostname", "lab-epyc-07"),
           ("kernel_release", kernel), ("kernel_version", "#1 SMP PREEMPT_DYNAMIC Debian"),
           ("arch", "x86_64"), ("kernel_config", f"/boot/config-{kernel}"),
           ("cpu_vendor", "AuthenticAMD"), ("cpu_family", "25"), ("cpu_model", "1"),
           ("cpu_stepping", "1"), ("microcode", "0xa0011d5"),
           ("cpu_model_name", "AMD EPYC 7713 64-Core Processor"),
           ("kvm_modules", "kvm,kvm_amd"), ("kvm_modules_builtin", "none"),
           ("kvm_amd_sev", "Y"), ("kvm_amd_sev_es", "Y"), ("kvm_amd_sev_snp", "N"),
           ("kvm_amd_sev_es_test_harness", "absent"), ("sev_api_version", "1.55 build 21"),
           ("abi_profile", "upstream"), ("backend", backend), ("hypervisor", ""),
           ("nested_qemu", "no"), ("kernel_under_test", "host"), ("exhaustive", "yes"),
           ("sweep", "loop")]
    write("inventory.txt", [f"{k}={v}" for k, v in inv])


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = argv[1]
    cat = catalogue()
    result_set(os.path.join(root, "handmade-kernel-a"), cat, "hardware", "6.1.0-28-amd64",
               "v0.1-4-g1a2b3c4", False, {})
    result_set(os.path.join(root, "handmade-kernel-b"), cat, "hardware", "6.12.9-amd64",
               "v0.1-4-g1a2b3c4", True,
               {3: ("0x00-0x0f,0x42", "value-masked"), 7: ("0xff", "stale-data0")},
               crash_fails=True)
    result_set(os.path.join(root, "handmade-model"), cat, "model:proposal-2022",
               "6.18.44-fc-v657", "v0.1-5-g5d6e7f8", True, {})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
