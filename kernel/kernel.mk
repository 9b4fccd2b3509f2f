# SPDX-License-Identifier: GPL-2.0
#
# Kernel matrix (kernel/README.md): run the suite inside other kernels under
# QEMU.
#
#   make kernels [KERNELS="debian-6.1 debian-6.12 debian-6.12:arm64 ..."]
#                [KERNEL_JOBS=2] [KERNEL_ARGS="runner args"]
#   make check-kernel-tools  (a make check step) the tools' own tests
#   make check-kernels     (a make check step) Debian's x86_64 6.1 and 6.12,
#                          arm64 6.1 and 6.12 and riscv64 6.12 must pass the
#                          cases kernel/required-cases.txt lists for their
#                          architecture

MATRIX_KERNELS	:= debian-6.1 debian-6.12 debian-6.1:arm64 debian-6.12:arm64 debian-6.12:riscv64
KERNELS		?= $(MATRIX_KERNELS)
KERNEL_JOBS	?= 2
KERNEL_ARGS	?=
KERNEL_OUT	?= results/kernels
CHECK_KERNELS	?= $(MATRIX_KERNELS)

# The guest needs static binaries of the tests and tools (not the unit
# tests): build them into build-static/ whatever BUILD the outer make uses,
# and for the other architectures the kernels named need (debian-X.Y:arm64,
# :riscv64) with Debian's cross compilers into build-static-arm64/ and
# build-static-riscv/.
suite-progs: $(addprefix $(BUILD)/,$(TEST_PROGS) $(TOOL_PROGS))

static-suite:
	$(Q)$(MAKE) -s STATIC=1 BUILD=build-static SANITIZE=0 \
		$(addprefix build-static/,$(TEST_PROGS) $(TOOL_PROGS))

cross_gcc_arm64	:= aarch64-linux-gnu-
cross_gcc_riscv	:= riscv64-linux-gnu-
cross_pkg_arm64	:= gcc-aarch64-linux-gnu libc6-dev-arm64-cross
cross_pkg_riscv	:= gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
static-suite-arm64 static-suite-riscv: static-suite-%:
	$(Q)command -v $(cross_gcc_$*)gcc >/dev/null || \
		{ echo "error: $(cross_gcc_$*)gcc not found (apt-get install $(cross_pkg_$*))" >&2; \
		  exit 2; }
	$(Q)$(MAKE) -s ARCH=$* STATIC=1 BUILD=build-static-$* SANITIZE=0 \
		CC=$(cross_gcc_$*)gcc AR=$(cross_gcc_$*)ar suite-progs

# The other architectures among kernel names (NAME:arm64, NAME:riscv64).
kernel_arches = $(sort $(foreach k,$(1),$(if $(filter %:arm64 %:aarch64,$(k)),arm64) \
		$(if $(filter %:riscv64 %:riscv,$(k)),riscv)))

kernels: static-suite $(addprefix static-suite-,$(call kernel_arches,$(KERNELS)))
	$(Q)kernel/run-in-kernel.sh $(foreach k,$(KERNELS),--kernel $(k)) \
		--kernel-jobs $(KERNEL_JOBS) -o $(KERNEL_OUT) $(KERNEL_ARGS)

check-kernels: static-suite $(addprefix static-suite-,$(call kernel_arches,$(CHECK_KERNELS)))
	$(Q)kernel/check-kernels.sh --jobs $(KERNEL_JOBS) -o results/check-kernels \
		$(CHECK_KERNELS)

# The tools themselves: the Python package's unit tests (the resolver against
# a fake package index), bad input, boot failures, the serial channels.
check-kernel-tools:
	$(Q)tests/kernel/check.sh

CHECK_STEPS	+= check-kernel-tools
CHECK_STEPS	+= check-kernels

.PHONY: suite-progs static-suite static-suite-arm64 static-suite-riscv kernels check-kernels \
	check-kernel-tools
