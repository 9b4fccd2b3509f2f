# SPDX-License-Identifier: GPL-2.0
#
# The kill matrix (kernel/sysevent_kernel/killmatrix.py): every real-kernel
# mutant row of the last mutant runs (x86_64, arm64, riscv64) with two
# verdicts from the same guest, kvm-sysevent's (its named field) and
# upstream's KVM selftests' (their exit status), and both totals.
#
#   make kill-matrix          print it from results/mutants*/
#   make readme-kill-matrix   write it into README.md (between its markers)

KILLMATRIX = PYTHONPATH=$(CURDIR)/kernel /usr/bin/python3 -m sysevent_kernel.killmatrix

kill-matrix:
	$(Q)$(KILLMATRIX)

readme-kill-matrix:
	$(Q)$(KILLMATRIX) --readme README.md

.PHONY: kill-matrix readme-kill-matrix
