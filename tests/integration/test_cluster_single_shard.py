"""`cluster-enabled yes` with one Raft shard that owns all 16384 slots: CLUSTER SLOTS,
SHARDS, NODES, INFO, MYID, MYSHARDID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, LINKS,
REPLICAS, FAILOVER and HELP in Redis 7.2's formats (shared/notes/protocol-reference.md
2.3-2.7), the leader as master and the followers as its replicas, every node reporting a
new leader after the old one is killed or a follower takes over with CLUSTER FAILOVER,
and ioredis's Cluster client using the shard."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (RespError, SHARD_WAIT, ShardTestCase, key_slot, main,  # noqa: E402
                     wait_until)

CLIENTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
CLUSTER_INFO_FIELDS = ["cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_slots_pfail",
                       "cluster_slots_fail", "cluster_known_nodes", "cluster_size", "cluster_current_epoch",
                       "cluster_my_epoch", "cluster_stats_messages_sent", "cluster_stats_messages_received",
                       "total_cluster_links_buffer_limit_exceeded"]

IOREDIS_SCRIPT = r"""
const Redis = require("ioredis");
const port = Number(process.argv[2]);
const cluster = new Redis.Cluster([{host: "127.0.0.1", port}], {redisOptions: {connectTimeout: 2000}});
(async () => {
  const out = {};
  try {
    for (let i = 0; i < 50; i++) await cluster.set("io:" + i, String(i));
    out.get = [];
    for (let i = 0; i < 50; i += 7) out.get.push(await cluster.get("io:" + i));
    out.incr = await cluster.incr("io:{tag}:n");
    out.mget = await cluster.mget("io:{tag}:a", "io:{tag}:n");
    out.nodes = cluster.nodes("master").map(n => n.options.port);
  } catch (e) { out.error = String(e && e.stack || e); }
  cluster.disconnect();
  process.stdout.write(JSON.stringify(out));
})();
"""


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def cluster_info(c):
    lines = text(c.call("CLUSTER", "INFO")).split("\r\n")
    assert lines[-1] == ""
    return [l.split(":", 1)[0] for l in lines[:-1]], dict(l.split(":", 1) for l in lines[:-1])


def node_ids(shard):
    ids = {}
    for n in shard.nodes:
        if n.alive():
            with n.client() as c:
                ids[n] = text(c.call("CLUSTER", "MYID"))
    return ids


class ClusterSingleShard(ShardTestCase):
    SHARD_CLUSTER = True

    def converged(self, leader, expect_replicas=2):
        """Every live node's CLUSTER SLOTS names the leader as master with the expected
        number of replicas, and CLUSTER INFO says ok."""
        def ok():
            for n in self.shard.nodes:
                if not n.responsive():
                    continue
                try:
                    with n.client(timeout=2) as c:
                        slots = c.call("CLUSTER", "SLOTS")
                        st = cluster_info(c)[1]["cluster_state"]
                except (OSError, RespError):
                    return False
                if st != "ok" or len(slots) != 1 or slots[0][2][1] != leader.port \
                        or len(slots[0]) != 3 + expect_replicas:
                    return False
            return True
        self.assertTrue(wait_until(ok, SHARD_WAIT, 0.05), self.shard.describe())

    def test_topology_formats(self):
        leader = self.shard.leader()
        self.converged(leader)
        ids = node_ids(self.shard)
        for i in ids.values():
            self.assertRegex(i, HEX40)
        self.assertEqual(len(set(ids.values())), 3)
        shard_ids = set()
        for n in self.shard.nodes:
            with n.client() as c:
                # SLOTS: [0, 16383, master, replicas...], each node [host, port, id, {}]
                slots = c.call("CLUSTER", "SLOTS")
                self.assertEqual(slots[0][:2], [0, 16383])
                self.assertEqual(slots[0][2], [b"127.0.0.1", leader.port, ids[leader].encode(), []])
                reps = {(r[1], r[2].decode()) for r in slots[0][3:]}
                self.assertEqual(reps, {(f.port, ids[f]) for f in self.shard.followers(leader)})
                for r in slots[0][3:]:
                    self.assertEqual(len(r), 4)
                    self.assertEqual(r[3], [])
                # RESP3: metadata is an empty map
                c.call("HELLO", "3")
                self.assertEqual(c.call("CLUSTER", "SLOTS")[0][2][3], {})
                # NODES: verbatim in RESP3, one line per node ending in \n
                nodes = c.call("CLUSTER", "NODES")
                self.assertEqual(nodes.fmt, "txt")
                self.assertTrue(nodes.endswith("\n"))
                lines = nodes[:-1].split("\n")
                self.assertEqual(len(lines), 3)
                seen = {}
                for line in lines:
                    f = line.split(" ")
                    seen[f[0]] = f
                    self.assertRegex(f[1], r"^127\.0\.0\.1:\d+@\d+$")
                    port, bus = f[1].split(":")[1].split("@")
                    self.assertEqual(int(bus), int(port) + 10000)
                    self.assertEqual(f[7], "connected")
                    self.assertEqual(f[6], cluster_info(c)[1]["cluster_current_epoch"])
                    flags = f[2].split(",")
                    if f[0] == ids[n]:
                        self.assertEqual(flags[0], "myself")
                        self.assertEqual(f[4:6], ["0", "0"])
                    if f[0] == ids[leader]:
                        self.assertIn("master", flags)
                        self.assertEqual(f[3], "-")
                        self.assertEqual(f[8:], ["0-16383"])
                    else:
                        self.assertIn("slave", flags)
                        self.assertEqual(f[3], ids[leader])
                        self.assertEqual(len(f), 8)
                self.assertEqual(set(seen), set(ids.values()))
                # SHARDS: one shard, slots [0, 16383], three node maps
                shards = c.call("CLUSTER", "SHARDS")
                self.assertEqual(len(shards), 1)
                self.assertEqual(list(shards[0]), [b"slots", b"nodes"])
                self.assertEqual(shards[0][b"slots"], [0, 16383])
                roles = {}
                for m in shards[0][b"nodes"]:
                    self.assertEqual(list(m), [b"id", b"port", b"ip", b"endpoint", b"role",
                                               b"replication-offset", b"health"])
                    self.assertEqual(m[b"health"], b"online")
                    self.assertGreater(m[b"replication-offset"], 0)
                    roles[m[b"id"].decode()] = (m[b"port"], m[b"role"])
                self.assertEqual(roles, {ids[x]: (x.port, b"master" if x is leader else b"replica")
                                         for x in self.shard.nodes})
                shard_ids.add(text(c.call("CLUSTER", "MYSHARDID")))
                # INFO: the fields in Redis's order
                keys, d = cluster_info(c)
                self.assertEqual(keys, CLUSTER_INFO_FIELDS)
                self.assertEqual(d["cluster_state"], "ok")
                self.assertEqual(d["cluster_slots_assigned"], "16384")
                self.assertEqual(d["cluster_slots_ok"], "16384")
                self.assertEqual(d["cluster_known_nodes"], "3")
                self.assertEqual(d["cluster_size"], "1")
                self.assertEqual(d["cluster_current_epoch"], d["cluster_my_epoch"])
                # MYID = INFO raft's node id; LINKS: the peer links (node/peer_links.h), an
                # outgoing one to each other member, as Redis 7's maps
                raft = text(c.call("INFO", "raft"))
                self.assertIn("raft_node_id:%s\r\n" % ids[n], raft)
                others = sorted(ids[x] for x in self.shard.nodes if x is not n)
                self.assertTrue(wait_until(lambda: sorted(
                    l[b"node"].decode() for l in c.call("CLUSTER", "LINKS") if l[b"direction"] == b"to") == others,
                    SHARD_WAIT, 0.05), c.call("CLUSTER", "LINKS"))
                for l in c.call("CLUSTER", "LINKS"):
                    self.assertEqual(list(l), [b"direction", b"node", b"create-time", b"events",
                                               b"send-buffer-allocated", b"send-buffer-used"])
                # REPLICAS of the leader: the followers' NODES lines; of a replica: error
                reps = c.call("CLUSTER", "REPLICAS", ids[leader])
                self.assertEqual(sorted(r.split(" ")[0] for r in map(text, reps)),
                                 sorted(ids[f] for f in self.shard.followers(leader)))
                with self.assertRaisesRegex(RespError, "^ERR The specified node is not a master$"):
                    c.call("CLUSTER", "SLAVES", ids[self.shard.followers(leader)[0]])
                with self.assertRaisesRegex(RespError, "^ERR Unknown node nosuchnode$"):
                    c.call("CLUSTER", "REPLICAS", "nosuchnode")
                # server info and HELLO know the mode
                self.assertIn("redis_mode:cluster\r\n", text(c.call("INFO", "server")))
                self.assertIn("cluster_enabled:1\r\n", text(c.call("INFO", "cluster")))
                hello = c.call("HELLO", "3")
                self.assertEqual(hello[b"mode"], b"cluster")
                self.assertEqual(hello[b"role"], b"master" if n is leader else b"replica")
        self.assertEqual(len(shard_ids), 1)
        self.assertRegex(shard_ids.pop(), HEX40)

    def test_keyslot_and_keys_in_slot(self):
        leader = self.shard.leader()
        with leader.client() as c:
            for k, slot in (("foo", 12182), ("bar", 5061), ("", 0), ("{user1000}.following", 3443),
                            ("foo{}{bar}", 8363), ("foo{{bar}}zap", 4015), ("foo{bar}{zap}", 5061)):
                self.assertEqual(c.call("CLUSTER", "KEYSLOT", k), slot, k)
            keys = ["{t}:%d" % i for i in range(5)] + ["other"]
            for k in keys:
                c.call("SET", k, "v")
            slot = key_slot("{t}")
            self.assertEqual(c.call("CLUSTER", "COUNTKEYSINSLOT", slot), 5)
            self.assertEqual(c.call("CLUSTER", "COUNTKEYSINSLOT", key_slot("nothing-here-x")), 0)
            got = c.call("CLUSTER", "GETKEYSINSLOT", slot, 3)
            self.assertEqual(len(got), 3)
            self.assertTrue(set(got) <= {k.encode() for k in keys[:5]})
            self.assertEqual(sorted(c.call("CLUSTER", "GETKEYSINSLOT", slot, 100)),
                             sorted(k.encode() for k in keys[:5]))
            self.assertEqual(c.call("CLUSTER", "GETKEYSINSLOT", slot, 0), [])
            for args, err in ((("COUNTKEYSINSLOT", "-1"), "ERR Invalid slot"),
                              (("COUNTKEYSINSLOT", "16384"), "ERR Invalid slot"),
                              (("COUNTKEYSINSLOT", "x"), "ERR value is not an integer or out of range"),
                              (("GETKEYSINSLOT", "16384", "1"), "ERR Invalid slot or number of keys"),
                              (("GETKEYSINSLOT", "1", "-1"), "ERR Invalid slot or number of keys"),
                              (("GETKEYSINSLOT", "x", "1"), "ERR value is not an integer or out of range"),
                              (("KEYSLOT",), "ERR wrong number of arguments for 'cluster|keyslot' command"),
                              (("MYID", "x"), "ERR wrong number of arguments for 'cluster|myid' command"),
                              (("FOO",), "ERR unknown subcommand 'FOO'. Try CLUSTER HELP."),
                              (("FAILOVER", "BAD"), "ERR syntax error"),
                              (("FAILOVER",), "ERR You should send CLUSTER FAILOVER to a replica")):
                with self.assertRaises(RespError, msg=args) as e:
                    c.call("CLUSTER", *args)
                self.assertEqual(str(e.exception), err, args)
            help_ = c.call("CLUSTER", "HELP")
            self.assertTrue(help_[0].startswith(b"CLUSTER <subcommand>"))
            self.assertEqual(help_[-2:], [b"HELP", b"    Prints this help."])
            # only db 0 in cluster mode
            with self.assertRaisesRegex(RespError, "^ERR SELECT is not allowed in cluster mode$"):
                c.call("SELECT", "1")
            self.assertEqual(c.call("SELECT", "0"), b"OK")

    def test_readonly_on_a_follower(self):
        leader = self.shard.leader()
        with leader.client() as c:
            c.call("SET", "foo", "bar")
        f = self.shard.followers(leader)[0]
        with f.client() as c:
            with self.assertRaisesRegex(RespError, "^MOVED 12182 127.0.0.1:%d$" % leader.port):
                c.call("GET", "foo")
            self.assertEqual(c.call("READONLY"), b"OK")
            self.assertTrue(wait_until(lambda: c.call("GET", "foo") == b"bar", SHARD_WAIT, 0.05))
            with self.assertRaisesRegex(RespError, "^MOVED 12182 "):
                c.call("SET", "foo", "x")
            self.assertEqual(c.call("READWRITE"), b"OK")
            with self.assertRaisesRegex(RespError, "^MOVED 12182 "):
                c.call("GET", "foo")

    def test_failover_and_leader_kill(self):
        leader = self.shard.leader()
        self.converged(leader)
        with leader.client() as c:
            c.call("SET", "k", "1")
        ids = node_ids(self.shard)
        # CLUSTER FAILOVER on a follower: it becomes the leader, answers OK when it is
        target = self.shard.followers(leader)[0]
        with target.client(timeout=SHARD_WAIT) as c:
            self.assertEqual(c.call("CLUSTER", "FAILOVER"), b"OK")
        new = self.shard.leader()
        self.assertIs(new, target)
        self.converged(new)
        with new.client() as c:
            self.assertEqual(c.call("GET", "k"), b"1")
            epoch_before = int(cluster_info(c)[1]["cluster_current_epoch"])
        # kill -9 the leader: every survivor reports the new one, its old self as a
        # failed-over member stays listed as a replica only when it comes back
        self.shard.kill(new)
        newer = self.shard.leader(exclude=(new,))
        self.assertIsNot(newer, new)

        def reports_newer():
            for n in self.shard.nodes:
                if not n.alive():
                    continue
                with n.client(timeout=2) as c:
                    slots = c.call("CLUSTER", "SLOTS")
                    nodes = text(c.call("CLUSTER", "NODES"))
                    st = cluster_info(c)[1]
                if not slots or slots[0][2][2].decode() != ids[newer]:
                    return False
                master_lines = [l for l in nodes.splitlines() if " master" in l or ",master" in l]
                if len(master_lines) != 1 or not master_lines[0].startswith(ids[newer]):
                    return False
                if st["cluster_state"] != "ok" or int(st["cluster_current_epoch"]) <= epoch_before:
                    return False
            return True
        self.assertTrue(wait_until(reports_newer, SHARD_WAIT, 0.05), self.shard.describe())

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(os.path.join(CLIENTS_DIR, "node_modules", "ioredis")),
                         "node / ioredis not installed (make test installs them)")
    def test_ioredis_cluster(self):
        leader = self.shard.leader()
        self.converged(leader)
        seed = self.shard.followers(leader)[0]  # seeded with a replica: it must find the master
        r = subprocess.run(["node", "-", str(seed.port)], input=IOREDIS_SCRIPT.encode(), cwd=CLIENTS_DIR,
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        out = json.loads(r.stdout.decode())
        self.assertNotIn("error", out, out.get("error"))
        self.assertEqual(out["get"], [str(i) for i in range(0, 50, 7)])
        self.assertEqual(out["incr"], 1)
        self.assertEqual(out["mget"], [None, "1"])
        self.assertEqual(out["nodes"], [leader.port])
        with leader.client() as c:
            self.assertEqual(c.call("GET", "io:49"), b"49")


if __name__ == "__main__":
    main()
