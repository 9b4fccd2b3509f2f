#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the kvm-sysevent suite inside one or more kernels under QEMU
# (run_tests.sh --kernel K ... execs this): kernel/sysevent_kernel/matrix.py.
# See kernel/README.md.
here=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
exec "${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}" -m sysevent_kernel.matrix run-in-kernel "$@"
