#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel (x86_64, arm64 or riscv64) under QEMU with its kvm modules,
# run the kvm-sysevent suite inside it and leave a complete result set on the
# host: kernel/sysevent_kernel/boot.py. See kernel/README.md.
here=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
exec "${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}" -m sysevent_kernel.boot "$@"
