# SPDX-License-Identifier: GPL-2.0
"""The catalogue of promises (promises.toml at the top of the repository).

One entry per promise of the ABI: what is promised, where (api.rst, the GHCB
specification, PSCI, SBI), on which architectures and backends, which cases
judge it, whether every kernel must pass it and from which kernel version
on. Everything that lists promises is made from it: the HTML report's
conformance matrix (matrix.py), the required cases of the kernel matrix
(kernel/required-cases.txt, and check_required() for tools in Python) and
the docs' tables (docs/promises.md, README.md); `generate()` writes those
files, and the reporter's tests fail when one of them is stale.
"""

import os
import re
import tomllib
from dataclasses import dataclass

from .ktap import PASSED, SKIPPED

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_PATH = os.path.join(TOP, "promises.toml")

# Sources, in the order the matrix and the docs group promises.
SOURCES = {
    "api.rst": "api.rst: KVM's API documentation (Documentation/virt/kvm/api.rst)",
    "GHCB spec": "GHCB spec: AMD's GHCB specification (SEV-ES guest-hypervisor protocol)",
    "PSCI": "PSCI: Arm's Power State Coordination Interface",
    "SBI": "SBI: the RISC-V Supervisor Binary Interface",
}
ARCHES = ("x86_64", "arm64", "riscv64")
ARCH_ALIASES = {"x86_64": "x86_64", "amd64": "x86_64", "x86": "x86_64",
                "arm64": "arm64", "aarch64": "arm64",
                "riscv64": "riscv64", "riscv": "riscv64"}
BACKENDS = ("kernel", "hardware", "harness", "model")
FIELDS = ("exit_reason", "system_event.type", "system_event.type.bit31",
          "system_event.ndata", "system_event.data[0]")
PROFILES = ("upstream", "proposal-2022")
SWEEPS = ("loop", "per-vm")

KEYS = {"id", "title", "promise", "source", "arches", "backends", "binary", "cases",
        "required", "since", "field", "profile", "sweep"}
NEEDED = ("id", "title", "promise", "source", "arches", "backends", "binary", "cases",
          "required")
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SINCE_RE = re.compile(r"^(\d+)\.(\d+)$")
# What a case pattern may use, so that awk's ERE reads it as Python does.
ERE_SAFE_RE = re.compile(r"^(?:[A-Za-z0-9_\-]|\\\.|[.^$|()\[\]*+?])+$")
RELEASE_RE = re.compile(r"^(\d+)\.(\d+)")


class CatalogueError(Exception):
    """A catalogue that cannot be read or breaks its own rules (one line)."""


@dataclass(frozen=True)
class Promise:
    id: str
    title: str
    promise: str
    source: str
    arches: tuple
    backends: tuple
    binary: str
    cases: str
    required: bool
    since: str = ""
    field: str = ""
    profile: str = ""
    sweep: str = ""

    @property
    def pattern(self):
        return _compiled(self.cases)

    @property
    def since_version(self):
        return version(self.since) if self.since else None

    def judges(self, binary, case_name):
        """Does the case @case_name of @binary judge this promise (profile and
        sweep aside)?"""
        return binary == self.binary and self.pattern.search(case_name) is not None

    def applies_to(self, release):
        """False when @release is older than `since` (None: unknown, applies)."""
        v = version(release) if isinstance(release, str) else release
        return not (self.since and v is not None and v < self.since_version)


_PATTERNS = {}


def _compiled(text):
    if text not in _PATTERNS:
        _PATTERNS[text] = re.compile(text)
    return _PATTERNS[text]


def version(text):
    """(major, minor) of a kernel release or an X.Y version, else None."""
    m = RELEASE_RE.match(text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def arch_name(spelling):
    """The catalogue's name of an architecture (uname -m, Debian's, ours)."""
    return ARCH_ALIASES.get((spelling or "").strip())


class Catalogue:
    def __init__(self, promises, path):
        self.promises = promises
        self.path = path
        self.by_id = {p.id: p for p in promises}

    def __iter__(self):
        return iter(self.promises)

    def __len__(self):
        return len(self.promises)

    def grouped(self):
        """[(source, [promises])] in SOURCES order, catalogue order within."""
        return [(s, [p for p in self.promises if p.source == s]) for s in SOURCES
                if any(p.source == s for p in self.promises)]

    def for_arch(self, arch):
        return [p for p in self.promises if arch in p.arches]

    def binary_arches(self):
        """{binary: architecture} as the catalogue's promises say."""
        out = {}
        for p in self.promises:
            out.setdefault(p.binary, set()).update(p.arches)
        return out

    def judged_by(self, binary, case_name):
        return [p for p in self.promises if p.judges(binary, case_name)]

    def required(self, arch, release=None):
        """The required promises of @arch that apply to @release (None: all)."""
        return [p for p in self.promises if p.required and arch in p.arches
                and (release is None or p.applies_to(release))]


def _fail(path, where, message):
    raise CatalogueError(f"{path}: {where}: {message}")


def parse(text, path="promises.toml"):
    """A Catalogue from the catalogue's text; CatalogueError on any breach."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not TOML: {exc}") from None
    extra = set(data) - {"promise"}
    if extra:
        _fail(path, "top level", f"unknown table {sorted(extra)[0]!r} (only [[promise]])")
    entries = data.get("promise")
    if not isinstance(entries, list) or not entries:
        _fail(path, "top level", "no [[promise]] entries")
    promises = []
    seen = set()
    for n, e in enumerate(entries, 1):
        where = f"promise {n}" + (f" ({e['id']})" if isinstance(e.get("id"), str) else "")
        unknown = set(e) - KEYS
        if unknown:
            _fail(path, where, f"unknown key {sorted(unknown)[0]!r}")
        for k in NEEDED:
            if k not in e:
                _fail(path, where, f"no {k!r}")
        for k in KEYS - {"arches", "backends", "required"}:
            if k in e and (not isinstance(e[k], str) or not e[k].strip()):
                _fail(path, where, f"{k!r} must be a non-empty string")
        if not ID_RE.match(e["id"]):
            _fail(path, where, "id must be lower-case words joined by '-'")
        if e["id"] in seen:
            _fail(path, where, "id given twice")
        seen.add(e["id"])
        if "\n" in e["promise"] or "\n" in e["title"]:
            _fail(path, where, "title and promise are one line each")
        if e["source"] not in SOURCES:
            _fail(path, where, f"source {e['source']!r} is not one of {', '.join(SOURCES)}")
        for k, allowed in (("arches", ARCHES), ("backends", BACKENDS)):
            v = e[k]
            if not isinstance(v, list) or not v or any(x not in allowed for x in v):
                _fail(path, where, f"{k!r} must be a list of {', '.join(allowed)}")
            if len(set(v)) != len(v):
                _fail(path, where, f"{k!r} names one twice")
        if not isinstance(e["required"], bool):
            _fail(path, where, "'required' must be true or false")
        if not re.match(r"^\w+$", e["binary"]):
            _fail(path, where, "'binary' must be a binary's name")
        if not ERE_SAFE_RE.match(e["cases"]):
            _fail(path, where, "'cases' may use only letters, digits, _ - \\. and "
                  ". ^ $ | ( ) [ ] * + ? (it is read as a POSIX ERE too)")
        try:
            re.compile(e["cases"])
        except re.error as exc:
            _fail(path, where, f"'cases' is not a regular expression: {exc}")
        if "since" in e and not SINCE_RE.match(e["since"]):
            _fail(path, where, "'since' is a kernel version X.Y")
        if "field" in e and e["field"] not in FIELDS:
            _fail(path, where, f"'field' is one of {', '.join(FIELDS)}")
        if "profile" in e and e["profile"] not in PROFILES:
            _fail(path, where, f"'profile' is one of {', '.join(PROFILES)}")
        if "sweep" in e and e["sweep"] not in SWEEPS:
            _fail(path, where, f"'sweep' is one of {', '.join(SWEEPS)}")
        if e["required"] and "kernel" not in e["backends"]:
            _fail(path, where, "a required promise is judged on the kernel backend")
        promises.append(Promise(
            id=e["id"], title=e["title"].strip(), promise=e["promise"].strip(),
            source=e["source"], arches=tuple(e["arches"]), backends=tuple(e["backends"]),
            binary=e["binary"], cases=e["cases"], required=e["required"],
            since=e.get("since", ""), field=e.get("field", ""),
            profile=e.get("profile", ""), sweep=e.get("sweep", "")))
    return Catalogue(promises, path)


_CACHE = {}


def load(path=None):
    """The catalogue at @path ($KVM_SYSEVENT_PROMISES, else the repository's)."""
    path = path or os.environ.get("KVM_SYSEVENT_PROMISES") or DEFAULT_PATH
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        if key not in _CACHE:
            with open(path, encoding="utf-8") as f:
                _CACHE[key] = parse(f.read(), path)
        return _CACHE[key]
    except OSError as exc:
        raise CatalogueError(f"{path}: {exc.strerror or exc} (the catalogue of promises)") \
            from None
    except UnicodeDecodeError:
        raise CatalogueError(f"{path}: not UTF-8") from None


# ---- The required cases of a kernel ---------------------------------------

@dataclass
class Verdict:
    promise: Promise
    met: bool               # False: not met (a failure of the kernel matrix)
    applies: bool           # False: n/a for this kernel (older than `since`)
    text: str               # "ok (3)", "missing", "hyperv.long.crash skipped", "n/a ..."


def run_arch(run, catalogue=None):
    """The architecture of a result set: its inventory's, else its binaries'."""
    a = arch_name(run.info("arch", ""))
    if a:
        return a
    cat = catalogue or load()
    arches = cat.binary_arches()
    seen = set()
    for b in run.binaries:
        seen |= arches.get(b.name, set())
    return sorted(seen)[0] if len(seen) == 1 else None


def check_required(run, arch=None, release=None, catalogue=None):
    """[Verdict] for every required promise of the run's architecture.

    A promise is met when at least one case judges it in this run and every
    such case passed (a skip does not meet it). One older than its `since`
    does not apply. An architecture with no required promise is a Verdict
    with promise None, not met.
    """
    cat = catalogue or load()
    arch = arch or run_arch(run, cat)
    release = release if release is not None else run.info("kernel_release", "")
    out = []
    for p in cat.required(arch):
        if not p.applies_to(release):
            out.append(Verdict(p, True, False, f"n/a (applies from {p.since})"))
            continue
        found = [c for b in run.binaries if b.name == p.binary for c in b.cases
                 if p.pattern.search(c.name)]
        bad = [f"{c.name} {'skipped' if c.status in SKIPPED else 'failed'}"
               for c in found if c.status not in PASSED]
        if not found:
            out.append(Verdict(p, False, True, "missing"))
        elif bad:
            more = f" and {len(bad) - 2} more" if len(bad) > 2 else ""
            out.append(Verdict(p, False, True, ", ".join(bad[:2]) + more))
        else:
            out.append(Verdict(p, True, True, f"ok ({len(found)})"))
    if not out:
        out.append(Verdict(None, False, True, f"no required cases for {arch or 'unknown'}"))
    return out


# ---- Generated files ----------------------------------------------------------

GENERATED = "generated from promises.toml by `make promises`; do not edit"


def required_cases_text(cat):
    """kernel/required-cases.txt: the required promises, per architecture."""
    out = [
        "# SPDX-License-Identifier: GPL-2.0",
        "#",
        f"# The cases `make check-kernels` requires to PASS (not skip) inside every kernel it",
        f"# boots, per architecture: {GENERATED}.",
        "# A [ARCH] line starts the cases of that architecture, [ARCH X.Y] those required",
        "# from kernel X.Y on (a reader that does not know versions skips those sections).",
        "# One per line: <what>|<ERE on the leaf test name>. Every leaf result whose name",
        "# matches must pass, and one must exist. A kernel whose architecture has no section",
        "# fails the check.",
    ]
    for arch in ARCHES:
        req = [p for p in cat.required(arch)]
        for since in [""] + sorted({p.since for p in req if p.since}, key=version):
            group = [p for p in req if p.since == since]
            if not group:
                continue
            out.append("")
            out.append(f"[{arch}{' ' + since if since else ''}]")
            for p in group:
                out.append(f"{p.title}|{p.cases}")
    return "\n".join(out) + "\n"


def _md(text):
    return text.replace("|", "\\|")


def _arches(p):
    return ", ".join(p.arches)


def promises_md(cat):
    """docs/promises.md: every promise, grouped by source."""
    out = [
        "<!-- SPDX-License-Identifier: GPL-2.0 -->",
        f"<!-- {GENERATED} -->",
        "# The promises kvm-sysevent judges",
        "",
        "One row per promise of the ABI, from the one catalogue, `promises.toml`. A case fails",
        "only on a promise; what one kernel merely does is printed `# observed:` and shown in",
        "the report beside the matrix, never required. **required**: every kernel",
        "`make check-kernels` boots for that architecture must pass every matching case (a",
        "skip does not count), from **since** on when it says a version. Judged by: the",
        "binary and the pattern on its case names (`fixture.variant.test`).",
        "",
        "| architecture | promises | required |",
        "|---|---|---|",
    ]
    for arch in ARCHES:
        ps = cat.for_arch(arch)
        out.append(f"| {arch} | {len(ps)} | {sum(p.required for p in ps)} |")
    for source, ps in cat.grouped():
        out += ["", f"## {_md(SOURCES[source])}", "",
                "| id | architecture | promise | judged by | backends | required | since |",
                "|---|---|---|---|---|---|---|"]
        for p in ps:
            extra = "".join(f", {k} {v}" for k, v in (("field", p.field),
                                                       ("profile", p.profile),
                                                       ("sweep", p.sweep)) if v)
            out.append(f"| `{p.id}` | {_arches(p)} | **{_md(p.title)}**: {_md(p.promise)} | "
                       f"`{p.binary}`: `{_md(p.cases)}`{_md(extra)} | "
                       f"{', '.join(p.backends)} | {'yes' if p.required else 'no'} | "
                       f"{p.since or ''} |")
    return "\n".join(out) + "\n"


README_BEGIN = f"<!-- promises: {GENERATED} -->"
README_END = "<!-- end of promises -->"


def readme_table(cat):
    """The table README.md's "What it checks" holds between its markers."""
    out = [README_BEGIN,
           "| source | architecture | promise | required |",
           "|---|---|---|---|"]
    for source, ps in cat.grouped():
        for p in ps:
            req = "yes" if p.required else "no"
            if p.required and p.since:
                req = f"from {p.since}"
            elif p.since:
                req = f"no ({p.since}+)"
            out.append(f"| {source} | {_arches(p)} | **{_md(p.title)}**: {_md(p.promise)} | "
                       f"{req} |")
    out.append(README_END)
    return "\n".join(out)


def readme_with_table(text, cat):
    """README.md's text with its generated table replaced; CatalogueError
    without the markers."""
    b, e = text.find(README_BEGIN), text.find(README_END)
    if b < 0 or e < b:
        raise CatalogueError(f"README.md: no '{README_BEGIN}' ... '{README_END}' markers")
    return text[:b] + readme_table(cat) + text[e + len(README_END):]


def generated_files(cat, top=TOP):
    """{path: wanted text} of every file made from the catalogue."""
    readme = os.path.join(top, "README.md")
    try:
        with open(readme, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise CatalogueError(f"{readme}: {exc.strerror or exc}") from None
    return {
        os.path.join(top, "kernel", "required-cases.txt"): required_cases_text(cat),
        os.path.join(top, "docs", "promises.md"): promises_md(cat),
        readme: readme_with_table(text, cat),
    }


def stale_files(cat, top=TOP):
    """The generated files whose text is not what the catalogue makes."""
    stale = []
    for path, want in generated_files(cat, top).items():
        try:
            with open(path, encoding="utf-8") as f:
                have = f.read()
        except OSError:
            have = None
        if have != want:
            stale.append(path)
    return stale


# ---- The catalogue against the suite ------------------------------------------

def case_problems(cat, suite):
    """One line per disagreement between the catalogue and the suite's cases.

    @suite is {binary: cases.Binary} (cases.source_cases()). A promise must
    name a binary of tests.list, of the architecture it applies to, and a
    pattern that matches at least one of its cases; every case of every
    binary must judge at least one promise.
    """
    out = []
    for p in cat:
        b = suite.get(p.binary)
        if b is None:
            out.append(f"promise {p.id}: no binary {p.binary} in tests.list")
            continue
        if p.arches != (b.arch,):
            out.append(f"promise {p.id}: {p.binary} is the {b.arch} suite's, but the promise "
                       f"names {', '.join(p.arches)}")
        if not any(p.pattern.search(c) for c in b.cases):
            out.append(f"promise {p.id}: '{p.cases}' matches no case of {p.binary}")
    for b in suite.values():
        for c in b.cases:
            if not cat.judged_by(b.name, c):
                out.append(f"{b.name}: {c} judges no promise (add it to promises.toml)")
    return out
