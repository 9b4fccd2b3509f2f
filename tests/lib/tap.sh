# SPDX-License-Identifier: GPL-2.0
#
# The suite's own shell tests: one TAP line per check and the counts their
# closing `WORD: N passed, N failed, N skipped` line needs (POSIX sh; source
# it).
#
# ok DESCRIPTION            a pass
# bad DESCRIPTION           a failure
# skipped DESCRIPTION       a skip (the reason is part of DESCRIPTION)
# check DESCRIPTION CMD...  ok when CMD succeeds, else bad

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
skipped() { skip=$((skip + 1)); echo "ok - $* # SKIP"; }
check() {
	_tap_d=$1
	shift
	if "$@"; then ok "$_tap_d"; else bad "$_tap_d"; fi
}
