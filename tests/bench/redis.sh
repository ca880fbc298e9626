#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The real application of `make bench`: Redis from Debian's archive,
# unmodified (scripts/fetch-app; in the guest under /extra/redis), its data
# put on the slow node, driven by redis-benchmark.  Called by guest.sh with
# tierload's options and prints lines in tierload's format, so that the
# host processes it like the other workloads:
#
#   sh redis.sh --node N --top T --seconds S --ready-file F [--go-file G]
#               [--place-node P] [--placed-min-pct X] [--sample-ms MS]
#               --app redis --keys K --hot-keys H --value BYTES --clients C
#
# redis-server listens on a Unix socket, no persistence.  A Lua script
# stores K keys "key:%012d" of BYTES bytes each, then the server's memory is
# moved from node T to the slow node N (tierload --move-pid: migrate_pages,
# its policy left default, so a mechanism may move it back); with
# --place-node T it stays in DRAM (the measured oracle).  Then, until S
# seconds after the clock starts, redis-benchmark runs back to back in
# chunks of 2,000 GETs by C clients of keys drawn uniformly from the first
# H (the hot keys; the other K - H are never read again).
#
#   B  placed: pattern=redis, window_pages = the server's pages, on_slow
#   S  every MS: t, ops (GETs completed), hot = the server's pages on node T
#      / all its pages (its whole memory: the H hot keys are H/K of the
#      data; where each key's page is, is not known), sys (the server's
#      system CPU s since the clock started)
#   E  the end: t, ops, sys, p50_ms/p99_ms (the chunks' medians), rps
#
# Exit status: 0 done; 2 setup failed.
set -u
APP=${REDIS_APP:-/extra/redis}
SOCK=/tmp/redis.sock
node=1 top=0 secs=30 ready= go= place= sample_ms=1000 keys=60000 hot=12000 value=4096 clients=8
TIERLOAD=${TIERLOAD:-}
for t in $TIERLOAD /tests/bin/tierload /extra/tierload; do
	[ -x "$t" ] && { TIERLOAD=$t; break; }
done
while [ $# -gt 0 ]; do
	case "$1" in
	--node) node=$2; shift ;;
	--top) top=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--ready-file) ready=$2; shift ;;
	--go-file) go=$2; shift ;;
	--place-node) place=$2; shift ;;
	--placed-min-pct) shift ;;
	--sample-ms) sample_ms=$2; shift ;;
	--app) [ "$2" = redis ] || { echo "redis.sh: --app $2: only redis" >&2; exit 2; }; shift ;;
	--keys) keys=$2; shift ;;
	--hot-keys) hot=$2; shift ;;
	--value) value=$2; shift ;;
	--clients) clients=$2; shift ;;
	*) echo "redis.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "redis.sh: $*" >&2; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; exit 2; }
[ -x "$APP/run" ] || die "no $APP/run (scripts/fetch-app; tools/bench/run adds build/app/redis)"
[ -n "$TIERLOAD" ] || die "no tierload"
now() { awk '{ print $1 }' /proc/uptime; }
cli() { "$APP/run" redis-cli -s "$SOCK" "$@"; }
# since T: seconds from T (a now reading) to now.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

rm -f "$SOCK"
"$APP/run" redis-server --port 0 --unixsocket "$SOCK" --save '' --appendonly no \
	--enable-debug-command local --daemonize no >/tmp/redis-server.log 2>&1 &
srv=$!
n=0
until [ "$(cli ping 2>/dev/null)" = PONG ]; do
	n=$((n + 1))
	[ $n -le 600 ] && kill -0 $srv 2>/dev/null ||
		{ cat /tmp/redis-server.log >&2; die "redis-server did not answer"; }
	sleep 0.1
done
t0=$(now)
r=$(cli EVAL "for i = 0, tonumber(ARGV[1]) - 1 do redis.call('SET', string.format('key:%012d', i), string.rep('x', tonumber(ARGV[2]))) end return redis.call('DBSIZE')" 0 "$keys" "$value")
[ "$r" = "$keys" ] || die "populating $keys keys returned '$r'"
# pages NODE: the server's pages on NODE (-1: all of them), from numa_maps.
pages() {
	awk -v n="$1" '{ for (i = 1; i <= NF; i++) if ($i ~ /^N[0-9]+=/) {
		split(substr($i, 2), a, "="); if (n < 0 || a[1] == n) s += a[2] } }
		END { print s + 0 }' "/proc/$srv/numa_maps"
}
if [ "${place:-$node}" != "$top" ]; then
	"$TIERLOAD" --move-pid "$srv" --node "$node" --top "$top" || die "moving the server's memory failed"
fi
placed_node=${place:-$node}
all=$(pages -1)
on_place=$(pages "$placed_node")
on_slow=$(pages "$node")
echo "tierload: B p=0 pid=$srv pattern=redis window_pages=$all windows=1 cold_pages=0 threads=$clients on_slow=$on_slow/$all placed_node=$placed_node placed=$on_place/$all thp_kb=0 place_s=$(since "$t0") keys=$keys hot_keys=$hot value=$value"
[ -n "$ready" ] && : >"$ready"
if [ -n "$go" ]; then
	n=0
	until [ -e "$go" ]; do
		n=$((n + 1))
		[ $n -le 30000 ] || die "$go did not appear within 300 s"
		sleep 0.01
	done
fi
stime() { awk '{ print $15 }' "/proc/$srv/stat"; }
# sys_since TICKS: the server's system CPU s since it had used TICKS.
sys_since() { awk -v a="$1" -v b="$(stime)" 'BEGIN { printf "%.3f", (b - a) / 100 }'; }
s0=$(stime)
start=$(now)
end=$(awk -v a="$start" -v s="$secs" 'BEGIN { print a + s }')
: >/tmp/redis.chunks
# The load: redis-benchmark chunks until the end; one line per chunk:
# "T_END REQUESTS RPS P50_MS P99_MS".
(
	while awk -v t="$(now)" -v e="$end" 'BEGIN { exit !(t < e) }'; do
		"$APP/run" redis-benchmark -s "$SOCK" -c "$clients" -n 2000 -r "$hot" --csv \
			GET 'key:__rand_int__' 2>/dev/null |
			awk -F'","' -v t="$(now)" 'NR == 2 { print t, 2000, $2, $5, $7 }' \
				>>/tmp/redis.chunks
	done
) &
load=$!
ops() { awk '{ s += $2 } END { print s + 0 }' /tmp/redis.chunks; }
sample() {
	echo "tierload: S p=0 t=$(since "$start") ops=$(ops) hot=$(pages "$top")/$(pages -1) cold=0/0 absent=0 pp=0 dm=0 sys=$(sys_since "$s0") ms=0"
}
next=$start
while :; do
	t=$(now)
	if awk -v t="$t" -v n="$next" 'BEGIN { exit !(t < n) }'; then
		sleep 0.05
		continue
	fi
	sample
	awk -v t="$t" -v e="$end" 'BEGIN { exit !(t >= e) }' && break
	next=$(awk -v n="$next" -v m="$sample_ms" -v e="$end" 'BEGIN { n += m / 1000; print (n > e ? e : n) }')
done
wait $load
sys=$(sys_since "$s0")
el=$(since "$start")
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
p50=$(awk '{ print $4 }' /tmp/redis.chunks | med)
p99=$(awk '{ print $5 }' /tmp/redis.chunks | med)
echo "tierload: E p=0 t=$el ops=$(ops) sys=$sys pp=0 dm=0 thp_kb=0 p50_ms=$p50 p99_ms=$p99 chunks=$(wc -l </tmp/redis.chunks)"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
exit 0
