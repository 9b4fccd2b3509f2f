# SPDX-License-Identifier: GPL-2.0
#
# Read after the upstream KVM selftests Makefile (make -f Makefile -f this):
# builds its library objects with its own flags, our lifecycle wrapper
# beside them, and links them into one relocatable object whose only global
# symbols are the wrapper's entry points (the library's vm_create() and
# friends would clash with ours). The library's constructor is dropped from
# the object; kse_upstream_init() calls it. KSE_WRAPPER: the wrapper source.

KSE_BLOB	:= $(OUTPUT)/kse_upstream.o

$(OUTPUT)/kse_upstream_lifecycle.o: $(KSE_WRAPPER) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@

$(KSE_BLOB): $(OUTPUT)/kse_upstream_lifecycle.o $(LIBKVM_OBJS)
	$(LD) -r -o $@.tmp $^
	objcopy --remove-section=.init_array --remove-section=.rela.init_array \
		--keep-global-symbol=kse_upstream_init \
		--keep-global-symbol=kse_upstream_lifecycle $@.tmp $@
	rm -f $@.tmp

kse-blob: $(KSE_BLOB)

.PHONY: kse-blob
