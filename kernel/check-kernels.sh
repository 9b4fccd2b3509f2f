#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The `make check-kernels` step: run the suite inside each given kernel under
# QEMU, then require the cases kernel/required-cases.txt lists for each
# kernel's architecture to have passed (not skipped) inside it. Ends with
# `kernels: N passed, N failed, N skipped`: the suite's leaf results summed
# over kernels, plus one failure for each required case that did not pass.

set -euo pipefail

prog=check-kernels.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=kernel/lib.sh
. "$here/lib.sh"

usage() {
	cat <<EOF
usage: $prog [--jobs N] [-o DIR] [--required FILE] [--timeout S] KERNEL...

Run the suite inside each KERNEL (any form run-in-kernel.sh takes) and check
that every case FILE (default kernel/required-cases.txt) lists for the
kernel's architecture passed in it.

Exit status: 0 all passed and all required cases passed, 1 otherwise,
2 bad usage.
EOF
}

jobs=1 outdir=$repo/results/check-kernels required=$here/required-cases.txt timeout_s=300
kernels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--jobs|-o|--required|--timeout)
		if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi
		case "$1" in
		--jobs) jobs=$2 ;;
		-o) outdir=$2 ;;
		--required) required=$2 ;;
		--timeout) timeout_s=$2 ;;
		esac
		shift 2
		;;
	-h|--help) usage; exit 0 ;;
	-*) echo "$prog: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) kernels+=("$1"); shift ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || die "no kernel given (try --help)"
[ -f "$required" ] || die "no such file: $required"

args=()
for k in "${kernels[@]}"; do args+=(--kernel "$k"); done
# One result set per kernel, even for one kernel, so the layout is fixed.
rm -rf "$outdir"
mkdir -p "$outdir"
log=$outdir/run.log
rc=0
start=$(date +%s)
"$here/run-in-kernel.sh" "${args[@]}" --kernel-jobs "$jobs" --kernel-timeout "$timeout_s" \
	-o "$outdir" | tee "$log" || rc=${PIPESTATUS[0]}
elapsed=$(($(date +%s) - start))

last=$(grep -E "$count_re" "$log" | tail -n 1 || true)
p=0 f=0 s=0
if [[ $last =~ $count_re ]]; then
	p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
else
	f=1
fi
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi

# Result sets: DIR/<name>/ for several kernels, DIR itself for one.
sets=()
if [ ${#kernels[@]} -gt 1 ]; then
	for d in "$outdir"/*/; do [ ! -f "$d/ktap.txt" ] || sets+=("${d%/}"); done
else
	sets=("$outdir")
fi

echo "# === required cases ($(basename "$required"))"
unmet=0
for set in "${sets[@]}"; do
	name=$(basename "$set")
	[ ${#kernels[@]} -gt 1 ] || name=${kernels[0]}
	arch=$(sed -n 's/^arch=//p' "$set/kernel.txt" 2>/dev/null | head -n 1)
	arch=${arch:-x86_64}
	section=
	nreq=0
	while IFS='|' read -r what re; do
		case "$what" in
		''|'#'*) continue ;;
		'['*']') section=${what#[}; section=${section%]}; continue ;;
		esac
		[ "$section" = "$arch" ] || continue
		nreq=$((nreq + 1))
		verdict=$(awk -v re="$re" '
			/^[ ]+(not )?ok [0-9]+ / {
				line = $0; sub(/^[ ]+/, "", line)
				t = line; sub(/^(not )?ok [0-9]+ /, "", t); sub(/ #.*$/, "", t)
				if (t !~ re) next
				n++
				v = ""
				if (line ~ /^not ok/) v = t " failed"
				else if (line ~ /# [Ss][Kk][Ii][Pp]/) v = t " skipped"
				if (v == "") next
				if (++nbad <= 2) bad = bad ", " v
			}
			END {
				if (!n) print "missing"
				else if (nbad) print substr(bad, 3) (nbad > 2 ? sprintf(" and %d more", nbad - 2) : "")
				else print "ok (" n ")"
			}' "$set/ktap.txt" 2>/dev/null || echo "no ktap.txt")
		case "$verdict" in
		ok*) printf '# %-14s %-40s %s\n' "$name" "$what" "$verdict" ;;
		*) printf '# %-14s %-40s NOT MET: %s\n' "$name" "$what" "$verdict"; unmet=$((unmet + 1)) ;;
		esac
	done <"$required"
	if [ "$nreq" = 0 ]; then
		printf '# %-14s %-40s NOT MET: %s\n' "$name" "($arch)" "no required cases for $arch"
		unmet=$((unmet + 1))
	fi
done
echo "# matrix of ${#kernels[@]} kernels took ${elapsed}s"
echo "kernels: $p passed, $((f + unmet)) failed, $s skipped"
[ $((f + unmet)) -eq 0 ]
