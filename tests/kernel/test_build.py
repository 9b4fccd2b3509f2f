# SPDX-License-Identifier: GPL-2.0
"""The build room: the compiler a line's modules need (toolchain.py), read from the
kernel's own config, this machine's when it has it, else a chroot that needs root (a clear
error without it, never a skip); and build.py's kbuild command rerun and patch reading."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import arches, toolchain  # noqa: E402


def config(tmp_path, text, gcc):
	p = tmp_path / ".config"
	p.write_text(f'CONFIG_CC_VERSION_TEXT="{text}"\nCONFIG_GCC_VERSION={gcc}\nCONFIG_KVM=m\n')
	return str(p)


@pytest.mark.parametrize("text,gcc,arch,cmd,pkg", [
	("x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0", 140200, "x86_64",
	 "x86_64-linux-gnu-gcc-14", "gcc-14"),
	("gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0", 120200, "x86_64",
	 "x86_64-linux-gnu-gcc-12", "gcc-12"),
	("riscv64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0", 140200, "riscv64",
	 "riscv64-linux-gnu-gcc-14", "gcc-14-riscv64-linux-gnu"),
	("gcc-14 (Debian 14.2.0-19) 14.2.0", 140200, "riscv64",
	 "riscv64-linux-gnu-gcc-14", "gcc-14-riscv64-linux-gnu"),
])
def test_wanted_from_the_config(tmp_path, text, gcc, arch, cmd, pkg):
	w = toolchain.wanted(config(tmp_path, text, gcc), arch)
	assert (w.command, w.major, w.text) == (cmd, gcc // 10000, text)
	assert w.package("x86_64-linux-gnu") == pkg


def test_a_clang_kernel_is_refused(tmp_path):
	with pytest.raises(toolchain.ToolchainError, match="gcc"):
		toolchain.wanted(config(tmp_path, "Debian clang version 19", 0), "x86_64")


def fake_cc(tmp_path, monkeypatch, name, banner):
	"""A compiler NAME on PATH that prints BANNER for --version."""
	bindir = tmp_path / "bin"
	bindir.mkdir()
	cc = bindir / name
	cc.write_text(f"#!/bin/sh\necho '{banner}'\n")
	cc.chmod(0o755)
	monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")


def test_the_host_compiler_when_it_is_the_kernels(tmp_path, monkeypatch):
	fake_cc(tmp_path, monkeypatch, "x86_64-linux-gnu-gcc-14",
		"x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0")
	t = toolchain.for_config(config(tmp_path, "x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0",
				       140200), "x86_64", "trixie", cache=str(tmp_path / "tc"))
	assert t.kind == "host" and t.cc == "x86_64-linux-gnu-gcc-14"
	assert t.make_vars() == ["CC=x86_64-linux-gnu-gcc-14"]
	assert t.argv(["make"]) == ["make"]


def test_another_major_needs_a_chroot_and_root(tmp_path, monkeypatch):
	fake_cc(tmp_path, monkeypatch, "x86_64-linux-gnu-gcc-99",
		"x86_64-linux-gnu-gcc-99 (Debian 12.2.0) 12.2.0")
	monkeypatch.setattr(os, "geteuid", lambda: 1000)
	cfg = config(tmp_path, "x86_64-linux-gnu-gcc-99 (Debian 99.1.0-1) 99.1.0", 990100)
	with pytest.raises(toolchain.ToolchainError, match="needs root"):
		toolchain.for_config(cfg, "x86_64", "trixie-backports", cache=str(tmp_path / "tc"))
	assert not (tmp_path / "tc").exists()
	with pytest.raises(toolchain.ToolchainError, match="names no Debian suite"):
		toolchain.for_config(cfg, "x86_64", None, cache=str(tmp_path / "tc"))


def test_chroot_commands_keep_paths(tmp_path):
	t = toolchain.Toolchain("chroot", "riscv64-linux-gnu-gcc-14", arches.get("riscv64"), "v", "k",
				root="/r", suite="trixie")
	t.bind("/work/cache")
	argv = t.argv(["make", "M=/work/cache/x"], cwd="/work/cache/x")
	assert argv[:5] == ["unshare", "--mount", "--propagation", "private", "--"]
	script = argv[-1]
	assert "mount -t proc proc /r/proc" in script
	assert "mount --rbind /work/cache /r/work/cache" in script
	assert "exec chroot /r" in script and "cd /work/cache/x" in script
	assert t.cross and "ARCH=riscv" in t.make_vars()
	assert "CROSS_COMPILE=riscv64-linux-gnu-" in t.make_vars()


@pytest.mark.parametrize("suite,base", [("trixie-backports", "trixie"),
					("trixie-security", "trixie"), ("sid", "sid"),
					("experimental", "sid"), (None, None)])
def test_base_suite(suite, base):
	assert toolchain.base_suite(suite) == base


# --- kbuild's recorded command, rerun on an edited copy (build.side_command) -------------

from sysevent_kernel import build  # noqa: E402

W, H, MIR, OUT = "/c/work", "/c/root/usr/src/h", "/c/s/src", "/c/s/obj/arch/x86/kvm/x86.o"
MD = W + "/arch/x86/kvm"


def test_side_command_absolute_paths():
	first = (f"savedcmd_{W}/arch/x86/kvm/x86.o := gcc-14 -Wp,-MMD,{W}/arch/x86/kvm/.x86.o.d "
		 f"-I./include -c -o {W}/arch/x86/kvm/x86.o {W}/arch/x86/kvm/x86.c  ")
	cmd, cwd = build.side_command(first, "arch/x86/kvm/x86.c", W, H, MD, MIR, OUT)
	assert cwd == H
	assert f"-fmacro-prefix-map={MIR}/={W}/ -o {OUT} {MIR}/arch/x86/kvm/x86.c" in cmd
	assert f"-Wp,-MMD,{OUT}.d" in cmd and f"{W}/arch/x86/kvm/x86.c" not in cmd


def test_side_command_relative_paths():
	first = ("savedcmd_../../../virt/kvm/kvm_main.o := gcc-14 "
		 "-Wp,-MMD,../../../virt/kvm/.kvm_main.o.d -I /h/arch/x86/kvm -c "
		 "-o ../../../virt/kvm/kvm_main.o ../../../virt/kvm/kvm_main.c  ")
	out = "/c/s/obj/virt/kvm/kvm_main.o"
	cmd, cwd = build.side_command(first, "virt/kvm/kvm_main.c", W, H, MD, MIR, out)
	assert cwd == MIR + "/arch/x86/kvm"
	assert f" -o {out} ../../../virt/kvm/kvm_main.c" in cmd
	assert f"-Wp,-MMD,{out}.d" in cmd and "macro-prefix-map" not in cmd


@pytest.mark.parametrize("first", [
	"", "x86.o: x86.c",
	"savedcmd_svm.o := gcc-14 -c -o svm.o svm.c",		# another object
	f"savedcmd_{W}/arch/x86/kvm/x86.o := gcc-14 -c -o {W}/arch/x86/kvm/x86.o other.c"])
def test_side_command_refuses(first):
	with pytest.raises(ValueError):
		build.side_command(first, "arch/x86/kvm/x86.c", W, H, MD, MIR, OUT)


def test_harness_patch_per_line(tmp_path, monkeypatch):
	monkeypatch.setattr(build, "HARNESS_DIR", str(tmp_path))
	(tmp_path / "sev-es-test-harness@latest.patch").write_text("")
	assert build.harness_patch("latest").endswith("@latest.patch")
	assert build.harness_patch("6.12").endswith("/sev-es-test-harness.patch")
	assert build.harness_patch(None).endswith("/sev-es-test-harness.patch")


def test_patch_files(tmp_path):
	p = tmp_path / "x.patch"
	p.write_text("--- a/arch/x86/kvm/x86.c\n+++ b/arch/x86/kvm/x86.c\n@@ -1 +1 @@\n"
		     "--- a/virt/kvm/kvm_main.c\t2026\n+++ b/virt/kvm/kvm_main.c\t2026\n")
	assert build.Patch(str(p)).files() == ["arch/x86/kvm/x86.c", "virt/kvm/kvm_main.c"]
