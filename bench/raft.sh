#!/usr/bin/env bash
# bench/raft.sh [BUILD_DIR] — the Raft shard against redis-server with fsync, in one run
# (`make bench-raft`).
#
# Systems, each started fresh on free loopback ports, benchmarked, then stopped by PID:
#   shard          three redraft-nodes (scripts/local-cluster --standalone), data on disk;
#                  redis-benchmark talks to the leader (every write fsync'd by a majority)
#   shard-tmpfs    the same with the data dirs in /dev/shm: no fsync cost (the ceiling)
#   redis-always   redis-server, appendonly yes, appendfsync always
#   redis-everysec redis-server, appendonly yes, appendfsync everysec
#   redis-3copies  redis-server master + 2 replicas (replicaof), all appendfsync always,
#                  on the same machine (the same three-copies handicap as the shard)
# 1. throughput: redis-benchmark -t set,incr -n N -c 50 at -P 1 and -P 16, and ratios
#    shard / each reference. Targets (issue 3): -P 1 shard >= 1.0x redis-always;
#    -P 16 shard >= 1.0x redis-3copies.
# 2. failover: kill -9 the shard's leader under a light write load, time until the first
#    write succeeds again (bench/failover.py; BENCH_FAILOVER_RUNS runs, p50 and max).
#    Target: p50 <= 1 s.
# The last line is a one-line summary. Exit status: 0 when every measurement was taken
# (whether or not the targets were met), 1 when a server failed or a tool errored.
#
# Environment overrides:
#   BENCH_N=100000           requests per redis-benchmark test
#   BENCH_CLIENTS=50         redis-benchmark -c
#   BENCH_TESTS=set,incr
#   BENCH_PIPELINES="1 16"
#   BENCH_ROUNDS=1           repeat the throughput runs, keep each figure's best
#   BENCH_TIMEOUT=900        seconds allowed for one redis-benchmark run
#   BENCH_SYSTEMS="shard shard-tmpfs redis-always redis-everysec redis-3copies"
#   BENCH_FAILOVER_RUNS=10   0 skips the failover measurement
#   BENCH_REDRAFT_ARGS=""    extra flags for every redraft-node
#   BENCH_DISK_DIR=${TMPDIR:-/tmp}   where the on-disk data dirs go
set -euo pipefail

BUILD=${1:-build}
N=${BENCH_N:-100000}
CLIENTS=${BENCH_CLIENTS:-50}
TESTS=${BENCH_TESTS:-set,incr}
PIPELINES=${BENCH_PIPELINES:-1 16}
ROUNDS=${BENCH_ROUNDS:-1}
RUN_TIMEOUT=${BENCH_TIMEOUT:-900}
SYSTEMS=${BENCH_SYSTEMS:-shard shard-tmpfs redis-always redis-everysec redis-3copies}
FAILOVER_RUNS=${BENCH_FAILOVER_RUNS:-10}
EXTRA_ARGS=${BENCH_REDRAFT_ARGS:-}
DISK_DIR=${BENCH_DISK_DIR:-${TMPDIR:-/tmp}}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
LC="$ROOT/scripts/local-cluster"

for tool in redis-server redis-benchmark redis-cli python3 timeout awk; do
  command -v "$tool" >/dev/null || die "$tool not found (run \`make deps\`)"
done
NODE_BIN=$(cd "$BUILD" 2>/dev/null && pwd)/bin/redraft-node || true
[ -x "$NODE_BIN" ] || die "no redraft-node in $BUILD/bin (run \`make build\`)"

TMP=$(mktemp -d "$DISK_DIR/redraft-bench-raft.XXXXXX")
SHM=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then SHM=$(mktemp -d /dev/shm/redraft-bench-raft.XXXXXX); fi
cleanup() {
  stop_all
  rm -rf "$TMP"
  [ -z "$SHM" ] || rm -rf "$SHM"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# start_redis NAME FSYNC [MASTER_PORT] -> prints the port; appends the PID to PIDS via a file
start_redis() {
  local name=$1 fsync=$2 master=${3:-} port dir pid
  port=$(free_port ${USED_PORTS:-})
  USED_PORTS="${USED_PORTS:-} $port"
  dir="$TMP/$name-$port"; mkdir -p "$dir"
  if [ -n "$master" ]; then
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$fsync" \
      --dir "$dir" --replicaof 127.0.0.1 "$master" >"$dir/redis.log" 2>&1 &
  else
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$fsync" \
      --dir "$dir" >"$dir/redis.log" 2>&1 &
  fi
  pid=$!
  PIDS+=("$pid")
  wait_ready "$name" "$port" "$pid" "$dir/redis.log"
  LAST_PORT=$port
}

# shard_leader DIR: the port of the node that says role:master (waits up to 30 s).
shard_leader() {
  local dir=$1 i p role lead
  for i in $(seq 300); do
    lead=""
    for p in $(awk '$1 == "node" { print $2 }' "$dir/pids"); do
      role=$(info_field "$p" replication role)
      if [ "$role" = master ]; then lead="$lead $p"; fi
    done
    lead=${lead# }
    if [ -n "$lead" ] && [ "${lead// /}" = "$lead" ]; then echo "$lead"; return 0; fi
    sleep 0.1
  done
  return 1
}

# start_system NAME -> sets BENCH_PORT (where redis-benchmark goes) and DESC.
start_system() {
  local name=$1 base dir i p
  case "$name" in
    shard|shard-tmpfs)
      if [ "$name" = shard-tmpfs ]; then
        [ -n "$SHM" ] || die "/dev/shm is not available for shard-tmpfs"
        dir="$SHM/shard"
      else
        dir="$TMP/shard"
      fi
      rm -rf "$dir"; mkdir -p "$dir"
      base=$(free_port_range 3)
      LC_DIRS+=("$dir")
      # shellcheck disable=SC2086  # EXTRA_ARGS is a list of flags
      if ! python3 "$LC" start --standalone --replicas 3 --base-port "$base" --dir "$dir" \
             --sentinels 0 --bin "$NODE_BIN" -- --save '' $EXTRA_ARGS >"$dir/start.out" 2>&1; then
        cat "$dir/start.out" >&2; die "the $name did not start"
      fi
      BENCH_PORT=$(shard_leader "$dir") || die "no leader in the $name"
      DESC="3 redraft-nodes, ports $base-$((base + 2)), leader $BENCH_PORT, data in $dir"
      ;;
    redis-always)
      start_redis "$name" always; BENCH_PORT=$LAST_PORT
      DESC="redis-server port $BENCH_PORT, appendonly yes, appendfsync always" ;;
    redis-everysec)
      start_redis "$name" everysec; BENCH_PORT=$LAST_PORT
      DESC="redis-server port $BENCH_PORT, appendonly yes, appendfsync everysec" ;;
    redis-3copies)
      start_redis "$name-master" always; BENCH_PORT=$LAST_PORT
      start_redis "$name-replica1" always "$BENCH_PORT"; p="$LAST_PORT"
      start_redis "$name-replica2" always "$BENCH_PORT"; p="$p $LAST_PORT"
      for i in $(seq 300); do
        [ "$(info_field "$BENCH_PORT" replication connected_slaves)" = 2 ] && break
        sleep 0.1
      done
      [ "$(info_field "$BENCH_PORT" replication connected_slaves)" = 2 ] || die "redis replicas did not connect"
      DESC="redis-server master port $BENCH_PORT + replicas $p, all appendfsync always" ;;
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

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "== redraft Raft shard benchmark"
echo "redis-server $(redis-server --version | awk '{ print $3 }' | sed 's/v=//')  vs  $NODE_BIN"
echo "machine: $(nproc) CPUs${cpu:+, $cpu}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "disk dirs in $DISK_DIR ($(df -T "$DISK_DIR" 2>/dev/null | awk 'NR == 2 { print $2 }')), tmpfs in ${SHM:-n/a}"
echo "redis-benchmark -t $TESTS -n $N -c $CLIENTS -P {${PIPELINES// /,}} --csv, one system at a time$( [ "$ROUNDS" = 1 ] || echo ", best of $ROUNDS rounds")"
echo

declare -A BEST=()
npipes=$(echo "$PIPELINES" | wc -w)
sys_list=($SYSTEMS)
for round in $(seq "$ROUNDS"); do
  # Rotate the order each round so slow drift of the machine does not favour one system.
  nsys=${#sys_list[@]}
  for k in $(seq 0 $((nsys - 1))); do
    name=${sys_list[$(((k + round - 1) % nsys))]}
    start_system "$name"
    echo "[$name] $DESC"
    for pipe in $PIPELINES; do
      for test in ${TESTS//,/ }; do
        r=$(bench_one "$BENCH_PORT" "$test" "$pipe" "$N" "$CLIENTS") || { alive_check; exit 1; }
        alive_check
        BEST["$name|$test|$pipe"]=$(max "${BEST["$name|$test|$pipe"]:-}" "$r")
        printf '  %-6s -P %-3s %12s rps\n' "$test" "$pipe" "$r"
      done
    done
    # The figures count only if the commands really ran.
    # (With -P, redis-benchmark may send up to one pipeline per client more than -n.)
    case ",$TESTS," in *,incr,*)
      want=$((N * npipes)); slack=0
      for pipe in $PIPELINES; do slack=$((slack + CLIENTS * pipe)); done
      got=$(cli "$BENCH_PORT" GET counter:__rand_int__)
      case "$got" in ''|*[!0-9]*) got=-1 ;; esac
      if [ "$got" -lt "$want" ] || [ "$got" -gt $((want + slack)) ]; then
        die "$name: counter:__rand_int__ is '$got' after the INCR runs, expected $want (up to +$slack)"
      fi ;;
    esac
    stop_all
  done
done
echo

print_rates "best of $ROUNDS" BEST

misses=()
summary=""
if have shard; then
  echo "ratios (shard / reference, higher is better):"
  for pipe in $PIPELINES; do
    for test in ${TESTS//,/ }; do
      s=${BEST["shard|$test|$pipe"]}
      line=$(printf '%-6s -P %-3s' "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "$pipe")
      for ref in redis-always redis-everysec redis-3copies shard-tmpfs; do
        have "$ref" || continue
        x=$(ratio "$s" "${BEST["$ref|$test|$pipe"]}")
        line+=$(printf '  vs %s %sx' "$ref" "$x")
        # The issue's targets.
        if { [ "$pipe" = 1 ] && [ "$ref" = redis-always ]; } || { [ "$pipe" = 16 ] && [ "$ref" = redis-3copies ]; }; then
          summary+="$(echo "$test" | tr '[:lower:]' '[:upper:]') -P $pipe ${x}x $ref; "
          if awk -v m="$x" 'BEGIN { exit !(m < 1.0) }'; then misses+=("$test -P $pipe ${x}x $ref"); fi
        fi
      done
      echo "$line"
    done
  done
  echo
fi

fo=""
if [ "$FAILOVER_RUNS" -gt 0 ]; then
  echo "== failover: kill -9 the leader under a light write load, $FAILOVER_RUNS runs"
  start_system shard
  echo "[shard] $DESC"
  if ! out=$(python3 "$HERE/failover.py" --dir "$TMP/shard" --runs "$FAILOVER_RUNS" 2>&1); then
    printf '%s\n' "$out"; die "the failover measurement failed (logs: $TMP/shard/node-*/node.log)"
  fi
  printf '%s\n' "$out"
  fo=$(printf '%s\n' "$out" | awk '/^failover: runs=/ { print $3 " " $4 " " $5 " " $6 }')
  p50=$(printf '%s\n' "$out" | awk '/^failover: runs=/ { sub("p50=", "", $3); print $3 }')
  if awk -v m="$p50" 'BEGIN { exit !(m > 1000) }'; then misses+=("failover p50 ${p50} ms"); fi
  stop_all
  echo
fi

if [ "${#misses[@]}" = 0 ]; then
  verdict="targets met"
else
  joined=$(IFS='|'; echo "${misses[*]}")
  verdict="below target: ${joined//|/, }"
fi
echo "summary: ${summary}${fo:+failover $fo; }$verdict"
