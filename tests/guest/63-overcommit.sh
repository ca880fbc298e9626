#!/bin/sh
# Overcommit: a hot set 1.5 times the free DRAM, demotion on, the module
# loaded first.  Node 0 is cut down to about FREE_MB free with hugetlb pages
# (which neither reclaim nor demotion takes), then tierload writes a hot
# region of 1.5 x that on the slow node for SECS s, once without the module
# and once with it, in this boot.  Without a back-off the module fills
# DRAM, asks kswapd for room, kswapd demotes hot pages promoted a moment
# ago, they are found young again and promoted again: copies going round.
# With it (docs/kmmscand.rst, "Ping-pong") the module sees its promoted
# pages come back, holds room-making, and settles.  Checked:
#  - the module counted returned pages and held room-making at least once;
#  - the workload's own ping-pong count (pages it saw on node 0, then the
#    slow node, then node 0 again) is at most PP_MAX_PCT% of the hot pages;
#  - pages demoted during the run are at most DEMOTED_MAX_X times the hot
#    set (each demotion of a hot page is a copy the application pays for);
#  - the workload did at least WORK_MIN_PCT% of the work it did without the
#    module (accesses in SECS s; a ratio within one boot: TCG emulates no
#    memory latency, so DRAM gains nothing here and only the cost shows);
#  - no OOM kill, no kernel report.
. /tests/lib/common.sh
find_slow_node
FREE_MB=${OVERCOMMIT_FREE_MB:-384}
SECS=${OVERCOMMIT_SECS:-30}
PP_MAX_PCT=10
DEMOTED_MAX_X=2
WORK_MIN_PCT=90
need_node_mb "$SLOW" 1200
HP=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
[ -w "$HP" ] || fail "no 2 MiB hugetlb pages on node 0 ($HP): the kernel needs CONFIG_HUGETLBFS"
node0_free_mb() { awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo; }
free=$(node0_free_mb)
echo $(( (free - FREE_MB) / 2 )) >"$HP"
free=$(node0_free_mb)
info "node 0: $(cat "$HP") huge pages of 2 MiB reserved, $free MiB free"
[ "$free" -le $((FREE_MB + 128)) ] && [ "$free" -ge $((FREE_MB - 128)) ] ||
	{ echo 0 >"$HP"; fail "could not bring node 0 to about $FREE_MB MiB free ($free MiB)"; }
HOT=$((free * 3 / 2))
hot_pages=$((HOT * 256))
echo 1 >/sys/kernel/mm/numa/demotion_enabled
demoted() { echo $(( $(vmstat pgdemote_kswapd) + $(vmstat pgdemote_direct) )); }
oom0=$(vmstat oom_kill)
# run NAME: the workload for SECS s; its end line in /tmp/oc.NAME.
run() {
	tierload --pattern hot --hot-mb "$HOT" --cold-mb 0 --node "$SLOW" --seconds "$SECS" \
		--sample-ms 1000 >/tmp/oc.$1.out 2>&1 || { tail -n 5 /tmp/oc.$1.out; fail "tierload ($1) failed"; }
	grep '^tierload: E ' /tmp/oc.$1.out >/tmp/oc.$1
}
end_field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "/tmp/oc.$1"; }

run none
d0=$(demoted)
p0=$(vmstat kmmscand_promoted)
k0=$(vmstat kmmscand_kswapd_requests)
load_module
kpid=$(kthread_pids)
c0=$(awk '{ print $14 + $15 }' "/proc/$kpid/stat")
run kmmscand
c1=$(awk '{ print $14 + $15 }' "/proc/$kpid/stat")
returned=$(knob pingpong_pages)
holds=$(knob room_holds)
d1=$(demoted)
p1=$(vmstat kmmscand_promoted)
k1=$(vmstat kmmscand_kswapd_requests)
unload_module
echo 0 >/sys/kernel/mm/numa/demotion_enabled
echo 0 >"$HP"

ops_none=$(end_field none ops)
ops_k=$(end_field kmmscand ops)
pp=$(end_field kmmscand pp)
info "hot set $HOT MiB ($hot_pages pages) for $SECS s, $free MiB of node 0 free"
info "none: $(cat /tmp/oc.none)"
info "kmmscand: $(cat /tmp/oc.kmmscand)"
info "kmmscand: promoted $((p1 - p0)), demoted $((d1 - d0)), kswapd requests $((k1 - k0)), pingpong_pages $returned, room_holds $holds, thread CPU $((c1 - c0)) cs"
[ -n "$ops_none" ] && [ -n "$ops_k" ] && [ -n "$pp" ] || fail "no end line from tierload"
[ "$ops_none" -gt 0 ] || fail "the workload did nothing without the module"
pct=$((ops_k * 100 / ops_none))
info "work with the module: $pct% of the work without it (bound >= $WORK_MIN_PCT%); ping-pong $pp pages ($((pp * 100 / hot_pages))%, bound $PP_MAX_PCT%)"
[ $((p1 - p0)) -gt 0 ] || fail "nothing was promoted: the test did not exercise promotion"
[ "$returned" -gt 0 ] || fail "the module saw none of its promoted pages come back"
[ "$holds" -ge 1 ] || fail "room-making was never held: the module kept making room for pages that came back"
[ "$pp" -le $((hot_pages * PP_MAX_PCT / 100)) ] || fail "the workload saw $pp pages go back and forth (bound $PP_MAX_PCT% of $hot_pages)"
[ $((d1 - d0)) -le $((hot_pages * DEMOTED_MAX_X)) ] || fail "$((d1 - d0)) pages demoted in $SECS s, more than $DEMOTED_MAX_X x the hot set"
[ "$pct" -ge $WORK_MIN_PCT ] || fail "the workload did $pct% of its work without the module (bound $WORK_MIN_PCT%)"
[ "$(vmstat oom_kill)" = "$oom0" ] || fail "an OOM kill during the test"
check_dmesg
