#!/bin/sh
# Clearing an Accessed bit must not hide the access from reclaim: a
# slow-tier folio the scan found young is marked young for reclaim
# (folio_set_young(), as DAMON and page_idle do), which folio_referenced()
# and /proc/PID/smaps "Referenced" both read.  A 64 MiB region touched once
# is scanned (promotion off, so it stays on the slow node) until the scan
# has found all of it young and cleared the bits; smaps must still count
# >= 90% of it as referenced.  Without the mark it reads ~0.
. /tests/lib/common.sh
find_slow_node
load_module
fast_knobs
knob_set promote_rate_limit_mbps 0
rm -f /tmp/ry.ready
y0=$(vmstat kmmscand_young)
p0=$(vmstat kmmscand_promoted)
$MEMTIER --size-mb 64 --node "$SLOW" --pattern once --seconds 30 --ready-file /tmp/ry.ready >/tmp/ry.out &
pid=$!
n=0
while [ ! -e /tmp/ry.ready ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/ry.ready ] || fail "memtier did not place its region"
# Wait until the scan has found the whole region young (16384 pages).
n=0
while [ $(( $(vmstat kmmscand_young) - y0 )) -lt 16384 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
young=$(( $(vmstat kmmscand_young) - y0 ))
[ "$young" -ge 16384 ] || fail "the scan found only $young young pages in 10 s"
sleep 1 # one more sweep: the bits stay clear (the region is idle)
ref=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { want = 0 } /^Size: *65536 kB/ { want = 1 } want && /^Referenced:/ { print $2; exit }' /proc/$pid/smaps)
kill $pid
wait $pid 2>/dev/null
[ -n "$ref" ] || fail "no 64 MiB VMA in smaps"
info "scan found $young young pages; smaps Referenced: $ref kB of 65536"
[ "$ref" -ge $((65536 * 9 / 10)) ] || fail "reclaim would see $ref kB of the 65536 kB region as referenced"
[ "$(vmstat kmmscand_promoted)" = "$p0" ] || fail "kmmscand_promoted grew with promote_rate_limit_mbps 0"
unload_module
check_dmesg
