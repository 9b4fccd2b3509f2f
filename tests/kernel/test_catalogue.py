# SPDX-License-Identifier: GPL-2.0
"""The mutant catalogue's parser (kernel/sysevent_kernel/catalogue.py): the
anchored edits, the file format, and the catalogue as shipped."""

import os
import sys
import textwrap

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import catalogue, lines  # noqa: E402

SAMPLE = textwrap.dedent("""\
	static int f(void)
	{
		if (check(REQ_A)) {
			run->type = TYPE_A;
			run->ndata = 0;
			return 0;
		}
		if (check(REQ_B)) {
			run->type = TYPE_B;
			run->ndata = 0;
			return 0;
		}
		return 1;
	}
	""")


def edit(anchor, old, new, window=20):
	return catalogue.Edit("arch/x86/kvm/x.c", anchor, old, new, window)


# --- one edit ---------------------------------------------------------------------

def test_edit_changes_the_line_after_its_anchor():
	text, lineno = edit("check(REQ_B)", "ndata = 0;", "ndata = 1;", 3).apply_text(SAMPLE)
	assert lineno == 10
	assert text.splitlines()[9] == "\t\trun->ndata = 1;"
	assert text.count("ndata = 1;") == 1


def test_edit_writes_newlines_and_tabs():
	text, _ = edit("check(REQ_A)", "ndata = 0;", "ndata = 0;\n\t\tmemset(x, 0, 8);", 3) \
		.apply_text(SAMPLE)
	assert "\t\tmemset(x, 0, 8);" in text.splitlines()


@pytest.mark.parametrize("anchor,old,new,window,msg", [
	("check(REQ_C)", "ndata = 0;", "ndata = 1;", 20, "found on 0 lines"),
	("run->type", "ndata = 0;", "x", 20, "found on 2 lines"),
	("check(REQ_A)", "return 1;", "return 2;", 5, "not found within 5 lines"),
	("check(REQ_A)", "ndata = 0;", "ndata = 0;", 20, "unchanged"),
])
def test_edit_fails_loudly(anchor, old, new, window, msg):
	with pytest.raises(catalogue.EditError, match=msg):
		edit(anchor, old, new, window).apply_text(SAMPLE)


def test_failed_edit_leaves_the_file(tmp_path):
	f = tmp_path / "arch/x86/kvm/x.c"
	f.parent.mkdir(parents=True)
	f.write_text(SAMPLE)
	with pytest.raises(catalogue.EditError):
		edit("check(REQ_C)", "ndata = 0;", "x").apply(tmp_path)
	assert f.read_text() == SAMPLE
	assert edit("check(REQ_A)", "TYPE_A", "TYPE_C").apply(tmp_path) == 4
	assert "TYPE_C" in f.read_text()


# --- kills -----------------------------------------------------------------------

@pytest.mark.parametrize("spec,field,actual,hit", [
	("exit_reason=KVM_EXIT_SHUTDOWN", "exit_reason", "0x8(KVM_EXIT_SHUTDOWN)", True),
	("exit_reason=0x8", "exit_reason", "0x8(KVM_EXIT_SHUTDOWN)", True),
	("exit_reason=KVM_EXIT_HLT", "exit_reason", "0x8(KVM_EXIT_SHUTDOWN)", False),
	("KVM_RUN=errno=EINVAL", "KVM_RUN", "rc=-1,errno=EINVAL", True),
	("KVM_RUN=errno=EIO", "KVM_RUN", "rc=-1,errno=EINVAL", False),
	("system_event.ndata", "system_event.ndata", "0xa5a5a5a5", True),
	("system_event.ndata", "system_event.type", "0x1(SHUTDOWN)", False),
	("system_event.data[0]=0x41", "system_event.data[0]", "0x41", True),
	("system_event.type=RESET", "system_event.type", "0x2(RESET)", True),
])
def test_kill_matches(spec, field, actual, hit):
	assert catalogue.Kill.parse(spec).matches(field, actual) is hit


@pytest.mark.parametrize("spec", ["", "=x", "exit reason", "a=", "data[x]"])
def test_kill_refuses(spec):
	with pytest.raises(ValueError):
		catalogue.Kill.parse(spec)


# --- files ----------------------------------------------------------------------

ENTRY = textwrap.dedent("""\
	# SPDX-License-Identifier: GPL-2.0
	desc = "x"
	site = "y"
	expect = "killed"
	kills = "system_event.ndata=0x1"
	diagnosis = "ndata-extra"

	[[edit]]
	file = "arch/x86/kvm/x86.c"
	anchor = "a"
	old = "b"
	new = "c"
	window = 6
	""")


def write(tmp_path, text, name="10-sample.toml"):
	p = tmp_path / name
	p.write_text(text)
	return str(p)


def parse(tmp_path, text, name="10-sample.toml", arch="x86_64"):
	return catalogue.parse(write(tmp_path, text, name), arch, list(lines.lines()))


def test_parse_an_entry(tmp_path):
	e = parse(tmp_path, ENTRY)
	assert (e.name, e.order, e.expect, e.base) == ("sample", 10, "killed", "stock")
	assert str(e.kills) == "system_event.ndata=0x1" and e.diagnosis == "ndata-extra"
	assert e.edits == (catalogue.Edit("arch/x86/kvm/x86.c", "a", "b", "c", 6),)
	assert e.applies_to("6.12") and e.applies_to("latest")
	v = e.on("latest")
	assert v.edits == e.edits and v.kills == e.kills


def test_per_line_edits_and_kills(tmp_path):
	e = parse(tmp_path, ENTRY + textwrap.dedent("""\
		[line."latest"]
		kills = "exit_reason=KVM_EXIT_HLT"
		diagnosis = "request-dropped"
		[[line."latest".edit]]
		file = "arch/x86/kvm/x86.c"
		anchor = "moved"
		old = "b"
		new = "c"
		"""))
	v = e.on("latest")
	assert v.edits[0].anchor == "moved" and v.edits[0].window == catalogue.DEFAULT_WINDOW
	assert str(v.kills) == "exit_reason=KVM_EXIT_HLT" and v.diagnosis == "request-dropped"
	assert e.on("6.12").edits[0].anchor == "a"


def test_lines_limit_an_entry(tmp_path):
	e = parse(tmp_path, ENTRY.replace('expect = "killed"', 'expect = "killed"\nlines = ["latest"]'))
	assert e.on("6.12") is None and e.on("latest") is not None


@pytest.mark.parametrize("change,msg", [
	(('expect = "killed"', 'expect = "maybe"'), "expect must be"),
	(('kills = "system_event.ndata=0x1"\n', ''), "must name what kills it"),
	(('kills = "system_event.ndata=0x1"', 'kills = "nd ata"'), "FIELD"),
	(('diagnosis = "ndata-extra"', 'diagnosis = "Ndata extra"'), "diagnosis"),
	(('desc = "x"\n', ''), "desc"),
	(('expect = "killed"', 'expect = "killed"\nbase = "kernel"'), "base must be"),
	(('arch/x86/kvm/x86.c', 'mm/memory.c'), "outside KVM's source"),
	(('arch/x86/kvm/x86.c', '../x86.c'), "inside the kernel tree"),
	(('window = 6', 'window = 0'), "window"),
	(('anchor = "a"', 'anchor = ""'), "must not be empty"),
	(('[[edit]]', '[[edits]]'), "unknown key"),
	(('expect = "killed"', 'expect = "killed"\nlines = ["7.99"]'), "unknown line"),
	(('desc = "x"', 'desc = "x'), "not TOML"),
])
def test_bad_entries_are_refused(tmp_path, change, msg):
	with pytest.raises(catalogue.CatalogueError, match=msg):
		parse(tmp_path, ENTRY.replace(*change))


def test_conformant_entries_name_no_kill(tmp_path):
	with pytest.raises(catalogue.CatalogueError, match="killed entries only"):
		parse(tmp_path, ENTRY.replace('expect = "killed"', 'expect = "conformant"'))


def test_file_names(tmp_path):
	with pytest.raises(catalogue.CatalogueError, match="NN-name.toml"):
		parse(tmp_path, ENTRY, name="sample.toml")
	with pytest.raises(catalogue.CatalogueError, match="NN-name.toml"):
		parse(tmp_path, ENTRY, name="10-sample.mut")


def test_two_entries_one_name(tmp_path):
	d = tmp_path / "x86_64"
	d.mkdir()
	(d / "10-same.toml").write_text(ENTRY)
	(d / "20-same.toml").write_text(ENTRY)
	with pytest.raises(catalogue.CatalogueError, match="two entries named same"):
		catalogue.load("x86_64", root=str(tmp_path))


def test_only_that_matches_nothing(tmp_path):
	d = tmp_path / "x86_64"
	d.mkdir()
	(d / "10-one.toml").write_text(ENTRY)
	assert [e.name for e in catalogue.load("x86_64", root=str(tmp_path), only=["o*"])] == ["one"]
	with pytest.raises(catalogue.CatalogueError, match="matches"):
		catalogue.load("x86_64", root=str(tmp_path), only=["z*"])


# --- the catalogue as shipped --------------------------------------------------------

@pytest.mark.parametrize("arch", ["x86_64", "riscv64"])
def test_shipped_catalogue(arch):
	entries = catalogue.load(arch)
	assert entries
	kinds = {e.expect for e in entries}
	assert {"killed", "conformant"} <= kinds
	for e in entries:
		with open(e.path) as f:
			assert f.readline().rstrip("\n") == "# SPDX-License-Identifier: GPL-2.0", e.path
		for ln in lines.lines():
			v = e.on(ln)
			if v is not None and v.expect == "killed":
				assert v.kills is not None, (e.name, ln)


def test_shipped_x86_catalogue_shape():
	entries = catalogue.load("x86_64")
	assert any(e.expect == "unreachable" for e in entries)
	assert any(e.base == "harness" for e in entries)
	for e in entries:
		files = {ed.file for ed in e.edits}
		if e.expect == "unreachable":
			assert all("/svm/" in f for f in files), e.name
		if e.base == "harness":
			assert any(f.endswith("svm/sev.c") for f in files), e.name


def test_quick_subset_covers_every_site_and_field():
	"""make check runs only the quick entries: one per source file, every
	kill field, and a conformant variant on each base."""
	entries = [e for e in catalogue.load("x86_64") if e.expect != "unreachable"]
	quick = [e for e in entries if e.quick]
	files = lambda es: {ed.file for e in es for ed in e.edits}
	fields = lambda es: {e.kills.field for e in es if e.kills}
	assert files(quick) == files(entries)
	assert fields(quick) == fields(entries)
	for base in ("stock", "harness"):
		assert any(e.base == base and e.expect == "conformant" for e in quick), base
		assert any(e.base == base and e.expect == "killed" for e in quick), base


def test_quick_must_be_a_boolean(tmp_path):
	with pytest.raises(catalogue.CatalogueError, match="quick"):
		parse(tmp_path, ENTRY.replace('expect = "killed"', 'expect = "killed"\nquick = "yes"'))
