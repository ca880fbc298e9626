#!/bin/sh
# A region kept MPOL_BIND to the slow node and touched continuously stays
# 100% there: the daemon skips VMAs whose mempolicy allows no top-tier node.
. /tests/lib/common.sh
find_slow_node
size=$(region_size_mb)
load_module
v0=$(vmstat kmmscand_vma_skipped_policy)
p0=$(vmstat kmmscand_promoted)
$MEMTIER --size-mb "$size" --node "$SLOW" --bind --pattern hot --seconds 5 \
	--expect-node "$SLOW" --expect-pct 100 --report-ms 2000 >/tmp/bind.out
rc=$?
cat /tmp/bind.out
v1=$(vmstat kmmscand_vma_skipped_policy)
p1=$(vmstat kmmscand_promoted)
info "kmmscand_vma_skipped_policy +$((v1 - v0)), kmmscand_promoted +$((p1 - p0))"
[ "$p1" = "$p0" ] || fail "kmmscand_promoted grew by $((p1 - p0)) while the only slow-tier memory was bound there"
[ $rc = 0 ] || fail "pages of an MPOL_BIND region left node $SLOW"
[ $((v1 - v0)) -gt 0 ] || fail "the daemon never considered (and skipped) the bound VMA"
unload_module
