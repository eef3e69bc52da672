"""Raft membership of a shard, with real processes on loopback.

Covers node/raft_node.c, node/members.c and node/raft_cmds.c: forming a shard
(raft-bootstrap, raft-join, a lone node that bootstraps itself), identity in node.id,
election and re-election after kill -9 of the leader, restart of a killed follower,
RAFT MEMBERS (the replicated member table announced by every node), RAFT ADD as
spare/standby/voter, RAFT ASSIGN, RAFT REMOVE (the removed node stops serving),
RAFT TRANSFER on the leader and forwarded from a follower, and the error replies.
Generic data-path tests of a shard live in test_shard.py.
"""
import os
import time
import unittest

from harness import Client, Node, RespError, wait_until


def role_of(node):
    try:
        with Client(node.port, timeout=2) as c:
            r = c.call("ROLE", raise_errors=False)
            return r[0].decode() if isinstance(r, list) else None
    except OSError:
        return None


def get(node, key):
    """GET key on node, or the error / None when it cannot answer."""
    try:
        with Client(node.port, timeout=2) as c:
            return c.call("GET", key, raise_errors=False)
    except OSError:
        return None


def members(node):
    """RAFT MEMBERS as a list of dicts with str keys (RESP2 maps are flat lists)."""
    with Client(node.port, timeout=5) as c:
        rows = c.call("RAFT", "MEMBERS")
    out = []
    for row in rows:
        if isinstance(row, dict):
            d = {k.decode(): v for k, v in row.items()}
        else:
            d = {row[i].decode(): row[i + 1] for i in range(0, len(row), 2)}
        for k in ("node-id", "host", "raft-address", "role"):
            if isinstance(d.get(k), bytes):
                d[k] = d[k].decode()
        out.append(d)
    return out


class Shard:
    """n founders with raft ids 1..n bootstrapped together; more nodes may be added."""

    def __init__(self, n=3, extra_args=()):
        self.nodes = {}
        ports = {}
        for i in range(1, n + 1):
            node = Node(port=None)
            ports[i] = node.port
            self.nodes[i] = node
        self.boot = ",".join("%d@127.0.0.1:%d" % (i, p + 10000) for i, p in ports.items())
        for i, node in self.nodes.items():
            node.args = ["--raft-id", i, "--raft-bootstrap", self.boot,
                         "--raft-election-timeout", 300, "--raft-heartbeat-timeout", 30] + list(extra_args)

    def start(self):
        for node in self.nodes.values():
            node.start(wait=False)
        for node in self.nodes.values():
            node.wait_ready()
        self.wait_leader()
        return self

    def add_node(self, rid, *args):
        node = Node(*(["--raft-id", rid, "--raft-election-timeout", 300,
                       "--raft-heartbeat-timeout", 30] + list(args)))
        self.nodes[rid] = node
        return node

    def live(self):
        return {i: n for i, n in self.nodes.items() if n.alive()}

    def leader(self):
        found = [i for i, n in self.live().items() if role_of(n) == "master"]
        return found[0] if len(found) == 1 else None

    def wait_leader(self, timeout=15.0, exclude=None):
        lid = [None]

        def pred():
            lid[0] = self.leader()
            return lid[0] is not None and lid[0] != exclude
        if not wait_until(pred, timeout):
            raise AssertionError("no leader within %ss:\n%s" % (timeout, self.logs()))
        return lid[0]

    def wait_announced(self, ids, on=None, timeout=15.0):
        """Until RAFT MEMBERS (on the given nodes, default all live ones) lists every id
        in ids with its node id and client port."""
        want = set(ids)

        def pred():
            for i, n in (on or self.live()).items():
                try:
                    ms = members(n)
                except (OSError, RespError):
                    return False
                got = {m["raft-id"] for m in ms if m["node-id"] and m["port"]}
                if not want <= got:
                    return False
            return True
        if not wait_until(pred, timeout):
            raise AssertionError("members not announced:\n%s" % self.logs())

    def logs(self):
        return "\n".join("--- node %d ---\n%s" % (i, n.output()[-3000:]) for i, n in self.nodes.items())

    def cleanup(self):
        for n in self.nodes.values():
            n.cleanup()


class RaftMembershipTest(unittest.TestCase):
    def setUp(self):
        self.shard = None

    def tearDown(self):
        if self.shard:
            try:
                # SIGTERM every live node: a clean exit is code 0 with no sanitizer report
                # (leaks are reported at exit).
                for i, n in self.shard.nodes.items():
                    code = n.stop() if n.alive() else 0
                    out = n.output()
                    self.assertEqual(code, 0, "node %d exited with %s:\n%s" % (i, code, out))
                    self.assertNotIn("ERROR: AddressSanitizer", out, "node %d:\n%s" % (i, out))
                    self.assertNotIn("ERROR: LeakSanitizer", out, "node %d:\n%s" % (i, out))
                    self.assertNotIn("runtime error:", out, "node %d:\n%s" % (i, out))
            finally:
                self.shard.cleanup()

    def make_shard(self, n=3):
        self.shard = Shard(n).start()
        return self.shard

    # ---- forming a shard ------------------------------------------------------------

    def test_single_node_bootstraps_itself(self):
        node = Node()
        self.shard = Shard(0)
        self.shard.nodes[1] = node
        node.start()
        self.assertTrue(wait_until(lambda: role_of(node) == "master", 5))
        with node.client() as c:
            self.assertEqual(c.call("SET", "k", "v"), b"OK")
        self.assertTrue(wait_until(lambda: len(members(node)) == 1 and members(node)[0]["node-id"], 5))
        m = members(node)[0]
        self.assertEqual(m["role"], "voter")
        self.assertEqual(m["leader"], 1)
        self.assertEqual(m["port"], node.port)
        self.assertEqual(m["bus-port"], node.port + 10000)
        self.assertEqual(m["raft-address"], "127.0.0.1:%d" % (node.port + 10000))
        # node.id: 40-hex node id and the raft id, kept across restarts
        with open(os.path.join(node.dir, "node.id")) as f:
            text = f.read()
        self.assertIn("node-id %s\n" % m["node-id"], text)
        self.assertIn("raft-id %d\n" % m["raft-id"], text)
        self.assertEqual(node.stop(), 0)
        node.start()
        self.assertTrue(wait_until(lambda: role_of(node) == "master", 5))
        with node.client() as c:
            self.assertEqual(c.call("GET", "k"), b"v")
        m2 = members(node)[0]
        self.assertEqual((m2["raft-id"], m2["node-id"]), (m["raft-id"], m["node-id"]))
        self.assertEqual(node.stop(), 0)
        # a conflicting raft-id is refused
        node.args = ["--raft-id", m["raft-id"] + 1]
        node.start(wait=False)
        node.proc.wait(20)
        self.assertEqual(node.proc.returncode, 1)
        self.assertIn("conflicts with the Raft id", node.output())
        node.stop()

    def test_bootstrap_election_and_member_table(self):
        sh = self.make_shard(3)
        lid = sh.leader()
        self.assertIsNotNone(lid)
        roles = sorted(role_of(n) for n in sh.nodes.values())
        self.assertEqual(roles, ["master", "slave", "slave"])
        sh.wait_announced([1, 2, 3])
        for i, n in sh.nodes.items():
            ms = members(n)
            self.assertEqual([m["raft-id"] for m in ms], [1, 2, 3])
            for m in ms:
                node = sh.nodes[m["raft-id"]]
                self.assertEqual(m["role"], "voter")
                self.assertEqual(m["host"], "127.0.0.1")
                self.assertEqual(m["port"], node.port)
                self.assertEqual(m["bus-port"], node.port + 10000)
                self.assertEqual(len(m["node-id"]), 40)
                self.assertEqual(m["leader"], 1 if m["raft-id"] == lid else 0)
        # every node sees the same node ids
        ids = [tuple(m["node-id"] for m in members(n)) for n in sh.nodes.values()]
        self.assertEqual(len(set(ids)), 1)
        # the leader knows its followers' match indexes
        lm = members(sh.nodes[lid])
        self.assertTrue(all(m["match-index"] > 0 for m in lm))
        # writes replicate
        with sh.nodes[lid].client() as c:
            self.assertEqual(c.call("SET", "x", "1"), b"OK")
        for i, n in sh.nodes.items():
            self.assertTrue(wait_until(lambda: get(n, "x") == b"1", 5), "node %d" % i)

    # ---- failures ------------------------------------------------------------------

    def test_leader_kill_reelection_and_follower_restart(self):
        sh = self.make_shard(3)
        old = sh.leader()
        with sh.nodes[old].client() as c:
            self.assertEqual(c.call("SET", "before", "1"), b"OK")
        t0 = time.time()
        sh.nodes[old].kill()
        new = sh.wait_leader(timeout=10, exclude=old)
        elapsed = time.time() - t0
        self.assertNotEqual(new, old)
        self.assertLess(elapsed, 5.0)
        with sh.nodes[new].client() as c:
            self.assertEqual(c.call("GET", "before"), b"1")
            self.assertEqual(c.call("SET", "after", "2"), b"OK")
        # the old leader comes back as a follower and catches up
        sh.nodes[old].start()
        n = sh.nodes[old]
        self.assertTrue(wait_until(lambda: role_of(n) == "slave", 10), sh.logs())
        self.assertTrue(wait_until(lambda: get(n, "after") == b"2", 10))
        # a killed follower restarts and catches up too
        f = [i for i in sh.nodes if i != new][0]
        sh.nodes[f].kill()
        with sh.nodes[new].client() as c:
            for k in range(50):
                c.call("SET", "while-down-%d" % k, k)
        sh.nodes[f].start()
        fn = sh.nodes[f]
        self.assertTrue(wait_until(lambda: get(fn, "while-down-49") == b"49", 10), sh.logs())
        self.assertEqual(sh.leader(), new)

    # ---- membership changes --------------------------------------------------------

    def test_join_through_follower_then_remove(self):
        sh = self.make_shard(3)
        lid = sh.leader()
        with sh.nodes[lid].client() as c:
            c.call("SET", "data", "here")
        follower = [i for i in sh.nodes if i != lid][0]
        n4 = sh.add_node(4, "--raft-join", "127.0.0.1:%d" % sh.nodes[follower].port)
        n4.start()
        self.assertTrue(wait_until(lambda: any(m["raft-id"] == 4 and m["role"] == "voter"
                                               for m in members(sh.nodes[lid])), 20), sh.logs())
        sh.wait_announced([1, 2, 3, 4])
        self.assertEqual(role_of(n4), "slave")
        self.assertTrue(wait_until(lambda: get(n4, "data") == b"here", 10))
        m4 = [m for m in members(sh.nodes[lid]) if m["raft-id"] == 4][0]
        self.assertEqual(m4["port"], n4.port)
        self.assertEqual(m4["raft-address"], "127.0.0.1:%d" % (n4.port + 10000))
        # restarting the joined node does not join again and keeps its identity
        self.assertEqual(n4.stop(), 0)
        n4.start()
        self.assertTrue(wait_until(lambda: role_of(n4) == "slave", 10))
        self.assertEqual([m["node-id"] for m in members(sh.nodes[lid]) if m["raft-id"] == 4], [m4["node-id"]])
        # remove it, sent to a follower (forwarded to the leader)
        with sh.nodes[follower].client() as c:
            self.assertEqual(c.call("RAFT", "REMOVE", 4), b"OK")
        for i in (1, 2, 3):
            self.assertTrue(wait_until(lambda: [m["raft-id"] for m in members(sh.nodes[i])] == [1, 2, 3], 10),
                            "node %d: %r" % (i, members(sh.nodes[i])))
        # the removed node stops serving
        def refused():
            r = get(n4, "data")
            return isinstance(r, RespError) and str(r).startswith("CLUSTERDOWN")
        self.assertTrue(wait_until(refused, 10), n4.output())
        with sh.nodes[lid].client() as c:
            self.assertEqual(c.call("SET", "after-remove", "ok"), b"OK")

    def test_add_as_spare_standby_then_voter(self):
        sh = self.make_shard(3)
        lid = sh.leader()
        with sh.nodes[lid].client() as c:
            c.call("SET", "k", "v")
        # not listed in raft-bootstrap: waits to be added
        n4 = sh.add_node(4, "--raft-bootstrap", sh.boot)
        n4.start()
        addr = "127.0.0.1:%d" % (n4.port + 10000)
        with sh.nodes[lid].client() as c:
            self.assertEqual(c.call("RAFT", "ADD", 4, addr, "SPARE"), b"OK")
            self.assertEqual([m["role"] for m in members(sh.nodes[lid]) if m["raft-id"] == 4], ["spare"])
            # same id, other address
            with self.assertRaises(RespError) as e:
                c.call("RAFT", "ADD", 4, "127.0.0.1:1", "SPARE")
            self.assertIn("already a member", str(e.exception))
            self.assertEqual(c.call("RAFT", "ASSIGN", 4, "STANDBY"), b"OK")
            self.assertTrue(wait_until(lambda: get(n4, "k") == b"v", 10),
                            sh.logs())
            self.assertEqual(c.call("RAFT", "ASSIGN", 4, "VOTER"), b"OK")
            self.assertEqual([m["role"] for m in members(sh.nodes[lid]) if m["raft-id"] == 4], ["voter"])
            # idempotent: adding an existing member with its address is a no-op
            self.assertEqual(c.call("RAFT", "ADD", 4, addr), b"OK")
            self.assertEqual(c.call("RAFT", "ASSIGN", 4, "SPARE"), b"OK")
            self.assertEqual([m["role"] for m in members(sh.nodes[lid]) if m["raft-id"] == 4], ["spare"])
            self.assertEqual(c.call("RAFT", "REMOVE", 4), b"OK")
        self.assertTrue(wait_until(lambda: [m["raft-id"] for m in members(sh.nodes[lid])] == [1, 2, 3], 10))

    def test_transfer(self):
        sh = self.make_shard(3)
        sh.wait_announced([1, 2, 3])
        lid = sh.leader()
        target = [i for i in sh.nodes if i != lid][0]
        with sh.nodes[lid].client() as c:
            c.call("SET", "t", "1")
            self.assertEqual(c.call("RAFT", "TRANSFER", target), b"OK")
        self.assertEqual(sh.wait_leader(5), target)
        # forwarded from a follower to the leader, target = that follower
        f = [i for i in sh.nodes if i != target][0]
        with sh.nodes[f].client() as c:
            self.assertEqual(c.call("RAFT", "TRANSFER", f), b"OK")
        self.assertTrue(wait_until(lambda: sh.leader() == f, 5))
        # no target: the most caught-up voter
        with sh.nodes[f].client() as c:
            self.assertEqual(c.call("RAFT", "TRANSFER"), b"OK")
        self.assertTrue(wait_until(lambda: sh.leader() not in (None, f), 5))
        # transfer to the leader itself: nothing to do
        lid = sh.leader()
        with sh.nodes[lid].client() as c:
            self.assertEqual(c.call("RAFT", "TRANSFER", lid), b"OK")
            self.assertEqual(c.call("GET", "t"), b"1")
        self.assertEqual(sh.leader(), lid)

    def test_transfer_under_write_load(self):
        sh = self.make_shard(3)
        sh.wait_announced([1, 2, 3])
        lid = sh.leader()
        target = [i for i in sh.nodes if i != lid][0]
        writer = sh.nodes[lid].client()
        writer.send_raw(b"".join(Client.encode("SET", "load-%d" % k, k) for k in range(2000)))
        with sh.nodes[lid].client() as c:
            self.assertEqual(c.call("RAFT", "TRANSFER", target), b"OK")
        self.assertEqual(sh.wait_leader(5), target)
        # every acknowledged write is on the new leader
        acked = 0
        try:
            for k in range(2000):
                r = writer.read_reply(raise_errors=False)
                if r != b"OK":
                    break
                acked += 1
        except OSError:
            pass
        writer.close()
        with sh.nodes[target].client() as c:
            for k in range(acked):
                self.assertEqual(c.call("GET", "load-%d" % k), str(k).encode())

    def test_stopping_leader_hands_over(self):
        sh = self.make_shard(3)
        sh.wait_announced([1, 2, 3])
        lid = sh.leader()
        with sh.nodes[lid].client() as c:
            c.call("SET", "s", "1")
        t0 = time.time()
        self.assertEqual(sh.nodes[lid].stop(), 0)  # SIGTERM: transfer first, then close
        new = sh.wait_leader(5, exclude=lid)
        self.assertLess(time.time() - t0, 3.0)
        self.assertIn("leadership transferred before shutdown", sh.nodes[lid].output())
        with sh.nodes[new].client() as c:
            self.assertEqual(c.call("GET", "s"), b"1")
            self.assertEqual(c.call("SET", "s", "2"), b"OK")  # 2 of 3 still a majority
        sh.nodes[lid].start()
        n = sh.nodes[lid]
        self.assertTrue(wait_until(lambda: get(n, "s") == b"2", 10), sh.logs())

    def test_remove_the_leader_itself(self):
        sh = self.make_shard(3)
        sh.wait_announced([1, 2, 3])
        lid = sh.leader()
        with sh.nodes[lid].client() as c:
            self.assertEqual(c.call("RAFT", "REMOVE", lid), b"OK")
        others = [i for i in sh.nodes if i != lid]
        new = sh.wait_leader(5, exclude=lid)
        self.assertIn(new, others)
        self.assertTrue(wait_until(lambda: sorted(m["raft-id"] for m in members(sh.nodes[new])) == sorted(others), 10),
                        sh.logs())

    # ---- errors --------------------------------------------------------------------

    def test_errors(self):
        sh = self.make_shard(3)
        lid = sh.leader()
        with sh.nodes[lid].client() as c:
            def err(*args):
                with self.assertRaises(RespError) as e:
                    c.call(*args)
                return str(e.exception)
            self.assertIn("invalid raft id", err("RAFT", "ADD", "x", "127.0.0.1:1"))
            self.assertIn("invalid raft id", err("RAFT", "ADD", "0", "127.0.0.1:1"))
            self.assertIn("invalid address", err("RAFT", "ADD", "9", "nocolon"))
            self.assertIn("invalid address", err("RAFT", "ADD", "9", "h:99999"))
            self.assertIn("invalid role", err("RAFT", "ADD", "9", "127.0.0.1:1", "BOSS"))
            self.assertIn("syntax error", err("RAFT", "ADD", "9", "127.0.0.1:1", "VOTER", "x"))
            self.assertIn("invalid role", err("RAFT", "ASSIGN", "2", "CAPTAIN"))
            self.assertIn("no such member", err("RAFT", "ASSIGN", "99", "VOTER"))
            self.assertIn("no such member", err("RAFT", "REMOVE", "99"))
            self.assertIn("not a voter", err("RAFT", "TRANSFER", "99"))
            self.assertIn("wrong number of arguments", err("RAFT", "REMOVE"))
            self.assertIn("wrong number of arguments", err("RAFT", "ASSIGN", "1"))
            self.assertIn("unknown subcommand", err("RAFT", "FROB"))
            self.assertIn("demote the leader", err("RAFT", "ASSIGN", lid, "SPARE"))
            self.assertIn("invalid member record", err("RAFT", "ANNOUNCE", "1", "zz", "h", "1", "2"))
            self.assertIn("not a member", err("RAFT", "ANNOUNCE", "77", "a" * 40, "h", "1", "2"))
            help_ = c.call("RAFT", "HELP")
            self.assertTrue(help_[0].startswith(b"RAFT <subcommand>"))
            self.assertEqual(help_[-2], b"HELP")
        follower = [i for i in sh.nodes if i != lid][0]
        with sh.nodes[follower].client() as c:
            # a forwarded request reaching a non-leader is refused, not forwarded again
            c.call("CLIENT", "SETNAME", "redraft-raft-forward")
            with self.assertRaises(RespError) as e:
                c.call("RAFT", "REMOVE", "99")
            self.assertTrue(str(e.exception).startswith("TRYAGAIN"))
            with self.assertRaises(RespError) as e:
                c.call("RAFT", "ANNOUNCE", "1", "a" * 40, "h", "1", "2")
            self.assertTrue(str(e.exception).startswith("TRYAGAIN"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
