#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make check-kernel-tools`: the kernel tooling's own tests. The Python
# package's unit tests (tests/kernel/test_*.py: the resolver against a fake
# package index, the architecture table, kernel lines), then the command
# lines of kernel/*.sh (tests/kernel/cli_test.sh: bad input, boots that
# panic or time out). Ends with `kernel-tools: N passed, N failed, N skipped`,
# the sum of both.
set -u

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
top=$(cd -- "$here/../.." && pwd -P)
python=${KVM_SYSEVENT_PYTHON:-/usr/bin/python3}

case "${1:-}" in
-h|--help)
	echo "usage: $0   run tests/kernel/ and print 'kernel-tools: N passed, N failed, N skipped'"
	exit 0
	;;
esac

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

cd "$top" || exit 2
PYTHONDONTWRITEBYTECODE=1 "$python" -m pytest -q -p no:cacheprovider \
	--junitxml="$tmp/junit.xml" tests/kernel
prc=$?
counts=$("$python" - "$tmp/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0 0")
    sys.exit(0)
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for suite in suites:
    t += int(suite.get("tests", 0))
    f += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    s += int(suite.get("skipped", 0))
print(t - f - s, f, s)
PY
)
set -- $counts
p=${1:-0} f=${2:-0} s=${3:-0}
if [ "$prc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
if [ $((p + f + s)) -eq 0 ]; then
	echo "check-kernel-tools: pytest collected no tests" >&2
	f=1
fi
echo "kernel-tools(python): $p passed, $f failed, $s skipped"

"$here/cli_test.sh" | tee "$tmp/cli.log"
crc=$?
line=$(grep -E '^kernel-cli: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$tmp/cli.log" | tail -n 1)
set -- $(printf '%s\n' "$line" | sed 's/[^0-9 ]//g')
cp=${1:-0} cf=${2:-1} cs=${3:-0}
if [ "$crc" -ne 0 ] && [ "$cf" -eq 0 ]; then
	cf=1
fi
f=$((f + cf))
echo "kernel-tools: $((p + cp)) passed, $f failed, $((s + cs)) skipped"
[ "$f" -eq 0 ]
