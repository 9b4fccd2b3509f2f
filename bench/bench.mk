# SPDX-License-Identifier: GPL-2.0
#
# The benchmark (bench/README.md). Included by the top Makefile.
#
#   make bench          build, time a clean build of the suite, run kse_bench
#   make check-bench    run it for 3 rounds only, to prove it works (no timing
#                       is judged: targets are printed figures, never tests)
#
# Knobs: BENCH_ARGS (e.g. --rounds=300 --phases), BENCH_UPSTREAM=0 (leave out
# the upstream selftest library), BENCH_BUILD_TIME=0 (skip the clean build).
#
# The upstream KVM selftest library is built from Debian's linux-source-X.Y
# of the lts line ($(KSFT_SOURCE), the top Makefile's, from kernel/lines.toml)
# into $(CACHE)/upstream-selftests/ (ignored, never committed): the tarball's
# top Makefile, scripts/, include/, arch/x86/ and tools/ are extracted once,
# `make headers` is run there, and bench/upstream.mk builds the library with
# its own Makefile and flags.

BENCH_DIR	:= $(BUILD)/bench
BENCH_BIN	:= $(BENCH_DIR)/kse_bench
BENCH_BIN_LITE	:= $(BENCH_DIR)/kse_bench-noupstream
BENCH_OBJS	:= $(BENCH_DIR)/kse_bench.o $(BENCH_DIR)/floor.o
BENCH_LDLIBS	:= -lm -lrt -pthread -ldl
BENCH_ARGS	?=
BENCH_BUILD_TIME ?= 1

UPSTREAM_TARBALL := $(firstword $(wildcard /usr/src/$(KSFT_SOURCE).tar.xz))
BENCH_UPSTREAM	?= $(if $(UPSTREAM_TARBALL),1,0)
UPSTREAM_DIR	:= $(CACHE)/upstream-selftests
UPSTREAM_SRC	:= $(UPSTREAM_DIR)/$(KSFT_SOURCE)
UPSTREAM_STAMP	:= $(UPSTREAM_DIR)/headers.stamp
UPSTREAM_BLOB	:= $(UPSTREAM_DIR)/out/kse_upstream.o

ifeq ($(BENCH_UPSTREAM),1)
BENCH_UP_OBJ	:= $(UPSTREAM_BLOB)
else
BENCH_UP_OBJ	:= $(BENCH_DIR)/upstream_none.o
endif

$(BENCH_DIR)/%.o: CPPFLAGS += -I$(ARCHDIR)

# The upstream library loads the running executable into its guest at the
# addresses it was linked at: the benchmark is linked without PIE.
$(BENCH_BIN): $(BENCH_OBJS) $(BENCH_UP_OBJ) $(LIBSUITE)
	$(E) LINK "$@"
	$(Q)$(CC) $(LDFLAGS) -no-pie -o $@ $(BENCH_OBJS) $(BENCH_UP_OBJ) $(LIBSUITE) $(BENCH_LDLIBS)

$(BENCH_BIN_LITE): $(BENCH_OBJS) $(BENCH_DIR)/upstream_none.o $(LIBSUITE)
	$(E) LINK "$@"
	$(Q)$(CC) $(LDFLAGS) -no-pie -o $@ $^ $(BENCH_LDLIBS)

$(UPSTREAM_STAMP):
	$(E) EXTRACT "$(UPSTREAM_SRC) (once; this takes a minute)"
	$(Q)rm -rf $(UPSTREAM_DIR)/tmp && mkdir -p $(UPSTREAM_DIR)/tmp
	$(Q)tar -xf $(UPSTREAM_TARBALL) -C $(UPSTREAM_DIR)/tmp \
		$(addprefix $(KSFT_SOURCE)/,Makefile Kbuild Kconfig scripts include arch/x86 tools)
	$(Q)rm -rf $(UPSTREAM_SRC) && mv $(UPSTREAM_DIR)/tmp/$(KSFT_SOURCE) $(UPSTREAM_SRC)
	$(Q)rmdir $(UPSTREAM_DIR)/tmp
	$(E) HEADERS "$(UPSTREAM_SRC)/usr/include"
	$(Q)$(MAKE) -C $(UPSTREAM_SRC) ARCH=x86_64 headers >/dev/null
	$(Q)touch $@

$(UPSTREAM_BLOB): $(UPSTREAM_STAMP) bench/upstream_lifecycle.c bench/bench_upstream.h \
		  bench/upstream.mk
	$(E) BUILD "upstream KVM selftest library -> $@"
	$(Q)$(MAKE) -C $(UPSTREAM_SRC)/tools/testing/selftests/kvm -f Makefile \
		-f $(CURDIR)/bench/upstream.mk OUTPUT=$(CURDIR)/$(UPSTREAM_DIR)/out \
		KSE_WRAPPER=$(CURDIR)/bench/upstream_lifecycle.c kse-blob >/dev/null

bench: $(BENCH_BIN)
	$(Q)set --; \
	if [ "$(BENCH_BUILD_TIME)" = 1 ]; then \
		s=$$(./bench/clean-build-time.sh) || exit 1; \
		set -- --build-seconds=$$s; \
	fi; \
	./$(BENCH_BIN) "$$@" $(BENCH_ARGS)

check-bench: $(BENCH_BIN_LITE)
	$(Q)./$(BENCH_BIN_LITE) --rounds=3 --warmup=0 --loop-chunk=8 --per-vm-chunk=2 --check; \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 4 ]

CHECK_STEPS	+= check-bench

.PHONY: bench check-bench
