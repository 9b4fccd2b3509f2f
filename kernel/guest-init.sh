#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kvm-sysevent initramfs (busybox sh, runs as PID 1 inside the
# kernel under test). Built into the initramfs by qemu-suite.sh; not meant to
# run anywhere else.
#
# Serial ports (see kernel/README.md):
#   ttyS0  kernel console and the progress lines below   -> boot.log
#   ttyS1  the runner's stdout, the KTAP stream only      -> streamed by the host
#   ttyS2  exit status and the result set (tar, base64)   -> unpacked by the host
#
# /suite/guest.env (written by qemu-suite.sh) sets LABEL, REVISION and the runner's
# arguments (set -- ...).

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
# shellcheck disable=SC1091
. /suite/guest.env

# Load the kvm modules in the order qemu-suite.sh chose (file names start with
# a two-digit rank). The vendor module that does not match the CPU fails to
# load: that is expected, /dev/kvm decides.
: >/results/modules.txt
vendor=
for ko in /suite/modules/*.ko; do
	[ -e "$ko" ] || continue
	name=${ko##*/}
	name=${name#??-}
	name=${name%.ko}
	case "$name" in
	kvm_amd|kvm_intel)
		if [ -n "$vendor" ]; then
			echo "$name not loaded: $vendor is" >>/results/modules.txt
			continue
		fi
		;;
	esac
	if msg=$(insmod "$ko" 2>&1); then
		echo "$name loaded" >>/results/modules.txt
		case "$name" in kvm_amd|kvm_intel) vendor=$name ;; esac
		say "insmod $name: ok"
	else
		echo "$name failed: $msg" >>/results/modules.txt
		say "insmod $name: failed: $msg"
	fi
done
if [ -c /dev/kvm ]; then
	say "/dev/kvm present"
else
	say "no /dev/kvm: the suite will skip what needs it"
fi

stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null

say "suite starting"
cd /suite || finish
BUILD=/suite/build
KVM_SYSEVENT_KERNEL_UNDER_TEST=$LABEL
KVM_SYSEVENT_REVISION=$REVISION
export BUILD KVM_SYSEVENT_KERNEL_UNDER_TEST KVM_SYSEVENT_REVISION
sh ./run_tests.sh -o /results "$@" >/dev/ttyS1 2>/tmp/runner-stderr.txt
rc=$?
say "suite finished rc=$rc"

if [ -s /tmp/runner-stderr.txt ]; then
	cp /tmp/runner-stderr.txt /results/runner-stderr.txt
	sed 's/^/kvm-sysevent-guest: runner: /' /tmp/runner-stderr.txt
fi
dmesg >/results/dmesg.txt 2>/dev/null

{
	echo "KVM-SYSEVENT-EXIT rc=$rc"
	echo "KVM-SYSEVENT-TAR-BEGIN"
	tar -C /results -cf - . | base64
	echo "KVM-SYSEVENT-TAR-END"
} >/dev/ttyS2
say "results sent"
finish
