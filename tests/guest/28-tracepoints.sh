#!/bin/sh
# The tracepoints exist under events/kmmscand/, carry no comm, fire while a
# hot region is promoted, and their fields agree with each other and with
# the counters:
#  - every kmmscand_scan_mm_start has end=scanned=young=0 and starts where
#    the previous visit of that pid ended (or at 0); every scan_mm_end has
#    young <= scanned;
#  - every kmmscand_migrate_batch has migrated + failed = pages,
#    folios <= pages, and a duration us of at least 1 if it moved pages;
#    the batches' durations add up to no more than the time the events
#    were on (the thread runs them one after the other);
#  - the sum of migrated over all batches equals the growth of
#    kmmscand_promoted, and the sum of young over all visits that of
#    kmmscand_young (the events are on from insmod until the daemon is
#    disabled; the trace is read before rmmod, which clears it).
. /tests/lib/common.sh
find_slow_node
T=/sys/kernel/tracing
[ -d $T/events ] || fail "tracefs not mounted (config.fragment pins CONFIG_FTRACE and EVENT_TRACING)"
echo >$T/trace
p0=$(vmstat kmmscand_promoted)
y0=$(vmstat kmmscand_young)
load_module
for e in kmmscand_scan_mm_start kmmscand_scan_mm_end kmmscand_migrate_batch; do
	[ -f $T/events/kmmscand/$e/format ] || fail "event $e missing"
	! grep -qw 'comm' $T/events/kmmscand/$e/format || fail "event $e records comm"
done
echo 1 > $T/events/kmmscand/enable
t_on=$(uptime_ms)
$MEMTIER --size-mb 16 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/tr.out
rc=$?
# Disabled, the thread ends its visit and sleeps: counters and events stop.
knob_set enabled 0
sleep 1
p1=$(vmstat kmmscand_promoted)
y1=$(vmstat kmmscand_young)
echo 0 > $T/events/kmmscand/enable
on_us=$(( ($(uptime_ms) - t_on) * 1000 ))
cp $T/trace /tmp/trace.txt
lost=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')
unload_module
[ $rc = 0 ] || fail "region not promoted"
[ "$lost" = 0 ] || fail "the trace buffer overran ($lost events lost): the sums cannot be compared"
grep -m 2 'kmmscand_scan_mm_end:' /tmp/trace.txt
grep -m 2 'kmmscand_migrate_batch:' /tmp/trace.txt
grep -q 'kmmscand_scan_mm_start: pid=' /tmp/trace.txt || fail "no scan_mm_start event"
grep -q 'kmmscand_scan_mm_end: pid=.* scanned=[1-9]' /tmp/trace.txt || fail "no scan_mm_end event with scanned pages"
grep -q 'kmmscand_migrate_batch: target=0 .* migrated=[1-9]' /tmp/trace.txt || fail "no migrate_batch event moving pages to node 0"
bad=$(awk '
	function v(name,   i) { for (i = 1; i <= NF; i++) if ($i ~ "^" name "=") return substr($i, length(name) + 2); return "" }
	/kmmscand_scan_mm_start:/ {
		pid = v("pid"); s = v("start")
		if (v("end") != "0x0" || v("scanned") != 0 || v("young") != 0) { print "start event with end/scanned/young set: " $0; err = 1; exit }
		# A visit starts where the previous visit of that pid ended, or
		# at 0 (after a wrap, or a new mm after exec).
		if ((pid in cur) && s != cur[pid] && s != "0x0") { print "visit of pid " pid " starts at " s ", the previous one ended at " cur[pid] ": " $0; err = 1; exit }
	}
	/kmmscand_scan_mm_end:/ {
		pid = v("pid"); e = v("end")
		if (v("young") + 0 > v("scanned") + 0) { print "young > scanned: " $0; err = 1; exit }
		cur[pid] = (e == "0xffffffffffffffff") ? "0x0" : e
		young += v("young")
	}
	/kmmscand_migrate_batch:/ {
		if (v("migrated") + v("failed") != v("pages") + 0) { print "migrated + failed != pages: " $0; err = 1; exit }
		if (v("folios") + 0 > v("pages") + 0) { print "more folios than pages: " $0; err = 1; exit }
		if (v("us") == "") { print "no us field: " $0; err = 1; exit }
		if (v("migrated") + 0 > 0 && v("us") + 0 < 1) { print "pages moved in 0 us: " $0; err = 1; exit }
		mig += v("migrated"); us += v("us")
	}
	END { if (!err) print "SUMS " mig + 0 " " young + 0 " " us + 0 }' /tmp/trace.txt)
case "$bad" in
SUMS*) ;;
*) fail "$bad" ;;
esac
set -- $bad
info "sum of migrated $2, kmmscand_promoted +$((p1 - p0)); sum of young $3, kmmscand_young +$((y1 - y0))"
[ "$2" = $((p1 - p0)) ] || fail "the batches' migrated pages ($2) differ from kmmscand_promoted's growth ($((p1 - p0)))"
[ "$3" = $((y1 - y0)) ] || fail "the visits' young pages ($3) differ from kmmscand_young's growth ($((y1 - y0)))"
info "the batches took $4 us in all, with the events on for $on_us us"
[ "$4" -le "$on_us" ] || fail "the batches' durations ($4 us) add up to more than the $on_us us the events were on"
check_dmesg
