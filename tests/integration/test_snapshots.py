"""Raft snapshots end to end (node/snapshot.c with raft_node.c): restart = snapshot + log,
and a member whose data dir is wiped rejoins (under a new Raft id) and catches up
through InstallSnapshot.

Every check compares a full dump of the data: the SCAN order with its cursors (which
proves the dense layout, holes and sequence numbers survived, not just the contents),
and every key's type, encoding, absolute TTL (PEXPIRETIME) and value. Keys of every type
this build has are written (100k per type for the single-node test; fewer in the shard
test, where each write goes through three processes)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import (SANITIZE, SHARD_WAIT, Client, Node, RespError, Shard,  # noqa: E402
                     wait_until)

BATCH = 1000
READ_BATCH = 5000
PER_TYPE = 20000 if SANITIZE else 100000
SHARD_PER_TYPE = 3000 if SANITIZE else 15000
FAR = 4102444800000  # 2100-01-01 in ms: TTLs that never fire during the test


def info(c, section):
    r = c.call("INFO", section)
    d = {}
    for line in r.decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            d[k] = v.strip()
    return d


def run_batches(c, cmds):
    for i in range(0, len(cmds), BATCH):
        for r in c.pipeline(cmds[i:i + BATCH]):
            if isinstance(r, RespError):
                raise AssertionError("write failed: %s" % r)


def available_types(c):
    """The collection types whose write command this build has."""
    names = {"list": "RPUSH", "hash": "HSET", "set": "SADD", "zset": "ZADD"}
    have = []
    for t, cmd in names.items():
        r = c.call("COMMAND", "INFO", cmd, raise_errors=False)
        if isinstance(r, list) and r and r[0] is not None:
            have.append(t)
    return have


def fill(c, n, prefix=""):
    """n keys of every available type, some with TTLs, then deletes that leave holes
    in the middle of the table. Returns the list of types written."""
    types = ["string"] + available_types(c)
    cmds = []
    for i in range(n):
        k = "%sstring:%d" % (prefix, i)
        if i % 3 == 0:
            cmds.append(("SET", k, str(i * 7 - 5)))             # int
        elif i % 3 == 1:
            cmds.append(("SET", k, "value-%d" % i))            # embstr
        else:
            cmds.append(("SET", k, "r" * 50 + str(i)))         # raw
        if i % 5 == 0:
            cmds.append(("PEXPIREAT", k, FAR + i))
        if i % 11 == 0:
            cmds.append(("APPEND", k, "x"))                    # raw after append
    for t in types[1:]:
        for i in range(n):
            k = "%s%s:%d" % (prefix, t, i)
            if t == "list":
                cmds.append(("RPUSH", k, "a%d" % i, "b", str(i)))
            elif t == "hash":
                cmds.append(("HSET", k, "f1", "v%d" % i, "f2", str(i)))
            elif t == "set":
                if i % 2:
                    cmds.append(("SADD", k, "1", "2", str(i + 3)))          # intset
                else:
                    cmds.append(("SADD", k, "m%d" % i, "n", "o"))
            elif t == "zset":
                cmds.append(("ZADD", k, str(i), "a", "%d.5" % -i, "b"))
            if i % 7 == 0:
                cmds.append(("PEXPIREAT", k, FAR - i))
    run_batches(c, cmds)
    # holes: delete every 13th key of each type (never the newest)
    dels = []
    for t in types:
        for i in range(0, n - 1, 13):
            dels.append(("DEL", "%s%s:%d" % (prefix, t, i)))
    run_batches(c, dels)
    return types


def scan_all(c):
    """[(cursor, [keys])...] of a full SCAN, in order."""
    out = []
    cur = b"0"
    while True:
        cur, keys = c.call("SCAN", cur, "COUNT", 1000)
        out.append((cur, keys))
        if cur == b"0":
            return out


def dump(c):
    """Everything observable about the data: SCAN order with cursors, and per key its
    type, encoding, absolute TTL and value."""
    pages = scan_all(c)
    keys = [k for _, ks in pages for k in ks]
    data = {}
    for i in range(0, len(keys), READ_BATCH):
        chunk = keys[i:i + READ_BATCH]
        types = c.pipeline([("TYPE", k) for k in chunk])
        cmds = []
        for k, t in zip(chunk, types):
            cmds.append(("PEXPIRETIME", k))
            cmds.append(("OBJECT", "ENCODING", k))
            if t == b"string":
                cmds.append(("GET", k))
            elif t == b"list":
                cmds.append(("LRANGE", k, 0, -1))
            elif t == b"hash":
                cmds.append(("HGETALL", k))
            elif t == b"set":
                cmds.append(("SMEMBERS", k))
            elif t == b"zset":
                cmds.append(("ZRANGE", k, 0, -1, "WITHSCORES"))
            else:
                cmds.append(("TYPE", k))
        rs = c.pipeline(cmds)
        for j, (k, t) in enumerate(zip(chunk, types)):
            ttl, enc, val = rs[3 * j:3 * j + 3]
            if isinstance(val, RespError):
                raise AssertionError("reading %r: %s" % (k, val))
            data[k] = (t, enc, ttl, val)
    return pages, data


def raft_info(port):
    with Client(port) as c:
        return info(c, "raft")


def assert_same(tc, a, b, what):
    pa, da = a
    pb, db = b
    tc.assertEqual(len(da), len(db), "%s: key count" % what)
    tc.assertEqual(pa, pb, "%s: SCAN order / cursors differ" % what)
    bad = [k for k in da if da[k] != db.get(k)]
    tc.assertEqual(bad[:5], [], "%s: %d keys differ, e.g. %r vs %r" % (
        what, len(bad), da.get(bad[0]) if bad else None, db.get(bad[0]) if bad else None))


class SingleNodeRestart(unittest.TestCase):
    """A single-node shard with a low snapshot threshold: restarts (SIGTERM and kill -9)
    load the snapshot and replay the log tail, and give back exactly the same data."""

    def setUp(self):
        self.node = Node("--raft-snapshot-threshold", "64", "--raft-snapshot-trailing", "16").start()

    def tearDown(self):
        out = self.node.output()
        code = self.node.stop()
        self.node.cleanup()
        if code not in (0, None) or "ERROR: AddressSanitizer" in out or "runtime error:" in out:
            raise AssertionError("node exited with %s:\n%s" % (code, out[-6000:]))

    def restart(self, sig_kill=False):
        if sig_kill:
            self.node.kill()
        else:
            self.assertEqual(self.node.stop(), 0, self.node.output()[-3000:])
        self.node.start()
        # the node answers PING before it leads; wait until writes would be accepted
        def leads():
            try:
                with self.node.client() as c:
                    return info(c, "replication").get("role") == "master"
            except (OSError, ConnectionError):
                return False
        self.assertTrue(wait_until(leads, SHARD_WAIT, 0.05), self.node.output()[-3000:])

    def test_restart_with_100k_keys_of_every_type(self):
        with self.node.client(timeout=120) as c:
            t0 = time.time()
            types = fill(c, PER_TYPE)
            t_fill = time.time() - t0
            # a log tail past the last snapshot: a few more writes (not a snapshot's worth)
            run_batches(c, [("SET", "tail:%d" % i, i) for i in range(10)])
            ri = info(c, "raft")
            before = dump(c)
        self.assertGreaterEqual(int(ri["raft_snapshots_taken"]), 1, ri)
        self.assertEqual(int(ri["raft_snapshots_failed"]), 0, ri)
        n_keys = len(before[1])
        self.assertGreater(n_keys, PER_TYPE * len(types) * 9 // 10)
        sys.stderr.write("\n  %d types, %d keys written in %.1fs; last snapshot %s bytes, "
                         "loop blocked %s us, request->written %s ms\n" % (
                             len(types), n_keys, t_fill, ri["raft_snapshot_last_bytes"],
                             ri["raft_snapshot_last_loop_block_us"],
                             ri["raft_snapshot_last_duration_ms"]))

        self.restart()
        ri = raft_info(self.node.port)
        self.assertGreaterEqual(int(ri["raft_snapshots_restored"]), 1, ri)
        with self.node.client(timeout=120) as c:
            after = dump(c)
        assert_same(self, before, after, "after SIGTERM restart")

        # kill -9 right after more writes: snapshot + log replay again. The layout of
        # the whole keyspace (SCAN pages and cursors) is compared, and the values of
        # what changed since the full comparison above.
        more = ["more:%d" % i for i in range(5000)]
        with self.node.client(timeout=120) as c:
            run_batches(c, [("SET", k, "v%d" % i) for i, k in enumerate(more)])
            run_batches(c, [("DEL", k) for k in more[::3]])
            pages = scan_all(c)
            vals = c.pipeline([("GET", k) for k in more])
        self.restart(sig_kill=True)
        with self.node.client(timeout=120) as c:
            self.assertEqual(scan_all(c), pages, "SCAN order after kill -9 restart")
            self.assertEqual(c.pipeline([("GET", k) for k in more]), vals)

    def test_writes_during_snapshots_are_all_kept(self):
        """Snapshots taken while writes keep arriving (the child serializes while the
        parent applies): nothing is lost or duplicated across a restart."""
        rounds = 400
        with self.node.client(timeout=60) as c:
            # one pipeline per round: each becomes (about) one log entry
            for round_ in range(rounds):
                run_batches(c, [("INCR", "counter")] + [("RPUSH" if i % 2 else "SET",
                                                         "k:%d:%d" % (round_, i), "x")
                                                        for i in range(20)])
            ri = info(c, "raft")
            before = dump(c)
        self.assertGreaterEqual(int(ri["raft_snapshots_taken"]), 2, ri)
        self.restart(sig_kill=True)
        with self.node.client(timeout=60) as c:
            self.assertEqual(c.call("GET", "counter"), str(rounds).encode())
            after = dump(c)
        assert_same(self, before, after, "after kill -9 restart")


class WipedFollowerCatchesUp(unittest.TestCase):
    """A 3-node shard with a low snapshot threshold: a follower's data dir is wiped; it
    comes back under a new Raft id (RAFT REMOVE of the old one, --raft-join the leader),
    receives the leader's snapshot by InstallSnapshot plus the log, and ends up with
    exactly the leader's data, then keeps replicating new writes."""

    def setUp(self):
        # pipelines of BATCH commands become about one entry each: a low threshold
        self.shard = Shard(3, args=("--raft-snapshot-threshold", "32",
                                    "--raft-snapshot-trailing", "8")).start()

    def tearDown(self):
        codes = self.shard.stop_all()
        bad = {n.port: c for n, c in codes.items() if c not in (None, 0)}
        reports = self.shard.sanitizer_reports()
        desc = "" if not (bad or reports) else "\n".join(
            "---- port %d:\n%s" % (n.port, n.output()[-4000:]) for n in self.shard.nodes)
        self.shard.cleanup()
        if bad or reports:
            raise AssertionError("nodes exited badly %s / sanitizer %s\n%s" % (
                bad, [n.port for n in reports], desc))

    def leader_dump(self, exclude=()):
        """The leader's dump and commit index. Retried on a lost connection: on this busy
        2-core machine a missed heartbeat can move leadership, and a demoted leader
        disconnects its clients."""
        for attempt in range(5):
            leader = self.shard.leader(exclude=exclude)
            try:
                with leader.client(timeout=120) as c:
                    return leader, dump(c), int(info(c, "raft")["raft_commit_index"])
            except (OSError, ConnectionError):
                if attempt == 4:
                    raise
                time.sleep(0.5)

    def wait_same(self, node, what):
        leader, want, commit = self.leader_dump()
        if leader is node:
            return  # leadership moved to it: nothing to compare against

        def caught_up():
            try:
                ri = raft_info(node.port)
                return int(ri.get("raft_applied_index", 0)) >= commit
            except (OSError, ConnectionError, ValueError):
                return False
        self.assertTrue(wait_until(caught_up, SHARD_WAIT * 2, 0.1),
                        "%s: not caught up\n%s" % (what, self.shard.describe()))
        with node.client(timeout=120) as c:
            got = dump(c)
        assert_same(self, want, got, what)

    def test_wiped_follower_rejoins_through_install_snapshot(self):
        leader = self.shard.leader()
        with leader.client(timeout=120) as c:
            fill(c, SHARD_PER_TYPE)
            # small pipelines (about an entry each) until the leader has snapshotted
            for i in range(200):
                ri = info(c, "raft")
                if int(ri["raft_snapshots_taken"]) >= 1:
                    break
                run_batches(c, [("SET", "pad:%d:%d" % (i, j), j) for j in range(10)])
        self.assertGreaterEqual(int(ri["raft_snapshots_taken"]), 1, ri)
        follower = self.shard.followers(leader)[0]
        self.wait_same(follower, "follower before the wipe")

        self.shard.wipe_and_rejoin(follower)
        self.wait_same(follower, "wiped follower after rejoining")
        ri = raft_info(follower.port)
        self.assertGreaterEqual(int(ri["raft_snapshots_restored"]), 1,
                                "the rejoined node should have installed a snapshot: %s" % ri)
        self.assertEqual(int(ri["raft_snapshots_failed"]), 0, ri)
        sys.stderr.write("\n  rejoined node: %s\n" % {k: v for k, v in ri.items() if "snapshot" in k})

        # it keeps replicating, and takes snapshots of its own: > threshold entries
        # (small pipelines, idempotent writes retried if leadership moves)
        for i in range(0, 2000, 20):
            for attempt in range(5):
                try:
                    with self.shard.leader().client(timeout=60) as c:
                        run_batches(c, [("SET", "after:%d" % j, j) for j in range(i, i + 20)])
                    break
                except (OSError, ConnectionError):
                    if attempt == 4:
                        raise
                    time.sleep(0.5)
        self.wait_same(follower, "rejoined follower after more writes")
        ri = raft_info(follower.port)
        self.assertGreaterEqual(int(ri["raft_snapshots_taken"]), 1, ri)


if __name__ == "__main__":
    unittest.main(verbosity=2)
