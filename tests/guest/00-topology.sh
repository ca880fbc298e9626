#!/bin/sh
# The slow tier exists: node 1 has memory, no CPUs, and sits in a lower
# memory tier than node 0 (HMAT latency/bandwidth, or CXL kmem adistance).
. /tests/lib/common.sh
node=/sys/devices/system/node/node1
[ -d $node ] || fail "node 1 does not exist (nodes: $(ls /sys/devices/system/node | grep node | tr '\n' ' '))"
cpus=$(cat $node/cpulist)
[ -z "$cpus" ] || fail "node 1 has CPUs: $cpus"
mem_kb=$(awk '/MemTotal/ { print $4 }' $node/meminfo)
[ "${mem_kb:-0}" -gt 0 ] || fail "node 1 has no memory"
t0=$(tier_of 0)
t1=$(tier_of 1)
info "node 0: tier $t0; node 1: tier $t1, ${mem_kb} kB, no CPUs ($TOPOLOGY)"
[ -n "$t0" ] && [ -n "$t1" ] || fail "a node is in no memory tier"
[ "$t1" -gt "$t0" ] || fail "node 1 (memory_tier$t1) is not below node 0 (memory_tier$t0)"
