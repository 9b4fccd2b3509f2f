# SPDX-License-Identifier: GPL-2.0
"""The suite's case names, from its sources or from a binary's `-l` listing.

From the sources: each test binary of tests.list is run through the C
preprocessor with a stand-in kselftest_harness.h first on the include path,
whose FIXTURE, FIXTURE_VARIANT_ADD, TEST_F (and the rest of the harness's
registering macros) expand to markers. The suite's own macros (MODE_VARIANTS,
SEV_FIXTURE, TERM_REASON, ...) expand as the compiler expands them, so every
case the binary registers is seen, for every architecture, without building
or running anything: the harness names a case fixture.variant.test (or
fixture.test without variants), one per variant and test of the fixture.

From a binary: `BINARY -l` prints the harness's table (fixture, variant,
test); parse_listing() turns it into the same names, so a test can check the
two agree where a binary of this machine's architecture is built.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

# tests.list's folders (the KVM selftests' names) and the architectures.
ARCHDIRS = {"x86_64": "x86_64", "aarch64": "arm64", "riscv": "riscv64"}

STUB_HARNESS = r"""
/* kvm-sysevent-report's stand-in for kselftest_harness.h: markers only. */
#define FIXTURE(f) @KSE@ fixture f @END@ struct _kse_f_##f
#define FIXTURE_DATA(f) struct _kse_f_##f
#define FIXTURE_VARIANT(f) struct _kse_v_##f
#define FIXTURE_VARIANT_ADD(f, v) @KSE@ variant f v @END@ \
	static const struct _kse_v_##f _kse_va_##f##_##v =
#define FIXTURE_SETUP(f) static void _kse_s_##f(void)
#define FIXTURE_TEARDOWN(f) static void _kse_td_##f(void)
#define FIXTURE_TEARDOWN_PARENT(f) static void _kse_td_##f(void)
#define TEST_F(f, t) @KSE@ test f t @END@ static void _kse_t_##f##_##t(void)
#define TEST_F_TIMEOUT(f, t, to) TEST_F(f, t)
#define TEST_F_SIGNAL(f, t, s) TEST_F(f, t)
#define TEST(t) @KSE@ test global t @END@ static void _kse_t_##t(void)
#define TEST_SIGNAL(t, s) TEST(t)
#define TEST_HARNESS_MAIN
"""

MARK_RE = re.compile(r"@KSE@\s+(fixture|variant|test)\s+(\w+)(?:\s+(\w+))?\s+@END@")


class CaseListError(Exception):
    """The case list could not be derived (no compiler, a source that fails)."""


@dataclass
class Binary:
    name: str
    archdir: str
    arch: str
    cases: list = field(default_factory=list)


def read_tests_list(top):
    """[(archdir, binary)] in tests.list's order."""
    path = os.path.join(top, "tests.list")
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise CaseListError(f"{path}: {exc.strerror or exc}") from None
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        archdir, sep, binary = line.partition("/")
        if not sep or archdir not in ARCHDIRS or not re.match(r"^\w+$", binary):
            raise CaseListError(f"{path}:{n}: not <archdir>/<binary>: {line}")
        out.append((archdir, binary))
    return out


def names_from_marks(text):
    """fixture.variant.test names from the preprocessor's markers, in order."""
    fixtures = {}                       # fixture -> (variants, tests)
    for kind, a, b in MARK_RE.findall(text):
        if kind == "fixture":
            fixtures.setdefault(a, ([], []))
        elif kind == "variant":
            fixtures.setdefault(a, ([], []))[0].append(b)
        else:
            fixtures.setdefault(a, ([], []))[1].append(b)
    names = []
    for fix, (variants, tests) in fixtures.items():
        for v in variants or [None]:
            for t in tests:
                names.append(f"{fix}.{v}.{t}" if v else f"{fix}.{t}")
    return names


def _compiler():
    for cc in (os.environ.get("CC"), "cc", "gcc"):
        if cc and shutil.which(cc):
            return cc
    raise CaseListError("no C compiler (cc or gcc) to read the test sources with "
                        "(apt-get install gcc)")


def source_cases(top):
    """{binary: Binary} of every test binary in tests.list, from its source."""
    cc = _compiler()
    out = {}
    with tempfile.TemporaryDirectory(prefix="kvm-sysevent-cases-") as stub:
        with open(os.path.join(stub, "kselftest_harness.h"), "w", encoding="utf-8") as f:
            f.write(STUB_HARNESS)
        with open(os.path.join(stub, "kselftest.h"), "w", encoding="utf-8") as f:
            f.write("/* empty */\n")
        for archdir, binary in read_tests_list(top):
            src = os.path.join(top, archdir, binary + ".c")
            cmd = [cc, "-E", "-P", "-D_GNU_SOURCE", f"-I{stub}",
                   f"-I{os.path.join(top, 'include')}",
                   f"-I{os.path.join(top, 'include', archdir)}",
                   f"-I{os.path.join(top, archdir)}", src]
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
            if proc.returncode != 0:
                err = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
                raise CaseListError(f"{src}: the preprocessor failed: "
                                    f"{err[-1] if err else 'exit ' + str(proc.returncode)}")
            names = names_from_marks(proc.stdout.decode("utf-8", errors="replace"))
            if not names:
                raise CaseListError(f"{src}: no FIXTURE/TEST_F found")
            out[binary] = Binary(name=binary, archdir=archdir, arch=ARCHDIRS[archdir],
                                 cases=names)
    return out


def parse_listing(text):
    """Case names from a kselftest harness binary's `-l` table.

    Each block is `%-20s %-25s %s` lines (fixture on its first line only;
    the i-th line holds the i-th variant and the i-th test), blocks
    separated by dashes; a fixture's cases are its variants x its tests.
    """
    fixtures = []
    cur = None
    for line in text.splitlines():
        if (not line.strip() or line.startswith("#") or line.startswith("KTAP")
                or set(line.strip()) == {"-"}):
            continue
        if line[:1] != " ":
            name = line.split()[0]
            cur = (name, [], [])
            fixtures.append(cur)
            rest = line[max(20, len(name)) + 1:]
        elif cur is None:
            continue
        else:
            rest = line[21:]
        if rest[:1] == " " or not rest:
            variant, test = "", rest.strip()
        else:
            variant, _, test = rest.partition(" ")
            test = test.strip()
        if variant:
            cur[1].append(variant)
        if test:
            cur[2].append(test)
    names = []
    for fix, variants, tests in fixtures:
        for v in variants or [None]:
            for t in tests:
                names.append(f"{fix}.{v}.{t}" if v else f"{fix}.{t}")
    return names
