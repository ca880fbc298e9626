#!/bin/sh
# Every knob reads its documented default, accepts a valid value, and
# refuses junk, negatives, overflow, out-of-range values and min > max with
# EINVAL, keeping its value and logging a warning.  The knobs are listed
# from sysfs: every writable file must be in the table below (a new knob
# without a test fails here), every file in the table must exist, and the
# read-only files are exactly the documented status files.  After every
# write, refused or accepted, every knob is read again: a refused write
# changes nothing anywhere, an accepted one only its knob.
. /tests/lib/common.sh
load_module

cat >/tmp/knobs.table <<'LIST'
enabled 1 0 2 -1
scan_sleep_ms 100 20 0 -5 60001
scan_period_min_ms 500 1000 9 -1 3600001
scan_period_max_ms 2000 6000 9 -1 3600001
scan_size_mb 1024 512 0 -1 1048577
scan_size_min_mb 256 128 0 -1 1048577
scan_size_max_mb 65536 2048 0 -1 1048577
mms_to_scan 64 8 0 -1 65537
hot_threshold 2 3 0 -1 4
migrate_batch 512 64 0 -1 8193
promote_rate_limit_mbps 65536 100 -1 1048577
target_node -1 0 -2 64 1000
cgroup_toptier_max_mb 0 512 -1 1073741825
LIST

# What sysfs has.
writable= readonly=
for f in "$KNOBS"/*; do
	n=${f##*/}
	case $(stat -c %a "$f") in
	644) writable="$writable $n" ;;
	444) readonly="$readonly $n" ;;
	*) fail "$n has mode $(stat -c %a "$f"), not 0644 (knob) or 0444 (status)" ;;
	esac
done
[ "$(echo $readonly | tr ' ' '\n' | sort | tr '\n' ' ')" = "cgroup_stats hotness_bytes pingpong_pages probe_tables_woken probes quiet_mms room_hold_ms room_holds tracked_mms " ] ||
	fail "read-only files are '$readonly', documented: cgroup_stats hotness_bytes pingpong_pages probe_tables_woken probes quiet_mms room_hold_ms room_holds tracked_mms"
# cgroup_scope takes text, not a number: checked below and in 62-cgroup-scope.
table=$( (awk '{ print $1 }' /tmp/knobs.table; echo cgroup_scope) | sort | tr '\n' ' ')
listed=$(echo $writable | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$table" = "$listed" ] || fail "writable files in sysfs ($listed) differ from the knobs this test covers ($table)"
info "$(echo $writable | wc -w) knobs and 4 status files in $KNOBS"
writable=$(echo $writable | tr ' ' '\n' | grep -vx cgroup_scope)

# snapshot: SNAP = every knob's value, read with the shell's builtin read.
snapshot() {
	SNAP=
	for n in $writable; do
		read -r v <"$KNOBS/$n" || fail "reading $n failed"
		SNAP="$SNAP $n=$v"
	done
}
# expect_all: every knob reads what it did at the last snapshot_ok, with
# $1 (if given) now reading $2.
expect_all() {
	want=$GOOD
	[ -z "${1:-}" ] || want=$(echo "$GOOD" | sed "s/ $1=[^ ]*/ $1=$2/")
	snapshot
	[ "$SNAP" = "$want" ] || fail "after $3: knobs read '$SNAP', expected '$want'"
}
snapshot; GOOD=$SNAP

# name default valid-value out-of-range...
while read -r name def valid bad; do
	v=$(knob "$name")
	[ "$v" = "$def" ] || fail "$name reads '$v' after load, documented default is $def"
	knob_set "$name" "$valid"
	expect_all "$name" "$valid" "writing $valid to $name"
	GOOD=$SNAP
	for junk in abc "" 12abc " 5" 0x10 +1 1.5 99999999999999999999 -99999999999999999999 $bad; do
		if err=$( (echo "$junk" >"$KNOBS/$name") 2>&1); then
			fail "$name accepted '$junk'"
		fi
		case $err in
		*"Invalid argument"*) ;;
		*) fail "$name, '$junk': expected EINVAL, got: $err" ;;
		esac
		expect_all "" "" "the refused write '$junk' to $name"
	done
	knob_set "$name" "$def"
	expect_all "$name" "$def" "writing $def back to $name"
	GOOD=$SNAP
	info "$name: default $def, accepts $valid, refuses junk and$(echo " $bad" | sed 's/ / /g')"
done </tmp/knobs.table

# cgroup_scope: default all, accepts a path, refuses junk (the lookups and
# the rest of the grammar are 62-cgroup-scope's).
[ "$(knob cgroup_scope)" = all ] || fail "cgroup_scope reads '$(knob cgroup_scope)' after load, documented default: all"
knob_set cgroup_scope "only /"
[ "$(knob cgroup_scope)" = "only /" ] || fail "cgroup_scope reads '$(knob cgroup_scope)' after writing 'only /'"
expect_all "" "" "writing 'only /' to cgroup_scope"
for junk in abc "" " " "only" "only x" "only /,/" 1; do
	if (echo "$junk" >"$KNOBS/cgroup_scope") 2>/dev/null; then fail "cgroup_scope accepted '$junk'"; fi
	[ "$(knob cgroup_scope)" = "only /" ] || fail "the refused write '$junk' changed cgroup_scope"
done
knob_set cgroup_scope all
[ "$(knob cgroup_scope)" = all ] || fail "cgroup_scope does not read all again"
info "cgroup_scope: default all, accepts 'only /', refuses junk"

# Knobs that bound each other: min > max is refused either way round.
# Each refusal below must log its own warning: the warnings are rate
# limited (10 in 5 s), so wait for the burst of the loop above to expire,
# then mark the log.
sleep 5.5
log_mark
expect_refused() {
	if (echo "$2" >"$KNOBS/$1") 2>/dev/null; then fail "$1=$2 accepted: $3"; fi
	expect_all "" "" "the refused write $2 to $1"
}
expect_refused scan_period_min_ms 6000 "above scan_period_max_ms (2000)"
expect_refused scan_period_max_ms 400 "below scan_period_min_ms (500)"
expect_refused scan_size_min_mb 2048 "above scan_size_mb (1024)"
expect_refused scan_size_max_mb 512 "below scan_size_mb (1024)"
expect_refused scan_size_mb 70000 "above scan_size_max_mb (65536)"
[ "$(knob scan_period_min_ms)" = 500 ] && [ "$(knob scan_period_max_ms)" = 2000 ] ||
	fail "a refused min/max write changed a value"
# The slow node is not a valid promotion target.
find_slow_node
expect_refused target_node "$SLOW" "node $SLOW is not top tier"
[ "$(knob target_node)" = -1 ] || fail "target_node changed on a refused write"

log_since_mark | grep 'kmmscand: .*: write rejected' >/tmp/rejected.log
info "$(wc -l </tmp/rejected.log) refused writes logged since the mark"
for k in scan_period_min_ms scan_period_max_ms scan_size_min_mb scan_size_max_mb scan_size_mb target_node; do
	grep -q "kmmscand: $k: write rejected" /tmp/rejected.log ||
		fail "the refused write to $k was not logged"
done
[ "$(wc -l </tmp/rejected.log)" -le 6 ] || fail "more warnings than the 6 refused writes: $(cat /tmp/rejected.log)"
grep 'scan_period_min_ms' /tmp/rejected.log
unload_module
