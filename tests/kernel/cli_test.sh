#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the kernel-matrix tools' command lines (`make check-kernel-tools`):
# bad input gives a one-line error and exit 2, --help works, and a kernel
# that panics or times out gives exit 3 with a complete result set.
# The boot cases use the cached Debian 6.12 kernel (fetched if needed).
# Ends with `kernel-cli: N passed, N failed, N skipped`.

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/kernel
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# not_ok NAME WHY...: a failure, each WHY a diagnostic line.
not_ok() {
	bad "$1"
	shift
	for l in "$@"; do echo "# $l"; done
}

# expect NAME STATUS REGEX CMD...: exit status STATUS, and (when REGEX is not
# empty) exactly one stderr line, matching REGEX.
expect() {
	local name=$1 want=$2 re=$3 rc lines
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(grep -c . "$tmp/err")
	if [ "$rc" != "$want" ]; then
		not_ok "$name" "exit $rc, want $want" "stderr: $(head -c 300 "$tmp/err")"
	elif [ -n "$re" ] && { [ "$lines" != 1 ] || ! grep -Eq -- "$re" "$tmp/err"; }; then
		not_ok "$name" "stderr is not one line matching /$re/:" "$(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}

echo "KTAP version 1"

qs=$here/qemu-suite.sh
rk=$here/run-in-kernel.sh
fk=$here/fetch-kernel.sh
ck=$here/check-kernels.sh
printf 'not a kernel' >"$tmp/notakernel"
mkdir -p "$tmp/emptymods" "$tmp/build/x86_64"

for t in "$qs" "$rk" "$fk" "$ck"; do
	expect "help.$(basename "$t" .sh)" 0 '' "$t" --help
done
expect qemu_suite.no_args 2 '^qemu-suite.sh: error: --image is required' "$qs"
expect qemu_suite.unknown_option 2 '' "$qs" --frobnicate
expect qemu_suite.missing_image 2 'kernel image not found' "$qs" --bzimage "$tmp/nope" --out "$tmp/o"
expect qemu_suite.not_a_kernel_image 2 'not a kernel image' "$qs" --bzimage "$tmp/notakernel" --out "$tmp/o"
expect qemu_suite.bad_timeout 2 'positive number' "$qs" --bzimage "$tmp/notakernel" --out "$tmp/o" --timeout x
expect qemu_suite.bad_accel 2 'auto, kvm or tcg' "$qs" --bzimage "$tmp/notakernel" --out "$tmp/o" --accel hvf
expect qemu_suite.value_missing 2 '--out needs a value' "$qs" --out
expect qemu_suite.bad_module_param 2 'MODULE.PARAM=VALUE' "$qs" --bzimage "$tmp/notakernel" \
	--out "$tmp/o" --modules "$tmp/emptymods" --module-param 'kvm_amd sev=1'
expect qemu_suite.module_param_needs_modules 2 'needs --modules' "$qs" --bzimage "$tmp/notakernel" \
	--out "$tmp/o" --module-param kvm_amd.sev_es_test_harness=1
expect run_in_kernel.no_kernel 2 'no --kernel given' "$rk" -o "$tmp/o"
expect run_in_kernel.modules_first 2 '--modules must follow' "$rk" --modules "$tmp/emptymods" --kernel x
expect run_in_kernel.missing_image 2 'no such kernel image' "$rk" --kernel "$tmp/nope" --build "$tmp/build"
expect run_in_kernel.missing_modules 2 'no such modules directory' \
	"$rk" --kernel "$tmp/notakernel" --modules "$tmp/nomods" --build "$tmp/build"
expect run_in_kernel.bad_jobs 2 'positive number' "$rk" --kernel x --kernel-jobs 0
expect fetch_kernel.unknown_name 2 "unknown kernel 'frob'" "$fk" frob
expect fetch_kernel.missing_deb 2 'no such file' "$fk" "$tmp/nope.deb"
cp "$tmp/notakernel" "$tmp/notakernel.deb"
expect fetch_kernel.not_a_deb 2 'not a Debian package' "$fk" --cache "$tmp/c" "$tmp/notakernel.deb"
expect fetch_kernel.bad_arch 2 "unknown architecture 'sparc'" "$fk" debian-6.12:sparc
expect check_kernels.no_kernel 2 'no kernel given' "$ck"
expect check_kernels.unknown_matrix 2 "no matrix 'nope' in kernel/lines.toml" "$ck" --matrix nope
expect check_kernels.table_no_dir 2 'no such directory' "$ck" --table "$tmp/nope"
expect check_kernels.table_no_sets 2 'no result sets in' "$ck" --table "$tmp/emptymods"
expect qemu_suite.bad_kernel_info 2 '--kernel-info needs KEY=VALUE' "$qs" --image "$tmp/notakernel" \
	--out "$tmp/o" --kernel-info 'no key'
expect fetch_kernel.list_not_debian 2 '--list takes a debian-X.Y' "$fk" --list frob
expect fetch_kernel.bad_series 2 'bad kernel series: debian-6.1.2' "$fk" --cache "$tmp/c" debian-6.1.2
# The matrices are lines.toml's: check's kernels, one a line.
if [ "$("$ck" --list-matrix check | grep -c '^debian-')" -ge 1 ]; then
	ok check_kernels.list_matrix
else
	not_ok check_kernels.list_matrix "check-kernels.sh --list-matrix check printed no kernel"
fi

# The image's architecture is read from its header: fake arm64 and riscv
# Image headers get as far as the missing static build of their own
# architecture.
head -c 64 /dev/zero >"$tmp/Image.arm64"
head -c 64 /dev/zero >"$tmp/Image.riscv"
printf 'ARM\x64' | dd of="$tmp/Image.arm64" bs=1 seek=56 conv=notrunc 2>/dev/null
printf 'RSC\x05' | dd of="$tmp/Image.riscv" bs=1 seek=56 conv=notrunc 2>/dev/null
expect image.arm64 2 'no static arm64 suite build in .* \(run: make STATIC=1 ARCH=arm64\)$' \
	"$qs" --image "$tmp/Image.arm64" --out "$tmp/o" --build "$tmp/build"
expect image.riscv64 2 'no static riscv64 suite build in .* \(run: make STATIC=1 ARCH=riscv\)$' \
	"$qs" --image "$tmp/Image.riscv" --out "$tmp/o" --build "$tmp/build"
expect image.arch_mismatch 2 'is an arm64 kernel, not x86_64$' \
	"$qs" --image "$tmp/Image.arm64" --arch amd64 --out "$tmp/o"
expect image.arm64_modules 2 'arm64 KVM is built into the kernel' \
	"$qs" --image "$tmp/Image.arm64" --modules "$tmp/emptymods" --out "$tmp/o"
expect image.run_in_kernel_arm64 2 'no static arm64 suite build in .*ARCH=arm64\)$' \
	"$rk" --kernel "$tmp/Image.arm64" --suite-dir "$tmp"

# Boots: a stand-in suite (busybox is a static executable) in the cached
# Debian 6.12 kernel, so these test the machinery, not the suite.
mkdir -p "$tmp/suite/build/x86_64" "$tmp/suite/build/tools"
cp /bin/busybox "$tmp/suite/build/x86_64/stand_in_test" 2>/dev/null
cat >"$tmp/suite/run_tests.sh" <<'EOS'
#!/bin/sh
# stand-in runner: one pass, one failure, the arguments it got, exit 1
out=
while [ $# -gt 0 ]; do
	case "$1" in -o) out=$2; shift 2 ;; *) echo "# arg: [$1]" >>/tmp/args; shift ;; esac
done
mkdir -p "$out/logs"
{
	echo "KTAP version 1"
	echo "# kernel_under_test=$KVM_SYSEVENT_KERNEL_UNDER_TEST build=$BUILD"
	cat /tmp/args
	echo "1..1"
	echo "  KTAP version 1"
	echo "  1..2"
	echo "  ok 1 stand_in.a"
	echo "  not ok 2 stand_in.b"
	echo "not ok 1 stand_in_test"
	echo "1 passed, 1 failed, 0 skipped"
} | tee "$out/ktap.txt"
echo "stand_in_test exit=1 signal=- timeout=0 seconds=0" >"$out/status.txt"
echo "kernel_under_test=$KVM_SYSEVENT_KERNEL_UNDER_TEST" >"$out/inventory.txt"
echo "1 passed, 1 failed, 0 skipped" >"$out/summary.txt"
echo "stand-in stderr line" >&2
exit 1
EOS
# A second stand-in that crashes the kernel in the middle of its stream,
# leaving a line without its newline.
mkdir -p "$tmp/crash"
cp -r "$tmp/suite/build" "$tmp/crash/build"
cat >"$tmp/crash/run_tests.sh" <<'EOS'
#!/bin/sh
printf 'KTAP version 1\n1..1\n  KTAP version 1\n  1..3\n  ok 1 crash.a\n  not ok 2 crash.b\n  partial'
sleep 1
echo c >/proc/sysrq-trigger
EOS
boot_tests="boot.runner boot.brief boot.panic boot.midrun_panic boot.timeout boot.module_failed"
if ! [ -x "$tmp/suite/build/x86_64/stand_in_test" ]; then
	for t in $boot_tests; do skipped "$t: no busybox-static"; done
elif ! info=$("$fk" debian-6.12 2>"$tmp/fetch.err"); then
	for t in $boot_tests; do skipped "$t: no Debian kernel available"; done
else
	img=$(sed -n 's/^image=//p' <<<"$info")
	mods=$(sed -n 's/^modules=//p' <<<"$info")
	# What `make M=arch/x86/kvm` leaves: kvm.ko and the vendor modules, no
	# irqbypass or ccp (they come from the kernel's own package).
	mkdir -p "$tmp/mmods"
	for m in kvm kvm-amd kvm-intel; do
		f=$(find "$mods" -name "$m.ko*" | head -n 1)
		case "$f" in
		*.xz) xz -dc "$f" >"$tmp/mmods/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$tmp/mmods/$m.ko" ;;
		*) cp "$f" "$tmp/mmods/$m.ko" ;;
		esac
	done
	run_qs() {
		"$qs" --image "$img" --modules "$tmp/mmods" --suite-dir "$tmp/suite" \
			--build "$tmp/suite/build" "$@" >"$tmp/out" 2>"$tmp/err"
	}
	check_set() {
		local d=$1 f missing=''
		for f in ktap.txt status.txt inventory.txt summary.txt boot.log kernel.txt; do
			[ -e "$d/$f" ] || missing="$missing $f"
		done
		printf '%s' "$missing"
	}
	# The runner's status, stream, result set and arguments come through;
	# irqbypass and ccp come from the kernel's package, kvm_intel is not
	# loaded on an AMD CPU and that is no error.
	run_qs --out "$tmp/runner" --label "my kernel" -- --flag "two words" "it's"
	rc=$?
	m=$(check_set "$tmp/runner")
	if [ "$rc" = 1 ] && [ -z "$m" ] && cmp -s "$tmp/out" "$tmp/runner/ktap.txt" &&
		grep -q '^# kernel_under_test=my kernel build=/suite/build$' "$tmp/out" &&
		grep -q '^# arg: \[two words\]$' "$tmp/out" && grep -q "^# arg: \\[it's\\]$" "$tmp/out" &&
		grep -q '^kernel_under_test=my kernel$' "$tmp/runner/inventory.txt" &&
		grep -q '^outcome=ok$' "$tmp/runner/kernel.txt" &&
		grep -q '^kvm_amd loaded$' "$tmp/runner/modules.txt" &&
		grep -q '^irqbypass loaded$' "$tmp/runner/modules.txt" &&
		grep -q '^ccp loaded$' "$tmp/runner/modules.txt" &&
		grep -q '^kvm_intel not loaded: ' "$tmp/runner/modules.txt" &&
		grep -qx "module_irqbypass_from=$mods" "$tmp/runner/kernel.txt" &&
		grep -qx "module_kvm_from=$tmp/mmods" "$tmp/runner/kernel.txt" &&
		grep -q 'runner: stand-in stderr line' "$tmp/err"; then
		ok boot.runner
	else
		not_ok boot.runner "exit $rc, missing:${m:- none}" "$(tail -n 3 "$tmp/err")"
	fi
	# The short view (a terminal's default): the result set as
	# run_tests.sh --show prints it, the KTAP only in the set, with the
	# JUnit and HTML the host wrote beside it.
	run_qs --out "$tmp/brief" --label "my kernel" --brief
	rc=$?
	if [ "$rc" = 1 ] && ! grep -q 'KTAP version' "$tmp/out" &&
		grep -qE '^FAIL +stand_in_test +1 passed, 1 failed, 0 skipped' "$tmp/out" &&
		grep -qx '        not ok stand_in.b' "$tmp/out" &&
		[ "$(tail -n 1 "$tmp/out")" = "1 passed, 1 failed, 0 skipped" ] &&
		grep -q '^  not ok 2 stand_in.b$' "$tmp/brief/ktap.txt" &&
		{ ! command -v "$("$top/report/kvm-sysevent-report" --print-python)" >/dev/null ||
		  { [ -s "$tmp/brief/junit.xml" ] && [ -s "$tmp/brief/report.html" ]; }; }; then
		ok boot.brief
	else
		not_ok boot.brief "exit $rc" "$(tail -n 3 "$tmp/out")"
	fi
	# No init in the initramfs: the kernel panics before the suite.
	run_qs --out "$tmp/panic" --append rdinit=/nope --timeout 120
	rc=$?
	m=$(check_set "$tmp/panic")
	if [ "$rc" = 3 ] && [ -z "$m" ] && grep -q '^outcome=panic$' "$tmp/panic/kernel.txt" &&
		grep -q 'kernel panicked' "$tmp/err" &&
		grep -q '^not ok 1 boot # kernel panicked$' "$tmp/panic/ktap.txt" &&
		[ "$(cat "$tmp/panic/summary.txt")" = "0 passed, 1 failed, 0 skipped" ]; then
		ok boot.panic
	else
		not_ok boot.panic "exit $rc, missing:${m:- none}" "$(tail -n 3 "$tmp/err")"
	fi
	# The kernel dies in the middle of the suite: the stream so far is kept,
	# completed, and the run counts one more failure.
	"$qs" --bzimage "$img" --modules "$mods" --suite-dir "$tmp/crash" --build "$tmp/crash/build" \
		--out "$tmp/midrun" --timeout 120 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	m=$(check_set "$tmp/midrun")
	want='  partial
# kvm-sysevent: 6.12'
	if [ "$rc" = 3 ] && [ -z "$m" ] && grep -q '^outcome=panic$' "$tmp/midrun/kernel.txt" &&
		cmp -s "$tmp/out" "$tmp/midrun/ktap.txt" &&
		[ "$(tail -n 3 "$tmp/out" | head -n 2 | cut -c1-20)" = "$want" ] &&
		[ "$(tail -n 1 "$tmp/out")" = "1 passed, 2 failed, 0 skipped" ] &&
		[ "$(cat "$tmp/midrun/summary.txt")" = "1 passed, 2 failed, 0 skipped" ]; then
		ok boot.midrun_panic
	else
		not_ok boot.midrun_panic "exit $rc, missing:${m:- none}" "$(tail -n 4 "$tmp/out")"
	fi
	run_qs --out "$tmp/timeout" --timeout 1
	rc=$?
	m=$(check_set "$tmp/timeout")
	if [ "$rc" = 3 ] && [ -z "$m" ] && grep -q '^outcome=timeout$' "$tmp/timeout/kernel.txt" &&
		grep -q 'timed out after 1s' "$tmp/err" && grep -q 'timeout=1' "$tmp/timeout/status.txt"; then
		ok boot.timeout
	else
		not_ok boot.timeout "exit $rc, missing:${m:- none}" "$(tail -n 3 "$tmp/err")"
	fi
	# A module that fails to load (here kvm-amd.ko with its ELF machine
	# zeroed) fails the run with the insmod message; the suite never runs.
	mkdir -p "$tmp/badmods"
	cp "$tmp/mmods/kvm.ko" "$tmp/mmods/kvm-amd.ko" "$tmp/badmods/"
	printf '\0\0' | dd of="$tmp/badmods/kvm-amd.ko" bs=1 seek=18 conv=notrunc 2>/dev/null
	"$qs" --image "$img" --modules "$tmp/badmods" --suite-dir "$tmp/suite" \
		--build "$tmp/suite/build" --out "$tmp/badmod" --timeout 120 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	m=$(check_set "$tmp/badmod")
	if [ "$rc" = 3 ] && [ -z "$m" ] && grep -q '^outcome=module-failed$' "$tmp/badmod/kernel.txt" &&
		grep -q "^not ok 1 boot # module failed to load: kvm_amd: can't insert" "$tmp/out" &&
		grep -q '^kvm_amd failed: ' "$tmp/badmod/modules.txt" &&
		grep -q "module failed to load: kvm_amd: can't insert .*(exit 3)" "$tmp/err" &&
		[ "$(cat "$tmp/badmod/summary.txt")" = "0 passed, 1 failed, 0 skipped" ] &&
		! grep -q 'suite starting' "$tmp/badmod/boot.log"; then
		ok boot.module_failed
	else
		not_ok boot.module_failed "exit $rc, missing:${m:- none}" "$(tail -n 3 "$tmp/err")"
	fi
fi

# The other architectures: Debian's arm64 kernel (KVM built in) and riscv64
# kernel (kvm.ko from its package), a stand-in suite made of their own
# busybox.
for k in debian-6.12:arm64 debian-6.12:riscv64; do
	a=${k#*:}
	t=boot.$a
	if ! info=$("$fk" "$k" 2>"$tmp/fetch.err") ||
		! bb=$("$fk" --busybox "$a" 2>>"$tmp/fetch.err"); then
		skipped "$t: no Debian kernel available"
		[ "$a" = arm64 ] || skipped "boot.riscv64_no_kvm: no Debian kernel available"
		continue
	fi
	img=$(sed -n 's/^image=//p' <<<"$info")
	mods=$(sed -n 's/^modules=//p' <<<"$info")
	[ "$a" != arm64 ] || mods=
	dir=aarch64
	[ "$a" = arm64 ] || dir=riscv
	mkdir -p "$tmp/build-$a/$dir" "$tmp/build-$a/tools"
	cp "${bb#busybox=}" "$tmp/build-$a/$dir/stand_in_test"
	"$qs" --image "$img" ${mods:+--modules "$mods"} --suite-dir "$tmp/suite" \
		--build "$tmp/build-$a" --out "$tmp/$a" --timeout 120 -- --flag >"$tmp/out" 2>"$tmp/err"
	rc=$?
	m=$(check_set "$tmp/$a")
	if [ "$rc" = 1 ] && [ -z "$m" ] && cmp -s "$tmp/out" "$tmp/$a/ktap.txt" &&
		grep -q '^# arg: \[--flag\]$' "$tmp/out" &&
		grep -q '^  ok 1 stand_in.a$' "$tmp/out" &&
		grep -qx "arch=$a" "$tmp/$a/kernel.txt" && grep -qx 'outcome=ok' "$tmp/$a/kernel.txt" &&
		grep -qx 'dev_kvm=yes' "$tmp/$a/kernel.txt"; then
		ok "$t"
	else
		not_ok "$t" "exit $rc, missing:${m:- none}" "$(tail -n 3 "$tmp/err")"
	fi
	[ "$a" = riscv64 ] || continue
	# riscv64's KVM is a module: without it there is no /dev/kvm, and
	# that fails the run instead of skipping every case.
	"$qs" --image "$img" --suite-dir "$tmp/suite" --build "$tmp/build-$a" --out "$tmp/nokvm" \
		--timeout 120 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 3 ] && grep -qx 'outcome=no-kvm' "$tmp/nokvm/kernel.txt" &&
		grep -q '^not ok 1 boot # no /dev/kvm' "$tmp/out" &&
		[ "$(cat "$tmp/nokvm/summary.txt")" = "0 passed, 1 failed, 0 skipped" ]; then
		ok boot.riscv64_no_kvm
	else
		not_ok boot.riscv64_no_kvm "exit $rc" "$(tail -n 3 "$tmp/err")"
	fi
done

echo "kernel-cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
