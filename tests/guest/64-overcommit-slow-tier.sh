#!/bin/sh
# Overcommit where the slow tier is slow: never worse than no mechanism.
# On the CXL topology QEMU emulates the slow node as MMIO, so an access to
# it really costs more than one to node 0 and the workload's own access
# rate shows what placement is worth (TCG emulates no latency on hmat,
# where 63 checks the back-off itself).  Node 0 is cut down to about
# FREE_MB free with hugetlb pages (which neither reclaim nor demotion
# takes), demotion is on, and tierload writes a hot region of 1.5 x the free
# DRAM on the slow node: NONE_SECS s without the module, then SECS s with
# it loaded first, in this boot.  Promotion fills DRAM, kswapd demotes to
# make room, pages may go back and forth: checked that
#  - the workload's accesses per second with the module are at least
#    MIN_RATIO_PCT% of those without it (the bar of issue 19: a promotion
#    mechanism must never make the application slower than none);
#  - the workload's own ping-pong count (pages it saw on node 0, then the
#    slow node, then node 0 again) is at most PP_MAX_PCT% of the hot pages;
#  - something was promoted, no OOM kill, no kernel report.
. /tests/lib/common.sh
find_slow_node
SECS=${OVERCOMMIT_SECS:-40}
NONE_SECS=20
FREE_MB=96
MIN_RATIO_PCT=100
PP_MAX_PCT=10
need_node_mb "$SLOW" 200
HP=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
[ -w "$HP" ] || fail "no 2 MiB hugetlb pages on node 0 ($HP): the kernel needs CONFIG_HUGETLBFS"
trap 'echo 0 >"$HP"; echo 0 >/sys/kernel/mm/numa/demotion_enabled' EXIT
node0_free_mb() { awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo; }
sync
echo 3 >/proc/sys/vm/drop_caches
for try in 1 2 3 4; do
	echo 1 >/proc/sys/vm/compact_memory
	free=$(node0_free_mb)
	[ "$free" -gt $((FREE_MB + 32)) ] || break
	echo $(( $(cat "$HP") + (free - FREE_MB) / 2 )) >"$HP"
done
free=$(node0_free_mb)
info "node 0: $(cat "$HP") huge pages of 2 MiB reserved ($try tries), $free MiB free"
# The hot set must be larger than free DRAM and fit on the slow node.
[ "$free" -ge $((FREE_MB - 48)) ] && [ "$free" -le 128 ] ||
	fail "could not bring node 0 to between $((FREE_MB - 48)) and 128 MiB free ($free MiB)"
HOT=$((free * 3 / 2))
hot_pages=$((HOT * 256))
echo 1 >/sys/kernel/mm/numa/demotion_enabled
oom0=$(vmstat oom_kill)
run() { # run NAME SECONDS: the workload; its end line in /tmp/os.NAME
	tierload --pattern hot --hot-mb "$HOT" --cold-mb 0 --node "$SLOW" --seconds "$2" \
		--sample-ms 1000 >/tmp/os.$1.out 2>&1 || { tail -n 5 /tmp/os.$1.out; fail "tierload ($1) failed"; }
	grep '^tierload: E ' /tmp/os.$1.out >/tmp/os.$1 || fail "no end line from tierload ($1)"
}
# rate NAME: accesses per second of a run.
rate() {
	awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^ops=/) o = substr($i, 5); if ($i ~ /^t=/) t = substr($i, 3) } }
		END { if (t > 0) printf "%d\n", o / t }' "/tmp/os.$1"
}
run none $NONE_SECS
p0=$(vmstat kmmscand_promoted)
d0=$(( $(vmstat pgdemote_kswapd) + $(vmstat pgdemote_direct) ))
load_module
run kmmscand "$SECS"
p1=$(vmstat kmmscand_promoted)
d1=$(( $(vmstat pgdemote_kswapd) + $(vmstat pgdemote_direct) ))
holds=$(knob room_holds)
unload_module
echo 0 >/sys/kernel/mm/numa/demotion_enabled
echo 0 >"$HP"
r_none=$(rate none)
r_k=$(rate kmmscand)
pp=$(sed -n 's/.* pp=\([0-9]*\).*/\1/p' /tmp/os.kmmscand)
info "hot set $HOT MiB ($hot_pages pages) on node $SLOW, $free MiB of node 0 free"
info "none: $(cat /tmp/os.none)"
info "kmmscand: $(cat /tmp/os.kmmscand)"
info "kmmscand: promoted $((p1 - p0)), demoted $((d1 - d0)), room_holds $holds"
[ -n "$r_none" ] && [ -n "$r_k" ] && [ -n "$pp" ] || fail "no rate or ping-pong count from tierload"
[ "$r_none" -gt 0 ] || fail "the workload did nothing without the module"
pct=$((r_k * 100 / r_none))
info "accesses per second: $r_k with the module, $r_none without: $pct% (bound >= $MIN_RATIO_PCT%); ping-pong $pp pages (bound $PP_MAX_PCT% of $hot_pages)"
[ $((p1 - p0)) -gt 0 ] || fail "nothing was promoted: the test did not exercise promotion"
[ "$pct" -ge "$MIN_RATIO_PCT" ] || fail "the workload ran at $pct% of its rate without the module"
[ "$pp" -le $((hot_pages * PP_MAX_PCT / 100)) ] || fail "the workload saw $pp pages go back and forth (bound $PP_MAX_PCT% of $hot_pages)"
[ "$(vmstat oom_kill)" = "$oom0" ] || fail "an OOM kill during the test"
check_dmesg
