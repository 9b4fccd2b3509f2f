#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Time a clean build of the suite (what `make clean && time make` measures)
# without touching the tree's own build: `make all` into a fresh, ignored
# build directory, serially, as a plain `make` would. The kselftest harness
# headers must already be cached (make builds them first). Prints seconds.
set -eu

case "${1:-}" in
-h|--help)
	echo "usage: $0   (run from the top of the tree; prints the clean build time in seconds)"
	exit 0 ;;
"") ;;
*)
	echo "$0: unexpected argument '$1' (see --help)" >&2
	exit 2 ;;
esac
if [ ! -f Makefile ] || [ ! -d lib ]; then
	echo "$0: run it from the top of the tree" >&2
	exit 2
fi

dir=build-benchclean.$$
log=$(mktemp)
trap 'rm -rf "$dir" "$log"' EXIT INT TERM
unset MAKEFLAGS MFLAGS MAKELEVEL
start=$(date +%s%N)
if ! make -s BUILD="$dir" all >"$log" 2>&1; then
	echo "$0: the clean build failed:" >&2
	cat "$log" >&2
	rm -f "$log"
	exit 1
fi
end=$(date +%s%N)
rm -f "$log"
awk -v ns=$((end - start)) 'BEGIN { printf "%.1f\n", ns / 1e9 }'
