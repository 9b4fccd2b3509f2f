# SPDX-License-Identifier: GPL-2.0
#
# Robustness (tests/robust.mk, included by the top Makefile):
#
#   make check-sanitize   unit tests, the local suite and the model mutation
#                         run on the ASan+UBSan build (build-san/); any
#                         sanitizer report fails it (tests/sanitize/run.sh).
#                         make check runs the mutation without the sweep and
#                         the sweep alone; SANITIZE_ARGS= runs it exhaustive
#
# Every check step here ends with `<word>: N passed, N failed[, N skipped]`.

SAN_BUILD	:= build-san

# Built with the suite (make all), in every build directory.
ROBUST_PROGS	+= tests/runner/standin
all: $(addprefix $(BUILD)/,$(ROBUST_PROGS))

# The sanitizer build: everything make builds, plus the canary.
SAN_EXTRA	:= tests/sanitize/canary_test

sanitize-build:
	$(Q)$(MAKE) SANITIZE=1 BUILD=$(SAN_BUILD) all $(addprefix $(SAN_BUILD)/,$(SAN_EXTRA))

SANITIZE_ARGS	?= --quick
check-sanitize: sanitize-build
	$(Q)BUILD=$(SAN_BUILD) ./tests/sanitize/run.sh -o results/check-sanitize $(SANITIZE_ARGS)

CHECK_STEPS	+= check-sanitize

# run_tests.sh with stand-ins that hang, block, crash and overrun.
check-runner: all
	$(Q)BUILD=$(BUILD) ./tests/runner/run.sh

CHECK_STEPS	+= check-runner

.PHONY: sanitize-build check-sanitize check-runner
