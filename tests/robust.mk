# SPDX-License-Identifier: GPL-2.0
#
# Robustness (tests/robust.mk, included by the top Makefile). make check runs
# the check-* steps; fuzz and soak are the long runs that print the figures.
#
#   make check-sanitize  every unit test, the local suite, the model mutation
#                        run and a short soak on the ASan+UBSan build
#                        (build-san/); any sanitizer report fails it
#                        (tests/sanitize/run.sh). A re-run counts once, as
#                        "re-run clean", not as its cases again.
#                        make check leaves the sweep out of the mutation run
#                        and runs it alone; SANITIZE_ARGS= runs it exhaustive
#   make check-runner    run_tests.sh with hung, blocked, slow, cut-off and
#                        crashing stand-ins (tests/runner/run.sh)
#   make check-unpriv    the suite as an unprivileged user in the kvm group
#   make fuzz            the libFuzzer targets, FUZZ_RUNS (1M) executions each,
#                        and the reporter's reader on FUZZ_PY_RUNS (5000)
#                        hostile streams; ends `fuzz: T targets, E executions,
#                        C crashes`. make check-fuzz is the smoke (50k, 300)
#   make fuzz-seeds      rewrite the seed corpora from real runs (mkseeds)
#   make check-badinput  every entry point's bad input (tests/badinput/table.tsv)
#   make soak            SOAK_CYCLES (10,000) VM lifecycles in every mode, fds,
#                        RSS and heap flat, valgrind memcheck on shorter runs;
#                        ends `soak: N cycles, fds A -> B, rss A -> B KiB`.
#                        make check-soak is the short one (200 cycles)
#
# Every check step here ends with `<word>: N passed, N failed[, N skipped]`.

SAN_BUILD	:= build-san

# Built with the suite (make all), in every build directory.
ROBUST_PROGS	+= tests/runner/standin
ROBUST_PROGS	+= tests/fuzz/mkseeds
ROBUST_PROGS	+= tests/soak/lifecycle_soak
ifeq ($(CROSS),)
all: $(addprefix $(BUILD)/,$(ROBUST_PROGS))
endif

# The sanitizer build: everything make builds, plus the canary.
SAN_EXTRA	:= tests/sanitize/canary_test

sanitize-build:
	$(Q)$(MAKE) SANITIZE=1 BUILD=$(SAN_BUILD) all $(addprefix $(SAN_BUILD)/,$(SAN_EXTRA))

SANITIZE_ARGS	?= --quick
check-sanitize: sanitize-build
	$(Q)BUILD=$(SAN_BUILD) SANITIZE_UNIT_PROGS="$(UNIT_PROGS)" \
		./tests/sanitize/run.sh -o results/check-sanitize $(SANITIZE_ARGS)

CHECK_STEPS	+= check-sanitize

# run_tests.sh with stand-ins that hang, block, crash and overrun.
check-runner: all
	$(Q)BUILD=$(BUILD) ./tests/runner/run.sh

CHECK_STEPS	+= check-runner

# The suite as an unprivileged user in the kvm group (root sets it up and
# puts everything back; skipped without root).
check-unpriv: all
	$(Q)BUILD=$(BUILD) ./tests/runner/unpriv.sh

CHECK_STEPS	+= check-unpriv

# ---------------------------------------------------------------------------
# Fuzzing: libFuzzer targets built with clang (Debian clang + libclang-rt-14-dev)
# into build-fuzz/, the library with them, under ASan+UBSan.
FUZZ_BUILD	:= build-fuzz
FUZZ_CC		?= clang
FUZZ_TARGETS	:= fuzz_oracle fuzz_ghcb fuzz_deviation fuzz_page_walk fuzz_inventory
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS	:= -g -O1 -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra \
		   -Wno-unused-parameter $(FUZZ_SAN) -MD -MP
FUZZ_LIB_OBJS	:= $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRCS))
FUZZ_BINS	:= $(addprefix $(FUZZ_BUILD)/tests/fuzz/,$(FUZZ_TARGETS))

$(FUZZ_BUILD)/lib/%.o: lib/%.c | $(KSFT_STAMP)
	$(E) FUZZCC "$@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/tests/fuzz/%.o: tests/fuzz/%.c | $(KSFT_STAMP)
	$(E) FUZZCC "$@"
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/tests/fuzz/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(E) FUZZLD "$@"
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# The seed corpora, from real runs on this host (committed; regress-* are kept).
FUZZ_CORPUS	:= tests/fuzz/corpus
fuzz-seeds: $(BUILD)/tests/fuzz/mkseeds
	$(Q)rm -f $(addsuffix /seed-*,$(addprefix $(FUZZ_CORPUS)/,$(FUZZ_TARGETS)))
	$(Q)$(BUILD)/tests/fuzz/mkseeds $(FUZZ_CORPUS)

# make fuzz: FUZZ_RUNS executions per libFuzzer target, FUZZ_PY_RUNS hostile
# streams for the reporter's reader; make check runs a short smoke of each.
FUZZ_RUNS	?= 1000000
FUZZ_PY_RUNS	?= 5000
FUZZ_SEED	?= 1
FUZZ_SMOKE_RUNS	?= 50000
FUZZ_SMOKE_PY_RUNS ?= 300

fuzz: fuzz-build
	$(Q)./tests/fuzz/run.sh -b $(FUZZ_BUILD) -r $(FUZZ_RUNS) -p $(FUZZ_PY_RUNS) -s $(FUZZ_SEED)

check-fuzz: fuzz-build
	$(Q)./tests/fuzz/run.sh -b $(FUZZ_BUILD) -r $(FUZZ_SMOKE_RUNS) -p $(FUZZ_SMOKE_PY_RUNS) \
		-s $(FUZZ_SEED)

CHECK_STEPS	+= check-fuzz

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

# Bad input for every entry point (tests/badinput/table.tsv).
check-badinput: all
	$(Q)BUILD=$(BUILD) ./tests/badinput/run.sh

CHECK_STEPS	+= check-badinput

# ---------------------------------------------------------------------------
# The lifecycle soak: SOAK_CYCLES cycles of VMs in every mode (10,000), fds,
# RSS and heap flat; valgrind memcheck on SOAK_VG_CYCLES (and 4x) cycles.
SOAK_CYCLES	?= 10000
SOAK_VG_CYCLES	?= 50
CHECK_SOAK_CYCLES ?= 200
CHECK_SOAK_VG_CYCLES ?= 10

soak: all
	$(Q)BUILD=$(BUILD) ./tests/soak/run.sh -n $(SOAK_CYCLES) -v $(SOAK_VG_CYCLES)

check-soak: all
	$(Q)BUILD=$(BUILD) ./tests/soak/run.sh -n $(CHECK_SOAK_CYCLES) -v $(CHECK_SOAK_VG_CYCLES)

CHECK_STEPS	+= check-soak

.PHONY: sanitize-build check-sanitize check-runner check-unpriv fuzz-build fuzz-seeds fuzz check-fuzz soak check-soak check-badinput
