#!/usr/bin/env bash
# bench/lib.sh — helpers shared by the benchmark scripts (sourced, not run):
# free loopback ports, starting/stopping processes by PID, waiting for PING,
# one redis-benchmark run -> requests/s, ratios, INFO fields.
# The caller sets TMP (scratch dir) and RUN_TIMEOUT (seconds per redis-benchmark run)
# before using bench_one.

die() { echo "bench: $*" >&2; exit 1; }

# stop_pid PID: SIGTERM (SIGCONT first, in case it was stopped), up to 10 s grace,
# then SIGKILL; by PID only.
stop_pid() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    # A zombie child of ours counts as gone (reaped by wait below).
    [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

# The port pickers are the integration harness's own (tests/integration/harness.py,
# standard library only), so benchmarks and tests choose ports the same way.
HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/integration" && pwd)

# free_port [TAKEN...]: a loopback port that is free now, whose +10000 bus port is free
# too, and that is not one of TAKEN.
free_port() {
  python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import harness
print(harness.free_port(avoid={int(p) for p in sys.argv[2:]}))' "$HARNESS_DIR" "$@"
}

# free_port_range N: a base port B such that B..B+N-1 and their +10000 bus ports are free.
free_port_range() {
  python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import harness
print(harness.free_port_range(int(sys.argv[2])))' "$HARNESS_DIR" "$1"
}

cli() { local port=$1; shift; timeout 60 redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# wait_ready NAME PORT PID LOG: waits up to 30 s for PONG; exits on failure.
wait_ready() {
  local name=$1 port=$2 pid=$3 log=$4 i
  for i in $(seq 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: $name exited during start-up; its log:" >&2; tail -n 30 "$log" >&2; exit 1
    fi
    [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "bench: $name did not answer PING on port $port in 30 s; its log:" >&2; tail -n 30 "$log" >&2; exit 1
}

info_field() {  # info_field PORT SECTION FIELD
  cli "$1" INFO "$2" 2>/dev/null | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2; exit }'
}

# bench_one PORT TEST PIPELINE N CLIENTS -> prints requests/s, or fails.
bench_one() {
  local port=$1 test=$2 pipe=$3 n=$4 clients=$5 out rps
  if ! out=$(timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" -n "$n" \
               -c "$clients" -P "$pipe" -q --csv 2>"$TMP/bench.err"); then
    echo "bench: redis-benchmark -t $test -P $pipe against port $port failed:" >&2
    tail -n 5 "$TMP/bench.err" >&2; printf '%s\n' "$out" | tail -n 5 >&2
    return 1
  fi
  # CSV: "test","rps","avg_latency_ms",... — one data row after the header.
  rps=$(printf '%s\n' "$out" | tr -d '\r' | awk -F'","' 'NR > 1 || $1 !~ /^"test$/ { if ($2 ~ /^[0-9.]+$/) { print $2; exit } }')
  [ -n "$rps" ] || { echo "bench: no result in redis-benchmark output for -t $test -P $pipe:" >&2; printf '%s\n' "$out" >&2; return 1; }
  echo "$rps"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
max() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b + 0 > a + 0) ? b : a }'; }

# The systems under comparison ($SYSTEMS) include $1?
have() { case " $SYSTEMS " in *" $1 "*) return 0 ;; esac; return 1; }

# print_rates TITLE ARRAY: the requests-per-second table of every system in $SYSTEMS for
# every test in $TESTS and pipeline in $PIPELINES, read from the associative array named
# ARRAY (keys "system|test|pipeline").
print_rates() {
  local -n rates_=$2
  local hdr=() row=() name test pipe
  for name in $SYSTEMS; do hdr+=("$name"); done
  echo "requests per second ($1):"
  rates_line test pipe "${hdr[@]}"
  for pipe in $PIPELINES; do
    for test in ${TESTS//,/ }; do
      row=()
      for name in $SYSTEMS; do row+=("${rates_["$name|$test|$pipe"]}"); done
      rates_line "$(echo "$test" | tr '[:lower:]' '[:upper:]')" "-P $pipe" "${row[@]}"
    done
  done
  echo
}
rates_line() { printf '%-6s %-5s' "$1" "$2"; shift 2; printf ' %14s' "$@"; printf '\n'; }

# What a benchmark started, for stop_all (by PID only, never by name): redis-server
# PIDs in PIDS, scripts/local-cluster data dirs in LC_DIRS (the caller sets LC to the
# launcher's path).
PIDS=()
LC_DIRS=()
stop_all() {
  local d p
  for d in ${LC_DIRS[@]+"${LC_DIRS[@]}"}; do
    [ -f "$d/pids" ] && python3 "$LC" stop --dir "$d" >/dev/null 2>&1 || true
  done
  LC_DIRS=()
  for p in ${PIDS[@]+"${PIDS[@]}"}; do stop_pid "$p"; done
  PIDS=()
}
