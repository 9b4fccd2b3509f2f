# SPDX-License-Identifier: GPL-2.0
#
# Real-kernel mutants (kernel/mutants/README.md): known bugs put back into
# KVM's own code, built from Debian's linux-source-6.12 (or KDIR=), each
# module set booted under QEMU with the suite.
#
#   make mutants [KDIR=<built kernel tree>] [MUTANT_PATCH=<your.patch>]
#                [MUTANTS_ARGS="--only 'hv-*' ..."]
#   make check-mutants     (a make check step) every conformant variant
#                          passes, every reachable mutant is killed
#   make check-mutants-tools  (a make check step) the machinery's own tests

MUTANTS_ARGS	?=
MUTANTS_OUT	?= results/mutants
MUTANT_PATCH	?=

MUTANTS_CMD = kernel/mutants/mutants.sh -o $(MUTANTS_OUT) $(if $(KDIR),--kdir $(KDIR)) \
	$(foreach p,$(MUTANT_PATCH),--patch $(p)) $(MUTANTS_ARGS)

# static-suite (kernel/kernel.mk) builds the guest's static binaries.
mutants: static-suite
	$(Q)$(MUTANTS_CMD)

check-mutants: static-suite
	$(Q)$(MUTANTS_CMD)

check-mutants-tools:
	$(Q)kernel/mutants/selftest.sh

CHECK_STEPS	+= check-mutants-tools
CHECK_STEPS	+= check-mutants

.PHONY: mutants check-mutants check-mutants-tools
