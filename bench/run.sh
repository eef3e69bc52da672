#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR] — redraft-node against Debian's redis-server in one run.
#
# Starts BUILD_DIR/bin/redraft-node (a one-member Raft shard: every write is in its
# fsync'd log before the reply) and redis-server (`--bind 127.0.0.1 --save ''
# --appendonly no --dir <scratch>` by default: no persistence at all, the fastest Redis;
# BENCH_REDIS_ARGS="--appendonly yes --appendfsync always" compares like with like),
# each on a free loopback port, then:
#   1. throughput: redis-benchmark's own tests (strings: set,get,incr,mset; data types:
#      lpush,lpop,sadd,hset,zadd,lrange_100,lrange_600) -n N -c 50 at -P 1 and -P 16,
#      one test at a time, alternating which server goes first, and prints requests per
#      second for both and the ratio redraft / redis-server (higher is better);
#   2. memory: for each data set, FLUSHALL, load it through `redis-cli --pipe` into both
#      servers and compare INFO memory's used_memory (ratio redraft / redis-server,
#      lower is better). The data sets: K keys `key:NNNNNNN` -> 16-byte values; H hashes
#      of 10 fields; Z sorted sets of 20 members (small enough for the listpack
#      encoding, the common case).
# Both servers are stopped by PID when the script exits, however it exits.
# The last line is a one-line summary. Exit status: 0 when every measurement was taken
# (whether or not the targets were met), 1 when a server failed or a tool errored.
#
# Environment overrides (defaults are the issue's figures):
#   BENCH_N=1000000          requests per redis-benchmark test
#   BENCH_KEYS=1000000       keys loaded for the memory comparison
#   BENCH_HASHES=100000      hashes of 10 fields for the memory comparison (0: skip)
#   BENCH_ZSETS=100000       sorted sets of 20 members for the memory comparison (0: skip)
#   BENCH_CLIENTS=50         redis-benchmark -c
#   BENCH_TESTS=set,get,incr,mset,lpush,lpop,sadd,hset,zadd,lrange_100,lrange_600
#                            (redis-benchmark -t names; lrange_* include redis-benchmark's
#                            own LPUSH prefill run, which is not timed here)
#   BENCH_PIPELINES="1 16"   redis-benchmark -P values
#   BENCH_TIMEOUT=900        seconds allowed for one redis-benchmark run
#   BENCH_ROUNDS=1           repeat the throughput runs and keep each server's best
#                            (use 2-3 on a busy machine: other load skews single runs)
#   BENCH_REDRAFT_ARGS=""    extra flags for redraft-node, e.g. "--maxmemory 1gb"
#   BENCH_REDIS_ARGS="--appendonly no"  redis-server's persistence flags
#   BENCH_SCRATCH=/tmp       where both data dirs go (/dev/shm: no fsync cost for either)
set -euo pipefail

BUILD=${1:-build}
N=${BENCH_N:-1000000}
KEYS=${BENCH_KEYS:-1000000}
CLIENTS=${BENCH_CLIENTS:-50}
TESTS=${BENCH_TESTS:-set,get,incr,mset,lpush,lpop,sadd,hset,zadd,lrange_100,lrange_600}
HASHES=${BENCH_HASHES:-100000}
ZSETS=${BENCH_ZSETS:-100000}
PIPELINES=${BENCH_PIPELINES:-1 16}
RUN_TIMEOUT=${BENCH_TIMEOUT:-900}
ROUNDS=${BENCH_ROUNDS:-1}
EXTRA_ARGS=${BENCH_REDRAFT_ARGS:-}
REDIS_ARGS=${BENCH_REDIS_ARGS:---appendonly no}
SCRATCH=${BENCH_SCRATCH:-${TMPDIR:-/tmp}}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# die stop_pid free_port cli wait_ready info_field ratio max (bench_one is run.sh's own, below)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

for tool in redis-server redis-benchmark redis-cli python3 timeout awk; do
  command -v "$tool" >/dev/null || die "$tool not found (run \`make deps\`)"
done
NODE_BIN=$(cd "$BUILD" 2>/dev/null && pwd)/bin/redraft-node || true
[ -x "$NODE_BIN" ] || die "no redraft-node in $BUILD/bin (run \`make build\`)"

TMP=$(mktemp -d "$SCRATCH/redraft-bench.XXXXXX")
REDIS_PID=""; NODE_PID=""

cleanup() {
  stop_pid "$NODE_PID"
  stop_pid "$REDIS_PID"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

check_alive() {
  if ! kill -0 "$REDIS_PID" 2>/dev/null; then
    echo "bench: redis-server died; its log:" >&2; tail -n 30 "$TMP/redis.log" >&2; exit 1
  fi
  if ! kill -0 "$NODE_PID" 2>/dev/null; then
    echo "bench: redraft-node died; its log:" >&2; tail -n 30 "$TMP/redraft.log" >&2; exit 1
  fi
}

REDIS_PORT=$(free_port)
NODE_PORT=$(free_port "$REDIS_PORT")
mkdir -p "$TMP/redis" "$TMP/redraft"

# shellcheck disable=SC2086  # REDIS_ARGS is a list of flags
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' $REDIS_ARGS \
  --dir "$TMP/redis" >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
# shellcheck disable=SC2086  # EXTRA_ARGS is a list of flags
"$NODE_BIN" --port "$NODE_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP/redraft" $EXTRA_ARGS \
  >"$TMP/redraft.log" 2>&1 &
NODE_PID=$!
wait_ready redis-server "$REDIS_PORT" "$REDIS_PID" "$TMP/redis.log"
wait_ready redraft-node "$NODE_PORT" "$NODE_PID" "$TMP/redraft.log"

redis_ver=$(info_field "$REDIS_PORT" server redis_version)
node_ver=$(info_field "$NODE_PORT" server redraft_version)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "== redraft benchmark"
echo "redis-server ${redis_ver:-?} (pid $REDIS_PID, port $REDIS_PORT)  vs  redraft-node ${node_ver:-?} (pid $NODE_PID, port $NODE_PORT, $NODE_BIN)"
echo "machine: $(nproc) CPUs${cpu:+, $cpu}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "redis-benchmark -t $TESTS -n $N -c $CLIENTS -P {${PIPELINES// /,}} --csv, one test at a time, alternating which server goes first$( [ "$ROUNDS" = 1 ] || echo ", $ROUNDS rounds")"
echo

# bench_one PORT TEST PIPELINE -> prints requests/s, or fails. (Replaces lib.sh's: N and
# CLIENTS fixed, and the row read is the test's own, not an lrange_* prefill's.)
bench_one() {
  local port=$1 test=$2 pipe=$3 out rps
  if ! out=$(timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" -n "$N" \
               -c "$CLIENTS" -P "$pipe" -q --csv 2>"$TMP/bench.err"); then
    echo "bench: redis-benchmark -t $test -P $pipe against port $port failed:" >&2
    tail -n 5 "$TMP/bench.err" >&2; printf '%s\n' "$out" | tail -n 5 >&2
    return 1
  fi
  # CSV: "test","rps","avg_latency_ms",... — the row whose name is the test's (upper
  # case, e.g. "LRANGE_100 (first 100 elements)"); lrange_* also print a row for their
  # "LPUSH (needed to benchmark LRANGE)" prefill, which is skipped.
  rps=$(printf '%s\n' "$out" | tr -d '\r' | awk -F'","' -v t="$(echo "$test" | tr '[:lower:]' '[:upper:]')" '
    { name = substr($1, 2) }
    name !~ /needed/ && (name == t || index(name, t " ") == 1) { if ($2 ~ /^[0-9.]+$/) { print $2; exit } }')
  [ -n "$rps" ] || { echo "bench: no result in redis-benchmark output for -t $test -P $pipe:" >&2; printf '%s\n' "$out" >&2; return 1; }
  echo "$rps"
}

# CPU time (user + system, clock ticks) a process has used so far: /proc/PID/stat fields
# 14 and 15. Requests per second depend on the benchmark client and the scheduler as
# much as on the server; CPU per request is the server's own cost.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CPU_R=0; CPU_D=0; REQS=0

label() {
  case "$1" in mset) echo "MSET (10 keys)" ;; *) echo "$1" | tr '[:lower:]' '[:upper:]' ;; esac
}

ROWS=()   # "test|pipeline|redis_rps|redraft_rps", best of the rounds
declare -A BEST=()
fmt_row() { printf '%-16s %-6s %18s %18s %8s\n' "$@"; }
if [ "$ROUNDS" = 1 ]; then
  fmt_row "test" "pipe" "redis-server rps" "redraft rps" "ratio"
  fmt_row "----" "----" "----------------" "-----------" "-----"
fi
i=0
for round in $(seq "$ROUNDS"); do
  for pipe in $PIPELINES; do
    for test in ${TESTS//,/ }; do
      cr0=$(cpu_ticks "$REDIS_PID"); cd0=$(cpu_ticks "$NODE_PID")
      if [ $((i % 2)) = 0 ]; then
        r=$(bench_one "$REDIS_PORT" "$test" "$pipe") || { check_alive; exit 1; }
        d=$(bench_one "$NODE_PORT" "$test" "$pipe") || { check_alive; exit 1; }
      else
        d=$(bench_one "$NODE_PORT" "$test" "$pipe") || { check_alive; exit 1; }
        r=$(bench_one "$REDIS_PORT" "$test" "$pipe") || { check_alive; exit 1; }
      fi
      CPU_R=$((CPU_R + $(cpu_ticks "$REDIS_PID") - cr0)); CPU_D=$((CPU_D + $(cpu_ticks "$NODE_PID") - cd0))
      case "$test" in lrange_*) REQS=$((REQS + 2 * N)) ;; *) REQS=$((REQS + N)) ;; esac  # + LPUSH prefill
      i=$((i + 1))
      check_alive
      BEST["$test|$pipe|r"]=$(max "${BEST["$test|$pipe|r"]:-}" "$r")
      BEST["$test|$pipe|d"]=$(max "${BEST["$test|$pipe|d"]:-}" "$d")
      if [ "$ROUNDS" = 1 ]; then
        fmt_row "$(label "$test")" "-P $pipe" "$r" "$d" "$(ratio "$d" "$r")x"
      else
        echo "round $round/$ROUNDS: $(label "$test") -P $pipe: redis-server $r rps, redraft $d rps ($(ratio "$d" "$r")x)"
      fi
    done
  done
done
if [ "$ROUNDS" != 1 ]; then
  echo
  echo "best of $ROUNDS rounds:"
  fmt_row "test" "pipe" "redis-server rps" "redraft rps" "ratio"
  fmt_row "----" "----" "----------------" "-----------" "-----"
fi
for pipe in $PIPELINES; do
  for test in ${TESTS//,/ }; do
    r=${BEST["$test|$pipe|r"]}; d=${BEST["$test|$pipe|d"]}
    ROWS+=("$(label "$test")|$pipe|$r|$d")
    [ "$ROUNDS" = 1 ] || fmt_row "$(label "$test")" "-P $pipe" "$r" "$d" "$(ratio "$d" "$r")x"
  done
done
# The figures only count if the commands really ran: the INCR runs must have left the
# counter at N per run on both servers, and SET/MSET must have stored redis-benchmark's
# 3-byte value (an error reply is as fast as a real one, so check).
npipes=$(echo "$PIPELINES" | wc -w)
for srv in "redis-server $REDIS_PORT" "redraft-node $NODE_PORT"; do
  read -r name port <<<"$srv"
  case ",$TESTS," in *,incr,*)
    want=$((N * ROUNDS * npipes)); got=$(cli "$port" GET counter:__rand_int__)
    [ "$got" = "$want" ] || { echo "bench: $name: counter:__rand_int__ is '$got' after the INCR runs, expected $want" >&2; exit 1; } ;;
  esac
  case ",$TESTS," in *,set,*|*,mset,*)
    got=$(cli "$port" STRLEN key:__rand_int__)
    [ "$got" = 3 ] || { echo "bench: $name: key:__rand_int__ has length '$got' after the SET runs, expected 3" >&2; exit 1; } ;;
  esac
  # The data-type tests write one member each (no -r): check it is there and right.
  case ",$TESTS," in *,sadd,*)
    got=$(cli "$port" SISMEMBER myset element:__rand_int__)
    [ "$got" = 1 ] || { echo "bench: $name: myset lacks element:__rand_int__ after the SADD runs" >&2; exit 1; } ;;
  esac
  case ",$TESTS," in *,hset,*)
    got=$(cli "$port" HSTRLEN myhash element:__rand_int__)
    [ "$got" = 3 ] || { echo "bench: $name: myhash field element:__rand_int__ has length '$got' after the HSET runs, expected 3" >&2; exit 1; } ;;
  esac
  case ",$TESTS," in *,zadd,*)
    got=$(cli "$port" ZSCORE myzset element:__rand_int__)
    [ "$got" = 0 ] || { echo "bench: $name: myzset score of element:__rand_int__ is '$got' after the ZADD runs, expected 0" >&2; exit 1; } ;;
  esac
  case ",$TESTS," in *,lrange_100,*|*,lrange_600,*)
    got=$(cli "$port" LRANGE mylist 0 599 | wc -l); want=$((N < 600 ? N : 600))
    [ "$got" -ge "$want" ] || { echo "bench: $name: LRANGE mylist 0 599 gave $got elements after the LRANGE runs, expected $want" >&2; exit 1; } ;;
  esac
done
HZ_TICKS=$(getconf CLK_TCK)
cpu_us() { awk -v t="$1" -v n="$REQS" -v hz="$HZ_TICKS" 'BEGIN { printf "%.2f", t * 1000000 / hz / n }'; }
echo "server CPU per request over all runs above (user+system): redis-server $(cpu_us "$CPU_R") µs, redraft $(cpu_us "$CPU_D") µs ($(ratio "$CPU_D" "$CPU_R")x, lower is better)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo

# ---- memory -----------------------------------------------------------------------
mem_load() {  # mem_load NAME PORT FILE NKEYS -> prints "baseline used allocator_allocated rss"
  local name=$1 port=$2 file=$3 nkeys=$4 out errors base used size alloc rss
  [ "$(cli "$port" FLUSHALL)" = OK ] || { echo "bench: FLUSHALL failed on $name" >&2; return 1; }
  sleep 0.5
  base=$(info_field "$port" memory used_memory)
  out=$(timeout "$RUN_TIMEOUT" redis-cli -h 127.0.0.1 -p "$port" --pipe <"$file" 2>&1) || {
    echo "bench: redis-cli --pipe into $name failed:" >&2; printf '%s\n' "$out" | tail -n 5 >&2; return 1; }
  errors=$(printf '%s\n' "$out" | awk -F'[:,] *' '/^errors:/ { print $2; exit }')
  [ "$errors" = 0 ] || { echo "bench: redis-cli --pipe into $name reported errors:" >&2; printf '%s\n' "$out" | tail -n 5 >&2; return 1; }
  size=$(cli "$port" DBSIZE)
  [ "$size" = "$nkeys" ] || { echo "bench: $name DBSIZE is $size after loading $nkeys keys" >&2; return 1; }
  sleep 0.5
  used=$(info_field "$port" memory used_memory)
  if [ -z "$base" ] || [ -z "$used" ]; then echo "bench: no used_memory in INFO memory of $name" >&2; return 1; fi
  # Cross-checks from outside the server's own counter: jemalloc's allocated bytes and RSS.
  alloc=$(info_field "$port" memory allocator_allocated)
  rss=$(info_field "$port" memory used_memory_rss)
  echo "$base $used ${alloc:-0} ${rss:-0}"
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
perkey() { awk -v u="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (u - b) / n }'; }
fmt_mem() { printf '%-14s %12s %12s %16s %10s %20s %12s\n' "$@"; }

# mem_compare TITLE FILE NKEYS: loads FILE into both servers, prints the table and the
# ratio, and leaves the ratio in MEM_RATIO.
mem_compare() {
  local title=$1 file=$2 nkeys=$3 r_base r_used r_alloc r_rss d_base d_used d_alloc d_rss
  echo "== memory: $title, loaded with redis-cli --pipe"
  read -r r_base r_used r_alloc r_rss <<<"$(mem_load redis-server "$REDIS_PORT" "$file" "$nkeys")" || { check_alive; exit 1; }
  [ -n "${r_used:-}" ] || { check_alive; exit 1; }
  read -r d_base d_used d_alloc d_rss <<<"$(mem_load redraft-node "$NODE_PORT" "$file" "$nkeys")" || { check_alive; exit 1; }
  [ -n "${d_used:-}" ] || { check_alive; exit 1; }
  check_alive
  fmt_mem "server" "used_memory" "" "empty baseline" "bytes/key" "allocator_allocated" "rss"
  fmt_mem "redis-server" "$r_used" "($(mib "$r_used"))" "$r_base" "$(perkey "$r_used" "$r_base" "$nkeys")" "$r_alloc" "$(mib "$r_rss")"
  fmt_mem "redraft-node" "$d_used" "($(mib "$d_used"))" "$d_base" "$(perkey "$d_used" "$d_base" "$nkeys")" "$d_alloc" "$(mib "$d_rss")"
  MEM_RATIO=$(ratio "$d_used" "$r_used")
  echo "memory ratio redraft / redis-server: ${MEM_RATIO}x (lower is better)"
  echo
}

LOAD="$TMP/load.resp"
awk -v n="$KEYS" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = sprintf("key:%07d", i); v = sprintf("value:%010d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
  }
}' >"$LOAD"
mem_compare "$KEYS keys key:NNNNNNN -> 16-byte values" "$LOAD" "$KEYS"
mem_ratio=$MEM_RATIO
rm -f "$LOAD"

# Collections: one HSET / ZADD per key with every field / member, as an application
# would write them. Field and member names repeat across keys (as real schemas do);
# values and scores vary.
hash_ratio=""; zset_ratio=""
if [ "$HASHES" -gt 0 ]; then
  awk -v n="$HASHES" 'BEGIN {
    for (i = 0; i < n; i++) {
      k = sprintf("hash:%07d", i)
      printf "*22\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n", length(k), k
      for (f = 0; f < 10; f++) {
        fn = sprintf("field%d", f); v = sprintf("v%d-%d", i, f * 7)
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(fn), fn, length(v), v
      }
    }
  }' >"$LOAD"
  mem_compare "$HASHES hashes of 10 fields (field0..field9 -> short values)" "$LOAD" "$HASHES"
  hash_ratio=$MEM_RATIO
  rm -f "$LOAD"
fi
if [ "$ZSETS" -gt 0 ]; then
  awk -v n="$ZSETS" 'BEGIN {
    for (i = 0; i < n; i++) {
      k = sprintf("zset:%07d", i)
      printf "*42\r\n$4\r\nZADD\r\n$%d\r\n%s\r\n", length(k), k
      for (m = 0; m < 20; m++) {
        sc = sprintf("%d", (i * 31 + m * 17) % 1000); mn = sprintf("member:%d", m)
        printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(sc), sc, length(mn), mn
      }
    }
  }' >"$LOAD"
  mem_compare "$ZSETS sorted sets of 20 members (integer scores)" "$LOAD" "$ZSETS"
  zset_ratio=$MEM_RATIO
  rm -f "$LOAD"
fi

# ---- summary ----------------------------------------------------------------------
summary=""
misses=()
for pipe in $PIPELINES; do
  stats=$(for row in "${ROWS[@]}"; do
            IFS='|' read -r t p r d <<<"$row"
            if [ "$p" = "$pipe" ]; then echo "$t|$r|$d"; fi
          done | awk -F'|' '
            { x = $3 / $2; s += log(x); n++; if (n == 1 || x < m) { m = x; mt = $1 } }
            END { printf "%.2f|%.2f|%s", exp(s / n), m, mt }')
  IFS='|' read -r gmean min mint <<<"$stats"
  summary+="-P $pipe ${gmean}x (min ${min}x ${mint}); "
  if awk -v m="$min" 'BEGIN { exit !(m < 1.0) }'; then misses+=("-P $pipe $mint ${min}x"); fi
done
if awk -v m="$mem_ratio" 'BEGIN { exit !(m > 1.0) }'; then misses+=("memory ${mem_ratio}x"); fi
if [ -n "$hash_ratio" ] && awk -v m="$hash_ratio" 'BEGIN { exit !(m > 1.0) }'; then misses+=("hash memory ${hash_ratio}x"); fi
if [ -n "$zset_ratio" ] && awk -v m="$zset_ratio" 'BEGIN { exit !(m > 1.0) }'; then misses+=("zset memory ${zset_ratio}x"); fi
if [ "${#misses[@]}" = 0 ]; then
  verdict="targets met (throughput >= 1.0x, memory <= 1.0x)"
else
  joined=$(IFS='|'; echo "${misses[*]}")
  verdict="below target: ${joined//|/, }"
fi
extra_mem=""
[ -z "$hash_ratio" ] || extra_mem+=", hashes ${hash_ratio}x"
[ -z "$zset_ratio" ] || extra_mem+=", zsets ${zset_ratio}x"
echo "summary: redraft/redis-server throughput ${summary}memory ${mem_ratio}x${extra_mem}; $verdict"
