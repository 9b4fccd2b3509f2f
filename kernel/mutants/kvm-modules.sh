#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build KVM's modules for a kernel line (kernel/mutants/README.md): a thin
# wrapper around kernel/sysevent_kernel/build.py, run with Debian's Python
# (KVM_SYSEVENT_PYTHON names another). KM_ARCH=riscv64 or --arch riscv64 for
# riscv64's kvm.ko.
here=$(cd "$(dirname "$0")" && pwd)
python=${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}
if ! command -v "$python" >/dev/null 2>&1; then
	echo "kvm-modules.sh: error: $python not found (apt-get install python3 python3-tap)" >&2
	exit 2
fi
PYTHONPATH=$here/..${PYTHONPATH:+:$PYTHONPATH} exec "$python" -m sysevent_kernel.build "$@"
