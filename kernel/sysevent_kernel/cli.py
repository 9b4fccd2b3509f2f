# SPDX-License-Identifier: GPL-2.0
"""What the kernel tools' command lines share: bad usage is one line on
stderr, `<prog>: error: <what>`, and exit status 2."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Bad(Exception):
	"""Bad usage or input: the tool says it in one line and exits 2. prog,
	when given, is the tool whose words these are (fetch-kernel.sh's errors
	keep its name when another tool resolves a kernel)."""

	def __init__(self, msg, prog=None):
		super().__init__(msg)
		self.prog = prog


def run(prog, main, argv=None):
	"""Run main(argv) -> exit status; Bad and the package's one-line errors
	become `prog: error: ...` and exit 2; ^C exits 130."""
	from . import apt, debs, image
	argv = sys.argv[1:] if argv is None else argv
	try:
		rc = main(argv)
	except (Bad, apt.AptError, debs.DebError, image.ImageError) as e:
		print(f"{getattr(e, 'prog', None) or prog}: error: {e}", file=sys.stderr, flush=True)
		rc = 2
	except OSError as e:
		# A file that cannot be read or written: still one line.
		what = f"{e.strerror}: {e.filename}" if e.filename else str(e)
		print(f"{prog}: error: {what}", file=sys.stderr, flush=True)
		rc = 2
	except KeyboardInterrupt:
		rc = 130
	except BrokenPipeError:
		rc = 1
	sys.exit(rc or 0)


class Args:
	"""A hand-written option walker, for messages exactly as the tools have
	always printed them."""

	def __init__(self, argv):
		self.argv = list(argv)
		self.i = 0

	def more(self):
		return self.i < len(self.argv)

	def peek(self):
		return self.argv[self.i]

	def next(self):
		a = self.argv[self.i]
		self.i += 1
		return a

	def value(self, opt):
		"""The value of option opt (just taken): a missing or empty one is
		`opt needs a value`."""
		if self.i >= len(self.argv) or self.argv[self.i] == "":
			raise Bad(f"{opt} needs a value")
		return self.next()

	def rest(self):
		r = self.argv[self.i:]
		self.i = len(self.argv)
		return r


def say(prog, msg):
	print(f"{prog}: {msg}", file=sys.stderr, flush=True)
