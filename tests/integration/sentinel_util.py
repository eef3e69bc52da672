"""Helpers shared by the sentinel integration tests (test_sentinel_*.py, the sentinel
parts of test_local_cluster.py): one way to ask a sentinel something, to wait for what
the sentinels publish, to find the acting sentinel and to stop everything and report.

Not a test file (ctest runs test_*.py only). The processes themselves are
harness.Sentinel / harness.SentinelGroup / harness.Shard.

A sentinel argument `x` is a harness.Sentinel or a bare client port (test_local_cluster
knows only the ports its launcher chose).
"""
import socket
import threading
import time

import harness
from harness import SHARD_WAIT, Client, RespError, reply_map, wait_until

# How long a test waits for something that needs an election, a catch-up or a
# down-after period (longer in sanitizer builds, as for the shards).
WAIT = SHARD_WAIT


def text(v):
    """bytes -> str (anything else unchanged)."""
    return v.decode(errors="replace") if isinstance(v, bytes) else v


def _port(x):
    return x if isinstance(x, int) else x.port


def call(x, *args, timeout=None):
    """One command on sentinel x: its reply, a RespError, or None when x does not answer
    (refused, reset, timed out)."""
    try:
        with Client(_port(x), timeout=timeout or WAIT) as c:
            return c.call(*args, raise_errors=False)
    except (OSError, ConnectionError, ValueError):
        return None


def master_addr(x, name):
    """SENTINEL GET-MASTER-ADDR-BY-NAME on x as ("ip", port), or None (unknown name, no
    answer)."""
    r = call(x, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name, timeout=2)
    return (text(r[0]), int(r[1])) if isinstance(r, list) and len(r) == 2 else None


def wait_master_addr(sentinels, name, port, timeout=None):
    """Waits (bounded) until every sentinel in `sentinels` names 127.0.0.1:port as name's
    master; True if they all do."""
    want = ("127.0.0.1", port)
    return wait_until(lambda: all(master_addr(x, name) == want for x in sentinels), timeout or WAIT, 0.05)


def replicas(x, name):
    """SENTINEL REPLICAS name on x as a list of {str: str}, or None."""
    r = call(x, "SENTINEL", "REPLICAS", name)
    return [reply_map(d) for d in r] if isinstance(r, list) else None


def healthy_replica_ports(x, name):
    """Sorted ports of the replicas x sees up, connected and with their link to the master
    up (what a failover can pick); None when x does not answer."""
    reps = replicas(x, name)
    if reps is None:
        return None
    return sorted(int(d["port"]) for d in reps
                  if "s_down" not in d["flags"] and "disconnected" not in d["flags"]
                  and d.get("master-link-status") == "ok")


def sentinel_map(x, name):
    """SENTINEL SENTINELS name on x as {port: {str: str}}, or None."""
    r = call(x, "SENTINEL", "SENTINELS", name)
    return {int(d["port"]): d for d in map(reply_map, r)} if isinstance(r, list) else None


# ---- the sentinels' own Raft group --------------------------------------------------------

def raft_info(x):
    """INFO raft of sentinel x as {str: str} (raft_state, raft_id, raft_leader_id, ...),
    or None when it does not answer."""
    if not isinstance(x, int) and not x.alive():
        return None
    r = call(x, "INFO", "raft", timeout=2)
    return harness.info_dict(r) if isinstance(r, bytes) else None


def is_acting(x):
    """Whether x is the acting sentinel: the leader of the sentinels' Raft group."""
    i = raft_info(x)
    return bool(i) and i.get("raft_state") == "leader"


def current_acting(sentinels):
    """The acting sentinel now, or None: exactly one of `sentinels` says raft_state:leader,
    and a majority of all of them (itself included) names it as raft_leader_id -- so a
    deposed leader that has not heard of its successor yet is not taken for it."""
    infos = {x: raft_info(x) for x in sentinels}
    leaders = [x for x, i in infos.items() if i and i.get("raft_state") == "leader"]
    if len(leaders) != 1:
        return None
    lid = infos[leaders[0]].get("raft_id")
    agree = sum(1 for i in infos.values() if i and i.get("raft_leader_id") == lid)
    return leaders[0] if agree >= len(sentinels) // 2 + 1 else None


def acting(group, timeout=None):
    """The acting sentinel of a harness.SentinelGroup (waits, bounded), or None. Only the
    live sentinels vote here; the majority is counted over the whole group."""
    found = []

    def one():
        found[:] = [current_acting(group.sentinels)]
        return found[0] is not None
    wait_until(one, timeout or WAIT, 0.05)
    return found[0]


# ---- starting, describing, stopping ---------------------------------------------------------

def live(group):
    return [x for x in group.sentinels if x.alive()]


def sentinel_group(monitors, extra=(), n=3):
    """n sentinels (harness.SentinelGroup) monitoring [(name, seed port)] with quorum 2,
    plus `extra` config lines; started."""
    lines = ["sentinel monitor %s 127.0.0.1 %d 2" % (name, port) for name, port in monitors]
    return harness.SentinelGroup(n, config=lines + list(extra)).start()


def describe_group(group, lines=30):
    return "\n".join("---- sentinel %d (%s), last lines:\n%s" % (
        x.port, "alive" if x.alive() else "dead", "\n".join(x.output().splitlines()[-lines:]))
        for x in group.sentinels)


def stop_all(group=None, shards=(), nodes=()):
    """Stops and removes a sentinel group, shards and single nodes or sentinels (any may
    be missing); returns the problems found: bad exit codes and sanitizer reports, with
    the logs that show them. Group members and shard nodes the test stopped or killed
    itself are not counted (their stop gave no code)."""
    bad = []
    if group is not None:
        codes = group.stop_all()
        for x, c in codes.items():
            if c not in (None, 0) or x.sanitizer_report():
                bad.append("sentinel %d exited %s:\n%s" % (x.port, c, x.output()[-6000:]))
        group.cleanup()
    for sh in shards:
        codes = sh.stop_all()
        reports = sh.sanitizer_reports()
        for n, c in codes.items():
            if c not in (None, 0) or n in reports:
                bad.append("node %d exited %s:\n%s" % (n.port, c, n.output()[-6000:]))
        sh.cleanup()
    for n in nodes:
        # None: the test stopped it itself; a crash before this shows as its exit status
        c = n.stop()
        out = n.output()
        if c not in (None, 0) or "ERROR: AddressSanitizer" in out or "runtime error:" in out \
                or "ERROR: LeakSanitizer" in out:
            bad.append("node %d exited %s:\n%s" % (n.port, c, out[-4000:]))
        n.cleanup()
    return bad


# ---- events -----------------------------------------------------------------------------------

class EventWatcher:
    """Subscribes to `channels` on one sentinel; a thread records (monotonic time,
    channel, payload) for every message. Close it (or use `with`)."""

    def __init__(self, x, channels):
        channels = list(channels)
        self.c = Client(_port(x), timeout=WAIT)
        self.events = []
        self.lock = threading.Lock()
        self.c.send_raw(Client.encode("SUBSCRIBE", *channels))
        for _ in channels:
            r = self.c.read_reply()
            assert text(r[0]) == "subscribe", r
        self.c.sock.settimeout(0.5)
        self.stopped = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stopped:
            try:
                m = self.c.read_reply(raise_errors=False)
            except socket.timeout:
                continue
            except (OSError, ConnectionError, ValueError):
                return
            if isinstance(m, list) and len(m) == 3 and text(m[0]) == "message":
                with self.lock:
                    self.events.append((time.monotonic(), text(m[1]), text(m[2])))

    def events_since(self, since):
        with self.lock:
            return [e for e in self.events if e[0] >= since]

    def find(self, channel, pred=lambda p: True, since=0.0):
        """(time, payload) of the first event on channel at or after `since` whose payload
        satisfies pred, or None."""
        for t, ch, p in self.events_since(since):
            if ch == channel and pred(p):
                return t, p
        return None

    def wait(self, channel, pred=lambda p: True, since=0.0, timeout=None):
        """find(), waiting (bounded) until it finds something."""
        deadline = time.monotonic() + (timeout or WAIT)
        while time.monotonic() < deadline:
            r = self.find(channel, pred, since)
            if r:
                return r
            time.sleep(0.01)
        return self.find(channel, pred, since)

    def dump(self):
        with self.lock:
            return "\n".join("%.3f %s %s" % e for e in self.events)

    def close(self):
        self.stopped = True
        self.c.close()
        self.t.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


# ---- a writer through the sentinels -----------------------------------------------------------

class Writer(threading.Thread):
    """INCRs `key` on the master the sentinels name for `name`; re-resolves after any
    failure. acked = acknowledged INCRs, unknown = connection lost before the reply,
    refused = error replies; first_ack_by = {port: time of its first acknowledged INCR}."""

    def __init__(self, sentinel_ports, name, key):
        super().__init__(daemon=True)
        self.sentinel_ports = sentinel_ports
        self.name = name
        self.key = key
        self.acked = 0
        self.unknown = 0
        self.refused = 0
        self.last_value = 0
        self.problems = []
        self.first_ack_by = {}
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()

    def resolve(self):
        for p in self.sentinel_ports:
            a = master_addr(p, self.name)
            if a is not None:
                return a[1]
        return None

    def run(self):
        c, port = None, None
        while not self.stop_ev.is_set():
            if c is None:
                port = self.resolve()
                if port is None:
                    time.sleep(0.05)
                    continue
                try:
                    c = Client(port, timeout=10)
                except OSError:
                    c = None
                    time.sleep(0.05)
                    continue
            try:
                r = c.call("INCR", self.key, raise_errors=False)
            except (OSError, ConnectionError, ValueError):
                with self.lock:
                    self.unknown += 1
                c.close()
                c = None
                continue
            if isinstance(r, RespError):
                with self.lock:
                    if "unknown" in str(r).lower():
                        self.unknown += 1
                    else:
                        self.refused += 1
                c.close()
                c = None
                time.sleep(0.02)
                continue
            with self.lock:
                self.acked += 1
                if r <= self.last_value:
                    self.problems.append("INCR went backwards: %d after %d" % (r, self.last_value))
                self.last_value = r
                self.first_ack_by.setdefault(port, time.monotonic())
        if c is not None:
            c.close()

    def stop(self):
        self.stop_ev.set()
        self.join(30)
