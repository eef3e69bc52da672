#!/usr/bin/env python3
"""HyperLogLog commands against a real redraft-node: PFADD PFCOUNT PFMERGE.

The values must be Redis's own HLL strings byte for byte: when redis-server is installed,
RedisHllDiffTest sends the same PFADD/PFMERGE sequences to both and compares the GET
bytes (sparse, the sparse -> dense promotion, dense) and every PFCOUNT. Other cases
follow redis's tests/unit/hyperloglog.tcl."""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, Node, main  # noqa: E402
from test_bitmaps import RedisRef, REDIS_SERVER, norm  # noqa: E402

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
INVALID = "INVALIDOBJ Corrupted HLL object detected"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
DENSE_SIZE = 16 + 12288


class HllTest(NodeTestCase):
    def err(self, *args):
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "expected an error from %r, got %r" % (args, r))
        return str(r)

    def test_pfadd_basics(self):
        c = self.c
        self.assertEqual(c.call("PFADD", "h", "a", "b", "c"), 1)
        self.assertEqual(c.call("PFADD", "h", "a"), 0)
        self.assertEqual(c.call("PFCOUNT", "h"), 3)
        self.assertEqual(c.call("PFADD", "empty"), 1)  # creates the key
        self.assertEqual(c.call("PFADD", "empty"), 0)
        self.assertEqual(c.call("PFCOUNT", "empty"), 0)
        self.assertEqual(c.call("PFCOUNT", "nokey"), 0)
        self.assertEqual(c.call("PFADD", "h", ""), 1)  # the empty element is an element
        self.assertEqual(c.call("PFCOUNT", "h"), 4)
        v = c.call("GET", "h")
        self.assertEqual(v[:4], b"HYLL")
        self.assertEqual(v[4], 1)  # sparse
        self.assertEqual(c.call("OBJECT", "ENCODING", "h"), b"raw")
        self.assertEqual(c.call("TYPE", "h"), b"string")

    def test_new_hll_bytes(self):
        c = self.c
        c.call("PFADD", "n")
        # created by PFADD: the cache is marked stale, as Redis does
        self.assertEqual(c.call("GET", "n"), b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80\x7f\xff")

    def test_pfcount_does_not_write(self):
        c = self.c
        c.call("PFADD", "nw", "x", "y")
        before = c.call("GET", "nw")
        self.assertEqual(before[15] & 0x80, 0x80)  # stale cache after PFADD
        self.assertEqual(c.call("PFCOUNT", "nw"), 2)
        self.assertEqual(c.call("GET", "nw"), before)

    def test_valid_cache_is_used(self):
        c = self.c
        c.call("PFADD", "vc", "x", "y")
        v = bytearray(c.call("GET", "vc"))
        v[8:16] = (12345).to_bytes(8, "little")  # a valid cached cardinality
        c.call("SET", "h2", bytes(v))
        self.assertEqual(c.call("PFCOUNT", "h2"), 12345)
        self.assertEqual(c.call("PFCOUNT", "h2", "nokey"), 2)  # the union recomputes

    def test_promotion_to_dense(self):
        c = self.c
        for i in range(0, 3000, 100):
            c.call("PFADD", "big", *["e%d" % j for j in range(i, i + 100)])
        v = c.call("GET", "big")
        self.assertEqual(v[4], 0)
        self.assertEqual(len(v), DENSE_SIZE)
        n = c.call("PFCOUNT", "big")
        self.assertLess(abs(n - 3000) / 3000, 0.05)

    def test_accuracy(self):
        c = self.c
        rnd = random.Random(5)
        total = 0
        for step in (10, 100, 1000, 10000, 100000):
            while total < step:
                batch = ["%d-%d" % (rnd.randrange(1 << 40), total + j) for j in range(min(1000, step - total))]
                c.call("PFADD", "acc", *batch)
                total += len(batch)
            n = c.call("PFCOUNT", "acc")
            self.assertLess(abs(n - total) / total, 0.05 if total >= 1000 else 0.1,
                            "estimate %d for %d" % (n, total))

    def test_pfmerge(self):
        c = self.c
        c.call("PFADD", "a", "1", "2", "3")
        c.call("PFADD", "b", "3", "4", "5")
        self.assertEqual(c.call("PFMERGE", "m", "a", "b"), b"OK")
        self.assertEqual(c.call("PFCOUNT", "m"), 5)
        self.assertEqual(c.call("PFCOUNT", "a", "b"), 5)
        self.assertEqual(c.call("PFCOUNT", "a", "b", "nokey"), 5)
        self.assertEqual(c.call("PFMERGE", "a", "b"), b"OK")  # dest is a source too
        self.assertEqual(c.call("PFCOUNT", "a"), 5)
        self.assertEqual(c.call("PFMERGE", "only"), b"OK")
        self.assertEqual(c.call("PFCOUNT", "only"), 0)
        c.call("SET", "t", "x")
        c.call("DEL", "t")
        c.call("PFADD", "t", "z")
        c.call("EXPIRE", "t", 100)
        c.call("PFMERGE", "t", "a")
        self.assertGreater(c.call("TTL", "t"), 0)  # the destination keeps its TTL

    def test_errors(self):
        c = self.c
        c.call("SET", "s", "hello")
        self.assertEqual(self.err("PFADD", "s", "a"), NOT_HLL)
        self.assertEqual(self.err("PFCOUNT", "s"), NOT_HLL)
        self.assertEqual(self.err("PFCOUNT", "nokey", "s"), NOT_HLL)
        self.assertEqual(self.err("PFMERGE", "d", "s"), NOT_HLL)
        self.assertEqual(c.call("EXISTS", "d"), 0)
        c.call("SET", "i", "12345678901234567890")
        self.assertEqual(self.err("PFCOUNT", "i"), NOT_HLL)
        c.call("SET", "num", "1")
        self.assertEqual(self.err("PFADD", "num", "x"), NOT_HLL)
        c.call("RPUSH", "l", "x", raise_errors=False)
        if c.call("TYPE", "l") == b"list":
            self.assertEqual(self.err("PFADD", "l", "a"), WRONGTYPE)
            self.assertEqual(self.err("PFCOUNT", "l"), WRONGTYPE)
        # broken magic, encoding and dense length
        c.call("PFADD", "h", "a", "b")
        v = c.call("GET", "h")
        c.call("SET", "bad", b"HYLX" + v[4:])
        self.assertEqual(self.err("PFCOUNT", "bad"), NOT_HLL)
        c.call("SET", "bad", v[:4] + b"\x02" + v[5:])
        self.assertEqual(self.err("PFCOUNT", "bad"), NOT_HLL)
        c.call("SET", "bad", b"HYLL\x00" + b"\x00" * 11 + b"\x00" * 100)
        self.assertEqual(self.err("PFADD", "bad", "x"), NOT_HLL)
        # a sparse value whose opcodes do not cover 16384 registers
        c.call("SET", "bad", v + b"\x00")  # one more ZERO opcode at the tail
        self.assertEqual(self.err("PFCOUNT", "bad"), INVALID)
        c.call("SET", "bad", b"HYLL\x01" + b"\x00" * 10 + b"\x80" + b"\x00\x00")
        self.assertEqual(self.err("PFCOUNT", "bad"), INVALID)
        self.assertEqual(self.err("PFCOUNT", "bad", "h"), INVALID)
        self.assertEqual(self.err("PFMERGE", "bad2", "bad"), INVALID)

    def test_corruption_fuzz_never_crashes(self):
        c = self.c
        rnd = random.Random(3)
        for dense in (False, True):
            c.call("DEL", "f")
            c.call("PFADD", "f", *["x%d" % i for i in range(3000 if dense else 40)])
            good = c.call("GET", "f")
            for _ in range(300):
                v = bytearray(good)
                for _ in range(rnd.randrange(1, 10)):
                    v[rnd.randrange(16, len(v))] = rnd.randrange(256)
                if rnd.random() < 0.2:
                    v = v[:rnd.randrange(16, len(v) + 1)]
                c.call("SET", "f", bytes(v))
                for cmd in (("PFCOUNT", "f"), ("PFADD", "f", "new%d" % rnd.randrange(1000)),
                            ("PFCOUNT", "f", "nokey"), ("PFMERGE", "out", "f")):
                    r = c.call(*cmd, raise_errors=False)
                    if isinstance(r, RespError):
                        self.assertIn(str(r), (INVALID, NOT_HLL))
        self.assertEqual(c.call("PING"), b"PONG")


class RedisHllDiffTest(unittest.TestCase):
    """Byte-for-byte comparison with redis-server."""

    @classmethod
    def setUpClass(cls):
        if not REDIS_SERVER:
            raise unittest.SkipTest("redis-server not installed")
        cls.ref = RedisRef()
        cls.node = Node().start()

    @classmethod
    def tearDownClass(cls):
        cls.ref.stop()
        code = cls.node.stop()
        out = cls.node.output()
        cls.node.cleanup()
        if code != 0 or "ERROR: AddressSanitizer" in out or "runtime error:" in out:
            raise AssertionError("node exited with %s:\n%s" % (code, out))

    def setUp(self):
        self.r = self.ref.client()
        self.d = self.node.client()
        for c in (self.r, self.d):
            c.call("FLUSHALL")
            c.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")

    def tearDown(self):
        self.r.close()
        self.d.close()

    def same(self, *args):
        a = norm(self.r.call(*args, raise_errors=False))
        b = norm(self.d.call(*args, raise_errors=False))
        self.assertEqual(b, a, "reply to %r differs" % (args,))
        return a

    def same_bytes(self, key, ignore_cache=False):
        """GET of key on both; with ignore_cache the cached cardinality (which redis-server
        writes on PFCOUNT and redraft does not) is left out."""
        a = self.r.call("GET", key)
        b = self.d.call("GET", key)
        if ignore_cache and a is not None and b is not None:
            a, b = a[:8] + a[16:], b[:8] + b[16:]
        self.assertEqual(b, a, "bytes of %r differ (len redis %s, redraft %s)" %
                         (key, a and len(a), b and len(b)))

    def test_pfadd_bytes_match(self):
        rnd = random.Random(42)
        for round_ in range(40):
            key = "h%d" % round_
            n = rnd.choice([1, 5, 50, 200, 1000, 3000, 20000])
            sent = 0
            while sent < n:
                batch = ["el:%d:%d" % (round_, rnd.randrange(n * 3)) for _ in range(min(rnd.randrange(1, 200), n - sent))]
                self.same("PFADD", key, *batch)
                sent += len(batch)
                self.same_bytes(key)
            self.same("PFCOUNT", key)
            self.same_bytes(key, ignore_cache=True)

    def test_small_sparse_max(self):
        for c in (self.r, self.d):
            c.call("CONFIG", "SET", "hll-sparse-max-bytes", "40")
        rnd = random.Random(8)
        for i in range(300):
            self.same("PFADD", "s", "v%d" % rnd.randrange(100000))
            self.same_bytes("s")

    def test_binary_elements(self):
        rnd = random.Random(9)
        for i in range(300):
            ele = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 40)))
            self.same("PFADD", "bin", ele)
        self.same_bytes("bin")

    def test_pfmerge_bytes_match(self):
        rnd = random.Random(77)
        sizes = [0, 3, 30, 300, 3000, 30000]
        for i, n in enumerate(sizes):
            elems = ["m%d" % rnd.randrange(100000) for _ in range(n)]
            for j in range(0, len(elems), 500):
                self.same("PFADD", "src%d" % i, *elems[j:j + 500])
            if not elems:
                self.same("PFADD", "src%d" % i)
        counted = set()  # keys redis-server has cached a cardinality in
        for _ in range(40):
            srcs = rnd.sample(["src%d" % i for i in range(len(sizes))] + ["missing"], rnd.randrange(1, 4))
            dest = rnd.choice(["dst", "dst2", srcs[0]])
            self.same("PFMERGE", dest, *srcs)
            self.same_bytes(dest, ignore_cache=dest in counted)
            self.same("PFCOUNT", *srcs)
            if len(srcs) == 1:
                counted.add(srcs[0])
            self.same("PFCOUNT", dest)
            counted.add(dest)
            self.same_bytes(dest, ignore_cache=True)

    def test_pfdebug_matches(self):
        rnd = random.Random(4)
        for n in (0, 1, 7, 60, 400):
            key = "dbg%d" % n
            self.same("PFADD", key, *["d%d" % rnd.randrange(10**6) for _ in range(n)])
            self.same("PFDEBUG", "ENCODING", key)
            self.same("PFDEBUG", "DECODE", key)
            self.same("PFDEBUG", "GETREG", key)
            self.same_bytes(key)
            self.same("PFDEBUG", "ENCODING", key)
            self.same("PFDEBUG", "TODENSE", key)
            self.same("PFDEBUG", "DECODE", key)
        self.same("PFDEBUG", "ENCODING", "nokey")
        self.same("PFDEBUG", "FOO", "dbg1")
        self.same("SET", "str", "abc")
        self.same("PFDEBUG", "ENCODING", "str")

    def test_counts_match(self):
        rnd = random.Random(1)
        total = 0
        for step in range(30):
            k = rnd.choice([1, 10, 100, 1000, 5000])
            self.same("PFADD", "c", *["c%d" % (total + j) for j in range(k)])
            total += k
            self.same("PFCOUNT", "c")
            self.same("PFCOUNT", "c", "h-none")


if __name__ == "__main__":
    main()
