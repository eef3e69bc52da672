"""CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT served by the slot index (node/slot_index.c)
on a single `cluster-enabled yes` node: counts and key lists follow SET, overwrite, DEL,
RENAME, COPY, expiry (active expiry deletions) and FLUSHALL;
lists are in insertion order (the index's deterministic order), survive restarts that
reload a snapshot (SIGTERM and kill -9), and bad arguments get Redis's errors.

A Python model tracks the expected keys per slot in insertion order; every check compares
COUNTKEYSINSLOT, GETKEYSINSLOT and the keys a full SCAN finds in that slot."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Node, RespError, key_slot, wait_until  # noqa: E402

SNAP_ARGS = ("--raft-snapshot-threshold", "64", "--raft-snapshot-trailing", "16")


def info(c, section):
    d = {}
    for line in c.call("INFO", section).decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            d[k] = v.strip()
    return d


def scan_keys(c):
    keys, cursor = [], b"0"
    while True:
        cursor, batch = c.call("SCAN", cursor, "COUNT", 1000)
        keys += batch
        if cursor == b"0":
            return keys


class Model:
    """Expected keys per slot, in insertion order (an overwrite keeps the position)."""

    def __init__(self):
        self.order = []  # live keys, oldest first

    def set(self, k):
        if k not in self.order:
            self.order.append(k)

    def delete(self, k):
        if k in self.order:
            self.order.remove(k)

    def slot_keys(self, slot):
        return [k.encode() for k in self.order if key_slot(k) == slot]

    def slots(self):
        return {key_slot(k) for k in self.order}


class SlotIndexTest(unittest.TestCase):
    def setUp(self):
        self.node = Node("--cluster-enabled", "yes", *SNAP_ARGS).start()
        self.c = self.node.client()
        self.m = Model()

    def tearDown(self):
        self.c.close()
        code = self.node.stop()
        out = self.node.output()
        self.node.cleanup()
        if code != 0 or "ERROR: AddressSanitizer" in out or "runtime error:" in out:
            raise AssertionError("node exited with %s:\n%s" % (code, out))

    def cmd(self, *args):
        return self.c.call(*args)

    def set(self, k, *extra):
        self.assertEqual(self.cmd("SET", k, "v", *extra), b"OK")
        self.m.set(k)

    def check(self, slots=None, msg=""):
        """Every slot in `slots` (default: every slot the model or the server has keys
        in): count, full list in order, and a prefix via a smaller COUNT."""
        server_keys = [k.decode() for k in scan_keys(self.c)]
        self.assertEqual(sorted(server_keys), sorted(self.m.order), msg)
        if slots is None:
            slots = self.m.slots() | {key_slot(k) for k in server_keys}
        for s in slots:
            want = self.m.slot_keys(s)
            self.assertEqual(self.cmd("CLUSTER", "COUNTKEYSINSLOT", s), len(want), "%s slot %d" % (msg, s))
            self.assertEqual(self.cmd("CLUSTER", "GETKEYSINSLOT", s, len(want) + 5), want,
                             "%s slot %d" % (msg, s))
            if len(want) > 1:
                self.assertEqual(self.cmd("CLUSTER", "GETKEYSINSLOT", s, len(want) - 1), want[:-1])

    def test_mutations(self):
        a, b = key_slot("a"), key_slot("b")
        for i in range(10):
            self.set("{a}%d" % i)
        for i in range(5):
            self.set("{b}%d" % i)
        self.set("plain")
        self.check(msg="after SET")
        self.assertEqual(self.cmd("CLUSTER", "GETKEYSINSLOT", a, 0), [])
        self.assertEqual(self.cmd("CLUSTER", "COUNTKEYSINSLOT", key_slot("nothing-here")), 0)

        # overwrite (also with a TTL that reallocates the key) keeps the order
        self.set("{a}0", "PX", 10 ** 9)
        self.set("{a}3")
        self.assertEqual(self.cmd("PERSIST", "{a}0"), 1)
        self.check(msg="after overwrite")

        self.assertEqual(self.cmd("DEL", "{a}1", "{a}2", "{a}missing"), 2)
        self.assertEqual(self.cmd("DEL", "{b}0"), 1)
        for k in ("{a}1", "{a}2", "{b}0"):
            self.m.delete(k)
        self.check(msg="after DEL")

        # RENAME goes to the tail (cluster mode allows only same-slot renames)
        self.assertEqual(self.cmd("RENAME", "{a}4", "{a}renamed"), b"OK")
        self.m.delete("{a}4")
        self.m.set("{a}renamed")
        with self.assertRaises(RespError):
            self.cmd("RENAME", "{a}5", "{b}from-a")
        # RENAME onto an existing key overwrites it: the target keeps its position
        self.assertEqual(self.cmd("RENAME", "{b}1", "{b}2"), b"OK")
        self.m.delete("{b}1")
        self.m.set("{b}2")
        self.check({a, b}, msg="after RENAME")

        self.assertEqual(self.cmd("COPY", "{a}6", "{a}copy"), 1)
        self.m.set("{a}copy")
        self.assertEqual(self.cmd("SETNX", "{a}6", "x"), 0)
        self.check(msg="after COPY")

        # expiry: keys deleted by the active expiry cycle leave the index
        for k in ("{a}7", "{a}8", "{b}3"):
            self.assertEqual(self.cmd("PEXPIRE", k, 50), 1)
            self.m.delete(k)
        self.assertTrue(wait_until(lambda: self.cmd("DBSIZE") == len(self.m.order), timeout=10),
                        "keys did not expire: %s" % self.cmd("DBSIZE"))
        self.check(msg="after expiry")

        self.assertEqual(self.cmd("FLUSHALL"), b"OK")
        self.m.order.clear()
        self.check({a, b, key_slot("plain")}, msg="after FLUSHALL")
        self.set("{a}again")
        self.check(msg="after FLUSHALL and SET")

    def test_random_workload(self):
        import random
        rnd = random.Random(5)
        tags = ["{t%d}" % i for i in range(8)] + [""]
        for step in range(3000):
            k = "%sk%d" % (rnd.choice(tags), rnd.randrange(150))
            r = rnd.random()
            if r < 0.55:
                self.set(k)
            elif r < 0.85:
                self.assertEqual(self.cmd("DEL", k), 1 if k in self.m.order else 0)
                self.m.delete(k)
            elif k in self.m.order:
                k2 = k.split("k")[0] + "k%d" % rnd.randrange(150)
                if key_slot(k2) != key_slot(k):
                    continue
                self.assertEqual(self.cmd("RENAME", k, k2), b"OK")
                if k2 != k:  # RENAME k k changes nothing
                    self.m.delete(k)
                    self.m.set(k2)  # an existing k2 keeps its position
            if step % 500 == 499:
                self.check(msg="step %d" % step)
        self.check(msg="end")

    def restart(self, kill=False):
        self.c.close()
        if kill:
            self.node.kill()
        else:
            self.assertEqual(self.node.stop(), 0, self.node.output()[-3000:])
        self.node.start()
        self.c = self.node.client()

    def test_restart_reloads_snapshot(self):
        for i in range(1500):
            self.set("{s%d}key%d" % (i % 13, i))
        for i in range(0, 1500, 3):
            self.assertEqual(self.cmd("DEL", "{s%d}key%d" % (i % 13, i)), 1)
            self.m.delete("{s%d}key%d" % (i % 13, i))
        for i in range(0, 1500, 7):  # overwrites and re-adds after deletes
            self.set("{s%d}key%d" % (i % 13, i))
        self.assertTrue(wait_until(lambda: int(info(self.c, "all").get("raft_snapshots_taken", 0)) >= 1,
                                   timeout=20), info(self.c, "all"))
        self.set("{s1}tail")  # a log tail past the snapshot
        self.check(msg="before restart")
        self.restart()
        self.assertGreaterEqual(int(info(self.c, "all")["raft_snapshots_restored"]), 1)
        self.check(msg="after SIGTERM restart")
        self.set("{s2}after-restart")
        self.assertEqual(self.cmd("DEL", "{s1}tail"), 1)
        self.m.delete("{s1}tail")
        self.restart(kill=True)
        self.check(msg="after kill -9 restart")

    def test_errors(self):
        for args, err in ((("COUNTKEYSINSLOT", "-1"), "ERR Invalid slot"),
                          (("COUNTKEYSINSLOT", "16384"), "ERR Invalid slot"),
                          (("COUNTKEYSINSLOT", "x"), "ERR value is not an integer or out of range"),
                          (("COUNTKEYSINSLOT",),
                           "ERR wrong number of arguments for 'cluster|countkeysinslot' command"),
                          (("COUNTKEYSINSLOT", "1", "2"),
                           "ERR wrong number of arguments for 'cluster|countkeysinslot' command"),
                          (("GETKEYSINSLOT", "16384", "1"), "ERR Invalid slot or number of keys"),
                          (("GETKEYSINSLOT", "-1", "1"), "ERR Invalid slot or number of keys"),
                          (("GETKEYSINSLOT", "1", "-1"), "ERR Invalid slot or number of keys"),
                          (("GETKEYSINSLOT", "x", "1"), "ERR value is not an integer or out of range"),
                          (("GETKEYSINSLOT", "1", "x"), "ERR value is not an integer or out of range"),
                          (("GETKEYSINSLOT", "1"),
                           "ERR wrong number of arguments for 'cluster|getkeysinslot' command")):
            with self.assertRaises(RespError, msg=args) as e:
                self.cmd("CLUSTER", *args)
            self.assertEqual(str(e.exception), err, args)
        self.assertEqual(self.cmd("CLUSTER", "COUNTKEYSINSLOT", 16383), 0)
        self.assertEqual(self.cmd("CLUSTER", "GETKEYSINSLOT", 0, 10), [])
        self.assertEqual(self.cmd("PING"), b"PONG")


class StandaloneTest(unittest.TestCase):
    """Without cluster mode the commands answer as Redis's non-cluster server does."""

    def test_cluster_disabled(self):
        node = Node().start()
        try:
            with node.client() as c:
                c.call("SET", "k", "v")
                with self.assertRaises(RespError) as e:
                    c.call("CLUSTER", "COUNTKEYSINSLOT", 0)
                self.assertEqual(str(e.exception), "ERR This instance has cluster support disabled")
        finally:
            self.assertEqual(node.stop(), 0)
            node.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
