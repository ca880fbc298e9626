#!/bin/sh
# The tracepoints exist under events/kmmscand/, carry no comm, and fire
# with plausible values while a hot region is promoted.
. /tests/lib/common.sh
find_slow_node
T=/sys/kernel/tracing
[ -d $T/events ] || skip "tracefs not mounted"
load_module
for e in kmmscand_scan_mm_start kmmscand_scan_mm_end kmmscand_migrate_batch; do
	[ -f $T/events/kmmscand/$e/format ] || fail "event $e missing"
	! grep -qw 'comm' $T/events/kmmscand/$e/format || fail "event $e records comm"
done
echo > $T/trace
echo 1 > $T/events/kmmscand/enable
$MEMTIER --size-mb 16 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/tr.out
rc=$?
echo 0 > $T/events/kmmscand/enable
[ $rc = 0 ] || fail "region not promoted"
grep -m 2 'kmmscand_scan_mm_end:' $T/trace
grep -m 2 'kmmscand_migrate_batch:' $T/trace
grep -q 'kmmscand_scan_mm_start: pid=' $T/trace || fail "no scan_mm_start event"
grep -q 'kmmscand_scan_mm_end: pid=.* scanned=[1-9]' $T/trace || fail "no scan_mm_end event with scanned pages"
grep -q 'kmmscand_migrate_batch: target=0 .* migrated=[1-9]' $T/trace || fail "no migrate_batch event moving pages to node 0"
unload_module
