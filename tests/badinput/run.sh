#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every row of tests/badinput/table.tsv: a command-line entry point given
# bad input (unknown options, missing values, missing, unreadable or wrong
# files, a missing, unreadable or wrong /dev/kvm) and the one-line error and
# exit status it must give. Every row also must not print a traceback, a
# sanitizer report or a shell error, nor die by a signal, nor hang.
#
# usage: tests/badinput/run.sh [-k PATTERN] [-v]   (BUILD, default build)
#   -k PATTERN   only the rows whose id matches (grep -E)
#   -v           show the output of every row, not only of failing ones
# Rows that need root (another user, a private mount namespace) are skipped
# without it, saying so. Rows run as another user run a copy of the suite in
# a scratch directory, wherever the checkout is (tests/lib/stage.sh).
# Last line: `badinput: N passed, N failed, N skipped`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
only="" verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-k) [ $# -ge 2 ] || { echo "badinput: -k needs a pattern" >&2; exit 2; }; only=$2; shift ;;
	-v) verbose=1 ;;
	-h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "badinput: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kse-badinput.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
T=$work/t
mkdir -p "$T/dir" "$T/bad-set/ktap.txt"
: >"$T/file"
: >"$T/empty"
: >"$T/null"
printf '\000\377\376 not KTAP\n' >"$T/garbage"
printf 'KTAP version 1\n1..1\nok 1 x\n' >"$T/unreadable"
chmod 000 "$T/unreadable"
cp "$top/tests/fuzz/corpus/ktap/seed-runner-hung-and-killed.ktap" "$T/ktap-ok" 2>/dev/null ||
	printf 'KTAP version 1\n1..1\nok 1 x\n' >"$T/ktap-ok"

root=no
[ "$(id -u)" -eq 0 ] && root=yes
can_ns=no
if [ $root = yes ] && command -v unshare >/dev/null 2>&1 &&
   unshare -m true 2>/dev/null; then
	can_ns=yes
fi
can_drop=no
if [ $root = yes ] && command -v setpriv >/dev/null 2>&1 &&
   setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	can_drop=yes
fi
# The other user runs a copy: the checkout may be private (a 0700 home).
. "$top/tests/lib/stage.sh"
stage=$work/suite
drop_skip="needs root to drop to another user"
if [ $can_drop = yes ]; then
	stage_suite "$top" "$build" "$stage" || { echo "badinput: cannot copy the suite to $stage" >&2; exit 2; }
	stage_reachable "$stage" setpriv --reuid=65534 --regid=65534 --clear-groups ||
		{ can_drop=no; drop_skip=$stage_unreachable; }
fi

# Run "$cmd" under setup $1 in directory $rowdir; stdout, stderr and exit
# status into files.
run_row() {
	setup=$1 cmd=$2 out=$3 err=$4
	case $setup in
	-)
		(cd "$rowdir" && timeout -s KILL 60 sh -c "$cmd") >"$out" 2>"$err" ;;
	nobody)
		(cd "$rowdir" && timeout -s KILL 60 setpriv --reuid=65534 --regid=65534 \
			--clear-groups sh -c "$cmd") >"$out" 2>"$err" ;;
	no-kvm|kvm-dir|kvm-null)
		# A private /dev: a tmpfs with /dev/null bound back in, and /dev/kvm
		# absent, a directory, or /dev/null.
		case $setup in
		no-kvm) kvm=":" ;;
		kvm-dir) kvm="mkdir /dev/kvm" ;;
		kvm-null) kvm="touch /dev/kvm && mount --bind \"\$1\" /dev/kvm" ;;
		esac
		(cd "$rowdir" && timeout -s KILL 60 unshare -m sh -c "
			mount --make-rprivate / 2>/dev/null
			mount --bind /dev/null \"\$1\" &&
			mount -t tmpfs kse-badinput /dev &&
			touch /dev/null && mount --bind \"\$1\" /dev/null &&
			$kvm || { echo 'badinput: cannot set up /dev' >&2; exit 125; }
			exec sh -c \"\$2\"" sh "$T/null" "$cmd") >"$out" 2>"$err" ;;
	esac
}

pass=0 fail=0 skip=0
n=0
tab=$(printf '\t')
while IFS=$tab read -r id setup want stream pattern cmd note; do
	case $id in ''|'#'*) continue ;; esac
	if [ -n "$only" ] && ! echo "$id" | grep -qE -- "$only"; then
		continue
	fi
	n=$((n + 1))
	rowdir=$top rowbuild=$build
	[ "$setup" != nobody ] || rowdir=$stage rowbuild=$stage/build
	cmd=$(printf '%s' "$cmd" | sed "s|@B@|$rowbuild|g; s|@T@|$T|g")
	case $setup in
	nobody) [ $can_drop = yes ] || { skip=$((skip + 1)); echo "ok $n $id # SKIP $drop_skip"; continue; } ;;
	no-kvm|kvm-dir|kvm-null) [ $can_ns = yes ] || { skip=$((skip + 1)); echo "ok $n $id # SKIP needs root for a private mount namespace"; continue; } ;;
	esac
	# An entry point that is not built here (the benchmark): say so.
	first=$(printf '%s\n' "$cmd" | sed 's/^env \([A-Z_]*=[^ ]* \)*//; s/ .*//')
	case $first in
	"$rowbuild"/*) [ -x "$first" ] || { skip=$((skip + 1)); echo "ok $n $id # SKIP ${first#"$rowbuild"/} not built"; continue; } ;;
	esac

	out=$work/$n.out err=$work/$n.err
	run_row "$setup" "$cmd" "$out" "$err"
	rc=$?
	why=""
	if [ "$rc" -ne "$want" ]; then
		why="exit $rc, not $want"
	fi
	case $stream in
	stderr)
		lines=$(grep -c . "$err")
		if [ "$lines" -ne 1 ]; then
			why="${why:+$why; }$lines lines on stderr, not one"
		fi
		grep -qE -- "$pattern" "$err" || why="${why:+$why; }no stderr line matches"
		;;
	stdout)
		grep -qE -- "$pattern" "$out" || why="${why:+$why; }no stdout line matches"
		;;
	output)
		cat "$out" "$err" | grep -qE -- "$pattern" || why="${why:+$why; }no output line matches"
		;;
	ktap-all)
		results=$(grep -cE '^(not )?ok ' "$out")
		matching=$(grep -E '^(not )?ok ' "$out" | grep -cE -- "$pattern")
		if [ "$results" -eq 0 ] || [ "$results" -ne "$matching" ]; then
			why="${why:+$why; }$matching of $results result lines match"
		fi
		;;
	*) why="bad stream '$stream' in the table" ;;
	esac
	if grep -qE 'Traceback|Segmentation fault|core dumped|Sanitizer|runtime error:|parameter not set|: not found$|syntax error' "$out" "$err"; then
		why="${why:+$why; }a traceback, crash or shell error in the output"
	fi
	[ "$rc" -lt 125 ] || [ "$rc" -eq "$want" ] || why="${why:+$why; }killed or timed out"

	case $note in
	gap:*)
		if [ -n "$why" ]; then
			skip=$((skip + 1))
			echo "ok $n $id # SKIP known gap: ${note#gap: }"
			[ $verbose -eq 0 ] || sed 's/^/#   /' "$err"
		else
			pass=$((pass + 1))
			echo "ok $n $id   (was a known gap, now fixed: remove the note from table.tsv)"
		fi
		continue
		;;
	esac
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok $n $id"
		[ $verbose -eq 0 ] || { sed 's/^/#   stderr: /' "$err"; tail -n 3 "$out" | sed 's/^/#   stdout: /'; }
	else
		fail=$((fail + 1))
		echo "not ok $n $id: $why"
		echo "#   command: $cmd ($setup)"
		head -n 5 "$err" | sed 's/^/#   stderr: /'
		tail -n 5 "$out" | sed 's/^/#   stdout: /'
	fi
done <"$here/table.tsv"

echo "badinput: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
