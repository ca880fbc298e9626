#!/bin/sh
# A page the walk found young can be freed, and its PFN reused, before the
# promotion moves it: by a process whose memory is bound to the slow node.
# The promotion checks the folio's identity (mapping and index) again after
# taking it, so that such a page is dropped, not moved.
#
# Two processes share the slow node for 30 s, the module at its most
# aggressive (10 ms periods, promotion on first sight): one frees and
# re-places 16 MiB of promotable memory every 50 ms, the other 16 MiB under
# MPOL_BIND to the slow node, checking before each unmap that none of its
# pages left the node.  None may ever have (moved=0), while the module
# promotes the promotable process's memory all along.
. /tests/lib/common.sh
find_slow_node
P=/tests/bin/placement
load_module
aggressive_knobs
p0=$(vmstat kmmscand_promoted)
i0=$(vmstat kmmscand_promote_fail_isolate)
$P --kind default-reuse --node "$SLOW" --mb 16 --seconds 30 >/tmp/dr.out 2>&1 &
d=$!
$P --kind bind-reuse --node "$SLOW" --mb 16 --seconds 30 >/tmp/br.out 2>&1 &
b=$!
wait $d
rd=$?
wait $b
rb=$?
p1=$(vmstat kmmscand_promoted)
i1=$(vmstat kmmscand_promote_fail_isolate)
tail -n 2 /tmp/dr.out
tail -n 2 /tmp/br.out
info "kmmscand_promoted +$((p1 - p0)), kmmscand_promote_fail_isolate +$((i1 - i0))"
[ $rd = 0 ] && [ $rb = 0 ] || fail "a placement process failed ($rd, $rb): $(grep setup /tmp/dr.out /tmp/br.out)"
final=$(grep '^placement: bind-reuse/r final' /tmp/br.out)
[ -n "$final" ] || fail "no final report from the bound process"
moved=$(echo "$final" | sed -n 's/.* moved=\([0-9]*\).*/\1/p')
top=$(echo "$final" | sed -n 's/.* top=\([0-9]*\).*/\1/p')
[ "${moved:-x}" = 0 ] && [ "${top:-x}" = 0 ] ||
	fail "pages bound to node $SLOW were moved off it (moved=$moved, top=$top at the end)"
# The scanner was at work on the freed and reused memory all along.
[ $((p1 - p0)) -ge 4096 ] || fail "the module promoted only $((p1 - p0)) pages of the promotable process: the test raced with nothing"
unload_module
check_dmesg
