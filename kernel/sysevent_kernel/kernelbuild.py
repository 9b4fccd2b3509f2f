# SPDX-License-Identifier: GPL-2.0
"""The build interface (build.Builder) for an architecture whose KVM is built
into the kernel image (arm64): a whole small kernel from Debian's own
linux-source of the line, one cached tree per Debian version
(wholekernel.Tree), a change costing the objects it touches and the link.

  prepare()  resolve the line's Debian kernel (fetch.resolve: the version the
             kernel matrix boots), fetch linux-source-X.Y of exactly that
             version (or take the installed one when it is), extract it
             once, write the config, build the stock Image once
  stock()    the stock Image (the control)
  build()    the Image with changes (catalogue edits, -p1 patches) applied
             to copies of the pristine files; the tree is stock again after
  check()    the files a change edits, applied to a scratch copy

The compiler is the host's Debian cross compiler (toolchain.Toolchain, kind
host). The config is this tooling's own (wholekernel.BOOT_OPTIONS), so
Kconfig probes the compiler it is given: unlike an out-of-tree module for
Debian's 7.x image, whose flags come from a config made by gcc-14, a whole
7.x kernel needs no newer compiler than bookworm's gcc-12 (measured: see
kernel/mutants/README.md). The compiler is named in every table's header.
"""

import os
import shutil
import subprocess
import tempfile
import threading

from . import build, lines as lines_mod, wholekernel


class KernelBuilder(build.Builder):
	"""A whole kernel per change (see the module's doc)."""

	def __init__(self, line, arch, kdir=None, cache=None, jobs=None, say=print):
		super().__init__(line, arch, kdir=kdir, cache=cache, jobs=jobs, say=say)
		if kdir:
			raise build.SetupError(f"{self.arch.name}: KDIR= is for module trees; the "
					       "whole-kernel mutants build Debian's own source")
		if self.arch.kvm_modular or self.arch.name not in wholekernel.BOOT_OPTIONS:
			raise build.SetupError(f"no whole-kernel build for {self.arch.name}")
		# The trees are big (a kernel source each): their own cache.
		self.cache = cache or wholekernel.default_cache()
		self.tree = None
		self.kernel = None
		self.tc = None
		self._stock = None
		self._lock = threading.Lock()

	# --- resolution -----------------------------------------------------------------
	def _resolve(self):
		"""(version, suite, tarball) of the line's Debian kernel source."""
		from . import debs, fetch		# the resolver's rooms
		info = lines_mod.lines().get(self.line)
		if not info:
			raise build.SetupError(f"unknown kernel line {self.line} (kernel/lines.toml)")
		try:
			_a, _idx, ks, what = fetch.resolve(f"debian-{info.series}:{self.arch.name}",
							   log=self.say)
		except Exception as e:			# the resolver's one-line errors
			raise build.SetupError(str(e)) from None
		if not ks:
			raise build.SetupError(what)
		last = None
		seen = set()
		for k in ks:
			if k.version in seen:
				continue
			seen.add(k.version)
			series = debs.series_of(k.version)
			pkg = f"linux-source-{series}"
			tarball = build._installed_tarball(series, k.version)
			if tarball:
				return k.version, k.suite, tarball
			try:
				deb = fetch.deb(pkg, self.arch, k.version, log=self.say)
			except Exception as e:		# listed, not served: the next one
				last = e
				self.say(f"{pkg} {k.version}: {e}; trying the next version")
				continue
			return k.version, k.suite, self._unpack(deb, pkg, k.version)
		raise build.SetupError(f"no linux-source for the {self.line} kernels: {last}")

	def _unpack(self, deb, pkg, version):
		"""The source tarball inside a linux-source .deb (unpacked once)."""
		safe = version.replace(":", "%3a")
		dest = os.path.join(self.cache, "wholekernel", "sources", f"{pkg}_{safe}")
		tarball = os.path.join(dest, "usr", "src", f"{pkg}.tar.xz")
		if os.path.isfile(tarball):
			return tarball
		tmp = dest + ".tmp"
		shutil.rmtree(tmp, ignore_errors=True)
		os.makedirs(tmp)
		r = subprocess.run(["dpkg-deb", "-x", deb, tmp])
		if r.returncode or not os.path.isfile(os.path.join(tmp, "usr", "src", f"{pkg}.tar.xz")):
			shutil.rmtree(tmp, ignore_errors=True)
			raise build.SetupError(f"no {pkg}.tar.xz in {deb}")
		shutil.rmtree(dest, ignore_errors=True)
		os.rename(tmp, dest)
		return tarball

	def _toolchain(self):
		from . import toolchain
		cc = self.arch.cross_prefix + "gcc"
		if not shutil.which(cc):
			raise build.SetupError(f"{cc} not found (apt-get install "
					       f"{' '.join(self.arch.cross_packages)})")
		version = subprocess.run([cc, "--version"], capture_output=True,
					 text=True).stdout.splitlines()[0].strip()
		return toolchain.Toolchain("host", cc, self.arch, version, version)

	# --- the interface ---------------------------------------------------------------
	def prepare(self):
		with self._lock:
			if self.kernel:
				return self.kernel
			version, suite, tarball = self._resolve()
			self.tc = self._toolchain()
			self.tree = wholekernel.Tree(self.arch.name, self.line, tarball, version,
						     cache=self.cache, jobs=self.jobs,
						     runner=self.tc)
			try:
				b = self.tree.prepare()
			except wholekernel.BuildError as e:
				raise build.SetupError(f"the stock {self.arch.name} kernel: {e}") from None
			meta = self.tree.load_meta() or {}
			self.tc.kernel_text = meta.get("cc_version_text") or self.tc.version
			self._stock = build.Built(image=b.image, modules=None, module_params=(),
						  set_id=b.set_id, seconds=b.seconds,
						  log=os.path.join(self.tree.root, "build.log"))
			self.kernel = build.Kernel(
				line=self.line, arch=self.arch, release=b.release, version=version,
				origin=(f"debian {suite} linux-source {version}, built here "
					f"(tinyconfig + config + QEMU virt; "
					f"{'cached' if b.cached else 'built now'})"),
				image=b.image, config=b.config, compiler=self.tc.describe(),
				stock_seconds=float(meta.get("build_seconds", b.seconds)))
			return self.kernel

	def stock(self):
		self.prepare()
		return self._stock

	def source(self, base="stock"):
		if base != "stock":
			raise build.BuildError(f"no {base} base on {self.arch.name}")
		self.prepare()
		with self.tree.lock():
			self.tree.extract()
		return self.tree.src

	def full_source(self):
		"""A whole kernel tree of this line's Debian source (upstream's
		selftests are built from it): the tree itself."""
		return self.source()

	def _changed(self, changes, src, root):
		"""Apply changes to copies of their files under root: {rel: bytes}."""
		rels = []
		for c in changes:
			for rel in c.files(src):
				if not any(rel == d or rel.startswith(d + "/")
					   for d in self.arch.kvm_src_dirs):
					raise build.ChangeError(f"{rel} is outside "
								f"{' '.join(self.arch.kvm_src_dirs)}: "
								"build your whole kernel and use "
								"run_tests.sh --kernel")
				if rel not in rels:
					rels.append(rel)
		for rel in rels:
			s = os.path.join(src, rel)
			d = os.path.join(root, rel)
			if not os.path.isfile(s):
				raise build.ChangeError(f"{rel} is not in the source: a change edits "
							"files, it does not add them")
			os.makedirs(os.path.dirname(d), exist_ok=True)
			shutil.copy2(s, d)
		for c in changes:
			c.apply(root)
		out = {}
		for rel in rels:
			p = os.path.join(root, rel)
			with open(p, "rb") as f:
				data = f.read()
			with open(os.path.join(src, rel), "rb") as f:
				if f.read() != data:
					out[rel] = data
		if not out:
			raise build.ChangeError("the change edited no file")
		return out

	def check(self, changes, base="stock"):
		src = self.source(base)
		with tempfile.TemporaryDirectory(prefix="kernelbuild.") as tmp:
			return sorted(self._changed(changes, src, tmp))

	def build(self, changes, out, base="stock"):
		src = self.source(base)
		with tempfile.TemporaryDirectory(prefix="kernelbuild.") as tmp:
			files = self._changed(changes, src, tmp)
		name = os.path.basename(os.path.normpath(out))
		log = os.path.join(self.tree.root, f"build-{name}.log")
		try:
			with self._lock:
				b = self.tree.build(files, out, name=name)
		except wholekernel.BuildError as e:
			raise build.BuildError(str(e), log=log) from None
		if b.set_id == self._stock.set_id:
			raise build.BuildError("the Image is the stock one: the change did not reach "
					       "the code", log=log)
		return build.Built(image=b.image, modules=None, module_params=(), set_id=b.set_id,
				   seconds=b.seconds, log=log)
