#!/bin/sh
# The kernel's own mm selftests under the module.  `make test-full` builds a
# set of tools/testing/selftests/mm programs from the guest kernel's tree
# (scripts/build-selftests, static) and boots a guest with little DRAM
# (--dram-mb 512 --slow-mb 2048: node 0 has about 85 MiB free after boot)
# with demotion on, so that the programs' memory lands on both nodes and
# kswapd demotes to the slow one.  Every program runs twice: without the
# module, then with it scanning aggressively (scan_sleep_ms 1, periods
# 10-50 ms, hot_threshold 1), which promotes their hot pages while they
# run.  Each program's exit status and the outcome of every test case it
# reports (its "ok"/"not ok" lines, with SKIP reasons) must be the same in
# both runs; the module must have promoted pages during the run; the kernel
# log must hold no detector report.  Some cases fail in this guest with or
# without the module (no networking, no /proc/PID/mem writes, no files):
# they must fail the same way.
#
# Two programs judge the kernel's state through /proc/self/pagemap, which
# shows a page under migration (a migration entry) as swapped out, with no
# PFN: cow takes such a page for one MADV_PAGEOUT swapped out (it skips
# those cases in a guest without swap), split_huge_page_test for a split
# THP.  Any migration racing with them does that (this module, NUMA
# balancing, compaction); in one run of three, cow bailed out at case 572
# and split_huge_page_test at case 2.  They run with the module scanning
# their address spaces as fast (Accessed bits tested and cleared, TLB
# flushed) but promote_rate_limit_mbps 0, so nothing of theirs migrates:
# kmmscand_young must grow and kmmscand_promoted not.  Every other program
# runs with promotion on.  (cow and split_huge_page_test are in the set of
# `make test-mm` only: scripts/build-selftests.)
#
# It runs in the hmat-small topology (scripts/test-sets), which adds the
# programs under /extra/mm; without them it fails.
. /tests/lib/common.sh
find_slow_node
D=/extra/mm
[ -f $D/LIST ] || fail "no mm selftests under $D: this test runs in the hmat-small topology (make test-full, make test-guest TOPOLOGY=hmat-small)"
PER_TEST_S=${MM_SELFTEST_TIMEOUT_S:-600}

args_of() {
	case $1 in
	transhuge-stress) echo "-d 5 256" ;;
	*) echo "" ;;
	esac
}
# Programs that read migration entries as swapped-out or split pages (see
# above): with the module loaded, they run without promotion.
scan_only() {
	case $1 in
	cow|split_huge_page_test) return 0 ;;
	*) return 1 ;;
	esac
}
# run_all TAG: every program, outputs in /tmp/mm-TAG/, a summary per
# program in /tmp/mm-TAG/RESULTS.  With the module loaded (TAG "with"),
# the young and promoted pages during scan-only programs add up in
# /tmp/mm-scan-only, during the others in /tmp/mm-promoting.
run_all() {
	o=/tmp/mm-$1
	rm -rf "$o"
	mkdir -p "$o/cwd"
	: >"$o/RESULTS"
	for t in $(cat $D/LIST); do
		if [ "$1" = with ]; then
			if scan_only $t; then
				knob_set promote_rate_limit_mbps 0
				acc=/tmp/mm-scan-only
			else
				knob_set promote_rate_limit_mbps "$rate0"
				acc=/tmp/mm-promoting
			fi
			y0=$(vmstat kmmscand_young)
			q0=$(vmstat kmmscand_promoted)
		fi
		a=$(uptime_ms)
		(cd "$o/cwd" && timeout $PER_TEST_S $D/$t $(args_of $t) >"$o/$t.out" 2>&1)
		rc=$?
		b=$(uptime_ms)
		# The cases' outcomes (drop the counters' numbering noise: none;
		# KTAP lines are stable) and the exit status.
		{
			echo "$t exit=$rc"
			grep -E '^(not )?ok [0-9]+ ' "$o/$t.out" | sed "s/^/$t: /"
		} >>"$o/RESULTS"
		extra=
		if [ "$1" = with ]; then
			y=$(( $(vmstat kmmscand_young) - y0 ))
			q=$(( $(vmstat kmmscand_promoted) - q0 ))
			echo "$y $q" >>$acc
			extra=", kmmscand_young +$y, kmmscand_promoted +$q$(scan_only $t && echo ' (promotion off)')"
		fi
		info "$1: $t exit $rc in $(( (b - a) / 1000 )) s, $(grep -c '^ok ' "$o/$t.out") ok, $(grep -c '^not ok ' "$o/$t.out") not ok$extra"
	done
}
# sum FILE COLUMN
sum() { awk -v c="$2" '{ n += $c } END { print n + 0 }' "$1" 2>/dev/null || echo 0; }

dem=$(cat /sys/kernel/mm/numa/demotion_enabled)
echo 1 >/sys/kernel/mm/numa/demotion_enabled
info "node 0: $(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo) MiB free; demotion on"
d0=$(vmstat pgdemote_kswapd)
run_all without
d1=$(vmstat pgdemote_kswapd)

load_module
aggressive_knobs
rate0=$(knob promote_rate_limit_mbps)
rm -f /tmp/mm-scan-only /tmp/mm-promoting
p0=$(vmstat kmmscand_promoted)
s0=$(vmstat kmmscand_mm_scans)
run_all with
p1=$(vmstat kmmscand_promoted)
s1=$(vmstat kmmscand_mm_scans)
d2=$(vmstat pgdemote_kswapd)
unload_module
case $dem in true|1) echo 1 ;; *) echo 0 ;; esac >/sys/kernel/mm/numa/demotion_enabled

info "without the module: pgdemote_kswapd +$((d1 - d0)); with it: kmmscand_mm_scans +$((s1 - s0)), kmmscand_promoted +$((p1 - p0)), pgdemote_kswapd +$((d2 - d1))"
if ! diff /tmp/mm-without/RESULTS /tmp/mm-with/RESULTS >/tmp/mm.diff; then
	cat /tmp/mm.diff
	# What each program that differs said last, in both runs.
	for t in $(grep -v '^\(---\|+++\) ' /tmp/mm.diff | sed -n 's/^[-+]\([^ :]*\)[: ].*/\1/p' | sort -u); do
		for r in without with; do
			info "--- $t, $r the module: its last lines but ok ones"
			grep -v '^ok ' /tmp/mm-$r/$t.out | tail -n 15 | sed 's/^/    /'
		done
	done
	fail "the selftests' results differ with the module (above: - without, + with)"
fi
info "identical results: $(grep -c ': ok ' /tmp/mm-with/RESULTS) cases ok, $(grep -c ': not ok ' /tmp/mm-with/RESULTS) not ok (the same without the module), in $(wc -w <$D/LIST) programs"
[ $((p1 - p0)) -gt 0 ] || fail "the module promoted nothing while the selftests ran: it did not race with them"
[ "$(sum /tmp/mm-promoting 2)" -gt 0 ] || fail "nothing was promoted while the programs with promotion on ran"
# The scan-only programs are built for make test-mm only (MM_SELFTESTS_ALL):
# when the list has one, its sums must be there.
has_scan_only=0
for t in $(cat $D/LIST); do scan_only $t && has_scan_only=1; done
if [ $has_scan_only = 1 ]; then
	[ -s /tmp/mm-scan-only ] || fail "scan-only programs ran but nothing was summed for them"
	[ "$(sum /tmp/mm-scan-only 1)" -gt 0 ] || fail "the module found no young page while the scan-only programs ran: it did not scan them"
	[ "$(sum /tmp/mm-scan-only 2)" = 0 ] || fail "pages were promoted while promote_rate_limit_mbps was 0"
fi
check_dmesg
