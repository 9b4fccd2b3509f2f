# SPDX-License-Identifier: GPL-2.0
"""kvm-sysevent's reporter: reads KTAP result sets, writes summaries, JUnit, KCIDB and HTML."""
