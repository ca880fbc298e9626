#!/bin/sh
# A new user's case at scale: the module loaded first, with default knobs,
# then one process with a 1 GiB hot region and a 512 MiB cold region on a
# 2 GiB slow node.  >= 90% of the hot region reaches node 0 within LIMIT s,
# <= 5% of the cold region moves, and no hotness record is ever lost (the
# per-page state has no eviction: the old table's counter is gone).
. /tests/lib/common.sh
find_slow_node
LIMIT=${HOT_GIB_LIMIT_S:-90}
need_node_mb "$SLOW" 1600
load_module
! grep -q '^kmmscand_history_evictions' /proc/vmstat ||
	fail "kmmscand_history_evictions still exists: the hotness state can evict"
p0=$(vmstat kmmscand_promoted)
start=$(uptime_ms)
$MEMTIER --size-mb 1536 --hot-mb 1024 --node "$SLOW" --pattern hot --seconds "$LIMIT" \
	--until-node 0 --until-pct 90 --report-ms 2000 >/tmp/gib.out
rc=$?
cat /tmp/gib.out
[ $rc != 2 ] || fail "could not place 1.5 GiB on node $SLOW"
[ $rc = 0 ] || fail "the 1 GiB hot region did not reach 90% on node 0 within $LIMIT s"
t=$(grep '^memtier: reached' /tmp/gib.out | sed 's/.* t=\([0-9.]*\)s.*/\1/')
cold=$(grep '^memtier: reached' /tmp/gib.out | sed 's/.*cold_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/')
set -- $cold
info "hot region 90% on node 0 after ${t} s (bound $LIMIT s); cold pages moved: $1 of $2"
[ $(($1 * 100)) -le $(($2 * 5)) ] || fail "more than 5% of the cold region moved ($1 of $2 pages)"
unload_module
p1=$(vmstat kmmscand_promoted)
[ $((p1 - p0)) -le $((393216 + 512)) ] ||
	fail "kmmscand_promoted grew by $((p1 - p0)), more than the 1.5 GiB region holds"
info "$(grep -E '^kmmscand_(sweeps|ptables_skipped|slowtier_scanned|young|candidates|promoted) ' /proc/vmstat | tr '\n' ' ')"
check_dmesg
