# SPDX-License-Identifier: GPL-2.0
"""The real-kernel mutants as data (kernel/mutants/catalogue/ARCH/NN-name.toml).

One TOML file per entry: what the bug is (desc, site), what the suite must
say (expect: killed, conformant or unreachable; for killed, `kills`, the
deviation a kill must show, and optionally the oracle's diagnosis id), what
it is built on (base: stock or harness), the kernel lines it applies to, and
its edits. A line whose source moved gets its own edits (and may override
kills, diagnosis or expect) in a [line."NAME"] table. kernel/mutants/README.md
documents the format; nothing here runs shell.

An edit is the anchored, verified replacement edit.pl used to make: ANCHOR
is a fixed string on exactly one line of FILE, OLD a fixed string on one of
the WINDOW lines starting there, and its first occurrence there becomes NEW.
Anything else (anchor missing or repeated, OLD outside the window, nothing
changed) fails loudly, so a newer source whose context moved never turns a
mutant into the stock code.
"""

import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field

from . import arches, lines as lines_mod

CATALOGUE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
			     "mutants", "catalogue")

EXPECTS = ("killed", "conformant", "unreachable")
BASES = ("stock", "harness")
DEFAULT_WINDOW = 20
NAME_RE = re.compile(r"^(\d\d)-([a-z0-9][a-z0-9.-]*)\.toml$")
# The oracle's field names: a word, dots, and an index (system_event.data[0]).
FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+|\[[0-9]+\])*$")
DIAG_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")

_ENTRY_KEYS = {"desc", "site", "expect", "base", "kills", "diagnosis", "lines", "edit", "line",
	       "quick"}
_LINE_KEYS = {"edit", "kills", "diagnosis", "expect"}
_EDIT_KEYS = {"file", "anchor", "old", "new", "window"}


class CatalogueError(ValueError):
	"""A catalogue file that is not a valid entry (the tools exit 2)."""


class EditError(Exception):
	"""An edit that does not apply to this source (verdict edit-failed)."""


@dataclass(frozen=True)
class Edit:
	file: str
	anchor: str
	old: str
	new: str
	window: int = DEFAULT_WINDOW

	def apply_text(self, text, name=None):
		"""text -> (edited text, 1-based line number edited); EditError
		with edit.pl's messages when the edit does not apply."""
		name = name or self.file
		lines = text.splitlines(keepends=True)
		hits = [i for i, ln in enumerate(lines) if self.anchor in ln]
		if len(hits) != 1:
			raise EditError(f"{name}: anchor '{self.anchor}' found on {len(hits)} lines, "
					"need exactly 1")
		at = hits[0]
		for i in range(at, min(at + self.window, len(lines))):
			pos = lines[i].find(self.old)
			if pos < 0:
				continue
			lines[i] = lines[i][:pos] + self.new + lines[i][pos + len(self.old):]
			after = "".join(lines)
			if after == text:
				raise EditError(f"{name}: edit left the file unchanged")
			return after, i + 1
		raise EditError(f"{name}: '{self.old}' not found within {self.window} lines after "
				f"anchor '{self.anchor}' (line {at + 1})")

	def apply(self, root):
		path = os.path.join(root, self.file)
		try:
			with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
				text = f.read()
		except OSError as e:
			raise EditError(f"cannot read {self.file}: {e.strerror}") from None
		text, lineno = self.apply_text(text)
		with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
			f.write(text)
		return lineno


@dataclass(frozen=True)
class Kill:
	"""FIELD[=VALUE]: the deviation that kills a mutant."""
	field: str
	value: str = None

	@classmethod
	def parse(cls, text):
		fld, eq, value = text.partition("=")
		fld = fld.strip()
		if not FIELD_RE.match(fld) or (eq and not value.strip()):
			raise ValueError(f"kills = '{text}' is not FIELD[=VALUE]")
		return cls(fld, value.strip() if eq else None)

	def matches(self, field_name, actual):
		"""Does a deviation (field=, actual=) show this kill?"""
		if field_name != self.field:
			return False
		if self.value is None:
			return True
		return self.value in value_spellings(actual)

	def __str__(self):
		return self.field if self.value is None else f"{self.field}={self.value}"


def value_spellings(actual):
	"""The spellings a kills= VALUE may use for a deviation's actual=:
	itself, its number before `(NAME)`, the NAME, and each comma-separated
	item (`rc=-1,errno=EINVAL` -> `errno=EINVAL`)."""
	out = {actual}
	m = re.match(r"^([^()]*)\((.*)\)$", actual)
	if m:
		out.update((m.group(1), m.group(2)))
	for part in actual.split(","):
		out.add(part.strip())
	return out


@dataclass(frozen=True)
class Edits:
	"""A catalogue entry's edits for one line: a build.Change."""
	name: str
	edits: tuple

	def files(self, root=None):
		seen = []
		for e in self.edits:
			if e.file not in seen:
				seen.append(e.file)
		return seen

	def apply(self, root):
		for e in self.edits:
			e.apply(root)


@dataclass(frozen=True)
class LineView:
	"""An entry as it runs on one line."""
	entry: "Entry"
	line: str
	expect: str
	kills: Kill
	diagnosis: str
	edits: tuple

	@property
	def name(self):
		return self.entry.name

	def change(self):
		return Edits(self.entry.name, self.edits)


@dataclass(frozen=True)
class Entry:
	name: str
	order: int
	path: str
	arch: str
	desc: str
	site: str
	expect: str
	base: str
	kills: Kill
	diagnosis: str
	lines: tuple			# None: every mutant line of the arch
	edits: tuple
	per_line: dict = field(default_factory=dict)	# line -> dict of overrides
	quick: bool = False		# in make check's subset (mutants.sh --quick)

	def applies_to(self, line):
		return self.lines is None or line in self.lines

	def on(self, line):
		"""This entry on LINE (a LineView), or None where it does not apply."""
		if not self.applies_to(line):
			return None
		o = self.per_line.get(line, {})
		return LineView(self, line, o.get("expect", self.expect), o.get("kills", self.kills),
				o.get("diagnosis", self.diagnosis), o.get("edits", self.edits))


def _edits(raw, where):
	if not isinstance(raw, list) or not raw:
		raise CatalogueError(f"{where}: needs at least one [[edit]] table")
	out = []
	for i, e in enumerate(raw, 1):
		w = f"{where}: edit {i}"
		if not isinstance(e, dict):
			raise CatalogueError(f"{w}: not a table")
		extra = set(e) - _EDIT_KEYS
		if extra:
			raise CatalogueError(f"{w}: unknown key {sorted(extra)[0]}")
		for k in ("file", "anchor", "old", "new"):
			if not isinstance(e.get(k), str):
				raise CatalogueError(f"{w}: {k} = \"...\" is required")
		if not e["anchor"] or not e["old"]:
			raise CatalogueError(f"{w}: anchor and old must not be empty")
		if e["file"].startswith("/") or ".." in e["file"].split("/"):
			raise CatalogueError(f"{w}: file must be a path inside the kernel tree")
		window = e.get("window", DEFAULT_WINDOW)
		if not isinstance(window, int) or isinstance(window, bool) or window < 1:
			raise CatalogueError(f"{w}: window must be a positive number")
		out.append(Edit(e["file"], e["anchor"], e["old"], e["new"], window))
	return tuple(out)


def _kill_fields(raw, where, expect, need):
	kills = raw.get("kills")
	diag = raw.get("diagnosis", None)
	k = None
	if kills is not None:
		if not isinstance(kills, str):
			raise CatalogueError(f"{where}: kills must be a string")
		try:
			k = Kill.parse(kills)
		except ValueError as e:
			raise CatalogueError(f"{where}: {e}") from None
	if diag is not None and (not isinstance(diag, str) or not DIAG_RE.match(diag)):
		raise CatalogueError(f"{where}: diagnosis must be an oracle diagnosis id "
				     "(lower case, digits, dots, dashes)")
	if expect == "killed" and need and k is None:
		raise CatalogueError(f"{where}: a killed entry must name what kills it: "
				     "kills = \"FIELD[=VALUE]\"")
	if expect != "killed" and (k is not None or diag is not None):
		raise CatalogueError(f"{where}: kills and diagnosis are for killed entries only")
	return k, diag


def parse(path, arch, known_lines=None):
	"""One catalogue file -> Entry; CatalogueError when it is not valid."""
	base_name = os.path.basename(path)
	m = NAME_RE.match(base_name)
	if not m:
		raise CatalogueError(f"{path}: the file name must be NN-name.toml")
	try:
		with open(path, "rb") as f:
			raw = tomllib.load(f)
	except OSError as e:
		raise CatalogueError(f"{path}: {e.strerror}") from None
	except tomllib.TOMLDecodeError as e:
		raise CatalogueError(f"{path}: not TOML: {e}") from None
	extra = set(raw) - _ENTRY_KEYS
	if extra:
		raise CatalogueError(f"{path}: unknown key {sorted(extra)[0]}")
	for k in ("desc", "site"):
		if not isinstance(raw.get(k), str) or not raw[k].strip():
			raise CatalogueError(f"{path}: {k} = \"...\" is required")
	expect = raw.get("expect")
	if expect not in EXPECTS:
		raise CatalogueError(f"{path}: expect must be one of {', '.join(EXPECTS)}")
	base = raw.get("base", "stock")
	if base not in BASES:
		raise CatalogueError(f"{path}: base must be stock or harness")
	kills, diag = _kill_fields(raw, path, expect, True)
	quick = raw.get("quick", False)
	if not isinstance(quick, bool):
		raise CatalogueError(f"{path}: quick must be true or false")
	lines = raw.get("lines")
	if lines is not None:
		if (not isinstance(lines, list) or not lines
		    or not all(isinstance(x, str) for x in lines)):
			raise CatalogueError(f"{path}: lines must be a list of line names")
		lines = tuple(lines)
	edits = _edits(raw.get("edit"), path)
	per_line = {}
	line_tables = raw.get("line", {})
	if not isinstance(line_tables, dict):
		raise CatalogueError(f"{path}: line must be a table of line tables")
	for ln, t in line_tables.items():
		w = f"{path}: line {ln}"
		if not isinstance(t, dict):
			raise CatalogueError(f"{w}: not a table")
		extra = set(t) - _LINE_KEYS
		if extra:
			raise CatalogueError(f"{w}: unknown key {sorted(extra)[0]}")
		o = {}
		if "expect" in t:
			if t["expect"] not in EXPECTS:
				raise CatalogueError(f"{w}: expect must be one of {', '.join(EXPECTS)}")
			o["expect"] = t["expect"]
		lexpect = o.get("expect", expect)
		if "kills" in t or "diagnosis" in t:
			k, d = _kill_fields(t, w, lexpect, False)
			if "kills" in t:
				o["kills"] = k
			if "diagnosis" in t:
				o["diagnosis"] = d
		if lexpect == "killed" and o.get("kills", kills) is None:
			raise CatalogueError(f"{w}: a killed entry must name what kills it")
		if lexpect != "killed":
			o.setdefault("kills", None)
			o.setdefault("diagnosis", None)
		if "edit" in t:
			o["edits"] = _edits(t["edit"], w)
		per_line[ln] = o
	if known_lines is not None:
		for ln in list(lines or ()) + list(per_line):
			if ln not in known_lines:
				raise CatalogueError(f"{path}: unknown line '{ln}' "
						     f"(lines.toml has {', '.join(known_lines)})")
	a = arches.get(arch)
	for e in edits + tuple(x for o in per_line.values() for x in o.get("edits", ())):
		if not any(e.file.startswith(d + "/") for d in a.kvm_src_dirs):
			raise CatalogueError(f"{path}: {e.file} is outside KVM's source "
					     f"({' '.join(a.kvm_src_dirs)})")
	return Entry(name=m.group(2), order=int(m.group(1)), path=path, arch=a.name,
		     desc=raw["desc"].strip(), site=raw["site"].strip(), expect=expect, base=base,
		     kills=kills, diagnosis=diag, lines=lines, edits=edits, per_line=per_line,
		     quick=quick)


def catalogue_dir(arch, root=None):
	return os.path.join(root or CATALOGUE_DIR, arches.get(arch).name)


def load(arch, root=None, only=None):
	"""Every entry of ARCH's catalogue, in file order; `only` is a list of
	name globs. CatalogueError on a bad file, two entries with one name, or
	an `only` that matches nothing."""
	d = catalogue_dir(arch, root)
	if not os.path.isdir(d):
		raise CatalogueError(f"no catalogue at {d}")
	known = list(lines_mod.lines())
	entries = []
	names = {}
	for fn in sorted(os.listdir(d)):
		if fn.startswith(".") or os.path.isdir(os.path.join(d, fn)):
			continue
		e = parse(os.path.join(d, fn), arch, known)
		if e.name in names:
			raise CatalogueError(f"catalogue: two entries named {e.name} "
					     f"({names[e.name]}, {e.path})")
		names[e.name] = e.path
		entries.append(e)
	if only:
		entries = [e for e in entries if any(fnmatch.fnmatchcase(e.name, g) for g in only)]
		if not entries:
			raise CatalogueError("no catalogue entry matches --only")
	return entries
