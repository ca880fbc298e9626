#!/bin/sh
# A region touched once at start (hot_threshold 2) stays >= 90% on the slow
# node, although the daemon covers it in at least two sweeps and sees its
# first-touch Accessed bits (after the first sweep its page tables are idle,
# so later sweeps skip them: 512 pages per skipped table).
# Control: with hot_threshold 1 (promote on first sight) the same region
# moves, so it is the threshold that kept it.
. /tests/lib/common.sh
find_slow_node
load_module
s0=$(vmstat kmmscand_slowtier_scanned)
k0=$(vmstat kmmscand_ptables_skipped)
y0=$(vmstat kmmscand_young)
p0=$(vmstat kmmscand_promoted)
$MEMTIER --size-mb 64 --node "$SLOW" --pattern once --seconds 6 \
	--expect-node "$SLOW" --expect-pct 90 --report-ms 2000 >/tmp/once.out
rc=$?
cat /tmp/once.out
s1=$(vmstat kmmscand_slowtier_scanned)
k1=$(vmstat kmmscand_ptables_skipped)
y1=$(vmstat kmmscand_young)
covered=$(( s1 - s0 + (k1 - k0) * 512 ))
p1=$(vmstat kmmscand_promoted)
info "slow-tier pages scanned +$((s1 - s0)), idle page tables skipped +$((k1 - k0)), young +$((y1 - y0)), promoted +$((p1 - p0))"
[ $((p1 - p0)) -le $((64 * 256 / 10)) ] || fail "kmmscand_promoted grew by $((p1 - p0)) for a region touched once: more than 10% of it"
[ "$covered" -ge $((64 * 256 * 2)) ] || fail "the daemon did not cover the region in two sweeps ($covered pages)"
[ $((y1 - y0)) -le $((64 * 256 + 1024)) ] || fail "more young pages than the region has: its idle pages were counted again"
[ $((y1 - y0)) -ge $((64 * 256 * 9 / 10)) ] || fail "the daemon did not see the first touch"
[ $rc = 0 ] || fail "the touched-once region did not stay on node $SLOW"

knob_set hot_threshold 1
$MEMTIER --size-mb 64 --node "$SLOW" --pattern once --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 1000 >/tmp/once1.out
rc=$?
tail -n 1 /tmp/once1.out
[ $rc = 0 ] || fail "with hot_threshold 1 the touched-once region did not move: the threshold is not what kept it"
unload_module
p2=$(vmstat kmmscand_promoted)
[ $((p2 - p1)) -le $((64 * 256)) ] || fail "kmmscand_promoted grew by $((p2 - p1)), more than the region's $((64 * 256)) pages"
