#!/bin/sh
# target_node names the destination: with target_node=0 the hot region
# lands on node 0; a slow node is refused as a target.
. /tests/lib/common.sh
find_slow_node
load_module
knob_set target_node 0
if (echo "$SLOW" >$KNOBS/target_node) 2>/dev/null; then
	fail "target_node accepted the slow node $SLOW"
fi
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/tgt.out
rc=$?
tail -n 2 /tmp/tgt.out
[ $rc = 0 ] || fail "pages did not land on target_node 0"
unload_module
