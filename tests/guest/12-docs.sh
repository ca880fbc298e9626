#!/bin/sh
# Every file in /sys/kernel/mm/kmmscand and every kmmscand_* counter in
# /proc/vmstat is documented in docs/kmmscand.rst (as ``name`` in a table),
# and everything the tables document exists.
. /tests/lib/common.sh
DOC=/tests/docs/kmmscand.rst
[ -f $DOC ] || fail "$DOC is missing from the guest"
load_module
missing=
for f in "$KNOBS"/*; do
	n=${f##*/}
	grep -q "^\`\`$n\`\`  " $DOC || missing="$missing $n"
done
for n in $(awk '$1 ~ /^kmmscand_/ { print $1 }' /proc/vmstat); do
	grep -q "^\`\`$n\`\`  " $DOC || missing="$missing $n"
done
[ -z "$missing" ] || fail "not documented in kmmscand.rst:$missing"
# The other way round: every ``name`` opening a table row is a file or a
# counter.
extra=
for n in $(sed -n 's/^``\([a-z_0-9]*\)``  .*/\1/p' $DOC); do
	case $n in
	kmmscand_*) grep -q "^$n " /proc/vmstat || extra="$extra $n" ;;
	*) [ -e "$KNOBS/$n" ] || extra="$extra $n" ;;
	esac
done
[ -z "$extra" ] || fail "documented but absent:$extra"
info "$(ls $KNOBS | wc -l) files and $(grep -c '^kmmscand_' /proc/vmstat) counters, all documented; nothing documented is missing"
unload_module
