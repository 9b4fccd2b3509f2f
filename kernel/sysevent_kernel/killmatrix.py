# SPDX-License-Identifier: GPL-2.0
"""The kill matrix: every real-kernel mutant row of every architecture and
line, judged twice in the same guest: by kvm-sysevent (its named field, the
mutant runs' own verdict) and by upstream's KVM selftests (their exit status,
upstream.py). Upstream's results are reported as they came, never judged by
the suite's oracle; a skip counts as not killed and says so.

  python3 -m sysevent_kernel.killmatrix [--readme FILE] [MUTANTS.json|DIR]...

Input: the state files the mutant runs leave (default: every
results/mutants*/**/mutants.json; a file given by name may have any name). Each is {"arch", "rows":
[row...]}, a row being {name, line, expect (killed|conformant|unreachable),
kind (control, entry, ...), kills, actual (or verdict), seen, upstream:
{verdict (killed|survived|skipped|none|not-run|error), reason}}. A row
without `upstream` reads not-run.

Output: one line per mutant (expect=killed rows that apply to their line),
then the conformant variants and controls, then exactly
  kvm-sysevent killed: N/M
  upstream selftests killed: K/M
over the x86_64, arm64 and riscv64 mutants found, and which architectures
had no rows. --readme FILE replaces the block between the markers
<!-- kill-matrix:begin --> and <!-- kill-matrix:end --> in FILE with the
same, as a Markdown table.
Exit status: 0 (the matrix reports; the mutant runs themselves judge), 2 bad
input or no rows at all.
"""

import glob
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
ARCHES = ("x86_64", "arm64", "riscv64")
BEGIN = "<!-- kill-matrix:begin -->"
END = "<!-- kill-matrix:end -->"


class Bad(Exception):
	pass


def load(paths):
	files = []
	for p in paths:
		if os.path.isdir(p):
			files += sorted(glob.glob(os.path.join(p, "**", "mutants.json"), recursive=True))
		elif os.path.isfile(p):
			files.append(p)
		else:
			raise Bad(f"no such file or directory: {p}")
	sets = []
	for f in files:
		try:
			with open(f) as fh:
				d = json.load(fh)
			d["rows"]
			d["arch"]
		except (OSError, ValueError, KeyError, TypeError) as e:
			raise Bad(f"{f}: not a mutant run's state ({e.__class__.__name__})") from None
		d["file"] = f
		sets.append(d)
	return sets


CONTROLS = ("control", "harness-control", "harness-off")


def verdict_of(r):
	return r.get("verdict") or r.get("actual") or ""


def expect_of(r):
	if r.get("kind") in CONTROLS or r.get("name") in CONTROLS:
		return "control"
	return r.get("expect", "")


def ours(r):
	"""kvm-sysevent's verdict on a mutant: killed only by its named field."""
	return verdict_of(r) or "not-run"


def skips(r):
	"""[(test, reason)] of the upstream tests that skipped in a row."""
	u = r.get("upstream") or {}
	return [(t, x.get("reason", "")) for t, x in (u.get("tests") or {}).items()
		if x.get("verdict") == "skipped"]


def theirs(r, short=False):
	"""Upstream's verdict as it came: a survivor says which of its tests
	skipped (and why, unless short), a kill which test failed (and where)."""
	u = r.get("upstream") or {}
	v = u.get("verdict", "not-run")
	reason = u.get("reason", "")
	if v == "survived":
		sk = [t if short else f"{t} skipped: {why}" for t, why in skips(r)]
		return "survived" + (f" ({', '.join(sk)} skipped)" if sk and short else
				     f" ({'; '.join(sk)})" if sk else "")
	return v + (f" ({reason})" if reason else "")


def matrix(sets):
	"""(mutant rows, other rows, totals) over the sets."""
	muts, others = [], []
	for s in sets:
		for r in s["rows"]:
			r = dict(r, arch=r.get("arch", s["arch"]), line=r.get("line", s.get("line", "")),
				 expect=expect_of(r), verdict=verdict_of(r))
			if r["expect"] == "killed" and r["verdict"] != "not-applicable":
				muts.append(r)
			elif r["expect"] in ("conformant", "control"):
				others.append(r)
	order = {a: i for i, a in enumerate(ARCHES)}
	muts.sort(key=lambda r: (order.get(r["arch"], 9), r["line"]))
	others.sort(key=lambda r: (order.get(r["arch"], 9), r["line"]))
	n = len(muts)
	k_ours = sum(1 for r in muts if ours(r) == "killed")
	k_up = sum(1 for r in muts if (r.get("upstream") or {}).get("verdict") == "killed")
	present = sorted({r["arch"] for r in muts + others}, key=lambda a: order.get(a, 9))
	per = {}
	for a in present:
		mine = [r for r in muts if r["arch"] == a]
		for ln in sorted({r["line"] for r in mine}):
			rs = [r for r in mine if r["line"] == ln]
			per[(a, ln)] = (sum(1 for r in rs if ours(r) == "killed"),
					sum(1 for r in rs if (r.get("upstream") or {}).get("verdict")
					    == "killed"), len(rs))
	return muts, others, {"mutants": n, "ours": k_ours, "upstream": k_up, "arches": present,
			      "per": per}


def text(muts, others, tot):
	fmt = "{:<8} {:<7} {:<30} {:<24} {:<18} {}"
	out = [fmt.format("arch", "line", "mutant", "kills (declared)", "kvm-sysevent",
			  "upstream selftests")]
	for r in muts:
		out.append(fmt.format(r["arch"], r["line"], r["name"][:30], (r.get("kills") or "-")[:24],
				      ours(r), theirs(r)))
	if others:
		out.append("")
		out.append("conformant variants and controls (must pass; upstream's verdict shown):")
		for r in others:
			out.append(fmt.format(r["arch"], r["line"], r["name"][:30], r["expect"],
					      r["verdict"], theirs(r)))
	out.append("")
	out += footer(tot)
	return out


def footer(tot):
	out = []
	missing = [a for a in ARCHES if a not in tot["arches"]]
	out.append(f"# over {', '.join(tot['arches']) or 'no architecture'}"
		   + (f"; no rows for {', '.join(missing)}" if missing else ""))
	for (a, ln), (o, u, n) in (tot.get("per") or {}).items():
		out.append(f"# {a} {ln}: kvm-sysevent {o}/{n}, upstream selftests {u}/{n}")
	if "riscv64" in tot["arches"]:
		out.append("# riscv64: upstream has no KVM selftest that makes an SBI system event "
			   "(its rows say none, counted as not killed)")
	out.append(f"kvm-sysevent killed: {tot['ours']}/{tot['mutants']}")
	out.append(f"upstream selftests killed: {tot['upstream']}/{tot['mutants']}")
	return out


def markdown(muts, others, tot, sets):
	kernels = set()
	for s in sets:
		if s.get("kernel"):
			kernels.add((s["arch"], s.get("line", ""), s["kernel"]))
		for ln, k in (s.get("lines") or {}).items():
			kernels.add((s["arch"], ln, f"{k.get('release', '')} ({k.get('origin', '')})"))
	kernels = sorted(kernels)
	out = ["Written by `make readme-kill-matrix` from the last mutant runs "
	       "(`make mutants`, `make mutants-arm64`); regenerated, never edited.", "",
	       "| arch | line | mutant | kills (declared) | kvm-sysevent | upstream selftests |",
	       "|---|---|---|---|---|---|"]
	for r in muts:
		out.append(f"| {r['arch']} | {r['line']} | `{r['name']}` | `{r.get('kills') or '-'}` "
			   f"| {ours(r)} | {theirs(r, short=True).replace('|', '/')} |")
	out.append("")
	why = sorted({(t, w) for r in muts for t, w in skips(r)})
	for t, w in why:
		out.append(f"{t} skipped: {w}.")
	if why:
		out.append("")
	if kernels:
		out.append("Kernels: " + "; ".join(f"{a} {l}" + (f" ({k})" if k else "")
						   for a, l, k in kernels) + ".")
		out.append("")
	out.append("```")
	out += footer(tot)
	out.append("```")
	return out


def write_readme(path, block):
	with open(path) as f:
		s = f.read()
	if BEGIN not in s or END not in s:
		raise Bad(f"{path} has no {BEGIN} ... {END} block")
	a = s.index(BEGIN) + len(BEGIN)
	b = s.index(END)
	s = s[:a] + "\n" + "\n".join(block) + "\n" + s[b:]
	with open(path + ".tmp", "w") as f:
		f.write(s)
	os.replace(path + ".tmp", path)


def main(argv=None):
	import argparse

	ap = argparse.ArgumentParser(prog="killmatrix", description=__doc__.split("\n\n")[0])
	ap.add_argument("--readme")
	ap.add_argument("inputs", nargs="*")
	a = ap.parse_args(argv)
	try:
		inputs = a.inputs or sorted(glob.glob(os.path.join(REPO, "results", "mutants*")))
		sets = load(inputs)
		if not sets:
			raise Bad("no mutant run found under results/ (run make mutants first)")
		muts, others, tot = matrix(sets)
		print("\n".join(text(muts, others, tot)))
		if a.readme:
			write_readme(a.readme, markdown(muts, others, tot, sets))
	except Bad as e:
		print(f"killmatrix: error: {e}", file=sys.stderr)
		return 2
	return 0


if __name__ == "__main__":
	sys.exit(main())
