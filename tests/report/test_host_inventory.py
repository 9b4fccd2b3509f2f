# SPDX-License-Identifier: GPL-2.0
"""tools/host_inventory: the inventory.txt writer the runner calls.

Uses the built binary when `make` has made it, else compiles the one source
file with the suite's warning flags (skipped without a C compiler).
"""

import os
import platform
import re
import shutil
import subprocess

import pytest

from conftest import TOP, data

SRC = os.path.join(TOP, "tools", "host_inventory.c")
CFLAGS = ["-std=gnu11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra", "-Werror", "-Wformat=2",
          "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wno-unused-parameter"]

CONTRACT_KEYS = [
    "suite_revision", "date", "hostname", "kernel_release", "kernel_version", "kernel_config",
    "cpu_vendor", "cpu_family", "cpu_model", "cpu_stepping", "microcode", "cpu_model_name",
    "kvm_modules", "kvm_amd_sev", "kvm_amd_sev_es", "kvm_amd_sev_snp", "sev_api_version",
    "abi_profile", "backend", "nested_qemu", "kernel_under_test",
]


def _compile(out, extra=()):
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler")
    proc = subprocess.run([cc] + CFLAGS + list(extra) + ["-o", str(out), SRC],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr.decode()
    return str(out)


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    built = os.path.join(TOP, os.environ.get("BUILD", "build"), "tools", "host_inventory")
    if os.access(built, os.X_OK) and os.path.getmtime(built) >= os.path.getmtime(SRC):
        return built
    return _compile(tmp_path_factory.mktemp("hi") / "host_inventory")


def _run(tool, *args, **kw):
    return subprocess.run([tool] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=60, **kw)


def _parse(out):
    lines = out.decode().splitlines()
    kv = {}
    for ln in lines:
        key, sep, value = ln.partition("=")
        assert sep, f"not key=value: {ln!r}"
        assert key not in kv, f"{key} twice"
        kv[key] = value
    return kv


def test_all_contract_keys(tool):
    proc = _run(tool, "--abi-profile", "proposal-2022", "--backend", "kernel",
                "--kernel-under-test", "6.12.9-amd64", "--suite-revision", "v0.1-3-gabc")
    assert proc.returncode == 0 and proc.stderr == b""
    kv = _parse(proc.stdout)
    assert set(CONTRACT_KEYS) <= set(kv)
    assert kv["suite_revision"] == "v0.1-3-gabc"
    assert kv["abi_profile"] == "proposal-2022"
    assert kv["backend"] == "kernel"
    assert kv["kernel_under_test"] == "6.12.9-amd64"
    assert kv["kernel_release"] == platform.release()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", kv["date"])
    assert kv["kernel_config"] in ("/proc/config.gz", f"/boot/config-{platform.release()}",
                                   "unreadable")
    for k in ("kvm_amd_sev", "kvm_amd_sev_es", "kvm_amd_sev_snp"):
        assert kv[k] in ("Y", "N", "absent", "unreadable"), k
    assert re.match(r"^(\d+\.\d+ build \d+|unavailable)$", kv["sev_api_version"])
    assert kv["nested_qemu"] in ("yes", "no")
    assert all(v != "" for v in kv.values())


def test_cpu_fields_follow_proc_cpuinfo(tool):
    try:
        with open("/proc/cpuinfo") as f:
            block = f.read().split("\n\n")[0]
    except OSError:
        pytest.skip("/proc/cpuinfo unreadable")
    info = {}
    for ln in block.splitlines():
        k, _, v = ln.partition(":")
        info.setdefault(k.strip(), v.strip())
    kv = _parse(_run(tool).stdout)
    for cpuinfo, key in (("vendor_id", "cpu_vendor"), ("cpu family", "cpu_family"),
                         ("model", "cpu_model"), ("stepping", "cpu_stepping"),
                         ("microcode", "microcode"), ("model name", "cpu_model_name")):
        assert kv[key] == info.get(cpuinfo, "absent"), key


def test_kvm_modules_match_sysfs(tool):
    kv = _parse(_run(tool).stdout)
    try:
        mods = sorted(m for m in os.listdir("/sys/module") if m.startswith("kvm"))
    except OSError:
        pytest.skip("/sys/module unreadable")
    assert kv["kvm_modules"] == (",".join(mods) or "none")


def test_defaults_and_values_stay_on_one_line(tool):
    kv = _parse(_run(tool).stdout)
    assert (kv["suite_revision"], kv["abi_profile"], kv["backend"], kv["kernel_under_test"]) == (
        "unknown", "unknown", "unknown", "host")
    proc = _run(tool, "--backend", "kernel\nhostname=evil", "--suite-revision", "  ")
    kv = _parse(proc.stdout)
    assert kv["backend"] == "kernel hostname=evil"
    assert kv["hostname"] != "evil"
    assert kv["suite_revision"] == "unknown"


def test_help_and_usage_errors(tool):
    proc = _run(tool, "--help")
    assert proc.returncode == 0 and proc.stdout.startswith(b"usage: host_inventory")
    for args in (["--bogus"], ["--backend"], ["extra"], ["-x"]):
        proc = _run(tool, *args)
        assert proc.returncode == 2, args
        assert proc.stdout == b""
        assert len(proc.stderr.decode().strip().splitlines()) == 1, args
        assert "see --help" in proc.stderr.decode()


def test_write_error_is_exit_1(tool):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([tool], stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 1
    assert b"cannot write the inventory" in proc.stderr


def test_needs_no_root(tool, tmp_path):
    if os.geteuid() != 0:
        proc = _run(tool)
    else:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("running as root without setpriv to drop privileges")
        copy = tmp_path / "host_inventory"
        shutil.copy(tool, copy)
        os.chmod(tmp_path, 0o755)
        proc = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                               str(copy)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert set(CONTRACT_KEYS) <= set(_parse(proc.stdout))


def test_links_statically(tmp_path):
    libc_a = [p for p in ("/usr/lib/x86_64-linux-gnu/libc.a", "/usr/lib/libc.a")
              if os.path.exists(p)]
    if not libc_a:
        pytest.skip("no static libc (Debian libc6-dev)")
    exe = _compile(tmp_path / "host_inventory", extra=["-static"])
    proc = _run(exe, "--backend", "kernel")
    assert proc.returncode == 0
    assert set(CONTRACT_KEYS) <= set(_parse(proc.stdout))


def test_reporter_reads_its_output(tool, tmp_path, cli):
    d = tmp_path / "set"
    shutil.copytree(data("handmade-kernel-a"), d)
    proc = _run(tool, "--abi-profile", "upstream", "--backend", "kernel")
    (d / "inventory.txt").write_bytes(proc.stdout)
    res = cli("summary", "--strict", d)
    assert res.rc == 0, res.err
    assert f"kernel {platform.release()} (host)" in res.out
