#!/usr/bin/env bash
# scripts/cluster.sh [BUILD_DIR] [BASE_PORT] [local-cluster options] [-- node flags]
# — what `make cluster` runs.
#
# Starts a local hash-slot cluster in cluster mode on 127.0.0.1 through
# scripts/local-cluster: by default 3 shards x 3 nodes (9 redraft-nodes on BASE_PORT ..
# BASE_PORT+8, bus ports +10000, default base port 7000; each shard its own Raft group,
# the 16384 slots split evenly between the shards) and 3 redraft-sentinels on
# 26379-26381 (their own Raft group; they create the topology and push it to the nodes),
# with everything under ./run of the repository root (run/node-<port>/ and
# run/sentinel-<port>/ data dirs and logs, run/pids). The processes run in the
# background; the script returns once every shard has a leader, every slot is served and
# every sentinel names every shard's master, and prints how to connect (redis-cli -c -p
# BASE_PORT; redis-cli -p 26379 SENTINEL get-master-addr-by-name shard-0) and how to stop.
# Examples:
#   scripts/cluster.sh build 7000
#   scripts/cluster.sh build 7100 --shards 5 --replicas 3 -- --maxmemory 1gb
#   scripts/cluster.sh build 7100 --standalone --shards 1 --replicas 5
#   scripts/cluster.sh build 7100 --sentinels 0      (no sentinels: the script pushes the topology)
# Set BIND (e.g. BIND=0.0.0.0) to listen elsewhere (then pass --announce ADDR so clients
# are sent to a reachable address).
set -euo pipefail

BUILD=${1:-build}
PORT=${2:-7000}
shift $(( $# > 2 ? 2 : $# ))
BIND=${BIND:-127.0.0.1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "$PORT" in
  ''|*[!0-9]*) echo "cluster: port must be a number, got '$PORT'" >&2; exit 2 ;;
esac

case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
NODE_BIN="$BUILD/bin/redraft-node"
if [ ! -x "$NODE_BIN" ]; then
  echo "cluster: $NODE_BIN not found; build it first (make build)" >&2; exit 1
fi

# A cluster already started from ./run? Say how to stop it rather than failing on ports.
if python3 "$ROOT/scripts/local-cluster" status --dir "$ROOT/run" >/dev/null 2>&1; then
  echo "cluster: a local cluster from $ROOT/run is already running:" >&2
  python3 "$ROOT/scripts/local-cluster" status --dir "$ROOT/run" >&2 || true
  echo "cluster: stop it first: scripts/local-cluster stop --dir run" >&2
  exit 1
fi

python3 "$ROOT/scripts/local-cluster" start --bin "$NODE_BIN" --base-port "$PORT" \
  --sentinel-bin "$BUILD/bin/redraft-sentinel" --bind "$BIND" --dir "$ROOT/run" "$@"
cat <<EOF

The nodes and sentinels keep running in the background.
stop them:  scripts/local-cluster stop --dir run     (or: make cluster-stop)
EOF
