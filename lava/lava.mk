# SPDX-License-Identifier: GPL-2.0
#
# LAVA (lava/README.md), included by the top Makefile.
#
#   make lava [LAVA_KERNEL=debian-6.12] [LAVA_ARGS="runner args"]
#                        run lava/qemu-job.yaml here under lava-run and print
#                        every case's LAVA result (results/lava/)
#   make check-lava      (a make check step) the KTAP-to-LAVA converter, the
#                        job (every case passes or skips, the required ones
#                        pass) and a control whose failing cases must reach
#                        LAVA as failures; ends `lava: N passed, N failed, N skipped`

LAVA_KERNEL	?= debian-6.1
LAVA_ARGS	?=

lava: static-suite
	$(Q)lava/run-local.sh --kernel $(LAVA_KERNEL) $(if $(LAVA_ARGS),-- $(LAVA_ARGS))

check-lava: static-suite
	$(Q)lava/check.sh --kernel $(LAVA_KERNEL)

CHECK_STEPS	+= check-lava

.PHONY: lava check-lava
