# SPDX-License-Identifier: GPL-2.0
#
# kvm-sysevent: conformance suite for KVM_EXIT_SYSTEM_EVENT.
#
#   make            build the tests (harness headers from KDIR= or Debian's
#                   linux-source-X.Y of the lts line of kernel/lines.toml,
#                   extracted once into .cache/)
#   make run        build and run the suite on this host (run_tests.sh)
#   make check      the suite's own tests, the suite on this host, the
#                   mutation proof, and every feature's check step
#   make mutation   the SEV-ES binary against every software-model behaviour
#   make lab        everything this host allows, one archive to send back
#                   (tools/lab.sh; LAB_ARGS="--kernel debian-6.12")
#   make install    kselftest install for run_kselftest.sh (INSTALL_PATH=DIR);
#                   make gen_tar makes its tarball (install/README.md)
#
# make run and make check first install the Debian packages they need
# (tools/packages, tools/deps.sh): as root, through sudo -n, or they print
# the command that does and stop.
#
# Knobs: V=1 (show commands), WERROR=0, KDIR=<kernel tree>, BUILD=<dir>,
# STATIC=1 (static binaries, for initramfs use), SANITIZE=1 (ASan+UBSan into
# build-san/), ARCH=x86_64|arm64|riscv (the kernel's names; default: this
# machine's), DEPS=0 (install no packages).

# The architecture, by the kernel's names or uname's; ARCHDIR is the folder
# of its tests and library room (the KVM selftests' names, 6.12).
ARCH	?= $(shell uname -m)
ARCHDIR	:= $(or $(if $(filter x86_64 x86 amd64,$(ARCH)),x86_64), \
		$(if $(filter arm64 aarch64,$(ARCH)),aarch64), \
		$(if $(filter riscv riscv64,$(ARCH)),riscv))
ifeq ($(ARCHDIR),)
$(error ARCH=$(ARCH) is not one of x86_64, arm64, riscv)
endif
V	?= 0
WERROR	?= 1
SANITIZE ?= 0
KDIR	?=

# Another architecture than this machine's is a cross build with Debian's
# cross compiler (gcc-aarch64-linux-gnu, gcc-riscv64-linux-gnu and their
# libc6-dev-*-cross), static by default (it is for the kernel matrix's
# initramfs), into build-static-<arch>/ (build-<arch>/ with STATIC=0).
HOST_ARCHDIR	:= $(patsubst riscv64,riscv,$(shell uname -m))
ifneq ($(ARCHDIR),$(HOST_ARCHDIR))
CROSS		:= $(if $(filter aarch64,$(ARCHDIR)),arm64,riscv)
CROSS_COMPILE	?= $(if $(filter aarch64,$(ARCHDIR)),aarch64-linux-gnu-,riscv64-linux-gnu-)
ifeq ($(origin CC),default)
CC		:= $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR		:= $(CROSS_COMPILE)ar
endif
STATIC	?= 1
endif
STATIC	?= 0

ifeq ($(SANITIZE),1)
BUILD	?= build-san
else ifeq ($(STATIC),1)
BUILD	?= build-static$(if $(CROSS),-$(CROSS))
else
BUILD	?= build$(if $(CROSS),-$(CROSS))
endif

ifeq ($(V),1)
Q	:=
E	:= @true
else
Q	:= @
E	:= @printf '  %-8s %s\n'
MAKEFLAGS += --no-print-directory
endif

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

# ---------------------------------------------------------------------------
# kselftest harness headers: from KDIR, or extracted from Debian's
# linux-source-X.Y tarball of the kernel line kernel/lines.toml calls "lts"
# (tools/packages installs it). Never committed.
# $(call kernel_line,ROLE): the series of the line of that role (oldest, lts,
# newest, rc) in kernel/lines.toml; the included .mk files use it too.
kernel_line = $(shell sed -n '/^\[line\./h; /^role *= *"$(1)"/{x;s/^\[line\."\{0,1\}\([^]"]*\)"\{0,1\}\]$$/\1/p;}' kernel/lines.toml)
KSFT_SERIES	:= $(call kernel_line,lts)
KSFT_SOURCE	:= linux-source-$(KSFT_SERIES)
CACHE		:= .cache
ifneq ($(KDIR),)
KSFT_DIR	:= $(KDIR)/tools/testing/selftests
KSFT_STAMP	:= $(KSFT_DIR)/kselftest_harness.h
KHDR_INCLUDES	:= $(if $(wildcard $(KDIR)/usr/include/linux/kvm.h),-isystem $(KDIR)/usr/include)
else
KSFT_TARBALL	:= $(firstword $(wildcard /usr/src/$(KSFT_SOURCE).tar.xz /usr/src/$(KSFT_SOURCE).tar.bz2))
KSFT_DIR	:= $(CACHE)/kselftest
KSFT_STAMP	:= $(KSFT_DIR)/kselftest_harness.h
KHDR_INCLUDES	:=
endif

$(CACHE)/kselftest/kselftest_harness.h:
ifeq ($(KSFT_TARBALL),)
	@echo "error: kselftest_harness.h not found." >&2
	@echo "  make run and make check install what they need, or" >&2
	@echo "  install Debian's kernel source:  sudo apt-get install $(KSFT_SOURCE)" >&2
	@echo "  or point at a kernel tree:       make KDIR=/path/to/linux" >&2
	@exit 2
else
	$(E) EXTRACT "kselftest harness from $(KSFT_TARBALL)"
	$(Q)mkdir -p $(CACHE)/kselftest.tmp
	$(Q)tar -xf $(KSFT_TARBALL) -C $(CACHE)/kselftest.tmp --strip-components=4 \
		$(KSFT_SOURCE)/tools/testing/selftests/kselftest_harness.h \
		$(KSFT_SOURCE)/tools/testing/selftests/kselftest.h
	$(Q)rm -rf $(CACHE)/kselftest && mv $(CACHE)/kselftest.tmp $(CACHE)/kselftest
endif

ifneq ($(KDIR),)
$(KSFT_STAMP):
	@echo "error: $(KSFT_STAMP) does not exist: is KDIR=$(KDIR) a kernel source tree?" >&2
	@exit 2
endif

# ---------------------------------------------------------------------------
CC		?= gcc
WARNINGS	:= -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNINGS	+= -Werror
endif
CPPFLAGS	+= -D_GNU_SOURCE -Iinclude -Iinclude/$(ARCHDIR) -I$(KSFT_DIR) $(KHDR_INCLUDES)
CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 $(WARNINGS) -MD -MP
LDLIBS		+= -lrt
ifeq ($(STATIC),1)
LDFLAGS		+= -static
endif
# Guest programs are asm blobs bounded by labels: with PIE the labels went
# through one GOT entry and the blobs came out empty. arm64 and riscv build
# position-dependent code.
ifneq ($(filter aarch64 riscv,$(ARCHDIR)),)
CFLAGS		+= -fno-pie
LDFLAGS		+= -no-pie
endif
ifeq ($(SANITIZE),1)
CFLAGS		+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS		+= -fsanitize=address,undefined
endif

# The library, one object per line: the generic core, then the room of
# the architecture (its guests, its hooks, x86's SEV-ES backends).
LIB_SRCS	+= lib/util.c
LIB_SRCS	+= lib/kvm.c
LIB_SRCS	+= lib/vm.c
LIB_SRCS	+= lib/vcpu.c
LIB_SRCS	+= lib/sysevent.c
LIB_SRCS	+= lib/suite.c

LIB_SRCS_x86_64	+= lib/x86_64/processor.c
LIB_SRCS_x86_64	+= lib/x86_64/guest.c
LIB_SRCS_x86_64	+= lib/x86_64/ghcb.c
LIB_SRCS_x86_64	+= lib/x86_64/skip_hints.c
LIB_SRCS_x86_64	+= lib/x86_64/sev/backend.c
LIB_SRCS_x86_64	+= lib/x86_64/sev/hardware.c
LIB_SRCS_x86_64	+= lib/x86_64/sev/harness.c
LIB_SRCS_x86_64	+= lib/x86_64/sev/model.c
LIB_SRCS_x86_64	+= lib/x86_64/sev/sweep.c

LIB_SRCS_aarch64	+= lib/aarch64/processor.c
LIB_SRCS_aarch64	+= lib/aarch64/guest.c
LIB_SRCS_aarch64	+= lib/aarch64/skip_hints.c
LIB_SRCS_riscv		+= lib/riscv/processor.c
LIB_SRCS_riscv		+= lib/riscv/guest.c
LIB_SRCS_riscv		+= lib/riscv/skip_hints.c

LIB_SRCS	+= $(LIB_SRCS_$(ARCHDIR))
LIB_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIBSUITE	:= $(BUILD)/lib/libsysevent.a

# The tests run by run_tests.sh: the lines of tests.list for this ARCHDIR.
TEST_PROGS	:= $(filter $(ARCHDIR)/%,$(shell sed -n 's/^\([a-z0-9_]*\/[A-Za-z0-9_]*\)$$/\1/p' tests.list))

# Helpers run by run_tests.sh, not tests.
TOOL_PROGS	+= tools/host_inventory

# The suite's own unit tests (make check).
UNIT_PROGS	+= tests/unit/ghcb_codec_test
UNIT_PROGS	+= tests/unit/oracle_test
UNIT_PROGS	+= tests/unit/sev_hw_test
UNIT_PROGS	+= tests/unit/model_plumbing_test
UNIT_PROGS	+= tests/unit/sweep_test
UNIT_PROGS	+= tests/unit/suite_test
# They run on this machine: a cross build has none.
ifneq ($(CROSS),)
UNIT_PROGS	:=
endif

# The SEV-ES test harness's own checks (kernel/harness/), run inside a kernel
# whose kvm_amd has the harness: tests/harness/run.sh.
HARNESS_PROGS_x86_64	+= tests/harness/harness_safety_test
HARNESS_PROGS_x86_64	+= tests/harness/harness_host_fault_test
HARNESS_PROGS		:= $(HARNESS_PROGS_$(ARCHDIR))

ALL_PROGS	:= $(TEST_PROGS) $(TOOL_PROGS) $(UNIT_PROGS) $(HARNESS_PROGS)
BINS		:= $(addprefix $(BUILD)/,$(ALL_PROGS))

all: $(BINS)

$(BUILD)/%.o: %.c | $(KSFT_STAMP)
	$(E) CC "$@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# kselftest_harness.h defines fixture functions without prototypes, and
# objects full of its macros build in a third of the time at -O1.
$(BUILD)/$(ARCHDIR)/%.o $(BUILD)/tests/%.o: CFLAGS += -O1 -Wno-missing-prototypes -Wno-clobbered

$(LIBSUITE): $(LIB_OBJS)
	$(E) AR "$@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/%.o $(LIBSUITE)
	$(E) LINK "$@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBSUITE) $(LDLIBS)

# It fails chosen KVM_RUNs through a wrapper of its own: a test-only link seam.
$(BUILD)/tests/unit/model_plumbing_test: LDFLAGS += -Wl,--wrap=ioctl

# Keep intermediate objects (they are the incremental build).
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------
# The Debian packages make run and make check need (tools/packages), then a
# fresh make for the build: what was just installed (the kernel source) is
# seen when the Makefile is read.
DEPS	?= 1
DEPS_RUN = $(Q)KVM_SYSEVENT_DEPS=$(DEPS) tools/deps.sh $(if $(KDIR),--skip $(KSFT_SOURCE))

# Running. run_tests.sh finds the binaries under $(BUILD).
RUN_ARGS ?=
# On a terminal a short view, else KTAP (RUN_ARGS=--ktap for it anyway); the
# result set gets the KTAP, junit.xml and report.html either way.
run:
	$(DEPS_RUN) run
	$(Q)$(MAKE) all
	$(Q)BUILD=$(BUILD) ./run_tests.sh -o results/latest $(RUN_ARGS)

# The lab's one command: everything this host allows, one archive to send
# back (tools/lab.sh; LAB_ARGS="--kernel debian-6.12" runs it inside a
# kernel under QEMU, after make STATIC=1).
LAB_ARGS ?=
lab: all
	$(Q)BUILD=$(BUILD) ./tools/lab.sh $(LAB_ARGS)

# make check runs every step in CHECK_STEPS through tests/check.sh, which
# prints each step's count line and, last, the sum of them all. Each step is
# a make target whose last line of output is `N passed, N failed[, N skipped]`.
CHECK_STEPS	+= check-unit
CHECK_STEPS	+= check-abi
CHECK_STEPS	+= check-suite
CHECK_STEPS	+= check-mutation
CHECK_STEPS	+= check-lab

check:
	$(DEPS_RUN) check
	$(Q)$(MAKE) all
	$(Q)./tests/check.sh $(CHECK_STEPS)

check-unit: all
	$(Q)./tests/run_unit.sh $(addprefix $(BUILD)/,$(UNIT_PROGS))

# The build-time ABI checks against the lts line's uapi headers too, and each
# family of them proven live (tests/abi/headers.sh).
check-abi:
	$(Q)CC="$(CC)" KSFT_SOURCE=$(KSFT_SOURCE) ./tests/abi/headers.sh

# Exit 4 (every case skipped: no /dev/kvm here) is no failure of the check;
# the count line says what was skipped.
check-suite: all
	$(Q)BUILD=$(BUILD) ./run_tests.sh -o results/check-suite || [ $$? -eq 4 ]

# A quick lab run on the model: the archive and what it must hold.
check-lab: all
	$(Q)BUILD=$(BUILD) ./tests/lab/check.sh

# The mutation proof: the SEV-ES binary against every behaviour of the
# software model of KVM's SEV-ES side (tests/mutation/behaviours.tsv),
# exhaustive sweep included.
MUTATION_ARGS ?= --exhaustive
mutation check-mutation: all
	$(Q)BUILD=$(BUILD) ./tests/mutation/run.sh -o results/mutation $(MUTATION_ARGS)

# Feature fragments (reporter, kernel tools, benchmark, robustness) add
# their own targets and CHECK_STEPS.
-include report/report.mk
-include kernel/kernel.mk
-include kernel/mutants/mutants.mk
-include kernel/killmatrix.mk
-include lava/lava.mk
-include bench/bench.mk
-include tests/robust.mk
-include install/install.mk
-include tests/harness/harness.mk

clean:
	$(E) CLEAN "$(BUILD)"
	$(Q)rm -rf build build-static build-san

distclean: clean
	$(Q)rm -rf $(CACHE) results

help:
	@sed -n '3,24p' Makefile | sed 's/^# \{0,1\}//'

.PHONY: all run lab check check-unit check-abi check-lab check-suite mutation check-mutation clean distclean help
