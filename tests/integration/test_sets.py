#!/usr/bin/env python3
"""Set commands against a real redraft-node: SADD SREM SCARD SISMEMBER SMISMEMBER
SMEMBERS SPOP SRANDMEMBER SMOVE SINTER SINTERSTORE SINTERCARD SUNION SUNIONSTORE SDIFF
SDIFFSTORE SSCAN.

Expected replies and error texts are Redis 7.2's (many cases follow redis's own
tests/unit/type/set.tcl), encodings as OBJECT ENCODING names them (intset, listpack,
hashtable). When a redis-server binary is installed, a deterministic command sequence is
also replayed against it and the replies compared (member order ignored where Redis
leaves it unspecified)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, main  # noqa: E402
from test_hashes import ReferenceRedis  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"


class SetTest(NodeTestCase):
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

    def members(self, key):
        return sorted(self.call("SMEMBERS", key))

    # ---- basics and encodings ----------------------------------------------------

    def test_sadd_srem_scard_encodings(self):
        self.assertEqual(self.call("SADD", "i", "16", "17", "16"), 2)
        self.assertEqual(self.enc("i"), b"intset")
        self.assertEqual(self.call("SMEMBERS", "i"), [b"16", b"17"])  # intsets are sorted
        self.assertEqual(self.call("SADD", "i", "-5"), 1)
        self.assertEqual(self.call("SMEMBERS", "i"), [b"-5", b"16", b"17"])
        self.assertEqual(self.call("SADD", "i", "foo"), 1)
        self.assertEqual(self.enc("i"), b"listpack")
        self.assertEqual(self.call("SREM", "i", "foo", "nope", "16"), 2)
        self.assertEqual(self.enc("i"), b"listpack")  # never back
        self.assertEqual(self.call("SCARD", "i"), 2)
        self.assertEqual(self.call("SCARD", "nokey"), 0)
        self.assertEqual(self.call("SREM", "i", "-5", "17"), 2)
        self.assertEqual(self.call("EXISTS", "i"), 0)
        self.assertEqual(self.call("SREM", "nokey", "a"), 0)
        # non-canonical integers are strings
        for s in ("013", " 1", "+1", "1.0", "9223372036854775808"):
            self.call("DEL", "x")
            self.call("SADD", "x", s)
            self.assertEqual(self.enc("x"), b"listpack", s)
        self.call("DEL", "x")
        self.call("SADD", "x", "-9223372036854775808", "9223372036854775807")
        self.assertEqual(self.enc("x"), b"intset")

    def test_encoding_limits(self):
        self.call("SADD", "i", *[str(i) for i in range(512)])
        self.assertEqual(self.enc("i"), b"intset")
        self.call("SADD", "i", "512")
        self.assertEqual(self.enc("i"), b"hashtable")
        self.call("SADD", "l", *["m%d" % i for i in range(128)])
        self.assertEqual(self.enc("l"), b"listpack")
        self.call("SADD", "l", "m128")
        self.assertEqual(self.enc("l"), b"hashtable")
        self.call("SADD", "v", "a" * 64)
        self.assertEqual(self.enc("v"), b"listpack")
        self.call("SADD", "v", "b" * 65)
        self.assertEqual(self.enc("v"), b"hashtable")
        self.call("SADD", "big", *[str(i) for i in range(200)])
        self.assertEqual(self.enc("big"), b"intset")
        self.call("SADD", "big", "str")  # intset too big for a listpack
        self.assertEqual(self.enc("big"), b"hashtable")
        self.call("SADD", "hint", *["same"] * 129)  # size hint counts duplicates
        self.assertEqual(self.enc("hint"), b"hashtable")
        self.assertEqual(self.call("SCARD", "hint"), 1)

    def test_sismember_smismember(self):
        self.call("SADD", "s", "a", "1")
        self.assertEqual(self.call("SISMEMBER", "s", "a"), 1)
        self.assertEqual(self.call("SISMEMBER", "s", "b"), 0)
        self.assertEqual(self.call("SISMEMBER", "nokey", "b"), 0)
        self.assertEqual(self.call("SMISMEMBER", "s", "a", "b", "1"), [1, 0, 1])
        self.assertEqual(self.call("SMISMEMBER", "nokey", "a", "b"), [0, 0])
        self.assertEqual(self.err("SMISMEMBER", "s"),
                         "ERR wrong number of arguments for 'smismember' command")

    def test_wrongtype(self):
        self.call("SET", "str", "x")
        self.call("SADD", "s", "a")
        for cmd in (("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"),
                    ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"),
                    ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
                    ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"), ("SMOVE", "s", "str", "a"),
                    ("SINTER", "s", "str"), ("SINTER", "nokey", "str"), ("SINTERSTORE", "d", "s", "str"),
                    ("SUNION", "s", "str"), ("SUNIONSTORE", "d", "str"), ("SDIFF", "s", "str"),
                    ("SDIFFSTORE", "d", "s", "str"), ("SINTERCARD", "2", "s", "str"), ("SSCAN", "str", "0")):
            self.assertEqual(self.err(*cmd), WRONGTYPE, cmd)
        self.assertEqual(self.call("EXISTS", "d"), 0)

    # ---- SPOP / SRANDMEMBER -----------------------------------------------------

    def test_spop(self):
        for name, content in (("ints", [str(i) for i in range(20)]),
                              ("lp", ["m%d" % i for i in range(20)]),
                              ("ht", ["m%d" % i for i in range(500)])):
            self.call("SADD", name, *content)
            popped = [self.call("SPOP", name) for _ in range(5)]
            self.assertEqual(len(set(popped)), 5)
            rest = self.call("SPOP", name, "7")
            self.assertEqual(len(rest), 7)
            all_popped = set(popped) | set(rest)
            self.assertEqual(len(all_popped), 12)
            left = set(self.call("SMEMBERS", name))
            self.assertEqual(left | all_popped, {c.encode() for c in content})
            self.assertFalse(left & all_popped)
            final = self.call("SPOP", name, str(len(content)))
            self.assertEqual(set(final), left)
            self.assertEqual(self.call("EXISTS", name), 0)
        self.assertIsNone(self.call("SPOP", "nokey"))
        self.assertEqual(self.call("SPOP", "nokey", "3"), [])
        self.call("SADD", "s", "a")
        self.assertEqual(self.call("SPOP", "s", "0"), [])
        self.assertEqual(self.err("SPOP", "s", "-1"), "ERR value is out of range, must be positive")
        self.assertEqual(self.err("SPOP", "s", "x"), "ERR value is out of range, must be positive")
        self.assertEqual(self.err("SPOP", "s", "1", "2"), SYNTAX)
        self.assertEqual(self.call("SPOP", "s"), b"a")
        self.assertEqual(self.call("EXISTS", "s"), 0)

    def test_srandmember(self):
        self.assertIsNone(self.call("SRANDMEMBER", "nokey"))
        self.assertEqual(self.call("SRANDMEMBER", "nokey", "5"), [])
        self.assertEqual(self.call("SRANDMEMBER", "nokey", "-5"), [])
        for name, content in (("ints", [str(i) for i in range(50)]),
                              ("lp", ["m%d" % i for i in range(50)]),
                              ("ht", ["m%d" % i for i in range(300)])):
            self.call("SADD", name, *content)
            universe = {c.encode() for c in content}
            self.assertIn(self.call("SRANDMEMBER", name), universe)
            self.assertEqual(self.call("SRANDMEMBER", name, "0"), [])
            for count in (1, 10, len(content) - 1, len(content), len(content) + 5):
                r = self.call("SRANDMEMBER", name, str(count))
                self.assertEqual(len(r), min(count, len(content)))
                self.assertEqual(len(set(r)), len(r))
                self.assertTrue(set(r) <= universe)
            r = self.call("SRANDMEMBER", name, "-1000")
            self.assertEqual(len(r), 1000)
            self.assertTrue(set(r) <= universe)
            self.assertGreater(len(set(r)), len(content) // 2)  # covers most members
            self.assertEqual(self.call("SCARD", name), len(content))  # not removed
        self.assertEqual(self.err("SRANDMEMBER", "ints", "x"), NOT_INT)
        self.assertEqual(self.err("SRANDMEMBER", "ints", "1", "2"), SYNTAX)
        self.assertEqual(self.err("SRANDMEMBER", "ints", "-9223372036854775808"),
                         "ERR value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807")

    def test_resp3_shapes(self):
        self.call("SADD", "s", "a", "b")
        self.c.call("HELLO", "3")
        raw = self.raw("SMEMBERS", "s")
        self.assertTrue(raw.startswith(b"~2\r\n"), raw)
        self.assertTrue(self.raw("SINTER", "s", "s").startswith(b"~2\r\n"))
        self.assertTrue(self.raw("SUNION", "s").startswith(b"~2\r\n"))
        self.assertTrue(self.raw("SDIFF", "s").startswith(b"~2\r\n"))
        self.assertTrue(self.raw("SRANDMEMBER", "s", "5").startswith(b"*2\r\n"))
        self.assertTrue(self.raw("SRANDMEMBER", "s", "-3").startswith(b"*3\r\n"))
        self.assertEqual(self.raw("SPOP", "nokey", "2"), b"~0\r\n")
        self.assertEqual(self.raw("SPOP", "nokey"), b"_\r\n")
        self.assertTrue(self.raw("SPOP", "s", "1").startswith(b"~1\r\n"))

    def raw(self, *args):
        from harness import Client
        c = self.c
        received = []
        fill = c._fill

        def recording_fill():
            before = len(c.buf)
            fill()
            received.append(c.buf[before:])
        c._fill = recording_fill
        try:
            c.send_raw(Client.encode(*args))
            c.read_reply(raise_errors=False)
        finally:
            del c._fill
        data = b"".join(received)
        return data[:len(data) - len(c.buf)]

    # ---- SMOVE -------------------------------------------------------------------

    def test_smove(self):
        self.call("SADD", "src", "a", "b", "1")
        self.call("SADD", "dst", "3")
        self.assertEqual(self.call("SMOVE", "src", "dst", "a"), 1)
        self.assertEqual(self.members("dst"), [b"3", b"a"])
        self.assertEqual(self.call("SMOVE", "src", "dst", "zz"), 0)
        self.assertEqual(self.call("SMOVE", "src", "src", "b"), 1)
        self.assertEqual(self.call("SMOVE", "src", "src", "zz"), 0)
        self.assertEqual(self.call("SMOVE", "src", "new", "1"), 1)
        self.assertEqual(self.enc("new"), b"intset")
        self.assertEqual(self.call("SMOVE", "src", "dst", "b"), 1)
        self.assertEqual(self.call("EXISTS", "src"), 0)
        self.assertEqual(self.call("SMOVE", "nokey", "dst", "a"), 0)
        self.call("SET", "str", "x")
        self.assertEqual(self.call("SMOVE", "nokey", "str", "a"), 0)  # src checked first
        self.assertEqual(self.err("SMOVE", "dst", "str", "a"), WRONGTYPE)
        self.assertEqual(self.err("SMOVE", "str", "dst", "a"), WRONGTYPE)
        self.assertEqual(self.members("dst"), [b"3", b"a", b"b"])

    # ---- multi-key operations ---------------------------------------------------

    def fill_sets(self):
        self.call("SADD", "s1", *[str(i) for i in range(200)])
        self.call("SADD", "s2", *[str(i) for i in range(100, 300)])
        self.call("SADD", "s3", "1", "150", "a", "b")
        self.call("SADD", "s4", *["m%d" % i for i in range(300)] + ["150"])

    def test_sinter_sunion_sdiff(self):
        self.fill_sets()
        s1 = set(str(i).encode() for i in range(200))
        s2 = set(str(i).encode() for i in range(100, 300))
        s3 = {b"1", b"150", b"a", b"b"}
        s4 = set(b"m%d" % i for i in range(300)) | {b"150"}
        self.assertEqual(set(self.call("SINTER", "s1", "s2")), s1 & s2)
        self.assertEqual(set(self.call("SINTER", "s1", "s2", "s3")), s1 & s2 & s3)
        self.assertEqual(set(self.call("SINTER", "s4", "s3")), s4 & s3)
        self.assertEqual(self.call("SINTER", "s1", "nokey"), [])
        self.assertEqual(set(self.call("SINTER", "s1")), s1)
        self.assertEqual(set(self.call("SUNION", "s1", "s2", "s3", "nokey")), s1 | s2 | s3)
        self.assertEqual(set(self.call("SDIFF", "s1", "s2")), s1 - s2)
        self.assertEqual(set(self.call("SDIFF", "s1", "s2", "s3")), s1 - s2 - s3)
        self.assertEqual(set(self.call("SDIFF", "s4", "s3", "nokey")), s4 - s3)
        self.assertEqual(self.call("SDIFF", "nokey", "s1"), [])
        self.assertEqual(self.call("SDIFF", "s1", "s1"), [])
        self.assertEqual(self.call("SINTERCARD", "2", "s1", "s2"), 100)
        self.assertEqual(self.call("SINTERCARD", "2", "s1", "s2", "LIMIT", "10"), 10)
        self.assertEqual(self.call("SINTERCARD", "2", "s1", "s2", "LIMIT", "0"), 100)
        self.assertEqual(self.call("SINTERCARD", "2", "s1", "s2", "limit", "1000"), 100)
        self.assertEqual(self.call("SINTERCARD", "3", "s1", "s2", "nokey"), 0)

    def test_store_variants(self):
        self.fill_sets()
        self.assertEqual(self.call("SINTERSTORE", "d", "s1", "s2"), 100)
        self.assertEqual(self.enc("d"), b"intset")
        self.assertEqual(self.call("SUNIONSTORE", "d", "s1", "s2"), 300)
        self.assertEqual(self.enc("d"), b"intset")  # integers only, <= 512
        self.assertEqual(self.call("SUNIONSTORE", "d", "s1", "s4"), 500)
        self.assertEqual(self.enc("d"), b"hashtable")
        self.assertEqual(self.call("SDIFFSTORE", "d", "s3", "s1"), 2)
        self.assertEqual(sorted(self.call("SMEMBERS", "d")), [b"a", b"b"])
        self.assertEqual(self.enc("d"), b"listpack")
        self.assertEqual(self.call("SINTERSTORE", "d", "s3", "s4"), 1)
        self.assertEqual(self.call("SMEMBERS", "d"), [b"150"])
        self.assertEqual(self.enc("d"), b"intset")
        # empty result deletes the destination
        self.assertEqual(self.call("SINTERSTORE", "d", "s1", "nokey"), 0)
        self.assertEqual(self.call("EXISTS", "d"), 0)
        self.call("SET", "d", "string")
        self.call("EXPIRE", "d", "100")
        self.assertEqual(self.call("SUNIONSTORE", "d", "s3"), 4)  # overwrites any type, drops TTL
        self.assertEqual(self.call("TYPE", "d"), b"set")
        self.assertEqual(self.call("TTL", "d"), -1)
        # destination among the sources
        self.assertEqual(self.call("SDIFFSTORE", "s3", "s3", "s1"), 2)
        self.assertEqual(sorted(self.call("SMEMBERS", "s3")), [b"a", b"b"])
        self.assertEqual(self.call("SDIFFSTORE", "s3", "s3", "s3"), 0)
        self.assertEqual(self.call("EXISTS", "s3"), 0)

    def test_sintercard_errors(self):
        self.assertEqual(self.err("SINTERCARD", "0", "a"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("SINTERCARD", "-1", "a"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("SINTERCARD", "x", "a"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("SINTERCARD", "3", "a", "b"),
                         "ERR Number of keys can't be greater than number of args")
        self.assertEqual(self.err("SINTERCARD", "1", "a", "LIMIT", "-1"), "ERR LIMIT can't be negative")
        self.assertEqual(self.err("SINTERCARD", "1", "a", "LIMIT", "x"), "ERR LIMIT can't be negative")
        self.assertEqual(self.err("SINTERCARD", "1", "a", "LIMIT"), SYNTAX)
        self.assertEqual(self.err("SINTERCARD", "1", "a", "OTHER", "1"), SYNTAX)
        self.assertEqual(self.call("SINTERCARD", "1", "nokey"), 0)

    # ---- SSCAN -------------------------------------------------------------------

    def test_sscan(self):
        self.assertEqual(self.call("SSCAN", "nokey", "0"), [b"0", []])
        for name, content in (("ints", [str(i) for i in range(100)]),
                              ("lp", ["m%d" % i for i in range(100)]),
                              ("ht", ["m%d" % i for i in range(2000)])):
            self.call("SADD", name, *content)
            cursor, seen, calls = b"0", [], 0
            while True:
                cursor, items = self.call("SSCAN", name, cursor, "COUNT", "25")
                seen += items
                calls += 1
                self.assertLess(calls, 10000)
                if cursor == b"0":
                    break
            self.assertEqual(sorted(seen), sorted(c.encode() for c in content))
            self.assertEqual(calls == 1, name != "ht")
            cursor, seen = b"0", []
            while True:
                cursor, items = self.call("SSCAN", name, cursor, "MATCH", "*9", "COUNT", "100")
                seen += items
                if cursor == b"0":
                    break
            self.assertEqual(sorted(seen), sorted(c.encode() for c in content if c.endswith("9")))
        self.assertEqual(self.err("SSCAN", "ints", "0", "COUNT", "0"), SYNTAX)
        self.assertEqual(self.err("SSCAN", "ints", "0", "MATCH"), SYNTAX)
        self.assertEqual(self.err("SSCAN", "ints", "x"), "ERR invalid cursor")

    # ---- comparison with a reference redis-server ---------------------------------

    def test_replies_match_reference_redis(self):
        ref = ReferenceRedis()
        rc = ref.start()
        if rc is None:
            self.skipTest("redis-server not installed")
        unordered = {"SPOP", "SMEMBERS", "SINTER", "SUNION", "SDIFF", "SRANDMEMBER", "SSCAN"}
        try:
            cmds = [
                ("SADD", "a", "1", "2", "3", "x"), ("SADD", "b", "2", "3", "4", "y"),
                ("SADD", "c", "5"), ("SCARD", "a"), ("SMEMBERS", "a"), ("SMISMEMBER", "a", "1", "9"),
                ("SINTER", "a", "b"), ("SUNION", "a", "b", "c"), ("SDIFF", "a", "b"),
                ("SINTERSTORE", "d", "a", "b"), ("SUNIONSTORE", "d", "a", "nokey"),
                ("SDIFFSTORE", "d", "a", "a"), ("EXISTS", "d"), ("SINTERCARD", "2", "a", "b"),
                ("SINTERCARD", "2", "a", "b", "LIMIT", "1"), ("SINTERCARD", "5", "a"),
                ("SMOVE", "a", "c", "x"), ("SMOVE", "a", "c", "nope"), ("SMEMBERS", "c"),
                ("SRANDMEMBER", "c", "10"), ("SRANDMEMBER", "nokey", "-2"), ("SPOP", "nokey", "0"),
                ("SPOP", "c", "5"), ("EXISTS", "c"), ("SREM", "a", "1", "2", "3"), ("EXISTS", "a"),
                ("SSCAN", "b", "0"), ("SSCAN", "b", "0", "COUNT", "0"), ("SSCAN", "b", "abc"),
                ("SADD", "a"), ("SPOP", "b", "-3"), ("SRANDMEMBER", "b", "1", "2"),
                ("SET", "s", "x"), ("SADD", "s", "1"), ("SMOVE", "b", "s", "2"),
                ("SINTERSTORE", "s", "b"), ("TYPE", "s"), ("SISMEMBER", "s", "y"),
            ]
            for cmd in cmds:
                mine = self.c.call(*cmd, raise_errors=False)
                theirs = rc.call(*cmd, raise_errors=False)
                if isinstance(theirs, RespError):
                    self.assertIsInstance(mine, RespError, cmd)
                    self.assertEqual(str(mine), str(theirs), cmd)
                elif cmd[0] in unordered and isinstance(theirs, list):
                    if cmd[0] == "SSCAN":
                        self.assertEqual(mine[0], theirs[0], cmd)
                        self.assertEqual(sorted(mine[1]), sorted(theirs[1]), cmd)
                    else:
                        self.assertEqual(sorted(mine), sorted(theirs), cmd)
                else:
                    self.assertEqual(mine, theirs, cmd)
            rc.close()
        finally:
            ref.stop()


if __name__ == "__main__":
    main()
