# SPDX-License-Identifier: GPL-2.0
#
# Kernel matrix (kernel/README.md): run the suite inside other kernels under
# QEMU. Which kernels each matrix boots is kernel/lines.toml's [matrix] (no
# kernel is named here); KERNELS= or CHECK_KERNELS= replace a matrix.
#
#   make kernels [KERNELS="debian-6.12 debian-latest:arm64 ..."]
#                [KERNEL_JOBS=2] [KERNEL_ARGS="runner args"]
#                          [matrix].kernels: the check matrix and debian-rc
#   make check-kernel-tools  (a make check step) the tools' own tests
#   make check-kernels     (a make check step) [matrix].check: every kernel
#                          must pass the cases kernel/required-cases.txt lists
#                          for its architecture (and version)
#   make check-kernels-rc  (a .ci/run step) the same for the kernels of
#                          [matrix].kernels that check does not boot (debian-rc)
#   make kernels-table     the README's "which kernels" table, written from the
#                          last make kernels run (KERNELS_TABLE_FROM=DIR)

KERNELS		?=
KERNEL_JOBS	?= 2
KERNEL_ARGS	?=
KERNEL_OUT	?= results/kernels
CHECK_KERNELS	?=
KERNELS_TABLE_FROM ?= $(KERNEL_OUT)

# The kernels of a lines.toml matrix (expanded in recipes only: reading it
# costs a Python start).
matrix_of = $(shell kernel/check-kernels.sh --list-matrix $(1))

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

# The static suites kernel names need: this machine's and the other
# architectures among them (NAME:arm64, NAME:riscv64).
kernel_arches = $(sort $(foreach k,$(1),$(if $(filter %:arm64 %:aarch64,$(k)),arm64) \
		$(if $(filter %:riscv64 %:riscv,$(k)),riscv)))
static_for = $(Q)$(MAKE) -s static-suite $(addprefix static-suite-,$(call kernel_arches,$(1)))

kernels:
	$(call static_for,$(or $(KERNELS),$(call matrix_of,kernels)))
	$(Q)kernel/run-in-kernel.sh $(foreach k,$(or $(KERNELS),$(call matrix_of,kernels)),--kernel $(k)) \
		--kernel-jobs $(KERNEL_JOBS) -o $(KERNEL_OUT) $(KERNEL_ARGS)

check-kernels:
	$(call static_for,$(or $(CHECK_KERNELS),$(call matrix_of,check)))
	$(Q)kernel/check-kernels.sh --jobs $(KERNEL_JOBS) -o results/check-kernels \
		$(or $(CHECK_KERNELS),--matrix check)

check-kernels-rc:
	$(call static_for,$(call matrix_of,rc))
	$(Q)kernel/check-kernels.sh --jobs $(KERNEL_JOBS) -o results/check-kernels-rc --matrix rc

kernels-table:
	$(Q)kernel/check-kernels.sh --table $(KERNELS_TABLE_FROM) --update README.md

# The tools themselves: the Python package's unit tests (the resolver against
# a fake package index), bad input, boot failures, the serial channels.
check-kernel-tools:
	$(Q)tests/kernel/check.sh

CHECK_STEPS	+= check-kernel-tools
CHECK_STEPS	+= check-kernels

.PHONY: suite-progs static-suite static-suite-arm64 static-suite-riscv kernels check-kernels \
	check-kernels-rc kernels-table check-kernel-tools
