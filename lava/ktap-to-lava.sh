#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Turn the suite's KTAP into one `NAME RESULT` line per case, RESULT being
# pass, fail or skip, for `lava-test-case NAME --result RESULT` (LAVA 2023.01
# has no KTAP parser). POSIX sh and awk: it runs in the guest, under busybox.
#
# usage: lava/ktap-to-lava.sh [KTAP]      (default: stdin)
#
# Nesting is read from the indentation (two spaces a level, as run_tests.sh
# prints it) or from `# ` prefixes (as kselftest's runner prints it). A case
# is a result line with no results nested under it. A result with children
# is a case of its own only when it failed and none of its children did (a
# binary that crashed or timed out after its last result): NAME then fails.
# `not ok` is always fail, whatever its directive; `ok ... # SKIP` is skip;
# `ok ... # XFAIL` is pass. kselftest's `selftests: COLLECTION: ` goes from a
# binary's name. A skip's reason goes to stderr, beside the name;
# the name itself stays stable. A name seen twice gets `_dup2`, `_dup3`.
#
# Exit status: 0, 1 when the input holds no result at all (said on stderr),
# 2 bad usage.

case ${1:-} in
-h|--help) sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -le 1 ] || { echo "ktap-to-lava.sh: one KTAP file at most (see --help)" >&2; exit 2; }
if [ $# -eq 1 ] && [ ! -r "$1" ]; then
	echo "ktap-to-lava.sh: cannot read $1" >&2
	exit 2
fi

awk '
function depth_of(line,   d) {
	d = 0
	for (;;) {
		if (substr(line, 1, 2) == "  ") { line = substr(line, 3); d++ }
		else if (substr(line, 1, 2) == "# ") { line = substr(line, 3); d++ }
		else break
	}
	rest = line
	return d
}
function emit(name, result, why,   n) {
	gsub(/[^A-Za-z0-9_.-]/, "_", name)
	if (name == "") name = "unnamed"
	n = ++seen[name]
	if (n > 1) name = name "_dup" n
	print name, result
	if (why != "") print "# " name ": " why > "/dev/stderr"
	total++
}
{
	sub(/\r$/, "")
	d = depth_of($0)
	if (rest !~ /^(not )?ok [0-9]+( |$)/) next
	failed = (rest ~ /^not ok/)
	line = rest
	sub(/^(not )?ok [0-9]+ ?/, "", line)
	directive = ""
	if (match(line, / # /)) {
		directive = substr(line, RSTART + 3)
		line = substr(line, 1, RSTART - 1)
	} else if (line ~ /^# /) {
		directive = substr(line, 3)
		line = ""
	}
	sub(/^- /, "", line)
	sub(/^selftests: [^:]*: /, "", line)	# kselftest runner: the binary
	sub(/[ \t]+$/, "", line)
	name = line
	had_children = (children[d + 1] > 0)
	child_failed = (fails[d + 1] > 0)
	children[d + 1] = 0
	fails[d + 1] = 0
	children[d]++
	if (failed) fails[d]++
	if (failed) result = "fail"
	else if (toupper(directive) ~ /^SKIP/) result = "skip"
	else result = "pass"
	why = ""
	if (result == "skip") { why = directive; sub(/^[Ss][Kk][Ii][Pp] ?/, "", why); why = "skip: " why }
	else if (failed && directive != "") why = directive
	if (!had_children) emit(name, result, why)
	else if (failed && !child_failed) emit(name, "fail", why == "" ? "failed after its last case" : why)
}
END {
	if (total > 0) exit 0
	print "ktap-to-lava.sh: no KTAP result in the input" > "/dev/stderr"
	exit 1
}
' "$@"
