/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's view of the upstream KVM selftest library. The library is
 * built from Debian's linux-source-6.12 into .cache/upstream-selftests/ and
 * linked in as one object whose only global symbols are these two; without
 * the tarball a stub says why the row is skipped.
 */
#ifndef KSE_BENCH_UPSTREAM_H
#define KSE_BENCH_UPSTREAM_H

/*
 * Run the library's start-up (its constructor, which the link leaves out so
 * that it prints nothing before the benchmark does). NULL when the row can
 * run, else a short fixed phrase saying why it is skipped.
 */
const char *kse_upstream_init(void);

/*
 * One lifecycle: vm_create_with_one_vcpu(), run the guest to GUEST_DONE,
 * kvm_vm_free(). Stores the bytes of guest memory (all memslots) in
 * @guest_bytes. 0 when the guest reached GUEST_DONE, -1 otherwise.
 */
int kse_upstream_lifecycle(unsigned long *guest_bytes);

#endif /* KSE_BENCH_UPSTREAM_H */
