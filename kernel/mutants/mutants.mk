# SPDX-License-Identifier: GPL-2.0
#
# Real-kernel mutants (kernel/mutants/README.md): known bugs put back into
# KVM's own code, built from Debian's linux-source-6.12 (or KDIR=), each
# module set booted under QEMU with the suite.
#
#   make mutants [KDIR=<built kernel tree>] [MUTANT_PATCH=<your.patch>]
#                [MUTANTS_ARGS="--only 'hv-*' ..."]
#                          the x86 catalogue, then (without KDIR or
#                          MUTANT_PATCH, which are x86's) the riscv64 one
#   make check-mutants     (a make check step) every conformant variant
#                          passes, every reachable mutant is killed
#   make check-mutants-tools  (a make check step) the machinery's own tests
#   make mutants-riscv     the riscv64 catalogue against Debian's riscv64
#   make check-mutants-riscv  kernel (kvm.ko, cross-built); a .ci/run step
#                          (about 2.5 min here: beyond make check's budget)
#                          [MUTANTS_RISCV_ARGS="--only ..."]

MUTANTS_ARGS	?=
MUTANTS_OUT	?= results/mutants
MUTANT_PATCH	?=

MUTANTS_CMD = kernel/mutants/mutants.sh -o $(MUTANTS_OUT) $(if $(KDIR),--kdir $(KDIR)) \
	$(foreach p,$(MUTANT_PATCH),--patch $(p)) $(MUTANTS_ARGS)

# The guest's static binaries (static-suite, kernel/kernel.mk) are built
# while the KVM source is unpacked and the stock modules are built.
mutants-prepare:
	$(Q)kernel/mutants/kvm-modules.sh $(if $(KDIR),--kdir $(KDIR)) prepare >/dev/null

mutants check-mutants:
	$(Q)$(MAKE) -s -j2 static-suite mutants-prepare
	$(Q)$(MUTANTS_CMD)
	$(if $(filter mutants,$@),$(if $(KDIR)$(MUTANT_PATCH),,$(Q)$(MAKE) -s mutants-riscv))

check-mutants-tools:
	$(Q)tests/kernel/mutants_cli_test.sh

# riscv64's KVM is a module too (catalogue/riscv64/); arm64's is built into
# the kernel image, out of reach for a per-mutant build.
MUTANTS_RISCV_ARGS ?=
mutants-prepare-riscv:
	$(Q)KM_ARCH=riscv64 kernel/mutants/kvm-modules.sh prepare >/dev/null

mutants-riscv check-mutants-riscv:
	$(Q)$(MAKE) -s -j2 static-suite-riscv mutants-prepare-riscv
	$(Q)kernel/mutants/mutants.sh --arch riscv64 -o $(MUTANTS_OUT)-riscv64 $(MUTANTS_RISCV_ARGS)

CHECK_STEPS	+= check-mutants-tools
CHECK_STEPS	+= check-mutants

.PHONY: mutants check-mutants check-mutants-tools mutants-prepare mutants-prepare-riscv \
	mutants-riscv check-mutants-riscv
