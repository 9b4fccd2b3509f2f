# SPDX-License-Identifier: GPL-2.0
"""Shared helpers for the reporter's tests (tests/report/)."""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
LAUNCHER = os.path.join(TOP, "report", "kvm-sysevent-report")
# The KCIDB schema the reporter writes to: a copy kept in the project
# (tests/report/kcidb/README.md says where from, and its licence).
KCIDB_SCHEMA = os.path.join(HERE, "kcidb", "kcidb-io.schema.v5.3.json")

sys.path.insert(0, os.path.join(TOP, "report"))


class Cli:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout.decode("utf-8", errors="replace")
        self.err = proc.stderr.decode("utf-8", errors="replace")


def run_cli(*args, stdin=None, timeout=120):
    """Run the reporter as users do, through its launcher."""
    proc = subprocess.run([LAUNCHER] + [str(a) for a in args], input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    res = Cli(proc)
    assert "Traceback" not in res.err, res.err
    assert "internal error" not in res.err, res.err
    return res


def validate_kcidb(doc):
    """Validate a KCIDB document against the schema (formats checked too)."""
    import jsonschema
    with open(KCIDB_SCHEMA) as f:
        schema = json.load(f)
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())


def data(*parts):
    return os.path.join(DATA, *parts)


def real_result_sets():
    """Result sets recorded from real runs of this suite (tests/report/data/real-*)."""
    if not os.path.isdir(DATA):
        return []
    return sorted(os.path.join(DATA, d) for d in os.listdir(DATA)
                  if d.startswith("real-") and os.path.isdir(os.path.join(DATA, d)))


HANDMADE = [data("handmade-kernel-a"), data("handmade-kernel-b"), data("handmade-model")]


@pytest.fixture
def cli():
    return run_cli
