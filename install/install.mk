# SPDX-License-Identifier: GPL-2.0
#
# kselftest install (install/README.md): the layout kselftest's own
# run_kselftest.sh runs, as LKFT and KernelCI run every other kselftest.
#
#   make install [INSTALL_PATH=DIR]   (default $(BUILD)/kselftest_install)
#       DIR/run_kselftest.sh, DIR/kselftest/ (runner.sh, prefix.pl, ...),
#       DIR/kselftest-list.txt (`kvm-sysevent:<binary>` lines) and
#       DIR/kvm-sysevent/ (tests.list's binaries of ARCH, settings, config)
#   make gen_tar [FORMAT=.gz]   DIR/kselftest-packages/kselftest.tar$(FORMAT)
#   make check-install          (a make check step) the tarball's layout run
#       by run_kselftest.sh, read as LKFT's parser reads it, per case
#
# The runner scripts come from the kernel source the build already uses
# (KDIR=, or Debian's $(KSFT_SOURCE), the lts line of kernel/lines.toml,
# extracted into .cache/), never from this repository. STATIC=1 installs
# static binaries (for any root fs).

KSFT_COLLECTION	:= kvm-sysevent
INSTALL_PATH	?= $(BUILD)/kselftest_install
FORMAT		?= .gz
TAR_PATH	= $(abspath $(INSTALL_PATH))/kselftest-packages/kselftest.tar$(FORMAT)

# kselftest's runner: its scripts, from the same kernel source as the harness.
KSFT_RUNNER_FILES := run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl \
		     kselftest/module.sh kselftest/ktap_helpers.sh kselftest/ksft.py
ifneq ($(KDIR),)
KSFT_RUNNER_DIR	:= $(KSFT_DIR)
else
KSFT_RUNNER_DIR	:= $(CACHE)/kselftest-runner
endif
KSFT_RUNNER	:= $(addprefix $(KSFT_RUNNER_DIR)/,$(KSFT_RUNNER_FILES))

$(CACHE)/kselftest-runner/run_kselftest.sh:
ifeq ($(KSFT_TARBALL),)
	@echo "error: kselftest's run_kselftest.sh not found." >&2
	@echo "  Install Debian's kernel source:  sudo apt-get install $(KSFT_SOURCE)" >&2
	@echo "  or point at a kernel tree:       make KDIR=/path/to/linux install" >&2
	@exit 2
else
	$(E) EXTRACT "kselftest runner from $(KSFT_TARBALL)"
	$(Q)rm -rf $(CACHE)/kselftest-runner.tmp && mkdir -p $(CACHE)/kselftest-runner.tmp
	$(Q)tar -xf $(KSFT_TARBALL) -C $(CACHE)/kselftest-runner.tmp --strip-components=4 \
		$(addprefix $(KSFT_SOURCE)/tools/testing/selftests/,$(KSFT_RUNNER_FILES))
	$(Q)rm -rf $(CACHE)/kselftest-runner && mv $(CACHE)/kselftest-runner.tmp $(CACHE)/kselftest-runner
endif

$(filter-out %/run_kselftest.sh,$(KSFT_RUNNER)): $(KSFT_RUNNER_DIR)/run_kselftest.sh

ifneq ($(KDIR),)
$(KSFT_RUNNER_DIR)/run_kselftest.sh:
	@echo "error: $@ does not exist: is KDIR=$(KDIR) a kernel source tree?" >&2
	@exit 2
endif

# The test binaries of this architecture: tests.list's lines for ARCHDIR.
KSFT_INSTALL_PROGS := $(TEST_PROGS)

install: $(addprefix $(BUILD)/,$(KSFT_INSTALL_PROGS)) $(KSFT_RUNNER)
ifeq ($(KSFT_INSTALL_PROGS),)
	@echo "error: no $(ARCHDIR) test binaries in tests.list" >&2
	@exit 2
endif
	$(E) INSTALL "$(INSTALL_PATH)"
	$(Q)rm -rf $(INSTALL_PATH)/$(KSFT_COLLECTION)
	$(Q)mkdir -p $(INSTALL_PATH)/kselftest $(INSTALL_PATH)/$(KSFT_COLLECTION)
	$(Q)for f in $(KSFT_RUNNER_FILES); do \
		install -m 744 $(KSFT_RUNNER_DIR)/$$f $(INSTALL_PATH)/$$f || exit; \
	done
	$(Q)install -m 755 $(addprefix $(BUILD)/,$(KSFT_INSTALL_PROGS)) \
		$(INSTALL_PATH)/$(KSFT_COLLECTION)/
	$(Q)install -m 644 settings config $(INSTALL_PATH)/$(KSFT_COLLECTION)/
	$(Q)for t in $(notdir $(KSFT_INSTALL_PROGS)); do \
		echo "$(KSFT_COLLECTION):$$t"; \
	done >$(INSTALL_PATH)/kselftest-list.txt

gen_tar: install
	$(Q)mkdir -p $(dir $(TAR_PATH))
	$(Q)tar caf $(TAR_PATH) --exclude=kselftest-packages -C $(INSTALL_PATH) .
	@echo "Created $(TAR_PATH)"

CHECK_INSTALL	:= $(BUILD)/check-install
check-install: all $(KSFT_RUNNER)
	$(Q)$(MAKE) -s gen_tar INSTALL_PATH=$(CHECK_INSTALL) >/dev/null
	$(Q)BUILD=$(BUILD) ./install/check.sh \
		$(CHECK_INSTALL)/kselftest-packages/kselftest.tar$(FORMAT)

CHECK_STEPS	+= check-install

.PHONY: install gen_tar check-install
