# SPDX-License-Identifier: GPL-2.0
"""The kernel matrix: run-in-kernel.sh and check-kernels.sh
(kernel/README.md).

run-in-kernel.sh (what `run_tests.sh --kernel K ...` execs) resolves every
kernel first, so that a bad name fails before any boot, boots each with
qemu-suite.sh (N at a time), then compares the result sets and sums their
counts. check-kernels.sh (the make check step) runs that matrix and
requires, inside each kernel, the cases the required-cases list names for
its architecture. `check-kernels.sh --table DIR` writes the README's
"which kernels" table from such a run.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import arches, cli, fetch, image, lines
from .boot import COUNT_RE, no_build_message, static_build

RIK = "run-in-kernel.sh"
CK = "check-kernels.sh"
KDIR = os.path.join(cli.REPO, "kernel")
REQUIRED = os.path.join(KDIR, "required-cases.txt")

RIK_USAGE = f"""\
usage: run_tests.sh --kernel K [--modules DIR] [--kernel K ...] [-o DIR] [options] [RUNNER_ARGS...]
       {RIK} (same arguments)

Boot each kernel K under QEMU (x86_64, arm64 or riscv64, from the image)
and run the suite inside it. K is one of
  PATH             an x86 bzImage, arm64 Image or riscv Image; give its kvm
                   modules with --modules DIR right after it (flat .ko files
                   or a /lib/modules/<release> tree), or none for a kernel
                   with KVM built in. PATH:DIR is the same as
                   PATH --modules DIR
  PATH.deb         a Debian kernel image package (any of the three)
  debian-X.Y[:ARCH]
                   the newest X.Y kernel any Debian suite of kernel/lines.toml
                   offers today, fetched into .cache/kernels/ (debian-6.12,
                   debian-6.1:arm64, debian-6.12:riscv64; ARCH is amd64,
                   arm64 or riscv64, default the host's)
  debian-latest[:ARCH], debian-rc[:ARCH]
                   the newest released kernel; experimental's newest
  linux-image-...[:ARCH]
                   a Debian kernel image package by name

  -o DIR                 result directory. One kernel: DIR is its result set.
                         Several: DIR/<kernel-name>/ each, plus DIR/compare.txt.
                         Default: <repo>/results/kernels[/<kernel-name>]
  --kernel-timeout S     per-kernel limit, boot included (default 600)
  --qemu-accel A         auto (default), kvm or tcg
  --kernel-jobs N        boot up to N kernels at once (default 1); with N > 1
                         each KTAP stream is printed when its run ends
  --build DIR            static suite binaries (default per architecture:
                         <repo>/build-static, build-static-arm64,
                         build-static-riscv)
  --suite-dir DIR        where run_tests.sh and settings are (default <repo>)
  --ktap                 each kernel's KTAP stream (the default unless stdout
                         is a terminal)
  --brief                each kernel's short view, with progress (the default
                         on a terminal; see run_tests.sh --show)
  -h, --help             this help

Every other argument goes to run_tests.sh inside each guest.

Prints each kernel's combined KTAP stream, then (several kernels) a
comparison and one count line per kernel, and last the count line summed
over kernels: N passed, N failed, N skipped.

Exit status: 0 nothing failed, 1 a test failed, 2 bad usage or input,
3 a kernel panicked, never reached the suite or timed out, 4 every case
skipped (over several kernels: in every one of them; a kernel whose every
case skipped is no failure).
"""

CK_USAGE = f"""\
usage: {CK} [--jobs N] [-o DIR] [--required FILE] [--timeout S] KERNEL...
       {CK} [--jobs N] [-o DIR] [--required FILE] [--timeout S] --matrix NAME
       {CK} --list-matrix NAME
       {CK} [--required FILE] --table DIR [--update FILE]

Run the suite inside each KERNEL (any form run-in-kernel.sh takes) and check
that every case FILE (default kernel/required-cases.txt) lists for the
kernel's architecture passed in it. --matrix NAME takes the kernels of
kernel/lines.toml's [matrix] NAME (check, kernels, rc: the kernels of
"kernels" that "check" does not boot); --list-matrix prints them.

--table DIR prints the "which kernels" table of a matrix run in DIR (line,
architecture, the Debian suite that ships the kernel, its version, the
counts, the required cases met, seconds), in Markdown; --update FILE writes
it into FILE between the lines <!-- kernels-table --> and
<!-- /kernels-table --> instead.

Exit status: 0 all passed and all required cases passed, 1 otherwise,
2 bad usage.
"""


def _positive(v):
	return bool(re.match(r"^[0-9]+$", v)) and int(v) > 0


def _kv(path):
	"""key=value lines of a file (the first value of each key)."""
	out = {}
	try:
		with open(path, errors="replace") as f:
			for ln in f:
				k, sep, v = ln.rstrip("\n").partition("=")
				if sep and k not in out:
					out[k] = v
	except OSError:
		pass
	return out


def _last_count(path):
	"""The last line of a summary.txt if it is a count line: (line, p, f, s)."""
	try:
		with open(path, errors="replace") as f:
			lns = f.read().split("\n")
	except OSError:
		return None
	if lns and lns[-1] == "":
		lns.pop()
	if not lns:
		return None
	m = COUNT_RE.match(lns[-1])
	if not m:
		return None
	return lns[-1], int(m.group(1)), int(m.group(2)), int(m.group(4) or 0)


def _status(rc):
	"""A child's exit status as a shell says it (a signal N is 128+N)."""
	return rc if rc >= 0 else 128 - rc


def sanitize(name):
	return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def matrix_kernels(which):
	"""The kernels of lines.toml's [matrix] WHICH; "rc" is those of
	"kernels" that "check" does not boot."""
	if which == "rc":
		check = set(lines.matrix("check"))
		return [k for k in lines.matrix("kernels") if k not in check]
	try:
		return lines.matrix(which)
	except KeyError:
		raise cli.Bad(f"no matrix '{which}' in kernel/lines.toml") from None


# --- run-in-kernel.sh ------------------------------------------------------------------

class _Kernel:
	def __init__(self, given, mods):
		self.given = given
		self.mods = mods
		self.name = ""
		self.img = ""
		self.arch = None
		self.info = []	# --kernel-info lines
		self.dir = ""
		self.rc = 3


def rik_main(argv):
	args = cli.Args(argv)
	ks = []
	runner_args = []
	outdir = ""
	ktimeout = "600"
	accel = "auto"
	jobs = "1"
	build = ""
	suite_dir = ""
	view = ""
	while args.more():
		a = args.next()
		if a == "--kernel":
			ks.append(_Kernel(args.value(a), ""))
		elif a.startswith("--kernel="):
			ks.append(_Kernel(a[len("--kernel="):], ""))
		elif a == "--modules" or a.startswith("--modules="):
			v = args.value(a) if a == "--modules" else a[len("--modules="):]
			if not ks:
				raise cli.Bad("--modules must follow the --kernel it belongs to")
			ks[-1].mods = v
		elif a in ("-o", "--output"):
			outdir = args.value(a)
		elif a == "--kernel-timeout":
			ktimeout = args.value(a)
		elif a == "--qemu-accel":
			accel = args.value(a)
		elif a == "--kernel-jobs":
			jobs = args.value(a)
		elif a == "--build":
			build = args.value(a)
		elif a == "--suite-dir":
			suite_dir = args.value(a)
		elif a == "--ktap":
			view = "ktap"
		elif a == "--brief":
			view = "brief"
		elif a in ("-h", "--help"):
			sys.stdout.write(RIK_USAGE)
			return 0
		else:
			runner_args.append(a)
	if not ks:
		raise cli.Bad("no --kernel given (try --help)")
	if not _positive(ktimeout):
		raise cli.Bad("--kernel-timeout needs a positive number of seconds")
	if not _positive(jobs):
		raise cli.Bad("--kernel-jobs needs a positive number")
	jobs = int(jobs)
	if accel not in ("auto", "kvm", "tcg"):
		raise cli.Bad("--qemu-accel must be auto, kvm or tcg")
	suite_dir = suite_dir or cli.REPO
	# A person at a terminal gets each kernel's short view and progress;
	# anything else the KTAP streams.
	view = view or ("brief" if sys.stdout.isatty() else "ktap")

	# --- resolve every kernel first, so that a bad name fails before any boot ---
	busyboxes = {}
	names = []
	host = arches.host()
	for k in ks:
		g, m = k.given, k.mods
		if g.endswith(".deb") or g.startswith(("debian-", "linux-image-")):
			if m:
				raise cli.Bad(f"--modules goes with a kernel image, not with {g}")
			f = fetch.call(fetch.kernel, g)
			k.name, k.img, m = f.name, f.image, f.modules
			k.arch = arches.get(f.arch)
			# KVM is built into Debian's arm64 kernels; their other modules
			# are of no use here.
			if not k.arch.kvm_modular:
				m = ""
			# Where a Debian kernel came from, for kernel.txt.
			k.info = [f"debian_package={f.package}", f"debian_version={f.version}",
				  f"debian_suite={f.suite}", f"debian_layout={f.layout}"]
			if f.fallback:
				k.info.append(f"debian_fallback={f.fallback}")
		else:
			# PATH:MODULES_DIR is --kernel PATH --modules MODULES_DIR (for
			# make's KERNELS list, which has no room for --modules).
			if not os.path.isfile(g) and not m and ":" in g and \
					os.path.isfile(g.split(":", 1)[0]):
				g, m = g.split(":", 1)
			if not os.path.isfile(g):
				raise cli.Bad(f"no such kernel image: {g}")
			if m and not os.path.isdir(m):
				raise cli.Bad(f"no such modules directory: {m}")
			k.img = g
			k.name = os.path.basename(g)
			k.arch = image.arch_of(g)
		k.mods = m
		# The static build of each architecture must be there before any boot.
		if k.arch:
			b = build or static_build(k.arch, suite_dir)
			if not os.path.isdir(os.path.join(b, k.arch.testdir)):
				raise cli.Bad(no_build_message(k.arch, b))
		# Another architecture's busybox, fetched once here rather than by
		# kernels booting at the same time.
		if k.arch and k.arch.name != host.name and k.arch.name not in busyboxes:
			busyboxes[k.arch.name] = fetch.call(fetch.busybox, k.arch)
		n = sanitize(k.name)
		i = 2
		while n in names:
			n = sanitize(f"{k.name}-{i}")
			i += 1
		names.append(n)
		k.name = n

	n = len(ks)
	if not outdir:
		outdir = os.path.join(cli.REPO, "results", "kernels")
		if n == 1:
			outdir = os.path.join(outdir, ks[0].name)
	try:
		os.makedirs(outdir, exist_ok=True)
	except OSError:
		raise cli.Bad(f"cannot create {outdir}") from None
	for k in ks:
		k.dir = os.path.join(outdir, k.name) if n > 1 else outdir

	def cmd(k, stream):
		c = [os.path.join(KDIR, "qemu-suite.sh"), "--image", k.img, "--out", k.dir,
		     "--timeout", ktimeout, "--accel", accel, "--suite-dir", suite_dir,
		     "--label", k.given]
		if build:
			c += ["--build", build]
		if k.arch and k.arch.name in busyboxes:
			c += ["--busybox", busyboxes[k.arch.name]]
		if k.mods:
			c += ["--modules", k.mods]
		for ki in k.info:
			c += ["--kernel-info", ki]
		if not stream:
			c.append("--no-stream")
		c.append(f"--{view}")
		return c + ["--", *runner_args]

	start = time.monotonic()
	if jobs <= 1 or n <= 1:
		for k in ks:
			if n > 1:
				print(f"# === kernel {k.name} ({k.given})", flush=True)
			k.rc = _status(subprocess.run(cmd(k, True)).returncode)
	else:
		_parallel(ks, jobs, cmd, view, start)
	elapsed = int(time.monotonic() - start)

	# 3 (a kernel did not run the suite) beats 1 (a failure) beats 0; 4
	# (every case skipped, as run_tests.sh says it) is no failure, and the
	# matrix's status only when every kernel said it.
	worst = 0
	for k in ks:
		if k.rc == 3:
			worst = 3
		elif k.rc not in (0, 4) and worst != 3:
			worst = 1
	if all(k.rc == 4 for k in ks):
		worst = 4
	if n == 1:
		return ks[0].rc

	print("# === comparison", flush=True)
	sets = [k.dir for k in ks]
	report = os.path.join(cli.REPO, "report", "kvm-sysevent-report")
	if os.access(report, os.X_OK):
		r = subprocess.run([report, "compare", *sets], stdout=subprocess.PIPE)
		sys.stdout.buffer.write(r.stdout)
		sys.stdout.flush()
		with open(os.path.join(outdir, "compare.txt"), "wb") as f:
			f.write(r.stdout)
	else:
		_compare_table([k.name for k in ks], sets, os.path.join(outdir, "compare.txt"))
		print(f"# full table: {outdir}/compare.txt")
	_matrix_page(outdir)
	tp = tf = ts = 0
	for k in ks:
		c = _last_count(os.path.join(k.dir, "summary.txt"))
		if c:
			line, p, f, s = c
			tp, tf, ts = tp + p, tf + f, ts + s
		else:
			line = "no summary (counted as 1 failure)"
			tf += 1
		kt = _kv(os.path.join(k.dir, "kernel.txt"))
		rel = kt.get("kernel_release") or "?"
		secs = kt.get("seconds") or "?"
		print(f"# {k.name:<20} {rel:<28} {line} (exit {k.rc}, {secs}s)")
	print(f"# {n} kernels in {elapsed}s; result sets in {outdir}/")
	print(f"{tp} passed, {tf} failed, {ts} skipped", flush=True)
	return worst


def _matrix_page(outdir):
	"""The reporter's one page for the whole matrix, DIR/report.html (where
	the reporter's Python is, as qemu-suite.sh does for one result set)."""
	report = os.path.join(cli.REPO, "report", "kvm-sysevent-report")
	if not os.access(report, os.X_OK):
		return
	py = subprocess.run([report, "--print-python"], capture_output=True, text=True)
	if py.returncode != 0 or not shutil.which(py.stdout.strip()):
		return
	r = subprocess.run([report, "html", "-q", outdir], stdout=subprocess.DEVNULL,
			   stderr=subprocess.DEVNULL)
	if r.returncode != 0:
		try:
			os.unlink(os.path.join(outdir, "report.html"))
		except OSError:
			pass


def _parallel(ks, jobs, cmd, view, start):
	"""Up to `jobs` kernels at once (a new one starts as soon as any ends);
	each one's output printed, in order, as soon as the earlier ones are out;
	on a terminal, meanwhile, which kernels are still running."""
	tmp = tempfile.mkdtemp(prefix="kvm-sysevent-matrix.", dir=os.environ.get("TMPDIR", "/tmp"))
	procs = []
	n = len(ks)
	tty = view == "brief" and sys.stdout.isatty()
	try:
		done = 0
		shown_at = 0.0
		while done < n:
			while len(procs) < n and \
					sum(1 for p, _, _ in procs if p.poll() is None) < jobs:
				i = len(procs)
				out = open(os.path.join(tmp, f"{i}.out"), "wb")
				err = open(os.path.join(tmp, f"{i}.err"), "wb")
				procs.append((subprocess.Popen(cmd(ks[i], False), stdout=out, stderr=err),
					      out, err))
			p, out, err = procs[done]
			if p.poll() is None:
				if tty and time.monotonic() - shown_at >= 1:
					running = "".join(f" {ks[j].name}" for j in range(done, len(procs))
							  if procs[j][0].poll() is None)
					sys.stdout.write(f"\r\033[K..    kernels: {done}/{n} done, running:"
							 f"{running}  {int(time.monotonic() - start)}s")
					sys.stdout.flush()
					shown_at = time.monotonic()
				time.sleep(0.2)
				continue
			if tty:
				sys.stdout.write("\r\033[K")
				shown_at = 0.0
			out.close()
			err.close()
			print(f"# === kernel {ks[done].name} ({ks[done].given})", flush=True)
			with open(os.path.join(tmp, f"{done}.out"), "rb") as f:
				shutil.copyfileobj(f, sys.stdout.buffer)
			sys.stdout.flush()
			with open(os.path.join(tmp, f"{done}.err"), "rb") as f:
				shutil.copyfileobj(f, sys.stderr.buffer)
			sys.stderr.flush()
			ks[done].rc = _status(p.returncode)
			done += 1
	finally:
		for p, out, err in procs:
			if p.poll() is None:
				p.terminate()
				p.wait()
			out.close()
			err.close()
		shutil.rmtree(tmp, ignore_errors=True)


def _compare_table(names, sets, path):
	"""Without the reporter: one row per leaf result, one column per kernel;
	the rows where the kernels disagree are printed (as # lines), the whole
	table goes to path."""
	order = []
	res = {}
	for j, s in enumerate(sets):
		try:
			with open(os.path.join(s, "ktap.txt"), errors="replace") as f:
				lns = f.read().split("\n")
		except OSError:
			lns = []
		for ln in lns:
			m = re.match(r"^ +((not )?ok [0-9]+ .*)$", ln)
			if not m:
				continue
			line = m.group(1)
			v = "FAIL" if line.startswith("not ok") else \
				("SKIP" if re.search(r"# [Ss][Kk][Ii][Pp]", line) else "PASS")
			t = re.sub(r"^(not )?ok [0-9]+ ", "", line)
			t = re.sub(r" #.*$", "", t)
			if t not in res:
				res[t] = {}
				order.append(t)
			res[t][j] = v
	w = max([8] + [len(t) for t in order])
	hdr = f"{'case':<{w}}" + "".join(f"  {n:<14}" for n in names)
	full = [hdr]
	shown = [hdr]
	ndiff = 0
	for t in order:
		vals = [res[t].get(j, "-") for j in range(len(sets))]
		row = f"{t:<{w}}" + "".join(f"  {v:<14}" for v in vals)
		full.append(row)
		if len(set(vals)) > 1:
			shown.append(row)
			ndiff += 1
	if not ndiff:
		shown.append(f"(all {len(order)} results agree across kernels)")
	with open(path, "w") as f:
		f.write("".join(r + "\n" for r in full))
	for r in shown:
		print(f"# {r}")
	sys.stdout.flush()


# --- required cases --------------------------------------------------------------------

def _series(release):
	"""(X, Y) of a release string (7.3.4+deb13-arm64 -> (7, 3)), or None."""
	m = re.match(r"^(\d+)\.(\d+)", release or "")
	return (int(m.group(1)), int(m.group(2))) if m else None


def required_cases(arch, release=None, path=REQUIRED):
	"""The cases a kernel of arch (the tooling's name) and release must pass,
	not skip: [(what, regex on the leaf test name)]. The one reader of the
	list, which is generated from the promise catalogue (promises.toml).
	Its format: a [ARCH] line starts the cases of an architecture, a
	[ARCH X.Y] line those required from kernel X.Y on (a kernel whose
	release cannot be read gets them too), then `<what>|<ERE>` lines."""
	out = []
	take = False
	have = _series(release)
	with open(path, errors="replace") as f:
		for ln in f:
			ln = ln.rstrip("\n")
			if not ln or ln.startswith("#"):
				continue
			if ln.startswith("[") and ln.endswith("]"):
				sec = ln[1:-1].split()
				since = _series(sec[1]) if len(sec) > 1 else None
				take = bool(sec) and sec[0] == arch and \
					(len(sec) == 1 or have is None or (since is not None and have >= since))
				continue
			if take:
				what, _, rx = ln.partition("|")
				out.append((what, rx))
	return out


def _ere(rx):
	"""An ERE as awk reads it, for Python's re (the lists use the common
	subset: ^ $ . [] () | + * ?, and \\. escapes)."""
	return re.compile(rx)


def verdict(ktap, rx):
	"""Did every leaf result whose name matches rx pass (and was there one)?
	"ok (N)", "missing", "<name> failed, <name> skipped and N more", or
	"no ktap.txt"."""
	try:
		with open(ktap, errors="replace") as f:
			lns = f.read().split("\n")
	except OSError:
		return "no ktap.txt"
	r = _ere(rx)
	n = nbad = 0
	bad = []
	for ln in lns:
		m = re.match(r"^ +((not )?ok [0-9]+ .*)$", ln)
		if not m:
			continue
		line = m.group(1)
		t = re.sub(r"^(not )?ok [0-9]+ ", "", line)
		t = re.sub(r" #.*$", "", t)
		if not r.search(t):
			continue
		n += 1
		v = ""
		if line.startswith("not ok"):
			v = f"{t} failed"
		elif re.search(r"# [Ss][Kk][Ii][Pp]", line):
			v = f"{t} skipped"
		if not v:
			continue
		nbad += 1
		if nbad <= 2:
			bad.append(v)
	if not n:
		return "missing"
	if nbad:
		return ", ".join(bad) + (f" and {nbad - 2} more" if nbad > 2 else "")
	return f"ok ({n})"


def _sets(outdir, nkernels):
	if nkernels > 1:
		return sorted(os.path.join(outdir, d) for d in os.listdir(outdir)
			      if os.path.isfile(os.path.join(outdir, d, "ktap.txt")))
	return [outdir]


def ck_main(argv):
	args = cli.Args(argv)
	jobs = "1"
	outdir = os.path.join(cli.REPO, "results", "check-kernels")
	required = REQUIRED
	timeout_s = "300"
	kernels = []
	table = update = which = listing = None
	while args.more():
		a = args.next()
		if a in ("--jobs", "-o", "--required", "--timeout", "--matrix", "--list-matrix",
			 "--table", "--update"):
			v = args.value(a)
			if a == "--jobs":
				jobs = v
			elif a == "-o":
				outdir = v
			elif a == "--required":
				required = v
			elif a == "--timeout":
				timeout_s = v
			elif a == "--matrix":
				which = v
			elif a == "--list-matrix":
				listing = v
			elif a == "--table":
				table = v
			else:
				update = v
		elif a in ("-h", "--help"):
			sys.stdout.write(CK_USAGE)
			return 0
		elif a.startswith("-"):
			raise cli.Bad(f"unknown option '{a}' (see --help)")
		else:
			kernels.append(a)
	if listing is not None:
		print("\n".join(matrix_kernels(listing)))
		return 0
	if table is not None:
		if not os.path.isfile(required):
			raise cli.Bad(f"no such file: {required}")
		return write_table(table, required, update)
	if which is not None:
		kernels += matrix_kernels(which)
	if not kernels:
		raise cli.Bad("no kernel given (try --help)")
	if not os.path.isfile(required):
		raise cli.Bad(f"no such file: {required}")

	# One result set per kernel, even for one kernel, so the layout is fixed.
	shutil.rmtree(outdir, ignore_errors=True)
	os.makedirs(outdir, exist_ok=True)
	log = os.path.join(outdir, "run.log")
	cmd = [os.path.join(KDIR, "run-in-kernel.sh")]
	for k in kernels:
		cmd += ["--kernel", k]
	cmd += ["--kernel-jobs", jobs, "--kernel-timeout", timeout_s, "-o", outdir]
	start = time.monotonic()
	with open(log, "wb") as lf:
		proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
		for chunk in iter(lambda: proc.stdout.read1(65536), b""):
			sys.stdout.buffer.write(chunk)
			sys.stdout.flush()
			lf.write(chunk)
		rc = proc.wait()
	elapsed = int(time.monotonic() - start)
	with open(log, errors="replace") as f:
		counts = [m for m in (COUNT_RE.match(ln.rstrip("\n")) for ln in f) if m]
	if counts:
		m = counts[-1]
		p, f, s = int(m.group(1)), int(m.group(2)), int(m.group(4) or 0)
	else:
		p, f, s = 0, 1, 0
	if rc != 0 and f == 0:
		f = 1

	# The result sets in the order the kernels were given.
	sets = _sets(outdir, len(kernels))
	given = {st: _kv(os.path.join(st, "kernel.txt")).get("label", "") for st in sets}
	sets.sort(key=lambda st: kernels.index(given[st]) if given[st] in kernels else len(kernels))
	print(f"# === required cases ({os.path.basename(required)})")
	unmet = 0
	for st in sets:
		name = os.path.basename(st) if len(kernels) > 1 else kernels[0]
		kt = _kv(os.path.join(st, "kernel.txt"))
		arch = kt.get("arch") or "x86_64"
		req = required_cases(arch, kt.get("kernel_release"), required)
		for what, rx in req:
			v = verdict(os.path.join(st, "ktap.txt"), rx)
			if v.startswith("ok"):
				print(f"# {name:<14} {what:<40} {v}")
			else:
				print(f"# {name:<14} {what:<40} NOT MET: {v}")
				unmet += 1
		if not req:
			print(f"# {name:<14} {'(' + arch + ')':<40} NOT MET: no required cases for {arch}")
			unmet += 1
	print("# === seconds per kernel (boot and suite, kernel.txt)")
	for st in sets:
		kt = _kv(os.path.join(st, "kernel.txt"))
		name = os.path.basename(st) if len(kernels) > 1 else kernels[0]
		print(f"# {name:<24} {kt.get('kernel_release', '?'):<28} "
		      f"{kt.get('debian_suite') or '-':<18} {kt.get('seconds', '?')}s")
	print(f"# matrix of {len(kernels)} kernels took {elapsed}s")
	print(f"kernels: {p} passed, {f + unmet} failed, {s} skipped", flush=True)
	return 0 if f + unmet == 0 else 1


# --- the "which kernels" table ----------------------------------------------------------

BEGIN = "<!-- kernels-table -->"
END = "<!-- /kernels-table -->"


def table_rows(outdir, required=REQUIRED):
	"""One row per result set of a matrix run in outdir, in lines.toml's
	order (architecture, then line)."""
	data = lines.load()
	line_order = list(data["line"])
	arch_order = list(arches.ARCHES)
	rows = []
	for st in _sets(outdir, 2):
		kt = _kv(os.path.join(st, "kernel.txt"))
		label = kt.get("label", os.path.basename(st))
		a = kt.get("arch", "?")
		try:
			series, _ = lines.parse_kernel_name(label)
		except (lines.BadKernelName, arches.UnknownArch):
			series = "-"
		c = _last_count(os.path.join(st, "summary.txt"))
		req = required_cases(a, kt.get("kernel_release"), required) \
			if a in arches.ARCHES else []
		met = sum(1 for _, rx in req
			  if verdict(os.path.join(st, "ktap.txt"), rx).startswith("ok"))
		rows.append({
			"kernel": label, "line": series, "arch": a,
			"suite": kt.get("debian_suite") or "-",
			"release": kt.get("kernel_release", "?"),
			"version": kt.get("debian_version") or "-",
			"counts": (c[1], c[2], c[3]) if c else None,
			"required": (met, len(req)),
			"seconds": kt.get("seconds", "?"),
			"outcome": kt.get("outcome", "?"),
			"fallback": kt.get("debian_fallback", ""),
		})

	def key(r):
		ai = arch_order.index(r["arch"]) if r["arch"] in arch_order else 99
		li = line_order.index(r["line"]) if r["line"] in line_order else 99
		return ai, li, r["kernel"]
	return sorted(rows, key=key)


def render_table(rows, when=""):
	out = ["| line | arch | Debian suite | kernel (Debian version) | passed | failed | skipped "
	       "| required cases | seconds |",
	       "|---|---|---|---|---:|---:|---:|---|---:|"]
	notes = []
	for r in rows:
		p, f, s = r["counts"] if r["counts"] else ("-", "-", "-")
		met, req = r["required"]
		outcome = "" if r["outcome"] == "ok" else f" ({r['outcome']})"
		out.append(f"| {r['line']} | {r['arch']} | {r['suite']} | {r['release']} "
			   f"({r['version']}){outcome} | {p} | {f} | {s} | {met}/{req} | "
			   f"{r['seconds']} |")
		if r["fallback"]:
			notes.append(f"- {r['kernel']}: {r['fallback']}")
	if when:
		out.append("")
		out.append(when)
	if notes:
		out.append("")
		out += notes
	return "\n".join(out) + "\n"


def write_table(outdir, required, update):
	if not os.path.isdir(outdir):
		raise cli.Bad(f"no such directory: {outdir}")
	rows = table_rows(outdir, required)
	if not rows:
		raise cli.Bad(f"no result sets in {outdir}")
	dates = sorted(_kv(os.path.join(outdir, r, "inventory.txt")).get("date", "")
		       for r in os.listdir(outdir))
	when = f"Written by `kernel/check-kernels.sh --table {outdir}` from a matrix run" + \
		(f" of {dates[-1][:10]}." if dates and dates[-1] else ".")
	text = render_table(rows, when)
	if update is None:
		sys.stdout.write(text)
		return 0
	try:
		with open(update) as f:
			doc = f.read()
	except OSError:
		raise cli.Bad(f"cannot read {update}") from None
	if BEGIN not in doc or END not in doc:
		raise cli.Bad(f"{update} has no {BEGIN} ... {END} block")
	a = doc.index(BEGIN) + len(BEGIN)
	b = doc.index(END)
	new = doc[:a] + "\n" + text + doc[b:]
	if new != doc:
		with open(update + ".new", "w") as f:
			f.write(new)
		os.replace(update + ".new", update)
	return 0


if __name__ == "__main__":
	if len(sys.argv) > 1 and sys.argv[1] == "run-in-kernel":
		cli.run(RIK, rik_main, sys.argv[2:])
	elif len(sys.argv) > 1 and sys.argv[1] == "check-kernels":
		cli.run(CK, ck_main, sys.argv[2:])
	else:
		print("usage: python3 -m sysevent_kernel.matrix run-in-kernel|check-kernels ARGS...",
		      file=sys.stderr)
		sys.exit(2)
