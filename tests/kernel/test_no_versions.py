# SPDX-License-Identifier: GPL-2.0
"""No tooling file spells a kernel version: the kernel tooling's code (not
its comments, docstrings and help texts) names no X.Y, nor does the code of
the other make, shell and CI files that pick kernels or kernel sources
(their help texts included), and the one version the package list must name
(apt-get needs it) is lines.toml's "lts" line."""

import ast
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "kernel"))

from sysevent_kernel import lines  # noqa: E402

TOP = os.path.join(os.path.dirname(__file__), "..", "..")
PKG = os.path.join(TOP, "kernel", "sysevent_kernel")
# A kernel series or release: 6.1, 6.12, 7.3.4, linux-source-6.12, debian-6.12.
VERSION = re.compile(r"(?<![\w.])[3-9]\.[0-9]{1,2}(?![\w])|linux-[a-z-]+-[0-9]|debian-[0-9]")
# This room's own files (the builder's and the arm64 engineer's rooms have
# their own rules).
MINE = ("apt.py", "debs.py", "fetch.py", "image.py", "boot.py", "matrix.py", "cli.py",
	"arches.py", "lines.py")


def code_strings(path):
	"""String constants of a Python file, without docstrings and *USAGE."""
	tree = ast.parse(open(path).read())
	skip = set()
	for node in ast.walk(tree):
		if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body and \
				isinstance(node.body[0], ast.Expr) and \
				isinstance(node.body[0].value, ast.Constant):
			skip.add(id(node.body[0].value))
		if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and
							t.id.endswith("USAGE") for t in node.targets):
			for sub in ast.walk(node.value):
				skip.add(id(sub))
	return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and
		isinstance(n.value, str) and id(n) not in skip]


def test_python_names_no_version():
	for f in MINE:
		for s in code_strings(os.path.join(PKG, f)):
			assert not VERSION.search(s), f"{f}: {s!r}"


def test_shell_and_make_name_no_version():
	files = [os.path.join(TOP, "kernel", f) for f in
		 ("fetch-kernel.sh", "qemu-suite.sh", "run-in-kernel.sh", "check-kernels.sh",
		  "kernel.mk")]
	for f in files:
		for n, ln in enumerate(open(f), 1):
			code = ln.split("#", 1)[0]
			assert not VERSION.search(code), f"{f}:{n}: {ln.strip()}"


# The rest of the tooling: every make, shell and CI file that picks a
# kernel, a kernel source or a package (tools/packages is the one file that
# names a version, the test below).
TOOLING = ("Makefile", "bench/bench.mk", "install/install.mk", "lava/lava.mk",
	   "lava/run-local.sh", "lava/check.sh", "tests/abi/headers.sh", ".ci/run",
	   ".ci/fresh-machine.sh", "tools/deps.sh")


def test_tooling_names_no_version():
	for f in TOOLING:
		for n, ln in enumerate(open(os.path.join(TOP, f)), 1):
			code = ln.split("#", 1)[0]
			assert not VERSION.search(code), f"{f}:{n}: {ln.strip()}"


def test_the_one_package_version_is_the_lts_line():
	lts = [ln.series for ln in lines.lines().values() if ln.role == "lts"]
	assert len(lts) == 1
	src = [ln.split()[1] for ln in open(os.path.join(TOP, "tools", "packages"))
	       if ln.strip() and not ln.startswith("#") and ln.split()[1].startswith("linux-source-")]
	assert src == [f"linux-source-{lts[0]}"]
