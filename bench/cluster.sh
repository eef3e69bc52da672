#!/usr/bin/env bash
# bench/cluster.sh [BUILD_DIR] — the hash-slot cluster against a redis-server cluster, in
# one run (`make bench-cluster`).
#
# Systems, each started fresh on free loopback ports, benchmarked, then stopped by PID:
#   redraft        3 shards x 3 redraft-nodes (scripts/local-cluster), data on disk; every
#                  write is fsync'd by a majority of its shard
#   redis-always   3 redis-server masters (cluster-enabled, no replicas) made with
#                  `redis-cli --cluster create`, appendonly yes, appendfsync always
#   redis-plain    the same 3-master cluster without persistence (appendonly no, no RDB)
# Every system gets redis-benchmark --cluster (it reads CLUSTER NODES, then each client
# sends keys with its master's hash tag) -t set,get -n N -c 50 -r 100000 at -P 1 and
# -P 16. If redis-benchmark --cluster does not work against redraft, every system is
# measured with a client-side split instead, and the report says so: one redis-benchmark
# per shard, at the same time, against that shard's master, with keys whose hash tag the
# shard owns (N/3 requests and 50/3 clients each), requests/s summed.
# The last line is a one-line summary of the ratios redraft / redis-always and
# redraft / redis-plain. Exit status: 0 when every measurement was taken, 1 when a
# server failed or a tool errored.
#
# Environment overrides:
#   BENCH_N=100000           requests per redis-benchmark test (whole cluster)
#   BENCH_CLIENTS=50         redis-benchmark -c
#   BENCH_TESTS=set,get
#   BENCH_PIPELINES="1 16"
#   BENCH_TIMEOUT=900        seconds allowed for one redis-benchmark run
#   BENCH_SYSTEMS="redraft redis-always redis-plain"
#   BENCH_CLUSTER_MODE=auto  auto | cluster (redis-benchmark --cluster) | split
#   BENCH_REDRAFT_ARGS=""    extra flags for every redraft-node
#   BENCH_DISK_DIR=${TMPDIR:-/tmp}   where the data dirs go
set -euo pipefail

BUILD=${1:-build}
N=${BENCH_N:-100000}
CLIENTS=${BENCH_CLIENTS:-50}
TESTS=${BENCH_TESTS:-set,get}
PIPELINES=${BENCH_PIPELINES:-1 16}
RUN_TIMEOUT=${BENCH_TIMEOUT:-900}
SYSTEMS=${BENCH_SYSTEMS:-redraft redis-always redis-plain}
MODE=${BENCH_CLUSTER_MODE:-auto}
EXTRA_ARGS=${BENCH_REDRAFT_ARGS:-}
DISK_DIR=${BENCH_DISK_DIR:-${TMPDIR:-/tmp}}
SHARDS=3

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
LC="$ROOT/scripts/local-cluster"

for tool in redis-server redis-benchmark redis-cli python3 timeout awk; do
  command -v "$tool" >/dev/null || die "$tool not found (run \`make deps\`)"
done
case "$MODE" in auto|cluster|split) ;; *) die "BENCH_CLUSTER_MODE must be auto, cluster or split" ;; esac
NODE_BIN=$(cd "$BUILD" 2>/dev/null && pwd)/bin/redraft-node || true
[ -x "$NODE_BIN" ] || die "no redraft-node in $BUILD/bin (run \`make build\`)"

TMP=$(mktemp -d "$DISK_DIR/redraft-bench-cluster.XXXXXX")
cleanup() {
  stop_all
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# masters PORT: "port first_slot last_slot" per slot range of the cluster, from CLUSTER
# SLOTS as node PORT sees it (the master of each range).
masters() {
  python3 - "$1" <<'PYEOF'
import socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n")
f = s.makefile("rb")
def rd():
    line = f.readline()[:-2]
    t, rest = line[:1], line[1:]
    if t in (b"+", b":"):
        return int(rest) if t == b":" else rest
    if t == b"-":
        sys.exit("CLUSTER SLOTS: " + rest.decode())
    if t == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if t in (b"*", b"%"):
        n = int(rest) * (2 if t == b"%" else 1)
        return [rd() for _ in range(n)]
    sys.exit("unexpected reply %r" % line)
for r in sorted(rd()):
    print(r[2][1], r[0], r[1])
PYEOF
}

# tag_for FIRST LAST: a hash tag whose slot is in FIRST..LAST.
tag_for() {
  python3 - "$1" "$2" <<'PYEOF'
import sys
a, b = int(sys.argv[1]), int(sys.argv[2])
def crc16(d):
    c = 0
    for x in d:
        c ^= x << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else c << 1
            c &= 0xFFFF
    return c
for i in range(1000000):
    if a <= crc16(b"t%d" % i) % 16384 <= b:
        print("t%d" % i); break
PYEOF
}

# cluster_ok PORT: every slot assigned and cluster_state:ok on that node.
cluster_ok() {
  local info
  info=$(cli "$1" CLUSTER INFO 2>/dev/null | tr -d '\r') || return 1
  case "$info" in *cluster_state:ok*) ;; *) return 1 ;; esac
  case "$info" in *cluster_slots_assigned:16384*) return 0 ;; esac
  return 1
}

# start_redis_cluster NAME PERSIST(yes|no): three cluster-enabled redis-servers joined
# with redis-cli --cluster create; sets SEED_PORT and DESC.
start_redis_cluster() {
  local name=$1 persist=$2 base i p dir pid ok addrs=() pers
  base=$(free_port_range $SHARDS)
  if [ "$persist" = yes ]; then pers=(--appendonly yes --appendfsync always); else pers=(--appendonly no); fi
  for i in $(seq 0 $((SHARDS - 1))); do
    p=$((base + i)); dir="$TMP/$name-$p"; mkdir -p "$dir"
    (cd "$dir" && exec redis-server --port "$p" --bind 127.0.0.1 --save '' "${pers[@]}" --dir "$dir" \
       --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 \
       >"$dir/redis.log" 2>&1) &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$name" "$p" "$pid" "$dir/redis.log"
    addrs+=("127.0.0.1:$p")
  done
  timeout 60 redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes \
    >"$TMP/$name-create.log" 2>&1 || { tail -n 20 "$TMP/$name-create.log" >&2; die "redis-cli --cluster create failed"; }
  for i in $(seq 300); do
    ok=1
    for p in $(seq "$base" $((base + SHARDS - 1))); do cluster_ok "$p" || ok=0; done
    [ "$ok" = 1 ] && break
    sleep 0.1
  done
  [ "$ok" = 1 ] || die "the $name cluster did not reach cluster_state:ok"
  SEED_PORT=$base
  DESC="$SHARDS redis-server masters, ports $base-$((base + SHARDS - 1)), $( [ "$persist" = yes ] && echo "appendonly yes, appendfsync always" || echo "no persistence")"
}

# start_system NAME -> sets SEED_PORT and DESC.
start_system() {
  local name=$1 base dir
  case "$name" in
    redraft)
      dir="$TMP/redraft"; rm -rf "$dir"; mkdir -p "$dir"
      base=$(free_port_range $((SHARDS * 3)))
      LC_DIRS+=("$dir")
      # shellcheck disable=SC2086  # EXTRA_ARGS is a list of flags
      if ! python3 "$LC" start --shards "$SHARDS" --replicas 3 --base-port "$base" --dir "$dir" \
             --sentinels 0 --bin "$NODE_BIN" -- --save '' $EXTRA_ARGS >"$dir/start.out" 2>&1; then
        cat "$dir/start.out" >&2; die "the redraft cluster did not start"
      fi
      SEED_PORT=$base
      DESC="$SHARDS shards x 3 redraft-nodes, ports $base-$((base + SHARDS * 3 - 1)), data in $dir" ;;
    redis-always) start_redis_cluster "$name" yes ;;
    redis-plain) start_redis_cluster "$name" no ;;
    *) die "unknown system '$name' in BENCH_SYSTEMS" ;;
  esac
}

alive_check() {  # every process of the system under test still runs
  local p d
  for p in ${PIDS[@]+"${PIDS[@]}"}; do kill -0 "$p" 2>/dev/null || die "a redis-server (pid $p) died"; done
  for d in ${LC_DIRS[@]+"${LC_DIRS[@]}"}; do
    python3 "$LC" status --dir "$d" >/dev/null 2>&1 || { python3 "$LC" status --dir "$d" >&2 || true; die "a redraft-node died (logs in $d/node-*/node.log)"; }
  done
}

# rps_of CSV-OUTPUT: the requests/s of the first data row.
rps_of() {
  printf '%s\n' "$1" | tr -d '\r' | awk -F'","' '$1 !~ /^"test$/ { if ($2 ~ /^[0-9.]+$/) { print $2; exit } }'
}

# bench_cluster PORT TEST PIPE N CLIENTS -> requests/s with redis-benchmark --cluster.
bench_cluster() {
  local port=$1 test=$2 pipe=$3 n=$4 clients=$5 out rps
  if ! out=$(timeout "$RUN_TIMEOUT" redis-benchmark --cluster -h 127.0.0.1 -p "$port" -t "$test" -n "$n" \
               -c "$clients" -P "$pipe" -r 100000 -q --csv 2>"$TMP/bench.err"); then
    echo "bench: redis-benchmark --cluster -t $test -P $pipe against port $port failed:" >&2
    tail -n 5 "$TMP/bench.err" >&2; printf '%s\n' "$out" | tail -n 5 >&2
    return 1
  fi
  rps=$(rps_of "$out")
  [ -n "$rps" ] || { echo "bench: no result from redis-benchmark --cluster -t $test -P $pipe:" >&2; printf '%s\n' "$out" >&2; tail -n 5 "$TMP/bench.err" >&2; return 1; }
  echo "$rps"
}

# bench_split PORT TEST PIPE N CLIENTS -> summed requests/s of one redis-benchmark per
# shard master (run at the same time), each with keys of a hash tag its shard owns.
bench_split() {
  local port=$1 test=$2 pipe=$3 n=$4 clients=$5 m first last tag i=0 cmd pids=() total=0 out rps f
  local per_n=$(( (n + SHARDS - 1) / SHARDS )) per_c=$(( (clients + SHARDS - 1) / SHARDS ))
  while read -r m first last; do
    tag=$(tag_for "$first" "$last")
    case "$test" in
      set) cmd=(SET "key:{$tag}:__rand_int__" xxx) ;;
      get) cmd=(GET "key:{$tag}:__rand_int__") ;;
      *) echo "bench: split mode knows set and get, not $test" >&2; return 1 ;;
    esac
    timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$m" -n "$per_n" -c "$per_c" -P "$pipe" \
      -r 100000 -q --csv "${cmd[@]}" >"$TMP/split.$i.out" 2>"$TMP/split.$i.err" &
    pids+=("$!"); i=$((i + 1))
  done < <(masters "$port")
  [ "$i" -gt 0 ] || { echo "bench: no masters in CLUSTER SLOTS of port $port" >&2; return 1; }
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      echo "bench: split redis-benchmark $i (-t $test -P $pipe) failed:" >&2; tail -n 5 "$TMP/split.$i.err" >&2; return 1
    fi
    f="$TMP/split.$i.out"
    rps=$(rps_of "$(cat "$f")")
    [ -n "$rps" ] || { echo "bench: no result in $f:" >&2; cat "$f" >&2; return 1; }
    if grep -q 'MOVED\|ERR' "$TMP/split.$i.err" "$f"; then
      echo "bench: split redis-benchmark $i got errors:" >&2; head -n 5 "$TMP/split.$i.err" >&2; return 1
    fi
    total=$(awk -v a="$total" -v b="$rps" 'BEGIN { printf "%.2f", a + b }')
  done
  echo "$total"
}

bench_run() {
  if [ "$MODE" = split ]; then bench_split "$@"; else bench_cluster "$@"; fi
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "== redraft hash-slot cluster benchmark"
echo "redis-server $(redis-server --version | awk '{ print $3 }' | sed 's/v=//')  vs  $NODE_BIN"
echo "machine: $(nproc) CPUs${cpu:+, $cpu}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "disk dirs in $DISK_DIR ($(df -T "$DISK_DIR" 2>/dev/null | awk 'NR == 2 { print $2 }'))"

declare -A RES=()
first=1
for name in $SYSTEMS; do
  start_system "$name"
  if [ "$first" = 1 ] && [ "$MODE" = auto ]; then
    # Does redis-benchmark --cluster work against the first system (redraft by default)?
    if bench_cluster "$SEED_PORT" set 1 2000 4 >/dev/null 2>"$TMP/probe.err"; then
      MODE=cluster
    else
      MODE=split
      echo "note: redis-benchmark --cluster failed against $name ($(tail -n 1 "$TMP/probe.err")); every"
      echo "      system is measured with a client-side split: one redis-benchmark per shard master"
    fi
  fi
  if [ "$first" = 1 ]; then
    if [ "$MODE" = cluster ]; then
      echo "redis-benchmark --cluster -t $TESTS -n $N -c $CLIENTS -r 100000 -P {${PIPELINES// /,}} --csv, one system at a time"
    else
      echo "client-side split: per shard master redis-benchmark -n $(( (N + SHARDS - 1) / SHARDS )) -c $(( (CLIENTS + SHARDS - 1) / SHARDS )) -r 100000 -P {${PIPELINES// /,}} SET/GET key:{tag}:__rand_int__, $SHARDS at once, rps summed"
    fi
    echo
    first=0
  fi
  echo "[$name] $DESC"
  for pipe in $PIPELINES; do
    for test in ${TESTS//,/ }; do
      r=$(bench_run "$SEED_PORT" "$test" "$pipe" "$N" "$CLIENTS") || { alive_check; exit 1; }
      alive_check
      RES["$name|$test|$pipe"]=$r
      printf '  %-6s -P %-3s %12s rps\n' "$test" "$pipe" "$r"
    done
  done
  # The figures count only if the writes really landed on every shard.
  case ",$TESTS," in *,set,*)
    while read -r m _ _; do
      keys=$(cli "$m" DBSIZE 2>/dev/null || echo 0)
      case "$keys" in ''|*[!0-9]*) keys=0 ;; esac
      [ "$keys" -gt 0 ] || die "$name: the master on port $m holds no key after the SET runs"
    done < <(masters "$SEED_PORT") ;;
  esac
  stop_all
done
echo

print_rates "$( [ "$MODE" = cluster ] && echo "redis-benchmark --cluster" || echo "client-side split per shard")" RES

summary=""
if have redraft; then
  echo "ratios (redraft / reference, higher is better):"
  for pipe in $PIPELINES; do
    for test in ${TESTS//,/ }; do
      line=$(printf '%-6s -P %-3s' "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "$pipe")
      part=""
      for ref in redis-always redis-plain; do
        have "$ref" || continue
        x=$(ratio "${RES["redraft|$test|$pipe"]}" "${RES["$ref|$test|$pipe"]}")
        line+=$(printf '  vs %s %sx' "$ref" "$x")
        part+="${part:+/}${x}x"
      done
      echo "$line"
      summary+="$(echo "$test" | tr '[:lower:]' '[:upper:]') -P $pipe $part; "
    done
  done
  echo
fi
refs=""
for ref in redis-always redis-plain; do have "$ref" && refs+="${refs:+/}$ref"; done
summary=${summary%; }
echo "summary: 3x3 redraft vs 3-master ${refs:-(no reference)} ($( [ "$MODE" = cluster ] && echo "redis-benchmark --cluster" || echo "client-side split")): ${summary:-no redraft figures}"
