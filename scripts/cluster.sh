#!/usr/bin/env bash
# scripts/cluster.sh [BUILD_DIR] [PORT] — what `make cluster` runs.
#
# For now redraft is a single node: this starts one redraft-node in the foreground on
# PORT (6379 by default), listening on 127.0.0.1, with its data dir in ./run/node-PORT
# under the repository root, after printing how to connect and how to stop it.
# Set BIND (e.g. BIND=0.0.0.0) to listen elsewhere; extra redraft-node flags can follow
# the port: scripts/cluster.sh build 6379 --maxmemory 1gb
# (A later issue replaces this with the multi-node scripts/local-cluster.)
set -euo pipefail

BUILD=${1:-build}
PORT=${2:-6379}
shift $(( $# > 2 ? 2 : $# ))
BIND=${BIND:-127.0.0.1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "$PORT" in
  ''|*[!0-9]*) echo "cluster: port must be a number, got '$PORT'" >&2; exit 2 ;;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "cluster: port $PORT is out of range (1-65535)" >&2; exit 2
fi

case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
NODE_BIN="$BUILD/bin/redraft-node"
if [ ! -x "$NODE_BIN" ]; then
  echo "cluster: $NODE_BIN not found; build it first (make build)" >&2; exit 1
fi

# Is the port free on the address we will listen on? (Binding 127.0.0.1 also fails when
# something holds the wildcard address on that port.)
if ! python3 - "$BIND" "$PORT" <<'EOF'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((host, port))
except OSError as e:
    sys.stderr.write("%s\n" % e.strerror)
    sys.exit(1)
finally:
    s.close()
EOF
then
  echo "cluster: port $PORT on $BIND is busy (another redraft-node or redis-server?)." >&2
  echo "cluster: pick another one: make cluster PORT=6380" >&2
  exit 1
fi

DATA="$ROOT/run/node-$PORT"
mkdir -p "$DATA"

cat <<EOF
redraft: starting one node (single-node mode; Raft replication, slots and sentinels come later)
  binary:   $NODE_BIN
  listen:   $BIND:$PORT
  data dir: $DATA
connect:    redis-cli -p $PORT
stop:       Ctrl-C (or: redis-cli -p $PORT shutdown)

EOF

exec "$NODE_BIN" --port "$PORT" --bind "$BIND" --dir "$DATA" "$@"
