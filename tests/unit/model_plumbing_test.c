// SPDX-License-Identifier: GPL-2.0
/*
 * The model backend must not hand on a failure of its own plumbing as if it
 * were KVM's answer to the guest: an EINVAL from the local KVM_RUN that
 * re-enters the guest after the model's KVM_EXIT_X86_WRMSR once read as
 * "pre-5.19-einval". Linked with -Wl,--wrap=ioctl (tests/unit/unit.mk): the
 * wrapper fails one chosen KVM_RUN, as a fault injected after KVM_RUN
 * returned would. Needs /dev/kvm and what the model needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "ghcb.h"
#include "sev.h"
#include "suite.h"

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);

/* Fail the @fail_run-th KVM_RUN (1-based) with @fail_errno; 0: never. */
static int fail_run, fail_errno, nr_runs;

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == KVM_RUN && ++nr_runs == fail_run) {
		errno = fail_errno;
		return -1;
	}
	return __real_ioctl(fd, request, arg);
}

GUEST_PROG(request_guest, "wrmsr\n\trep; vmmcall\n1:\thlt\n\tjmp 1b\n");

/*
 * In a child: a model:<behaviour> guest in long mode asks to terminate;
 * one run through the backend, judged by the oracle. Returns the child's
 * exit status and its output in @buf.
 */
static int model_run(const char *behaviour, int run_to_fail, char *buf, size_t len)
{
	int pipefd[2], status = 0;
	size_t used = 0;
	ssize_t got;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct sev_backend_sel sel;
		struct sysevent_expect exp;
		struct run_outcome out;
		struct kvm_dev kvm;
		struct sev_guest g;
		u64 value = ghcb_term_encode(1, 2);
		int n;

		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		setvbuf(stdout, NULL, _IONBF, 0);
		if (__kvm_open(&kvm) || sev_backend_parse(behaviour, &sel) ||
		    sev_guest_unavailable(&sel, &kvm, SEV_FLAVOUR_ES, 0))
			_exit(4);
		if (__sev_guest_create(&g, &sel, &kvm, SEV_FLAVOUR_ES, GUEST_LONG, &request_guest,
				       true))
			_exit(3);
		guest_set_ghcb_request(&g.vcpu, value);
		sev_guest_launch(&g);
		nr_runs = 0;
		fail_run = run_to_fail;
		fail_errno = EINVAL;
		vcpu_poison_system_event(&g.vcpu, SUITE_POISON);
		sev_guest_run(&g, &out);
		sysevent_expect_sev_term(&exp, ABI_UPSTREAM, value,
					 kvm_check_cap(&kvm, KSE_CAP_SYSTEM_EVENT_DATA) > 0);
		n = suite_check_event(&out, g.vcpu.run, &exp);
		_exit(n ? 1 : 0);
	}
	close(pipefd[1]);
	while (used + 1 < len && (got = read(pipefd[0], buf + used, len - 1 - used)) > 0)
		used += got;
	buf[used] = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void need_model(struct __test_metadata *_metadata, int rc)
{
	if (rc == 4)
		SKIP(return, "no /dev/kvm, or KVM lacks what the SEV-ES model needs");
}

/* Without injection the model reports the request (the wrapper is inert). */
TEST(conformant_without_injection)
{
	char buf[4096];
	int rc = model_run("model:upstream", 0, buf, sizeof(buf));

	need_model(_metadata, rc);
	ASSERT_EQ(0, rc) TH_LOG("%s", buf);
}

/*
 * The 2nd KVM_RUN is the model's re-entry after the guest's GHCB MSR write
 * exited to it: its EINVAL is the model's set-up failing, said as such.
 */
TEST(einval_after_the_models_wrmsr_exit_is_not_a_kernel_diagnosis)
{
	char buf[4096];
	int rc = model_run("model:upstream", 2, buf, sizeof(buf));

	need_model(_metadata, rc);
	ASSERT_EQ(1, rc) TH_LOG("%s", buf);
	ASSERT_NE(NULL, strstr(buf, "# model: the local KVM_RUN failed with errno=EINVAL after "
				    "the guest's GHCB MSR write")) TH_LOG("%s", buf);
	ASSERT_EQ(NULL, strstr(buf, "deviation:")) TH_LOG("%s", buf);
	ASSERT_EQ(NULL, strstr(buf, "pre-5.19")) TH_LOG("%s", buf);
}

/* The modelled pre-5.19 kernel still is one: its EINVAL comes at VMGEXIT. */
TEST(modelled_pre_5_19_is_still_diagnosed)
{
	char buf[4096];
	int rc = model_run("model:pre-5.19", 0, buf, sizeof(buf));

	need_model(_metadata, rc);
	ASSERT_EQ(1, rc) TH_LOG("%s", buf);
	ASSERT_NE(NULL, strstr(buf, "field=KVM_RUN expected=rc=0 actual=rc=-1,errno=EINVAL "
				    "diagnosis=\"pre-5.19-einval")) TH_LOG("%s", buf);
}

TEST_HARNESS_MAIN
