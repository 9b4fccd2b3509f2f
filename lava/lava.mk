# SPDX-License-Identifier: GPL-2.0
#
# LAVA (lava/README.md), included by the top Makefile.
#
#   make lava [LAVA_KERNEL=debian-X.Y[:arm64]] [LAVA_ARGS="runner args"]
#                        run the job of the kernel's architecture
#                        (lava/qemu-job-ARCH.yaml) here under lava-run, the
#                        suite's runner and its kselftest collection, and
#                        compare every case LAVA recorded with the guest's
#                        stream (results/lava/)
#   make check-lava      (a make check step) the KTAP-to-LAVA converter and the
#                        case-by-case compare on known answers, the x86_64
#                        job with a control whose failing cases must reach
#                        LAVA as failures, and the arm64 job; ends
#                        `lava: N passed, N failed, N skipped`, counting
#                        checks, never the guests' cases again

# By default the oldest line of kernel/lines.toml, on each architecture.
LAVA_KERNEL		?= debian-$(call kernel_line,oldest)
LAVA_KERNEL_ARM64	?= debian-$(call kernel_line,oldest):arm64
LAVA_ARGS		?=

# The kselftest install of each architecture's static suite, as a tarball
# (make gen_tar), for the ramdisk overlay of the job.
LAVA_KSFT		:= build-static/kselftest_install/kselftest-packages/kselftest.tar.gz
LAVA_KSFT_ARM64		:= build-static-arm64/kselftest_install/kselftest-packages/kselftest.tar.gz

lava-kselftest: static-suite
	$(Q)$(MAKE) -s STATIC=1 BUILD=build-static SANITIZE=0 \
		INSTALL_PATH=build-static/kselftest_install gen_tar >/dev/null

lava-kselftest-arm64: static-suite-arm64
	$(Q)$(MAKE) -s ARCH=arm64 STATIC=1 BUILD=build-static-arm64 SANITIZE=0 \
		INSTALL_PATH=build-static-arm64/kselftest_install gen_tar >/dev/null

lava_arch = $(if $(filter %:arm64 %:aarch64,$(1)),-arm64)

lava: static-suite$(call lava_arch,$(LAVA_KERNEL)) lava-kselftest$(call lava_arch,$(LAVA_KERNEL))
	$(Q)lava/run-local.sh --kernel $(LAVA_KERNEL) \
		--kselftest $(if $(call lava_arch,$(LAVA_KERNEL)),$(LAVA_KSFT_ARM64),$(LAVA_KSFT)) \
		$(if $(LAVA_ARGS),-- $(LAVA_ARGS))

check-lava: static-suite static-suite-arm64 lava-kselftest lava-kselftest-arm64
	$(Q)lava/check.sh --kernel $(LAVA_KERNEL) --kselftest $(LAVA_KSFT) \
		--kernel-arm64 $(LAVA_KERNEL_ARM64) --kselftest-arm64 $(LAVA_KSFT_ARM64)

CHECK_STEPS	+= check-lava

.PHONY: lava check-lava lava-kselftest lava-kselftest-arm64
