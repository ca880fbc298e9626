#!/bin/sh
# The rate limit and the batch bound.  A 512 MiB region on the slow node is
# kept hot (fast pacing, hot_threshold 1: far more candidates than the
# limit lets through), with promote_rate_limit_mbps RATE and migrate_batch
# 64.  Once promotion runs, over a 10 s window kmmscand_promoted grows by
# RATE MiB/s within 10% (the token bucket is exact; it holds at most one
# second's worth, drained all along).  Then the limit is set to 0: nothing
# more is promoted over 3 s and kmmscand_promote_fail_rate_limited grows.
# No kmmscand_migrate_batch event carries more than 64 pages, and the
# largest carries exactly 64 (batches fill up to the bound).
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 1024
RATE=${RATE_LIMIT_MBPS:-4}
BATCH=64
T=/sys/kernel/tracing
load_module
fast_knobs
knob_set hot_threshold 1
knob_set migrate_batch $BATCH
knob_set promote_rate_limit_mbps "$RATE"
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_migrate_batch/enable
rm -f /tmp/rate.ready
$MEMTIER --size-mb 512 --node "$SLOW" --pattern hot --seconds 600 --report-ms 600000 --ready-file /tmp/rate.ready >/tmp/rate.out 2>&1 &
hot=$!
stop_hot() { kill $hot 2>/dev/null; wait $hot 2>/dev/null; echo 0 >$T/events/kmmscand/kmmscand_migrate_batch/enable; }
n=0
while [ ! -e /tmp/rate.ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/rate.ready ] || { stop_hot; cat /tmp/rate.out; fail "could not place 512 MiB on node $SLOW"; }
# Promotion under way, and past the initial full bucket.
p=$(vmstat kmmscand_promoted)
n=0
while [ "$(vmstat kmmscand_promoted)" -le $((p + RATE * 256 * 2)) ]; do
	n=$((n + 1)); [ $n -le 300 ] || { stop_hot; fail "promotion did not start within 30 s"; }
	sleep 0.1
done
p0=$(vmstat kmmscand_promoted); t0=$(uptime_ms)
sleep 10
p1=$(vmstat kmmscand_promoted); t1=$(uptime_ms)
pages=$((p1 - p0)); ms=$((t1 - t0))
want=$((RATE * 256 * ms / 1000))
info "rate limit $RATE MiB/s: $pages pages promoted in $ms ms = $((pages * 4 * 1000 / ms)) KiB/s (expected $want pages, $((RATE * 1024)) KiB/s)"
[ $((pages * 10)) -ge $((want * 9)) ] || { stop_hot; fail "promoted more than 10% below the limit: the limit throttles more than it should, or candidates ran out"; }
[ $((pages * 10)) -le $((want * 11)) ] || { stop_hot; fail "promoted more than 10% above the limit"; }
# 0 stops promotion.
r0=$(vmstat kmmscand_promote_fail_rate_limited)
knob_set promote_rate_limit_mbps 0
sleep 0.5
p2=$(vmstat kmmscand_promoted)
sleep 3
p3=$(vmstat kmmscand_promoted)
r1=$(vmstat kmmscand_promote_fail_rate_limited)
stop_hot
# Read the trace before rmmod: unloading a module whose events were
# enabled clears the trace buffer.
grep 'kmmscand_migrate_batch:' $T/trace | sed -n 's/.* pages=\([0-9]*\) .*/\1/p' >/tmp/batches
unload_module
info "limit 0: kmmscand_promoted +$((p3 - p2)) in 3 s, kmmscand_promote_fail_rate_limited +$((r1 - r0))"
[ "$p3" = "$p2" ] || fail "promotion went on with promote_rate_limit_mbps 0"
[ $((r1 - r0)) -gt 0 ] || fail "kmmscand_promote_fail_rate_limited did not grow with the limit at 0"
nb=$(wc -l </tmp/batches)
max=$(sort -n /tmp/batches | tail -n 1)
info "$nb migrate_batch events, the largest $max pages (migrate_batch $BATCH)"
[ "$nb" -gt 0 ] || fail "no kmmscand_migrate_batch event"
[ "$max" -le $BATCH ] || fail "a batch of $max pages exceeds migrate_batch $BATCH"
[ "$max" = $BATCH ] || fail "no batch reached migrate_batch $BATCH pages: batches are not filled"
echo >$T/trace
check_dmesg
