#!/bin/sh
# With default knobs, a region placed on the slow node and touched
# continuously reaches >= 90% on node 0 within the bound (20 s for 64 MiB
# under hmat, 60 s for 8 MiB of emulated CXL), and the counters agree with
# the movement: kmmscand_promoted and pgpromote_success grow by at least the
# pages that moved and at most the pages of the region.
. /tests/lib/common.sh
find_slow_node
size=$(region_size_mb)
limit=$(promote_limit_s)
load_module
p0=$(vmstat kmmscand_promoted)
g0=$(vmstat pgpromote_success)
$MEMTIER --size-mb "$size" --node "$SLOW" --pattern hot --seconds "$limit" \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/hot.out
rc=$?
cat /tmp/hot.out
[ $rc = 0 ] || fail "the hot region did not reach 90% on node 0 within $limit s"
moved=$(field node0 /tmp/hot.out)
# A batch is counted when migrate_pages() returns, after its pages already
# show on node 0: compare once the thread has stopped.
unload_module
p1=$(vmstat kmmscand_promoted)
g1=$(vmstat pgpromote_success)
info "moved $moved pages; kmmscand_promoted +$((p1 - p0)), pgpromote_success +$((g1 - g0))"
[ $((p1 - p0)) -ge "$moved" ] || fail "kmmscand_promoted grew less than the pages that moved"
[ $((g1 - g0)) -ge "$moved" ] || fail "pgpromote_success grew less than the pages that moved"
# Nothing else in the guest has slow-tier memory: no more than the region.
[ $((p1 - p0)) -le $((size * 256)) ] || fail "kmmscand_promoted grew by $((p1 - p0)), more than the region's $((size * 256)) pages"
[ $((g1 - g0)) -le $((size * 256)) ] || fail "pgpromote_success grew by $((g1 - g0)), more than the region's $((size * 256)) pages"
grep -E '^kmmscand_' /proc/vmstat | tr '\n' ' '; echo
# Every candidate page is accounted exactly once (totals since boot, read
# with the module unloaded).
c=$(vmstat kmmscand_candidates)
iso=$(vmstat kmmscand_isolated)
sum=$((iso + $(vmstat kmmscand_promote_fail_isolate) + $(vmstat kmmscand_promote_fail_unmovable) + $(vmstat kmmscand_promote_fail_target_full) + $(vmstat kmmscand_promote_fail_rate_limited)))
[ "$c" = "$sum" ] || fail "kmmscand_candidates ($c) != isolated + promote_fail_{isolate,unmovable,target_full,rate_limited} ($sum)"
mig=$(( $(vmstat kmmscand_promoted) + $(vmstat kmmscand_promote_fail_migrate) ))
[ "$iso" = "$mig" ] || fail "kmmscand_isolated ($iso) != promoted + promote_fail_migrate ($mig)"
check_dmesg
