#!/usr/bin/env python3
"""bench/sentinel_failover.py [--build DIR] [--runs 10] [--timeout 30] [--keep]: how fast
the sentinels publish a new leader, and how fast a new leader takes writes (issue 5).

Starts a standalone shard of 3 redraft-nodes and 3 redraft-sentinels with
scripts/local-cluster (--standalone --sentinels 3) in a temporary dir on free ports, then
runs two drills --runs times each, under a light write load (one connection, one SET in
flight at a time, always sent to the node that says role:master, as bench/failover.py
does), with a connection SUBSCRIBEd to +switch-master on every sentinel:

  kill      kill -9 the leader; figures: time from the kill to the first +switch-master
            naming the killed node as the old master (earliest of the three sentinels),
            and to the first write accepted by another node. The killed node is then
            restarted with its original command line (its PID updated in D/pids) and the
            next drill waits until the shard is healthy again.
  failover  SENTINEL FAILOVER mymaster on a sentinel; the same two figures from the
            moment the command is sent.

"Healthy" = every node answers, one says role:master and the others follow it with the
link up, and every sentinel's SENTINEL GET-MASTER-ADDR-BY-NAME names that leader.

Prints one line per drill, then for each drill and figure "p50=X ms max=Y ms". Exit
status 1 if a drill did not complete within --timeout. Every process it started is
stopped by PID at the end (scripts/local-cluster stop on its own dir; the restarted
nodes are in D/pids too); --keep leaves the dir (logs) in place.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from failover import Conn, healthy, read_pids, write_pids, Writer  # noqa: E402

LC = os.path.join(ROOT, "scripts", "local-cluster")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import free_port_range  # noqa: E402  (one port finder for tests and benches)
NAME = "mymaster"


def scall(port, *args, timeout=2.0):
    """One command to a sentinel on a fresh connection; None when it does not answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            return Conn(s).call(*args)
    except (OSError, ConnectionError, ValueError):
        return None


class Subscriber(threading.Thread):
    """SUBSCRIBE +switch-master on one sentinel; records (monotonic time, payload).
    Reconnects if the sentinel drops the connection."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.events = []
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.subscribed = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2.0) as s:
                    s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$14\r\n+switch-master\r\n")
                    s.settimeout(0.5)
                    f = s.makefile("rb")
                    while not self.stop_ev.is_set():
                        try:
                            msg = read_array(f)
                        except socket.timeout:
                            continue
                        if msg and msg[0] == b"subscribe":
                            self.subscribed.set()
                        elif msg and len(msg) == 3 and msg[0] == b"message" and msg[1] == b"+switch-master":
                            with self.lock:
                                self.events.append((time.monotonic(), msg[2].decode(errors="replace")))
            except (OSError, ConnectionError, ValueError):
                time.sleep(0.05)

    def first_after(self, t0, old_port):
        """Time of the first +switch-master after t0 whose old address is old_port."""
        with self.lock:
            for t, payload in self.events:
                parts = payload.split()
                if t > t0 and len(parts) == 5 and parts[0] == NAME and parts[2] == str(old_port):
                    return t, payload
        return None


def read_array(f):
    """One RESP2 array of bulk strings / integers (pub/sub messages)."""
    line = f.readline()
    if not line:
        raise ConnectionError("closed")
    if not line.startswith(b"*"):
        return None
    out = []
    for _ in range(int(line[1:-2])):
        h = f.readline()
        if h.startswith(b"$"):
            n = int(h[1:-2])
            data = f.read(n + 2)
            if len(data) != n + 2:
                raise ConnectionError("closed")
            out.append(data[:n])
        elif h.startswith(b":"):
            out.append(int(h[1:-2]))
        else:
            raise ConnectionError("unexpected %r" % h)
    return out


def sentinel_leader(sport):
    """The port a sentinel names for NAME, or None."""
    try:
        with socket.create_connection(("127.0.0.1", sport), timeout=2.0) as s:
            s.sendall(b"*3\r\n$8\r\nSENTINEL\r\n$23\r\nGET-MASTER-ADDR-BY-NAME\r\n$%d\r\n%s\r\n"
                      % (len(NAME), NAME.encode()))
            r = read_array(s.makefile("rb"))
    except (OSError, ConnectionError, ValueError):
        return None
    if r and len(r) == 2 and isinstance(r[1], bytes) and r[1].isdigit():
        return int(r[1])
    return None


def wait_healthy(ports, sports, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leader = healthy(ports)
        if leader and all(sentinel_leader(sp) == leader for sp in sports):
            return leader
        time.sleep(0.05)
    return None


def pct(xs):
    return "p50=%.0f ms max=%.0f ms" % (statistics.median(xs), max(xs)) if xs else "no data"


def drill(kind, run, d, rows, ports, sports, subs, timeout):
    """One drill; returns (switch_ms, write_ms, old, new) or a string saying what failed."""
    leader = wait_healthy(ports, sports, timeout)
    if not leader:
        return "the shard (and its sentinels) did not become healthy in %ss" % timeout
    row = next(r for r in rows if r[1] == leader)
    pid = row[2]
    argv = cwd = None
    if kind == "kill":
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = [x.decode() for x in f.read().split(b"\0") if x]
        cwd = os.readlink("/proc/%d/cwd" % pid)
    w = Writer(ports, 2 * run + (kind == "failover"))   # distinct keys per drill
    w.start()
    t_start = time.monotonic()
    while time.monotonic() - t_start < 0.5 or not w.ok_times:
        if time.monotonic() - t_start > timeout:
            w.stop_ev.set()
            return "no write succeeded before the %s" % kind
        time.sleep(0.01)
    if kind == "kill":
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
    else:
        t0 = time.monotonic()
        r = scall(sports[run % len(sports)], "SENTINEL", "FAILOVER", NAME, timeout=5.0)
        if r != b"OK":
            w.stop_ev.set()
            return "SENTINEL FAILOVER answered %r" % (r,)
    t_sw = t_wr = None
    switch_payload = None
    while time.monotonic() - t0 < timeout and (t_sw is None or t_wr is None):
        if t_sw is None:
            got = [x for x in (s.first_after(t0, leader) for s in subs) if x]
            if got:
                t_sw, switch_payload = min(got)
        if t_wr is None:
            t_wr = w.first_ok_after(t0, leader)
        time.sleep(0.002)
    w.stop_ev.set()
    w.join(10)
    if kind == "kill":
        # Restart the killed node (same command line and cwd) in its own session; its
        # new PID goes to D/pids so the launcher's stop finds it.
        log = open(os.path.join(d, "node-%d" % leader, "node.log"), "ab")
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        row[2] = proc.pid
        write_pids(d, rows)
    if t_sw is None or t_wr is None:
        return "after the %s of leader %d: %s within %ss" % (
            kind, leader, "no +switch-master" if t_sw is None else "no write accepted by a new leader", timeout)
    new = switch_payload.split()[4]
    return (t_sw - t0) * 1000.0, (t_wr - t0) * 1000.0, leader, new


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--keep", action="store_true", help="keep the dir (logs) afterwards")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    node_bin = os.path.join(build, "bin", "redraft-node")
    for b in (node_bin, os.path.join(build, "bin", "redraft-sentinel")):
        if not os.access(b, os.X_OK):
            sys.exit("sentinel_failover: %s not found (make build)" % b)
    d = tempfile.mkdtemp(prefix="redraft-bench-sentinel-")
    base = free_port_range(3)
    taken = set(range(base, base + 3)) | set(range(base + 10000, base + 10003))
    sbase = free_port_range(3, avoid=taken)
    subs = []
    code = 1
    try:
        r = subprocess.run([sys.executable, LC, "start", "--standalone", "--replicas", "3",
                            "--base-port", str(base), "--sentinels", "3", "--sentinel-port", str(sbase),
                            "--name", NAME, "--dir", d, "--bin", node_bin, "--timeout", str(a.timeout)],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            print("sentinel_failover: the shard and its sentinels did not start (logs in %s)" % d)
            a.keep = True
            return 1
        rows = [list(x) for x in read_pids(d)]
        ports = [x[1] for x in rows if x[0] == "node"]
        sports = [x[1] for x in rows if x[0] == "sentinel"]
        print("sentinel_failover: standalone shard on ports %s, sentinels on %s, dir %s"
              % (",".join(map(str, ports)), ",".join(map(str, sports)), d))
        subs = [Subscriber(sp) for sp in sports]
        for s in subs:
            s.start()
        for s in subs:
            if not s.subscribed.wait(a.timeout):
                print("sentinel_failover: could not SUBSCRIBE +switch-master on sentinel %d" % s.port)
                return 1
        figures = {"kill": ([], []), "failover": ([], [])}
        for run in range(1, a.runs + 1):
            for kind in ("kill", "failover"):
                res = drill(kind, run, d, rows, ports, sports, subs, a.timeout)
                if isinstance(res, str):
                    print("sentinel_failover: run %d %s: %s (logs in %s)" % (run, kind, res, d))
                    a.keep = True
                    return 1
                sw, wr, old, new = res
                figures[kind][0].append(sw)
                figures[kind][1].append(wr)
                print("run %2d %-8s leader %d -> %s: +switch-master %7.1f ms, first write on the "
                      "new leader %7.1f ms" % (run, kind, old, new, sw, wr))
                sys.stdout.flush()
        print("kill -9 leader  -> +switch-master:              runs=%d %s"
              % (a.runs, pct(figures["kill"][0])))
        print("kill -9 leader  -> first write on new leader:   runs=%d %s"
              % (a.runs, pct(figures["kill"][1])))
        print("SENTINEL FAILOVER -> +switch-master:            runs=%d %s"
              % (a.runs, pct(figures["failover"][0])))
        print("SENTINEL FAILOVER -> first write on new leader: runs=%d %s"
              % (a.runs, pct(figures["failover"][1])))
        code = 0
    finally:
        for s in subs:
            s.stop_ev.set()
        for s in subs:
            s.join(5)
        if os.path.exists(os.path.join(d, "pids")):
            subprocess.run([sys.executable, LC, "stop", "--dir", d], capture_output=True,
                           stdin=subprocess.DEVNULL)
        if a.keep:
            print("sentinel_failover: logs kept in %s" % d)
        else:
            shutil.rmtree(d, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
