#!/usr/bin/env bash
# scripts/cluster.sh [BUILD_DIR] [BASE_PORT] [local-cluster options] [-- node flags]
# — what `make cluster` runs.
#
# Starts a local three-node Raft shard in cluster mode on 127.0.0.1 through
# scripts/local-cluster (nodes on BASE_PORT, BASE_PORT+1, BASE_PORT+2, bus ports +10000,
# default base port 7000), with everything under ./run of the repository root
# (run/node-<port>/ data dirs and logs, run/pids). The nodes run in the background; the
# script returns once the shard has a leader and prints how to connect and how to stop.
# Examples:
#   scripts/cluster.sh build 7000
#   scripts/cluster.sh build 7100 --standalone --replicas 5 -- --maxmemory 1gb
# Set BIND (e.g. BIND=0.0.0.0) to listen elsewhere.
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

# A shard already started from ./run? Say how to stop it rather than failing on ports.
if python3 "$ROOT/scripts/local-cluster" status --dir "$ROOT/run" >/dev/null 2>&1; then
  echo "cluster: a local cluster from $ROOT/run is already running:" >&2
  python3 "$ROOT/scripts/local-cluster" status --dir "$ROOT/run" >&2 || true
  echo "cluster: stop it first: scripts/local-cluster stop --dir run" >&2
  exit 1
fi

python3 "$ROOT/scripts/local-cluster" start --bin "$NODE_BIN" --base-port "$PORT" \
  --bind "$BIND" --dir "$ROOT/run" "$@"
cat <<EOF

The nodes keep running in the background.
stop them:  scripts/local-cluster stop --dir run     (or: make cluster-stop)
EOF
