# SPDX-License-Identifier: GPL-2.0
"""A kernel image and the ELF files that go into a guest: the image's
architecture and release string, the PVH payload of an x86 bzImage, and
whether an executable is static and of which machine."""

import bz2
import gzip
import lzma
import os
import re
import shutil
import struct
import subprocess
import zlib

from . import arches


class ImageError(ValueError):
	"""One line; the tools exit 2 on it."""


def _head(path, n, off=0):
	try:
		with open(path, "rb") as f:
			f.seek(off)
			return f.read(n)
	except OSError:
		return b""


def is_gzip(path):
	return _head(path, 2) == b"\x1f\x8b"


def gunzip(path, dst):
	"""Decompress a gzip file (an arm64 Image.gz) to dst; False when it is
	not one that decompresses."""
	try:
		with gzip.open(path, "rb") as src, open(dst, "wb") as out:
			shutil.copyfileobj(src, out)
		return True
	except (OSError, EOFError, zlib.error):
		return False


def arch_of(path):
	"""The Arch of a (plain) kernel image, or None."""
	return arches.of_image(path)


def release_of(path, arch):
	"""The release string of a plain kernel image: the bzImage header's
	kernel_version field on x86, the "Linux version" banner inside an arm64
	or riscv Image. "" when it cannot be read."""
	if arch.name == "x86_64":
		ptr = _head(path, 2, 526)
		if len(ptr) < 2:
			return ""
		ptr = struct.unpack("<H", ptr)[0]
		if ptr <= 0:
			return ""
		s = _head(path, 256, ptr + 512).split(b"\0", 1)[0].split(b"\n", 1)[0]
		return s.split(b" ", 1)[0].decode("ascii", "replace")
	try:
		with open(path, "rb") as f:
			data = f.read()
	except OSError:
		return ""
	m = re.search(rb"Linux version ([^ \n\0]*)", data)
	return m.group(1).decode("ascii", "replace") if m else ""


# --- ELF ----------------------------------------------------------------------------

def is_elf(path):
	return _head(path, 4) == b"\x7fELF"


def elf_machine(path):
	h = _head(path, 20)
	if len(h) < 20:
		return None
	return struct.unpack("<H", h[18:20])[0]


def _phdrs(f):
	"""The program headers of a 64-bit little-endian ELF file: [(type,
	offset, filesz)]."""
	f.seek(0)
	eh = f.read(64)
	if len(eh) < 64 or eh[:4] != b"\x7fELF" or eh[4] != 2 or eh[5] != 1:
		return None
	phoff = struct.unpack("<Q", eh[32:40])[0]
	phentsize, phnum = struct.unpack("<HH", eh[54:58])
	out = []
	for i in range(phnum):
		f.seek(phoff + i * phentsize)
		ph = f.read(56)
		if len(ph) < 56:
			return None
		p_type, _, p_offset = struct.unpack("<IIQ", ph[:16])
		p_filesz = struct.unpack("<Q", ph[32:40])[0]
		out.append((p_type, p_offset, p_filesz))
	return out


def is_static(path):
	"""A 64-bit ELF file without a program interpreter (PT_INTERP): it runs
	in an initramfs that has no dynamic loader."""
	try:
		with open(path, "rb") as f:
			ph = _phdrs(f)
	except OSError:
		return False
	return ph is not None and all(t != 3 for t, _, _ in ph)


def has_pvh_entry(path):
	"""Does the ELF kernel carry XEN_ELFNOTE_PHYS32_ENTRY (18), the PVH
	entry QEMU boots through?"""
	try:
		with open(path, "rb") as f:
			for t, off, sz in _phdrs(f) or ():
				if t != 4:	# PT_NOTE
					continue
				f.seek(off)
				notes = f.read(sz)
				i = 0
				while i + 12 <= len(notes):
					namesz, descsz, ntype = struct.unpack("<III", notes[i:i + 12])
					name = notes[i + 12:i + 12 + namesz].rstrip(b"\0")
					if name == b"Xen" and ntype == 18:
						return True
					i += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
	except OSError:
		pass
	return False


# --- the PVH payload of a bzImage ------------------------------------------------------

def _decompress(data):
	if data[:2] == b"\x1f\x8b":
		return zlib.decompressobj(wbits=31).decompress(data)
	if data[:6] == b"\xfd7zXZ\x00":
		return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
	if data[:4] == b"\x28\xb5\x2f\xfd":
		return _tool(["zstd", "-qdc"], data)
	if data[:3] == b"BZh":
		return bz2.BZ2Decompressor().decompress(data)
	if data[:4] == b"\x02\x21\x4c\x18":
		return _tool(["lz4", "-dc"], data)
	if data[:2] == b"\x5d\x00":
		return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(data)
	return None


def _tool(cmd, data):
	try:
		r = subprocess.run(cmd, input=data, capture_output=True)
	except FileNotFoundError:
		return None
	return r.stdout if r.returncode == 0 else None


def extract_vmlinux(img, dst):
	"""Decompress a bzImage's payload into dst, an ELF kernel. True when it
	has a PVH entry (then dst boots with QEMU -kernel and saves the guest
	the decompression, seconds under TCG)."""
	h = _head(img, 600)
	if len(h) < 592:
		return False
	sects = h[497] or 4
	off, length = struct.unpack("<II", h[584:592])
	if length <= 4:
		return False
	start = (sects + 1) * 512 + off
	# The payload's last 4 bytes are the decompressed size, not data.
	try:
		out = _decompress(_head(img, length - 4, start))
	except (lzma.LZMAError, zlib.error, OSError, EOFError, ValueError):
		return False
	if not out or out[:4] != b"\x7fELF":
		return False
	with open(dst, "wb") as f:
		f.write(out)
	return has_pvh_entry(dst)


def sha256(path):
	import hashlib
	h = hashlib.sha256()
	with open(path, "rb") as f:
		for chunk in iter(lambda: f.read(1 << 20), b""):
			h.update(chunk)
	return h.hexdigest()


def exists_readable(path):
	return os.path.isfile(path) and os.access(path, os.R_OK)
