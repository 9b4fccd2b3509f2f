# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the kernel tools (qemu-suite.sh, run-in-kernel.sh,
# fetch-kernel.sh, check-kernels.sh): what they share, and the one table of
# the architectures they know. Each tool sets $prog before sourcing this.

# Bad usage or input: one line, exit 2.
# shellcheck disable=SC2154 # prog is set by the tool that sources this file
die() {
	echo "$prog: error: $*" >&2
	exit 2
}

need_arg() {
	if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi
}

# The count line every runner ends with.
# shellcheck disable=SC2034 # used by the tools that source this file
count_re='^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'

# --- architectures ----------------------------------------------------------
# One name per architecture inside the tools: x86_64, arm64, riscv64 (the
# kernel's own names). Each has a Debian name (amd64, arm64, riscv64), a
# folder of the suite's tests (x86_64, aarch64, riscv: the KVM selftests'
# names), a make ARCH= value, an ELF e_machine and a uname -m.

# Any usual spelling to the tools' name; fails for an unknown one.
arch_canon() {
	case "$1" in
	x86_64|amd64|x86) echo x86_64 ;;
	arm64|aarch64) echo arm64 ;;
	riscv64|riscv) echo riscv64 ;;
	*) return 1 ;;
	esac
}

arch_debian() {
	case "$1" in x86_64) echo amd64 ;; *) echo "$1" ;; esac
}

arch_dir() {
	case "$1" in arm64) echo aarch64 ;; riscv64) echo riscv ;; *) echo "$1" ;; esac
}

arch_make() {
	case "$1" in riscv64) echo riscv ;; *) echo "$1" ;; esac
}

arch_elf_machine() {
	case "$1" in x86_64) echo 62 ;; arm64) echo 183 ;; riscv64) echo 243 ;; esac
}

arch_uname() {
	case "$1" in arm64) echo aarch64 ;; *) echo "$1" ;; esac
}

host_arch() {
	arch_canon "$(uname -m)" || uname -m
}

# Where `make STATIC=1 ARCH=<make arch>` leaves the static suite under REPO.
arch_static_build() {
	case "$1" in
	x86_64) printf '%s/build-static' "$2" ;;
	*) printf '%s/build-static-%s' "$2" "$(arch_make "$1")" ;;
	esac
}

# The architecture of a kernel image file: an x86 bzImage ("HdrS" at 0x202),
# an arm64 Image ("ARM\x64" at 56) or a riscv Image ("RSC\x05" at 56, the
# EFI-stub images Debian installs as vmlinux-* included). Prints the name,
# or fails for anything else.
image_arch() {
	local magic
	magic=$(od -An -tx1 -j 514 -N4 "$1" 2>/dev/null | tr -d ' \n')
	[ "$magic" != 48647253 ] || { echo x86_64; return 0; }
	magic=$(od -An -tx1 -j 56 -N4 "$1" 2>/dev/null | tr -d ' \n')
	case "$magic" in
	41524d64) echo arm64 ;;
	52534305) echo riscv64 ;;
	*) return 1 ;;
	esac
}

# --- ELF files --------------------------------------------------------------
is_elf() {
	[ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ]
}

# e_machine of an ELF file (62 x86_64, 183 aarch64, 243 riscv).
elf_machine() {
	od -An -tu2 -j 18 -N2 "$1" | tr -d ' '
}

# True when the 64-bit ELF file $1 has no program interpreter (PT_INTERP),
# i.e. it runs in an initramfs that has no dynamic loader.
is_static() {
	local phoff phentsize phnum i type
	is_elf "$1" || return 1
	phoff=$(od -An -tu8 -j 32 -N8 "$1" | tr -d ' ')
	phentsize=$(od -An -tu2 -j 54 -N2 "$1" | tr -d ' ')
	phnum=$(od -An -tu2 -j 56 -N2 "$1" | tr -d ' ')
	for ((i = 0; i < phnum; i++)); do
		type=$(od -An -tu4 -j $((phoff + i * phentsize)) -N4 "$1" | tr -d ' ')
		[ "$type" != 3 ] || return 1
	done
	return 0
}

# Leaf results of a combined KTAP stream (the binaries' own subtests):
# prints "passed failed skipped".
count_ktap() {
	awk '
		/^[ ]+ok [0-9]+ .*# [Ss][Kk][Ii][Pp]/ { s++; next }
		/^[ ]+ok [0-9]+/ { p++; next }
		/^[ ]+not ok [0-9]+/ { f++; next }
		END { printf "%d %d %d\n", p, f, s }' "$1"
}
