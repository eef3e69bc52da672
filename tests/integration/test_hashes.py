#!/usr/bin/env python3
"""Hash commands against a real redraft-node: HSET HSETNX HGET HMGET HMSET HDEL HLEN
HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.

Expected replies and error texts are Redis 7.2's (many cases follow redis's own
tests/unit/type/hash.tcl), encodings as OBJECT ENCODING names them. When a redis-server
binary is installed, a deterministic command sequence is also replayed against it and
the replies compared, and the memory of 100k small hashes is compared with it."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, Client, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ReferenceRedis:
    """A throwaway redis-server (if installed) to compare replies with."""

    def __init__(self):
        self.bin = shutil.which("redis-server")
        self.proc = None

    def start(self):
        if not self.bin:
            return None
        self.dir = tempfile.mkdtemp(prefix="redraft-ref-")
        self.port = free_port()
        self.proc = subprocess.Popen([self.bin, "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                return Client(self.port)
            except OSError:
                time.sleep(0.05)
        return None

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            shutil.rmtree(self.dir, ignore_errors=True)


class HashTest(NodeTestCase):
    def call(self, *args):
        return self.c.call(*args)

    def err(self, *args):
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "expected an error from %r, got %r" % (args, r))
        return str(r)

    def setUp(self):
        super().setUp()
        self.c.call("FLUSHALL")

    def enc(self, key):
        return self.call("OBJECT", "ENCODING", key)

    # ---- basics ------------------------------------------------------------------

    def test_hset_hget_small_and_big(self):
        small = {b"f%d" % i: b"v%d" % i for i in range(8)}
        big = {b"f%d" % i: b"v%d" % i for i in range(1000)}
        for k, v in small.items():
            self.assertEqual(self.call("HSET", "smallhash", k, v), 1)
        for k, v in big.items():
            self.assertEqual(self.call("HSET", "bighash", k, v), 1)
        self.assertEqual(self.enc("smallhash"), b"listpack")
        self.assertEqual(self.enc("bighash"), b"hashtable")
        for k, v in small.items():
            self.assertEqual(self.call("HGET", "smallhash", k), v)
        for k, v in list(big.items())[::97]:
            self.assertEqual(self.call("HGET", "bighash", k), v)
        self.assertEqual(self.call("HSET", "smallhash", "f1", "new"), 0)
        self.assertEqual(self.call("HGET", "smallhash", "f1"), b"new")
        self.assertIsNone(self.call("HGET", "smallhash", "nofield"))
        self.assertIsNone(self.call("HGET", "nokey", "f"))
        self.assertEqual(self.call("HLEN", "smallhash"), 8)
        self.assertEqual(self.call("HLEN", "bighash"), 1000)
        self.assertEqual(self.call("HLEN", "nokey"), 0)

    def test_hset_multiple_and_arity(self):
        self.assertEqual(self.call("HSET", "h", "a", "1", "b", "2", "a", "3"), 2)
        self.assertEqual(self.call("HGET", "h", "a"), b"3")
        self.assertEqual(self.err("HSET", "h", "a", "1", "b"),
                         "ERR wrong number of arguments for 'hset' command")
        self.assertEqual(self.err("HSET", "h", "a"), "ERR wrong number of arguments for 'hset' command")
        self.assertEqual(self.err("HMSET", "h", "a", "1", "b"),
                         "ERR wrong number of arguments for 'hmset' command")
        self.assertEqual(self.call("HMSET", "h", "x", "1", "y", "2"), b"OK")
        self.assertEqual(self.call("HMGET", "h", "x", "nofield", "y"), [b"1", None, b"2"])
        self.assertEqual(self.call("HMGET", "nokey", "x", "y"), [None, None])

    def test_hsetnx(self):
        self.assertEqual(self.call("HSETNX", "h", "f", "v1"), 1)
        self.assertEqual(self.call("HSETNX", "h", "f", "v2"), 0)
        self.assertEqual(self.call("HGET", "h", "f"), b"v1")

    def test_hdel_deletes_empty_hash(self):
        self.call("HSET", "h", "a", "1", "b", "2")
        self.assertEqual(self.call("HDEL", "h", "a", "nofield", "a"), 1)
        self.assertEqual(self.call("EXISTS", "h"), 1)
        self.assertEqual(self.call("HDEL", "h", "b", "c"), 1)
        self.assertEqual(self.call("EXISTS", "h"), 0)
        self.assertEqual(self.call("HDEL", "h", "b"), 0)
        # big hash too
        for i in range(200):
            self.call("HSET", "big", "f%d" % i, "v")
        self.assertEqual(self.call("HDEL", "big", *["f%d" % i for i in range(200)]), 200)
        self.assertEqual(self.call("EXISTS", "big"), 0)

    def test_hexists_hstrlen(self):
        self.call("HSET", "h", "f", "hello", "n", "12345")
        self.assertEqual(self.call("HEXISTS", "h", "f"), 1)
        self.assertEqual(self.call("HEXISTS", "h", "x"), 0)
        self.assertEqual(self.call("HEXISTS", "nokey", "x"), 0)
        self.assertEqual(self.call("HSTRLEN", "h", "f"), 5)
        self.assertEqual(self.call("HSTRLEN", "h", "n"), 5)
        self.assertEqual(self.call("HSTRLEN", "h", "x"), 0)
        self.assertEqual(self.call("HSTRLEN", "nokey", "x"), 0)
        self.call("HSET", "h", "neg", "-1234567890123")
        self.assertEqual(self.call("HSTRLEN", "h", "neg"), 14)

    def test_hkeys_hvals_hgetall_order_and_resp3(self):
        pairs = [("c", "3"), ("a", "1"), ("b", "2")]
        for f, v in pairs:
            self.call("HSET", "h", f, v)
        self.assertEqual(self.call("HKEYS", "h"), [b"c", b"a", b"b"])
        self.assertEqual(self.call("HVALS", "h"), [b"3", b"1", b"2"])
        self.assertEqual(self.call("HGETALL", "h"), [b"c", b"3", b"a", b"1", b"b", b"2"])
        self.assertEqual(self.call("HKEYS", "nokey"), [])
        self.assertEqual(self.call("HGETALL", "nokey"), [])
        self.c.call("HELLO", "3")
        self.assertEqual(self.call("HGETALL", "h"), {b"c": b"3", b"a": b"1", b"b": b"2"})
        self.assertEqual(self.call("HGETALL", "nokey"), {})
        # the same across conversion to hashtable: order is kept
        for i in range(200):
            self.call("HSET", "h", "x%d" % i, "v")
        self.assertEqual(self.enc("h"), b"hashtable")
        self.assertEqual(self.call("HKEYS", "h")[:3], [b"c", b"a", b"b"])

    def test_wrongtype(self):
        self.call("SET", "s", "x")
        for cmd in (("HSET", "s", "a", "b"), ("HSETNX", "s", "a", "b"), ("HGET", "s", "a"),
                    ("HMGET", "s", "a"), ("HMSET", "s", "a", "b"), ("HDEL", "s", "a"),
                    ("HLEN", "s"), ("HSTRLEN", "s", "a"), ("HEXISTS", "s", "a"),
                    ("HKEYS", "s"), ("HVALS", "s"), ("HGETALL", "s"),
                    ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"),
                    ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HSCAN", "s", "0")):
            self.assertEqual(self.err(*cmd), WRONGTYPE, cmd)
        self.assertEqual(self.call("GET", "s"), b"x")

    # ---- counters ----------------------------------------------------------------

    def test_hincrby(self):
        self.assertEqual(self.call("HINCRBY", "h", "n", "2"), 2)
        self.assertEqual(self.call("HINCRBY", "h", "n", "-5"), -3)
        self.call("HSET", "h", "big", "17179869184")
        self.assertEqual(self.call("HINCRBY", "h", "big", "1"), 17179869185)
        self.call("HSET", "h", "max", str(2**63 - 1), "min", str(-2**63))
        self.assertEqual(self.err("HINCRBY", "h", "max", "1"), "ERR increment or decrement would overflow")
        self.assertEqual(self.err("HINCRBY", "h", "min", "-1"), "ERR increment or decrement would overflow")
        self.assertEqual(self.call("HINCRBY", "h", "max", "-1"), 2**63 - 2)
        self.call("HSET", "h", "str", "hello", "spaced", " 11", "float", "1.5")
        self.assertEqual(self.err("HINCRBY", "h", "str", "1"), "ERR hash value is not an integer")
        self.assertEqual(self.err("HINCRBY", "h", "spaced", "1"), "ERR hash value is not an integer")
        self.assertEqual(self.err("HINCRBY", "h", "float", "1"), "ERR hash value is not an integer")
        self.assertEqual(self.err("HINCRBY", "h", "n", "1.5"), NOT_INT)
        self.assertEqual(self.err("HINCRBY", "h", "n", "9223372036854775808"), NOT_INT)
        self.assertEqual(self.err("HINCRBY", "nokey", "n", "x"), NOT_INT)
        self.assertEqual(self.call("EXISTS", "nokey"), 0)

    def test_hincrbyfloat(self):
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "f", "10.5"), b"10.5")
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "f", "0.1"), b"10.6")
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "f", "-10.6"), b"0")
        self.call("HSET", "h", "i", "17179869184")
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "i", "1.5"), b"17179869185.5")
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "e", "5.0e3"), b"5000")
        self.assertEqual(self.call("HINCRBYFLOAT", "h", "e", "2.0e-3"), b"5000.00199999999999978")  # as redis
        self.call("HSET", "h", "str", "hello", "inf", "inf")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "str", "1"), "ERR hash value is not a float")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "x"), NOT_FLOAT)
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "nan"), NOT_FLOAT)
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "inf"), "ERR value is NaN or Infinity")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "f", "-inf"), "ERR value is NaN or Infinity")
        self.assertEqual(self.err("HINCRBYFLOAT", "h", "inf", "1"),
                         "ERR increment would produce NaN or Infinity")
        self.assertEqual(self.err("HINCRBYFLOAT", "nokey", "f", "inf"), "ERR value is NaN or Infinity")
        self.assertEqual(self.call("EXISTS", "nokey"), 0)

    # ---- encodings ---------------------------------------------------------------

    def test_encoding_conversions(self):
        for i in range(128):
            self.call("HSET", "h", "f%d" % i, "v")
        self.assertEqual(self.enc("h"), b"listpack")
        self.call("HSET", "h", "f128", "v")
        self.assertEqual(self.enc("h"), b"hashtable")
        self.call("HDEL", "h", *["f%d" % i for i in range(100)])
        self.assertEqual(self.enc("h"), b"hashtable")
        self.call("HSET", "v", "f", "x" * 64)
        self.assertEqual(self.enc("v"), b"listpack")
        self.call("HSET", "v", "g", "x" * 65)
        self.assertEqual(self.enc("v"), b"hashtable")
        self.call("HSET", "k", "x" * 65, "1")
        self.assertEqual(self.enc("k"), b"hashtable")
        self.call("HINCRBYFLOAT", "fl", "y" * 65, "1.5")
        self.assertEqual(self.enc("fl"), b"hashtable")
        args = []
        for i in range(129):
            args += ["dup", "v"]
        self.assertEqual(self.call("HSET", "d", *args), 1)
        self.assertEqual(self.enc("d"), b"hashtable")

    def test_encoding_follows_config(self):
        r = self.c.call("CONFIG", "SET", "hash-max-listpack-entries", "4", raise_errors=False)
        if isinstance(r, RespError):
            self.skipTest("CONFIG SET hash-max-listpack-entries not available: %s" % r)
        try:
            self.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
            self.assertEqual(self.enc("h"), b"listpack")
            self.call("HSET", "h", "e", "5")
            self.assertEqual(self.enc("h"), b"hashtable")
        finally:
            self.call("CONFIG", "SET", "hash-max-listpack-entries", "128")

    # ---- HRANDFIELD --------------------------------------------------------------

    def test_hrandfield(self):
        self.assertIsNone(self.call("HRANDFIELD", "nokey"))
        self.assertEqual(self.call("HRANDFIELD", "nokey", "3"), [])
        self.assertEqual(self.call("HRANDFIELD", "nokey", "-3", "WITHVALUES"), [])
        for name, n in (("small", 10), ("big", 300)):
            fields = {b"f%d" % i: b"v%d" % i for i in range(n)}
            for f, v in fields.items():
                self.call("HSET", name, f, v)
            self.assertIn(self.call("HRANDFIELD", name), fields)
            self.assertEqual(self.call("HRANDFIELD", name, "0"), [])
            for count in (1, 5, n - 1, n, n + 10):
                r = self.call("HRANDFIELD", name, str(count))
                self.assertEqual(len(r), min(count, n))
                self.assertEqual(len(set(r)), len(r))
                self.assertTrue(set(r) <= set(fields))
            r = self.call("HRANDFIELD", name, "5", "WITHVALUES")
            self.assertEqual(len(r), 10)
            for f, v in zip(r[::2], r[1::2]):
                self.assertEqual(fields[f], v)
            r = self.call("HRANDFIELD", name, "-50")
            self.assertEqual(len(r), 50)
            self.assertTrue(set(r) <= set(fields))
            if n == 10:
                self.assertLess(len(set(r)), 50)  # repeats
            r = self.call("HRANDFIELD", name, "-20", "withvalues")
            self.assertEqual(len(r), 40)
            for f, v in zip(r[::2], r[1::2]):
                self.assertEqual(fields[f], v)
        self.assertEqual(self.err("HRANDFIELD", "small", "x"), NOT_INT)
        self.assertEqual(self.err("HRANDFIELD", "small", "1", "WITHVALUE"), SYNTAX)
        self.assertEqual(self.err("HRANDFIELD", "small", "1", "WITHVALUES", "x"), SYNTAX)
        self.assertEqual(self.err("HRANDFIELD", "small", "-9223372036854775808"),
                         "ERR value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807")
        self.assertEqual(self.err("HRANDFIELD", "small", "-9223372036854775807", "WITHVALUES"),
                         "ERR value is out of range")
        self.assertEqual(self.err("HRANDFIELD", "small", "4611686018427387904", "WITHVALUES"),
                         "ERR value is out of range")

    def test_hrandfield_resp3(self):
        self.call("HSET", "h", "a", "1", "b", "2")
        self.c.call("HELLO", "3")
        r = self.call("HRANDFIELD", "h", "5", "WITHVALUES")
        self.assertEqual(sorted(r), [[b"a", b"1"], [b"b", b"2"]])
        r = self.call("HRANDFIELD", "h", "-3", "WITHVALUES")
        self.assertEqual(len(r), 3)
        for pair in r:
            self.assertIn(pair, ([b"a", b"1"], [b"b", b"2"]))
        self.assertEqual(self.call("HRANDFIELD", "h", "-3")[0] in (b"a", b"b"), True)
        self.assertEqual(self.call("HSCAN", "h", "0"), [b"0", [b"a", b"1", b"b", b"2"]])  # flat

    # ---- HSCAN -------------------------------------------------------------------

    def scan_all(self, key, *opts):
        cursor, seen, calls = b"0", [], 0
        while True:
            cursor, items = self.call("HSCAN", key, cursor, *opts)
            seen += items
            calls += 1
            self.assertLess(calls, 10000)
            if cursor == b"0":
                return seen, calls

    def test_hscan(self):
        self.assertEqual(self.call("HSCAN", "nokey", "0"), [b"0", []])
        self.assertEqual(self.call("HSCAN", "nokey", "0", "COUNT", "0"), [b"0", []])
        for name, n in (("small", 30), ("big", 1000)):
            for i in range(n):
                self.call("HSET", name, "f%d" % i, "v%d" % i)
            items, calls = self.scan_all(name, "COUNT", "10")
            pairs = dict(zip(items[::2], items[1::2]))
            self.assertEqual(len(items), 2 * n)  # no duplicates here (no rehashing)
            self.assertEqual(pairs, {b"f%d" % i: b"v%d" % i for i in range(n)})
            if name == "small":
                self.assertEqual(calls, 1)  # listpack: everything at once
            else:
                self.assertGreater(calls, 50)
            items, _ = self.scan_all(name, "MATCH", "f1*", "COUNT", "100")
            self.assertEqual(sorted(items[::2]), sorted(b"f%d" % i for i in range(n)
                                                        if str(i).startswith("1")))
        self.assertEqual(self.err("HSCAN", "small", "0", "COUNT", "0"), SYNTAX)
        self.assertEqual(self.err("HSCAN", "small", "0", "COUNT", "x"), NOT_INT)
        self.assertEqual(self.err("HSCAN", "small", "0", "MATCH"), SYNTAX)
        self.assertEqual(self.err("HSCAN", "small", "0", "NOVALUES"), SYNTAX)
        self.assertEqual(self.err("HSCAN", "small", "abc"), "ERR invalid cursor")
        self.assertEqual(self.err("HSCAN", "small", " 1"), "ERR invalid cursor")

    def test_hscan_with_concurrent_changes(self):
        for i in range(500):
            self.call("HSET", "h", "keep%d" % i, "v")
        cursor, seen, calls = b"0", [], 0
        extra = 0
        while True:
            cursor, items = self.call("HSCAN", "h", cursor, "COUNT", "20")
            seen += items[::2]
            for _ in range(40):  # more additions than COUNT per call
                self.call("HSET", "h", "new%d" % extra, "v")
                extra += 1
            self.call("HDEL", "h", "new%d" % (extra // 2))
            calls += 1
            self.assertLess(calls, 5000, "HSCAN never ends")
            if cursor == b"0":
                break
        kept = [f for f in seen if f.startswith(b"keep")]
        self.assertEqual(sorted(kept), sorted(b"keep%d" % i for i in range(500)))

    # ---- comparisons with a reference redis-server ----------------------------------

    def test_replies_match_reference_redis(self):
        ref = ReferenceRedis()
        rc = ref.start()
        if rc is None:
            self.skipTest("redis-server not installed")
        try:
            cmds = [
                ("HSET", "h", "a", "1", "b", "2"), ("HSETNX", "h", "a", "3"),
                ("HGETALL", "h"), ("HMGET", "h", "a", "x"), ("HINCRBY", "h", "a", "10"),
                ("HINCRBY", "h", "a", "x"), ("HINCRBY", "h", "zz", "-3"),
                ("HINCRBYFLOAT", "h", "b", "1.25"), ("HINCRBYFLOAT", "h", "b", "3e2"),
                ("HINCRBYFLOAT", "h", "b", "-0.0001"), ("HINCRBYFLOAT", "h", "c", "1e-20"),
                ("HINCRBYFLOAT", "h", "a", "abc"), ("HSTRLEN", "h", "b"), ("HLEN", "h"),
                ("HDEL", "h", "a", "q"), ("HKEYS", "h"), ("HVALS", "h"), ("HEXISTS", "h", "b"),
                ("HRANDFIELD", "h", "0"), ("HRANDFIELD", "h", "x"), ("HRANDFIELD", "nokey"),
                ("HRANDFIELD", "nokey", "-3"), ("HSCAN", "h", "0"), ("HSCAN", "h", "0", "COUNT", "-1"),
                ("HSCAN", "h", "18446744073709551616"), ("HSCAN", "nokey", "7"),
                ("HSET", "h"), ("HGET", "h"), ("HMSET", "h", "a"), ("HINCRBY", "h", "a"),
                ("SET", "s", "x"), ("HGET", "s", "a"), ("HSET", "s", "a", "1"),
                ("HDEL", "h", "b", "c", "zz"), ("EXISTS", "h"),
            ]
            for cmd in cmds:
                mine = self.c.call(*cmd, raise_errors=False)
                theirs = rc.call(*cmd, raise_errors=False)
                if isinstance(theirs, RespError):
                    self.assertIsInstance(mine, RespError, cmd)
                    self.assertEqual(str(mine), str(theirs), cmd)
                else:
                    self.assertEqual(mine, theirs, cmd)
            rc.close()
        finally:
            ref.stop()

    def test_memory_of_small_hashes_vs_reference(self):
        """100k hashes of 10 small fields must not use more memory than redis-server."""
        ref = ReferenceRedis()
        rc = ref.start()
        if rc is None:
            self.skipTest("redis-server not installed")

        def used(cl):
            info = cl.call("INFO", "memory")
            for line in info.decode().splitlines():
                if line.startswith("used_memory:"):
                    return int(line.split(":")[1])
            raise AssertionError("no used_memory")

        def fill(cl):
            before = used(cl)
            for start in range(0, 100000, 1000):
                cmds = []
                for i in range(start, start + 1000):
                    args = ["HSET", "hash:%d" % i]
                    for f in range(10):
                        args += ["field%d" % f, "value%d" % (i + f)]
                    cmds.append(args)
                for r in cl.pipeline(cmds):
                    self.assertEqual(r, 10)
            return used(cl) - before

        try:
            mine = fill(self.c)
            theirs = fill(rc)
            sys.stderr.write("\n100k hashes x 10 fields: redraft %d bytes, redis %d bytes\n" % (mine, theirs))
            self.assertLessEqual(mine, theirs)
            self.assertEqual(self.call("OBJECT", "ENCODING", "hash:5"), b"listpack")
            rc.close()
        finally:
            ref.stop()
            self.call("FLUSHALL")


if __name__ == "__main__":
    main()
