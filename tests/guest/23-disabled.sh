#!/bin/sh
# With enabled=0 nothing is scanned or moved; writing 1 resumes promotion of
# the same kind of region.
. /tests/lib/common.sh
find_slow_node
load_module
knob_set enabled 0
s0=$(vmstat kmmscand_slowtier_scanned)
p0=$(vmstat kmmscand_promoted)
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 3 \
	--expect-node "$SLOW" --expect-pct 100 --report-ms 1500 >/tmp/off.out
rc=$?
cat /tmp/off.out
s1=$(vmstat kmmscand_slowtier_scanned)
[ $rc = 0 ] || fail "pages moved while disabled"
[ "$s1" = "$s0" ] || fail "the daemon scanned while disabled ($s0 -> $s1)"
p1=$(vmstat kmmscand_promoted)
[ "$p1" = "$p0" ] || fail "kmmscand_promoted grew by $((p1 - p0)) while disabled"
knob_set enabled 1
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/on.out
rc=$?
tail -n 1 /tmp/on.out
[ $rc = 0 ] || fail "promotion did not resume after enabled=1"
unload_module
p2=$(vmstat kmmscand_promoted)
[ $((p2 - p1)) -le $((32 * 256)) ] || fail "kmmscand_promoted grew by $((p2 - p1)), more than the region's $((32 * 256)) pages"
