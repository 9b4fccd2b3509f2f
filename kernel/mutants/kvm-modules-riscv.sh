#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# riscv64's kvm.ko (kernel/mutants/README.md): kvm-modules.sh for riscv64,
# the same commands and options.
exec "$(dirname "$0")/kvm-modules.sh" --arch riscv64 "$@"
