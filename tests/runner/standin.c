// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in test binaries for the tests of run_tests.sh itself
 * (tests/runner/run.sh): one program that behaves as its name says, run
 * through symlinks in a scratch BUILD/x86_64/. Never a real test made to
 * misbehave. Each prints the KTAP header a real binary prints, and the
 * ones that hang do so the way a kselftest harness binary would: the case
 * runs in a child in its own process group (the harness calls setpgrp()).
 *
 *   standin_pass               two passing cases, exit 0
 *   standin_short              plans three cases, prints one, exits 0
 *   standin_skip               `1..0 # SKIP <reason>`, exit 4
 *   standin_allskip            two cases, both skipped, exit 4 (KSFT_SKIP)
 *   standin_guest_never_exits  a case whose guest loops forever in KVM_RUN
 *                              (no watchdog): only the runner's timeout ends it
 *   standin_blocks             a case blocked forever on a pipe
 *   standin_slow               makes progress, but past any short timeout
 *   standin_partial            a line cut short (no newline), then blocks
 *   standin_segv               one case passes, then a real SIGSEGV
 *   standin_sigkill            one case passes, then SIGKILL
 *   standin_sweep              an exhaustive sweep: --sweep-budget says 3
 *                              launches of 1 s with KVM_SYSEVENT_EXHAUSTIVE=1;
 *                              a run takes $KSE_STANDIN_SWEEP_SECS, then passes
 *
 * With $KSE_STANDIN_PIDS set, the pid of every process that hangs is
 * appended to that file, so the test can check none outlives the runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

GUEST_PROG(spin_guest, "1:\tjmp 1b\n");

static const char *name;

static void header(int plan)
{
	printf("KTAP version 1\n# kvm-sysevent: %s\n# abi-profile: upstream\n"
	       "# backend: kernel\n1..%d\n", name, plan);
	fflush(stdout);
}

static void note_pid(void)
{
	const char *path = getenv("KSE_STANDIN_PIDS");
	char line[32];
	int fd, n;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (write(fd, line, n) != n)
		perror("standin: pid file");
	close(fd);
}

/* Run @fn in a harness-like child (own process group); wait for it. */
static int run_case(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		setpgid(0, 0);
		fn();
		_exit(0);
	}
	note_pid();
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void guest_spins(void)
{
	struct kvm_dev kvm;
	struct vcpu vcpu;
	struct vm vm;

	note_pid();
	kvm_open(&kvm);
	vm_create(&kvm, 0, &vm);
	vm_add_memory(&vm, 0, GUEST_MEM_SIZE);
	vcpu_create(&vm, 0, &vcpu);
	if (guest_setup(&vcpu, GUEST_LONG, &spin_guest, 0))
		lib_fail("guest setup failed");
	printf("# guest entering KVM_RUN, never to exit\n");
	fflush(stdout);
	/* KVM_RUN itself, no watchdog: the broken-kernel case. */
	for (;;)
		ioctl(vcpu.fd, KVM_RUN, 0);
}

static void blocks(void)
{
	int p[2];
	char c;

	note_pid();
	if (pipe(p))
		_exit(1);
	/* Nobody ever writes: this read never returns. */
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(1);
}

static void ok(int n, const char *c)
{
	printf("#  RUN           standin.%s ...\n#            OK  standin.%s\nok %d standin.%s\n",
	       c, c, n, c);
	fflush(stdout);
}

static void run(const char *c)
{
	printf("#  RUN           standin.%s ...\n", c);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct rlimit no_core = { 0, 0 };
	const char *slash;
	int i, fd;

	name = argv[0];
	slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	setrlimit(RLIMIT_CORE, &no_core);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(name, "standin_sweep")) {
		const char *ex = getenv("KVM_SYSEVENT_EXHAUSTIVE");
		const char *secs = getenv("KSE_STANDIN_SWEEP_SECS");

		if (argc > 1 && !strcmp(argv[1], "--sweep-budget")) {
			printf("launches=%d ms_per_launch=1000\n", ex && !strcmp(ex, "1") ? 3 : 0);
			return 0;
		}
		header(1);
		run("sweep");
		if (secs)
			sleep(atoi(secs));
		ok(1, "sweep");
		return 0;
	}
	if (!strcmp(name, "standin_pass")) {
		header(2);
		ok(1, "one");
		ok(2, "two");
		printf("# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0\n");
		return 0;
	}
	if (!strcmp(name, "standin_short")) {
		header(3);
		ok(1, "one");
		printf("# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\n");
		return 0;
	}
	if (!strcmp(name, "standin_skip")) {
		printf("KTAP version 1\n# kvm-sysevent: %s\n1..0 # SKIP no stand-in device\n", name);
		return 4;
	}
	if (!strcmp(name, "standin_allskip")) {
		header(2);
		printf("ok 1 standin.one # SKIP no stand-in device\n"
		       "ok 2 standin.two # SKIP no stand-in device\n"
		       "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:2 error:0\n");
		return 4;
	}
	if (!strcmp(name, "standin_guest_never_exits")) {
		fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("KTAP version 1\n# kvm-sysevent: %s\n1..0 # SKIP no /dev/kvm\n", name);
			return 4;
		}
		close(fd);
		header(2);
		ok(1, "before");
		run("guest_never_exits");
		run_case(guest_spins);
		return 1;
	}
	if (!strcmp(name, "standin_blocks")) {
		header(2);
		ok(1, "before");
		run("blocks");
		run_case(blocks);
		return 1;
	}
	if (!strcmp(name, "standin_slow")) {
		header(600);
		for (i = 1; i <= 600; i++) {
			char c[32];

			snprintf(c, sizeof(c), "slow_%d", i);
			ok(i, c);
			usleep(100 * 1000);
		}
		return 0;
	}
	if (!strcmp(name, "standin_partial")) {
		header(1);
		run("partial");
		printf("# a line cut short");
		fflush(stdout);
		blocks();
		return 1;
	}
	if (!strcmp(name, "standin_segv")) {
		volatile int *volatile nowhere = NULL;

		header(2);
		ok(1, "before");
		run("segv");
		*nowhere = 1;
		return 1;
	}
	if (!strcmp(name, "standin_sigkill")) {
		header(2);
		ok(1, "before");
		run("sigkill");
		raise(SIGKILL);
		return 1;
	}
	fprintf(stderr, "standin: unknown stand-in '%s'\n", name);
	return 2;
}
