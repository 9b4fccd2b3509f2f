# SPDX-License-Identifier: GPL-2.0
"""The one table of the architectures the tooling knows.

Every fact about an architecture that more than one tool needs lives here:
its names (the tooling's, Debian's, the suite's test folder, make's ARCH=,
uname -m), how to recognise its ELF files and kernel images, how QEMU boots
it (machine, CPU, serial ports), and where its KVM lives (modules or built
in). Nothing else in the tooling spells these out again.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Arch:
	name: str		# the tooling's name: the kernel's own (x86_64, arm64, riscv64)
	debian: str		# Debian's architecture (dpkg --print-architecture)
	testdir: str		# the suite's test folder (KVM selftests' names)
	make: str		# make ARCH= for the suite and the kernel
	uname: str		# uname -m
	elf_machine: int	# ELF e_machine
	cross_prefix: str	# Debian's cross compiler prefix (CROSS_COMPILE)
	cross_packages: tuple	# the cross compiler's Debian packages
	qemu: str		# the QEMU system emulator
	qemu_packages: tuple	# its Debian packages (firmware included)
	machine: tuple		# QEMU -machine (and firmware) arguments
	cpu_tcg: str		# -cpu under TCG
	console: str		# the kernel console
	ktap_tty: str		# the guest's KTAP stream
	tar_tty: str		# the guest's result set
	pci_serial: bool	# the KTAP and result ports are PCI 16550s
	kvm_modular: bool	# Debian builds KVM as modules (else built in)
	kvm_modules: tuple	# the modules to load, in the kernel's names
	kvm_src_dirs: tuple	# KVM's source folders in a kernel tree
	image_magic: tuple	# (offset, bytes) that identify its kernel image


ARCHES = {
	"x86_64": Arch(
		name="x86_64", debian="amd64", testdir="x86_64", make="x86_64",
		uname="x86_64", elf_machine=62,
		cross_prefix="x86_64-linux-gnu-",
		cross_packages=("gcc-x86-64-linux-gnu", "libc6-dev-amd64-cross"),
		qemu="qemu-system-x86_64", qemu_packages=("qemu-system-x86",),
		machine=("-machine", "pc", "-vga", "none"),
		# AMD SVM with nested paging under TCG.
		cpu_tcg="max",
		console="ttyS0,115200", ktap_tty="ttyS1", tar_tty="ttyS2",
		pci_serial=False,
		kvm_modular=True, kvm_modules=("kvm", "kvm-amd", "kvm-intel"),
		kvm_src_dirs=("arch/x86/kvm", "virt/kvm"),
		image_magic=(514, b"HdrS"),
	),
	"arm64": Arch(
		name="arm64", debian="arm64", testdir="aarch64", make="arm64",
		uname="aarch64", elf_machine=183,
		cross_prefix="aarch64-linux-gnu-",
		cross_packages=("gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"),
		qemu="qemu-system-aarch64", qemu_packages=("qemu-system-arm",),
		machine=("-machine", "virt,virtualization=on,gic-version=3"),
		# pauth-impdef: QEMU's own pointer-authentication algorithm
		# instead of QARMA, which TCG computes slowly (10 s -> 3 s a boot).
		cpu_tcg="max,pauth-impdef=on",
		console="ttyAMA0", ktap_tty="ttyS0", tar_tty="ttyS1",
		pci_serial=True,
		kvm_modular=False, kvm_modules=(),
		kvm_src_dirs=("arch/arm64/kvm", "virt/kvm"),
		image_magic=(56, b"ARM\x64"),
	),
	"riscv64": Arch(
		name="riscv64", debian="riscv64", testdir="riscv", make="riscv",
		uname="riscv64", elf_machine=243,
		cross_prefix="riscv64-linux-gnu-",
		cross_packages=("gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross"),
		qemu="qemu-system-riscv64", qemu_packages=("qemu-system-misc", "opensbi"),
		machine=("-machine", "virt", "-bios", "default"),
		cpu_tcg="rv64,h=true",
		console="ttyS0", ktap_tty="ttyS1", tar_tty="ttyS2",
		pci_serial=True,
		kvm_modular=True, kvm_modules=("kvm",),
		kvm_src_dirs=("arch/riscv/kvm", "virt/kvm"),
		image_magic=(56, b"RSC\x05"),
	),
}

# Every spelling a user or a tool may give, to the tooling's name.
_ALIASES = {
	"x86_64": "x86_64", "amd64": "x86_64", "x86": "x86_64",
	"arm64": "arm64", "aarch64": "arm64",
	"riscv64": "riscv64", "riscv": "riscv64",
}


class UnknownArch(ValueError):
	pass


def get(spelling):
	"""The Arch for any usual spelling (amd64, aarch64, riscv, ...)."""
	try:
		return ARCHES[_ALIASES[spelling]]
	except KeyError:
		raise UnknownArch(f"unknown architecture '{spelling}' "
				  "(amd64, arm64 or riscv64)") from None


def host():
	"""This machine's Arch."""
	import os
	return get(os.uname().machine)


def by_elf_machine(machine):
	for a in ARCHES.values():
		if a.elf_machine == machine:
			return a
	return None


def of_image(path):
	"""The Arch of a kernel image file (bzImage, arm64 or riscv Image), or
	None for anything else."""
	try:
		with open(path, "rb") as f:
			head = f.read(1024)
	except OSError:
		return None
	for a in ARCHES.values():
		off, magic = a.image_magic
		if head[off:off + len(magic)] == magic:
			return a
	return None
