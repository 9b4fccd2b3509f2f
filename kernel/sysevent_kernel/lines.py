# SPDX-License-Identifier: GPL-2.0
"""Kernel lines as data (kernel/lines.toml): what a kernel name means and
which kernels each matrix boots. Versions are never spelled here; the
resolver (apt, debs) turns a line into a package on the day."""

import os
import tomllib
from dataclasses import dataclass

from . import arches

LINES_TOML = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
			  "lines.toml")


@dataclass(frozen=True)
class Line:
	name: str		# the key in lines.toml: "6.12", "latest", "rc"
	series: str		# "X.Y", "latest" or "rc"
	role: str
	arches: tuple


class BadKernelName(ValueError):
	pass


def load(path=LINES_TOML):
	with open(path, "rb") as f:
		return tomllib.load(f)


def lines(data=None):
	data = data or load()
	return {k: Line(k, v["series"], v.get("role", ""), tuple(v.get("arches", ())))
		for k, v in data["line"].items()}


def suites(data=None, rc=False):
	data = data or load()
	deb = data["debian"]
	if rc:
		return list(deb["rc_suites"])
	return [s for s in deb["suites"] if s not in deb["rc_suites"]]


def matrix(which, data=None):
	"""The kernel names of a matrix in lines.toml ("check", "kernels")."""
	data = data or load()
	return list(data["matrix"][which])


def parse_kernel_name(spec):
	"""debian-X.Y[:ARCH], debian-latest[:ARCH], debian-rc[:ARCH] ->
	(series, Arch). series is "X.Y", "latest" or "rc"."""
	name, _, arch = spec.partition(":")
	a = arches.get(arch) if arch else arches.host()
	if not name.startswith("debian-"):
		raise BadKernelName(f"not a Debian kernel line: {spec}")
	series = name[len("debian-"):]
	if series in ("latest", "rc"):
		return series, a
	parts = series.split(".")
	if len(parts) != 2 or not all(p.isdigit() for p in parts):
		raise BadKernelName(f"bad kernel series: {spec} "
				    "(want debian-X.Y, debian-latest or debian-rc)")
	return series, a


def by_role(role, data=None):
	"""The one line whose role is `role` ("oldest", "lts", "newest", "rc")."""
	found = [ln for ln in lines(data).values() if ln.role == role]
	if not found:
		raise BadKernelName(f"no line with role '{role}' in lines.toml")
	if len(found) > 1:
		raise BadKernelName(f"{len(found)} lines with role '{role}' in lines.toml")
	return found[0]


USAGE = """usage: python3 -m sysevent_kernel.lines --role ROLE

Print the series (X.Y, latest or rc) of the line of kernel/lines.toml whose
role is ROLE (oldest, lts, newest, rc): the shell's way to name a kernel
without spelling a version, e.g. debian-$(... --role oldest)."""


def main(argv):
	from . import cli
	if argv in (["-h"], ["--help"]):
		print(USAGE)
		return 0
	if len(argv) != 2 or argv[0] != "--role":
		raise cli.Bad("usage: python3 -m sysevent_kernel.lines --role ROLE")
	try:
		print(by_role(argv[1]).series)
	except BadKernelName as e:
		raise cli.Bad(str(e)) from None
	return 0


if __name__ == "__main__":
	from . import cli as _cli
	_cli.run("lines", main)
