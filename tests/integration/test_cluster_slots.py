"""Raft shards as one Redis Cluster of 16384 hash slots: a topology pushed with CLUSTER
SETTOPOLOGY splits the slots between shards, and every node routes as Redis's
getNodeByQuery does (shared/notes/protocol-reference.md 2.2): -MOVED <slot> <host>:<port>
to the owning shard's master, -CROSSSLOT for keys in several slots (hash tags keep them
together), -CLUSTERDOWN Hash slot not served for a slot no shard owns, ASKING accepted;
CLUSTER SLOTS / SHARDS / NODES / INFO agree on every node in Redis's formats (2.3-2.6);
redis-cli -c reaches every slot through one entry node; a follower redirects to its
leader unless READONLY; and when a shard's leader dies its shard reports the new master
at once."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REDIS_CLI, RespError, SHARD_WAIT, Shard, key_slot, main,  # noqa: E402
                     wait_until)

HEX40 = re.compile(r"^[0-9a-f]{40}$")
SHARD_A = "a" * 40
SHARD_B = "b" * 40
INFO_FIELDS = ["cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_slots_pfail",
               "cluster_slots_fail", "cluster_known_nodes", "cluster_size", "cluster_current_epoch",
               "cluster_my_epoch", "cluster_stats_messages_sent", "cluster_stats_messages_received",
               "total_cluster_links_buffer_limit_exceeded"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def cluster_info(c):
    lines = text(c.call("CLUSTER", "INFO")).split("\r\n")
    assert lines[-1] == ""
    return [l.split(":", 1)[0] for l in lines[:-1]], dict(l.split(":", 1) for l in lines[:-1])


def key_in(lo, hi, prefix="k"):
    """A key whose slot is in lo..hi."""
    for i in range(100000):
        k = "%s%d" % (prefix, i)
        if lo <= key_slot(k) <= hi:
            return k
    raise AssertionError("no key in %d-%d" % (lo, hi))


def my_id(node):
    with node.client() as c:
        return text(c.call("CLUSTER", "MYID"))


def topology_text(epoch, shards):
    """shards: [(shard id, ranges text, [(node, node id), ...])]; the first node of each is
    the master hint."""
    lines = ["redraft-topology 1", "epoch %d" % epoch]
    for sid, ranges, nodes in shards:
        lines.append("shard %s %s" % (sid, ranges))
        for n, nid in nodes:
            lines.append("node %s %d 127.0.0.1 %d %d" % (nid, n.raft_id, n.port, n.bus_port))
    return "\n".join(lines) + "\n"


def push(nodes, topo):
    for n in nodes:
        with n.client() as c:
            self_ok = c.call("CLUSTER", "SETTOPOLOGY", topo)
            assert self_ok == b"OK", self_ok


def call_err(c, *args):
    """The error text of a command that must fail."""
    r = c.call(*args, raise_errors=False)
    assert isinstance(r, RespError), "%r answered %r" % (args, r)
    return str(r)


def normalized_nodes(nodes_text):
    """CLUSTER NODES lines without what legitimately differs between nodes (myself flag,
    ping/pong times), sorted."""
    out = []
    for line in nodes_text.splitlines():
        f = line.split(" ")
        flags = [x for x in f[2].split(",") if x != "myself"]
        out.append(" ".join([f[0], f[1], ",".join(flags), f[3], f[6], f[7]] + f[8:]))
    return sorted(out)


class ClusterTestBase(unittest.TestCase):
    """Shards started per test (self.shards), stopped and checked (exit code 0, no
    sanitizer report) after it, also when the set-up fails."""

    def start_shards(self, *sizes):
        self.shards = []
        self.addCleanup(self.stop_shards)  # runs even when setUp fails after this
        for size in sizes:
            self.shards.append(Shard(size, cluster=True).start())
        return self.shards

    def stop_shards(self):
        bad = []
        for sh in getattr(self, "shards", []):
            codes = sh.stop_all()
            bad += ["port %d exit %s" % (n.port, c) for n, c in codes.items() if c not in (None, 0)]
            bad += ["port %d sanitizer report:\n%s" % (n.port, n.output()[-4000:]) for n in sh.sanitizer_reports()]
            sh.cleanup()
        if bad:
            raise AssertionError("\n".join(bad))

    def all_nodes(self):
        return [n for sh in self.shards for n in sh.nodes if n.alive()]

    def views_agree(self, nodes):
        """CLUSTER SLOTS equal on every node; NODES equal up to myself/ping/pong; SHARDS equal
        up to replication offsets; INFO equal up to cluster_my_epoch (same here)."""
        slots, shards, lines, infos = [], [], [], []
        for n in nodes:
            with n.client() as c:
                c.call("HELLO", "3")
                slots.append(c.call("CLUSTER", "SLOTS"))
                sh = c.call("CLUSTER", "SHARDS")
                for s in sh:
                    for m in s[b"nodes"]:
                        m.pop(b"replication-offset", None)
                shards.append(sh)
                lines.append(normalized_nodes(text(c.call("CLUSTER", "NODES"))))
                infos.append(cluster_info(c)[1])
        return all(x == slots[0] for x in slots) and all(x == shards[0] for x in shards) and \
            all(x == lines[0] for x in lines) and all(x == infos[0] for x in infos), (slots, shards, lines, infos)


class TwoShards(ClusterTestBase):
    """Two one-node shards: A owns 0-8191, B 8192-16000; 16001-16383 are unassigned."""

    def setUp(self):
        self.a, self.b = [sh.nodes[0] for sh in self.start_shards(1, 1)]
        self.ida, self.idb = my_id(self.a), my_id(self.b)
        self.topo = topology_text(1, [(SHARD_A, "0-8191", [(self.a, self.ida)]),
                                      (SHARD_B, "8192-16000", [(self.b, self.idb)])])
        push([self.a, self.b], self.topo)

    def test_routing_errors(self):
        ka, kb, kn = key_in(0, 8191), key_in(8192, 16000), key_in(16001, 16383)
        ka2 = key_in(0, 8191, "x")
        self.assertNotEqual(key_slot(ka), key_slot(ka2))
        with self.a.client() as c, self.b.client() as d:
            # the owner serves; the other shard's node redirects to it
            self.assertEqual(c.call("SET", ka, "1"), b"OK")
            self.assertEqual(d.call("SET", kb, "2"), b"OK")
            self.assertEqual(call_err(d, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.a.port))
            self.assertEqual(call_err(c, "SET", kb, "x"), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
            self.assertEqual(call_err(c, "INCR", kb), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
            self.assertEqual(c.call("GET", ka), b"1")
            self.assertEqual(d.call("GET", kb), b"2")
            # several slots: CROSSSLOT, even when every key is local, before any MOVED
            cross = "CROSSSLOT Keys in request don't hash to the same slot"
            for args in (("MSET", ka, "1", ka2, "2"), ("MGET", ka, ka2), ("DEL", ka, ka2),
                         ("MSET", kb, "1", ka, "2"), ("MGET", kb, ka), ("DEL", kb, ka),
                         ("RENAME", ka, kb), ("EXISTS", ka, ka, ka2)):
                self.assertEqual(call_err(c, *args), cross, args)
                self.assertEqual(call_err(d, *args), cross, args)
            # hash tags keep a multi-key command on one slot
            tag = "{%s}" % ka
            self.assertEqual(c.call("MSET", tag + "1", "a", tag + "2", "b"), b"OK")
            self.assertEqual(c.call("MGET", tag + "1", tag + "2", ka), [b"a", b"b", b"1"])
            self.assertEqual(c.call("DEL", tag + "1", tag + "2", tag + "1"), 2)
            self.assertEqual(call_err(d, "MGET", tag + "1", tag + "2"),
                             "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.a.port))
            # a slot nobody owns, also as the first of several keys (Redis checks it first)
            for x in (c, d):
                self.assertEqual(call_err(x, "GET", kn), "CLUSTERDOWN Hash slot not served")
                self.assertEqual(call_err(x, "MSET", kn, "1", ka, "2"), "CLUSTERDOWN Hash slot not served")
            self.assertEqual(call_err(c, "MSET", ka, "1", kn, "2"), cross)
            # commands without keys run anywhere
            self.assertEqual(c.call("DBSIZE"), 1)
            self.assertEqual(d.call("DBSIZE"), 1)
            self.assertEqual(d.call("PING"), b"PONG")
            # ASKING: +OK; with no slot being imported it changes nothing, and lasts one command
            self.assertEqual(d.call("ASKING"), b"OK")
            self.assertEqual(call_err(d, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.a.port))
            self.assertEqual(d.call("ASKING"), b"OK")
            self.assertEqual(d.call("GET", kb), b"2")
            self.assertEqual(call_err(d, "ASKING", "x"), "ERR wrong number of arguments for 'asking' command")
            # only db 0
            self.assertEqual(call_err(c, "SELECT", "1"), "ERR SELECT is not allowed in cluster mode")
            # redirections are errors in the stats, as Redis counts them
            st = text(d.call("INFO", "errorstats"))
            self.assertIn("errorstat_MOVED:count=", st)
            self.assertIn("errorstat_CROSSSLOT:count=", st)

    def test_cluster_views(self):
        nodes = [self.a, self.b]
        ok, detail = self.views_agree(nodes)
        self.assertTrue(ok, detail)
        for n in nodes:
            with n.client() as c:
                me = self.ida if n is self.a else self.idb
                self.assertEqual(c.call("CLUSTER", "SLOTS"),
                                 [[0, 8191, [b"127.0.0.1", self.a.port, self.ida.encode(), []]],
                                  [8192, 16000, [b"127.0.0.1", self.b.port, self.idb.encode(), []]]])
                self.assertEqual(text(c.call("CLUSTER", "MYSHARDID")), SHARD_A if n is self.a else SHARD_B)
                self.assertEqual(text(c.call("CLUSTER", "MYID")), me)
                keys, info = cluster_info(c)
                self.assertEqual(keys, INFO_FIELDS)
                self.assertEqual(info["cluster_state"], "fail")  # 383 slots unassigned
                self.assertEqual(info["cluster_slots_assigned"], "16001")
                self.assertEqual(info["cluster_slots_ok"], "16001")
                self.assertEqual(info["cluster_slots_fail"], "0")
                self.assertEqual(info["cluster_known_nodes"], "2")
                self.assertEqual(info["cluster_size"], "2")
                self.assertEqual(info["cluster_current_epoch"], "1")
                self.assertEqual(info["cluster_my_epoch"], "1")
                nodes_text = text(c.call("CLUSTER", "NODES"))
                self.assertTrue(nodes_text.endswith("\n"))
                lines = {l.split(" ")[0]: l.split(" ") for l in nodes_text[:-1].split("\n")}
                self.assertEqual(set(lines), {self.ida, self.idb})
                for nid, port, rng in ((self.ida, self.a.port, "0-8191"), (self.idb, self.b.port, "8192-16000")):
                    f = lines[nid]
                    self.assertEqual(f[1], "127.0.0.1:%d@%d" % (port, port + 10000))
                    self.assertEqual(f[2], "myself,master" if nid == me else "master")
                    self.assertEqual(f[3], "-")
                    if nid == me:
                        self.assertEqual(f[4:6], ["0", "0"])
                    self.assertEqual(f[6:], ["1", "connected", rng])
                # SHARDS (RESP3 maps; RESP2 renders them as flat arrays)
                self.assertEqual(c.call("CLUSTER", "SHARDS")[0][:2], [b"slots", [0, 8191]])
                c.call("HELLO", "3")
                shards = c.call("CLUSTER", "SHARDS")
                self.assertEqual([s[b"slots"] for s in shards], [[0, 8191], [8192, 16000]])
                for s, (nid, port) in zip(shards, ((self.ida, self.a.port), (self.idb, self.b.port))):
                    self.assertEqual(list(s), [b"slots", b"nodes"])
                    self.assertEqual(len(s[b"nodes"]), 1)
                    m = s[b"nodes"][0]
                    self.assertEqual(list(m), [b"id", b"port", b"ip", b"endpoint", b"role", b"replication-offset",
                                               b"health"])
                    self.assertEqual((m[b"id"], m[b"port"], m[b"ip"], m[b"endpoint"], m[b"role"], m[b"health"]),
                                     (nid.encode(), port, b"127.0.0.1", b"127.0.0.1", b"master", b"online"))
                # RESP3: metadata maps, verbatim NODES
                self.assertEqual(c.call("CLUSTER", "SLOTS")[1][2][3], {})
                self.assertEqual(c.call("CLUSTER", "NODES").fmt, "txt")
                self.assertEqual(c.call("CLUSTER", "REPLICAS", self.idb), [])

    def test_full_coverage_and_redis_cli(self):
        # a newer epoch gives B the rest: every slot served, state ok everywhere
        topo = topology_text(2, [(SHARD_A, "0-8191", [(self.a, self.ida)]),
                                 (SHARD_B, "8192-16383", [(self.b, self.idb)])])
        push([self.a, self.b], topo)
        for n in (self.a, self.b):
            with n.client() as c:
                info = cluster_info(c)[1]
                self.assertEqual((info["cluster_state"], info["cluster_slots_ok"], info["cluster_current_epoch"]),
                                 ("ok", "16384", "2"))
        ok, detail = self.views_agree([self.a, self.b])
        self.assertTrue(ok, detail)
        if not REDIS_CLI:
            self.skipTest("redis-cli not installed")
        keys = ["cli:%d" % i for i in range(300)]
        self.assertTrue({key_slot(k) <= 8191 for k in keys} == {True, False})
        script = "".join("SET %s v%d\n" % (k, i) for i, k in enumerate(keys))
        script += "".join("GET %s\n" % k for k in keys)
        r = subprocess.run([REDIS_CLI, "-c", "-p", str(self.a.port)], input=script.encode(),
                           capture_output=True, timeout=120)
        # redis-cli -c notes each redirection it followed on stdout
        lines = r.stdout.decode().split("\n")
        out = [l for l in lines if not l.startswith("-> Redirected to slot")]
        self.assertGreater(len(lines) - len(out), 10)
        self.assertEqual(out[:len(keys)], ["OK"] * len(keys), r.stderr.decode()[:2000])
        self.assertEqual(out[len(keys):2 * len(keys)], ["v%d" % i for i in range(len(keys))])
        # each key lives on its slot's owner only
        with self.a.client() as c, self.b.client() as d:
            for i, k in enumerate(keys):
                owner, other = (c, d) if key_slot(k) <= 8191 else (d, c)
                self.assertEqual(owner.call("GET", k), b"v%d" % i)
                self.assertTrue(call_err(other, "GET", k).startswith("MOVED %d " % key_slot(k)))
            self.assertEqual(c.call("DBSIZE") + d.call("DBSIZE"), len(keys))

    def test_sharded_pubsub(self):
        ch = key_in(4096, 8191, "ch")      # A's now, B's after the next push
        ch_b = key_in(8192, 16000, "ch")
        with self.a.client() as sub, self.a.client() as c, self.b.client() as d:
            # a shard channel of another shard's slot: MOVED; several slots: CROSSSLOT
            self.assertEqual(call_err(c, "SSUBSCRIBE", ch_b), "MOVED %d 127.0.0.1:%d" % (key_slot(ch_b), self.b.port))
            self.assertEqual(call_err(c, "SPUBLISH", ch_b, "m"),
                             "MOVED %d 127.0.0.1:%d" % (key_slot(ch_b), self.b.port))
            self.assertEqual(call_err(c, "SSUBSCRIBE", ch, ch_b),
                             "CROSSSLOT Keys in request don't hash to the same slot")
            self.assertEqual(sub.call("SSUBSCRIBE", ch), [b"ssubscribe", ch.encode(), 1])
            self.assertEqual(c.call("SPUBLISH", ch, "hello"), 1)
            self.assertEqual(sub.read_reply(), [b"smessage", ch.encode(), b"hello"])
            # the slot moves to B: its subscribers are told they are unsubscribed, and the
            # channel now belongs to B
            topo = topology_text(2, [(SHARD_A, "0-4095", [(self.a, self.ida)]),
                                     (SHARD_B, "4096-16000", [(self.b, self.idb)])])
            push([self.a, self.b], topo)
            self.assertEqual(sub.read_reply(), [b"sunsubscribe", ch.encode(), 0])
            self.assertEqual(call_err(c, "SPUBLISH", ch, "m"), "MOVED %d 127.0.0.1:%d" % (key_slot(ch), self.b.port))
            self.assertEqual(d.call("SPUBLISH", ch, "m"), 0)

    def test_restart_keeps_the_topology(self):
        ka, kb = key_in(0, 8191), key_in(8192, 16000)
        with self.a.client() as c:
            self.assertEqual(c.call("SET", ka, "1"), b"OK")
        sh = self.shards[0]
        self.assertEqual(self.a.stop(), 0)
        sh.restart(self.a)
        sh.leader()
        with self.a.client() as c:
            # loaded from the data dir before Raft gave the node its id: routed all the same
            self.assertEqual(c.call("GET", ka), b"1")
            self.assertEqual(call_err(c, "GET", kb), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
            self.assertEqual(text(c.call("CLUSTER", "MYSHARDID")), SHARD_A)
            self.assertEqual(cluster_info(c)[1]["cluster_current_epoch"], "1")

    def test_node_outside_the_topology(self):
        sc = Shard(1, cluster=True)
        self.shards.append(sc)  # stopped by the cleanup even if it fails to start
        sc.start()
        c_node = sc.nodes[0]
        idc = my_id(c_node)
        with c_node.client() as c:
            derived = text(c.call("CLUSTER", "MYSHARDID"))
            self.assertEqual(c.call("CLUSTER", "SETTOPOLOGY", self.topo), b"OK")
            ka = key_in(0, 8191)
            # it owns nothing: every slot is somebody else's
            self.assertEqual(call_err(c, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.a.port))
            info = cluster_info(c)[1]
            self.assertEqual((info["cluster_state"], info["cluster_known_nodes"], info["cluster_size"]),
                             ("fail", "3", "2"))
            lines = {l.split(" ")[0]: l.split(" ") for l in text(c.call("CLUSTER", "NODES")).splitlines()}
            self.assertEqual(set(lines), {self.ida, self.idb, idc})
            self.assertEqual(lines[idc][2], "myself,master")
            self.assertEqual(len(lines[idc]), 8)  # no slots
            self.assertEqual(text(c.call("CLUSTER", "MYID")), idc)
            self.assertEqual(text(c.call("CLUSTER", "MYSHARDID")), derived)
            self.assertEqual(len(c.call("CLUSTER", "SLOTS")), 2)

    def test_topology_push_errors_keep_routing(self):
        with self.a.client() as c:
            # a stale epoch is refused; routing keeps the current topology
            stale = topology_text(1, [(SHARD_A, "0-16383", [(self.a, self.ida)])])
            self.assertTrue(call_err(c, "CLUSTER", "SETTOPOLOGY", stale).startswith("ERR stale topology"))
            kb = key_in(8192, 16000)
            self.assertEqual(call_err(c, "GET", kb), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
            # the same push again is fine
            self.assertEqual(c.call("CLUSTER", "SETTOPOLOGY", self.topo), b"OK")


class ShardWithReplicas(ClusterTestBase):
    """A three-node shard A owning 0-8191 and a one-node shard B owning 8192-16383."""

    def setUp(self):
        self.sa, self.sb = self.start_shards(3, 1)
        self.leader = self.sa.leader()
        for f in self.sa.followers(self.leader):
            self.sa.wait_follows(f, self.leader)
        self.b = self.sb.nodes[0]
        self.ids = {n: my_id(n) for n in self.all_nodes()}
        order = [self.leader] + self.sa.followers(self.leader)
        self.topo = topology_text(1, [(SHARD_A, "0-8191", [(n, self.ids[n]) for n in order]),
                                      (SHARD_B, "8192-16383", [(self.b, self.ids[self.b])])])
        push(self.all_nodes(), self.topo)

    def slots_view(self, node):
        """{range: (master port, sorted replica ports)} from node's CLUSTER SLOTS."""
        with node.client(timeout=5) as c:
            slots = c.call("CLUSTER", "SLOTS")
        return {(r[0], r[1]): (r[2][1], sorted(x[1] for x in r[3:])) for r in slots}

    def test_followers_and_views(self):
        ka, kb = key_in(0, 8191), key_in(8192, 16383)
        with self.leader.client() as c:
            self.assertEqual(c.call("SET", ka, "va"), b"OK")
            self.assertEqual(call_err(c, "GET", kb), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
        # every node: A's leader master with both followers, B master alone
        followers = sorted(f.port for f in self.sa.followers(self.leader))
        want = {(0, 8191): (self.leader.port, followers), (8192, 16383): (self.b.port, [])}
        self.assertTrue(wait_until(lambda: all(self.slots_view(n) == want for n in self.all_nodes()), SHARD_WAIT,
                                   0.05), {n.port: self.slots_view(n) for n in self.all_nodes()})
        # and the four views are identical (replicas in the same order, same epochs)
        self.assertTrue(wait_until(lambda: self.views_agree(self.all_nodes())[0], SHARD_WAIT, 0.05),
                        self.views_agree(self.all_nodes())[1])
        for n in self.all_nodes():
            with n.client() as c:
                c.call("HELLO", "3")
                info = cluster_info(c)[1]
                self.assertEqual((info["cluster_state"], info["cluster_known_nodes"], info["cluster_size"]),
                                 ("ok", "4", "2"), n.port)
                lines = {l.split(" ")[0]: l.split(" ") for l in text(c.call("CLUSTER", "NODES")).splitlines()}
                self.assertEqual(set(lines), set(self.ids.values()))
                for f in self.sa.followers(self.leader):
                    fl = lines[self.ids[f]]
                    self.assertIn("slave", fl[2].split(","))
                    self.assertEqual(fl[3], self.ids[self.leader])
                    self.assertEqual(len(fl), 8)
                self.assertEqual(lines[self.ids[self.leader]][8:], ["0-8191"])
                shards = c.call("CLUSTER", "SHARDS")
                roles = sorted((m[b"port"], m[b"role"]) for m in shards[0][b"nodes"])
                self.assertEqual(roles, sorted([(self.leader.port, b"master")] +
                                               [(p, b"replica") for p in followers]))
                self.assertEqual(text(c.call("CLUSTER", "MYSHARDID")), SHARD_B if n is self.b else SHARD_A)
                self.assertEqual(sorted(text(x).split(" ")[0] for x in c.call("CLUSTER", "REPLICAS",
                                                                             self.ids[self.leader])),
                                 sorted(self.ids[f] for f in self.sa.followers(self.leader)))
        # a follower: MOVED to its leader, READONLY serves reads, writes still MOVED, and
        # a slot of the other shard is MOVED there whatever READONLY says
        f = self.sa.followers(self.leader)[0]
        with f.client() as c:
            self.assertEqual(call_err(c, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.leader.port))
            self.assertEqual(c.call("READONLY"), b"OK")
            self.assertTrue(wait_until(lambda: c.call("GET", ka) == b"va", SHARD_WAIT, 0.05))
            self.assertEqual(call_err(c, "SET", ka, "x"), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.leader.port))
            self.assertEqual(call_err(c, "GET", kb), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
            self.assertEqual(call_err(c, "MGET", ka, kb), "CROSSSLOT Keys in request don't hash to the same slot")
            # a write without keys: -READONLY, as on a Redis replica
            self.assertEqual(call_err(c, "FLUSHALL"), "READONLY You can't write against a read only replica.")
            self.assertEqual(c.call("READWRITE"), b"OK")
            self.assertEqual(call_err(c, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), self.leader.port))
        # sharded pub/sub is served by a follower of the slot's shard, READONLY or not
        with f.client() as sub, self.leader.client() as c:
            self.assertEqual(sub.call("SSUBSCRIBE", ka), [b"ssubscribe", ka.encode(), 1])
            self.assertEqual(call_err(c, "SSUBSCRIBE", kb), "MOVED %d 127.0.0.1:%d" % (key_slot(kb), self.b.port))
            c.call("SPUBLISH", ka, "to-the-shard")  # delivered to the shard's other members too
            self.assertEqual(sub.read_reply(), [b"smessage", ka.encode(), b"to-the-shard"])

    def test_leader_killed(self):
        ka = key_in(0, 8191)
        old = self.leader
        self.sa.kill(old)
        new = self.sa.leader(exclude=(old,))
        self.assertIsNot(new, old)
        survivors = [n for n in self.sa.nodes if n.alive()]

        def own_shard_reports_new():
            for n in survivors:
                view = self.slots_view(n)
                if view.get((0, 8191), (None,))[0] != new.port:
                    return False
                with n.client(timeout=5) as c:
                    lines = text(c.call("CLUSTER", "NODES")).splitlines()
                masters = [l.split(" ")[0] for l in lines if "master" in l.split(" ")[2].split(",")
                           and len(l.split(" ")) > 8 and l.split(" ")[8] == "0-8191"]
                if masters != [self.ids[new]]:
                    return False
            return True
        # "at once": as soon as the shard has elected its leader (no topology push needed)
        self.assertTrue(wait_until(own_shard_reports_new, 5, 0.05),
                        {n.port: self.slots_view(n) for n in survivors})
        other = [n for n in survivors if n is not new][0]
        with other.client() as c:
            self.assertEqual(call_err(c, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), new.port))
        with new.client() as c:
            self.assertEqual(c.call("SET", ka, "after"), b"OK")
        # the other shard learns it from the new leader's announcements (peer links)
        self.assertTrue(wait_until(lambda: self.slots_view(self.b).get((0, 8191), (None,))[0] == new.port,
                                   SHARD_WAIT, 0.1), self.slots_view(self.b))
        with self.b.client() as c:
            self.assertEqual(call_err(c, "GET", ka), "MOVED %d 127.0.0.1:%d" % (key_slot(ka), new.port))


if __name__ == "__main__":
    main()
