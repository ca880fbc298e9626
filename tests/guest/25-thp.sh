#!/bin/sh
# A THP-backed hot region is promoted as THPs: kmmscand_promoted_thp grows,
# node 0's AnonHugePages grows by the region while it runs, the region keeps
# all its huge pages (not split) and thp_split_pmd does not move.
. /tests/lib/common.sh
find_slow_node
need_thp
load_module
t0=$(vmstat kmmscand_promoted_thp)
p0=$(vmstat kmmscand_promoted)
split0=$(vmstat thp_split_pmd)
$MEMTIER --size-mb 64 --node "$SLOW" --thp --pattern hot --seconds 30 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/thp.out
rc=$?
cat /tmp/thp.out
start_kb=$(grep '^memtier: start' /tmp/thp.out | sed -n 's/.* thp_kb=\([0-9]*\).*/\1/p')
end_kb=$(field thp_kb /tmp/thp.out)
[ "${start_kb:-0}" -ge $((60 * 1024)) ] || fail "the kernel did not back the region with THPs on node $SLOW ($start_kb kB)"
[ $rc = 0 ] || fail "the THP region did not reach 90% on node 0"
# Batches are counted when migrate_pages() returns: read once stopped.
unload_module
t1=$(vmstat kmmscand_promoted_thp)
p1=$(vmstat kmmscand_promoted)
split1=$(vmstat thp_split_pmd)
# Node 0's AnonHugePages while the region was alive: at the start (before
# promotion) and when 90% had moved.
h0=$(grep '^memtier: start' /tmp/thp.out | sed -n 's/.* node0_thp_kb=\([0-9]*\).*/\1/p')
h1=$(field node0_thp_kb /tmp/thp.out)
h0=${h0:-0}
info "kmmscand_promoted_thp +$((t1 - t0)); node0 AnonHugePages ${h0} -> ${h1} kB; region THP ${start_kb} -> ${end_kb} kB; thp_split_pmd +$((split1 - split0))"
[ $((t1 - t0)) -ge 29 ] || fail "fewer than 29 of 32 THPs promoted as THPs"
[ $((t1 - t0)) -le 32 ] || fail "kmmscand_promoted_thp grew by $((t1 - t0)): more THPs than the region's 32"
[ $((p1 - p0)) -le 16384 ] || fail "kmmscand_promoted grew by $((p1 - p0)): more pages than the region's 16384"
[ $((h1 - h0)) -ge $((58 * 1024)) ] || fail "node 0 AnonHugePages did not grow by the region"
[ "$end_kb" = "$start_kb" ] || fail "the region lost huge pages (split)"
[ "$split1" = "$split0" ] || fail "THPs were split (thp_split_pmd grew)"
check_dmesg
