# SPDX-License-Identifier: GPL-2.0
"""kvm-sysevent-report: summaries, JUnit, KCIDB, HTML and comparisons of KTAP results."""

import argparse
import os
import sys
import tempfile

from . import cases, compare, html, junit, kcidb, promises, summary
from .ktap import MalformedInput
from .resultset import InputError, load, load_matrix, matrix_sets

PROG = "kvm-sysevent-report"
MAX_WARNINGS = 20

EPILOG = """\
INPUT is a result-set directory written by `run_tests.sh -o DIR`, a KTAP file
(a test binary's stream, run_tests.sh's combined stream, or kselftest's
run_kselftest.sh output) or `-` for standard input. For summary, html,
compare and required it may also be a kernel matrix's directory
(`run_tests.sh --kernel A --kernel B -o DIR`, `make kernels`): each of its
DIR/<kernel>/ result sets.

The promises (the matrix's rows, the required cases) are the catalogue
promises.toml at the top of the repository ($KVM_SYSEVENT_PROMISES).

exit status:
  0  done (summary: no failure; compare: nothing newly failing)
  1  summary: some result failed; compare: something newly fails
  2  bad usage, an input that cannot be read, or malformed KTAP (the message
     names the line); with --strict also any input warning
  3  internal error (set KVM_SYSEVENT_REPORT_DEBUG=1 for the traceback)
"""


class Fatal(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line and exit status 2, never the whole usage text."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see --help)\n")


def _parser():
    common = _Parser(add_help=False)
    common.add_argument("--strict", action="store_true",
                        help="treat input warnings (contract deviations) as errors")
    common.add_argument("-q", "--quiet", action="store_true", help="do not print input warnings")
    p = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Report on kvm-sysevent KTAP results: terminal summary, JUnit XML, "
                    "KCIDB v5.3 JSON, a self-contained HTML report, and comparisons.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    s = sub.add_parser("summary", parents=[common], help="counts, failures, skips by reason",
                       description="Print counts, failures with the oracle's deviation lines "
                                   "and skips grouped by reason.")
    s.add_argument("inputs", nargs="+", metavar="INPUT")
    s.add_argument("-v", "--verbose", action="store_true",
                   help="list every failure (default: group them when there are many)")

    j = sub.add_parser("junit", parents=[common], help="JUnit XML (GitLab, Jenkins)",
                       description="Write JUnit XML: one testsuite per binary.")
    j.add_argument("input", metavar="INPUT")
    j.add_argument("-o", "--output", default="-", help="output file (default: stdout)")

    k = sub.add_parser("kcidb", parents=[common], help="KCIDB v5.3 JSON",
                       description="Write KCIDB v5.3 JSON tests. Results of the software "
                                   "model and of the SEV-ES test harness are left out: they "
                                   "are not results about the kernel build.")
    k.add_argument("input", metavar="INPUT")
    k.add_argument("--origin", required=True, help="KCIDB origin, [a-z0-9_]+")
    k.add_argument("--build-id", help="build id (default: <origin>:kernel_<release>)")
    k.add_argument("--path-prefix", default="kvm_sysevent",
                   help="test path prefix (default: kvm_sysevent)")
    k.add_argument("--run-id", help="id part for this run (default: a hash of the result set)")
    k.add_argument("-o", "--output", default="-", help="output file (default: stdout)")

    h = sub.add_parser("html", parents=[common], help="self-contained HTML report",
                       description="Write a self-contained HTML report (no JavaScript): the "
                                   "conformance matrix of all INPUTs (a column per backend or "
                                   "kernel), then each INPUT's results.")
    h.add_argument("inputs", nargs="+", metavar="INPUT")
    h.add_argument("-o", "--output",
                   help="output file (default: DIR/report.html for one result set; "
                        "required for several inputs)")

    r = sub.add_parser("required", parents=[common],
                       help="did each kernel pass its architecture's required promises",
                       description="Check every required promise of each result set's "
                                   "architecture (the kernel matrix's check): met when every "
                                   "case that judges it passed (a skip does not) and one "
                                   "exists. Prints one line per kernel and promise, then "
                                   "'required: N met, N not met'; exit 1 when one is not met.")
    r.add_argument("inputs", nargs="+", metavar="INPUT")

    pr = sub.add_parser("promises", help="the catalogue of promises and the files made from it",
                        description="List the catalogue of promises (promises.toml), or "
                                    "write or check the files generated from it "
                                    "(kernel/required-cases.txt, docs/promises.md, README.md's "
                                    "table), or check it against the suite's cases.")
    g = pr.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="rewrite the generated files")
    g.add_argument("--check", action="store_true",
                   help="exit 1 when a generated file is stale, a case of the suite judges "
                        "no promise or a promise names a case that does not exist")
    pr.add_argument("--arch", help="list only the promises of this architecture")

    c = sub.add_parser("compare", parents=[common], help="compare two or more runs",
                       description="Compare runs side by side: newly failing, newly passing, "
                                   "changed skip reasons.")
    c.add_argument("inputs", nargs="+", metavar="INPUT")
    return p


def _load(arg, args):
    try:
        run = load(arg)
    except MalformedInput as exc:
        raise Fatal(f"{exc}") from None
    except InputError as exc:
        raise Fatal(str(exc)) from None
    except OSError as exc:
        raise Fatal(f"{exc.filename or arg}: {exc.strerror or exc}") from None
    return _warn(run, args)


def _load_all(arg, args):
    """The runs of one input: a kernel matrix's directory gives each of its sets."""
    if arg != "-" and matrix_sets(arg):
        try:
            runs = load_matrix(arg)
        except MalformedInput as exc:
            raise Fatal(f"{exc}") from None
        except InputError as exc:
            raise Fatal(str(exc)) from None
        except OSError as exc:
            raise Fatal(f"{exc.filename or arg}: {exc.strerror or exc}") from None
        return [_warn(r, args) for r in runs]
    return [_load(arg, args)]


def _warn(run, args):
    warnings = list(run.problems.format())
    if warnings and not args.quiet:
        for line in warnings[:MAX_WARNINGS]:
            print(f"{PROG}: {line}", file=sys.stderr)
        if len(warnings) > MAX_WARNINGS:
            print(f"{PROG}: {run.source}: {len(warnings) - MAX_WARNINGS} more warnings",
                  file=sys.stderr)
    if warnings and args.strict:
        raise Fatal(f"{run.source}: {len(warnings)} input warning(s) and --strict")
    return run


def _write(path, text):
    if path in (None, "-"):
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise Fatal(f"cannot write {path}: {exc.strerror or exc}") from None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    # An option before the command would otherwise be reported as a missing COMMAND.
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        _parser().error(f"unknown option '{argv[0]}' before the command")
    args = _parser().parse_args(argv)
    cmd = args.command
    try:
        return _command(cmd, args)
    except promises.CatalogueError as exc:
        raise Fatal(str(exc)) from None
    except cases.CaseListError as exc:
        raise Fatal(str(exc)) from None


def _label(run):
    kut = run.info("kernel_under_test", "host")
    return os.path.basename(run.source.rstrip("/")) if kut == "host" else kut


def _required(args):
    runs = [r for a in args.inputs for r in _load_all(a, args)]
    cat = promises.load()
    met = unmet = 0
    for run in runs:
        name = _label(run)
        for v in promises.check_required(run, catalogue=cat):
            what = v.promise.title if v.promise else f"({promises.run_arch(run) or 'unknown'})"
            if v.met:
                met += v.applies
                print(f"# {name:<14} {what:<40} {v.text}")
            else:
                unmet += 1
                print(f"# {name:<14} {what:<40} NOT MET: {v.text}")
    print(f"required: {met} met, {unmet} not met")
    return 1 if unmet else 0


def _promises(args):
    cat = promises.load()
    if args.write:
        for path, text in promises.generated_files(cat).items():
            _write(path, text)
            print(f"wrote {os.path.relpath(path)}")
        return 0
    if args.check:
        problems = [f"{os.path.relpath(p)} is stale (make promises)"
                    for p in promises.stale_files(cat)]
        problems += promises.case_problems(cat, cases.source_cases(promises.TOP))
        for line in problems:
            print(f"{PROG}: {line}", file=sys.stderr)
        print(f"promises: {len(cat)} promises, {len(problems)} problems")
        return 1 if problems else 0
    arch = None
    if args.arch:
        arch = promises.arch_name(args.arch)
        if not arch:
            raise Fatal(f"unknown architecture '{args.arch}' (x86_64, arm64 or riscv64)")
    for p in cat:
        if arch and arch not in p.arches:
            continue
        req = ("required" + (f" from {p.since}" if p.since else "")) if p.required else (
            f"{p.since}+" if p.since else "-")
        print(f"{p.id:<22} {','.join(p.arches):<8} {p.source:<9} {req:<18} "
              f"{p.binary}: {p.cases}")
    return 0


def _command(cmd, args):
    if cmd == "required":
        return _required(args)
    if cmd == "promises":
        return _promises(args)
    if cmd == "summary":
        runs = [r for a in args.inputs for r in _load_all(a, args)]
        failed = False
        for i, run in enumerate(runs):
            if i:
                sys.stdout.write("\n")
            sys.stdout.write(summary.render(run, verbose=args.verbose))
            failed |= run.failed
        return 1 if failed else 0
    if cmd == "compare":
        if len(args.inputs) < 2:
            raise Fatal("compare needs two or more inputs")
        runs = [r for a in args.inputs for r in _load_all(a, args)]
        if len(runs) < 2:
            raise Fatal("compare needs two or more inputs")
        text, newly_failing = compare.render(runs)
        sys.stdout.write(text)
        return 1 if newly_failing else 0
    if cmd == "html":
        runs = [r for a in args.inputs for r in _load_all(a, args)]
        out = args.output
        title = None
        if len(args.inputs) == 1 and args.inputs[0] != "-" and matrix_sets(args.inputs[0]):
            kernels = len(runs)
            title = f"kernel matrix {args.inputs[0].rstrip('/')} ({kernels} result sets)"
            if out is None:
                out = os.path.join(args.inputs[0], "report.html")
        if out is None:
            if len(runs) > 1:
                raise Fatal("html: give -o FILE for several inputs")
            if runs[0].kind != "result-set":
                raise Fatal("html: give -o FILE for a KTAP file or stdin")
            out = os.path.join(runs[0].path, "report.html")
        _write(out, html.render(runs, title=title))
        if out != "-":
            print(f"HTML report: {os.path.abspath(out)}")
        return 0
    run = _load(args.input, args)
    if cmd == "junit":
        _write(args.output, junit.render(run))
        return 0
    if cmd == "kcidb":
        try:
            text, left_out = kcidb.render(run, args.origin, build_id=args.build_id,
                                          path_prefix=args.path_prefix, rid=args.run_id)
        except kcidb.KcidbError as exc:
            raise Fatal(str(exc)) from None
        if left_out:
            print(f"{PROG}: {left_out} result(s) of the software model or the SEV-ES test "
                  "harness left out (not results about the kernel build)", file=sys.stderr)
        _write(args.output, text)
        return 0
    raise Fatal(f"unknown command {cmd}")


def entry(argv=None):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        return main(argv)
    except Fatal as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except RecursionError:
        print(f"{PROG}: error: input nested too deeply", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for users
        if os.environ.get("KVM_SYSEVENT_REPORT_DEBUG"):
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc} "
              "(set KVM_SYSEVENT_REPORT_DEBUG=1 for details)", file=sys.stderr)
        return 3
