# SPDX-License-Identifier: GPL-2.0
"""Upstream's KVM selftests as a second judge of the real-kernel mutants.

The selftests that reach the system-event exits are built from the same
Debian linux-source as the kernel under test, statically, into an ignored
cache (upstream code is never committed), and run in the same guest boot as
the suite, against the same kernel and modules:

  x86_64   triple_fault_event_test, hyperv_features, sev_smoke_test
  arm64    psci_test
  riscv64  none: no upstream selftest makes a system event (the SBI tests
           check the SBI extensions, not SRST's exit)

How they get into the guest: the guest runs run_tests.sh over tests.list, so
a generated suite directory (run_tests.sh, settings, config, and tests.list
with `<archdir>/upstream_<name>` lines added) and a build directory (the
suite's static binaries plus the upstream ones as upstream_<name>) are given
to kernel/qemu-suite.sh (--suite-dir, --build). Each upstream binary then has
its own result line and log in the result set.

The build reads the tree and writes to the cache (uapi headers with O=, the
selftests with OUTPUT=, LDFLAGS=-static); the one thing it writes into the
tree is what 6.12's selftests generate under tools/arch/arm64/include/
generated/, which no kernel build reads.

Upstream's verdict is read from its own exit status only (status.txt): 0
passed (the mutant survived it), 4 skipped (KSFT_SKIP, with the reason it
printed: counted as not killed), anything else failed (killed). It is never
judged by the suite's oracle.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

from . import arches

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

TESTS = {
	"x86_64": ("triple_fault_event_test", "hyperv_features", "sev_smoke_test"),
	"arm64": ("psci_test",),
	"riscv64": (),
}

WHY_NONE = {
	"riscv64": "no upstream KVM selftest makes an SBI system event",
}

# The selftests' architecture folder: renamed in 6.14 (x86_64 -> x86,
# aarch64 -> arm64); whichever the source has.
SELFTEST_DIRS = {
	"x86_64": ("x86", "x86_64"),
	"arm64": ("arm64", "aarch64"),
	"riscv64": ("riscv",),
}

PREFIX = "upstream_"


class UpstreamError(RuntimeError):
	pass


def guest_name(test):
	"""The name an upstream test runs under in the guest."""
	return PREFIX + test


def _say(msg):
	print(f"upstream: {msg}", file=sys.stderr, flush=True)


def _safe(version):
	return "".join(c if c.isalnum() or c in "+.-_" else "_" for c in version)


def source_tree(path, version, cache, log=_say):
	"""A whole kernel tree of Debian's linux-source (PATH: its tarball, or the
	linux-source .deb that holds it), extracted once into the cache, to build
	the selftests from where no whole-kernel tree of that version is at hand
	(the module builds unpack only KVM's folders). Returns its path."""
	dest = os.path.abspath(os.path.join(cache, "upstream", f"src-{_safe(version)}"))
	if os.path.isfile(os.path.join(dest, ".extracted")):
		return dest
	if not os.path.isfile(path):
		raise UpstreamError(f"kernel source not found: {path}")
	log(f"extracting {os.path.basename(path)} ({version}) for the selftests")
	tmp = dest + ".tmp"
	shutil.rmtree(tmp, ignore_errors=True)
	os.makedirs(tmp)
	untar = f"tar -xJf - -C {shlex.quote(tmp)} --strip-components=1"
	if path.endswith(".deb"):
		# ./usr/src/linux-source-X.Y.tar.xz inside the package.
		sh = (f"dpkg-deb --fsys-tarfile {shlex.quote(path)} | "
		      f"tar -xOf - --wildcards './usr/src/linux-source-*.tar.xz' | {untar}")
	else:
		sh = f"{untar} < {shlex.quote(path)}"
	r = subprocess.run(["bash", "-o", "pipefail", "-c", sh])
	if r.returncode or not os.path.isfile(os.path.join(tmp, "Makefile")):
		shutil.rmtree(tmp, ignore_errors=True)
		raise UpstreamError(f"cannot extract a kernel tree from {path}")
	with open(os.path.join(tmp, ".extracted"), "w") as f:
		f.write(version + "\n")
	shutil.rmtree(dest, ignore_errors=True)
	os.rename(tmp, dest)
	return dest


def build(arch, src, version, cache, jobs=2, log=_say):
	"""Build arch's upstream tests from the kernel tree src (not written to:
	headers and objects go to the cache). Returns {test: static binary}."""
	a = arches.get(arch)
	tests = TESTS[a.name]
	if not tests:
		return {}
	src = os.path.abspath(src)
	root = os.path.abspath(os.path.join(cache, "upstream", f"{a.name}-{_safe(version)}"))
	out = os.path.join(root, "bin")
	want = {t: os.path.join(out, t) for t in tests}
	if all(os.path.isfile(p) for p in want.values()):
		return want
	kvm = os.path.join(src, "tools/testing/selftests/kvm")
	sub = next((d for d in SELFTEST_DIRS[a.name]
		    if os.path.isfile(os.path.join(kvm, d, tests[0] + ".c"))), None)
	if not sub:
		raise UpstreamError(f"no {tests[0]}.c in {kvm}")
	cross = "" if a.name == arches.host().name else a.cross_prefix
	os.makedirs(root, exist_ok=True)
	logpath = os.path.join(root, "build.log")
	env = dict(os.environ, LC_ALL="C", LDFLAGS="-static")
	# make headers leaves the uapi headers in O=/usr/include (no rsync).
	hdr_obj = os.path.join(root, "hdr-obj")
	hdr = os.path.join(hdr_obj, "usr", "include")
	with open(logpath, "w") as lf:
		def run(cmd, **kw):
			lf.write("$ " + " ".join(cmd) + "\n")
			lf.flush()
			r = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env, **kw)
			if r.returncode:
				raise UpstreamError(f"{' '.join(cmd[:4])}... failed; see {logpath}")
		if not os.path.isfile(os.path.join(hdr, "linux", "kvm.h")):
			log(f"making the {a.name} uapi headers of {version}")
			run(["make", "-s", "-C", src, f"O={hdr_obj}", f"ARCH={a.make}", "headers"])
		log(f"building {', '.join(tests)} ({sub}/) of {version}, static")
		obj = os.path.join(root, "obj")
		targets = [os.path.join(obj, sub, t) for t in tests]
		run(["make", "-s", "-C", kvm, f"-j{jobs}", f"ARCH={a.make}",
		     f"CROSS_COMPILE={cross}", f"OUTPUT={obj}",
		     f"KHDR_INCLUDES=-isystem {hdr}", *targets])
	os.makedirs(out, exist_ok=True)
	for t, target in zip(tests, targets):
		shutil.copy2(target, want[t])
	return want


def guest_dirs(arch, suite_build, binaries, work):
	"""A suite directory and a build directory for kernel/qemu-suite.sh in
	work/: the suite's own (tests.list, runner, settings, config; the static
	binaries of suite_build) plus the upstream binaries. Returns
	(suite_dir, build_dir)."""
	a = arches.get(arch)
	suite_dir = os.path.join(work, "suite")
	build_dir = os.path.join(work, "build")
	shutil.rmtree(work, ignore_errors=True)
	os.makedirs(suite_dir)
	for f in ("run_tests.sh", "settings", "config"):
		if os.path.isfile(os.path.join(REPO, f)):
			shutil.copy2(os.path.join(REPO, f), suite_dir)
	with open(os.path.join(REPO, "tests.list")) as f:
		listing = f.read()
	with open(os.path.join(suite_dir, "tests.list"), "w") as f:
		f.write(listing)
		f.write("# Upstream's KVM selftests, the mutants' second judge "
			"(kernel/sysevent_kernel/upstream.py)\n")
		for t in binaries:
			f.write(f"{a.testdir}/{guest_name(t)}\n")
	for sub in (a.testdir, "tools"):
		src = os.path.join(suite_build, sub)
		if not os.path.isdir(src):
			continue
		os.makedirs(os.path.join(build_dir, sub), exist_ok=True)
		for n in os.listdir(src):
			p = os.path.join(src, n)
			if os.path.isfile(p) and os.access(p, os.X_OK):
				os.symlink(p, os.path.join(build_dir, sub, n))
	for t, p in binaries.items():
		os.symlink(p, os.path.join(build_dir, a.testdir, guest_name(t)))
	return suite_dir, build_dir


_STATUS_RE = re.compile(r"^(\S+) exit=(\d+) signal=(\S+) timeout=(\d)")


def _status(result_dir):
	st = {}
	try:
		with open(os.path.join(result_dir, "status.txt")) as f:
			for line in f:
				m = _STATUS_RE.match(line)
				if m:
					st[m.group(1)] = (int(m.group(2)), m.group(3), m.group(4) == "1")
	except OSError:
		pass
	return st


def _skip_reason(log):
	for line in log:
		m = re.search(r"1\.\.0 # SKIP\s*-?\s*(.*)", line) or re.search(r"# SKIP\s*-?\s*(.*)", line)
		if m:
			return m.group(1).strip() or "skipped"
	return "skipped"


def _failure(log):
	"""The first line that says why an upstream test failed."""
	for i, line in enumerate(log):
		if "Test Assertion Failure" in line:
			# The assertion's own message follows the location lines.
			for nxt in log[i + 1:i + 8]:
				s = nxt.strip().lstrip("#").strip()
				if s and not s.startswith(("0x", "pid=", "Backtrace")) and "addr2line" not in s:
					return s
			return "assertion failed"
	for line in log:
		if "not ok" in line or "FAIL" in line:
			return line.strip().lstrip("#").strip()
	return ""


def verdict(result_dir, arch):
	"""Upstream's verdict on one guest run: (verdict, reason, {test: (v, r)}).
	verdict is killed (some upstream test failed), survived (every one
	passed, some may have skipped), skipped (every one skipped) or error (a
	test did not run at all)."""
	a = arches.get(arch)
	tests = TESTS[a.name]
	if not tests:
		return "none", WHY_NONE.get(a.name, "no upstream test"), {}
	st = _status(result_dir)
	per = {}
	for t in tests:
		g = guest_name(t)
		try:
			with open(os.path.join(result_dir, "logs", g + ".log"),
				  errors="replace") as f:
				log = f.read().splitlines()
		except OSError:
			log = []
		if g not in st:
			per[t] = ("error", "did not run")
			continue
		rc, sig, tmo = st[g]
		if tmo:
			per[t] = ("killed", "timed out")
		elif sig != "-":
			per[t] = ("killed", f"crashed ({sig})")
		elif rc == 0:
			per[t] = ("survived", "passed")
		elif rc == 4:
			per[t] = ("skipped", _skip_reason(log))
		else:
			per[t] = ("killed", _failure(log) or f"exit {rc}")
	vs = [v for v, _ in per.values()]
	if "killed" in vs:
		t = next(t for t in tests if per[t][0] == "killed")
		return "killed", f"{t}: {per[t][1]}", per
	if "error" in vs:
		t = next(t for t in tests if per[t][0] == "error")
		return "error", f"{t}: {per[t][1]}", per
	if all(v == "skipped" for v in vs):
		return "skipped", "; ".join(f"{t}: {r}" for t, (v, r) in per.items()), per
	return "survived", "; ".join(f"{t} skipped: {per[t][1]}" for t in tests
				     if per[t][0] == "skipped"), per


def runner_args(binaries):
	"""run_tests.sh -t arguments for the upstream binaries in the guest."""
	out = []
	for t in binaries:
		out += ["-t", guest_name(t)]
	return out
