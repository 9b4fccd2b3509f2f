#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Resolve a kernel name to a bootable image and its kvm modules, fetching and
# extracting Debian packages into a cache: kernel/sysevent_kernel/fetch.py.
# See kernel/README.md.
here=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
exec "${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}" -m sysevent_kernel.fetch "$@"
