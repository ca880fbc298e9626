#!/bin/sh
# Half-mapped THPs: a 16 MiB THP region on the slow node loses the second
# MiB of every huge page (MADV_DONTNEED), so its folios are partly mapped,
# and migrate_pages() splits them before moving their mapped pages (the
# others are freed).  The counters must say what happened: the mapped half
# reaches node 0 (90% of it), kmmscand_promoted grows by what moved and no
# more than the 2,048 mapped pages (not the 4,096 isolated; 256 pages of
# slack for other processes' pages the module may move meanwhile: in the
# full suite it once moved 2 more), and kmmscand_promoted_thp does not
# grow: no THP moved whole.  A partly mapped folio's PTEs each count one
# page scanned, not the folio's 512: kmmscand_slowtier_scanned grows by at
# least the pages that moved and by at most the 2,048 mapped pages twice
# (a sweep and a recheck pass) per visit, plus one visit's worth of slack.
. /tests/lib/common.sh
find_slow_node
need_thp
load_module
t0=$(vmstat kmmscand_promoted_thp)
p0=$(vmstat kmmscand_promoted)
f0=$(vmstat kmmscand_promote_fail_migrate)
s0=$(vmstat kmmscand_slowtier_scanned)
v0=$(vmstat kmmscand_mm_scans)
# 45% of the region is 90% of its mapped half.
$MEMTIER --size-mb 16 --node "$SLOW" --thp --thp-half --pattern hot --seconds 30 \
	--until-node 0 --until-pct 45 --report-ms 500 >/tmp/half.out
rc=$?
cat /tmp/half.out
start_kb=$(grep '^memtier: start' /tmp/half.out | sed -n 's/.* thp_kb=\([0-9]*\).*/\1/p')
[ "${start_kb:-0}" -ge $((14 * 1024)) ] || fail "the kernel did not back the region with THPs on node $SLOW ($start_kb kB)"
[ $rc = 0 ] || fail "the mapped half did not reach 90% on node 0"
moved=$(field node0 /tmp/half.out)
unload_module
t1=$(vmstat kmmscand_promoted_thp)
p1=$(vmstat kmmscand_promoted)
f1=$(vmstat kmmscand_promote_fail_migrate)
s1=$(vmstat kmmscand_slowtier_scanned)
v1=$(vmstat kmmscand_mm_scans)
info "moved $moved pages; kmmscand_promoted +$((p1 - p0)), kmmscand_promoted_thp +$((t1 - t0)), kmmscand_promote_fail_migrate +$((f1 - f0)), kmmscand_slowtier_scanned +$((s1 - s0)) in $((v1 - v0)) visits"
[ $((s1 - s0)) -ge "$moved" ] || fail "kmmscand_slowtier_scanned grew by $((s1 - s0)), less than the $moved pages that moved"
[ $((s1 - s0)) -le $(((v1 - v0 + 1) * 2 * 2048)) ] || fail "kmmscand_slowtier_scanned grew by $((s1 - s0)) in $((v1 - v0)) visits, more than 2 x 2048 mapped pages per visit: a PTE of a large folio counted as the whole folio"
[ $((p1 - p0)) -ge "$moved" ] || fail "kmmscand_promoted grew by $((p1 - p0)), less than the $moved pages that moved"
[ $((p1 - p0)) -le $((2048 + 256)) ] || fail "kmmscand_promoted grew by $((p1 - p0)), more than the 2048 mapped pages (+256 of slack): freed pages counted as promoted"
[ $((t1 - t0)) = 0 ] || fail "kmmscand_promoted_thp grew by $((t1 - t0)): split THPs counted as moved whole"
check_dmesg
