#!/bin/sh
# Where hot pages go.  Needs two top-tier nodes (the hmat3 topology: node 2
# is top-tier DRAM without CPUs, at SLIT distance 15 from the slow node 1,
# node 0 at 20):
#  - automatic: the nearest top-tier node by node_distance, node 2;
#  - target_node=0 overrides that: pages land on node 0;
#  - a slow node is refused as target_node.
. /tests/lib/common.sh
find_slow_node
t0=$(tier_of 0)
near=
for n in /sys/devices/system/node/node[0-9]*; do
	id=${n##*node}
	[ "$id" != 0 ] && [ "$(tier_of "$id")" = "$t0" ] && near=$id
done
[ -n "$near" ] || skip "needs a second top-tier node (qemu/run --topology hmat3)"
d0=$(awk '{ print $1 }' /sys/devices/system/node/node$SLOW/distance)
dn=$(awk -v n=$((near + 1)) '{ print $n }' /sys/devices/system/node/node$SLOW/distance)
info "slow node $SLOW: distance $d0 to node 0, $dn to node $near (both top tier $t0)"
[ "$dn" -lt "$d0" ] || skip "node $near is not nearer to node $SLOW than node 0"

load_module
[ "$(knob target_node)" = -1 ] || fail "target_node is not automatic after load"
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node "$near" --until-pct 90 --report-ms 500 >/tmp/auto.out
rc=$?
tail -n 1 /tmp/auto.out
[ $rc = 0 ] || cat /tmp/auto.out
[ $rc = 0 ] || fail "automatic target: pages did not land on the nearest top-tier node $near"

knob_set target_node 0
if (echo "$SLOW" >$KNOBS/target_node) 2>/dev/null; then
	fail "target_node accepted the slow node $SLOW"
fi
[ "$(knob target_node)" = 0 ] || fail "a refused write changed target_node"
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/forced.out
rc=$?
tail -n 1 /tmp/forced.out
if [ $rc != 0 ]; then
	cat /tmp/forced.out
	grep -E '^kmmscand_' /proc/vmstat | tr '\n' ' '
	fail "target_node=0: pages did not land on node 0"
fi
[ "$(field node$near /tmp/forced.out)" = "" ] || [ "$(field node$near /tmp/forced.out)" -lt 100 ] ||
	fail "target_node=0: pages went to node $near too"
unload_module
