#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write the hand-made result sets in tests/report/data/handmade-* (from docs/output-format.md).

usage: tests/report/make_handmade_fixtures.py tests/report/data
"""
import os, sys
root = sys.argv[1]

def sweep_lines(mode, fails, skip_sets, indent="  "):
    out = []
    for n in range(16):
        name = f"sev_es_sweep.{mode}.set_{n}"
        if n in skip_sets:
            out.append((None, f"ok {{}} {name} # SKIP no SEV-ES VM type"))
            continue
        codes = fails.get(n, "")
        nf = 0
        for part in codes.split(",") if codes else []:
            if "-" in part:
                a, b = part.split("-"); nf += int(b, 16) - int(a, 16) + 1
            else:
                nf += 1
        out.append((f"# sweep: mode={mode} set={n} pass={256 - nf} fail={nf} failed_codes={codes}",
                    f"{'not ok' if nf else 'ok'} {{}} {name}"))
    return out

def binary_stream(name, profile, backend, cases, sweeps=()):
    lines = ["KTAP version 1", f"# kvm-sysevent: {name}", f"# abi-profile: {profile}",
             f"# backend: {backend}"]
    total = len(cases) + len(sweeps)
    lines.append(f"1..{total}")
    lines.append(f"# Starting {total} tests from {total} test cases.")
    n = 0
    p = f_ = s = 0
    for kind, tname, extra in cases:
        n += 1
        lines.append(f"#  RUN           {tname} ...")
        if kind == "pass":
            lines.append(f"#            OK  {tname}"); lines.append(f"ok {n} {tname}"); p += 1
        elif kind == "skip":
            lines.append(f"#      SKIP      {extra}"); lines.append(f"#            OK  {tname}")
            lines.append(f"ok {n} {tname} # SKIP {extra}"); s += 1
        elif kind == "fail":
            for d in extra:
                lines.append(f"# deviation: {d}")
            lines.append(f"#          FAIL  {tname}"); lines.append(f"not ok {n} {tname}"); f_ += 1
    for diag, res in sweeps:
        n += 1
        if diag:
            lines.append(diag)
        lines.append(res.format(n))
        if "SKIP" in res: s += 1
        elif res.startswith("not"): f_ += 1
        else: p += 1
    lines.append(f"# Totals: pass:{p} fail:{f_} xfail:0 xpass:0 skip:{s} error:0")
    return lines, (p, f_, s)

def result_set(d, backend, kernel, fail_type, sweep_fails, desc, crash=False):
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    dev_model = ("field=system_event.type expected=0x6 actual=0x80000004 "
                 'diagnosis="SEV-ES termination reported with the legacy flags bit"')
    sev_cases = [
        ("pass", "sev_es_term.long_0_1.terminate", None),
        ("pass", "sev_es_term.prot_0_1.terminate", None),
        ("skip", "sev_es_term.real_0_0.terminate", "no SEV-ES VM type"),
        ("fail" if fail_type else "pass", "sev_es_term.prot_0_2.terminate",
         [dev_model, "field=system_event.ndata expected=0x1 actual=0x0"]),
        ("pass", "sev_es_term.long_1_ff.terminate", None),
        ("pass", "sev_es_term.long_0_0.ndata", None),
    ]
    sev, sc = binary_stream("sev_es_term_test", "upstream", backend, sev_cases,
                            sweep_lines("long", sweep_fails, {15}) )
    leg_cases = [
        ("pass", "system_event.shutdown.triple_fault", None),
        ("pass", "system_event.reset.hyperv_reset", None),
        ("skip", "system_event.crash.hyperv_crash", "no Hyper-V crash MSRs"),
        ("fail" if crash else "pass", "system_event.shutdown.psci_off",
         ['field=KVM_RUN expected=rc=0 actual=rc=-1 errno=EINVAL']),
    ]
    leg, lc = binary_stream("system_event_legacy_test", "upstream", "kernel", leg_cases)
    top = ["KTAP version 1", f"# kvm-sysevent {desc} on {kernel}", "# abi-profile: upstream",
           f"# backend: {backend}", "1..3"]
    top += ["  " + ln for ln in sev]
    top.append(("not ok" if sc[1] else "ok") + " 1 sev_es_term_test")
    top += ["  " + ln for ln in leg]
    top.append(("not ok" if lc[1] else "ok") + " 2 system_event_legacy_test")
    ghcb = ["KTAP version 1", "# kvm-sysevent: ghcb_nonsev_test", "# abi-profile: upstream",
            f"# backend: {backend}", "1..0 # SKIP no GHCB MSR on this vCPU"]
    top += ["  " + ln for ln in ghcb]
    top.append("ok 3 ghcb_nonsev_test # SKIP no GHCB MSR on this vCPU")
    P = sc[0] + lc[0]; F = sc[1] + lc[1]; S = sc[2] + lc[2] + 1
    top.append(f"{P} passed, {F} failed, {S} skipped")
    open(os.path.join(d, "ktap.txt"), "w").write("\n".join(top) + "\n")
    open(os.path.join(d, "logs", "sev_es_term_test.log"), "w").write("\n".join(sev) + "\n")
    open(os.path.join(d, "logs", "system_event_legacy_test.log"), "w").write("\n".join(leg) + "\n")
    open(os.path.join(d, "logs", "ghcb_nonsev_test.log"), "w").write("\n".join(ghcb) + "\n")
    open(os.path.join(d, "status.txt"), "w").write(
        f"sev_es_term_test exit={1 if sc[1] else 0} signal=- timeout=0 seconds=3\n"
        f"system_event_legacy_test exit={1 if lc[1] else 0} signal=- timeout=0 seconds=1\n"
        "ghcb_nonsev_test exit=4 signal=- timeout=0 seconds=0\n")
    open(os.path.join(d, "summary.txt"), "w").write(f"{P} passed, {F} failed, {S} skipped\n")
    inv = dict(suite_revision=desc, date="2026-11-20T10:00:00Z", hostname="lab-epyc-07",
               kernel_release=kernel, kernel_version="#1 SMP PREEMPT_DYNAMIC Debian",
               kernel_config=f"/boot/config-{kernel}", cpu_vendor="AuthenticAMD", cpu_family="25",
               cpu_model="1", cpu_stepping="1", microcode="0xa0011d5",
               cpu_model_name="AMD EPYC 7713 64-Core Processor",
               kvm_modules="kvm,kvm_amd", kvm_amd_sev="Y", kvm_amd_sev_es="Y", kvm_amd_sev_snp="N",
               sev_api_version="1.55 build 21", abi_profile="upstream", backend=backend,
               nested_qemu="no", kernel_under_test="host")
    open(os.path.join(d, "inventory.txt"), "w").write("".join(f"{k}={v}\n" for k, v in inv.items()))

result_set(os.path.join(root, "handmade-kernel-a"), "kernel", "6.1.0-28-amd64", False,
           {}, "v0.1-4-g1a2b3c4")
result_set(os.path.join(root, "handmade-kernel-b"), "kernel", "6.12.9-amd64", True,
           {3: "0x00-0x0f,0x42", 7: "0xff"}, "v0.1-4-g1a2b3c4", crash=True)
result_set(os.path.join(root, "handmade-model"),
           "model:upstream (software model, not a kernel result)",
           "6.18.44-fc-v657", True, {3: "0x42"}, "v0.1-5-g5d6e7f8")
