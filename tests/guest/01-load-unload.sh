#!/bin/sh
# insmod/rmmod three times: the sysfs directory and exactly one kmmscand
# thread appear, then disappear; nothing is left behind; no kernel warning.
. /tests/lib/common.sh
for i in 1 2 3; do
	load_module
	pids=$(kthread_pids)
	[ "$(echo $pids | wc -w)" = 1 ] || fail "round $i: expected one kmmscand thread, found '$pids'"
	[ -f $KNOBS/enabled ] || fail "round $i: $KNOBS/enabled missing"
	sleep 0.5
	unload_module
	[ ! -e $KNOBS ] || fail "round $i: $KNOBS still exists after rmmod"
	[ -z "$(kthread_pids)" ] || fail "round $i: kmmscand thread still running after rmmod"
	! grep -q '^kmmscand ' /proc/modules || fail "round $i: module still listed"
	info "round $i: thread $pids came and went"
done
check_dmesg
