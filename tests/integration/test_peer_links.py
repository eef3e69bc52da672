"""Peer links between storage nodes (node/peer_links.h): two Raft shards in one cluster
(a topology pushed with CLUSTER SETTOPOLOGY, slots 0-8191 to shard A, 8192-16383 to
shard B). A shard's leader announces itself (CLUSTERBUS LEADER) to every other node, so
after B's leader is killed a node of A reports B's new leader as master without any
sentinel; CLUSTER LINKS lists the links in Redis 7's format; links come back after a
peer restarts; CLUSTERBUS needs the password like any admin command (a peer with a wrong
masterauth cannot inject anything); PUBLISH reaches subscribers on every node and
SPUBLISH the nodes of the publishing shard."""
import hashlib
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Client, RespError, SHARD_WAIT, Shard, key_slot, main,  # noqa: E402
                     wait_until)

SHARD_A_ID = hashlib.sha1(b"peer-links-shard-a").hexdigest()
SHARD_B_ID = hashlib.sha1(b"peer-links-shard-b").hexdigest()
FAKE_NODE_ID = hashlib.sha1(b"peer-links-no-such-node").hexdigest()
# How long a node may take to learn another shard's leader: the announcement goes out
# at once and is repeated every 500 ms; generous for loaded machines and ASan.
LEARN_WAIT = SHARD_WAIT


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def as_map(v):
    """A CLUSTER LINKS entry: a map in RESP3, a flat array in RESP2."""
    if isinstance(v, dict):
        return {text(k): x for k, x in v.items()}
    return {text(v[i]): v[i + 1] for i in range(0, len(v), 2)}


def call(node, *args, password=None, timeout=5):
    with Client(node.port, timeout=timeout) as c:
        if password:
            c.call("AUTH", password)
        return c.call(*args)


def myid(node, password=None):
    return text(call(node, "CLUSTER", "MYID", password=password))


def topology_text(shards, epoch=1):
    """shards: [(shard id, "ranges", [(node id, raft id, port), ...]), ...]"""
    lines = ["redraft-topology 1", "epoch %d" % epoch]
    for sid, ranges, nodes in shards:
        lines.append("shard %s %s" % (sid, ranges))
        for nid, rid, port in nodes:
            lines.append("node %s %d 127.0.0.1 %d %d" % (nid, rid, port, port + 10000))
    return "\n".join(lines) + "\n"


def slot_master(node, slot, password=None):
    """(port, node id) CLUSTER SLOTS on node names as the master of slot, or None."""
    try:
        slots = call(node, "CLUSTER", "SLOTS", password=password, timeout=2)
    except (OSError, RespError):
        return None
    for r in slots:
        if r[0] <= slot <= r[1]:
            return (r[2][1], text(r[2][2]))
    return None


def links(node, password=None):
    return [as_map(l) for l in call(node, "CLUSTER", "LINKS", password=password)]


def peers(node, direction, password=None):
    return sorted(text(l["node"]) for l in links(node, password) if text(l["direction"]) == direction)


def bus_calls(node, sub):
    """How many CLUSTERBUS <sub> messages node received (INFO commandstats)."""
    for line in text(call(node, "INFO", "commandstats")).splitlines():
        if line.startswith("cmdstat_clusterbus|%s:calls=" % sub):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


class TwoShards(unittest.TestCase):
    """Two 3-node shards, a topology pushed to all six nodes."""
    ARGS_A = ()
    ARGS_B = ()
    SIZE = 3

    def setUp(self):
        # B's ports are picked once A listens, so the two shards never pick the same.
        self.shards = []
        try:
            self.a = Shard(self.SIZE, cluster=True, args=self.ARGS_A)
            self.shards.append(self.a)
            self.a.start(wait_leader=False)
            self.b = Shard(self.SIZE, cluster=True, args=self.ARGS_B)
            self.shards.append(self.b)
            self.b.start(wait_leader=False)
            self.start_shards()
        except BaseException:
            self.finish()
            raise

    def start_shards(self):
        self.a.leader()
        self.b.leader()
        self.ids = {n: myid(n) for s in self.shards for n in s.nodes}
        self.push_topology()

    def topology(self):
        return topology_text([
            (SHARD_A_ID, "0-8191", [(self.ids[n], n.raft_id, n.port) for n in self.a.nodes]),
            (SHARD_B_ID, "8192-16383", [(self.ids[n], n.raft_id, n.port) for n in self.b.nodes]),
        ])

    def push_topology(self, password=None):
        t = self.topology()
        for s in self.shards:
            for n in s.nodes:
                self.assertEqual(call(n, "CLUSTER", "SETTOPOLOGY", t, password=password), b"OK")

    def finish(self):
        msgs = []
        for s in self.shards:
            codes = s.stop_all()
            bad = {n.port: c for n, c in codes.items() if c not in (None, 0)}
            reports = s.sanitizer_reports()
            if bad or reports:
                msgs.append("nodes exited badly %s / sanitizer reports on %s:\n%s" % (
                    bad, [n.port for n in reports],
                    "\n".join("---- port %d:\n%s" % (n.port, n.output()[-6000:])
                              for n in s.nodes if n.port in bad or n in reports)))
            s.cleanup()
        return msgs

    def tearDown(self):
        msgs = self.finish()
        if msgs:
            raise AssertionError("\n".join(msgs))

    def wait_master(self, node, slot, expect, password=None, timeout=LEARN_WAIT):
        """Waits until node reports `expect` (a node) as master of slot."""
        want = (expect.port, self.ids[expect])
        if not wait_until(lambda: slot_master(node, slot, password) == want, timeout, 0.05):
            self.fail("port %d: master of slot %d is %s, expected %s\nA:\n%s\nB:\n%s" % (
                node.port, slot, slot_master(node, slot, password), want,
                self.a.describe(), self.b.describe()))


class LeaderAnnouncements(TwoShards):
    def test_other_shard_leader_change_is_seen(self):
        a_leader, b_leader = self.a.leader(), self.b.leader()
        watchers = [n for n in self.a.nodes]
        for n in watchers:
            self.wait_master(n, 10000, b_leader)
            self.wait_master(n, 0, a_leader)
        # B's leader dies: B elects another, which announces itself to A at once.
        self.b.kill(b_leader)
        new_b = self.b.leader(exclude=(b_leader,))
        self.assertIsNot(new_b, b_leader)
        for n in watchers:
            self.wait_master(n, 10000, new_b)
        # The other shard's view agrees everywhere: NODES flags the new leader master.
        for n in watchers:
            nodes = text(call(n, "CLUSTER", "NODES"))
            line = [l for l in nodes.splitlines() if l.startswith(self.ids[new_b])][0]
            self.assertIn("master", line.split(" ")[2].split(","))
        # ... and B's followers, which know it from Raft, too.
        for n in self.b.nodes:
            if n.alive():
                self.wait_master(n, 10000, new_b)

    def test_cluster_links_list_the_peers(self):
        n = self.a.nodes[0]
        others = sorted(self.ids[x] for s in self.shards for x in s.nodes if x is not n)
        # An outgoing link to every other node of the topology, both shards.
        self.assertTrue(wait_until(lambda: peers(n, "to") == others, LEARN_WAIT, 0.05), links(n))
        # Incoming links: at least the leaders, which announce themselves every 500 ms.
        leaders = {self.ids[self.b.leader()]}
        if self.a.leader() is not n:
            leaders.add(self.ids[self.a.leader()])
        self.assertTrue(wait_until(lambda: leaders <= set(peers(n, "from")), LEARN_WAIT, 0.05), links(n))
        now_ms = time.time() * 1000
        for resp3 in (False, True):
            with n.client() as c:
                if resp3:
                    c.call("HELLO", "3")
                raw = c.call("CLUSTER", "LINKS")
            for l in raw:
                self.assertIsInstance(l, dict if resp3 else list)
                keys = list(l) if resp3 else l[0::2]
                self.assertEqual(keys, [b"direction", b"node", b"create-time", b"events",
                                        b"send-buffer-allocated", b"send-buffer-used"])
                m = as_map(l)
                self.assertIn(m["direction"], (b"to", b"from"))
                self.assertIn(m["events"], (b"r", b"w", b"rw"))
                self.assertLessEqual(m["create-time"], now_ms + 60000)
                self.assertGreater(m["create-time"], now_ms - 600000)
                self.assertGreaterEqual(m["send-buffer-allocated"], m["send-buffer-used"])
        # CLUSTERBUS is not for clients: hidden from MONITOR, not in the Raft log.
        with n.client() as mon:
            mon.call("MONITOR")
            with n.client() as c:
                c.call("PING")
            # The leaders' announcements keep arriving; the monitor only sees our PING.
            time.sleep(1.2)
            with n.client() as c:
                c.call("ECHO", "done")
            seen = []
            while True:
                line = text(mon.read_reply())
                seen.append(line)
                if '"done"' in line:
                    break
        self.assertFalse([l for l in seen if "CLUSTERBUS" in l.upper()], seen)

    def test_unreachable_node_is_flagged_failed(self):
        """A node that cannot be reached over its peer link is shown "fail" in CLUSTER
        NODES and left out of CLUSTER SLOTS (as Redis leaves out failed replicas); back
        to normal once it returns."""
        b_follower = [n for n in self.b.nodes if n is not self.b.leader()][0]
        fid = self.ids[b_follower]
        watcher = self.a.nodes[0]

        def flags():
            for line in text(call(watcher, "CLUSTER", "NODES")).splitlines():
                f = line.split(" ")
                if f[0] == fid:
                    return f[2].split(","), f[7]
            return None

        def in_slots():
            return any(text(nd[2]) == fid for r in call(watcher, "CLUSTER", "SLOTS") for nd in r[2:])

        self.assertTrue(wait_until(lambda: flags() == (["slave"], "connected") and in_slots(), LEARN_WAIT, 0.05),
                        (flags(), in_slots()))
        self.b.kill(b_follower)
        self.assertTrue(wait_until(lambda: flags() == (["slave", "fail"], "disconnected") and not in_slots(),
                                   LEARN_WAIT, 0.05), (flags(), in_slots()))
        self.assertEqual(text(call(watcher, "CLUSTER", "INFO")).split("\r\n")[0], "cluster_state:ok")
        self.b.restart(b_follower)
        self.assertTrue(wait_until(lambda: flags() == (["slave"], "connected") and in_slots(), LEARN_WAIT, 0.05),
                        (flags(), in_slots()))

    def test_links_reconnect_after_restart(self):
        b_leader = self.b.leader()
        victim = [n for n in self.a.nodes if n is not self.a.leader()][0]
        self.assertTrue(wait_until(lambda: self.ids[b_leader] in peers(victim, "from"), LEARN_WAIT, 0.05),
                        links(victim))
        self.a.restart(victim)
        # The restarted node reconnects to everyone, and B's leader (whose link to it
        # broke) reconnects and announces again.
        others = sorted(self.ids[x] for s in self.shards for x in s.nodes if x is not victim)
        self.assertTrue(wait_until(lambda: peers(victim, "to") == others, LEARN_WAIT, 0.05), links(victim))
        self.assertTrue(wait_until(lambda: self.ids[b_leader] in peers(victim, "from"), LEARN_WAIT, 0.05),
                        links(victim))
        self.wait_master(victim, 10000, b_leader)

    def test_demoted_leader_keeps_peer_links(self):
        """A demoted leader closes its clients (they re-resolve the leader) but not the
        links its peers opened to it."""
        old, b_leader = self.a.leader(), self.b.leader()
        bid = self.ids[b_leader].encode()

        def from_b():
            return [l["create-time"] for l in links(old) if l["direction"] == b"from" and l["node"] == bid]
        self.assertTrue(wait_until(lambda: len(from_b()) == 1, LEARN_WAIT, 0.05), links(old))
        before = from_b()
        target = self.a.followers(old)[0]
        self.assertEqual(call(target, "CLUSTER", "FAILOVER", timeout=SHARD_WAIT), b"OK")
        self.assertTrue(wait_until(lambda: self.a.current_leader() is target, SHARD_WAIT, 0.05), self.a.describe())
        time.sleep(1.0)  # B's leader keeps announcing on the same connection
        self.assertEqual(from_b(), before)
        for n in self.b.nodes:
            self.wait_master(n, 0, target)

    def test_clusterbus_errors(self):
        n = self.a.nodes[0]
        with n.client() as c:
            with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'clusterbus\|leader' command$"):
                c.call("CLUSTERBUS", "LEADER", SHARD_B_ID)
            with self.assertRaisesRegex(RespError, r"^ERR unknown subcommand 'NOPE'\. Try CLUSTERBUS HELP\.$"):
                c.call("CLUSTERBUS", "NOPE")
            with self.assertRaisesRegex(RespError, "^ERR Invalid shard id$"):
                c.call("CLUSTERBUS", "LEADER", "xyz", self.ids[n], "1")
            with self.assertRaisesRegex(RespError, "^ERR Invalid node id$"):
                c.call("CLUSTERBUS", "LEADER", SHARD_B_ID, "xyz", "1")
            with self.assertRaisesRegex(RespError, "^ERR Invalid term$"):
                c.call("CLUSTERBUS", "LEADER", SHARD_B_ID, self.ids[self.b.nodes[0]], "-1")
            # Unknown shard, or a node that is not in that shard: accepted, ignored.
            self.assertEqual(c.call("CLUSTERBUS", "LEADER", FAKE_NODE_ID, self.ids[n], "1"), b"OK")
            b_leader = self.b.leader()
            self.wait_master(n, 10000, b_leader)
            self.assertEqual(c.call("CLUSTERBUS", "LEADER", SHARD_B_ID, self.ids[n], "999999"), b"OK")
            self.assertEqual(slot_master(n, 10000), (b_leader.port, self.ids[b_leader]))
            self.assertIsInstance(c.call("CLUSTERBUS", "HELP"), list)


class PeerAuth(TwoShards):
    """Shard A requires a password (its nodes use it as masterauth too); B's nodes have a
    wrong masterauth. The topology lists a node that does not exist first in B, so A
    shows it as B's master until an announcement from B's real leader gets through."""
    SIZE = 1
    ARGS_A = ("--requirepass", "s3cret", "--masterauth", "s3cret")
    ARGS_B = ("--masterauth", "wrong")

    def start_shards(self):
        self.ids = {self.a.nodes[0]: myid(self.a.nodes[0], "s3cret"), self.b.nodes[0]: myid(self.b.nodes[0])}
        t = topology_text([
            (SHARD_A_ID, "0-8191", [(self.ids[self.a.nodes[0]], 1, self.a.nodes[0].port)]),
            (SHARD_B_ID, "8192-16383", [(FAKE_NODE_ID, 7, 1), (self.ids[self.b.nodes[0]], 1, self.b.nodes[0].port)]),
        ])
        self.assertEqual(call(self.a.nodes[0], "CLUSTER", "SETTOPOLOGY", t, password="s3cret"), b"OK")
        self.assertEqual(call(self.b.nodes[0], "CLUSTER", "SETTOPOLOGY", t), b"OK")

    def test_wrong_masterauth_cannot_inject(self):
        a, b = self.a.nodes[0], self.b.nodes[0]
        # B leads its own one-node shard (it knows that from Raft).
        self.assertTrue(wait_until(lambda: slot_master(b, 10000) == (b.port, self.ids[b]), LEARN_WAIT, 0.05))
        # Without the password CLUSTERBUS is refused like any command.
        with a.client() as c:
            with self.assertRaisesRegex(RespError, "^NOAUTH Authentication required.$"):
                c.call("CLUSTERBUS", "LEADER", SHARD_B_ID, self.ids[b], "999")
            with self.assertRaisesRegex(RespError, "^NOAUTH Authentication required.$"):
                c.call("CLUSTERBUS", "PUBLISH", "ch", "forged")
        # B's announcements (wrong masterauth) never get through: A keeps the hint.
        time.sleep(2.0)
        self.assertEqual(slot_master(a, 10000, "s3cret"), (1, FAKE_NODE_ID))
        self.assertEqual(peers(a, "from", "s3cret"), [])
        # With the right password B's link authenticates on its next attempt.
        self.assertEqual(call(b, "CONFIG", "SET", "masterauth", "s3cret"), b"OK")
        self.wait_master(a, 10000, b, password="s3cret")
        self.assertEqual(peers(a, "from", "s3cret"), [self.ids[b]])


class PubSubFanOut(TwoShards):
    def test_publish_reaches_every_node(self):
        a_follower = self.a.followers()[0]
        b_node = self.b.followers()[0]
        subs = {}
        for n in [x for s in self.shards for x in s.nodes]:
            c = n.client()
            c.call("SUBSCRIBE", "news")
            subs[n] = c
        try:
            # Links up (every node has an outgoing link to every other one).
            for n in subs:
                others = sorted(self.ids[x] for x in subs if x is not n)
                self.assertTrue(wait_until(lambda: peers(n, "to") == others, LEARN_WAIT, 0.05), links(n))
            time.sleep(0.5)
            # PUBLISH on a follower of B: its own subscriber counts, every node delivers.
            self.assertEqual(call(b_node, "PUBLISH", "news", "hello"), 1)
            for n, c in subs.items():
                self.assertEqual(c.read_reply(), [b"message", b"news", b"hello"], "port %d" % n.port)
            self.assertEqual(call(a_follower, "PUBLISH", "news", "again"), 1)
            for n, c in subs.items():
                self.assertEqual(c.read_reply(), [b"message", b"news", b"again"], "port %d" % n.port)
        finally:
            for c in subs.values():
                c.close()

    def test_spublish_stays_in_the_shard(self):
        # A channel in shard A's slots.
        ch = next("sch%d" % i for i in range(1000) if key_slot("sch%d" % i) < 8192)
        a_leader = self.a.leader()
        a_nodes = self.a.nodes
        subs = {}
        for n in a_nodes:
            c = n.client()
            if n is not a_leader:
                c.call("READONLY")
            c.call("SSUBSCRIBE", ch)
            subs[n] = c
        # B's nodes watch every channel; the marker PUBLISH below must be the first thing
        # they hear (a PUBLISH after the SPUBLISH on the same links).
        b_subs = {}
        for n in self.b.nodes:
            c = n.client()
            c.call("PSUBSCRIBE", "*")
            b_subs[n] = c
        try:
            for n in a_nodes:
                others = sorted(self.ids[x] for s in self.shards for x in s.nodes if x is not n)
                self.assertTrue(wait_until(lambda: peers(n, "to") == others, LEARN_WAIT, 0.05), links(n))
            time.sleep(0.5)
            self.assertEqual(call(a_leader, "SPUBLISH", ch, "shard-only"), 1)
            for n, c in subs.items():
                self.assertEqual(c.read_reply(), [b"smessage", ch.encode(), b"shard-only"], "port %d" % n.port)
            # A marker PUBLISH from A's leader: B's nodes see it and nothing before it.
            self.assertEqual(call(a_leader, "PUBLISH", "marker", "m"), 0)
            for n, c in b_subs.items():
                self.assertEqual(c.read_reply(), [b"pmessage", b"*", b"marker", b"m"], "port %d" % n.port)
            # The links carried the SPUBLISH to A's other nodes only.
            for n in a_nodes:
                if n is not a_leader:
                    self.assertEqual(bus_calls(n, "spublish"), 1, "port %d" % n.port)
            for n in self.b.nodes:
                self.assertEqual(bus_calls(n, "spublish"), 0, "port %d" % n.port)
                self.assertEqual(bus_calls(n, "publish"), 1, "port %d" % n.port)
        finally:
            for c in list(subs.values()) + list(b_subs.values()):
                c.close()


if __name__ == "__main__":
    main()
