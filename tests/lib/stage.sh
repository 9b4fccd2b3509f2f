# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the check steps that run the suite as another user (POSIX sh).
# The checkout may sit where no other user can reach it (a 0700 home, a
# `mktemp -d` folder), so they run a copy of what the suite needs to run:
# the runner, its settings and config, the reporter and its catalogue of
# promises (promises.toml), and the executables of the build directory,
# made readable by everyone.
#
# stage_suite TOP BUILD DEST   copy into DEST (created); DEST/build is the
#                              build directory of the copy
# stage_reachable DEST CMD...  true when CMD (a command prefix that runs as
#                              the other user) can run DEST's runner
#
# The fixed phrase for a step that must skip because even the copy cannot be
# reached (TMPDIR itself is private) is $stage_unreachable.

stage_unreachable="the suite's copy is not reachable by another user (set TMPDIR)"

stage_suite() {
	_top=$1 _build=$2 _dest=$3
	mkdir -p "$_dest/build" || return 1
	cp "$_top/run_tests.sh" "$_dest/" || return 1
	for _f in settings config tests.list promises.toml; do
		[ ! -f "$_top/$_f" ] || cp "$_top/$_f" "$_dest/" || return 1
	done
	if [ -d "$_top/report" ]; then
		cp -R "$_top/report" "$_dest/" || return 1
		rm -rf "$_dest/report/sysevent_report/__pycache__"
	fi
	if [ -d "$_build" ]; then
		(cd "$_build" && find . -type f -perm -u+x ! -name '*.o') |
		while IFS= read -r _f; do
			mkdir -p "$_dest/build/${_f%/*}" &&
				cp "$_build/$_f" "$_dest/build/$_f" || exit 1
		done || return 1
	fi
	chmod -R a+rX "$_dest"
}

stage_reachable() {
	_dest=$1
	shift
	"$@" test -r "$_dest/run_tests.sh" 2>/dev/null
}
