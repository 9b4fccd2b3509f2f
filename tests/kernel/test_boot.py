# SPDX-License-Identifier: GPL-2.0
"""The boot room's helpers and the image room (no boot): KTAP counts, the
guest's shell quoting, QEMU's option quoting, where static builds are, a
kernel image's architecture and release, static executables."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import arches, boot, image  # noqa: E402


def test_count_ktap(tmp_path):
	p = tmp_path / "k"
	p.write_text("ok 1 parent\n  ok 1 a\n  ok 2 b # SKIP x\n  not ok 3 c\n  # ok 4 no\n")
	assert boot.count_ktap(str(p)) == (1, 1, 1)


def test_squote_qarg():
	assert boot.squote("it's") == "'it'\\''s'"
	assert boot.qarg("/a,b") == "/a,,b"


def test_static_builds():
	assert boot.static_build(arches.get("amd64"), "/r") == "/r/build-static"
	assert boot.static_build(arches.get("riscv"), "/r") == "/r/build-static-riscv"
	assert boot.no_build_message(arches.get("arm64"), "/b") == \
		"no static arm64 suite build in /b (run: make STATIC=1 ARCH=arm64)"


def test_image_release_and_static(tmp_path):
	p = tmp_path / "Image"
	p.write_bytes(b"\0" * 56 + b"ARM\x64" + b"\0" * 100 + b"Linux version 7.3.4+deb13-arm64 (x)")
	a = image.arch_of(str(p))
	assert a.name == "arm64" and image.release_of(str(p), a) == "7.3.4+deb13-arm64"
	bz = tmp_path / "bz"
	data = bytearray(4096)
	data[514:518] = b"HdrS"
	data[526:528] = (1000).to_bytes(2, "little")
	data[1512:1530] = b"6.1.0-57-amd64 (x)"
	bz.write_bytes(bytes(data))
	assert image.release_of(str(bz), arches.get("x86_64")) == "6.1.0-57-amd64"
	assert not image.extract_vmlinux(str(bz), str(tmp_path / "vmlinux"))
	if os.path.exists("/bin/busybox"):	# busybox-static
		assert image.is_static("/bin/busybox")
	assert image.is_elf("/usr/bin/python3") and not image.is_static("/usr/bin/python3")
	assert not image.is_static(str(p))
