# SPDX-License-Identifier: GPL-2.0
"""The real-kernel mutant matrix (kernel/mutants/mutants.sh; README beside it).

Cells are (kernel line, row): per line the controls (stock modules; the
SEV-ES harness and the harness with its parameter off, on x86_64) and one
row per catalogue entry (or per --patch). A pool of threads carries each
cell through build -> wait for its control -> boot -> judge; CPU-heavy
steps (a set's compile and link, a guest's boot) each hold one of --jobs
slots, boots first, then builds in table order. Rows are printed in table
order as their futures complete; the state (every row so far) is
results/mutants/mutants.json, written whole and then renamed.

Judging reads each row's KTAP with the reporter's reader
(report/sysevent_report/ktap.py):

  killed           a failing case shows the deviation the entry names
                   (kills = FIELD[=VALUE], and its diagnosis id if named)
  killed-otherwise the suite failed, but not with that deviation: fails the
                   proof, and prints the first deviation it did see
  survived         the suite passed
  passed           a conformant row showed exactly its expected cases and
                   skips (kernel/mutants/expected/ARCH/BINARY[@BACKEND].txt)
  false-alarm      a conformant row failed, or showed other cases or skips
  breaks-abi       the same for a --patch row (which names no expectation)
"""

import concurrent.futures as cf
import heapq
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, asdict

from . import arches, build, catalogue, lines as lines_mod, toolchain, upstream

REPO = build.REPO
PROG = "mutants.sh"
EXPECTED_DIR = os.path.join(REPO, "kernel", "mutants", "expected")
sys.path.insert(0, os.path.join(REPO, "report"))
from sysevent_report import ktap  # noqa: E402

USAGE = """\
usage: mutants.sh [options] [-- RUNNER_ARGS...]

Build KVM's modules once per mutant in kernel/mutants/catalogue/ARCH/ (stock
objects reused, so a mutant costs one recompiled file), on every kernel line
of kernel/lines.toml [matrix].mutants for the architecture (the lts line
and latest), boot each set under QEMU with kernel/qemu-suite.sh, run the suite,
and print a table: name, line, site, expected and actual verdict, time,
kernel/module build id, and what the suite named. The control (stock
modules) of each line must pass.

A killed row counts only when a failing case shows the deviation the entry
names (kills = FIELD[=VALUE] and its diagnosis id): the table prints the
declared field and the one seen. Any other failure is killed-otherwise, a
failed proof. Conformant rows (the controls, conformant variants, your
--patch) must show exactly the cases and skips listed in
kernel/mutants/expected/.

Entries with base=harness (KVM's SEV-ES code) are built on top of the
test-only harness (kernel/harness/sev-es-test-harness[@LINE].patch), loaded
with kvm_amd.sev_es_test_harness=1, and run sev_es_term_test
--backend=harness; the harness control (the harness modules alone) must pass
for them to be judged. ghcb_nonsev_test never runs with the harness on; the
harness-off row runs it, with system_event_legacy_test, on the harness
modules loaded without the parameter, which must change nothing.

  --arch A          x86_64 (default), riscv64 or arm64. riscv64: the
                    catalogue/riscv64/ entries against Debian's riscv64
                    kernels, kvm.ko built with the kernel's cross compiler,
                    running sbi_system_event_test. arm64: KVM is built into
                    the kernel, so each row is a small whole kernel built
                    from Debian's linux-source of the line (one object and
                    the link per mutant), running psci_system_event_test
                    (docs/arm64-mutants.md)
  --line L          only kernel line L of kernel/lines.toml, by its name
                    (latest) or its role (lts) (repeatable);
                    default: every line of [matrix].mutants for the arch
                    (with --patch: the lines the patches apply to)
  --controls-only-on L
                    on line L only the controls, no catalogue (repeatable)
  --kdir DIR        use the KVM source and bzImage of this built kernel tree
                    (CONFIG_KVM=m, CONFIG_KVM_AMD=m; any version) instead of
                    Debian's lines; KDIR= in the environment works too
  --patch FILE      developer mode: test your KVM patch (patch -p1, files in
                    arch/x86/kvm or virt/kvm) instead of the catalogue; it
                    must pass like the control, on the stock modules and on
                    top of the SEV-ES harness (repeatable: applied together)
  --only GLOB       only catalogue entries whose name matches (repeatable)
  --quick           only the controls and the entries marked quick = true
                    (one per site and per kill field: make check's subset)
  --control-only    only the controls: build and judge the stock (or --kdir)
                    modules and the harness on top of them, no catalogue
  --list            print the catalogue and exit
  --check-edits     apply every catalogue edit to a scratch copy of each
                    line's source and check it changed the file; no build,
                    no boot
  -o DIR            result directory (default results/mutants): one result
                    set per row under DIR/LINE/<name>/, table.txt,
                    mutants.json
  --timeout S       per-boot QEMU timeout in seconds (default 300)
  --jobs N          CPU slots for compiles and boots (default: number of CPUs)
  --boot PROG       boot program with qemu-suite.sh's interface (default
                    kernel/qemu-suite.sh)
  --suite-dir DIR   passed to the boot program (default: the repo)
  --build DIR       static suite build passed to the boot program (default
                    build-static, made by make STATIC=1)
  --no-upstream     leave upstream's KVM selftests out of the guests (they
                    run beside the suite's binary, their verdict in its own
                    column, never judged)
  --all-tests       run every test binary in each guest, not only
                    system_event_legacy_test (the one that reaches the
                    mutated sites under QEMU); harness rows add
                    system_event_legacy_test to sev_es_term_test
  -h, --help        this help

Everything after -- goes to the suite's run_tests.sh inside the guest for
the stock rows (default: -t system_event_legacy_test -T 60); harness rows
run -t sev_es_term_test --backend harness -T 120. With runner arguments of
your own, the control must pass with no failure, and the conformant rows
must show the control's cases.

Output: the table (on a terminal, a progress line between its rows: rows
done, sets built, boots running), then exactly these lines last:
  conformant variants passed: M/M
  kernel mutants killed: K/N
  mutants: P passed, F failed, S skipped
(one count per row whose verdict matched its expectation, the controls
included; unreachable rows are skipped).

Exit status: 0 every conformant variant passed and every reachable mutant
was killed by its named field; 1 otherwise (or a build or edit failed); 2
bad usage or a missing input (packages, kernel tree, root for a compiler
chroot).
"""


# The SEV-ES harness's own host-safety checks (tests/harness/): one row per x86 line.
SAFETY_BINARIES = ("harness_safety_test", "harness_host_fault_test")
SAFETY_ARGS = ["-t", SAFETY_BINARIES[0], "-t", SAFETY_BINARIES[1], "-T", "120"]

# The binary that reaches each architecture's mutated sites under QEMU.
MUTANT_BINARY = {"x86_64": "system_event_legacy_test", "riscv64": "sbi_system_event_test",
		 "arm64": "psci_system_event_test"}


class Usage(Exception):
	pass


def die(msg):
	raise Usage(msg)


@dataclass
class Opts:
	arch: str = "x86_64"
	lines: list = field(default_factory=list)
	controls_only_on: list = field(default_factory=list)
	kdir: str = ""
	patches: list = field(default_factory=list)
	only: list = field(default_factory=list)
	list: bool = False
	check_edits: bool = False
	control_only: bool = False
	out: str = os.path.join(REPO, "results", "mutants")
	timeout: int = 300
	jobs: int = 0
	boot: str = os.path.join(REPO, "kernel", "qemu-suite.sh")
	suite_dir: str = ""
	suite_build: str = ""
	all_tests: bool = False
	quick: bool = False
	no_upstream: bool = False
	runner_args: list = None


def parse_args(argv):
	o = Opts(kdir=os.environ.get("KDIR", ""))
	i = 0

	def val():
		nonlocal i
		if i + 1 >= len(argv) or argv[i + 1] == "":
			die(f"{argv[i]} needs a value")
		i += 2
		return argv[i - 1]
	while i < len(argv):
		a = argv[i]
		if a == "--arch":
			o.arch = val()
		elif a == "--line":
			o.lines.append(val())
		elif a == "--controls-only-on":
			o.controls_only_on.append(val())
		elif a == "--kdir":
			o.kdir = val()
		elif a == "--patch":
			o.patches.append(val())
		elif a == "--only":
			o.only.append(val())
		elif a == "-o":
			o.out = val()
		elif a == "--timeout":
			t = val()
			if not t.isdigit() or int(t) == 0:
				die("--timeout needs a positive number of seconds")
			o.timeout = int(t)
		elif a == "--jobs":
			j = val()
			if not j.isdigit() or int(j) == 0:
				die("--jobs needs a positive number")
			o.jobs = int(j)
		elif a == "--boot":
			o.boot = val()
		elif a == "--suite-dir":
			o.suite_dir = val()
		elif a == "--build":
			o.suite_build = val()
		elif a in ("--list", "--check-edits", "--control-only", "--all-tests",
			   "--no-upstream", "--quick"):
			setattr(o, a[2:].replace("-", "_"), True)
			i += 1
		elif a in ("-h", "--help"):
			return None
		elif a == "--":
			o.runner_args = argv[i + 1:]
			break
		else:
			raise Usage(f"unknown option '{a}' (see --help)")
	try:
		o.arch = arches.get(o.arch).name
	except arches.UnknownArch:
		die(f"--arch must be x86_64 or riscv64, not {o.arch}")
	if o.arch not in build.MODULES and not build.whole_kernel_builds():
		die(f"--arch must be x86_64 or riscv64 ({o.arch}'s KVM is built into the kernel, "
		    "and no whole-kernel build is installed)")
	if o.kdir and o.arch != "x86_64":
		die("--kdir is for x86_64 kernel trees")
	for p in o.patches:
		if not os.path.isfile(p) or not os.access(p, os.R_OK):
			die(f"patch not found: {p}")
	if o.patches and o.only:
		die("--patch and --only do not mix")
	if o.control_only and (o.patches or o.only):
		die("--control-only takes no --patch or --only")
	if o.kdir and o.lines:
		die("--kdir and --line do not mix (a tree is its own line)")
	known = lines_mod.lines()
	try:
		o.controls_only_on = [build.line_name(x) for x in o.controls_only_on]
		o.lines = [build.line_name(x) for x in o.lines]
	except ValueError as e:
		die(str(e))
	for ln in o.lines:
		if o.arch not in known[ln].arches:
			die(f"line {ln} has no {o.arch} kernel (kernel/lines.toml)")
	return o


def mutant_lines(arch):
	data = lines_mod.load()
	return list(data["matrix"].get("mutants", {}).get(arch, []))


# --- expected case lists ------------------------------------------------------------

class ExpectedError(Exception):
	pass


def read_expected(path):
	"""An expected list: {case: (status, reason)}."""
	out = {}
	with open(path, encoding="utf-8") as f:
		for n, ln in enumerate(f, 1):
			s = ln.rstrip("\n")
			if not s.strip() or s.lstrip().startswith("#"):
				continue
			body, _, reason = s.partition("#")
			parts = body.split()
			if len(parts) != 2 or parts[0] not in ("pass", "skip"):
				raise ExpectedError(f"{path}:{n}: want 'pass CASE' or 'skip CASE  # REASON'")
			if parts[1] in out:
				raise ExpectedError(f"{path}:{n}: {parts[1]} listed twice")
			out[parts[1]] = (parts[0], reason.strip() if parts[0] == "skip" else "")
	return out


def expected_for(arch, binary, backend=None, line=None, root=None):
	"""The expected list of BINARY (with BACKEND) on LINE, or None."""
	root = root or EXPECTED_DIR
	names = ([f"{binary}@{backend}.txt"] if backend else []) + [f"{binary}.txt"]
	dirs = ([os.path.join(root, arch, line)] if line else []) + [os.path.join(root, arch)]
	for d in dirs:
		for n in names:
			p = os.path.join(d, n)
			if os.path.isfile(p):
				return read_expected(p)
	return None


def suite_binaries(arch, path=os.path.join(REPO, "tests.list")):
	"""The suite's binaries for ARCH (tests.list): what run_tests.sh runs
	without -t."""
	out = []
	with open(path) as f:
		for ln in f:
			ln = ln.split("#", 1)[0].strip()
			if ln and ln.split("/", 1)[0] == arch.testdir:
				out.append(ln.split("/", 1)[1])
	return out


def runner_binaries(args):
	"""The binaries a run_tests.sh command line names with -t."""
	out = []
	for i, a in enumerate(args):
		if a == "-t" and i + 1 < len(args):
			out.append(args[i + 1])
		elif a.startswith("--test="):
			out.append(a.split("=", 1)[1])
	return out


# --- judging ----------------------------------------------------------------------------

def leaves(level):
	"""[(binary, Result)] of a parsed KTAP stream: each binary's cases (the
	binary itself when it printed none). Upstream's selftests, run in the
	same guest as upstream_<name>, are not the suite's: never judged here."""
	out = []
	for r in level.results:
		if r.name.startswith(upstream.PREFIX):
			continue
		if r.children and r.children.results:
			out += [(r.name, c) for c in r.children.results]
		else:
			out.append((r.name, r))
	return out


def dev_text(d):
	s = f"{d.field} expected={d.expected} actual={d.actual}"
	if d.diagnosis:
		s += f" ({d.diagnosis.split(':', 1)[0]})"
	return s


def diag_id(d):
	return d.diagnosis.split(":", 1)[0].strip() if d.diagnosis else ""


def failing(level):
	return [(b, r) for b, r in leaves(level) if r.status in ktap.FAILED]


def first_seen(level):
	"""What the suite named first: a deviation, else the first failing case."""
	for b, r in failing(level):
		if r.deviations:
			return dev_text(r.deviations[0])
	for b, r in failing(level):
		return f"not ok {r.name}" + (f" # {r.directive}" if r.directive else "")
	return ""


def find_kill(level, kill, diagnosis=None):
	"""The failing case's deviation that shows KILL (and DIAGNOSIS), or None."""
	for b, r in failing(level):
		for d in r.deviations:
			if kill.matches(d.field, d.actual) and (not diagnosis or diag_id(d) == diagnosis):
				return b, r, d
	return None


def compare_cases(level, expected):
	"""Differences between a run's cases and EXPECTED {(binary, case):
	(status, reason)}: a list of short texts, empty when they match."""
	seen = {}
	for b, r in leaves(level):
		seen[(b, r.name)] = (r.status, r.reason)
	out = []
	for key, (st, reason) in expected.items():
		if key not in seen:
			out.append(f"missing {key[1]}")
			continue
		got, why = seen[key]
		if got in ktap.FAILED:
			continue		# reported as a failure
		if got != st:
			out.append(f"{key[1]} {got}" + (f" ({why})" if why else "") + f", expected {st}")
		elif st == "skip" and reason and why != reason:
			out.append(f"{key[1]} skipped for '{why}', expected '{reason}'")
	for key in seen:
		if key not in expected:
			out.append(f"unexpected case {key[1]}")
	return out


@dataclass
class Verdict:
	actual: str
	ok: bool
	seen: str = ""		# the deviation the row was judged by
	detail: str = ""


def judge(expect, rc, ktap_bytes, source="ktap.txt", kill=None, diagnosis=None, expected=None,
	  patch=False, outcome=""):
	"""A row's verdict from its boot status RC and KTAP.

	expect: killed or conformant; kill/diagnosis: what must kill it;
	expected: {(binary, case): (status, reason)} for a conformant row, or
	None to require only no failure and a pass; patch: a --patch row."""
	bad_conf = "breaks-abi" if patch else "false-alarm"
	if rc not in (0, 1, 4):
		why = f"boot: {outcome or 'failed'}" if rc == 3 else f"boot program exit {rc}"
		return Verdict("error", False, "", why)
	try:
		level, _ = ktap.parse_stream(ktap_bytes or b"", source)
	except ktap.MalformedInput as e:
		return Verdict("error", False, "", f"unreadable KTAP: {e}")
	fails = failing(level)
	if expect == "killed":
		if not fails:
			if rc == 4 or not any(r.status == "pass" for _, r in leaves(level)):
				return Verdict("error", False, "", "no test passed (all skipped?)")
			return Verdict("survived", False, "", "")
		hit = find_kill(level, kill, diagnosis)
		if hit:
			return Verdict("killed", True, dev_text(hit[2]), hit[1].name)
		return Verdict("killed-otherwise", False, first_seen(level), "")
	# conformant
	if fails:
		return Verdict(bad_conf, False, first_seen(level), "")
	if expected is None:
		if not any(r.status == "pass" for _, r in leaves(level)):
			return Verdict("error", False, "", "no test passed (all skipped?)")
		return Verdict("passed", True)
	diffs = compare_cases(level, expected)
	if diffs:
		more = f" (+{len(diffs) - 1} more)" if len(diffs) > 1 else ""
		return Verdict(bad_conf, False, "", f"cases: {diffs[0]}{more}")
	return Verdict("passed", True)


def cases_of(level):
	return {(b, r.name): (r.status, r.reason) for b, r in leaves(level)}


# --- scheduling ----------------------------------------------------------------------------

class Slots:
	"""N CPU slots handed out by priority (lower first, then arrival)."""

	def __init__(self, n):
		self.free = n
		self.cv = threading.Condition()
		self.waiting = []
		self.count = itertools.count()
		self.held = {}

	def hold(self, prio, what):
		return _Hold(self, prio, what)


class _Hold:
	def __init__(self, s, prio, what):
		self.s, self.prio, self.what = s, prio, what

	def __enter__(self):
		s = self.s
		with s.cv:
			tok = (self.prio, next(s.count))
			heapq.heappush(s.waiting, tok)
			while not (s.free > 0 and s.waiting[0] == tok):
				s.cv.wait()
			heapq.heappop(s.waiting)
			s.free -= 1
			s.held[tok] = self.what
			self.tok = tok
			s.cv.notify_all()

	def __exit__(self, *a):
		s = self.s
		with s.cv:
			s.free += 1
			del s.held[self.tok]
			s.cv.notify_all()


# --- cells -----------------------------------------------------------------------------

@dataclass
class Cell:
	index: int
	line: str
	name: str
	kind: str		# control, harness-control, harness-off, entry, patch, unreachable
	expect: str		# conformant, killed, unreachable
	base: str		# stock, harness, harness-off
	site: str
	view: object = None	# catalogue.LineView
	change: object = None	# a build change
	kill: object = None
	diagnosis: str = None


@dataclass
class Row:
	name: str
	line: str
	site: str
	expect: str
	actual: str
	time: str
	build: str
	text: str
	ok: bool
	kind: str
	kills: str = ""
	seen: str = ""
	result_dir: str = ""
	upstream: dict = field(default_factory=dict)
	seconds: float = 0.0
	lines_after: list = field(default_factory=list)


FMT = "{:<32} {:<7} {:<38} {:<11} {:<16} {:<9} {:<31} {}"


class Matrix:
	def __init__(self, o, say):
		self.o = o
		self.say = say
		self.arch = arches.get(o.arch)
		self.jobs = o.jobs or os.cpu_count() or 2
		self.slots = Slots(self.jobs)
		self.stop = threading.Event()
		self.procs = set()
		self.plock = threading.Lock()
		if o.runner_args is not None:
			self.stock_args = list(o.runner_args)
		elif o.all_tests:
			self.stock_args = ["-T", "60"]
		else:
			self.stock_args = ["-t", MUTANT_BINARY[self.arch.name], "-T", "60"]
		self.harness_args = ["-t", "sev_es_term_test", "--backend", "harness", "-T", "120"]
		if o.all_tests:
			self.harness_args = ["-t", "sev_es_term_test", "-t", "system_event_legacy_test",
					     "--backend", "harness", "-T", "120"]
		self.off_args = ["-t", "system_event_legacy_test", "-t", "ghcb_nonsev_test", "-T", "60"]
		self.builds_done = 0
		self.booting = set()
		self.safety = None
		self.safety_error = "the harness-safety guest directories were not made"
		# Upstream's selftests per line: (suite_dir, build_dir, runner args).
		self.up = {}

	def prepare_upstream(self, line, b, kernel, work):
		"""Build upstream's selftests of LINE's own source (upstream.py) and
		the guest directories that carry them beside the suite's binaries."""
		if self.o.no_upstream or self.o.runner_args is not None \
		   or not upstream.TESTS.get(self.arch.name):
			return
		src = b.full_source()
		bins = upstream.build(self.arch.name, src, kernel.version, b.cache, jobs=self.jobs,
				      log=self.say)
		suite_build = self.o.suite_build or os.path.join(
			REPO, "build-static" if self.arch.name == "x86_64" else
			f"build-static-{self.arch.make}")
		sd, bd = upstream.guest_dirs(self.arch.name, suite_build, bins,
					     os.path.join(work, "upstream", line))
		self.up[line] = (sd, bd, upstream.runner_args(bins))

	def args_for(self, base):
		return {"harness": self.harness_args, "harness-off": self.off_args,
			"harness-safety": SAFETY_ARGS}.get(base, self.stock_args)

	def prepare_safety(self, work):
		"""The guest directories of the harness-safety rows (as
		tests/harness/run.sh makes them): run_tests.sh with a tests.list of
		the harness's own checks, their static binaries; None (with the
		reason in self.safety_error) when they are not built."""
		build_dir = self.o.suite_build or os.path.join(REPO, "build-static")
		bins = [os.path.join(build_dir, "tests", "harness", b) for b in SAFETY_BINARIES]
		inv = os.path.join(build_dir, "tools", "host_inventory")
		missing = [p for p in bins + [inv] if not os.access(p, os.X_OK)]
		if missing:
			self.safety_error = f"no {missing[0]} (make STATIC=1)"
			return
		sd = os.path.join(work, "harness-safety", "suite")
		bd = os.path.join(work, "harness-safety", "build")
		os.makedirs(sd)
		os.makedirs(os.path.join(bd, "x86_64"))
		os.makedirs(os.path.join(bd, "tools"))
		shutil.copy(os.path.join(REPO, "run_tests.sh"), sd)
		for f in ("settings", "config"):
			src = os.path.join(REPO, f)
			if os.path.isdir(src):
				shutil.copytree(src, os.path.join(sd, f))
			elif os.path.exists(src):
				shutil.copy(src, sd)
		with open(os.path.join(sd, "tests.list"), "w") as f:
			f.write("".join(f"x86_64/{b}\n" for b in SAFETY_BINARIES))
		for b in bins:
			shutil.copy(b, os.path.join(bd, "x86_64"))
		shutil.copy(inv, os.path.join(bd, "tools"))
		self.safety = (sd, bd)

	def expected_for(self, cell, control_cases):
		"""The expected {(binary, case): (status, reason)} of a conformant cell."""
		if self.o.runner_args is not None:
			return None if cell.kind == "control" else control_cases
		args = self.args_for(cell.base)
		backend = "harness" if cell.base in ("harness", "harness-safety") else None
		bins = runner_binaries(args) or suite_binaries(self.arch)
		out = {}
		for b in bins:
			e = expected_for(self.arch.name, b, backend, None if cell.line == "kdir" else cell.line)
			if e is None:
				raise ExpectedError(f"no expected case list for {b} "
						    f"(kernel/mutants/expected/{self.arch.name}/{b}.txt)")
			out.update({(b, c): v for c, v in e.items()})
		return out

	def run_boot(self, cell, built, kernel, rdir):
		args = [self.o.boot, "--bzimage", built.image]
		if built.modules:
			args += ["--modules", built.modules]
		args += ["--out", rdir, "--timeout", str(self.o.timeout),
			"--label", f"{kernel.release} {cell.name}", "--no-stream", "--no-report"]
		up = self.up.get(cell.line) if cell.base != "harness-safety" else None
		if cell.base == "harness-safety":
			args += ["--suite-dir", self.safety[0], "--build", self.safety[1]]
		elif up:
			args += ["--suite-dir", up[0], "--build", up[1]]
		else:
			if self.o.suite_dir:
				args += ["--suite-dir", self.o.suite_dir]
			if self.o.suite_build:
				args += ["--build", self.o.suite_build]
		if cell.base in ("harness", "harness-safety"):
			for p in built.module_params:
				args += ["--module-param", p]
		if self.arch.name == "x86_64":
			# TCG on a loaded machine fails the kernel's IO-APIC timer check.
			args += ["--append", "no_timer_check"]
		args += ["--"] + self.args_for(cell.base) + (up[2] if up else [])
		t0 = time.monotonic()
		with open(rdir.rstrip("/") + ".boot-stdout.txt", "w") as out:
			p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
					     start_new_session=True)
			with self.plock:
				self.procs.add(p)
			try:
				rc = p.wait()
			finally:
				with self.plock:
					self.procs.discard(p)
		return rc, time.monotonic() - t0

	def kill_all(self):
		self.stop.set()
		with self.plock:
			for p in list(self.procs):
				try:
					os.killpg(p.pid, 15)
				except OSError:
					pass


def safe_name(n):
	return re.sub(r"[^A-Za-z0-9_.-]", "_", n)


def outcome_of(rdir):
	try:
		with open(os.path.join(rdir, "kernel.txt")) as f:
			for ln in f:
				if ln.startswith("outcome="):
					return ln.strip().split("=", 1)[1]
	except OSError:
		pass
	return ""


def harness_on(rdir):
	key = build.HARNESS_PARAM.rsplit("=", 1)[0] + "=Y"
	try:
		with open(os.path.join(rdir, "modules.txt")) as f:
			return any(ln.strip() == key for ln in f)
	except OSError:
		return False


def read_bytes(p):
	try:
		with open(p, "rb") as f:
			return f.read()
	except OSError:
		return b""


# --- the command --------------------------------------------------------------------------

def load_entries(o):
	try:
		return catalogue.load(o.arch, only=o.only or None)
	except catalogue.CatalogueError as e:
		die(str(e))


def list_catalogue(o):
	entries = load_entries(o)
	fmt = "{:<32} {:<11} {:<7} {:<5} {:<12} {:<36} {:<40} {}"
	print(fmt.format("name", "expected", "base", "quick", "lines", "kills", "site",
			 "description"))
	for e in entries:
		ln = ",".join(e.lines) if e.lines else "all"
		k = str(e.kills) + (f" ({e.diagnosis})" if e.diagnosis else "") if e.kills else "-"
		print(fmt.format(e.name, e.expect, e.base, "yes" if e.quick else "-", ln, k, e.site,
				 e.desc))
	return 0


def kdir_view(e, b):
	"""A catalogue entry on a --kdir tree (of any version): its default
	edits, else the first line's edits that apply to the tree."""
	views = [catalogue.LineView(e, "kdir", e.expect, e.kills, e.diagnosis, e.edits)]
	for o in e.per_line.values():
		views.append(catalogue.LineView(e, "kdir", o.get("expect", e.expect),
						o.get("kills", e.kills), o.get("diagnosis", e.diagnosis),
						o.get("edits", e.edits)))
	for v in views:
		try:
			b.check([v.change()])
			return v
		except build.ChangeError:
			continue
	return views[0]


def resolve_lines(o):
	if o.kdir:
		return ["kdir"]
	ls = o.lines or mutant_lines(o.arch)
	if not ls:
		die(f"kernel/lines.toml [matrix].mutants names no line for {o.arch}")
	return ls


def make_builders(o, ls, say):
	out = {}
	for ln in ls:
		out[ln] = build.builder(None if ln == "kdir" else ln, o.arch, kdir=o.kdir or None,
					jobs=o.jobs or None, say=say)
	return out


def harness_source(b, tmpdir):
	"""The line's source with its harness patch, without building (for
	--check-edits); None when the patch does not apply."""
	d = os.path.join(tmpdir, "harness-src")
	shutil.copytree(b.pristine, d, symlinks=True)
	try:
		build.Patch(b.harness_patch()).apply(d)
	except build.ChangeError:
		return None
	return d


def check_edits(o, say):
	import tempfile
	entries = load_entries(o)
	ls = resolve_lines(o)
	builders = make_builders(o, ls, say)
	npass = nfail = 0
	for ln in ls:
		b = builders[ln]
		try:
			b.prepare_source()
		except build.SetupError as e:
			die(str(e))
		with tempfile.TemporaryDirectory(prefix="kvm-mutants-edits.") as t:
			hsrc = harness_source(b, t) if o.arch == "x86_64" else None
			for e in entries:
				v = kdir_view(e, b) if ln == "kdir" else e.on(ln)
				if v is None:
					continue
				if e.base == "harness" and hsrc is None:
					print(f"FAIL {ln:<7} {e.name:<32} the harness patch does not apply to "
					      "this source")
					nfail += 1
					continue
				try:
					changed = b.check([v.change()], e.base,
							  src=hsrc if e.base == "harness" else None)
					print(f"ok   {ln:<7} {e.name:<32} {' '.join(changed)}")
					npass += 1
				except build.ChangeError as ex:
					print(f"FAIL {ln:<7} {e.name:<32} {' '.join(str(ex).split())}")
					nfail += 1
	print(f"edits: {npass} passed, {nfail} failed")
	return 0 if nfail == 0 else 1


def make_cells(o, ls, builders, entries):
	cells = []
	x86 = o.arch == "x86_64"
	idx = itertools.count()
	patch_name = None
	if o.patches:
		patch_name = (f"patch:{len(o.patches)} patches" if len(o.patches) > 1 else
			      f"patch:{os.path.basename(o.patches[0])}")
		sites = sorted({f for p in o.patches for f in build.Patch(p).files()})
	for ln in ls:
		need_h = x86 and (o.control_only or o.patches or any(
			e.base == "harness" and (e.on(ln) is None or e.on(ln).expect != "unreachable")
			and e.applies_to(ln) for e in entries))
		cells.append(Cell(next(idx), ln, "control", "control", "conformant", "stock",
				  "stock modules"))
		if need_h:
			cells.append(Cell(next(idx), ln, "harness-control", "harness-control",
					  "conformant", "harness", "harness modules (SEV-ES code)"))
			cells.append(Cell(next(idx), ln, "harness-off", "harness-off", "conformant",
					  "harness-off", "harness modules, parameter off"))
			cells.append(Cell(next(idx), ln, "harness-safety", "harness-safety", "conformant",
					  "harness-safety", "harness modules, host safety (tests/harness)"))
		if o.control_only or ln in o.controls_only_on:
			continue
		if o.patches:
			change = _Patches(patch_name, [build.Patch(p) for p in o.patches])
			for base in (("stock", "harness") if x86 else ("stock",)):
				n = patch_name if base == "stock" else patch_name + "+harness"
				cells.append(Cell(next(idx), ln, n, "patch", "conformant", base,
						  " ".join(sites), change=change))
			continue
		for e in entries:
			if o.quick and not e.quick:
				continue
			v = kdir_view(e, builders[ln]) if ln == "kdir" else e.on(ln)
			if v is None:
				continue
			kind = "unreachable" if v.expect == "unreachable" else "entry"
			cells.append(Cell(next(idx), ln, e.name, kind, v.expect, e.base, e.site, view=v,
					  change=v.change(), kill=v.kills, diagnosis=v.diagnosis))
	return cells


@dataclass(frozen=True)
class _Patches:
	name: str
	patches: list

	def files(self, root=None):
		return sorted({f for p in self.patches for f in p.files()})

	def apply(self, root):
		for p in self.patches:
			p.apply(root)


def fmt_kill(kill, diagnosis):
	if kill is None:
		return ""
	return str(kill) + (f" ({diagnosis})" if diagnosis else "")


def run(o, say):
	entries = [] if (o.patches or o.control_only) else load_entries(o)
	ls = resolve_lines(o)
	builders = make_builders(o, ls, say)
	if o.patches and not o.lines and not o.kdir:
		# The lines the patches apply to (say which), all when none does.
		fits = []
		for ln in ls:
			try:
				builders[ln].prepare_source()
				builders[ln].check([build.Patch(p) for p in o.patches])
				fits.append(ln)
			except build.ChangeError:
				say(f"your patches do not apply to line {ln}: no rows there")
			except build.SetupError as e:
				die(str(e))
		if fits:
			ls = fits
			builders = {ln: builders[ln] for ln in ls}
	if not os.access(o.boot, os.X_OK):
		die(f"boot program not found: {o.boot}")
	t_start = time.monotonic()
	kernels = {}
	stock_fail = {}
	for ln in ls:
		try:
			kernels[ln] = builders[ln].prepare()
		except build.SetupError as e:
			die(str(e))
		except build.BuildError as e:
			stock_fail[ln] = e
	cells = make_cells(o, ls, builders, entries)
	m = Matrix(o, say)
	os.makedirs(o.out, exist_ok=True)
	out = os.path.abspath(o.out)
	run_dir = os.path.join(out, ".run")
	shutil.rmtree(run_dir, ignore_errors=True)
	os.makedirs(run_dir)
	if any(c.kind == "harness-safety" for c in cells):
		m.prepare_safety(run_dir)
	for ln in ls:
		if ln in kernels and ln not in stock_fail:
			try:
				m.prepare_upstream(ln, builders[ln], kernels[ln], run_dir)
			except upstream.UpstreamError as e:
				die(f"upstream's selftests of line {ln}: {e}")
	table_path = os.path.join(out, "table.txt")
	table = open(table_path, "w")
	tty = sys.stdout.isatty()
	state = {"arch": o.arch, "lines": {}, "rows": [], "counts": {}}
	state_path = os.path.join(out, "mutants.json")

	def emit(text):
		if tty:
			sys.stdout.write("\r\033[K")
		print(text, flush=True)
		table.write(text + "\n")
		table.flush()

	def save_state():
		tmp = state_path + ".tmp"
		with open(tmp, "w") as f:
			json.dump(state, f, indent=1)
			f.write("\n")
		os.replace(tmp, state_path)

	rev = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
			     capture_output=True, text=True).stdout.strip() or "unknown"
	emit("# kvm-sysevent real-kernel mutants")
	for ln in ls:
		b = builders[ln]
		if ln in stock_fail:
			emit(f"# line {ln}: stock build failed: {stock_fail[ln]}")
			continue
		k = kernels[ln]
		st = b.stock()
		emit(f"# line {ln}: kernel {k.release} ({k.origin}), image sha256 "
		     f"{build._sha([k.image], 16)}")
		emit(f"# line {ln}: compiler {k.compiler}; the kernel's own: "
		     f"{b.tc.kernel_text}")
		emit(f"# line {ln}: stock modules {st.set_id}, stock build {k.stock_seconds:.0f}s "
		     "(reused when cached)")
		state["lines"][ln] = {"release": k.release, "version": k.version, "origin": k.origin,
				      "compiler": k.compiler, "kernel_compiler": b.tc.kernel_text,
				      "stock_id": st.set_id, "stock_seconds": round(k.stock_seconds)}
	emit(f"# suite: {rev}, runner args: {' '.join(m.stock_args)}")
	if any(c.base in ("harness", "harness-off") for c in cells):
		pats = sorted({os.path.basename(builders[ln].harness_patch()) for ln in ls})
		emit(f"# harness modules: kernel/harness/{' and '.join(pats)} (test-only), loaded "
		     f"with {build.HARNESS_PARAM}")
		emit("# harness rows: KVM's SEV-ES code driven by plain guests, not SEV-ES hardware; "
		     f"runner args: {' '.join(m.harness_args)}; harness-off (parameter off): "
		     f"{' '.join(m.off_args)}")
	emit(FMT.format("name", "line", "site", "expected", "actual", "time", "build",
			"kills (declared) / seen"))
	save_state()

	control_futs = {}
	harness_futs = {}
	pool = cf.ThreadPoolExecutor(max_workers=len(cells) + 2)
	futs = {}

	def cell_dir(c):
		d = os.path.join(out, safe_name(c.line), safe_name(c.name))
		os.makedirs(os.path.dirname(d), exist_ok=True)
		return d

	def work(c):
		try:
			return do_cell(m, c, builders[c.line], kernels.get(c.line),
				       stock_fail.get(c.line), control_futs, harness_futs, cell_dir(c),
				       run_dir)
		except Exception as e:		# a bug: an error row, never a pass
			import traceback
			tb = traceback.format_exc().strip().splitlines()
			return Row(c.name, c.line, c.site, c.expect, "error", "-", "-",
				   f"internal error: {type(e).__name__}: {e}", False, c.kind,
				   lines_after=tb[-3:])

	for c in cells:
		futs[c.index] = pool.submit(work, c)
		if c.kind == "control":
			control_futs[c.line] = futs[c.index]
		elif c.kind == "harness-control":
			harness_futs[c.line] = futs[c.index]

	counts = {"pass": 0, "fail": 0, "skip": 0, "conf": 0, "conf_ok": 0, "kill": 0, "kill_ok": 0}
	per_line = {ln: {"kill": 0, "kill_ok": 0, "conf": 0, "conf_ok": 0, "otherwise": 0}
		    for ln in ls}
	failed_controls = []
	last = 0.0
	try:
		for i, c in enumerate(cells):
			f = futs[c.index]
			while True:
				try:
					row = f.result(timeout=1.0)
					break
				except cf.TimeoutError:
					if tty and time.monotonic() - last >= 1:
						last = time.monotonic()
						with m.slots.cv:
							held = sorted(set(m.slots.held.values()))
						sys.stdout.write(f"\r\033[K..    {i}/{len(cells)} rows, "
								 f"{m.builds_done} sets built, busy: "
								 f"{', '.join(held) or 'none'}  "
								 f"{time.monotonic() - t_start:.0f}s")
						sys.stdout.flush()
			if row is None:
				continue		# a line whose control failed: not judged
			emit(FMT.format(row.name, row.line, row.site, row.expect, row.actual, row.time,
					row.build, row.text))
			for extra in row.lines_after:
				emit("    " + extra)
			state["rows"].append(asdict(row))
			save_state()
			pl = per_line[row.line]
			if row.kind == "unreachable" and row.ok:
				counts["skip"] += 1
			elif row.ok:
				counts["pass"] += 1
			else:
				counts["fail"] += 1
			if row.kind in ("entry", "unreachable", "patch"):
				if row.expect == "killed":
					counts["kill"] += 1
					pl["kill"] += 1
					if row.ok:
						counts["kill_ok"] += 1
						pl["kill_ok"] += 1
					if row.actual == "killed-otherwise":
						pl["otherwise"] += 1
				elif row.expect == "conformant":
					counts["conf"] += 1
					pl["conf"] += 1
					if row.ok:
						counts["conf_ok"] += 1
						pl["conf_ok"] += 1
			if row.kind == "control" and not row.ok:
				failed_controls.append(row)
	except KeyboardInterrupt:
		m.kill_all()
		pool.shutdown(wait=False, cancel_futures=True)
		raise
	pool.shutdown(wait=True)
	for row in failed_controls:
		emit(f"control failed on line {row.line}: the stock modules do not pass the suite, "
		     "so no mutant was judged there")
		emit(f"  see {row.result_dir}/ktap.txt and boot.log")
	total = time.monotonic() - t_start
	emit(f"total: {total:.0f}s (stock builds when not cached: "
	     + ", ".join(f"{ln} {kernels[ln].stock_seconds:.0f}s" for ln in ls if ln in kernels)
	     + "; per row: build+boot)")
	for ln in ls:
		pl = per_line[ln]
		emit(f"line {ln}: mutants killed by their named field {pl['kill_ok']}/{pl['kill']}, "
		     f"killed-otherwise {pl['otherwise']}, conformant variants passed "
		     f"{pl['conf_ok']}/{pl['conf']}")
	emit(f"conformant variants passed: {counts['conf_ok']}/{counts['conf']}")
	emit(f"kernel mutants killed: {counts['kill_ok']}/{counts['kill']}")
	state["counts"] = counts
	state["seconds"] = round(total)
	save_state()
	table.close()
	print(f"mutants: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
	shutil.rmtree(run_dir, ignore_errors=True)
	ok = counts["fail"] == 0 and not failed_controls and not stock_fail
	return 0 if ok else 1


def do_cell(m, c, b, kernel, stock_fail, control_futs, harness_futs, rdir, run_dir):
	"""Carry one cell through build, gate, boot and judge: a Row (None when
	its line's control failed and the row is not judged)."""
	o = m.o
	kills = fmt_kill(c.kill, c.diagnosis)
	row = Row(c.name, c.line, c.site, c.expect, "", "-", "-", "-", False, c.kind, kills=kills,
		  result_dir=rdir)
	if c.kind == "unreachable":
		try:
			b.check([c.change], "stock" if c.base != "harness" else "harness",
				src=None if c.base != "harness" or not kernel else b.source("harness"))
			row.actual, row.ok, row.text = "not reachable here (model covers it)", True, "-"
		except (build.ChangeError, build.BuildError) as e:
			row.actual, row.text = "edit-failed", f"the edit did not apply (context moved?): {e}"
		row.time = "-"
		return row
	if stock_fail is not None:
		if c.kind != "control":
			return None
		row.actual, row.text = "build-failed", f"the stock build failed: see {stock_fail.log}"
		return row
	t_build = 0.0
	built = None
	prio = c.index
	try:
		if c.kind == "control":
			built = b.stock()
		elif c.kind in ("harness-control", "harness-off", "harness-safety"):
			with m.slots.hold((1, prio), f"{c.line}/harness build"):
				built = b.harness()
			t_build = built.seconds if c.kind == "harness-control" else 0.0
		else:
			if c.base == "harness" and harness_futs.get(c.line) is not None:
				pass	# the harness set is built by its own cell, or here
			with m.slots.hold((1, prio), f"{c.line}/{c.name} build"):
				built = b.build([c.change], os.path.join(run_dir, safe_name(c.line),
									 safe_name(c.name)), c.base)
			m.builds_done += 1
			t_build = built.seconds
	except build.ChangeError as e:
		row.actual = "edit-failed"
		row.text = f"the edit did not apply (context moved?): {' '.join(str(e).split())}"
		return _gate_or_none(row, c, control_futs, harness_futs)
	except build.BuildError as e:
		row.actual = "build-failed"
		row.text = f"{e}" + (f": see {e.log}" if e.log and e.log not in str(e) else "")
		if e.log and os.path.exists(e.log):
			with open(e.log, errors="replace") as f:
				row.lines_after = [ln.rstrip() for ln in f.readlines()[-5:]]
		return _gate_or_none(row, c, control_futs, harness_futs)
	# Judged only when the controls under it passed.
	if c.kind not in ("control",):
		ctl = control_futs[c.line].result()
		if ctl is None or not ctl.ok:
			return None
		if c.base == "harness" and c.kind != "harness-control":
			hc = harness_futs.get(c.line)
			hrow = hc.result() if hc else None
			if hrow is None or not hrow.ok:
				row.actual, row.text = "not-judged", "the harness control did not pass"
				return row
	if c.kind == "harness-safety" and m.safety is None:
		row.actual, row.text = "error", m.safety_error
		return row
	with m.slots.hold((0, prio), f"{c.line}/{c.name} boot"):
		rc, secs = m.run_boot(c, built, kernel, rdir)
	row.time = (f"{t_build:.0f}s+{secs:.0f}s" if t_build >= 0.5 else f"{secs:.0f}s")
	row.seconds = round(t_build + secs, 1)
	row.build = f"{kernel.release}/{built.set_id}"
	with open(os.path.join(rdir, "build.txt"), "w") as f:
		f.write(f"line={c.line}\nrelease={kernel.release}\nversion={kernel.version}\n"
			f"origin={kernel.origin}\ncompiler={kernel.compiler}\n"
			f"kernel_compiler={b.tc.kernel_text}\nset_id={built.set_id}\n"
			f"base={c.base}\nbuild_seconds={t_build:.1f}\nboot_seconds={secs:.1f}\n")
	if c.base in ("harness", "harness-safety") and rc in (0, 1) and not harness_on(rdir):
		row.actual = "error"
		row.text = f"the harness was not on in the guest: see {rdir}/modules.txt"
		return row
	expected = None
	if c.expect == "conformant":
		ctl_cases = None
		if o.runner_args is not None and c.kind != "control":
			ctl = control_futs[c.line].result()
			ctl_cases = cases_of(ktap.parse_stream(read_bytes(os.path.join(ctl.result_dir,
										   "ktap.txt")),
							  "ktap.txt")[0])
		try:
			expected = m.expected_for(c, ctl_cases)
		except (ExpectedError, OSError) as e:
			row.actual, row.text = "error", str(e)
			return row
	v = judge(c.expect, rc, read_bytes(os.path.join(rdir, "ktap.txt")),
		  os.path.join(rdir, "ktap.txt"), kill=c.kill, diagnosis=c.diagnosis,
		  expected=expected, patch=c.kind == "patch", outcome=outcome_of(rdir))
	row.actual, row.ok, row.seen = v.actual, v.ok, v.seen
	if m.up.get(c.line):
		uv, ureason, per = upstream.verdict(rdir, m.arch.name)
		row.upstream = {"verdict": uv, "reason": ureason,
				"tests": {t: {"verdict": a, "reason": r} for t, (a, r) in per.items()}}
	elif not upstream.TESTS.get(m.arch.name):
		row.upstream = {"verdict": "none", "reason": upstream.WHY_NONE.get(m.arch.name, ""),
				"tests": {}}
	if v.actual == "killed":
		row.text = f"kills {kills}; seen {v.seen}"
	elif v.actual == "killed-otherwise":
		row.text = f"kills {kills}; first seen {v.seen or '-'}"
	else:
		row.text = v.seen or v.detail or "-"
	return row


def _gate_or_none(row, c, control_futs, harness_futs):
	"""A row that failed to build: printed unless its line's control failed."""
	if c.kind != "control":
		ctl = control_futs[c.line].result()
		if ctl is None or not ctl.ok:
			return None
	return row


def main(argv=None):
	argv = sys.argv[1:] if argv is None else argv

	def say(msg):
		print(f"{PROG}: {msg}", file=sys.stderr, flush=True)
	try:
		o = parse_args(argv)
		if o is None:
			sys.stdout.write(USAGE)
			return 0
		if o.list:
			return list_catalogue(o)
		if o.check_edits:
			return check_edits(o, say)
		return run(o, say)
	except Usage as e:
		print(f"{PROG}: error: {e}", file=sys.stderr)
		return 2
	except (build.SetupError, toolchain.ToolchainError) as e:
		print(f"{PROG}: error: {e}", file=sys.stderr)
		return 2
	except KeyboardInterrupt:
		return 130


if __name__ == "__main__":
	sys.exit(main())
