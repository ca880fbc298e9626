#!/bin/sh
# A small hot set, one whose translations stay in the TLB, is still found
# young in consecutive scans and promoted: the scanner flushes the TLB for
# the ranges where it cleared Accessed bits (x86 sets the bit again only on
# a page-table walk).  Repeated several times, since without the flush the
# outcome depends on when something else happens to flush.
. /tests/lib/common.sh
find_slow_node
load_module
f0=$(vmstat kmmscand_tlb_flushes)
p0=$(vmstat kmmscand_promoted)
for i in 1 2 3 4 5; do
	$MEMTIER --size-mb 4 --node "$SLOW" --pattern hot --seconds 10 \
		--until-node 0 --until-pct 90 --report-ms 250 >/tmp/tlb.out
	rc=$?
	tail -n 1 /tmp/tlb.out
	[ $rc = 0 ] || { cat /tmp/tlb.out; fail "round $i: a TLB-resident hot set was not promoted within 10 s"; }
done
f1=$(vmstat kmmscand_tlb_flushes)
info "kmmscand_tlb_flushes +$((f1 - f0))"
[ $((f1 - f0)) -gt 0 ] || fail "no TLB flush counted"
unload_module
p1=$(vmstat kmmscand_promoted)
[ $((p1 - p0)) -le $((5 * 1024)) ] || fail "kmmscand_promoted grew by $((p1 - p0)), more than the five regions' $((5 * 1024)) pages"
