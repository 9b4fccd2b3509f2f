#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kvm-sysevent initramfs (busybox sh, runs as PID 1 inside the
# kernel under test). Built into the initramfs by qemu-suite.sh; not meant to
# run anywhere else.
#
# Serial ports (see kernel/README.md; which tty is which depends on the
# machine, guest.env names them):
#   console    kernel console and the progress lines below  -> boot.log
#   KTAP_TTY   the runner's stdout, the KTAP stream only     -> streamed by the host
#   TAR_TTY    exit status and the result set (tar, base64)  -> unpacked by the host
#
# /suite/guest.env (written by qemu-suite.sh) sets LABEL, REVISION, KTAP_TTY,
# TAR_TTY, MODULES_GIVEN, GUEST_SHELL and the runner's arguments (set -- ...).
# GUEST_SHELL=1 (qemu-suite.sh --initramfs): after the modules, a shell on the
# console instead of the suite, for a harness that drives the console (LAVA);
# /results/modules.txt says how the modules fared.
# /suite/module-params, when present, has one line per module:
# `name param=value ...` (qemu-suite.sh --module-param).

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

/bin/busybox mkdir -p /proc /sys /dev /tmp /results /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm
mount -t tmpfs tmpfs /dev/shm

exec </dev/console >/dev/console 2>&1

say() {
	echo "kvm-sysevent-guest: $*"
}

finish() {
	sync
	reboot -f
	# reboot -f does not return; if it does, make the kernel panic so that
	# QEMU (-no-reboot, panic=-1) exits anyway.
	exit 1
}

say "init started, kernel $(uname -r)"

LABEL=unknown
REVISION=unknown
KTAP_TTY=ttyS1
TAR_TTY=ttyS2
MODULES_GIVEN=0
GUEST_SHELL=0
# shellcheck disable=SC1091
. /suite/guest.env

# send_results [SETUP_FAILED_REASON]: the exit status (or why the suite did
# not run) and the result set, on the result port.
send_results() {
	dmesg >/results/dmesg.txt 2>/dev/null
	{
		if [ -n "${1:-}" ]; then
			echo "KVM-SYSEVENT-SETUP-FAILED $1"
		else
			echo "KVM-SYSEVENT-EXIT rc=$rc"
		fi
		echo "KVM-SYSEVENT-TAR-BEGIN"
		tar -C /results -cf - . | base64
		echo "KVM-SYSEVENT-TAR-END"
	} >"/dev/$TAR_TTY"
	say "results sent"
}
stty -F "/dev/$KTAP_TTY" raw -echo 2>/dev/null
stty -F "/dev/$TAR_TTY" raw -echo 2>/dev/null

# Load the kvm modules in the order qemu-suite.sh chose (file names start with
# a two-digit rank). Every module must load, except the vendor module that
# does not match the CPU (kvm_intel on AMD, kvm_amd on Intel), which is not
# loaded at all. A module that fails means a broken setup: the suite does not
# run and the failure is the result.
: >/results/modules.txt
cpu_vendor_module=
if grep -qw svm /proc/cpuinfo 2>/dev/null; then
	cpu_vendor_module=kvm_amd
elif grep -qw vmx /proc/cpuinfo 2>/dev/null; then
	cpu_vendor_module=kvm_intel
fi
failed=
for ko in /suite/modules/*.ko; do
	[ -e "$ko" ] || continue
	name=${ko##*/}
	name=${name#??-}
	name=${name%.ko}
	case "$name" in
	kvm_amd|kvm_intel)
		if [ "$name" != "$cpu_vendor_module" ]; then
			echo "$name not loaded: the CPU is not its vendor's" >>/results/modules.txt
			say "insmod $name: not loaded, the CPU is not its vendor's"
			continue
		fi
		;;
	esac
	params=
	if [ -f /suite/module-params ]; then
		params=$(sed -n "s/^$name //p" /suite/module-params | tr '\n' ' ')
	fi
	# shellcheck disable=SC2086 # one word per parameter
	if msg=$(insmod "$ko" $params 2>&1); then
		echo "$name loaded${params:+ with ${params% }}" >>/results/modules.txt
		say "insmod $name${params:+ ${params% }}: ok"
		# What the module took, read back (absent for write-only parameters).
		for p in $params; do
			f=/sys/module/$name/parameters/${p%%=*}
			[ -r "$f" ] && echo "$name.${p%%=*}=$(cat "$f")" >>/results/modules.txt
		done
	else
		msg=$(printf '%s' "$msg" | tr '\n' ' ')
		echo "$name failed: $msg" >>/results/modules.txt
		say "insmod $name: failed: $msg"
		[ -n "$failed" ] || failed="$name: ${msg#insmod: }"
	fi
done
if [ "$GUEST_SHELL" = 1 ]; then
	say "shell on the console, the suite is in /suite"
	cd /suite || finish
	exec setsid cttyhack sh
fi
if [ -n "$failed" ]; then
	send_results "$failed"
	finish
fi
if [ -c /dev/kvm ]; then
	say "/dev/kvm present"
else
	say "no /dev/kvm"
	if [ "$MODULES_GIVEN" = 1 ]; then
		why="no /dev/kvm after loading the kvm modules (CPU without virtualization?)"
	else
		why="no /dev/kvm (KVM not built in: give the kvm modules with --modules)"
	fi
	send_results "$why"
	finish
fi

say "suite starting"
cd /suite || finish
BUILD=/suite/build
KVM_SYSEVENT_KERNEL_UNDER_TEST=$LABEL
KVM_SYSEVENT_REVISION=$REVISION
export BUILD KVM_SYSEVENT_KERNEL_UNDER_TEST KVM_SYSEVENT_REVISION
sh ./run_tests.sh -o /results "$@" --ktap >"/dev/$KTAP_TTY" 2>/tmp/runner-stderr.txt
rc=$?
say "suite finished rc=$rc"

if [ -s /tmp/runner-stderr.txt ]; then
	cp /tmp/runner-stderr.txt /results/runner-stderr.txt
	sed 's/^/kvm-sysevent-guest: runner: /' /tmp/runner-stderr.txt
fi
send_results
finish
