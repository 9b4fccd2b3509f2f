# SPDX-License-Identifier: GPL-2.0
#
# The SEV-ES test harness's own checks (tests/harness/, kernel/harness/README.md)
# on each x86 line: the harness modules built with that line's patch, booted in
# that line's Debian kernel under QEMU, harness_safety_test then
# harness_host_fault_test. A .ci/run step, not a make check one: it builds
# modules and boots kernels (about a minute a line with the module cache warm).
#
#   make check-harness-safety [HARNESS_LINES="lts latest"]

HARNESS_LINES	?= lts latest

harness-static:
	$(Q)$(MAKE) -s STATIC=1 BUILD=build-static SANITIZE=0 \
		$(addprefix build-static/,$(HARNESS_PROGS) $(TOOL_PROGS))

check-harness-safety: harness-static
	$(Q)p=0; f=0; s=0; \
	for l in $(HARNESS_LINES); do \
		echo "# harness-safety: line $$l"; \
		tests/harness/run.sh --line $$l --out results/harness-safety/$$l >/dev/null; \
		c=$$(tail -n 1 results/harness-safety/$$l/ktap.txt); \
		echo "# line $$l: $$c"; \
		set -- $$(echo "$$c" | tr -cs '0-9' ' '); \
		if [ $$# -lt 2 ]; then f=$$((f + 1)); continue; fi; \
		p=$$((p + $$1)); f=$$((f + $$2)); s=$$((s + $${3:-0})); \
	done; \
	echo "harness-safety: $$p passed, $$f failed, $$s skipped"; [ $$f -eq 0 ]

.PHONY: harness-static check-harness-safety
