# SPDX-License-Identifier: GPL-2.0
#
# Kernel matrix (kernel/README.md): run the suite inside other kernels under
# QEMU.
#
#   make kernels [KERNELS="debian-6.1 debian-6.12 /path/bzImage ..."]
#                [KERNEL_JOBS=2] [KERNEL_ARGS="runner args"]
#   make check-kernel-tools  (a make check step) the tools' own tests
#   make check-kernels     (a make check step) Debian 6.1 and 6.12 must pass
#                          the Hyper-V CRASH/RESET, triple-fault, capability
#                          and layout, and non-SEV control cases

KERNELS		?= debian-6.1 debian-6.12
KERNEL_JOBS	?= 2
KERNEL_ARGS	?=
KERNEL_OUT	?= results/kernels
CHECK_KERNELS	?= debian-6.1 debian-6.12

# The guest needs static binaries of the tests and tools (not the unit
# tests): build them into build-static/ whatever BUILD the outer make uses.
static-suite:
	$(Q)$(MAKE) -s STATIC=1 BUILD=build-static SANITIZE=0 \
		$(addprefix build-static/,$(TEST_PROGS) $(TOOL_PROGS))

kernels: static-suite
	$(Q)kernel/run-in-kernel.sh $(foreach k,$(KERNELS),--kernel $(k)) \
		--kernel-jobs $(KERNEL_JOBS) -o $(KERNEL_OUT) $(KERNEL_ARGS)

check-kernels: static-suite
	$(Q)kernel/check-kernels.sh --jobs $(KERNEL_JOBS) -o results/check-kernels \
		$(CHECK_KERNELS)

# The tools themselves: bad input, boot failures, the serial channels.
check-kernel-tools:
	$(Q)kernel/tests/cli_test.sh

CHECK_STEPS	+= check-kernel-tools
CHECK_STEPS	+= check-kernels

.PHONY: static-suite kernels check-kernels check-kernel-tools
