# SPDX-License-Identifier: GPL-2.0
#
# arm64's real-kernel mutants (a whole kernel each: kernel/mutants/README.md,
# "arm64") and the kill matrix (kernel/sysevent_kernel/killmatrix.py): every
# mutant row of the last mutant runs (x86_64, arm64, riscv64) with two
# verdicts from the same guest, kvm-sysevent's (its named field) and
# upstream's KVM selftests' (their exit status), and both totals.
#
#   make mutants-arm64        the arm64 catalogue on every line
#   make check-mutants-arm64  (.ci/run: minutes per line, beyond make check's
#                             budget) [MUTANTS_ARM64_ARGS="--line 6.12 ..."]
#   make kill-matrix          print it from results/mutants*/
#   make readme-kill-matrix   write it into README.md (between its markers)

MUTANTS_ARM64_ARGS ?=

mutants-arm64 check-mutants-arm64:
	$(Q)$(MAKE) -s static-suite-arm64
	$(Q)kernel/mutants/mutants.sh --arch arm64 -o $(or $(MUTANTS_OUT),results/mutants)-arm64 \
		$(MUTANTS_ARM64_ARGS)

KILLMATRIX = PYTHONPATH=$(CURDIR)/kernel /usr/bin/python3 -m sysevent_kernel.killmatrix

kill-matrix:
	$(Q)$(KILLMATRIX)

readme-kill-matrix:
	$(Q)$(KILLMATRIX) --readme README.md

.PHONY: mutants-arm64 check-mutants-arm64 kill-matrix readme-kill-matrix
