# SPDX-License-Identifier: GPL-2.0
#
# The reporter (report/): `make report` writes the HTML report of the last
# `make run`; `make check-report` runs its pytest suite (tests/report/);
# `make promises` rewrites the files made from the catalogue of promises
# (promises.toml): kernel/required-cases.txt, docs/promises.md and the table
# in README.md.
# The Python interpreter is chosen in one place, report/kvm-sysevent-report
# (Debian's /usr/bin/python3 unless KVM_SYSEVENT_PYTHON says otherwise).

REPORT		:= ./report/kvm-sysevent-report
REPORT_RESULTS	?= results/latest

CHECK_STEPS	+= check-report

report:
	$(Q)$(REPORT) html $(REPORT_RESULTS)

check-report:
	$(Q)BUILD=$(BUILD) ./report/check-report

promises:
	$(Q)$(REPORT) promises --write

.PHONY: report check-report promises
