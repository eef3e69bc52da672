#!/usr/bin/env python3
"""bench/failover.py --dir D [--runs 10] [--timeout 30]: failover time of a shard started
by scripts/local-cluster (standalone mode) in D.

Each run: wait until the shard is healthy (one leader, every other node following it
with its link up); a writer thread SETs keys on the leader in a loop, one connection,
each write waiting for its reply (a light, steady load); kill -9 the leader; the writer
notices, looks for the new leader (INFO replication on the surviving nodes) and keeps
trying; the run's figure is the time from the kill to the first write that succeeds
after it. The killed node is then restarted with its original command line (its PID is
updated in D/pids, so `scripts/local-cluster stop --dir D` still stops it) and the next
run begins once it has caught up.

Prints one line per run, then "failover: runs=N p50=X ms max=Y ms". Exit status 1 if a
run did not recover within --timeout.
"""
import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time


def call(port, *args, timeout=2.0):
    """One command on a fresh connection -> reply (bytes/int/None/Exception)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        return Conn(s).call(*args)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.f = sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("closed")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest
        if t == b"-":
            return Exception(rest.decode(errors="replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            if len(data) != n + 2:
                raise ConnectionError("closed")
            return data[:n]
        raise ConnectionError("unexpected reply %r" % line)


def replication(port):
    try:
        r = call(port, "INFO", "replication", timeout=1.0)
    except (OSError, ConnectionError):
        return None
    if not isinstance(r, bytes):
        return None
    d = {}
    for line in r.decode(errors="replace").splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            d[k] = v.strip()
    return d


def leader_of(ports):
    masters = [p for p in ports if (replication(p) or {}).get("role") == "master"]
    return masters[0] if len(masters) == 1 else None


def healthy(ports):
    """The leader's port if every node answers and follows it with the link up."""
    infos = {p: replication(p) for p in ports}
    if any(i is None for i in infos.values()):
        return None
    masters = [p for p, i in infos.items() if i.get("role") == "master"]
    if len(masters) != 1:
        return None
    m = masters[0]
    for p, i in infos.items():
        if p != m and (i.get("role") != "slave" or i.get("master_port") != str(m)
                       or i.get("master_link_status") != "up"):
            return None
    return m


def read_pids(d):
    rows = []
    with open(os.path.join(d, "pids")) as f:
        for line in f:
            role, port, pid = line.split()
            rows.append([role, int(port), int(pid)])
    return rows


def write_pids(d, rows):
    path = os.path.join(d, "pids")
    with open(path + ".tmp", "w") as f:
        for role, port, pid in rows:
            f.write("%s %d %d\n" % (role, port, pid))
    os.replace(path + ".tmp", path)


class Writer(threading.Thread):
    def __init__(self, ports, run):
        super().__init__(daemon=True)
        self.ports = ports
        self.run_no = run
        self.stop_ev = threading.Event()
        self.ok_times = []      # (monotonic completion time, port)
        self.lock = threading.Lock()

    def run(self):
        conn, port, i = None, None, 0
        while not self.stop_ev.is_set():
            if conn is None:
                port = leader_of(self.ports)
                if port is None:
                    time.sleep(0.005)
                    continue
                try:
                    conn = Conn(socket.create_connection(("127.0.0.1", port), timeout=5.0))
                except OSError:
                    conn = None
                    time.sleep(0.005)
                    continue
            i += 1
            try:
                r = conn.call("SET", "failover:%d:%d" % (self.run_no, i), "x")
            except (OSError, ConnectionError):
                r = None
            if r == b"OK":
                with self.lock:
                    self.ok_times.append((time.monotonic(), port))
                continue
            try:
                conn.sock.close()
            except OSError:
                pass
            conn = None

    def first_ok_after(self, t0, not_port):
        with self.lock:
            for t, p in self.ok_times:
                if t > t0 and p != not_port:
                    return t
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    d = os.path.abspath(a.dir)
    rows = read_pids(d)
    ports = [r[1] for r in rows if r[0] == "node"]
    times = []
    for run in range(1, a.runs + 1):
        deadline = time.monotonic() + a.timeout
        leader = None
        while time.monotonic() < deadline:
            leader = healthy(ports)
            if leader:
                break
            time.sleep(0.05)
        if not leader:
            print("failover: run %d: the shard did not become healthy in %ss" % (run, a.timeout))
            return 1
        row = next(r for r in rows if r[1] == leader)
        pid = row[2]
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = [x.decode() for x in f.read().split(b"\0") if x]
        cwd = os.readlink("/proc/%d/cwd" % pid)

        w = Writer(ports, run)
        w.start()
        # Let the load run a moment on the healthy shard.
        t_start = time.monotonic()
        while time.monotonic() - t_start < 0.5 or not w.ok_times:
            if time.monotonic() - t_start > a.timeout:
                print("failover: run %d: no write succeeded before the kill" % run)
                w.stop_ev.set()
                return 1
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        t0 = time.monotonic()
        t1 = None
        while time.monotonic() - t0 < a.timeout:
            t1 = w.first_ok_after(t0, leader)
            if t1 is not None:
                break
            time.sleep(0.002)
        w.stop_ev.set()
        w.join(10)
        new = leader_of([p for p in ports if p != leader])
        # Restart the killed node (same command line, same cwd) in its own session.
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it was our child (not usually)
        except ChildProcessError:
            pass
        logdir = os.path.join(d, "node-%d" % leader)
        log = open(os.path.join(logdir, "node.log"), "ab")
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        row[2] = proc.pid
        write_pids(d, rows)
        if t1 is None:
            print("failover: run %d: no write succeeded within %ss of killing the leader (port %d)"
                  % (run, a.timeout, leader))
            return 1
        ms = (t1 - t0) * 1000.0
        times.append(ms)
        print("failover run %2d: killed leader port %d, first write OK after %7.1f ms (new leader port %s)"
              % (run, leader, ms, new))
        sys.stdout.flush()
    print("failover: runs=%d p50=%.0f ms max=%.0f ms" % (len(times), statistics.median(times), max(times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
