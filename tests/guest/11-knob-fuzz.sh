#!/bin/sh
# Every writable file in /sys/kernel/mm/kmmscand (found by listing the
# directory, not from a fixed list) refuses junk with EINVAL and keeps its
# value: random bytes, huge and signed numbers, "-0", whitespace, an empty
# line; under four concurrent writers it only ever reads a value one of them
# wrote; the read-only status files refuse writes; and a non-root user can
# write none of them.
. /tests/lib/common.sh
load_module
knobs= status=
for f in "$KNOBS"/*; do
	case $(stat -c %a "$f") in
	644) knobs="$knobs ${f##*/}" ;;
	444) status="$status ${f##*/}" ;;
	*) fail "$f has mode $(stat -c %a "$f"), expected 644 or 444" ;;
	esac
done
nk=$(echo $knobs | wc -w)
info "writable:$knobs"
info "read-only:$status"
[ "$nk" -ge 12 ] || fail "only $nk writable files found"

refused() { # refused KNOB: the last write failed with EINVAL and changed nothing
	echo "$err" | grep -q "Invalid argument" || fail "$1: '$2' gave '$err', expected EINVAL"
	[ "$(knob "$1")" = "$before" ] || fail "$1 changed from $before to $(knob "$1") on a refused write of '$2'"
}
for k in $knobs; do
	before=$(knob "$k")
	for input in "" " " "-0" "+0" "-" "--1" " 1" "1 " "1	" "0x1" "1e3" "0.5" "1,5" \
		99999999999999999999 -99999999999999999999 18446744073709551616 \
		9223372036854775808 -9223372036854775809 2147483648 4294967296 -2147483649; do
		if err=$( (echo "$input" >"$KNOBS/$k") 2>&1); then
			fail "$k accepted '$input'"
		fi
		refused "$k" "$input"
	done
	i=0
	while [ $i -lt 20 ]; do
		if err=$( (head -c 16 /dev/urandom >"$KNOBS/$k") 2>&1); then
			fail "$k accepted 16 random bytes"
		fi
		refused "$k" "<random bytes>"
		i=$((i + 1))
	done
done
info "$nk knobs refused 41 junk writes each with EINVAL and kept their values"

# Four writers and a reader on one knob: every read is a value written.
k=scan_sleep_ms
for w in 1 2 3 4; do
	(
		i=0
		while [ $i -lt 150 ]; do
			echo $((w * 10)) >"$KNOBS/$k"
			echo junk >"$KNOBS/$k" 2>/dev/null
			i=$((i + 1))
		done
	) &
done
reads=0
while [ $reads -lt 600 ]; do
	v=$(knob $k)
	case $v in 10 | 20 | 30 | 40 | 100) ;; *) fail "$k read '$v' under concurrent writers" ;; esac
	reads=$((reads + 1))
done
wait
info "600 reads of $k under 4 concurrent writers: only written values"
knob_set $k 100

for s in $status; do
	if (echo 1 >"$KNOBS/$s") 2>/dev/null; then fail "read-only $s accepted a write"; fi
done

# A non-root user can read but not write.
for k in $knobs $status; do
	v=$(knob "$k")
	setpriv --reuid=65534 --regid=65534 --clear-groups cat "$KNOBS/$k" >/dev/null ||
		fail "a non-root user cannot read $k"
	if setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo $v >$KNOBS/$k" 2>/dev/null; then
		fail "a non-root user could write $k"
	fi
done
info "a non-root user reads every file and writes none"
unload_module
check_dmesg
