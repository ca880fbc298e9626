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

# Shell builtins only in the loops (a fork costs ~50 ms under TCG + KASAN).
rd() { read -r v <"$KNOBS/$1"; }
refused() { # refused KNOB INPUT: the last write failed with EINVAL, nothing changed
	read -r err </tmp/fuzz.err
	case $err in *"Invalid argument"*) ;; *) fail "$1: '$2' gave '$err', expected EINVAL" ;; esac
	rd "$1"
	[ "$v" = "$before" ] || fail "$1 changed from $before to $v on a refused write of '$2'"
}
n=0
for k in $knobs; do
	rd "$k"; before=$v
	for input in "" " " "-0" "+0" "-" " 1" "1 " "0x1" "1e3" "0.5" \
		99999999999999999999 -99999999999999999999 9223372036854775808 4294967296; do
		if echo "$input" >"$KNOBS/$k" 2>/tmp/fuzz.err; then
			fail "$k accepted '$input'"
		fi
		refused "$k" "$input"
		n=$((n + 1))
	done
	for i in 1 2 3; do
		# dd, unlike busybox head, reports a failed write in its status.
		dd if=/dev/urandom of=/tmp/random.bin bs=16 count=1 2>/dev/null
		if dd if=/tmp/random.bin of="$KNOBS/$k" bs=16 count=1 conv=notrunc 2>/tmp/fuzz.err; then
			fail "$k accepted 16 random bytes ($(od -An -tx1 /tmp/random.bin))"
		fi
		refused "$k" "<random bytes>"
		n=$((n + 1))
	done
done
info "$nk knobs refused $n junk writes with EINVAL and kept their values"

# Four writers and a reader on one knob: every read is a value written.
k=scan_sleep_ms
for w in 1 2 3 4; do
	(
		i=0
		while [ $i -lt 40 ]; do
			echo $((w * 10)) >"$KNOBS/$k"
			echo junk >"$KNOBS/$k" 2>/dev/null
			i=$((i + 1))
		done
	) &
done
reads=0
while [ $reads -lt 200 ]; do
	rd $k
	case $v in 10 | 20 | 30 | 40 | 100) ;; *) fail "$k read '$v' under concurrent writers" ;; esac
	reads=$((reads + 1))
done
wait
info "200 reads of $k under 4 concurrent writers: only written values"
knob_set $k 100

for s in $status; do
	if (echo 1 >"$KNOBS/$s") 2>/dev/null; then fail "read-only $s accepted a write"; fi
done

# A non-root user can read but not write (busybox su needs a passwd entry).
grep -q '^kmmtest:' /etc/passwd 2>/dev/null ||
	echo 'kmmtest:x:65534:65534:kmmscand test:/:/bin/sh' >>/etc/passwd
for k in $knobs $status; do
	rd "$k"
	su -s /bin/sh kmmtest -c "cat $KNOBS/$k" >/dev/null 2>&1 || fail "a non-root user cannot read $k"
	if su -s /bin/sh kmmtest -c "echo $v >$KNOBS/$k" 2>/dev/null; then
		fail "a non-root user could write $k"
	fi
done
[ "$(su -s /bin/sh kmmtest -c "id -u")" = 65534 ] || fail "su did not switch to the test user"
info "a non-root user reads every file and writes none"
unload_module
check_dmesg
