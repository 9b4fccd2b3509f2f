# SPDX-License-Identifier: GPL-2.0
"""The whole-kernel build without building: the config it checks and what
it refuses."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import wholekernel  # noqa: E402


def test_config_reading(tmp_path):
	c = tmp_path / ".config"
	c.write_text("CONFIG_KVM=y\n# CONFIG_PCI is not set\nCONFIG_X=\"a=b\"\n")
	assert wholekernel.read_config(str(c)) == {"KVM": "y", "PCI": "n", "X": '"a=b"'}
	assert "KVM" in wholekernel.BOOT_OPTIONS["arm64"]
	assert "POSIX_TIMERS" in wholekernel.BOOT_OPTIONS["arm64"]


def test_build_refuses_paths_outside_the_tree(tmp_path):
	t = wholekernel.Tree("arm64", "6.12", "/nonexistent.tar.xz", "1", cache=str(tmp_path))
	with pytest.raises(wholekernel.BuildError, match="not a path inside"):
		t.build({"../etc/passwd": b""}, str(tmp_path / "o"))


def test_kconfig_symbols(tmp_path):
	(tmp_path / "arch").mkdir()
	(tmp_path / "Kconfig").write_text("config KVM\n\tbool\nmenuconfig VIRTUALIZATION\n")
	(tmp_path / "arch" / "Kconfig.debug").write_text("  config PRINTK\n# config NOPE\n")
	assert wholekernel.kconfig_symbols(str(tmp_path)) == {"KVM", "VIRTUALIZATION", "PRINTK"}


def test_restore_puts_back_stock(tmp_path):
	"""After a change, a .c file gets its pristine bytes and old time stamp
	(its stock object goes back beside it); a header gets its bytes and a
	new time stamp, so that what included the change is compiled again."""
	t = wholekernel.Tree("arm64", "6.12", "/nonexistent.tar.xz", "1", cache=str(tmp_path))
	for rel in ("arch/arm64/kvm/psci.c", "arch/arm64/kvm/psci.h"):
		p = tmp_path / "src" / rel
		p.parent.mkdir(parents=True, exist_ok=True)
	t.src = str(tmp_path / "src")
	c = tmp_path / "src" / "arch/arm64/kvm/psci.c"
	h = tmp_path / "src" / "arch/arm64/kvm/psci.h"
	c.write_text("mutant\n")
	h.write_text("mutant\n")
	old = 1_000_000_000 * 10**9
	t._restore({"arch/arm64/kvm/psci.c": (b"stock\n", old, old),
		    "arch/arm64/kvm/psci.h": (b"stock\n", old, old)}, [])
	assert c.read_text() == "stock\n" and h.read_text() == "stock\n"
	assert c.stat().st_mtime_ns == old
	assert h.stat().st_mtime_ns > old
