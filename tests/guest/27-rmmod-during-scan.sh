#!/bin/sh
# rmmod while a visit of a large address space is in progress stops that
# visit (it does not wait for it to end) and leaves nothing behind; the
# time rmmod took is printed, not bounded (TCG timing varies: 610 ms in
# one full run, 1240 ms in another).  The visit is long (a 512 MiB hot
# region, one visit covers it) and back to back with the next (period 10
# ms), and it promotes the whole region (hot_threshold 1: every young page
# is a candidate; with the default 2, the recheck 10 ms after the first
# sighting finds few pages young again and the promotion spreads over many
# short visits).  rmmod comes 0.3 s after a visit of the process is seen in
# progress once the region is placed and let go (memtier's --ready-file).  The scan
# tracepoints prove that a visit was running when rmmod was
# called: the last kmmscand_scan_mm_start of the region's process before a
# marker written just before rmmod has no kmmscand_scan_mm_end before the
# marker; its end after the marker, if the reader got it before rmmod
# cleared the trace buffer, stops short of the end of the address space
# (the visit was cut by the stop, not completed).  The events are read
# from trace_pipe while it happens (rmmod of a module whose events were
# on clears the buffer).  If rmmod happens to fall between two visits the
# round is repeated (at most 5).
. /tests/lib/common.sh
find_slow_node
T=/sys/kernel/tracing
round=1
while :; do
	load_module
	knob_set scan_size_max_mb 65536
	knob_set scan_size_mb 65536
	knob_set scan_sleep_ms 1
	knob_set scan_period_min_ms 10
	knob_set hot_threshold 1
	echo >$T/trace
	echo 1 >$T/events/kmmscand/kmmscand_scan_mm_start/enable
	echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
	cat $T/trace_pipe >/tmp/tp.txt &
	reader=$!
	rm -f /tmp/big.ready
	$MEMTIER --size-mb 512 --node "$SLOW" --pattern hot --seconds 60 --report-ms 60000 \
		--ready-file /tmp/big.ready >/tmp/big.out &
	pid=$!
	# Wait until the region is placed and let go, then for the next visit
	# of the process to start: the one that promotes the region.
	i=0
	while [ ! -e /tmp/big.ready ]; do
		i=$((i + 1)); [ $i -le 600 ] || { kill $pid; fail "memtier did not place the region"; }
		sleep 0.1
	done
	i=0
	until grep "kmmscand_scan_mm_[a-z]*: pid=$pid " /tmp/tp.txt | tail -n 1 | grep -q scan_mm_start; do
		i=$((i + 1)); [ $i -le 600 ] || { kill $pid; fail "no visit of the region in progress within 30 s"; }
		sleep 0.05
	done
	sleep 0.3
	echo "kmmscand-test: rmmod" >$T/trace_marker
	t0=$(uptime_ms)
	rmmod kmmscand || fail "rmmod failed"
	t1=$(uptime_ms)
	kill $pid
	wait $pid 2>/dev/null
	sleep 0.5
	kill $reader
	wait $reader 2>/dev/null
	info "round $round: rmmod took $((t1 - t0)) ms during a scan of a 512 MiB region"
	[ -z "$(kthread_pids)" ] || fail "kmmscand thread survived rmmod"
	[ ! -e "$KNOBS" ] || fail "$KNOBS survived rmmod"
	# The visit in progress at the marker, and how it ended.
	verdict=$(awk -v pid="$pid" '
		/kmmscand-test: rmmod/ { marked = 1; next }
		$0 ~ "kmmscand_scan_mm_start: pid=" pid " " && !marked { open = 1; start = $0 }
		$0 ~ "kmmscand_scan_mm_end: pid=" pid " " {
			if (!marked) open = 0
			else if (open && after == "") after = $0
		}
		END {
			if (!marked) print "nomarker"
			else if (!open) print "idle"
			else if (after == "") print "noend"
			else if (after ~ / end=0xffffffffffffffff /) print "completed " after
			else print "cut " after
		}' /tmp/tp.txt)
	case "$verdict" in
	cut*) info "visit in progress at rmmod, stopped early:$(echo "$verdict" | sed 's/.*kmmscand_scan_mm_end://')"; break ;;
	noend) info "round $round: a visit was in progress at rmmod, but its end event went with the trace buffer (ftrace clears it when the module's events go) before it was read: not proven, again" ;;
	idle) info "round $round: rmmod fell between two visits" ;;
	nomarker) fail "the trace marker is missing" ;;
	completed*) fail "the visit in progress at rmmod ran to the end of the address space instead of stopping: $verdict" ;;
	esac
	round=$((round + 1))
	[ $round -le 5 ] || fail "in 5 rounds rmmod never came during a visit (the visits are not long, or the trace is wrong)"
done
check_dmesg
