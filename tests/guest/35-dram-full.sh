#!/bin/sh
# DRAM already full, as on a production host: node 0 is filled with cold
# anonymous memory, demotion is enabled, the module is loaded, then a
# 256 MiB hot region starts on the slow node.  The module asks kswapd for
# room (kernel patch 0003) and kswapd demotes cold memory to make it: the
# hot region reaches 90% on node 0 within LIMIT s.  It then stays there
# while the workload keeps it hot (no ping-pong): its share on node 0 never
# drops more than 5 points below its peak over the next 15 s (memtier ends
# 15 s after reaching 90%, or after LIMIT s without).
. /tests/lib/common.sh
find_slow_node
LIMIT=${DRAM_FULL_LIMIT_S:-120}
need_node_mb "$SLOW" 1600
free_mb=$(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo)
# Leave a little above the watermarks: bound to node 0 without demotion or
# swap, an allocation below the min watermark is an OOM kill.
fill=$((free_mb - 96))
[ "$fill" -gt 256 ] || fail "node 0 has only $free_mb MiB free"
echo 0 >/sys/kernel/mm/numa/demotion_enabled
rm -f /tmp/fill.ready
$MEMTIER --size-mb "$fill" --node 0 --pattern once --seconds 600 --ready-file /tmp/fill.ready >/tmp/fill.out &
filler=$!
n=0
while [ ! -e /tmp/fill.ready ] && kill -0 $filler 2>/dev/null && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/fill.ready ] || { cat /tmp/fill.out; fail "could not fill node 0 with $fill MiB"; }
info "node 0: $fill MiB of cold memory placed, $(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo) MiB free"
echo 1 >/sys/kernel/mm/numa/demotion_enabled
d0=$(( $(vmstat pgdemote_kswapd) + $(vmstat pgdemote_direct) ))
k0=$(vmstat kmmscand_kswapd_requests)
load_module
# --hot-mb reports through numa_maps: move_pages() on 64K pages would take
# seconds under TCG and slow the workload's own accesses down.
$MEMTIER --size-mb 264 --hot-mb 256 --node "$SLOW" --pattern hot --seconds "$LIMIT" \
	--until-node 0 --until-pct 90 --hold-s 15 --report-ms 1000 >/tmp/df.out
rc=$?
kill $filler; wait $filler 2>/dev/null
echo 0 >/sys/kernel/mm/numa/demotion_enabled
d1=$(( $(vmstat pgdemote_kswapd) + $(vmstat pgdemote_direct) ))
k1=$(vmstat kmmscand_kswapd_requests)
unload_module
info "$(grep -E '^kmmscand_(candidates|promoted|promote_fail_[a-z_]*|kswapd_requests) ' /proc/vmstat | tr '\n' ' ')"
grep -E '^memtier: (start|reached|held|final)' /tmp/df.out
[ $rc != 2 ] || fail "could not place the hot region on node $SLOW"
# t= and node0= of every sample.
awk '/^memtier: at/ { t = 0; n = 0; for (i = 1; i <= NF; i++) { if ($i ~ /^t=/) t = substr($i, 3); if ($i ~ /^hot_on_node0=/) { split(substr($i, 14), a, "/"); n = a[1] } } print t + 0, n + 0 }' \
	/tmp/df.out >/tmp/df.samples
total=65536
t90=$(awk -v need=$((total * 9 / 10)) '$2 >= need { print $1; exit }' /tmp/df.samples)
info "demoted $((d1 - d0)) pages, $((k1 - k0)) kswapd requests; hot region 90% on node 0 after ${t90:-never} s (bound $LIMIT s)"
[ -n "$t90" ] || { tail -n 5 /tmp/df.samples; fail "the hot region did not reach 90% on node 0"; }
awk -v lim="$LIMIT" 'BEGIN { exit !('"$t90"' <= lim) }' || fail "90% took ${t90} s, more than $LIMIT s"
[ $((k1 - k0)) -gt 0 ] || fail "the module never asked kswapd for room"
[ $((d1 - d0)) -gt 0 ] || fail "nothing was demoted to make room"
# After the peak: no sample more than 5 points below it.
low=$(awk -v t90="$t90" -v total=$total '$1 >= t90 { if ($2 > peak) peak = $2; if (peak - $2 > drop) drop = peak - $2 } END { printf "%d %d\n", peak, drop * 100 / total }' /tmp/df.samples)
set -- $low
info "after reaching 90%: peak $1 pages on node 0, largest drop $2 points"
[ "$2" -le 5 ] || fail "hot pages went back to the slow node (drop of $2 points): promotion/demotion ping-pong"
check_dmesg
