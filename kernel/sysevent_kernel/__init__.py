# SPDX-License-Identifier: GPL-2.0
"""The host side of kvm-sysevent's kernel tooling (kernel/README.md).

Resolving, fetching and building kernels, booting them under QEMU with the
suite, and the real-kernel mutants. The shell scripts under kernel/ are thin
wrappers around this package's commands; kernel/guest-init.sh (PID 1 in the
guest) and run_tests.sh (which runs under busybox and LAVA) stay shell.

The rooms, each knowing only those below it:

  arches     the one table of architectures (names, ELF, QEMU, serial, KVM)
  lines      kernel lines as data (kernel/lines.toml): names, suites, matrices
  apt        package indexes (the system's or a private one per architecture
             and suite), resolve, download, lock; never the system's apt config
  debs       Debian's kernel package layouts (6.x: linux-image-R-unsigned;
             7.x: linux-image-R -> linux-binary[-unsigned]-R + linux-modules-R)
  image      a kernel image: its architecture, release string, PVH payload
  boot       one kernel under QEMU: initramfs, arguments, serial channels
  toolchain  the compiler a line's modules or kernel need (host, cross, chroot)
  build      "an image plus modules for line L with patches P": module builds
             (x86_64, riscv64) and whole-kernel builds (arm64)
  catalogue  the real-kernel mutants as data, each naming what kills it
  matrix     cells of kernels or mutants, build and boot pools, state as JSON,
             judged through the reporter's KTAP reader
"""
