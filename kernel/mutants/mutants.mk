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

# The guest's static binaries (static-suite, kernel/kernel.mk) are built
# while the KVM source is unpacked and the stock modules are built.
mutants-prepare:
	$(Q)kernel/mutants/kvm-modules.sh $(if $(KDIR),--kdir $(KDIR)) prepare >/dev/null

mutants check-mutants:
	$(Q)$(MAKE) -s -j2 static-suite mutants-prepare
	$(Q)$(MUTANTS_CMD)

check-mutants-tools:
	$(Q)kernel/mutants/selftest.sh

CHECK_STEPS	+= check-mutants-tools
CHECK_STEPS	+= check-mutants

.PHONY: mutants check-mutants check-mutants-tools mutants-prepare
