# SPDX-License-Identifier: GPL-2.0
#
# Real-kernel mutants (kernel/mutants/README.md): known bugs put back into
# KVM's own code, built for Debian's kernel of each line of kernel/lines.toml
# [matrix].mutants (or KDIR=), each module set booted under QEMU with the
# suite. A kill counts only with the deviation the entry names.
#
#   make mutants [KDIR=<built kernel tree>] [MUTANT_PATCH=<your.patch>]
#                [MUTANTS_ARGS="--only 'hv-*' --line latest ..."]
#                          the x86 catalogue on every line, then (without KDIR
#                          or MUTANT_PATCH, which are x86's) the riscv64 and
#                          the arm64 ones (kernel/killmatrix.mk)
#   make check-mutants     (a make check step) within make check's budget:
#                          on the lts line the controls and the catalogue's
#                          quick entries [CHECK_MUTANTS_ARGS=...]
#   make check-mutants-all (.ci/run) the whole x86 catalogue on every line,
#                          with upstream's selftests beside the suite
#   make check-mutants-tools  (a make check step) the tools' own tests
#   make mutants-riscv     the riscv64 catalogue on every line (kvm.ko, built
#   make check-mutants-riscv  with the kernel's own cross compiler)
#                          [MUTANTS_RISCV_ARGS="--only ..."]

MUTANTS_ARGS	?=
MUTANTS_OUT	?= results/mutants
MUTANT_PATCH	?=
# make check's budget (kernel/mutants/README.md, "Requirements and cost"): on the lts
# line the controls and the entries marked quick (one per site and per kill field),
# without upstream's selftests; check-mutants-all (.ci/run) runs everything.
CHECK_MUTANTS_ARGS ?= --line lts --quick --no-upstream
CHECK_MUTANTS_PREPARE ?= --line lts
MUTANTS_PREPARE_ARGS ?=

MUTANTS_CMD = kernel/mutants/mutants.sh -o $(MUTANTS_OUT) $(if $(KDIR),--kdir $(KDIR)) \
	$(foreach p,$(MUTANT_PATCH),--patch $(p))

# The guest's static binaries (static-suite, kernel/kernel.mk, and the
# harness's own checks for the harness-safety rows) are built while the KVM
# source is unpacked and the stock modules are built.
mutants-static: static-suite
	$(Q)$(MAKE) -s STATIC=1 BUILD=build-static SANITIZE=0 \
		$(addprefix build-static/,$(HARNESS_PROGS_x86_64))

mutants-prepare:
	$(Q)kernel/mutants/kvm-modules.sh $(if $(KDIR),--kdir $(KDIR)) $(MUTANTS_PREPARE_ARGS) \
		prepare >/dev/null

mutants:
	$(Q)$(MAKE) -s -j2 mutants-static mutants-prepare
	$(Q)$(MUTANTS_CMD) $(MUTANTS_ARGS)
	$(if $(KDIR)$(MUTANT_PATCH),,$(Q)$(MAKE) -s mutants-riscv)
	$(if $(KDIR)$(MUTANT_PATCH),,$(Q)$(MAKE) -s mutants-arm64)

check-mutants:
	$(Q)$(MAKE) -s -j2 mutants-static mutants-prepare MUTANTS_PREPARE_ARGS="$(CHECK_MUTANTS_PREPARE)"
	$(Q)$(MUTANTS_CMD) $(CHECK_MUTANTS_ARGS) $(MUTANTS_ARGS)

check-mutants-all:
	$(Q)$(MAKE) -s -j2 mutants-static mutants-prepare
	$(Q)$(MUTANTS_CMD) $(MUTANTS_ARGS)

check-mutants-tools:
	$(Q)tests/kernel/mutants_cli_test.sh

# riscv64's KVM is a module too (catalogue/riscv64/); arm64's is built into
# the kernel image: a whole kernel per mutant (kernel/killmatrix.mk).
MUTANTS_RISCV_ARGS ?=
mutants-prepare-riscv:
	$(Q)kernel/mutants/kvm-modules.sh --arch riscv64 prepare >/dev/null

mutants-riscv check-mutants-riscv:
	$(Q)$(MAKE) -s -j2 static-suite-riscv mutants-prepare-riscv
	$(Q)kernel/mutants/mutants.sh --arch riscv64 -o $(MUTANTS_OUT)-riscv64 $(MUTANTS_RISCV_ARGS)

CHECK_STEPS	+= check-mutants-tools
CHECK_STEPS	+= check-mutants

.PHONY: mutants-static mutants check-mutants check-mutants-all check-mutants-tools mutants-prepare \
	mutants-prepare-riscv mutants-riscv check-mutants-riscv
