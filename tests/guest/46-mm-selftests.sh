#!/bin/sh
# The kernel's own mm selftests under the module.  `make test-mm` builds a
# set of tools/testing/selftests/mm programs from the guest kernel's tree
# (scripts/build-selftests, static) and boots a guest with little DRAM
# (--dram-mb 512 --slow-mb 2048: node 0 has about 85 MiB free after boot)
# with demotion on, so that the programs' memory lands on both nodes and
# kswapd demotes to the slow one.  Every program runs twice: without the
# module, then with it scanning aggressively (scan_sleep_ms 1, periods
# 10-50 ms, hot_threshold 1), which promotes their hot pages while they
# run.  Each program's exit status and the outcome of every test case it
# reports (its "ok"/"not ok" lines, with SKIP reasons) must be the same in
# both runs; the module must have promoted pages during its run; the kernel
# log must hold no detector report.  Some cases fail in this guest with or
# without the module (no networking, no /proc/PID/mem writes, no files):
# they must fail the same way.
#
# Outside `make test-mm` (no programs under /extra/mm) the test skips.
. /tests/lib/common.sh
find_slow_node
D=/extra/mm
[ -f $D/LIST ] || skip "no mm selftests in this guest: run by 'make test-mm'"
PER_TEST_S=${MM_SELFTEST_TIMEOUT_S:-900}

args_of() {
	case $1 in
	transhuge-stress) echo "-d 10" ;;
	*) echo "" ;;
	esac
}
# run_all TAG: every program, outputs in /tmp/mm-TAG/, a summary per
# program in /tmp/mm-TAG/RESULTS.
run_all() {
	o=/tmp/mm-$1
	rm -rf "$o"
	mkdir -p "$o/cwd"
	: >"$o/RESULTS"
	for t in $(cat $D/LIST); do
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
		info "$1: $t exit $rc in $(( (b - a) / 1000 )) s, $(grep -c '^ok ' "$o/$t.out") ok, $(grep -c '^not ok ' "$o/$t.out") not ok"
	done
}

dem=$(cat /sys/kernel/mm/numa/demotion_enabled)
echo 1 >/sys/kernel/mm/numa/demotion_enabled
info "node 0: $(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo) MiB free; demotion on"
d0=$(vmstat pgdemote_kswapd)
run_all without
d1=$(vmstat pgdemote_kswapd)

load_module
aggressive_knobs
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
	fail "the selftests' results differ with the module (above: - without, + with)"
fi
info "identical results: $(grep -c ': ok ' /tmp/mm-with/RESULTS) cases ok, $(grep -c ': not ok ' /tmp/mm-with/RESULTS) not ok (the same without the module), in $(wc -l <$D/LIST) programs"
[ $((p1 - p0)) -gt 0 ] || fail "the module promoted nothing while the selftests ran: it did not race with them"
check_dmesg
