#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Real-kernel mutants: put known bugs back into KVM's own code, build the
# modules Debian's kernel (or your kernel tree) loads, boot each set under
# QEMU with kernel/qemu-suite.sh and run the suite. Prints one table row per
# mutant; see kernel/mutants/README.md.

set -eEuo pipefail

prog=mutants.sh
trap 'echo "$prog: error: unexpected failure (line $LINENO)" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
	cat <<EOF
usage: $prog [options] [-- RUNNER_ARGS...]

Build KVM's modules once per mutant in kernel/mutants/catalogue/ (stock
objects reused, so a mutant costs one recompiled file), boot each set under
QEMU with kernel/qemu-suite.sh, run the suite, and print a table: name,
site, expected and actual verdict, time, kernel/module build id, and the
first deviation the suite named. The control (stock modules) must pass.

Entries with base=harness (KVM's SEV-ES code) are built on top of the
test-only harness (kernel/harness/sev-es-test-harness.patch), loaded with
kvm_amd.sev_es_test_harness=1, and run sev_es_term_test --backend=harness;
the harness control (the harness modules alone) must pass for them to be
judged. ghcb_nonsev_test never runs with the harness on; the harness-off
row runs it, with system_event_legacy_test, on the harness modules loaded
without the parameter, which must change nothing.

  --arch A          x86_64 (default) or riscv64: the riscv64 catalogue
                    (catalogue/riscv64/) against Debian's riscv64 kernel, its
                    kvm.ko built with the cross compiler, running
                    sbi_system_event_test. arm64's KVM is built into the
                    kernel image: no module to rebuild per mutant
  --kdir DIR        use the KVM source and bzImage of this built kernel tree
                    (CONFIG_KVM=m, CONFIG_KVM_AMD=m) instead of Debian's
                    linux-source-6.12; KDIR= in the environment works too
  --patch FILE      developer mode: test your KVM patch (patch -p1, files in
                    arch/x86/kvm or virt/kvm) instead of the catalogue; it
                    must pass like the control, on the stock modules and on
                    top of the SEV-ES harness (repeatable: applied together)
  --only GLOB       only catalogue entries whose name matches (repeatable)
  --control-only    only the controls: build and judge the stock (or --kdir)
                    modules and the harness on top of them, no catalogue
  --list            print the catalogue and exit
  --check-edits     apply every catalogue edit to a scratch copy of the
                    source and check it changed the file; no build, no boot
  -o DIR            result directory (default results/mutants): one result
                    set per row under DIR/<name>/, table.txt
  --timeout S       per-boot QEMU timeout in seconds (default 300)
  --jobs N          compile jobs (default: number of CPUs)
  --boot PROG       boot program with qemu-suite.sh's interface (default
                    kernel/qemu-suite.sh)
  --suite-dir DIR   passed to the boot program (default: the repo)
  --build DIR       static suite build passed to the boot program (default
                    build-static, made by make STATIC=1)
  --all-tests       run every test binary in each guest, not only
                    system_event_legacy_test (the one that reaches the
                    mutated sites under QEMU); harness rows add
                    system_event_legacy_test to sev_es_term_test
  -h, --help        this help

Everything after -- goes to the suite's run_tests.sh inside the guest for
the stock rows (default: -t system_event_legacy_test -T 60); harness rows
run -t sev_es_term_test --backend harness -T 120.

Output: the table (on a terminal, a progress line between its rows: rows
done, sets built, boots running), then exactly these lines last:
  conformant variants passed: M/M
  kernel mutants killed: K/N
  mutants: P passed, F failed, S skipped
(one count per row whose verdict matched its expectation, the controls
included; unreachable rows are skipped).

Exit status: 0 every conformant variant passed and every reachable mutant
was killed; 1 otherwise (or a build or edit failed); 2 bad usage or a
missing input (packages, kernel tree).
EOF
}

die() {
	echo "$prog: error: $*" >&2
	exit 2
}

need_arg() {
	[ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
}

kdir=${KDIR:-} patches=() only=() list=0 check_edits=0 out=$repo/results/mutants arch=x86_64
all_tests=0 runner_set=0 control_only=0
timeout_s=300 jobs='' boot=$repo/kernel/qemu-suite.sh suite_dir='' suite_build='' runner_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) need_arg "$@"; arch=$2; shift 2 ;;
	--kdir) need_arg "$@"; kdir=$2; shift 2 ;;
	--patch) need_arg "$@"; patches+=("$2"); shift 2 ;;
	--only) need_arg "$@"; only+=("$2"); shift 2 ;;
	--list) list=1; shift ;;
	--control-only) control_only=1; shift ;;
	--check-edits) check_edits=1; shift ;;
	-o) need_arg "$@"; out=$2; shift 2 ;;
	--timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
	--jobs) need_arg "$@"; jobs=$2; shift 2 ;;
	--boot) need_arg "$@"; boot=$2; shift 2 ;;
	--suite-dir) need_arg "$@"; suite_dir=$2; shift 2 ;;
	--build) need_arg "$@"; suite_build=$2; shift 2 ;;
	--all-tests) all_tests=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; runner_args=("$@"); runner_set=1; break ;;
	*) echo "$prog: error: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
case "$arch" in
x86_64|amd64) arch=x86_64 ;;
riscv64|riscv) arch=riscv64 ;;
*) die "--arch must be x86_64 or riscv64 (arm64's KVM is built into the kernel)" ;;
esac
[ "$arch" = x86_64 ] || [ -z "$kdir" ] || die "--kdir is for x86_64 kernel trees"
if [ "$runner_set" = 0 ] && [ "$arch" = riscv64 ]; then
	runner_args=(-t sbi_system_event_test -T 60)
elif [ "$runner_set" = 0 ]; then
	if [ "$all_tests" = 1 ]; then
		runner_args=(-T 60)
	else
		runner_args=(-t system_event_legacy_test -T 60)
	fi
fi
# With the harness on, a plain guest's VMGEXIT is an SEV-ES one: the
# non-SEV control (ghcb_nonsev_test) would rightly fail, so it never runs.
harness_args=(-t sev_es_term_test --backend harness -T 120)
[ "$all_tests" = 0 ] || harness_args=(-t sev_es_term_test -t system_event_legacy_test
	--backend harness -T 120)
# The harness modules with the parameter off must be the stock ones to a
# plain guest: the plain-guest binaries, the non-SEV control included.
harness_off_args=(-t system_event_legacy_test -t ghcb_nonsev_test -T 60)
case "$timeout_s" in ''|*[!0-9]*|0) die "--timeout needs a positive number of seconds" ;; esac
case "$jobs" in '') ;; *[!0-9]*|0) die "--jobs needs a positive number" ;; esac
for p in ${patches[@]+"${patches[@]}"}; do
	[ -f "$p" ] && [ -r "$p" ] || die "patch not found: $p"
done
[ ${#patches[@]} -eq 0 ] || [ ${#only[@]} -eq 0 ] || die "--patch and --only do not mix"

# --- the catalogue ------------------------------------------------------------------
catalogue=$here/catalogue
[ "$arch" = x86_64 ] || catalogue=$here/catalogue/$arch
names=()
declare -A m_file=() m_desc=() m_site=() m_expect=() m_base=()

load_entry() {
	local f=$1 name fields
	name=$(basename "$f" .mut)
	name=${name#[0-9][0-9]-}
	# shellcheck disable=SC1090
	fields=$(
		desc='' site='' expect='' base=stock
		. "$f" || exit 1
		declare -F mutate >/dev/null || exit 1
		printf '%s\n%s\n%s\n%s\n' "$desc" "$site" "$expect" "$base"
	) || die "catalogue entry $f: no mutate function or a shell error"
	{
		read -r "m_desc[$name]"
		read -r "m_site[$name]"
		read -r "m_expect[$name]"
		read -r "m_base[$name]"
	} <<<"$fields"
	case "${m_expect[$name]}" in
	killed|conformant|unreachable) ;;
	*) die "catalogue entry $f: expect= must be killed, conformant or unreachable" ;;
	esac
	case "${m_base[$name]}" in
	stock|harness) ;;
	*) die "catalogue entry $f: base= must be stock or harness" ;;
	esac
	[ -n "${m_desc[$name]}" ] && [ -n "${m_site[$name]}" ] ||
		die "catalogue entry $f: desc= and site= are required"
	[ -z "${m_file[$name]:-}" ] || die "catalogue: two entries named $name"
	m_file[$name]=$f
	names+=("$name")
}

selected() {
	local g
	[ ${#only[@]} -gt 0 ] || return 0
	for g in "${only[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && return 0
	done
	return 1
}

if [ "$control_only" = 1 ]; then
	[ ${#patches[@]} -eq 0 ] && [ ${#only[@]} -eq 0 ] ||
		die "--control-only takes no --patch or --only"
elif [ ${#patches[@]} -eq 0 ]; then
	[ -d "$catalogue" ] || die "no catalogue at $catalogue"
	for f in "$catalogue"/*.mut; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .mut)
		n=${n#[0-9][0-9]-}
		selected "$n" || continue
		load_entry "$f"
	done
	[ ${#names[@]} -gt 0 ] || die "no catalogue entry matches --only"
else
	# All patches go into one module set, once on the stock modules and
	# once on top of the harness.
	if [ ${#patches[@]} -gt 1 ]; then
		n="patch:${#patches[@]} patches"
		desc="your patches ${patches[*]}"
	else
		n=patch:$(basename "${patches[0]}")
		desc="your patch ${patches[0]}"
	fi
	site=$(for p in "${patches[@]}"; do
		sed -n 's|^+++ [^/]*/\([^[:space:]]*\).*|\1|p' "$p"; done | sort -u | tr '\n' ' ')
	bases=stock
	[ "$arch" != x86_64 ] || bases="stock harness"
	for b in $bases; do
		nb=$n
		[ "$b" = stock ] || nb="$n+harness"
		names+=("$nb")
		m_desc[$nb]=$desc
		m_site[$nb]=$site
		m_expect[$nb]=conformant
		m_base[$nb]=$b
	done
fi

if [ "$list" = 1 ]; then
	printf '%-32s %-11s %-7s %-40s %s\n' name expected base site description
	for n in "${names[@]}"; do
		printf '%-32s %-11s %-7s %-40s %s\n' "$n" "${m_expect[$n]}" "${m_base[$n]}" \
			"${m_site[$n]}" "${m_desc[$n]}"
	done
	exit 0
fi

# --- kernel and modules ---------------------------------------------------------------
KM_KDIR=$kdir
KM_ARCH=$arch
# shellcheck disable=SC2034
[ -z "$jobs" ] || KM_JOBS=$jobs
# shellcheck source=kernel/mutants/kvm-modules.sh disable=SC1091
. "$here/kvm-modules.sh"

t_start=$(date +%s)

# edit FILE ANCHOR OLD NEW [WINDOW]: a catalogue edit in the tree $edit_root,
# starting from the entry's base source ($edit_src: the pristine source, or
# the pristine source with the harness patch applied). Runs inside
# apply_entry's subshell: a failed edit ends the mutant there.
edit_root=
edit_src=
edited=()
edit() {
	local f=$1
	shift
	km_check_path "$f" || { echo "edit: $f is not a KVM source file here" >&2; exit 1; }
	grep -qxF "$f" "$edit_root.edited" 2>/dev/null || echo "$f" >>"$edit_root.edited"
	overlay_copy "$f" || exit 1
	perl "$here/edit.pl" "$edit_root/$f" "$@" >/dev/null || exit 1
}

# overlay_copy FILE: $edit_root holds only the files an entry edits; the
# first edit of FILE starts from the base source.
overlay_copy() {
	[ -f "$edit_root/$1" ] && return 0
	mkdir -p "$(dirname "$edit_root/$1")" && cp "$edit_src/$1" "$edit_root/$1"
}

# base_src NAME: the source tree NAME's edits start from.
base_src() {
	if [ "${m_base[$1]:-stock}" = harness ]; then echo "$KM_HARNESS_SRC"; else echo "$KM_PRISTINE"; fi
}

# apply_entry NAME: run its mutate() (or apply the patches) on $edit_root;
# the files touched are listed in $edit_root.edited and read into edited[]
# by read_edited.
apply_entry() {
	local n=$1 p f
	: >"$edit_root.edited"
	case "$n" in
	patch:*)
		for p in "${patches[@]}"; do
			for f in $(km_patch_files "$p"); do
				km_check_path "$f" || {
					echo "$p touches $f, outside $KM_SRC_DIRS: build the whole" \
						"kernel and use run_tests.sh --kernel" >&2
					return 1
				}
				echo "$f" >>"$edit_root.edited"
				overlay_copy "$f" || return 1
			done
		done
		for p in "${patches[@]}"; do
			patch -d "$edit_root" -p1 --fuzz=0 --no-backup-if-mismatch -s <"$p" >&2 || {
				if [ "$edit_src" = "$KM_PRISTINE" ]; then
					echo "$p does not apply to KVM's source of $KM_VERSION" >&2
				else
					echo "$p does not apply on top of the SEV-ES harness" >&2
				fi
				return 1
			}
		done
		;;
	*)
		(
			# shellcheck disable=SC1090
			. "${m_file[$n]}"
			mutate
		) || return 1
		;;
	esac
	[ -s "$edit_root.edited" ] || { echo "$n edited no file" >&2; return 1; }
}

read_edited() {
	edited=()
	[ -f "$edit_root.edited" ] && mapfile -t edited < <(sort -u "$edit_root.edited")
	rm -f "$edit_root.edited"
}

# kill_tree PID: end PID and the processes it started (by id).
kill_tree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null || true); do
		kill_tree "$c"
	done
	kill "$1" 2>/dev/null || true
}

# scratch_harness_src DIR: the pristine source with the harness patch, in
# DIR, without building anything (for edits that are only checked).
scratch_harness_src() {
	mkdir -p "$1"
	cp -a "$KM_PRISTINE/." "$1/"
	patch -d "$1" -p1 --fuzz=0 --no-backup-if-mismatch -s <"$KM_HARNESS_PATCH" >/dev/null 2>&1
}

km_resolve
if [ "$check_edits" = 1 ]; then
	# Only the source is needed: the pristine tree (extracting it if needed).
	mkdir -p "$KM_DIR"
	if [ -n "$KM_KDIR" ]; then km_extract_kdir; else km_extract_src_debian; fi
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/kvm-mutants-edits.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
	KM_HARNESS_SRC=$scratch/harness-src
	harness_src_ok=0
	! scratch_harness_src "$KM_HARNESS_SRC" || harness_src_ok=1
	npass=0 nfail=0
	for n in "${names[@]}"; do
		rm -rf "${scratch:?}/tree" && mkdir "$scratch/tree"
		edit_root=$scratch/tree
		edit_src=$(base_src "$n")
		if [ "${m_base[$n]}" = harness ] && [ "$harness_src_ok" = 0 ]; then
			printf 'FAIL %-32s %s\n' "$n" "the harness patch does not apply to this source"
			nfail=$((nfail + 1))
			continue
		fi
		msg=$(apply_entry "$n" 2>&1) && applied=1 || applied=0
		read_edited
		if [ "$applied" = 1 ]; then
			changed=$(cd "$scratch/tree" && for f in "${edited[@]}"; do
				cmp -s "$edit_src/$f" "$f" || echo "$f"; done | tr '\n' ' ')
			if [ -n "$changed" ]; then
				printf 'ok   %-32s %s\n' "$n" "$changed"
				npass=$((npass + 1))
				continue
			fi
			msg="no file changed"
		fi
		printf 'FAIL %-32s %s\n' "$n" "$(printf '%s' "$msg" | tr '\n' ' ')"
		nfail=$((nfail + 1))
	done
	echo "edits: $npass passed, $nfail failed"
	[ "$nfail" = 0 ]
	exit
fi

[ -x "$boot" ] || die "boot program not found: $boot"
km_setup
km_build_stock || exit 1
stock_seconds=$(cat "$KM_STOCK/.ok")
stock_id=$(km_set_id "$KM_STOCK")

# The harness set, when a row needs it (make mutants-prepare built it).
need_harness=0
[ "$arch" != x86_64 ] || need_harness=$control_only
for n in ${names[@]+"${names[@]}"}; do
	[ "${m_base[$n]}" != harness ] || [ "${m_expect[$n]}" = unreachable ] || need_harness=1
done
harness_built=0 harness_id=- harness_seconds=0
if [ "$need_harness" = 1 ]; then
	if (km_build_harness); then
		harness_built=1
		harness_id=$(km_set_id "$KM_HARNESS")
		harness_seconds=$(sed -n 2p "$KM_HARNESS/.ok")
	fi
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
run=$out/.run
rm -rf "$run" && mkdir -p "$run/sets"

# --- the builder: one module set per reachable entry, in the background ---------------
reachable=()
for n in ${names[@]+"${names[@]}"}; do
	[ "${m_expect[$n]}" = unreachable ] || reachable+=("$n")
done

declare -A sd=()
setdir() {
	if [ -n "${sd[$1]:-}" ]; then
		printf '%s' "${sd[$1]}"
	else
		printf '%s/sets/%s' "$run" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_')"
	fi
}
for n in control harness-control harness-off ${reachable[@]+"${reachable[@]}"}; do
	sd[$n]=$(setdir "$n")
done

# Each entry's edits go to an overlay ($d.tree). Edited .c files are compiled
# beside the work tree with kbuild's own command line, up to KM_JOBS at once
# (compiler); the module sets are then linked one at a time in the work
# tree, which stays pristine (builder). An entry that edits a header falls
# back to editing the work tree and letting make rebuild what depends on it.
compile_entry() {
	local n=$1 d t0 f mode=side
	d=$(setdir "$n")
	t0=$(date +%s.%N)
	edit_root=$d.tree
	edit_src=$(base_src "$n")
	mkdir -p "$edit_root"
	if [ "${m_base[$n]}" = harness ] && [ "$harness_built" = 0 ]; then
		publish "$d.compiled" "harness 0"
		return
	fi
	if ! apply_entry "$n" 2>"$d.log"; then
		read_edited
		publish "$d.compiled" "edit 0"
		return
	fi
	read_edited
	printf '%s\n' "${edited[@]}" >"$d.files"
	for f in "${edited[@]}"; do
		case "$f" in *.c) ;; *) mode=tree ;; esac
	done
	if [ "$mode" = side ]; then
		mkdir -p "$d.src"
		cp -as "$edit_src/." "$d.src/"
		for f in "${edited[@]}"; do
			rm -f "$d.src/$f"
			cp "$edit_root/$f" "$d.src/$f"
		done
		for f in "${edited[@]}"; do
			mkdir -p "$d.obj/$(dirname "$f")"
			if ! km_side_compile "$f" "$d.src" "$d.obj/${f%.c}.o" >>"$d.build.log" 2>&1; then
				publish "$d.compiled" "build $(elapsed "$t0")"
				return
			fi
		done
	fi
	publish "$d.compiled" "$mode $(elapsed "$t0")"
}

# Another process waits for these files to exist and then reads them:
# write the whole line first, then give it its name (rename is atomic).
publish() {
	printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# While a guest boots (it keeps one CPU busy) one compile fewer runs, so
# the CPUs stay busy without the boots falling behind the compiles.
compiler() {
	local n limit
	for n in ${reachable[@]+"${reachable[@]}"}; do
		while :; do
			limit=$KM_JOBS
			if compgen -G "$run/sets/*.booting" >/dev/null && [ "$limit" -gt 1 ]; then
				limit=$((limit - 1))
			fi
			[ "$(jobs -rp | wc -l)" -ge "$limit" ] || break
			wait -n || true
		done
		compile_entry "$n" &
	done
	wait
}

builder() {
	local n d t0 rc status csecs f files efiles ref
	compiler &
	for n in ${reachable[@]+"${reachable[@]}"}; do
		d=$(setdir "$n")
		while [ ! -f "$d.compiled" ]; do
			sleep 0.1
		done
		read -r status csecs <"$d.compiled"
		case "$status" in
		side|tree) ;;
		*) publish "$d.done" "$status $csecs -"; continue ;;
		esac
		mapfile -t files <"$d.files"
		efiles=("${files[@]}")
		t0=$(date +%s.%N)
		ref=$KM_STOCK
		if [ "${m_base[$n]}" = harness ]; then
			# The harness underneath: its objects (side), or its source
			# (tree); the work tree gets all of it back to stock after.
			ref=$KM_HARNESS
			if [ "$status" = side ]; then
				km_use_harness_objs
				mapfile -t files < <({ printf '%s\n' "${files[@]}"
					km_harness_files; } | sort -u)
			else
				for f in $(km_patch_files "$KM_HARNESS_PATCH"); do
					cp "$KM_HARNESS_SRC/$f" "$KM_WORK/$f"
				done
				mapfile -t files < <({ printf '%s\n' "${files[@]}"; km_harness_files
					km_patch_files "$KM_HARNESS_PATCH"; } | sort -u)
			fi
		fi
		for f in "${efiles[@]}"; do
			if [ "$status" = side ]; then
				cp "$d.obj/${f%.c}.o" "$KM_WORK/${f%.c}.o"
				touch "$KM_WORK/${f%.c}.o"
			else
				cp "$d.tree/$f" "$KM_WORK/$f"
			fi
		done
		rc=0
		KM_REF_SET=$ref km_build_edited "$d" "$d.build.log" "${files[@]}" || rc=1
		csecs=$(awk -v c="$csecs" -v l="$(elapsed "$t0")" 'BEGIN { printf "%.0f", c + l }')
		if [ "$rc" = 0 ]; then
			publish "$d.done" "ok $csecs $(km_set_id "$d")"
		else
			publish "$d.done" "build $csecs -"
		fi
		rm -rf "$d.obj" "$d.tree" "$d.src"
	done
	wait
}
builder_pid=
cleanup() {
	local p
	for p in $(jobs -p); do
		[ "$p" = "${builder_pid:-}" ] || kill_tree "$p"
	done
	if [ -n "$builder_pid" ]; then
		kill_tree "$builder_pid"
		wait "$builder_pid" 2>/dev/null || true
		builder_pid=
		km_sanitize
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
builder &
builder_pid=$!

# --- booting and judging ------------------------------------------------------------------
boot_args=()
[ -z "$suite_dir" ] || boot_args+=(--suite-dir "$suite_dir")
[ -z "$suite_build" ] || boot_args+=(--build "$suite_build")

# first_deviation RESULTDIR RC: what the suite named first.
first_deviation() {
	local r=$1 rc=$2 line
	if [ "$rc" = 3 ]; then
		line=$(sed -n 's/^outcome=//p' "$r/kernel.txt" 2>/dev/null | head -n 1)
		echo "boot: ${line:-failed}"
		return
	fi
	line=$(grep -m1 -E '^[[:space:]]*# deviation: ' "$r/ktap.txt" 2>/dev/null |
		sed -E 's/^[[:space:]]*# deviation: //; s/ diagnosis=.*//; s/^field=//' || true)
	if [ -n "$line" ]; then
		echo "$line"
		return
	fi
	line=$(grep -m1 -E '^[[:space:]]+not ok [0-9]+ ' "$r/ktap.txt" 2>/dev/null |
		sed -E 's/^[[:space:]]+not ok [0-9]+ //' || true)
	echo "${line:+not ok $line}"
}

# boot_set NAME DIR: boot DIR's modules; leaves "rc seconds" in the set's
# .result file (boots of different sets may run at once).
boot_set() {
	local n=$1 mods=$2 d r t0 rc=0 extra=() args=(${runner_args[@]+"${runner_args[@]}"})
	d=$(setdir "$n")
	r=$out/$(basename "$d")
	t0=$(date +%s)
	if [ "${m_base[$n]}" = harness ]; then
		extra=(--module-param "$KM_HARNESS_PARAM")
		args=("${harness_args[@]}")
	elif [ "${m_base[$n]}" = harness-off ]; then
		args=("${harness_off_args[@]}")
	fi
	: >"$d.booting"
	"$boot" --bzimage "$KM_BZIMAGE" --modules "$mods" --out "$r" --timeout "$timeout_s" \
		--label "$KM_RELEASE $n" --no-stream --no-report ${boot_args[@]+"${boot_args[@]}"} \
		${extra[@]+"${extra[@]}"} -- "${args[@]}" >"$r.boot-stdout.txt" 2>&1 || rc=$?
	publish "$d.result" "$rc $(($(date +%s) - t0))"
	rm -f "$d.booting"
}

fmt='%-32s %-38s %-11s %-12s %-9s %-31s %s\n'
table=$out/table.txt
row() {
	[ "$tty" = 0 ] || printf '\r\033[K'
	# shellcheck disable=SC2059
	printf "$fmt" "$@" | tee -a "$table"
}
# On a terminal, a progress line between the rows (rewritten in place, at
# most once a second): rows done, sets compiled, boots running.
tty=0
[ -t 1 ] && tty=1
last_tick=0
tick() {
	[ "$tty" = 1 ] && [ "$SECONDS" != "$last_tick" ] || return 0
	last_tick=$SECONDS
	local n c=0 b=''
	for n in ${reachable[@]+"${reachable[@]}"}; do
		[ ! -f "${sd[$n]}.done" ] || c=$((c + 1))
		[ ! -f "${sd[$n]}.booting" ] || b="$b $n"
	done
	[ ! -f "${sd[control]}.booting" ] || b="$b control"
	[ ! -f "${sd[harness-control]}.booting" ] || b="$b harness-control"
	[ ! -f "${sd[harness-off]}.booting" ] || b="$b harness-off"
	printf '\r\033[K..    %d/%d rows, %d/%d sets built, booting:%s  %ss' "${next_row:-0}" \
		"${#reachable[@]}" "$c" "${#reachable[@]}" "${b:- none}" "$(($(date +%s) - t_start))"
}
: >"$table"
{
	echo "# kvm-sysevent real-kernel mutants"
	echo "# kernel: $KM_RELEASE ($KM_VERSION), image sha256 $(sha256sum "$KM_BZIMAGE" | cut -c1-16)"
	echo "# stock modules: $stock_id, stock build ${stock_seconds}s (reused when cached)"
	rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
	echo "# suite: $rev${runner_args[*]:+, runner args: ${runner_args[*]}}"
	if [ "$need_harness" = 1 ]; then
		echo "# harness modules: $harness_id (kernel/harness/$(basename "$KM_HARNESS_PATCH")," \
			"test-only; build ${harness_seconds}s when not cached), loaded with $KM_HARNESS_PARAM"
		echo "# harness rows: KVM's SEV-ES code driven by plain guests, not SEV-ES hardware;" \
			"runner args: ${harness_args[*]}; harness-off (parameter off): ${harness_off_args[*]}"
	fi
} | tee -a "$table"
row name site expected actual time build "first deviation"

conf_total=0 conf_pass=0 kill_total=0 kill_ok=0 n_pass=0 n_fail=0 n_skip=0

judge() {
	# judge NAME EXPECT RC TIME BUILD: print the row and count it.
	local n=$1 exp=$2 rc=$3 t=$4 b=$5 actual dev ok=0 npass
	# A run in which no test passed (no /dev/kvm, everything skipped)
	# proves nothing either way.
	if [ "$rc" = 0 ]; then
		npass=$(sed -n 's/^\([0-9]*\) passed, .*/\1/p' "$res_dir/summary.txt" 2>/dev/null | tail -n 1)
		[ "${npass:-0}" -gt 0 ] || rc=nothing
	fi
	# A harness row whose guest did not have the harness on proves nothing.
	if [ "${m_base[$n]}" = harness ] && { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } &&
		! grep -qx "${KM_HARNESS_PARAM%=*}=Y" "$res_dir/modules.txt" 2>/dev/null; then
		rc=noharness
	fi
	case "$rc" in
	nothing) actual=error; dev="no test passed (all skipped?): see $(basename "$res_dir")/ktap.txt" ;;
	noharness) actual=error; dev="the harness was not on in the guest: see $(basename "$res_dir")/modules.txt" ;;
	nojudge) actual=not-judged; dev="the harness control did not pass" ;;
	harness) actual="build-failed"; dev="the harness did not apply or build: see $KM_DIR/harness-build.log" ;;
	edit) actual="edit-failed"; dev="the edit did not apply (context moved?)" ;;
	build) actual="build-failed"; dev="see $(basename "$(setdir "$n")").build.log" ;;
	0) actual=$([ "$exp" = killed ] && echo survived || echo passed); dev="-" ;;
	1) actual=$([ "$exp" = killed ] && echo killed || echo false-alarm)
		case "$n" in patch:*) actual=breaks-abi ;; esac
		dev=$(first_deviation "$res_dir" 1) ;;
	*) actual=error; dev=$(first_deviation "$res_dir" "$rc") ;;
	esac
	case "$exp:$actual" in
	killed:killed) ok=1; kill_ok=$((kill_ok + 1)) ;;
	conformant:passed) ok=1
		case "$n" in control|harness-control|harness-off) ;;
		*) conf_pass=$((conf_pass + 1)) ;; esac ;;
	esac
	case "$n:$exp" in
	control:*|harness-control:*|harness-off:*) ;;
	*:killed) kill_total=$((kill_total + 1)) ;;
	*:conformant) conf_total=$((conf_total + 1)) ;;
	esac
	if [ "$ok" = 1 ]; then n_pass=$((n_pass + 1)); else n_fail=$((n_fail + 1)); fi
	judged_ok=$ok
	row "$n" "${m_site[$n]}" "$exp" "$actual" "$t" "$b" "${dev:--}"
}

# The controls first: without a passing control no kill means anything.
# The stock modules, and the harness on top of them (for the harness rows),
# and the same harness modules with the parameter off (they must be stock
# to a plain guest): all boot at once.
m_site[control]="stock modules"
m_base[control]=stock
m_site[harness-control]="harness modules (SEV-ES code)"
m_base[harness-control]=harness
m_site[harness-off]="harness modules, parameter off"
m_base[harness-off]=harness-off
boot_set control "$KM_STOCK" &
control_pid=$!
harness_pid= off_pid=
if [ "$need_harness" = 1 ] && [ "$harness_built" = 1 ]; then
	boot_set harness-control "$KM_HARNESS" &
	harness_pid=$!
	boot_set harness-off "$KM_HARNESS" &
	off_pid=$!
fi
while [ ! -f "$(setdir control).result" ] ||
	{ [ -n "$harness_pid" ] && { [ ! -f "$(setdir harness-control).result" ] ||
		[ ! -f "$(setdir harness-off).result" ]; }; }; do
	tick
	sleep 0.2
done
wait "$control_pid" ${harness_pid:+"$harness_pid"} ${off_pid:+"$off_pid"} || true
read -r rc_run secs_run <"$(setdir control).result"
res_dir=$out/$(basename "$(setdir control)")
judge control conformant "$rc_run" "${secs_run}s" "$KM_RELEASE/$stock_id"
control_ok=$([ "$rc_run" = 0 ] && echo 1 || echo 0)
harness_ok=0
if [ "$need_harness" = 1 ]; then
	if [ "$harness_built" = 1 ]; then
		read -r rc_run secs_run <"$(setdir harness-control).result"
		res_dir=$out/$(basename "$(setdir harness-control)")
		judge harness-control conformant "$rc_run" "${harness_seconds}s+${secs_run}s" \
			"$KM_RELEASE/$harness_id"
		harness_ok=$judged_ok
		read -r rc_run secs_run <"$(setdir harness-off).result"
		res_dir=$out/$(basename "$(setdir harness-off)")
		judge harness-off conformant "$rc_run" "${secs_run}s" "$KM_RELEASE/$harness_id"
	else
		res_dir=
		judge harness-control conformant harness "-" "-"
	fi
fi

# Then every set as soon as it is linked: one boot at a time while compiles
# run, up to KM_JOBS once they are all done. Rows print in catalogue order.
next_row=0 launched=0
flush_rows() {
	local n d rc secs status bsecs setid
	while [ "$next_row" -lt "${#reachable[@]}" ]; do
		n=${reachable[$next_row]}
		d=${sd[$n]}
		[ -f "$d.result" ] || return 0
		read -r rc secs <"$d.result"
		read -r status bsecs setid <"$d.done"
		if [ "$status" != ok ]; then
			res_dir=
			judge "$n" "${m_expect[$n]}" "$status" "${bsecs}s+0s" "-"
			sed 's/^/    /' "$d.log" "$d.build.log" 2>/dev/null | tail -n 5 | tee -a "$table"
		else
			res_dir=$out/$(basename "$d")
			judge "$n" "${m_expect[$n]}" "$rc" "${bsecs}s+${secs}s" "$KM_RELEASE/$setid"
		fi
		rm -rf "$d"
		next_row=$((next_row + 1))
	done
}
running_boots() {
	local n c=0
	for n in ${reachable[@]+"${reachable[@]}"}; do
		[ -f "${sd[$n]}.launched" ] && [ ! -f "${sd[$n]}.result" ] && c=$((c + 1))
	done
	echo "$c"
}
boot_limit() {
	local n
	for n in ${reachable[@]+"${reachable[@]}"}; do
		[ -f "${sd[$n]}.compiled" ] || { echo 1; return; }
	done
	echo "$KM_JOBS"
}

if [ "$control_ok" = 1 ]; then
	for n in ${reachable[@]+"${reachable[@]}"}; do
		d=$(setdir "$n")
		while [ ! -f "$d.done" ]; do
			kill -0 "$builder_pid" 2>/dev/null || [ -f "$d.done" ] || die "the module builder stopped"
			flush_rows
			tick
			sleep 0.2
		done
		read -r status bsecs setid <"$d.done"
		if [ "$status" != ok ]; then
			echo "$status 0" >"$d.result"
			flush_rows
			continue
		fi
		if [ "${m_base[$n]}" = harness ] && [ "$harness_ok" != 1 ]; then
			echo "nojudge 0" >"$d.result"
			flush_rows
			continue
		fi
		while [ "$(running_boots)" -ge "$(boot_limit)" ]; do
			flush_rows
			tick
			sleep 0.2
		done
		: >"$d.launched"
		boot_set "$n" "$d" &
		launched=$((launched + 1))
	done
	while [ "$next_row" -lt "${#reachable[@]}" ]; do
		flush_rows
		tick
		sleep 0.2
	done
	wait
else
	cleanup
fi
if [ -n "$builder_pid" ]; then
	wait "$builder_pid" 2>/dev/null || true
	builder_pid=
fi

if [ "$control_ok" != 1 ]; then
	echo "control failed: the stock modules do not pass the suite, so no mutant was judged" |
		tee -a "$table"
	echo "  see $out/control/ktap.txt and boot.log" | tee -a "$table"
fi

# Unreachable rows: the edit is still checked against this source.
for n in ${names[@]+"${names[@]}"}; do
	[ "${m_expect[$n]}" = unreachable ] || continue
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/kvm-mutants-edits.XXXXXX")
	mkdir "$scratch/tree"
	edit_root=$scratch/tree
	edit_src=$(base_src "$n")
	if apply_entry "$n" 2>"$scratch/log" && read_edited; then
		row "$n" "${m_site[$n]}" unreachable "not reachable here (model covers it)" - - -
		n_skip=$((n_skip + 1))
	else
		row "$n" "${m_site[$n]}" unreachable edit-failed - - "the edit did not apply (context moved?)"
		n_fail=$((n_fail + 1))
	fi
	rm -rf "$scratch"
done

t_total=$(($(date +%s) - t_start))
{
	echo "total: ${t_total}s (stock build ${stock_seconds}s when not cached; per row: build+boot)"
	echo "conformant variants passed: $conf_pass/$conf_total"
	echo "kernel mutants killed: $kill_ok/$kill_total"
} | tee -a "$table"
echo "mutants: $n_pass passed, $n_fail failed, $n_skip skipped"
[ "$n_fail" = 0 ] && [ "$control_ok" = 1 ]
