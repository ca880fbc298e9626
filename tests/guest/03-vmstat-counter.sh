#!/bin/sh
# kmmscand_wakeups in /proc/vmstat grows while enabled, and stands still
# while disabled.
. /tests/lib/common.sh
load_module
a=$(vmstat kmmscand_wakeups)
[ -n "$a" ] || fail "kmmscand_wakeups is not in /proc/vmstat"
sleep 1
b=$(vmstat kmmscand_wakeups)
info "enabled: kmmscand_wakeups $a -> $b in 1 s"
[ "$b" -gt "$a" ] || fail "kmmscand_wakeups did not grow while enabled"
knob_set enabled 0
sleep 0.3
c=$(vmstat kmmscand_wakeups)
sleep 1
d=$(vmstat kmmscand_wakeups)
info "disabled: kmmscand_wakeups $c -> $d in 1 s"
[ "$d" = "$c" ] || fail "kmmscand_wakeups grew while disabled"
unload_module
