"""The node's topology store through CLUSTER SETTOPOLOGY / GETTOPOLOGY (node/topology_store.h):
a pushed topology is accepted, stored canonically in dir/topology and served again after
a restart; an older epoch, or the same epoch with different content, is refused while the
same push again is accepted; garbage gets "ERR invalid topology: <reason>" and the node
keeps serving; a corrupt file is ignored at start; the commands need AUTH under
requirepass and cluster mode."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Node, RespError, main  # noqa: E402

SHARD_A = "a" * 38 + "01"
SHARD_B = "a" * 38 + "02"
NODE_2 = "b" * 38 + "02"
NODE_3 = "b" * 38 + "03"
PASSWORD = "topo-Pa55"


def topology(epoch, my_id, port, ranges_a="0-8191", ranges_b="8192-16383", final_newline=True):
    text = ("redraft-topology 1\n"
            "epoch %d\n"
            "shard %s %s\n"
            "node %s 1 127.0.0.1 %d %d\n"
            "node %s 2 127.0.0.1 7002 17002\n"
            "shard %s %s\n"
            "node %s 1 127.0.0.1 7003 17003" % (epoch, SHARD_A, ranges_a, my_id, port, port + 10000,
                                              NODE_2, SHARD_B, ranges_b, NODE_3))
    return (text + "\n" if final_newline else text).encode()


class _NodeCase(unittest.TestCase):
    """A fresh node per test (tests restart it); it must exit cleanly at the end."""
    ARGS = ("--cluster-enabled", "yes")

    def setUp(self):
        self.node = Node(*self.ARGS).start()
        self.c = self.node.client()

    def tearDown(self):
        self.c.close()
        self.assertTrue(self.node.alive(), "node died:\n" + self.node.output())
        code = self.node.stop()
        out = self.node.output()
        self.node.cleanup()
        if code != 0 or "ERROR: AddressSanitizer" in out or "runtime error:" in out:
            raise AssertionError("node exited with %s:\n%s" % (code, out))

    def myid(self):
        return self.c.call("CLUSTER", "MYID").decode()

    def file(self):
        with open(os.path.join(self.node.dir, "topology"), "rb") as f:
            return f.read()


class TopologyStoreTest(_NodeCase):
    def test_set_persist_and_reload_after_restart(self):
        self.assertIsNone(self.c.call("CLUSTER", "GETTOPOLOGY"))
        self.assertFalse(os.path.exists(os.path.join(self.node.dir, "topology")))
        me = self.myid()
        # not canonical (ranges split and out of order, no final newline): stored canonically
        pushed = topology(3, me, self.node.port, ranges_a="4096-8191,0-4095",
                          ranges_b="9000-16383,8192-8999", final_newline=False)
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", pushed), b"OK")
        canonical = topology(3, me, self.node.port)
        self.assertEqual(self.c.call("CLUSTER", "GETTOPOLOGY"), canonical)
        self.assertEqual(self.file(), canonical)
        self.assertFalse(os.path.exists(os.path.join(self.node.dir, "topology.tmp")))

        self.c.close()
        self.assertEqual(self.node.stop(), 0)
        self.node.start()
        self.c = self.node.client()
        self.assertEqual(self.c.call("CLUSTER", "GETTOPOLOGY"), canonical)
        self.assertIn("Topology loaded: epoch 3", self.node.output())
        # the reloaded epoch still rules
        with self.assertRaisesRegex(RespError, r"^ERR stale topology: epoch 2 is not newer than 3$"):
            self.c.call("CLUSTER", "SETTOPOLOGY", topology(2, me, self.node.port))

    def test_epoch_rules(self):
        me = self.myid()
        t5 = topology(5, me, self.node.port)
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", t5), b"OK")
        # older
        with self.assertRaisesRegex(RespError, r"^ERR stale topology: epoch 4 is not newer than 5$"):
            self.c.call("CLUSTER", "SETTOPOLOGY", topology(4, me, self.node.port))
        with self.assertRaisesRegex(RespError, r"^ERR stale topology: epoch 0 is not newer than 5$"):
            self.c.call("CLUSTER", "SETTOPOLOGY", b"redraft-topology 1\nepoch 0\n")
        # the same push again (idempotent), also written differently
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", t5), b"OK")
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY",
                                     topology(5, me, self.node.port, ranges_a="0-100,101-8191",
                                              final_newline=False)), b"OK")
        # same epoch, different content
        with self.assertRaisesRegex(RespError, r"^ERR stale topology: epoch 5 is not newer than 5"):
            self.c.call("CLUSTER", "SETTOPOLOGY",
                        topology(5, me, self.node.port, ranges_a="0-8190", ranges_b="8191-16383"))
        self.assertEqual(self.c.call("CLUSTER", "GETTOPOLOGY"), t5)
        self.assertEqual(self.file(), t5)
        # newer: replaces, persisted
        t6 = topology(6, me, self.node.port, ranges_a="0-100", ranges_b="101-16383")
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", t6), b"OK")
        self.assertEqual(self.c.call("CLUSTER", "GETTOPOLOGY"), t6)
        self.assertEqual(self.file(), t6)

    def test_garbage_refused_node_keeps_serving(self):
        me = self.myid()
        t1 = topology(1, me, self.node.port)
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", t1), b"OK")
        good = topology(9, me, self.node.port)
        cases = [
            (b"", "empty input"),
            (b"garbage", "line 1: expected 'redraft-topology <version>'"),
            (b"redraft-topology 2\nepoch 9\n", "unsupported topology version '2'"),
            (b"redraft-topology 1\n", "truncated input"),
            (b"\x00\xff\r\n*3\r\n$3\r\nSET\r\n", "line 1: expected"),
            (good + b"trailing garbage\n", "line 8: unknown record 'trailing'"),
            (good + b"\n", "line 8: empty line"),
            (good.replace(b"0-8191", b"0-8192"), "slot 8192 is assigned twice"),
            (good.replace(b"epoch 9", b"epoch -9"), "line 2: bad epoch '-9'"),
            (good.replace(b"7003 17003", b"70000 17003"), "line 7: bad port '70000'"),
            (good.replace(NODE_3.encode(), NODE_2.encode()), "duplicate node id " + NODE_2),
            (good.replace(SHARD_B.encode(), SHARD_A.encode()), "duplicate shard id " + SHARD_A),
            (good.replace(b"127.0.0.1 7002", b"127.0.\xc3\xa9 7002"), "line 5: bad host"),
            (good[:good.rindex(b"node ") + 10], "line 7: expected 'node <id>"),
            (b"x" * 1000000, "line 1: expected"),
        ]
        for text, reason in cases:
            with self.assertRaises(RespError, msg=text[:80]) as cm:
                self.c.call("CLUSTER", "SETTOPOLOGY", text)
            msg = str(cm.exception)
            self.assertTrue(msg.startswith("ERR invalid topology: "), msg)
            self.assertIn(reason, msg)
            self.assertNotIn("\n", msg)
            self.assertEqual(self.c.call("PING"), b"PONG")
        self.assertEqual(self.c.call("CLUSTER", "GETTOPOLOGY"), t1)
        self.assertEqual(self.file(), t1)
        # arity
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'cluster\|settopology' command$"):
            self.c.call("CLUSTER", "SETTOPOLOGY")
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'cluster\|gettopology' command$"):
            self.c.call("CLUSTER", "GETTOPOLOGY", "x")
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", good), b"OK")

    def test_corrupt_file_ignored_at_start(self):
        me = self.myid()
        self.c.close()
        self.assertEqual(self.node.stop(), 0)
        with open(os.path.join(self.node.dir, "topology"), "wb") as f:
            f.write(b"redraft-topology 1\nepoch 4\nshard xyz\n")
        self.node.start()
        self.c = self.node.client()
        self.assertIn("Ignoring the corrupt topology file", self.node.output())
        self.assertIsNone(self.c.call("CLUSTER", "GETTOPOLOGY"))
        t = topology(1, me, self.node.port)
        self.assertEqual(self.c.call("CLUSTER", "SETTOPOLOGY", t), b"OK")
        self.assertEqual(self.file(), t)


class TopologyAuthTest(_NodeCase):
    ARGS = ("--cluster-enabled", "yes", "--requirepass", PASSWORD)

    def setUp(self):
        self.node = Node(*self.ARGS).start()
        self.c = self.node.client()
        with self.node.client() as anon:
            with self.assertRaisesRegex(RespError, r"^NOAUTH Authentication required\.$"):
                anon.call("CLUSTER", "SETTOPOLOGY", b"redraft-topology 1\nepoch 1\n")
            with self.assertRaisesRegex(RespError, r"^NOAUTH Authentication required\.$"):
                anon.call("CLUSTER", "GETTOPOLOGY")
        self.assertEqual(self.c.call("AUTH", PASSWORD), b"OK")

    def test_noauth_then_auth(self):
        with self.node.client() as anon:
            with self.assertRaisesRegex(RespError, r"^NOAUTH Authentication required\.$"):
                anon.call("CLUSTER", "SETTOPOLOGY", topology(1, self.myid(), self.node.port))
            self.assertIsNone(self.c.call("CLUSTER", "GETTOPOLOGY"))  # nothing was stored
            self.assertEqual(anon.call("AUTH", PASSWORD), b"OK")
            t = topology(1, self.myid(), self.node.port)
            self.assertEqual(anon.call("CLUSTER", "SETTOPOLOGY", t), b"OK")
            self.assertEqual(anon.call("CLUSTER", "GETTOPOLOGY"), t)


class NoClusterTest(unittest.TestCase):
    def test_cluster_disabled(self):
        node = Node().start()
        try:
            with node.client() as c:
                for args in (("SETTOPOLOGY", b"redraft-topology 1\nepoch 1\n"), ("GETTOPOLOGY",)):
                    with self.assertRaisesRegex(RespError, r"^ERR This instance has cluster support disabled$"):
                        c.call("CLUSTER", *args)
            self.assertFalse(os.path.exists(os.path.join(node.dir, "topology")))
        finally:
            self.assertEqual(node.stop(), 0)
            node.cleanup()


if __name__ == "__main__":
    main()
