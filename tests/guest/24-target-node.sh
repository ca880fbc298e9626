#!/bin/sh
# Where hot pages go.  Needs two top-tier nodes (the hmat3 topology: node 2
# is top-tier DRAM without CPUs, at SLIT distance 15 from the slow node 1,
# node 0 at 20):
#  - automatic: the nearest top-tier node by node_distance, node 2;
#  - target_node=0 overrides that: pages land on node 0 and not one page
#    on node 2 (no report of the region shows a page there, no migration
#    batch targets it);
#  - a slow node is refused as target_node.
# In the hmat3 topology a missing second top-tier node is a failure; in the
# others the test skips.
. /tests/lib/common.sh
find_slow_node
# not_here REASON: fail in the topology this test exists for, skip elsewhere.
not_here() { [ "$TOPOLOGY" = hmat3 ] && fail "hmat3 topology: $*"; skip "$*"; }
T=/sys/kernel/tracing
t0=$(tier_of 0)
near=
for n in /sys/devices/system/node/node[0-9]*; do
	id=${n##*node}
	[ "$id" != 0 ] && [ "$(tier_of "$id")" = "$t0" ] && near=$id
done
[ -n "$near" ] || not_here "needs a second top-tier node (qemu/run --topology hmat3)"
d0=$(awk '{ print $1 }' /sys/devices/system/node/node$SLOW/distance)
dn=$(awk -v n=$((near + 1)) '{ print $n }' /sys/devices/system/node/node$SLOW/distance)
info "slow node $SLOW: distance $d0 to node 0, $dn to node $near (both top tier $t0)"
[ "$dn" -lt "$d0" ] || not_here "node $near is not nearer to node $SLOW than node 0"

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
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_migrate_batch/enable
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/forced.out
rc=$?
echo 0 >$T/events/kmmscand/kmmscand_migrate_batch/enable
tail -n 1 /tmp/forced.out
if [ $rc != 0 ]; then
	cat /tmp/forced.out
	grep -E '^kmmscand_' /proc/vmstat | tr '\n' ' '
	fail "target_node=0: pages did not land on node 0"
fi
if grep "^memtier: .* node$near=" /tmp/forced.out; then
	fail "target_node=0: pages of the region landed on node $near"
fi
to_near=$(grep -c "kmmscand_migrate_batch: target=$near " $T/trace)
to0=$(grep -c "kmmscand_migrate_batch: target=0 " $T/trace)
info "target_node=0: $to0 migration batches to node 0, $to_near to node $near"
[ "$to_near" = 0 ] || fail "target_node=0: $to_near migration batches went to node $near"
[ "$to0" -gt 0 ] || fail "target_node=0: no migration batch traced to node 0"
echo >$T/trace
unload_module
check_dmesg
