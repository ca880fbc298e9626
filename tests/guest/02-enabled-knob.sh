#!/bin/sh
# `enabled` reads 1 after load, accepts 0 and 1, and refuses anything else
# with EINVAL, leaving the value unchanged and logging why.
. /tests/lib/common.sh
load_module
[ "$(knob enabled)" = 1 ] || fail "enabled reads '$(knob enabled)' after load, expected 1"
knob_set enabled 0
[ "$(knob enabled)" = 0 ] || fail "enabled reads '$(knob enabled)' after writing 0"
knob_set enabled 1
[ "$(knob enabled)" = 1 ] || fail "enabled reads '$(knob enabled)' after writing 1"
for v in 0 1; do
	knob_set enabled $v
	for junk in 2 -1 abc "" " 1" 1x 0x1 +1 99999999999999999999; do
		if err=$( (echo "$junk" >$KNOBS/enabled) 2>&1); then
			fail "writing '$junk' was accepted"
		fi
		echo "$err" | grep -q "Invalid argument" || fail "writing '$junk': expected EINVAL, got: $err"
		[ "$(knob enabled)" = $v ] || fail "writing '$junk' changed enabled from $v to $(knob enabled)"
	done
done
dmesg | grep -q "kmmscand: enabled: write rejected" || fail "no warning in the kernel log for a refused write"
unload_module
