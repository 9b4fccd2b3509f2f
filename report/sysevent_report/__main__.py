# SPDX-License-Identifier: GPL-2.0
"""`python3 -m sysevent_report`: what report/kvm-sysevent-report runs."""

import importlib.util
import sys

if importlib.util.find_spec("tap") is None:
    sys.stderr.write("kvm-sysevent-report: error: this Python (%s) cannot import tappy; "
                     "install Debian's python3-tap and run report/kvm-sysevent-report, "
                     "which uses Debian's /usr/bin/python3\n" % sys.executable)
    sys.exit(2)

from .cli import entry  # noqa: E402

sys.exit(entry())
