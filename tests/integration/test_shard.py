"""Three-node Raft shard on loopback (issue 3): replication, follower behaviour in
standalone and cluster mode, and the failure drills -- kill -9 of the leader or of a
follower under a steady write load, a wiped follower rejoining, leadership transfer
under load (RAFT TRANSFER, CLUSTER FAILOVER), a minority partition (SIGSTOP), reply
order across a leader change, a demoted leader closing its clients, and a node without
a known leader answering with an error instead of hanging.

The safety checks work from a record of what each client was told:
  - acknowledged (OK / an INCR result): must be readable afterwards, from the new leader;
  - answered with an error that does not say the outcome is unknown: must never become
    visible (a write refused is a write not done);
  - unknown (connection closed or reset, timeout, or an error saying "unknown"): may or
    may not have happened -- but at most once, which the INCR counters check
    (acked <= final value <= acked + unknown).
Every wait is bounded (harness.SHARD_WAIT, longer under the sanitizer build); nothing
asserts on timing.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SANITIZE, SHARD_WAIT, Client, RespError, ShardTestCase,  # noqa: E402
                     key_slot, main, wait_until)

OP_TIMEOUT = 30.0 if SANITIZE else 10.0   # one command's reply, in the load generators
PROGRESS = 15 if SANITIZE else 30          # acked ops per writer that count as "progress"


def probe_leader(ports, timeout=1.0):
    """The port of the only node that says role:master (None if zero or several). Talks
    to ports only (no Popen objects), so writer threads may call it."""
    masters = []
    for p in ports:
        try:
            with Client(p, timeout=timeout) as c:
                r = c.call("INFO", "replication", raise_errors=False)
        except (OSError, ConnectionError, ValueError):
            continue
        if isinstance(r, bytes) and b"role:master" in r:
            masters.append(p)
    return masters[0] if len(masters) == 1 else None


def is_unknown_error(e):
    return "unknown" in str(e).lower()


class Writer(threading.Thread):
    """One connection writing unique keys (SET w<id>:k<i> v<i>) and INCRs of its own
    counter to whichever node is leader; after a connection loss or an error it closes
    the connection and looks for the leader again. Records every outcome."""

    def __init__(self, ports, wid, incr_every=2):
        super().__init__(daemon=True)
        self.ports = list(ports)
        self.wid = wid
        self.incr_every = incr_every
        self.counter = "w%d:cnt" % wid
        self.acked = {}          # key -> value, SETs answered OK
        self.failed = set()      # SET keys answered with a definite error
        self.unknown = set()     # SET keys whose outcome is unknown
        self.incr_acked = 0
        self.incr_unknown = 0
        self.incr_replies = []   # acknowledged INCR results, in order
        self.errors = []         # error texts seen (for diagnostics)
        self.stop_ev = threading.Event()
        self.ops = 0             # acknowledged operations
        self.problems = []       # things that are wrong in themselves

    def acked_ops(self):
        return self.ops

    def run(self):
        c = None
        i = 0
        while not self.stop_ev.is_set():
            if c is None:
                port = probe_leader(self.ports)
                if port is None:
                    time.sleep(0.05)
                    continue
                try:
                    c = Client(port, timeout=OP_TIMEOUT)
                except OSError:
                    time.sleep(0.05)
                    continue
            i += 1
            is_incr = self.incr_every and i % self.incr_every == 0
            if is_incr:
                args = ("INCR", self.counter)
            else:
                key, val = "w%d:k%d" % (self.wid, i), "v%d" % i
                args = ("SET", key, val)
            try:
                r = c.call(*args, raise_errors=False)
            except (OSError, ConnectionError, ValueError):
                r = None  # closed, reset or timed out: unknown outcome
            if isinstance(r, RespError):
                self.errors.append(str(r))
            ok = (isinstance(r, int) if is_incr else r == b"OK")
            if ok:
                self.ops += 1
                if is_incr:
                    if self.incr_replies and r <= self.incr_replies[-1]:
                        self.problems.append("INCR reply %d after %d" % (r, self.incr_replies[-1]))
                    self.incr_acked += 1
                    self.incr_replies.append(r)
                else:
                    self.acked[key] = val.encode()
                continue
            unknown = r is None or is_unknown_error(r)
            if is_incr:
                if unknown:
                    self.incr_unknown += 1
            elif unknown:
                self.unknown.add(key)
            elif isinstance(r, RespError):
                self.failed.add(key)
            else:
                self.problems.append("unexpected reply %r to %r" % (r, args))
            c.close()
            c = None
            time.sleep(0.01)
        if c is not None:
            c.close()

    def stop(self):
        self.stop_ev.set()
        self.join(OP_TIMEOUT + 10)
        assert not self.is_alive(), "writer %d did not stop" % self.wid


def mget(node, keys, readonly=False):
    """GETs of every key in one pipeline (works in cluster mode, unlike MGET)."""
    with node.client(timeout=SHARD_WAIT) as c:
        cmds = ([("READONLY",)] if readonly else []) + [("GET", k) for k in keys]
        out = []
        for start in range(0, len(cmds), 1000):
            out += c.pipeline(cmds[start:start + 1000])
        return out[1:] if readonly else out


class ShardChecks:
    """Assertions shared by the shard tests (mixed into ShardTestCase subclasses)."""

    def start_writers(self, n=4, incr_every=2):
        ws = [Writer([x.port for x in self.shard.nodes], i, incr_every) for i in range(n)]
        for w in ws:
            w.start()
        self.addCleanup(lambda: [w.stop_ev.set() for w in ws])
        return ws

    def wait_progress(self, writers, at_least=PROGRESS, what="writes"):
        """Waits until every writer has at least `at_least` more acknowledged ops."""
        base = [w.acked_ops() for w in writers]
        ok = wait_until(lambda: all(w.acked_ops() - b >= at_least for w, b in zip(writers, base)),
                        SHARD_WAIT, 0.05)
        if not ok:
            self.fail("no progress of %s: acked %s (from %s), errors seen %s\n%s" % (
                what, [w.acked_ops() for w in writers], base,
                [w.errors[-3:] for w in writers], self.shard.describe()))

    def verify(self, writers, node=None, readonly=False):
        """Every acknowledged write is visible on node (default: the leader), no refused
        one is, and every counter was incremented at most once per attempt."""
        node = node or self.shard.leader()
        for w in writers:
            self.assertEqual(w.problems, [], "writer %d" % w.wid)
            keys = sorted(w.acked) + sorted(w.failed) + sorted(w.unknown) + [w.counter]
            vals = dict(zip(keys, mget(node, keys, readonly)))
            for k, v in w.acked.items():
                self.assertEqual(vals[k], v, "acknowledged SET %s lost on port %d" % (k, node.port))
            for k in w.failed:
                self.assertIsNone(vals[k], "SET %s was refused with an error yet is visible" % k)
            for k in w.unknown:
                self.assertIn(vals[k], (None, b"v" + k.split(":k")[1].encode()))
            cnt = int(vals[w.counter] or 0)
            self.assertGreaterEqual(cnt, w.incr_acked, "acknowledged INCRs lost (writer %d)" % w.wid)
            if w.incr_replies:
                self.assertGreaterEqual(cnt, w.incr_replies[-1])
            self.assertLessEqual(cnt, w.incr_acked + w.incr_unknown,
                                 "an INCR was applied twice or a refused INCR applied (writer %d)" % w.wid)

    def wait_same_data(self, leader, node, keys, readonly=False):
        """Waits until node's (stale) reads of keys equal the leader's."""
        want = mget(leader, keys)
        last = [None]

        def same():
            try:
                last[0] = mget(node, keys, readonly)
            except (OSError, ConnectionError):
                return False
            return last[0] == want
        if not wait_until(same, SHARD_WAIT, 0.1):
            diff = [(k, a, b) for k, a, b in zip(keys, want, last[0] or [None] * len(keys)) if a != b][:5]
            self.fail("port %d did not catch up with the leader (first differences %s)\n%s"
                      % (node.port, diff, self.shard.describe()))

    def check_no_leader_errors(self, *commands, prefixes=None):
        """Isolates the leader (SIGSTOP of both followers); once it has stepped down,
        each command sent to it on a fresh connection must get an error reply (with
        one of `prefixes`, if given) or a closed connection -- never a hang or OK."""
        leader = self.shard.leader()
        followers = self.shard.followers(leader)
        for f in followers:
            self.shard.pause(f)
        try:
            # Without a majority the old leader steps down; then it knows no leader.
            if not wait_until(lambda: leader.role() != "master", SHARD_WAIT, 0.1):
                self.fail("an isolated leader still says role:master after %ss" % SHARD_WAIT)
            for args in commands:
                with leader.client(timeout=SHARD_WAIT) as c:
                    try:
                        r = c.call(*args, raise_errors=False)
                    except socket.timeout:
                        self.fail("%r to a node without a leader hung for %ss" % (args, SHARD_WAIT))
                    except (OSError, ConnectionError):
                        continue  # closed: acceptable, never OK
                    self.assertIsInstance(r, RespError, "%r: a node without a leader answered %r" % (args, r))
                    if prefixes:
                        self.assertTrue(str(r).startswith(prefixes), "%r -> %s" % (args, r))
                    self.assertEqual(c.call("PING"), b"PONG")
        finally:
            for f in followers:
                self.shard.resume(f)
        self.shard.leader()

    def all_keys(self, writers):
        return sorted(k for w in writers for k in list(w.acked) + [w.counter])


# ---- replication and followers, standalone mode ---------------------------------------

class StandaloneReplication(ShardTestCase, ShardChecks):
    SHARD_PER_CLASS = True

    def test_writes_replicate_to_followers(self):
        leader = self.shard.leader()
        with leader.client() as c:
            for i in range(50):
                self.assertEqual(c.call("SET", "rep:%d" % i, "value-%d" % i), b"OK")
            self.assertEqual(c.call("INCR", "rep:counter"), 1)
            self.assertEqual(c.call("INCR", "rep:counter"), 2)
            self.assertEqual(c.call("DEL", "rep:0"), 1)
        keys = ["rep:%d" % i for i in range(50)] + ["rep:counter"]
        for f in self.shard.followers(leader):
            # Followers serve stale reads: eventually they hold what the leader holds.
            self.wait_same_data(leader, f, keys)
            with f.client() as c:
                self.assertIsNone(c.call("GET", "rep:0"))
                self.assertEqual(c.call("GET", "rep:counter"), b"2")

    def test_follower_refuses_writes_with_readonly(self):
        leader = self.shard.leader()
        for f in self.shard.followers(leader):
            with f.client() as c:
                with self.assertRaises(RespError) as e:
                    c.call("SET", "ro:key", "x")
                self.assertEqual(str(e.exception), "READONLY You can't write against a read only replica.")
                with self.assertRaises(RespError) as e:
                    c.call("INCR", "ro:counter")
                self.assertTrue(str(e.exception).startswith("READONLY"))
                # The connection stays usable and reads are served.
                self.assertEqual(c.call("PING"), b"PONG")
                c.call("GET", "ro:key")
        with leader.client() as c:
            self.assertIsNone(c.call("GET", "ro:key"))

    def test_replication_roles(self):
        leader = self.shard.leader()
        for f in self.shard.followers(leader):
            self.shard.wait_follows(f, leader)
        info = leader.replication()
        self.assertEqual(info["role"], "master")
        self.assertEqual(info.get("connected_slaves"), "2")


# ---- cluster mode: -MOVED from followers, READONLY ----------------------------------

class ClusterModeFollowers(ShardTestCase, ShardChecks):
    SHARD_PER_CLASS = True
    SHARD_CLUSTER = True

    def test_follower_redirects_to_leader(self):
        leader = self.shard.leader()
        with leader.client() as c:
            self.assertEqual(c.call("SET", "{cm}a", "1"), b"OK")
        for f in self.shard.followers(leader):
            with f.client() as c:
                for args in (("SET", "{cm}a", "2"), ("GET", "{cm}a"), ("INCR", "foo")):
                    with self.assertRaises(RespError) as e:
                        c.call(*args)
                    self.assertEqual(str(e.exception), "MOVED %d 127.0.0.1:%d" % (key_slot(args[1]), leader.port))

    def test_readonly_enables_stale_reads_only(self):
        leader = self.shard.leader()
        with leader.client() as c:
            self.assertEqual(c.call("SET", "ro{x}", "v"), b"OK")
        for f in self.shard.followers(leader):
            with f.client() as c:
                self.assertEqual(c.call("READONLY"), b"OK")
                self.assertTrue(wait_until(lambda: c.call("GET", "ro{x}") == b"v", SHARD_WAIT, 0.05))
                # Writes are still redirected, as on a Redis replica.
                with self.assertRaises(RespError) as e:
                    c.call("SET", "ro{x}", "w")
                self.assertEqual(str(e.exception), "MOVED %d 127.0.0.1:%d" % (key_slot("ro{x}"), leader.port))
                self.assertEqual(c.call("READWRITE"), b"OK")
                with self.assertRaises(RespError) as e:
                    c.call("GET", "ro{x}")
                self.assertTrue(str(e.exception).startswith("MOVED "))

    def test_leader_serves_in_cluster_mode(self):
        leader = self.shard.leader()
        with leader.client() as c:
            self.assertEqual(c.call("SET", "lead", "1"), b"OK")
            self.assertEqual(c.call("INCR", "lead"), 2)
            self.assertEqual(c.call("GET", "lead"), b"2")


# ---- failure drills (a fresh shard per test) -----------------------------------------

class LeaderFailover(ShardTestCase, ShardChecks):

    def test_kill_leader_under_load(self):
        old = self.shard.leader()
        writers = self.start_writers(4)
        self.wait_progress(writers)
        self.shard.kill(old)
        new = self.shard.leader()
        self.assertIsNot(new, old)
        self.wait_progress(writers, what="writes after the leader was killed")
        for w in writers:
            w.stop()
        self.verify(writers, new)
        # The old leader comes back as a follower and catches up.
        self.shard.restart(old)
        leader = self.shard.leader()
        if leader is not old:
            self.shard.wait_follows(old, leader)
        self.verify(writers, leader)
        for n in self.shard.nodes:
            if n is not leader:
                self.wait_same_data(leader, n, self.all_keys(writers))

    def test_kill_follower_and_restart(self):
        leader = self.shard.leader()
        victim = self.shard.followers(leader)[0]
        writers = self.start_writers(3)
        self.wait_progress(writers)
        self.shard.kill(victim)
        self.wait_progress(writers, what="writes with one follower down")
        self.shard.restart(victim)
        self.wait_progress(writers, what="writes after the follower restarted")
        for w in writers:
            w.stop()
        leader = self.shard.leader()
        self.verify(writers, leader)
        if victim is not leader:
            self.shard.wait_follows(victim, leader)
        for n in self.shard.nodes:
            if n is not leader:
                self.wait_same_data(leader, n, self.all_keys(writers))

    def test_minority_cannot_acknowledge_writes(self):
        leader = self.shard.leader()
        with leader.client() as c:
            self.assertEqual(c.call("SET", "before", "1"), b"OK")
        c = leader.client(timeout=SHARD_WAIT)
        self.addCleanup(c.close)
        followers = self.shard.followers(leader)
        for f in followers:
            self.shard.pause(f)
        try:
            try:
                r = c.call("SET", "during", "1", raise_errors=False)
            except socket.timeout:
                self.fail("a write to the isolated leader got no reply in %ss (must be an error "
                          "or a closed connection)" % SHARD_WAIT)
            except (OSError, ConnectionError):
                r = None  # closed: outcome unknown, acceptable
            self.assertNotEqual(r, b"OK", "the isolated leader acknowledged a write")
            refused = isinstance(r, RespError) and not is_unknown_error(r)
        finally:
            for f in followers:
                self.shard.resume(f)
        leader = self.shard.leader()
        with leader.client() as c2:
            self.assertEqual(c2.call("SET", "after", "1"), b"OK")
            self.assertEqual(c2.call("GET", "before"), b"1")
            if refused:
                self.assertIsNone(c2.call("GET", "during"), "a write refused with %r became visible" % r)

    def test_no_known_leader_answers_errors(self):
        # Standalone: any error will do (a follower whose leader is gone answers writes
        # like a Redis replica with a broken link: -READONLY), never OK, never a hang.
        self.check_no_leader_errors(("SET", "nl", "1"))

    def test_demoted_leader_closes_clients(self):
        leader = self.shard.leader()
        target = self.shard.followers(leader)[0]
        idle = leader.client(timeout=SHARD_WAIT)
        self.addCleanup(idle.close)
        self.assertEqual(idle.call("PING"), b"PONG")
        with leader.client(timeout=SHARD_WAIT) as admin:
            r = admin.call("RAFT", "TRANSFER", target.raft_id, raise_errors=False)
        self.assertNotIsInstance(r, RespError, "RAFT TRANSFER: %s" % r)
        self.assertTrue(wait_until(lambda: self.shard.current_leader() is target, SHARD_WAIT, 0.05),
                        self.shard.describe())
        self.assertTrue(idle.is_closed(timeout=SHARD_WAIT),
                        "the demoted leader kept a normal client connected")

    def test_transfer_under_load(self):
        leader = self.shard.leader()
        target = self.shard.followers(leader)[0]
        writers = self.start_writers(4)
        self.wait_progress(writers)
        with leader.client(timeout=SHARD_WAIT) as admin:
            r = admin.call("RAFT", "TRANSFER", target.raft_id, raise_errors=False)
        self.assertNotIsInstance(r, RespError, "RAFT TRANSFER under load: %s" % r)
        self.assertTrue(wait_until(lambda: self.shard.current_leader() is target, SHARD_WAIT, 0.05),
                        "leadership did not move to raft id %d:\n%s" % (target.raft_id, self.shard.describe()))
        self.wait_progress(writers, what="writes after the transfer")
        for w in writers:
            w.stop()
        self.verify(writers, self.shard.leader())

    def test_replies_stay_in_order_across_leader_change(self):
        leader = self.shard.leader()
        target = self.shard.followers(leader)[0]
        c = leader.client(timeout=SHARD_WAIT)
        self.addCleanup(c.close)
        done = threading.Event()
        result = {}

        def transfer():
            time.sleep(0.2)
            try:
                with leader.client(timeout=SHARD_WAIT) as admin:
                    result["r"] = admin.call("RAFT", "TRANSFER", target.raft_id, raise_errors=False)
            except (OSError, ConnectionError) as e:
                result["r"] = e
            done.set()
        t = threading.Thread(target=transfer, daemon=True)
        t.start()
        last = 0      # last acknowledged INCR result on this connection
        sent = 0
        closed = False
        # Pipelines of INCR c / GET c pairs: INCR results must be consecutive and each
        # GET must see its own preceding INCR, until the connection closes.
        for _ in range(200):
            batch = []
            for _ in range(25):
                batch += [("INCR", "order"), ("GET", "order")]
            try:
                c.send_raw(b"".join(Client.encode(*x) for x in batch))
                sent += 25
                for k in range(25):
                    r1 = c.read_reply(raise_errors=False)
                    r2 = c.read_reply(raise_errors=False)
                    if isinstance(r1, RespError) or isinstance(r2, RespError):
                        raise ConnectionError("error reply %r %r" % (r1, r2))
                    self.assertEqual(r1, last + 1, "INCR replies out of order")
                    self.assertEqual(r2, str(r1).encode(), "GET did not see the connection's own INCR")
                    last = r1
            except (OSError, ConnectionError):
                closed = True
                break
            if done.is_set() and self.shard.current_leader() is target:
                break
        t.join(SHARD_WAIT)
        self.assertNotIsInstance(result.get("r"), RespError, "RAFT TRANSFER: %s" % result.get("r"))
        new = self.shard.leader()
        with new.client() as c2:
            final = int(c2.call("GET", "order") or 0)
        self.assertGreaterEqual(final, last)
        self.assertLessEqual(final, sent)
        if not closed and new is not leader:
            # The loop ended before the demoted leader's close reached us: it must come.
            self.assertTrue(c.is_closed(timeout=SHARD_WAIT),
                            "the demoted leader kept a client connected")


class FollowerRejoin(ShardTestCase, ShardChecks):
    # A small snapshot threshold, so that the rejoining node is sent a snapshot.
    SHARD_ARGS = ("--raft-snapshot-threshold", "64", "--raft-snapshot-trailing", "16")

    def test_wipe_follower_dir_and_rejoin(self):
        leader = self.shard.leader()
        victim = self.shard.followers(leader)[0]
        writers = self.start_writers(3)
        self.wait_progress(writers)
        self.shard.kill(victim)
        self.wait_progress(writers, what="writes with one follower down")
        self.shard.wipe_and_rejoin(victim)
        self.wait_progress(writers, what="writes after the wiped follower rejoined")
        for w in writers:
            w.stop()
        leader = self.shard.leader()
        self.verify(writers, leader)
        self.shard.wait_follows(victim, leader)
        self.wait_same_data(leader, victim, self.all_keys(writers))

    def test_restart_from_snapshot_and_log(self):
        leader = self.shard.leader()
        with leader.client() as c:
            res = c.pipeline([("SET", "snap:%d" % i, "v%d" % i) for i in range(2000)])
        self.assertEqual(res, [b"OK"] * 2000)
        keys = ["snap:%d" % i for i in range(2000)]
        for n in list(self.shard.nodes):
            self.shard.kill(n)
        for n in self.shard.nodes:
            self.shard.restart(n, wait=False)
        for n in self.shard.nodes:
            n.wait_ready(timeout=SHARD_WAIT)
        leader = self.shard.leader()
        vals = mget(leader, keys)
        self.assertEqual(vals, [b"v%d" % i for i in range(2000)])


KEYS_N = 20000 if SANITIZE else 100000


def load_every_type(node, n):
    """n keys, one of each type in turn (string, hash, list, set, zset, HyperLogLog),
    every 10th with a TTL; returns [(key, type)]."""
    kinds = ("string", "hash", "list", "set", "zset", "hll")
    keys, cmds = [], []
    for i in range(n):
        t = kinds[i % len(kinds)]
        k = "snap:%s:%d" % (t, i)
        keys.append((k, t))
        if t == "string":
            cmds.append(("SET", k, "value-%d" % i))
        elif t == "hash":
            cmds.append(("HSET", k, "f1", "v%d" % i, "f2", i, "f3", "x" * (i % 50)))
        elif t == "list":
            cmds.append(("RPUSH", k, "a", i, "c", "a"))
        elif t == "set":
            cmds.append(("SADD", k, "m1", "m%d" % i, i))
        elif t == "zset":
            cmds.append(("ZADD", k, 1, "a", i, "b", "-2.5", "m%d" % i))
        else:
            cmds.append(("PFADD", k, "a", "b", "e%d" % i, "e%d" % (i * 7)))
        if i % 10 == 0:
            cmds.append(("EXPIRE", k, 1000000))
    with node.client(timeout=SHARD_WAIT) as c:
        for start in range(0, len(cmds), 500):
            for r in c.pipeline(cmds[start:start + 500]):
                if isinstance(r, RespError):
                    raise AssertionError("loading the keyspace: %s" % r)
    return keys


def dump_every_type(node, keys):
    """A comparable picture of every key: its value by type, and whether it has a TTL."""
    read = {"string": lambda k: ("GET", k), "hash": lambda k: ("HGETALL", k),
            "list": lambda k: ("LRANGE", k, 0, -1), "set": lambda k: ("SMEMBERS", k),
            "zset": lambda k: ("ZRANGE", k, 0, -1, "WITHSCORES"), "hll": lambda k: ("PFCOUNT", k)}
    out = []
    with node.client(timeout=SHARD_WAIT) as c:
        size = c.call("DBSIZE")
        for start in range(0, len(keys), 250):
            chunk = keys[start:start + 250]
            cmds = []
            for k, t in chunk:
                cmds += [read[t](k), ("PTTL", k)]
            rs = c.pipeline(cmds)
            for j, (k, t) in enumerate(chunk):
                v, ttl = rs[2 * j], rs[2 * j + 1]
                if t == "set" and isinstance(v, list):
                    v = sorted(v)
                if isinstance(v, list):
                    v = tuple(v)
                out.append((k, v, isinstance(ttl, int) and ttl > 0))
    return size, out


def snapshots_taken(node):
    with node.client(timeout=SHARD_WAIT) as c:
        text = c.call("INFO", "raft").decode()
    for line in text.splitlines():
        if line.startswith("raft_snapshots_taken:"):
            return int(line.split(":")[1])
    return 0


class SnapshotRestore(ShardTestCase, ShardChecks):
    # Snapshots every 64 entries, few trailing ones: restarts load a snapshot plus a
    # log tail, and a rejoining member needs InstallSnapshot.
    SHARD_ARGS = ("--raft-snapshot-threshold", "64", "--raft-snapshot-trailing", "16")

    def wait_same_dump(self, node, want):
        last = [None]

        def same():
            try:
                last[0] = dump_every_type(node, keys)
            except (OSError, ConnectionError):
                return False
            return last[0] == want
        keys = [(k, t) for k, t in self.keys]
        if not wait_until(same, SHARD_WAIT * 2, 0.5):
            got = last[0] or (None, [])
            diff = [(a, b) for a, b in zip(want[1], got[1]) if a != b][:3]
            self.fail("port %d: DBSIZE %s vs %s, first differences %s\n%s"
                      % (node.port, got[0], want[0], diff, self.shard.describe()))

    def test_snapshot_and_restore_every_type(self):
        leader = self.shard.leader()
        self.keys = load_every_type(leader, KEYS_N)
        want = dump_every_type(leader, self.keys)
        self.assertEqual(want[0], KEYS_N)
        self.assertTrue(all(v not in (None, (), 0) for _, v, _ in want[1]), "a loaded key is missing")
        self.assertTrue(wait_until(lambda: all(snapshots_taken(n) >= 1 for n in self.shard.nodes),
                                   SHARD_WAIT, 0.2), "no snapshot was taken:\n" + self.shard.describe())
        for n in self.shard.followers(leader):
            self.wait_same_dump(n, want)
        # Restart everything: snapshot + log replay on every member.
        for n in self.shard.nodes:
            self.shard.kill(n)
        for n in self.shard.nodes:
            self.shard.restart(n, wait=False)
        for n in self.shard.nodes:
            n.wait_ready(timeout=SHARD_WAIT)
        leader = self.shard.leader()
        self.assertEqual(dump_every_type(leader, self.keys), want)
        for n in self.shard.followers(leader):
            self.wait_same_dump(n, want)
        # A wiped member comes back through InstallSnapshot.
        victim = self.shard.followers(leader)[0]
        self.shard.wipe_and_rejoin(victim)
        self.shard.wait_follows(victim, leader)
        self.wait_same_dump(victim, want)


class ClusterFailover(ShardTestCase, ShardChecks):
    SHARD_CLUSTER = True

    def test_cluster_failover_under_load(self):
        leader = self.shard.leader()
        target = self.shard.followers(leader)[0]
        writers = self.start_writers(3)
        self.wait_progress(writers)
        with target.client(timeout=SHARD_WAIT) as c:
            r = c.call("CLUSTER", "FAILOVER", raise_errors=False)
        self.assertEqual(r, b"OK", "CLUSTER FAILOVER on a follower")
        self.assertTrue(wait_until(lambda: self.shard.current_leader() is target, SHARD_WAIT, 0.05),
                        "CLUSTER FAILOVER did not make port %d the leader:\n%s" % (target.port, self.shard.describe()))
        self.wait_progress(writers, what="writes after CLUSTER FAILOVER")
        for w in writers:
            w.stop()
        self.verify(writers, self.shard.leader())

    def test_no_known_leader_answers_clusterdown(self):
        self.check_no_leader_errors(("SET", "nl", "1"), ("GET", "nl"), ("INCR", "x"),
                                    prefixes=("CLUSTERDOWN", "TRYAGAIN"))

    def test_kill_leader_in_cluster_mode(self):
        old = self.shard.leader()
        writers = self.start_writers(3)
        self.wait_progress(writers)
        self.shard.kill(old)
        new = self.shard.leader()
        self.wait_progress(writers, what="writes after the leader was killed")
        for w in writers:
            w.stop()
        self.verify(writers, new)
        # The survivor follower redirects to the new leader, and READONLY reads catch up.
        for f in self.shard.followers(new):
            self.wait_same_data(new, f, self.all_keys(writers), readonly=True)
            with f.client() as c:
                with self.assertRaises(RespError) as e:
                    c.call("GET", "x")
                self.assertEqual(str(e.exception), "MOVED %d 127.0.0.1:%d" % (key_slot("x"), new.port))


if __name__ == "__main__":
    main()
