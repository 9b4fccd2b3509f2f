#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make check-kernels` step: run the suite inside each given kernel under
# QEMU, then require the cases kernel/required-cases.txt lists for each
# kernel's architecture to have passed (not skipped) inside it; --table writes
# the README's "which kernels" table: kernel/sysevent_kernel/matrix.py.
# See kernel/README.md.
here=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
exec "${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}" -m sysevent_kernel.matrix check-kernels "$@"
