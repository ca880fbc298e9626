#!/bin/sh
# Promotions are counted per memory cgroup, as NUMA balancing's are
# (pgpromote_success in the cgroup's memory.stat).  Module loaded first;
# three processes, each in its own cgroup, each with a region on the slow
# node: A 32 MiB hot, B 16 MiB hot, C 16 MiB touched once.  Once A and B
# have 90% on node 0 (40 s at most), with the module unloaded:
#   A, B: pgpromote_success grew by at least the region's pages that moved
#         and at most the region's pages;
#   C:    at most 1% of its region (touched once: never hot);
#   the node counter grew by at least A + B (every promotion counted on the
#   node too, and no cgroup counted twice).
. /tests/lib/common.sh
find_slow_node
memcg_root
for g in a b c; do
	rmdir $cg/k60$g 2>/dev/null
	mkdir $cg/k60$g || fail "cannot create cgroup k60$g"
done
cleanup() { for g in a b c; do rmdir $cg/k60$g 2>/dev/null; done; }
stat_of() { awk '$1 == "pgpromote_success" { print $2 }' $cg/k60$1/memory.stat; }
[ -n "$(stat_of a)" ] || fail "memory.stat has no pgpromote_success"

load_module
g0=$(vmstat pgpromote_success)
# in_cgroup G ARGS: memtier ARGS in cgroup k60G, output in /tmp/k60-G.out.
in_cgroup() {
	g=$1
	shift
	sh -c 'echo $$ >'"$cg/k60$g/cgroup.procs"' && exec "$@"' sh $MEMTIER "$@" >/tmp/k60-$g.out 2>&1
}
in_cgroup a --size-mb 32 --node "$SLOW" --pattern hot --seconds 40 --until-node 0 --until-pct 90 --report-ms 1000 &
pa=$!
in_cgroup b --size-mb 16 --node "$SLOW" --pattern hot --seconds 40 --until-node 0 --until-pct 90 --report-ms 1000 &
pb=$!
in_cgroup c --size-mb 16 --node "$SLOW" --pattern once --seconds 20 --report-ms 5000 &
pc=$!
wait $pa; ra=$?
wait $pb; rb=$?
wait $pc
unload_module
g1=$(vmstat pgpromote_success)
a=$(stat_of a) b=$(stat_of b) c=$(stat_of c)
ma=$(field node0 /tmp/k60-a.out) mb=$(field node0 /tmp/k60-b.out) mc=$(field node0 /tmp/k60-c.out)
# (memtier reports only the nodes that hold pages)
ma=${ma:-0} mb=${mb:-0} mc=${mc:-0}
cat /tmp/k60-a.out /tmp/k60-b.out /tmp/k60-c.out | grep final
cleanup
info "pgpromote_success: k60a $a (moved $ma of 8192), k60b $b (moved $mb of 4096), k60c $c (moved $mc of 4096), node counter +$((g1 - g0))"
[ $ra = 0 ] || fail "A's hot region did not reach 90% on node 0 within 40 s"
[ $rb = 0 ] || fail "B's hot region did not reach 90% on node 0 within 40 s"
[ "$a" -ge "$ma" ] || fail "k60a's pgpromote_success ($a) is below the pages of its region that moved ($ma)"
[ "$a" -le 8192 ] || fail "k60a's pgpromote_success ($a) is above its region's 8192 pages"
[ "$b" -ge "$mb" ] || fail "k60b's pgpromote_success ($b) is below the pages of its region that moved ($mb)"
[ "$b" -le 4096 ] || fail "k60b's pgpromote_success ($b) is above its region's 4096 pages"
[ "$c" -le 40 ] || fail "k60c's pgpromote_success ($c) is above 1% of its touched-once region"
[ $((g1 - g0)) -ge $((a + b)) ] || fail "the node counter grew by $((g1 - g0)), less than the cgroups' $((a + b))"
check_dmesg
