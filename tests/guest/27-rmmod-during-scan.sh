#!/bin/sh
# rmmod while a large scan is in progress returns within 1 s and leaves
# nothing behind.
. /tests/lib/common.sh
find_slow_node
load_module
knob_set scan_size_max_mb 65536
knob_set scan_size_mb 65536
$MEMTIER --size-mb 512 --node "$SLOW" --pattern hot --seconds 60 --report-ms 60000 >/tmp/big.out &
pid=$!
# Wait until the daemon is busy with the region.
s0=$(vmstat kmmscand_slowtier_scanned)
i=0
while [ $(( $(vmstat kmmscand_slowtier_scanned) - s0 )) -lt 20000 ]; do
	i=$((i + 1)); [ $i -le 300 ] || { kill $pid; fail "the daemon did not start scanning the region"; }
	sleep 0.1
done
t0=$(uptime_ms)
rmmod kmmscand || fail "rmmod failed"
t1=$(uptime_ms)
kill $pid
wait $pid 2>/dev/null
info "rmmod took $((t1 - t0)) ms during a scan of a 512 MiB region"
[ $((t1 - t0)) -le 1000 ] || fail "rmmod took longer than 1 s"
[ -z "$(kthread_pids)" ] || fail "kmmscand thread survived rmmod"
[ ! -e "$KNOBS" ] || fail "$KNOBS survived rmmod"
check_dmesg
