"""The sentinels own the cluster topology (sentinel/topology_owner.c, sentinel/state.c).

Real processes: two cluster-mode shards of 3 nodes each, no topology pushed by the test,
and 3 redraft-sentinels monitoring them as shard-0 and shard-1. The sentinels must
create the topology (shards in name order, slots 0-8191 / 8192-16383 as redis-cli
--cluster create splits them, shard ids = SHA-1 of the sorted node ids) and push it to
every node, which then reports cluster_state:ok with the right CLUSTER SLOTS. A node that
restarts without its topology file gets the current topology again. Killing the acting
sentinel: another one becomes acting and keeps the same epoch (the state is replicated:
it neither re-creates nor re-adopts the topology). A third cluster-mode shard monitored
at runtime (SENTINEL MONITOR) joins the topology at epoch + 1 as a shard without slots;
the first two keep theirs; a master removed with SENTINEL REMOVE keeps its shard.
"""
import hashlib
import os
import signal
import time
import unittest

import harness
from harness import Node, RespError, Shard, reply_map, wait_until
from sentinel_util import (WAIT, EventWatcher, acting, call, describe_group, healthy_replica_ports, live,
                           master_addr, sentinel_group, stop_all, text)

REPAIR_AFTER_MS = 8000


def topology_of(node):
    """(epoch, [(shard id, ranges text, [node ids])]) from CLUSTER GETTOPOLOGY, or None."""
    try:
        with node.client(timeout=5) as c:
            r = c.call("CLUSTER", "GETTOPOLOGY", raise_errors=False)
    except (OSError, ConnectionError, ValueError):
        return None
    if not isinstance(r, bytes):
        return None
    epoch, shards = None, []
    for line in r.decode().splitlines():
        f = line.split()
        if f[0] == "epoch":
            epoch = int(f[1])
        elif f[0] == "shard":
            shards.append((f[1], f[2], []))
        elif f[0] == "node":
            shards[-1][2].append(f[1])
    return epoch, shards


class SentinelTopologyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shards = []
        cls.group = None
        cls.spare = None
        try:
            cls.shards = [Shard(3, cluster=True).start(), Shard(3, cluster=True).start()]
            sp = harness.free_port()
            cls.spare = Node("--raft-spare", "yes", "--cluster-enabled", "yes", "--cluster-port", sp + 10000,
                             *harness.SHARD_TIMEOUT_ARGS, port=sp).start()
            # repair-after well above a restart's downtime (tests 2 and 3 restart nodes)
            cls.group = sentinel_group([("shard-0", cls.shards[0].nodes[0].port),
                                        ("shard-1", cls.shards[1].nodes[0].port)],
                                       ["sentinel down-after-milliseconds shard-0 1000",
                                        "sentinel down-after-milliseconds shard-1 1000",
                                        "sentinel spare 127.0.0.1 %d" % sp,
                                        "sentinel repair-after-milliseconds %d" % REPAIR_AFTER_MS])
        except BaseException:
            stop_all(cls.group, cls.shards, [cls.spare] if cls.spare else [])
            raise

    @classmethod
    def tearDownClass(cls):
        bad = stop_all(cls.group, cls.shards, [cls.spare] if cls.spare else [])
        if bad:
            raise AssertionError("\n".join(bad))

    def nodes(self):
        """Every node that is (or may become) part of the cluster: the spare included once
        it holds a topology."""
        out = [n for sh in self.shards for n in sh.nodes]
        if self.spare is not None and self.spare.alive() and topology_of(self.spare) is not None:
            out.append(self.spare)
        return out

    def describe(self):
        out = [sh.describe() for sh in self.shards]
        out += ["GETTOPOLOGY %d: %s" % (n.port, topology_of(n)) for n in self.nodes() if n.alive()]
        return "\n".join(out) + "\n" + describe_group(self.group)

    def node_ids(self, sh):
        ids = []
        for n in sh.nodes:
            with n.client() as c:
                ids.append(text(c.call("CLUSTER", "MYID")))
        return ids

    def wait_topology(self, epoch=None, shard_count=2):
        """Every live node holds the same topology of `shard_count` shards (at `epoch` if
        given); returns it."""
        got = {}

        def ok():
            got.clear()
            for n in self.nodes():
                if n.alive():
                    got[n.port] = topology_of(n)
            vals = list(got.values())
            return (vals and vals[0] is not None and all(v == vals[0] for v in vals)
                    and len(vals[0][1]) == shard_count and (epoch is None or vals[0][0] == epoch))
        self.assertTrue(wait_until(ok, WAIT, 0.1), "no common topology: %s\n%s" % (got, self.describe()))
        return list(got.values())[0]

    def wait_cluster_ok(self):
        def ok(n):
            with n.client(timeout=5) as c:
                info = text(c.call("CLUSTER", "INFO", raise_errors=False))
                return isinstance(info, str) and "cluster_state:ok" in info
        for n in self.nodes():
            if n.alive():
                self.assertTrue(wait_until(lambda: ok(n), WAIT, 0.1), "node %d not ok\n%s" % (n.port, self.describe()))

    def test_1_created_and_pushed(self):
        epoch, shards = self.wait_topology()
        self.assertGreaterEqual(epoch, 1)
        ids = [self.node_ids(sh) for sh in self.shards]
        # shard-0 first with 0-8191, shard-1 with 8192-16383; ids = SHA-1 of sorted node ids
        for i, (sid, ranges, members) in enumerate(shards):
            self.assertEqual(sorted(members), sorted(ids[i]))
            self.assertEqual(sid, hashlib.sha1(",".join(sorted(ids[i])).encode()).hexdigest())
        self.assertEqual([r for _, r, _ in shards], ["0-8191", "8192-16383"])
        self.wait_cluster_ok()
        for n in self.nodes():
            with n.client() as c:
                slots = c.call("CLUSTER", "SLOTS")
            got = sorted((r[0], r[1], r[2][1]) for r in slots)
            want = [(0, 8191, self.shards[0].leader().port), (8192, 16383, self.shards[1].leader().port)]
            self.assertEqual(got, want, "CLUSTER SLOTS on %d" % n.port)
        # the data path works across shards
        with self.shards[0].leader().client() as c:
            for k in ("a", "b", "c", "foo", "bar"):
                r = c.call("SET", k, "v", raise_errors=False)
                if isinstance(r, RespError):
                    self.assertTrue(str(r).startswith("MOVED"), r)
                else:
                    self.assertEqual(r, b"OK")

    def test_2_restarted_node_gets_the_topology(self):
        epoch, _ = self.wait_topology()
        sh = self.shards[1]
        node = sh.followers()[0]
        sh.kill(node)
        os.unlink(os.path.join(node.dir, "topology"))   # as if it never had one
        sh.restart(node)
        self.assertEqual(self.wait_topology(epoch)[0], epoch)
        self.wait_cluster_ok()

    def test_3_acting_sentinel_killed(self):
        epoch, shards = self.wait_topology()
        act = acting(self.group)
        self.assertIsNotNone(act, describe_group(self.group))
        others = [x for x in self.group.sentinels if x is not act]
        w = EventWatcher(others[0], ["+new-epoch", "+config-update-from"])
        try:
            act.stop(signal.SIGKILL)
            new_act = acting(self.group)
            self.assertIsNotNone(new_act, describe_group(self.group))
            self.assertIsNot(new_act, act)
            # the new acting sentinel keeps pushing the same epoch: a node restarted
            # without its topology file gets epoch `epoch`, not a re-created one
            sh = self.shards[0]
            node = sh.followers()[0]
            sh.kill(node)
            os.unlink(os.path.join(node.dir, "topology"))
            sh.restart(node)
            self.assertEqual(self.wait_topology(epoch), (epoch, shards))
            time.sleep(1.5)
            self.assertEqual(self.wait_topology(epoch), (epoch, shards))
            self.assertIsNone(w.find("+new-epoch"), "no new epoch: " + w.dump())
        finally:
            w.close()
        # it took the topology from the replicated state, not from the nodes
        out = new_act.output()
        self.assertNotIn("adopting the cluster topology", out)
        self.assertNotIn("created the cluster topology", out)
        act.start()

    def test_4_failover_keeps_the_topology(self):
        epoch, shards = self.wait_topology()
        sh = self.shards[0]
        old = sh.leader()
        x = self.group.sentinels[1]
        self.assertTrue(wait_until(lambda: master_addr(x, "shard-0") == ("127.0.0.1", old.port), WAIT, 0.05))

        def followers_healthy():
            # test 3 restarted a follower of shard-0: wait until x sees both as good replicas
            return len(healthy_replica_ports(x, "shard-0") or []) == 2
        self.assertTrue(wait_until(followers_healthy, WAIT, 0.1), describe_group(self.group))
        w = EventWatcher(x, ["+switch-master", "+failover-end"])
        try:
            t0 = time.monotonic()
            self.assertEqual(call(x, "SENTINEL", "FAILOVER", "shard-0"), b"OK")
            sw = w.wait("+switch-master", lambda p: p.startswith("shard-0 127.0.0.1 %d " % old.port), since=t0)
            self.assertIsNotNone(sw, w.dump() + "\n" + self.describe())
            new_port = int(sw[1].split()[4])
            self.assertIsNotNone(w.wait("+failover-end", since=t0), w.dump())
        finally:
            w.close()
        self.assertEqual(sh.leader().port, new_port)
        # a leadership change is not a topology change; every node routes 0-8191 to the new leader
        self.assertEqual(self.wait_topology(epoch), (epoch, shards))

        def routed(n):
            with n.client(timeout=5) as c:
                slots = c.call("CLUSTER", "SLOTS", raise_errors=False)
            return isinstance(slots, list) and any(r[0] == 0 and r[2][1] == new_port for r in slots)
        for n in self.nodes():
            if n.alive():
                self.assertTrue(wait_until(lambda: routed(n), WAIT, 0.1), "node %d\n%s" % (n.port, self.describe()))

    def test_5_repair_bumps_the_epoch(self):
        epoch, shards = self.wait_topology()
        sh = self.shards[1]
        dead = sh.followers()[0]
        with dead.client() as c:
            dead_id = text(c.call("CLUSTER", "MYID"))
        with self.spare.client() as c:
            spare_id = text(c.call("CLUSTER", "MYID"))
        act = acting(self.group)
        watchers = [EventWatcher(x, ["+new-epoch", "+config-update-from", "+repair-end"])
                    for x in live(self.group)]
        try:
            t0 = time.monotonic()
            sh.kill(dead)
            want = None

            def pushed():
                t = topology_of(self.spare)
                return t is not None and t[0] > epoch and spare_id in t[1][1][2]
            self.assertTrue(wait_until(pushed, WAIT * 2, 0.2), "no repaired topology on the spare\n" + self.describe())
            want = topology_of(self.spare)
            new_epoch, new_shards = want
            self.assertEqual(new_epoch, epoch + 1)
            # same shards, ids and slots; the dead member replaced by the spare
            self.assertEqual([(i, r) for i, r, _ in new_shards], [(i, r) for i, r, _ in shards])
            self.assertEqual(new_shards[0][2], shards[0][2])
            self.assertEqual(sorted(new_shards[1][2]), sorted([n for n in shards[1][2] if n != dead_id] + [spare_id]))
            self.assertEqual(self.wait_topology(new_epoch), want)
            self.wait_cluster_ok()
            for w in watchers:
                self.assertIsNotNone(w.wait("+new-epoch", lambda p: p == str(new_epoch), since=t0), w.dump())
            for x, w in zip(live(self.group), watchers):
                if x is act:
                    continue
                r = w.wait("+config-update-from", since=t0)
                self.assertIsNotNone(r, w.dump())
                self.assertTrue(r[1].startswith("sentinel ") and " @ shard-1 127.0.0.1 " in r[1], r[1])
        finally:
            for w in watchers:
                w.close()

    def test_6_new_shard_joins_without_slots(self):
        epoch, shards = self.wait_topology()
        before_slots = {}
        for n in self.nodes():
            if n.alive():
                with n.client() as c:
                    before_slots[n.port] = sorted((r[0], r[1], r[2][1]) for r in c.call("CLUSTER", "SLOTS"))
        new = Shard(3, cluster=True)
        self.shards.append(new)   # tearDownClass stops it, whatever happens here
        new.start()
        new_ids = self.node_ids(new)
        new_id = hashlib.sha1(",".join(sorted(new_ids)).encode()).hexdigest()
        leader = new.leader()
        with leader.client() as c:
            leader_id = text(c.call("CLUSTER", "MYID"))
        self.assertIsNone(topology_of(leader), "a new shard holds no topology yet")
        watchers = [EventWatcher(x, ["+new-epoch"]) for x in live(self.group)]
        try:
            t0 = time.monotonic()
            for x in live(self.group):
                self.assertEqual(call(x, "SENTINEL", "MONITOR", "shard-2", "127.0.0.1", str(new.nodes[0].port), "2"),
                                 b"OK")
            # every node (the new shard's too) holds epoch + 1 with three shards
            new_epoch, new_shards = self.wait_topology(epoch + 1, shard_count=3)
            self.assertEqual(new_epoch, epoch + 1)
            # the first two unchanged (ids, slots, members in order); the third added slotless
            self.assertEqual(new_shards[:2], shards)
            sid, ranges, members = new_shards[2]
            self.assertEqual(sid, new_id)
            self.assertEqual(ranges, "-")
            self.assertEqual(sorted(members), sorted(new_ids))
            self.assertEqual(members[0], leader_id, "the leader is listed first")
            for w in watchers:
                self.assertIsNotNone(w.wait("+new-epoch", lambda p: p == str(new_epoch), since=t0), w.dump())
        finally:
            for w in watchers:
                w.close()
        self.wait_cluster_ok()
        # slots are routed as before: the new shard's leader appears nowhere in CLUSTER SLOTS
        for n in self.nodes():
            if not n.alive():
                continue
            with n.client() as c:
                got = sorted((r[0], r[1], r[2][1]) for r in c.call("CLUSTER", "SLOTS"))
            self.assertEqual(got, before_slots.get(n.port, got), "CLUSTER SLOTS on %d" % n.port)
            self.assertEqual(len(got), 2, "CLUSTER SLOTS on %d: %s" % (n.port, got))
            self.assertNotIn(leader.port, [p for _, _, p in got])
        # a node of shard-0 lists the new shard's leader as a master without slots
        n0 = self.shards[0].leader()

        def listed():
            with n0.client(timeout=5) as c:
                nodes = text(c.call("CLUSTER", "NODES"))
            for line in nodes.splitlines():
                f = line.split()
                if f and f[0] == leader_id:
                    return f
            return None
        self.assertTrue(wait_until(lambda: listed() is not None, WAIT, 0.1), self.describe())
        f = listed()
        self.assertIn("master", f[2].split(","), f)
        self.assertEqual(f[1].split("@")[0], "127.0.0.1:%d" % leader.port, f)
        self.assertEqual(f[3], "-", f)
        self.assertEqual(len(f), 8, "no slots expected: %s" % f)
        # CLUSTER SHARDS: the new shard with no slots, its leader the master
        with n0.client() as c:
            sh_reply = c.call("CLUSTER", "SHARDS")
        found = None
        for entry in sh_reply:
            d = reply_map(entry)
            ids = [text(reply_map(nd)["id"]) for nd in d["nodes"]]
            if leader_id in ids:
                found = d
        self.assertIsNotNone(found, sh_reply)
        self.assertEqual(found["slots"], [])
        roles = {text(reply_map(nd)["id"]): text(reply_map(nd)["role"]) for nd in found["nodes"]}
        self.assertEqual(roles[leader_id], "master", roles)
        self.assertEqual(sorted(roles), sorted(new_ids))

    def test_7_removed_master_keeps_its_shard(self):
        # SENTINEL REMOVE forgets a master, not its shard: the slots stay where they are
        before = self.wait_topology(shard_count=3)
        for x in live(self.group):
            self.assertEqual(call(x, "SENTINEL", "REMOVE", "shard-1"), b"OK")
        act = acting(self.group)
        self.assertIsNotNone(act, describe_group(self.group))
        self.assertTrue(wait_until(lambda: "has no monitored master" in act.output(), WAIT, 0.1),
                        describe_group(self.group))
        time.sleep(1.5)
        self.assertEqual(self.wait_topology(before[0], shard_count=3), before)
        self.wait_cluster_ok()



class SentinelAdoptsHeldTopologyTest(unittest.TestCase):
    """Sentinels started on a cluster whose nodes already hold a topology (pushed before
    the sentinels existed, with an unusual split) adopt it -- the slots stay where the
    data is -- and a monitored shard it lacks joins it without slots."""

    def setUp(self):
        self.shards, self.group = [], None
        self.shards = [Shard(3, cluster=True).start() for _ in range(3)]

    def tearDown(self):
        bad = stop_all(self.group, self.shards, [])
        if bad:
            raise AssertionError("\n".join(bad))

    def test_adopt_then_grow(self):
        a, b, c = self.shards
        ids = {}
        for sh in self.shards:
            for n in sh.nodes:
                with n.client() as cl:
                    ids[n.port] = text(cl.call("CLUSTER", "MYID"))
        sid_a, sid_b = "a" * 40, "b" * 40
        lines = ["redraft-topology 1", "epoch 7"]
        for sid, rng, sh in ((sid_a, "0-99", a), (sid_b, "100-16383", b)):
            lines.append("shard %s %s" % (sid, rng))
            lines += ["node %s %d 127.0.0.1 %d %d" % (ids[n.port], k + 1, n.port, n.port + 10000)
                      for k, n in enumerate(sh.nodes)]
        held = "\n".join(lines) + "\n"
        for sh in (a, b):
            for n in sh.nodes:
                with n.client() as cl:
                    self.assertEqual(cl.call("CLUSTER", "SETTOPOLOGY", held), b"OK")
        self.group = sentinel_group([("shard-0", a.nodes[0].port), ("shard-1", b.nodes[0].port),
                                     ("shard-2", c.nodes[0].port)])

        def grown():
            tops = [topology_of(n) for sh in self.shards for n in sh.nodes]
            t = tops[0]
            return t if t and all(x == t for x in tops) and len(t[1]) == 3 else None
        self.assertTrue(wait_until(grown, WAIT, 0.1),
                        "%s\n%s" % ([topology_of(n) for sh in self.shards for n in sh.nodes],
                                     describe_group(self.group)))
        epoch, shards = grown()
        self.assertGreater(epoch, 7)
        self.assertEqual(shards[0], (sid_a, "0-99", [ids[n.port] for n in a.nodes]))
        self.assertEqual(shards[1], (sid_b, "100-16383", [ids[n.port] for n in b.nodes]))
        want_c = hashlib.sha1(",".join(sorted(ids[n.port] for n in c.nodes)).encode()).hexdigest()
        self.assertEqual((shards[2][0], shards[2][1], sorted(shards[2][2])),
                         (want_c, "-", sorted(ids[n.port] for n in c.nodes)))
        for x in self.group.sentinels:
            self.assertEqual(master_addr(x, "shard-0")[1] in [n.port for n in a.nodes], True)


if __name__ == "__main__":
    harness.main()
