#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kvm-sysevent suite inside one or more kernels under QEMU
# (run_tests.sh --kernel K ... execs this). See kernel/README.md.

set -euo pipefail

prog=run-in-kernel.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=kernel/lib.sh
. "$here/lib.sh"

usage() {
	cat <<EOF
usage: run_tests.sh --kernel K [--modules DIR] [--kernel K ...] [-o DIR] [options] [RUNNER_ARGS...]
       $prog (same arguments)

Boot each kernel K under QEMU (x86_64, arm64 or riscv64, from the image)
and run the suite inside it. K is one of
  PATH             an x86 bzImage, arm64 Image or riscv Image; give its kvm
                   modules with --modules DIR right after it (flat .ko files
                   or a /lib/modules/<release> tree), or none for a kernel
                   with KVM built in. PATH:DIR is the same as
                   PATH --modules DIR
  PATH.deb         a Debian kernel image package (any of the three)
  debian-X.Y[:ARCH]
                   the newest linux-image-X.Y.*-ARCH-unsigned in the package
                   index today, fetched into .cache/kernels/ (debian-6.12,
                   debian-6.1:arm64, debian-6.12:riscv64; ARCH is amd64,
                   arm64 or riscv64, default the host's)
  linux-image-...[:ARCH]
                   a Debian kernel image package by name

  -o DIR                 result directory. One kernel: DIR is its result set.
                         Several: DIR/<kernel-name>/ each, plus DIR/compare.txt.
                         Default: <repo>/results/kernels[/<kernel-name>]
  --kernel-timeout S     per-kernel limit, boot included (default 600)
  --qemu-accel A         auto (default), kvm or tcg
  --kernel-jobs N        boot up to N kernels at once (default 1); with N > 1
                         each KTAP stream is printed when its run ends
  --build DIR            static suite binaries (default per architecture:
                         <repo>/build-static, build-static-arm64,
                         build-static-riscv)
  --suite-dir DIR        where run_tests.sh and settings are (default <repo>)
  --ktap                 each kernel's KTAP stream (the default unless stdout
                         is a terminal)
  --brief                each kernel's short view, with progress (the default
                         on a terminal; see run_tests.sh --show)
  -h, --help             this help

Every other argument goes to run_tests.sh inside each guest.

Prints each kernel's combined KTAP stream, then (several kernels) a
comparison and one count line per kernel, and last the count line summed
over kernels: N passed, N failed, N skipped.

Exit status: 0 nothing failed, 1 a test failed, 2 bad usage or input,
3 a kernel panicked, never reached the suite or timed out, 4 every case
skipped (over several kernels: in every one of them; a kernel whose every
case skipped is no failure).
EOF
}

kernels=() kmods=() runner_args=()
outdir='' ktimeout=600 accel=auto jobs=1 build='' suite_dir='' view=''
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need_arg "$@"; kernels+=("$2"); kmods+=(""); shift 2 ;;
	--kernel=*) kernels+=("${1#*=}"); kmods+=(""); shift ;;
	--modules|--modules=*)
		if [ "$1" = --modules ]; then need_arg "$@"; v=$2; shift 2; else v=${1#*=}; shift; fi
		[ ${#kernels[@]} -gt 0 ] || die "--modules must follow the --kernel it belongs to"
		kmods[${#kernels[@]} - 1]=$v
		;;
	-o|--output) need_arg "$@"; outdir=$2; shift 2 ;;
	--kernel-timeout) need_arg "$@"; ktimeout=$2; shift 2 ;;
	--qemu-accel) need_arg "$@"; accel=$2; shift 2 ;;
	--kernel-jobs) need_arg "$@"; jobs=$2; shift 2 ;;
	--build) need_arg "$@"; build=$2; shift 2 ;;
	--suite-dir) need_arg "$@"; suite_dir=$2; shift 2 ;;
	--ktap) view=ktap; shift ;;
	--brief) view=brief; shift ;;
	-h|--help) usage; exit 0 ;;
	*) runner_args+=("$1"); shift ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || die "no --kernel given (try --help)"
case "$ktimeout" in ''|*[!0-9]*|0) die "--kernel-timeout needs a positive number of seconds" ;; esac
case "$jobs" in ''|*[!0-9]*|0) die "--kernel-jobs needs a positive number" ;; esac
case "$accel" in auto|kvm|tcg) ;; *) die "--qemu-accel must be auto, kvm or tcg" ;; esac
suite_dir=${suite_dir:-$repo}
# A person at a terminal gets each kernel's short view and progress; anything
# else the KTAP streams.
if [ -z "$view" ]; then
	if [ -t 1 ]; then view=brief; else view=ktap; fi
fi

# --- resolve every kernel first, so that a bad name fails before any boot -----
names=() images=() moddirs=() arches=() debinfo=()
declare -A busyboxes=()
unique_name() {
	local n=$1 i=2 x taken
	n=$(printf '%s' "$n" | tr -c 'A-Za-z0-9._+-' '_')
	while :; do
		taken=0
		for x in ${names[@]+"${names[@]}"}; do [ "$x" != "$n" ] || taken=1; done
		[ "$taken" = 1 ] || break
		n=${1}-$i
		i=$((i + 1))
	done
	printf '%s' "$n"
}
for i in "${!kernels[@]}"; do
	k=${kernels[$i]}
	m=${kmods[$i]}
	case "$k" in
	*.deb|debian-*|linux-image-*)
		[ -z "$m" ] || die "--modules goes with a kernel image, not with $k"
		info=$("$here/fetch-kernel.sh" "$k") || exit 2
		name=$(printf '%s\n' "$info" | sed -n 's/^name=//p')
		img=$(printf '%s\n' "$info" | sed -n 's/^image=//p')
		m=$(printf '%s\n' "$info" | sed -n 's/^modules=//p')
		a=$(printf '%s\n' "$info" | sed -n 's/^arch=//p')
		di=$(printf '%s\n' "$info" | sed -n 's/^\(package\|version\|suite\|layout\|fallback\)=/debian_\1=/p')
		# KVM is built into Debian's arm64 kernels; their other modules
		# are of no use here.
		[ "$a" != arm64 ] || m=
		;;
	*)
		# PATH:MODULES_DIR is --kernel PATH --modules MODULES_DIR (for make's
		# KERNELS list, which has no room for --modules).
		if [ ! -f "$k" ] && [ -z "$m" ] && [ -f "${k%%:*}" ] && [ "${k#*:}" != "$k" ]; then
			m=${k#*:}
			k=${k%%:*}
		fi
		[ -f "$k" ] || die "no such kernel image: $k"
		[ -z "$m" ] || [ -d "$m" ] || die "no such modules directory: $m"
		img=$k
		name=$(basename "$k")
		a=$(image_arch "$k" 2>/dev/null || echo unknown)
		di=
		;;
	esac
	# The static build of each architecture must be there before any boot.
	if [ "$a" != unknown ]; then
		b=${build:-$(arch_static_build "$a" "$suite_dir")}
		if [ ! -d "$b/$(arch_dir "$a")" ]; then
			if [ "$a" = x86_64 ]; then
				die "no static suite build in $b (run: make STATIC=1)"
			fi
			die "no static $a suite build in $b (run: make STATIC=1 ARCH=$(arch_make "$a"))"
		fi
	fi
	# Another architecture's busybox, fetched once here rather than by
	# kernels booting at the same time.
	if [ "$a" != unknown ] && [ "$a" != "$(host_arch)" ] && [ -z "${busyboxes[$a]:-}" ]; then
		bb=$("$here/fetch-kernel.sh" --busybox "$a") || exit 2
		busyboxes[$a]=${bb#busybox=}
	fi
	names+=("$(unique_name "$name")")
	images+=("$img")
	moddirs+=("$m")
	arches+=("$a")
	debinfo+=("$di")
done

n=${#names[@]}
if [ -z "$outdir" ]; then
	outdir=$repo/results/kernels
	[ "$n" -gt 1 ] || outdir=$outdir/${names[0]}
fi
mkdir -p "$outdir" || die "cannot create $outdir"
set_dir() {
	if [ "$n" -gt 1 ]; then printf '%s/%s' "$outdir" "${names[$1]}"; else printf '%s' "$outdir"; fi
}

# --- run ---------------------------------------------------------------------------
declare -a rcs=()
run_one() {
	local i=$1 stream=$2 dir args=()
	dir=$(set_dir "$i")
	args=(--image "${images[$i]}" --out "$dir" --timeout "$ktimeout" --accel "$accel"
		--suite-dir "$suite_dir" --label "${kernels[$i]}")
	[ -z "$build" ] || args+=(--build "$build")
	[ -z "${busyboxes[${arches[$i]}]:-}" ] || args+=(--busybox "${busyboxes[${arches[$i]}]}")
	[ -z "${moddirs[$i]}" ] || args+=(--modules "${moddirs[$i]}")
	[ "$stream" = 1 ] || args+=(--no-stream)
	args+=("--$view")
	local rc=0
	"$here/qemu-suite.sh" "${args[@]}" -- ${runner_args[@]+"${runner_args[@]}"} || rc=$?
	# Where a Debian kernel came from: its package, version, suite, layout
	# and any version the mirror could not serve.
	if [ -n "${debinfo[$i]}" ] && [ -f "$dir/kernel.txt" ]; then
		printf '%s\n' "${debinfo[$i]}" >>"$dir/kernel.txt"
	fi
	return "$rc"
}

start=$(date +%s)
if [ "$jobs" -le 1 ] || [ "$n" -le 1 ]; then
	for i in "${!names[@]}"; do
		[ "$n" -le 1 ] || echo "# === kernel ${names[$i]} (${kernels[$i]})"
		rc=0
		run_one "$i" 1 || rc=$?
		rcs[i]=$rc
	done
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sysevent-matrix.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	declare -a pids=()
	next=0 done_n=0
	while [ "$done_n" -lt "$n" ]; do
		while [ "$next" -lt "$n" ] && [ "$((next - done_n))" -lt "$jobs" ]; do
			(
				rc=0
				run_one "$next" 0 >"$tmp/$next.out" 2>"$tmp/$next.err" || rc=$?
				echo "$rc" >"$tmp/$next.rc"
			) &
			pids[next]=$!
			next=$((next + 1))
		done
		# Print finished runs in order, as soon as the earlier ones are out;
		# on a terminal, say meanwhile which kernels are still running.
		if [ "$view" = brief ] && [ -t 1 ]; then
			while [ ! -e "$tmp/$done_n.rc" ]; do
				running=""
				for ((j = done_n; j < next; j++)); do
					[ -e "$tmp/$j.rc" ] || running="$running ${names[$j]}"
				done
				printf '\r\033[K..    kernels: %d/%d done, running:%s  %ss' "$done_n" "$n" \
					"$running" "$(($(date +%s) - start))"
				sleep 1
			done
			printf '\r\033[K'
		fi
		wait "${pids[$done_n]}" || true
		echo "# === kernel ${names[$done_n]} (${kernels[$done_n]})"
		cat "$tmp/$done_n.out"
		cat "$tmp/$done_n.err" >&2
		rcs[done_n]=$(cat "$tmp/$done_n.rc" 2>/dev/null || echo 3)
		done_n=$((done_n + 1))
	done
fi
elapsed=$(($(date +%s) - start))

# --- summary ------------------------------------------------------------------------
# 3 (a kernel did not run the suite) beats 1 (a failure) beats 0; 4 (every
# case skipped, as run_tests.sh says it) is no failure, and the matrix's
# status only when every kernel said it.
worst=0 all_skipped=1
for i in "${!names[@]}"; do
	rc=${rcs[$i]}
	[ "$rc" = 4 ] || all_skipped=0
	case "$rc" in
	0|4) ;;
	3) worst=3 ;;
	*) [ "$worst" = 3 ] || worst=1 ;;
	esac
done
[ "$all_skipped" = 0 ] || worst=4

if [ "$n" -eq 1 ]; then
	exit "${rcs[0]}"
fi

tp=0 tf=0 ts=0
sets=()
for i in "${!names[@]}"; do
	sets+=("$(set_dir "$i")")
done

echo "# === comparison"
if [ -x "$repo/report/kvm-sysevent-report" ]; then
	"$repo/report/kvm-sysevent-report" compare "${sets[@]}" | tee "$outdir/compare.txt" || true
else
	# Our own small table: one row per leaf result, one column per kernel;
	# rows where all kernels agree are in compare.txt only.
	awk -v names="${names[*]}" '
		BEGIN { nk = split(names, kn, " ") }
		FNR == 1 { k++ }
		/^[ ]+(not )?ok [0-9]+ / {
			line = $0; sub(/^[ ]+/, "", line)
			v = (line ~ /^not ok/) ? "FAIL" : (line ~ /# [Ss][Kk][Ii][Pp]/ ? "SKIP" : "PASS")
			sub(/^(not )?ok [0-9]+ /, "", line); sub(/ #.*$/, "", line)
			if (!(line in seen)) { seen[line] = 1; order[++nr] = line }
			res[line, k] = v
		}
		END {
			w = 8
			for (r = 1; r <= nr; r++) if (length(order[r]) > w) w = length(order[r])
			hdr = sprintf("%-" w "s", "case")
			for (j = 1; j <= nk; j++) hdr = hdr sprintf("  %-14s", kn[j])
			print hdr > "/dev/stderr"
			print hdr
			ndiff = 0
			for (r = 1; r <= nr; r++) {
				row = sprintf("%-" w "s", order[r]); same = 1
				for (j = 1; j <= nk; j++) {
					v = ((order[r], j) in res) ? res[order[r], j] : "-"
					if (j > 1 && v != first) same = 0
					if (j == 1) first = v
					row = row sprintf("  %-14s", v)
				}
				print row
				if (!same) { print row > "/dev/stderr"; ndiff++ }
			}
			if (!ndiff) print "(all " nr " results agree across kernels)" > "/dev/stderr"
		}' "${sets[@]/%//ktap.txt}" 2>&1 >"$outdir/compare.txt" | sed 's/^/# /'
	echo "# full table: $outdir/compare.txt"
fi

for i in "${!names[@]}"; do
	line=$(tail -n 1 "${sets[$i]}/summary.txt" 2>/dev/null || true)
	if [[ $line =~ $count_re ]]; then
		tp=$((tp + BASH_REMATCH[1])) tf=$((tf + BASH_REMATCH[2])) ts=$((ts + ${BASH_REMATCH[4]:-0}))
	else
		line="no summary (counted as 1 failure)"
		tf=$((tf + 1))
	fi
	rel=$(sed -n 's/^kernel_release=//p' "${sets[$i]}/kernel.txt" 2>/dev/null || true)
	secs=$(sed -n 's/^seconds=//p' "${sets[$i]}/kernel.txt" 2>/dev/null || true)
	printf '# %-20s %-28s %s (exit %s, %ss)\n' "${names[$i]}" "${rel:-?}" "$line" "${rcs[$i]}" "${secs:-?}"
done
echo "# ${n} kernels in ${elapsed}s; result sets in $outdir/"
echo "$tp passed, $tf failed, $ts skipped"
exit "$worst"
