#!/usr/bin/env python3
"""String commands against a real redraft-node: GET SET (every option) SETEX PSETEX SETNX
GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN GETRANGE SUBSTR SETRANGE INCR DECR
INCRBY DECRBY INCRBYFLOAT LCS.

Expected replies and error texts are Redis 7.2's (many cases follow redis's own
tests/unit/type/string.tcl and incr.tcl). RESP3 shapes are checked on raw bytes where the
difference matters (null, LCS IDX map)."""
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, Client, main  # noqa: E402

LLONG_MAX = 2**63 - 1
LLONG_MIN = -2**63

RNA1 = ("CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCAC"
        "TCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTC"
        "TGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG")
RNA2 = ("ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCT"
        "GTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAA"
        "CTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT")
RNALCS = ("ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCAC"
          "TCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTT"
          "CTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"
TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"


def lcs_len(a, b):
    """Length of the longest common subsequence (independent reference)."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def is_subsequence(s, t):
    it = iter(t)
    return all(ch in it for ch in s)


class StringTestBase(NodeTestCase):
    def call(self, *args):
        return self.c.call(*args)

    def err(self, *args):
        """The error message a command replies (fails the test if it does not error)."""
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "expected an error from %r, got %r" % (args, r))
        return str(r)

    def raw(self, *args):
        """Exact bytes of one command's reply: the harness parser delimits the reply,
        every byte it receives on the way is recorded."""
        c = self.c
        self.assertEqual(c.buf, b"")
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

    def available(self, *args):
        r = self.c.call(*args, raise_errors=False)
        return not (isinstance(r, RespError) and
                    ("not implemented" in str(r) or "unknown command" in str(r)))

    def make_non_string(self, key):
        """Creates a key of another type with whatever collection command exists."""
        self.c.call("DEL", key)
        for cmd in (("RPUSH", key, "x"), ("SADD", key, "x"), ("HSET", key, "f", "v"),
                    ("ZADD", key, "1", "x")):
            r = self.c.call(*cmd, raise_errors=False)
            if not isinstance(r, RespError):
                return
        self.skipTest("no collection type implemented yet")

    def pttl(self, key):
        r = self.c.call("PTTL", key, raise_errors=False)
        if isinstance(r, RespError):
            self.skipTest("PTTL not available: %s" % r)
        return r

    def hello3(self):
        r = self.c.call("HELLO", "3", raise_errors=False)
        if isinstance(r, RespError):
            self.skipTest("HELLO 3 not available: %s" % r)

    def encoding(self, key):
        r = self.c.call("OBJECT", "ENCODING", key, raise_errors=False)
        if isinstance(r, RespError):
            self.skipTest("OBJECT ENCODING not available: %s" % r)
        return r

    def setUp(self):
        super().setUp()
        self.c.call("FLUSHALL", raise_errors=False)


class TestGetSet(StringTestBase):
    def test_set_get(self):
        self.assertEqual(self.call("SET", "x", "foobar"), b"OK")
        self.assertEqual(self.call("GET", "x"), b"foobar")
        self.assertIsNone(self.call("GET", "nokey"))

    def test_empty_value(self):
        self.assertEqual(self.call("SET", "x", ""), b"OK")
        self.assertEqual(self.call("GET", "x"), b"")
        self.assertEqual(self.call("STRLEN", "x"), 0)

    def test_binary_safe(self):
        val = bytes(range(256)) + b"\r\n\x00\r\n$3\r\n"
        key = b"k\x00\r\nkey"
        self.assertEqual(self.call("SET", key, val), b"OK")
        self.assertEqual(self.call("GET", key), val)
        self.assertEqual(self.call("STRLEN", key), len(val))
        self.assertEqual(self.call("GET", b"k"), None)

    def test_big_values(self):
        for size in (1 << 20, 4 * 1000000 + 3):
            val = bytes(random.getrandbits(8) for _ in range(1024)) * (size // 1024) + b"x" * (size % 1024)
            self.assertEqual(self.call("SET", "big", val), b"OK")
            self.assertEqual(self.call("GET", "big"), val)
            self.assertEqual(self.call("STRLEN", "big"), len(val))
            self.assertEqual(self.call("GETRANGE", "big", size - 10, -1), val[-10:])

    def test_many_keys(self):
        cmds = [("SET", str(i), str(i)) for i in range(2000)]
        self.assertTrue(all(r == b"OK" for r in self.c.pipeline(cmds)))
        got = self.c.pipeline([("GET", str(i)) for i in range(1999, -1, -1)])
        self.assertEqual(got, [str(i).encode() for i in range(1999, -1, -1)])

    def test_integer_values(self):
        for v in ("0", "-1", "123", str(LLONG_MAX), str(LLONG_MIN), "01", "+1", " 1", "1.0",
                  "-0", "99999999999999999999", "18446744073709551616"):
            self.call("SET", "n", v)
            self.assertEqual(self.call("GET", "n"), v.encode())
            self.assertEqual(self.call("STRLEN", "n"), len(v))

    def test_arity(self):
        self.assertEqual(self.err("GET"), "ERR wrong number of arguments for 'get' command")
        self.assertEqual(self.err("GET", "a", "b"), "ERR wrong number of arguments for 'get' command")
        self.assertEqual(self.err("SET", "a"), "ERR wrong number of arguments for 'set' command")

    def test_raw_replies_resp2(self):
        self.assertEqual(self.raw("SET", "r", "abc"), b"+OK\r\n")
        self.assertEqual(self.raw("GET", "r"), b"$3\r\nabc\r\n")
        self.assertEqual(self.raw("GET", "missing"), b"$-1\r\n")
        self.assertEqual(self.raw("SET", "r", "x", "NX"), b"$-1\r\n")
        self.assertEqual(self.raw("MGET", "r", "missing"), b"*2\r\n$3\r\nabc\r\n$-1\r\n")
        self.assertEqual(self.raw("SETNX", "r", "x"), b":0\r\n")
        self.assertEqual(self.raw("GETRANGE", "missing", "0", "-1"), b"$0\r\n\r\n")

    def test_raw_replies_resp3(self):
        self.hello3()
        self.call("SET", "r", "abc")
        self.assertEqual(self.raw("GET", "missing"), b"_\r\n")
        self.assertEqual(self.raw("SET", "r", "x", "NX"), b"_\r\n")
        self.assertEqual(self.raw("SET", "r", "x", "XX", "GET"), b"$3\r\nabc\r\n")
        self.assertEqual(self.raw("MGET", "r", "missing"), b"*2\r\n$1\r\nx\r\n_\r\n")
        self.assertEqual(self.raw("GETDEL", "missing"), b"_\r\n")
        self.assertEqual(self.raw("GETEX", "missing"), b"_\r\n")
        self.assertEqual(self.raw("GETSET", "missing", "1"), b"_\r\n")
        self.assertEqual(self.raw("INCR", "missing"), b":2\r\n")  # GETSET stored "1"
        self.assertEqual(self.raw("INCRBYFLOAT", "f", "1.5"), b"$3\r\n1.5\r\n")


class TestSetOptions(StringTestBase):
    def test_nx(self):
        self.assertEqual(self.call("SET", "foo", "1", "NX"), b"OK")
        self.assertIsNone(self.call("SET", "foo", "2", "nx"))
        self.assertEqual(self.call("GET", "foo"), b"1")

    def test_xx(self):
        self.assertIsNone(self.call("SET", "foo", "1", "XX"))
        self.assertIsNone(self.call("GET", "foo"))
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("SET", "foo", "2", "xX"), b"OK")
        self.assertEqual(self.call("GET", "foo"), b"2")

    def test_get(self):
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("SET", "foo", "bar2", "GET"), b"bar")
        self.assertEqual(self.call("GET", "foo"), b"bar2")
        self.assertIsNone(self.call("SET", "new", "v", "get"))
        self.assertEqual(self.call("GET", "new"), b"v")

    def test_get_xx(self):
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("SET", "foo", "baz", "GET", "XX"), b"bar")
        self.assertEqual(self.call("GET", "foo"), b"baz")
        self.assertIsNone(self.call("SET", "nokey", "bar", "GET", "XX"))
        self.assertIsNone(self.call("GET", "nokey"))

    def test_get_nx(self):
        # NX and GET together are allowed since Redis 7.0.
        self.assertIsNone(self.call("SET", "foo", "bar", "GET", "NX"))
        self.assertEqual(self.call("GET", "foo"), b"bar")
        self.assertEqual(self.call("SET", "foo", "baz", "NX", "GET"), b"bar")
        self.assertEqual(self.call("GET", "foo"), b"bar")

    def test_get_repeated(self):
        self.call("SET", "foo", "a")
        self.assertEqual(self.call("SET", "foo", "b", "GET", "GET"), b"a")

    def test_get_int_encoded(self):
        self.call("SET", "foo", "12345")
        self.assertEqual(self.call("SET", "foo", "x", "GET"), b"12345")

    def test_ex_px(self):
        self.call("SET", "foo", "bar", "EX", "10")
        self.assertTrue(9000 < self.pttl("foo") <= 10000)
        self.call("SET", "foo", "bar", "PX", "10000")
        self.assertTrue(9000 < self.pttl("foo") <= 10000)
        self.call("SET", "foo", "bar", "px", "100")
        time.sleep(0.25)
        self.assertIsNone(self.call("GET", "foo"))

    def test_exat_pxat(self):
        now = time.time()
        self.call("SET", "foo", "bar", "EXAT", int(now) + 10)
        self.assertTrue(8000 < self.pttl("foo") <= 10000)
        self.call("SET", "foo", "bar", "PXAT", int(now * 1000) + 10000)
        self.assertTrue(8000 < self.pttl("foo") <= 10000)

    def test_exat_in_the_past(self):
        self.call("SET", "foo", "old")
        self.assertEqual(self.call("SET", "foo", "bar", "EXAT", "1"), b"OK")
        self.assertIsNone(self.call("GET", "foo"))
        self.assertEqual(self.call("EXISTS", "foo"), 0)
        self.assertEqual(self.call("SET", "foo", "bar", "PXAT", "1"), b"OK")
        self.assertEqual(self.call("EXISTS", "foo"), 0)
        self.call("SET", "foo", "old")
        self.assertEqual(self.call("SET", "foo", "bar", "PXAT", int(time.time() * 1000) - 1000, "GET"), b"old")
        self.assertEqual(self.call("EXISTS", "foo"), 0)

    def test_set_drops_ttl(self):
        self.call("SET", "foo", "bar", "EX", "100")
        self.call("SET", "foo", "bar2")
        self.assertEqual(self.pttl("foo"), -1)

    def test_keepttl(self):
        self.call("SET", "foo", "bar", "EX", "100")
        self.assertEqual(self.call("SET", "foo", "bar2", "KEEPTTL"), b"OK")
        self.assertEqual(self.call("GET", "foo"), b"bar2")
        self.assertTrue(90000 < self.pttl("foo") <= 100000)
        self.assertEqual(self.call("SET", "foo", "bar3", "keepttl", "XX", "GET"), b"bar2")
        self.assertTrue(90000 < self.pttl("foo") <= 100000)
        # KEEPTTL on a missing key: no TTL
        self.call("SET", "nottl", "v", "KEEPTTL")
        self.assertEqual(self.pttl("nottl"), -1)

    def test_multiple_options(self):
        self.call("SET", "foo", "val")
        self.assertEqual(self.call("SET", "foo", "bar", "XX", "PX", "10000"), b"OK")
        self.assertTrue(9000 < self.pttl("foo") <= 10000)
        self.assertEqual(self.call("SET", "foo", "baz", "GET", "EX", "20", "XX"), b"bar")
        self.assertTrue(19000 < self.pttl("foo") <= 20000)
        # the same expire form twice: the last one wins
        self.assertEqual(self.call("SET", "foo", "v", "EX", "10", "EX", "30"), b"OK")
        self.assertTrue(29000 < self.pttl("foo") <= 30000)
        self.assertEqual(self.call("SET", "foo", "v", "NX", "NX"), None)

    def test_syntax_errors(self):
        for args in (("non-existing-option",), ("NX", "XX"), ("XX", "NX"), ("EX", "10", "PX", "100"),
                     ("PX", "100", "EX", "10"), ("EX", "10", "EXAT", "10"), ("PXAT", "1", "EXAT", "1"),
                     ("KEEPTTL", "EX", "10"), ("EX", "10", "KEEPTTL"), ("PX", "10", "KEEPTTL"),
                     ("EX",), ("PX",), ("EXAT",), ("PXAT",), ("NX", "EX"), ("PERSIST",),
                     ("EX", "10", "junk"), ("NXX",), ("GETT",), ("E",)):
            self.assertEqual(self.err("SET", "foo", "bar", *args), SYNTAX, args)
        self.assertIsNone(self.call("GET", "foo"))

    def test_syntax_before_expire_value(self):
        # syntax errors win over a bad expire value
        self.assertEqual(self.err("SET", "foo", "bar", "EX", "abc", "junk"), SYNTAX)

    def test_invalid_expire(self):
        for opt in ("EX", "PX", "EXAT", "PXAT"):
            for v in ("0", "-1", "-100"):
                self.assertEqual(self.err("SET", "foo", "bar", opt, v),
                                 "ERR invalid expire time in 'set' command", (opt, v))
            for v in ("abc", "1.5", "", " 1", "99999999999999999999"):
                self.assertEqual(self.err("SET", "foo", "bar", opt, v), NOT_INT, (opt, v))
        # overflow: seconds * 1000, and now + value
        self.assertEqual(self.err("SET", "foo", "bar", "EX", str(LLONG_MAX // 1000 + 1)),
                         "ERR invalid expire time in 'set' command")
        self.assertEqual(self.err("SET", "foo", "bar", "EXAT", str(LLONG_MAX // 1000 + 1)),
                         "ERR invalid expire time in 'set' command")
        self.assertEqual(self.err("SET", "foo", "bar", "PX", str(LLONG_MAX)),
                         "ERR invalid expire time in 'set' command")
        self.assertEqual(self.err("SET", "foo", "bar", "EX", str(LLONG_MAX // 1000)),
                         "ERR invalid expire time in 'set' command")
        self.assertIsNone(self.call("GET", "foo"))
        # PXAT LLONG_MAX is a valid (far) deadline
        self.assertEqual(self.call("SET", "foo", "bar", "PXAT", str(LLONG_MAX)), b"OK")
        self.assertEqual(self.call("GET", "foo"), b"bar")

    def test_expire_error_before_get_and_nx(self):
        self.call("SET", "foo", "old")
        self.assertEqual(self.err("SET", "foo", "bar", "GET", "EX", "0"),
                         "ERR invalid expire time in 'set' command")
        self.assertEqual(self.call("GET", "foo"), b"old")


class TestSetVariants(StringTestBase):
    def test_setex(self):
        self.assertEqual(self.call("SETEX", "k", "10", "v"), b"OK")
        self.assertEqual(self.call("GET", "k"), b"v")
        self.assertTrue(9000 < self.pttl("k") <= 10000)
        self.assertEqual(self.err("SETEX", "k", "0", "v"), "ERR invalid expire time in 'setex' command")
        self.assertEqual(self.err("SETEX", "k", "-10", "v"), "ERR invalid expire time in 'setex' command")
        self.assertEqual(self.err("SETEX", "k", "x", "v"), NOT_INT)
        self.assertEqual(self.err("SETEX", "k", str(LLONG_MAX // 1000 + 1), "v"),
                         "ERR invalid expire time in 'setex' command")
        self.assertEqual(self.err("SETEX", "k", "10"), "ERR wrong number of arguments for 'setex' command")
        self.call("SETEX", "k", "1", "short")
        time.sleep(1.2)
        self.assertIsNone(self.call("GET", "k"))

    def test_psetex(self):
        self.assertEqual(self.call("PSETEX", "k", "10000", "v"), b"OK")
        self.assertTrue(9000 < self.pttl("k") <= 10000)
        self.assertEqual(self.err("PSETEX", "k", "0", "v"), "ERR invalid expire time in 'psetex' command")
        self.assertEqual(self.err("PSETEX", "k", str(LLONG_MAX), "v"),
                         "ERR invalid expire time in 'psetex' command")
        self.call("PSETEX", "k", "100", "v")
        time.sleep(0.25)
        self.assertIsNone(self.call("GET", "k"))

    def test_setnx(self):
        self.assertEqual(self.call("SETNX", "novar", "foobared"), 1)
        self.assertEqual(self.call("GET", "novar"), b"foobared")
        self.assertEqual(self.call("SETNX", "novar", "blabla"), 0)
        self.assertEqual(self.call("GET", "novar"), b"foobared")

    def test_setnx_expired_key(self):
        self.call("SET", "x", "10", "PX", "100")
        time.sleep(0.25)
        self.assertEqual(self.call("SETNX", "x", "20"), 1)
        self.assertEqual(self.call("GET", "x"), b"20")

    def test_getset(self):
        self.assertIsNone(self.call("GETSET", "foo", "xyz"))
        self.assertEqual(self.call("GET", "foo"), b"xyz")
        self.assertEqual(self.call("GETSET", "foo", "bar"), b"xyz")
        self.assertEqual(self.call("GET", "foo"), b"bar")
        self.call("SET", "foo", "v", "EX", "100")
        self.assertEqual(self.call("GETSET", "foo", "w"), b"v")
        self.assertEqual(self.pttl("foo"), -1)

    def test_getdel(self):
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("GETDEL", "foo"), b"bar")
        self.assertIsNone(self.call("GETDEL", "foo"))
        self.assertEqual(self.call("EXISTS", "foo"), 0)
        self.call("SET", "n", "42")
        self.assertEqual(self.call("GETDEL", "n"), b"42")


class TestGetex(StringTestBase):
    def test_no_option(self):
        self.call("SET", "foo", "bar", "EX", "100")
        self.assertEqual(self.call("GETEX", "foo"), b"bar")
        self.assertTrue(90000 < self.pttl("foo") <= 100000)
        self.assertIsNone(self.call("GETEX", "missing"))

    def test_ex_px_exat_pxat(self):
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("GETEX", "foo", "EX", "10"), b"bar")
        self.assertTrue(9000 < self.pttl("foo") <= 10000)
        self.assertEqual(self.call("GETEX", "foo", "px", "20000"), b"bar")
        self.assertTrue(19000 < self.pttl("foo") <= 20000)
        self.assertEqual(self.call("GETEX", "foo", "EXAT", int(time.time()) + 30), b"bar")
        self.assertTrue(28000 < self.pttl("foo") <= 30000)
        self.assertEqual(self.call("GETEX", "foo", "PXAT", int(time.time() * 1000) + 40000), b"bar")
        self.assertTrue(38000 < self.pttl("foo") <= 40000)

    def test_persist(self):
        self.call("SET", "foo", "bar", "EX", "10")
        self.assertEqual(self.call("GETEX", "foo", "PERSIST"), b"bar")
        self.assertEqual(self.pttl("foo"), -1)
        self.assertEqual(self.call("GETEX", "foo", "persist"), b"bar")
        self.assertEqual(self.pttl("foo"), -1)

    def test_past_deadline_deletes(self):
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("GETEX", "foo", "EXAT", "1"), b"bar")
        self.assertEqual(self.call("EXISTS", "foo"), 0)
        self.call("SET", "foo", "bar")
        self.assertEqual(self.call("GETEX", "foo", "PXAT", int(time.time() * 1000) - 5), b"bar")
        self.assertEqual(self.call("EXISTS", "foo"), 0)

    def test_relative_expiry_happens(self):
        self.call("SET", "foo", "bar")
        self.call("GETEX", "foo", "PX", "100")
        time.sleep(0.25)
        self.assertIsNone(self.call("GET", "foo"))

    def test_errors(self):
        self.call("SET", "foo", "bar")
        for args in (("non-existent-option",), ("NX",), ("XX",), ("GET",), ("KEEPTTL",),
                     ("EX",), ("EX", "10", "PX", "10"), ("PERSIST", "EX", "10"),
                     ("EX", "10", "PERSIST"), ("PXAT", "1", "EXAT", "1")):
            self.assertEqual(self.err("GETEX", "foo", *args), SYNTAX, args)
        self.assertEqual(self.err("GETEX", "foo", "EX", "0"), "ERR invalid expire time in 'getex' command")
        self.assertEqual(self.err("GETEX", "foo", "PX", "-1"), "ERR invalid expire time in 'getex' command")
        self.assertEqual(self.err("GETEX", "foo", "EX", str(LLONG_MAX // 1000 + 1)),
                         "ERR invalid expire time in 'getex' command")
        self.assertEqual(self.err("GETEX", "foo", "EX", "ten"), NOT_INT)
        self.assertEqual(self.pttl("foo"), -1)
        self.assertEqual(self.err("GETEX"), "ERR wrong number of arguments for 'getex' command")

    def test_missing_key_before_expire_check(self):
        # Redis looks the key up before validating the expire value
        self.assertIsNone(self.call("GETEX", "missing", "EX", "0"))
        self.assertIsNone(self.call("GETEX", "missing", "EX", "abc"))


class TestMulti(StringTestBase):
    def test_mget(self):
        self.call("SET", "foo", "BAR")
        self.call("SET", "bar", "FOO")
        self.assertEqual(self.call("MGET", "foo", "bar"), [b"BAR", b"FOO"])
        self.assertEqual(self.call("MGET", "foo", "baazz", "bar"), [b"BAR", None, b"FOO"])
        self.assertEqual(self.err("MGET"), "ERR wrong number of arguments for 'mget' command")

    def test_mset(self):
        self.assertEqual(self.call("MSET", "x", "10", "y", "foo bar", "z", "x x x x x x x\n\n\r\n"), b"OK")
        self.assertEqual(self.call("MGET", "x", "y", "z"), [b"10", b"foo bar", b"x x x x x x x\n\n\r\n"])
        # the last value of a repeated key wins
        self.assertEqual(self.call("MSET", "d", "1", "d", "2"), b"OK")
        self.assertEqual(self.call("GET", "d"), b"2")

    def test_mset_drops_ttl(self):
        self.call("SET", "t", "v", "EX", "100")
        self.call("MSET", "t", "w")
        self.assertEqual(self.pttl("t"), -1)
        self.assertEqual(self.call("GET", "t"), b"w")


    def test_mset_wrong_args(self):
        self.assertEqual(self.err("MSET", "x", "10", "y", "foo bar", "z"),
                         "ERR wrong number of arguments for 'mset' command")
        self.assertEqual(self.err("MSETNX", "x", "20", "y", "foo bar", "z"),
                         "ERR wrong number of arguments for 'msetnx' command")
        self.assertEqual(self.err("MSET", "x"), "ERR wrong number of arguments for 'mset' command")
        self.assertIsNone(self.call("GET", "x"))

    def test_msetnx(self):
        self.call("SET", "x", "10")
        self.assertEqual(self.call("MSETNX", "x1", "xxx", "y2", "yyy", "x", "20"), 0)
        self.assertEqual(self.call("EXISTS", "x1"), 0)
        self.assertEqual(self.call("EXISTS", "y2"), 0)
        self.assertEqual(self.call("GET", "x"), b"10")
        self.assertEqual(self.call("MSETNX", "x1", "xxx", "y2", "yyy"), 1)
        self.assertEqual(self.call("MGET", "x1", "y2"), [b"xxx", b"yyy"])
        self.assertEqual(self.call("MSETNX", "d1", "a", "d1", "b"), 1)
        self.assertEqual(self.call("GET", "d1"), b"b")


class TestAppendRange(StringTestBase):
    def test_append(self):
        self.assertEqual(self.call("APPEND", "foo", "bar"), 3)
        self.assertEqual(self.call("APPEND", "foo", "100"), 6)
        self.assertEqual(self.call("GET", "foo"), b"bar100")
        self.assertEqual(self.call("APPEND", "foo", ""), 6)
        self.assertEqual(self.call("APPEND", "empty", ""), 0)
        self.assertEqual(self.call("EXISTS", "empty"), 1)
        self.assertEqual(self.call("APPEND", "bin", b"\x00\r\n"), 3)
        self.assertEqual(self.call("APPEND", "bin", b"\xff"), 4)
        self.assertEqual(self.call("GET", "bin"), b"\x00\r\n\xff")

    def test_append_int_and_ttl(self):
        self.call("SET", "n", "1", "EX", "100")
        self.assertEqual(self.call("APPEND", "n", "2"), 2)
        self.assertEqual(self.call("GET", "n"), b"12")
        self.assertTrue(90000 < self.pttl("n") <= 100000)
        self.assertEqual(self.encoding("n"), b"raw")
        self.assertEqual(self.call("INCR", "n"), 13)

    def test_append_fuzz(self):
        expected = b""
        for i in range(300):
            piece = bytes(random.getrandbits(8) for _ in range(random.randint(0, 40)))
            expected += piece
            self.assertEqual(self.call("APPEND", "fz", piece), len(expected))
        self.assertEqual(self.call("GET", "fz"), expected)

    def test_append_big(self):
        chunk = b"abcdefgh" * 16384  # 128 KiB
        for i in range(8):
            self.assertEqual(self.call("APPEND", "big", chunk), (i + 1) * len(chunk))
        self.assertEqual(self.call("GET", "big"), chunk * 8)

    def test_strlen(self):
        self.assertEqual(self.call("STRLEN", "notakey"), 0)
        self.call("SET", "myinteger", "-555")
        self.assertEqual(self.call("STRLEN", "myinteger"), 4)
        self.call("SET", "mystring", "foozzz0123456789 baz")
        self.assertEqual(self.call("STRLEN", "mystring"), 20)

    def test_getrange(self):
        self.assertEqual(self.call("GETRANGE", "mykey", "0", "-1"), b"")
        self.call("SET", "mykey", "Hello World")
        cases = [(0, 3, b"Hell"), (0, -1, b"Hello World"), (-4, -1, b"orld"), (5, 3, b""),
                 (5, 5000, b" World"), (-5000, 10000, b"Hello World"), (-1, -5, b""),
                 (0, 0, b"H"), (10, 10, b"d"), (11, 11, b""), (0, -100, b"H"),
                 (0, 4294967297, b"Hello World"), (LLONG_MIN, LLONG_MAX, b"Hello World"),
                 (LLONG_MAX, LLONG_MIN, b""), (-1, LLONG_MIN, b"")]
        for start, end, want in cases:
            self.assertEqual(self.call("GETRANGE", "mykey", start, end), want, (start, end))
        self.call("SET", "mykey", "1234")
        for start, end, want in [(0, 2, b"123"), (0, -1, b"1234"), (-3, -1, b"234"), (5, 3, b""),
                                 (3, 5000, b"4"), (-5000, 10000, b"1234")]:
            self.assertEqual(self.call("GETRANGE", "mykey", start, end), want, (start, end))
        self.call("SET", "empty", "")
        self.assertEqual(self.call("GETRANGE", "empty", "0", "-1"), b"")
        self.assertEqual(self.call("GETRANGE", "empty", "0", "0"), b"")

    def test_getrange_errors(self):
        self.call("SET", "mykey", "x")
        self.assertEqual(self.err("GETRANGE", "mykey", "a", "1"), NOT_INT)
        self.assertEqual(self.err("GETRANGE", "mykey", "0", "1.5"), NOT_INT)
        self.assertEqual(self.err("GETRANGE", "missing", "a", "1"), NOT_INT)
        self.assertEqual(self.err("GETRANGE", "l", "0"), "ERR wrong number of arguments for 'getrange' command")

    def test_getrange_fuzz(self):
        for _ in range(300):
            val = bytes(random.getrandbits(8) for _ in range(random.randint(0, 60)))
            self.call("SET", "bin", val)
            start, end = random.randint(-80, 80), random.randint(-80, 80)
            n = len(val)
            if start < 0 and end < 0 and start > end:
                want = b""
            else:
                s = max(start + n if start < 0 else start, 0)
                e = max(end + n if end < 0 else end, 0)
                e = min(e, n - 1)
                want = b"" if n == 0 or s > e else val[s:e + 1]
            self.assertEqual(self.call("GETRANGE", "bin", start, end), want, (val, start, end))

    def test_substr(self):
        self.call("SET", "key", "abcde")
        self.assertEqual(self.call("SUBSTR", "key", "0", "0"), b"a")
        self.assertEqual(self.call("SUBSTR", "key", "0", "3"), b"abcd")
        self.assertEqual(self.call("SUBSTR", "key", "-4", "-1"), b"bcde")

    def test_setrange_missing_key(self):
        self.assertEqual(self.call("SETRANGE", "mykey", "0", "foo"), 3)
        self.assertEqual(self.call("GET", "mykey"), b"foo")
        self.call("DEL", "mykey")
        self.assertEqual(self.call("SETRANGE", "mykey", "0", ""), 0)
        self.assertEqual(self.call("EXISTS", "mykey"), 0)
        self.assertEqual(self.call("SETRANGE", "mykey", "1", "foo"), 4)
        self.assertEqual(self.call("GET", "mykey"), b"\x00foo")
        self.assertEqual(self.call("SETRANGE", "k2", "0", "123"), 3)
        self.assertEqual(self.encoding("k2"), b"raw")

    def test_setrange_string(self):
        for off, val, n, want in [(0, "b", 3, b"boo"), (0, "", 3, b"foo"), (1, "b", 3, b"fbo"),
                                  (4, "bar", 7, b"foo\x00bar"), (3, "d", 4, b"food"),
                                  (2, "xyz", 5, b"foxyz"), (10, "!", 11, b"foo" + b"\x00" * 7 + b"!")]:
            self.call("SET", "mykey", "foo")
            self.assertEqual(self.call("SETRANGE", "mykey", off, val), n, (off, val))
            self.assertEqual(self.call("GET", "mykey"), want, (off, val))

    def test_setrange_int_encoded(self):
        self.call("SET", "mykey", "1234")
        self.assertEqual(self.call("SETRANGE", "mykey", "0", "2"), 4)
        self.assertEqual(self.call("GET", "mykey"), b"2234")
        self.assertEqual(self.encoding("mykey"), b"raw")
        self.call("SET", "mykey", "1234")
        self.assertEqual(self.call("SETRANGE", "mykey", "0", ""), 4)
        self.assertEqual(self.encoding("mykey"), b"int")
        self.assertEqual(self.call("SETRANGE", "mykey", "1", "3"), 4)
        self.assertEqual(self.call("GET", "mykey"), b"1334")
        self.call("SET", "mykey", "1234")
        self.assertEqual(self.call("SETRANGE", "mykey", "5", "2"), 6)
        self.assertEqual(self.call("GET", "mykey"), b"1234\x002")

    def test_setrange_keeps_ttl(self):
        self.call("SET", "mykey", "hello", "EX", "100")
        self.call("SETRANGE", "mykey", "0", "J")
        self.assertEqual(self.call("GET", "mykey"), b"Jello")
        self.assertTrue(90000 < self.pttl("mykey") <= 100000)

    def test_setrange_errors(self):
        self.assertEqual(self.err("SETRANGE", "mykey", str(512 * 1024 * 1024 - 4), "world"), TOO_BIG)
        self.assertEqual(self.call("EXISTS", "mykey"), 0)
        self.call("SET", "mykey", "hello")
        self.assertEqual(self.err("SETRANGE", "mykey", "-1", "world"), "ERR offset is out of range")
        self.assertEqual(self.err("SETRANGE", "mykey", str(512 * 1024 * 1024 - 4), "world"), TOO_BIG)
        self.assertEqual(self.err("SETRANGE", "mykey", str(LLONG_MAX), "A"), TOO_BIG)
        self.assertEqual(self.err("SETRANGE", "K", str(LLONG_MAX), "A"), TOO_BIG)
        self.assertEqual(self.err("SETRANGE", "K", "2147483647", "A"), TOO_BIG)
        self.assertEqual(self.err("SETRANGE", "mykey", "x", "world"), NOT_INT)
        self.assertEqual(self.err("SETRANGE", "mykey", "99999999999999999999", "w"), NOT_INT)
        self.assertEqual(self.call("GET", "mykey"), b"hello")
        self.assertEqual(self.call("SETRANGE", "mykey", str(LLONG_MAX), ""), 5)


class TestCounters(StringTestBase):
    def test_incr_decr(self):
        self.assertEqual(self.call("INCR", "novar"), 1)
        self.assertEqual(self.call("INCR", "novar"), 2)
        self.assertEqual(self.call("GET", "novar"), b"2")
        self.call("SET", "novar", "100")
        self.assertEqual(self.call("INCR", "novar"), 101)
        self.assertEqual(self.call("INCRBY", "novar", "17179869184"), 17179869285)
        self.assertEqual(self.call("INCRBY", "novar", "-17179869184"), 101)
        self.assertEqual(self.call("DECR", "novar"), 100)
        self.assertEqual(self.call("DECRBY", "novar", "1000"), -900)
        self.assertEqual(self.call("DECRBY", "novar", "-1000"), 100)
        self.assertEqual(self.call("DECR", "neg"), -1)
        self.assertEqual(self.call("DECRBY", "neg2", "5"), -5)
        self.assertEqual(self.call("INCRBY", "neg3", "-5"), -5)

    def test_incr_over_32bit(self):
        self.call("SET", "novar", "17179869184")
        self.assertEqual(self.call("INCR", "novar"), 17179869185)
        self.assertEqual(self.call("INCRBY", "novar", "17179869184"), 34359738369)

    def test_incr_raw_string_that_is_integer(self):
        # a value stored as a plain string (via APPEND) that parses as an integer
        self.call("APPEND", "r", "1")
        self.call("APPEND", "r", "0")
        self.assertEqual(self.call("INCR", "r"), 11)
        self.assertEqual(self.call("GET", "r"), b"11")

    def test_incr_not_integer(self):
        for v in (" 11", "11 ", "  11", "1.5", "abc", "", "0x10", "+1", "01", "99999999999999999999",
                  "1\x002", "9223372036854775808"):
            self.call("SET", "novar", v)
            self.assertEqual(self.err("INCR", "novar"), NOT_INT, repr(v))
            self.assertEqual(self.err("DECRBY", "novar", "1"), NOT_INT, repr(v))
            self.assertEqual(self.call("GET", "novar"), v.encode())

    def test_incrby_bad_argument(self):
        self.call("SET", "n", "1")
        for v in ("abc", "1.5", " 1", "", "99999999999999999999"):
            self.assertEqual(self.err("INCRBY", "n", v), NOT_INT, v)
            self.assertEqual(self.err("DECRBY", "n", v), NOT_INT, v)

    def test_overflow(self):
        self.call("SET", "n", str(LLONG_MAX))
        self.assertEqual(self.err("INCR", "n"), "ERR increment or decrement would overflow")
        self.assertEqual(self.err("INCRBY", "n", "1"), "ERR increment or decrement would overflow")
        self.assertEqual(self.call("INCRBY", "n", "0"), LLONG_MAX)
        self.assertEqual(self.call("DECR", "n"), LLONG_MAX - 1)
        self.call("SET", "n", str(LLONG_MIN))
        self.assertEqual(self.err("DECR", "n"), "ERR increment or decrement would overflow")
        self.assertEqual(self.err("INCRBY", "n", "-1"), "ERR increment or decrement would overflow")
        self.assertEqual(self.err("DECRBY", "n", "1"), "ERR increment or decrement would overflow")
        self.assertEqual(self.call("INCR", "n"), LLONG_MIN + 1)
        self.assertEqual(self.call("GET", "n"), str(LLONG_MIN + 1).encode())
        self.assertEqual(self.err("DECRBY", "x", str(LLONG_MIN)), "ERR decrement would overflow")
        self.assertEqual(self.call("INCRBY", "x", str(LLONG_MIN)), LLONG_MIN)
        self.call("SET", "y", "-1")
        self.assertEqual(self.call("INCRBY", "y", str(LLONG_MIN + 1)), LLONG_MIN)

    def test_incr_keeps_ttl(self):
        self.call("SET", "n", "5", "EX", "100")
        self.assertEqual(self.call("INCR", "n"), 6)
        self.assertEqual(self.call("INCRBYFLOAT", "n", "0.5"), b"6.5")
        self.assertTrue(90000 < self.pttl("n") <= 100000)

    def test_incr_encoding(self):
        self.call("SET", "n", "1")
        self.call("INCR", "n")
        self.assertEqual(self.encoding("n"), b"int")

    def test_incrbyfloat(self):
        self.assertEqual(self.call("INCRBYFLOAT", "novar", "1"), b"1")
        self.assertEqual(self.call("INCRBYFLOAT", "novar", "0.25"), b"1.25")
        self.assertEqual(self.call("GET", "novar"), b"1.25")
        self.call("SET", "novar", "1.5")
        self.assertEqual(self.call("INCRBYFLOAT", "novar", "1.5"), b"3")
        self.call("SET", "novar", "17179869184")
        self.assertEqual(self.call("INCRBYFLOAT", "novar", "1.5"), b"17179869185.5")
        self.call("SET", "foo", "1")
        self.assertEqual(self.call("INCRBYFLOAT", "foo", "-1.1"), b"-0.1")
        self.call("SET", "e", "5.0e3")
        self.assertEqual(self.call("INCRBYFLOAT", "e", "2.0e2"), b"5200")
        self.assertEqual(self.call("INCRBYFLOAT", "e", "-5200"), b"0")
        self.assertEqual(self.call("INCRBYFLOAT", "big", "1e18"), b"1000000000000000000")
        self.assertEqual(self.call("INCRBYFLOAT", "small", "0.0001"), b"0.0001")
        self.assertEqual(self.call("INCRBYFLOAT", "small", "-0.0002"), b"-0.0001")

    def test_incrbyfloat_no_negative_zero(self):
        self.call("INCRBYFLOAT", "foo", repr(1 / 41))
        self.call("INCRBYFLOAT", "foo", repr(-1 / 41))
        self.assertEqual(self.call("GET", "foo"), b"0")

    def test_incrbyfloat_errors(self):
        self.call("SET", "novar", "    11")
        self.assertEqual(self.err("INCRBYFLOAT", "novar", "1.0"), NOT_FLOAT)
        self.call("SET", "novar", "11    ")
        self.assertEqual(self.err("INCRBYFLOAT", "novar", "1.0"), NOT_FLOAT)
        self.call("SET", "novar", "11")
        for bad in ("abc", "", " 1", "1 ", "nan", "1.0x"):
            self.assertEqual(self.err("INCRBYFLOAT", "novar", bad), NOT_FLOAT, bad)
        self.call("SET", "foo", "0")
        self.assertEqual(self.err("INCRBYFLOAT", "foo", "+inf"), "ERR increment would produce NaN or Infinity")
        self.assertEqual(self.err("INCRBYFLOAT", "foo", "-inf"), "ERR increment would produce NaN or Infinity")
        self.call("SET", "foo", "1")
        self.call("SETRANGE", "foo", "2", "2")
        self.assertEqual(self.err("INCRBYFLOAT", "foo", "1"), NOT_FLOAT)
        self.call("SET", "huge", "1.1e4932")
        self.assertEqual(self.err("INCRBYFLOAT", "huge", "1.1e4932"),
                         "ERR increment would produce NaN or Infinity")
        self.assertEqual(self.call("GET", "huge"), b"1.1e4932")
        self.assertEqual(self.call("GET", "novar"), b"11")

    def test_incrbyfloat_huge_value_formatting(self):
        # ~4000 digits: the formatted value must fit and round-trip
        r = self.call("INCRBYFLOAT", "h", "1e4000")
        self.assertIn(len(r), (4000, 4001))
        self.assertTrue(r.isdigit(), r[:40])
        self.assertEqual(self.call("GET", "h"), r)


class TestLcs(StringTestBase):
    def test_docs_example(self):
        self.call("MSET", "key1", "ohmytext", "key2", "mynewtext")
        self.assertEqual(self.call("LCS", "key1", "key2"), b"mytext")
        self.assertEqual(self.call("LCS", "key1", "key2", "LEN"), 6)
        self.assertEqual(self.call("LCS", "key1", "key2", "IDX"),
                         [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6])
        self.assertEqual(self.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"),
                         [b"matches", [[[4, 7], [5, 8]]], b"len", 6])
        self.assertEqual(self.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
                         [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6])

    def test_rna(self):
        self.call("SET", "virus1", RNA1)
        self.call("SET", "virus2", RNA2)
        self.assertEqual(self.call("LCS", "virus1", "virus2"), RNALCS.encode())
        self.assertEqual(self.call("LCS", "virus1", "virus2", "LEN"), len(RNALCS))
        r = self.call("LCS", "virus1", "virus2", "IDX")
        self.assertEqual(r[0], b"matches")
        self.assertEqual(r[1], [[[238, 238], [239, 239]], [[236, 236], [238, 238]], [[229, 230], [236, 237]],
                                [[224, 224], [235, 235]], [[1, 222], [13, 234]]])
        self.assertEqual(r[2:], [b"len", len(RNALCS)])
        r = self.call("LCS", "virus1", "virus2", "IDX", "WITHMATCHLEN")
        self.assertEqual(r[1], [[[238, 238], [239, 239], 1], [[236, 236], [238, 238], 1],
                                [[229, 230], [236, 237], 2], [[224, 224], [235, 235], 1],
                                [[1, 222], [13, 234], 222]])
        r = self.call("LCS", "virus1", "virus2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "5")
        self.assertEqual(r[1], [[[1, 222], [13, 234], 222]])

    def test_resp3_map(self):
        self.hello3()
        self.call("MSET", "key1", "ohmytext", "key2", "mynewtext")
        r = self.call("LCS", "key1", "key2", "IDX")
        self.assertEqual(r, {b"matches": [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len": 6})
        self.assertEqual(self.raw("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"),
                         b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
                         b"$3\r\nlen\r\n:6\r\n")
        self.assertEqual(self.raw("LCS", "key1", "nokey", "IDX"),
                         b"%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n")

    def test_resp2_raw(self):
        self.call("MSET", "key1", "ohmytext", "key2", "mynewtext")
        self.assertEqual(self.raw("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
                         b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
                         b"$3\r\nlen\r\n:6\r\n")

    def test_empty_and_missing(self):
        self.call("SET", "a", RNA1)
        self.call("SET", "e", "")
        self.assertEqual(self.call("LCS", "a", "a"), RNA1.encode())
        self.assertEqual(self.call("LCS", "a", "e"), b"")
        self.assertEqual(self.call("LCS", "e", "a"), b"")
        self.assertEqual(self.call("LCS", "e", "e"), b"")
        self.assertEqual(self.call("LCS", "a", "missing"), b"")
        self.assertEqual(self.call("LCS", "missing", "missing2", "LEN"), 0)
        self.assertEqual(self.call("LCS", "missing", "a", "IDX"), [b"matches", [], b"len", 0])

    def test_int_encoded(self):
        self.call("SET", "n1", "1234567")
        self.call("SET", "n2", "-2468")
        self.assertEqual(self.call("LCS", "n1", "n2"), b"246")

    def test_errors(self):
        self.call("SET", "a", "abc")
        self.assertEqual(self.err("LCS", "a", "a", "LEN", "IDX"),
                         "ERR If you want both the length and indexes, please just use IDX.")
        self.assertEqual(self.err("LCS", "a", "a", "junk"), SYNTAX)
        self.assertEqual(self.err("LCS", "a", "a", "MINMATCHLEN"), SYNTAX)
        self.assertEqual(self.err("LCS", "a", "a", "IDX", "MINMATCHLEN", "x"), NOT_INT)
        self.assertEqual(self.err("LCS", "a"), "ERR wrong number of arguments for 'lcs' command")
        # negative MINMATCHLEN means 0
        self.assertEqual(self.call("LCS", "a", "a", "IDX", "MINMATCHLEN", "-5"),
                         [b"matches", [[[0, 2], [0, 2]]], b"len", 3])

    def test_too_big(self):
        big = "a" * 20000
        self.call("SET", "b1", big)
        self.call("SET", "b2", big)
        self.assertEqual(self.err("LCS", "b1", "b2"),
                         "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")

    def test_fuzz_against_reference(self):
        rnd = random.Random(7)
        for _ in range(150):
            alpha = "ab" if rnd.random() < 0.5 else "abcdxyz"
            a = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 40)))
            b = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 40)))
            self.call("MSET", "fa", a, "fb", b)
            want = lcs_len(a, b)
            s = self.call("LCS", "fa", "fb").decode()
            self.assertEqual(len(s), want, (a, b))
            self.assertTrue(is_subsequence(s, a) and is_subsequence(s, b), (a, b, s))
            self.assertEqual(self.call("LCS", "fa", "fb", "LEN"), want)
            r = self.call("LCS", "fa", "fb", "IDX", "WITHMATCHLEN")
            self.assertEqual(r[2:], [b"len", want])
            total = 0
            last_a = last_b = None
            for (a0, a1), (b0, b1), n in r[1]:
                self.assertEqual(a1 - a0 + 1, n)
                self.assertEqual(b1 - b0 + 1, n)
                self.assertEqual(a[a0:a1 + 1], b[b0:b1 + 1])
                if last_a is not None:  # ranges come latest first, not overlapping
                    self.assertLess(a1, last_a)
                    self.assertLess(b1, last_b)
                last_a, last_b = a0, b0
                total += n
            self.assertEqual(total, want, (a, b, r))
            # the matched bytes, in order, spell the LCS string
            spelled = "".join(a[a0:a1 + 1] for (a0, a1), _, _ in reversed(r[1]))
            self.assertEqual(spelled, s)


class TestWrongType(StringTestBase):
    """Every string command against a key of another type (needs a collection type)."""

    def setUp(self):
        super().setUp()
        self.make_non_string("l")
        self.call("SET", "s", "abc")

    def test_reads(self):
        self.assertEqual(self.err("GET", "l"), WRONGTYPE)
        self.assertEqual(self.err("STRLEN", "l"), WRONGTYPE)
        self.assertEqual(self.err("GETRANGE", "l", "0", "1"), WRONGTYPE)
        self.assertEqual(self.err("SUBSTR", "l", "0", "1"), WRONGTYPE)
        self.assertEqual(self.err("GETRANGE", "l", "x", "1"), NOT_INT)  # arguments first
        self.assertEqual(self.call("MGET", "s", "missing", "l"), [b"abc", None, None])
        self.assertEqual(self.err("LCS", "s", "l"), "ERR The specified keys must contain string values")
        self.assertEqual(self.err("LCS", "l", "s", "LEN"), "ERR The specified keys must contain string values")
        self.assertEqual(self.err("LCS", "l", "s", "junk"), "ERR The specified keys must contain string values")

    def test_overwrites(self):
        self.assertEqual(self.call("SET", "l", "v"), b"OK")
        self.assertEqual(self.call("GET", "l"), b"v")
        self.make_non_string("l")
        self.assertEqual(self.call("SETEX", "l", "100", "v"), b"OK")
        self.assertEqual(self.call("GET", "l"), b"v")
        self.make_non_string("l")
        self.assertEqual(self.call("MSET", "l", "m", "s", "t"), b"OK")
        self.assertEqual(self.call("MGET", "l", "s"), [b"m", b"t"])
        self.make_non_string("l")
        self.assertEqual(self.call("SET", "l", "v", "XX"), b"OK")
        self.assertEqual(self.call("GET", "l"), b"v")

    def test_conditional_sets(self):
        self.assertEqual(self.call("SETNX", "l", "v"), 0)
        self.assertIsNone(self.call("SET", "l", "v", "NX"))
        self.assertEqual(self.call("MSETNX", "l", "v", "new", "v"), 0)
        self.assertEqual(self.call("EXISTS", "new"), 0)
        self.assertNotEqual(self.call("TYPE", "l"), b"string")

    def test_get_and_set(self):
        self.assertEqual(self.err("SET", "l", "bar", "GET"), WRONGTYPE)
        self.assertEqual(self.err("SET", "l", "bar", "NX", "GET"), WRONGTYPE)
        self.assertEqual(self.err("GETSET", "l", "v"), WRONGTYPE)
        self.assertNotEqual(self.call("TYPE", "l"), b"string")
        self.assertEqual(self.err("GETDEL", "l"), WRONGTYPE)
        self.assertEqual(self.call("EXISTS", "l"), 1)
        self.assertEqual(self.err("GETEX", "l"), WRONGTYPE)
        self.assertEqual(self.err("GETEX", "l", "EX", "0"), WRONGTYPE)  # before the expire check
        self.assertEqual(self.err("GETEX", "l", "junk"), SYNTAX)  # syntax first

    def test_modifications(self):
        self.assertEqual(self.err("APPEND", "l", "x"), WRONGTYPE)
        self.assertEqual(self.err("SETRANGE", "l", "0", "bar"), WRONGTYPE)
        self.assertEqual(self.err("SETRANGE", "l", "0", ""), WRONGTYPE)
        self.assertEqual(self.err("SETRANGE", "l", "-1", "x"), "ERR offset is out of range")
        self.assertEqual(self.err("INCR", "l"), WRONGTYPE)
        self.assertEqual(self.err("DECR", "l"), WRONGTYPE)
        self.assertEqual(self.err("INCRBY", "l", "1"), WRONGTYPE)
        self.assertEqual(self.err("INCRBY", "l", "x"), NOT_INT)  # the argument first
        self.assertEqual(self.err("DECRBY", "l", "1"), WRONGTYPE)
        self.assertEqual(self.err("INCRBYFLOAT", "l", "1"), WRONGTYPE)
        self.assertEqual(self.err("INCRBYFLOAT", "l", "abc"), WRONGTYPE)  # the type first
        self.assertNotEqual(self.call("TYPE", "l"), b"string")


class TestCli(StringTestBase):
    """A few commands through the real redis-cli."""

    def test_cli(self):
        from harness import REDIS_CLI
        if not REDIS_CLI:
            self.skipTest("redis-cli not installed")
        self.assertEqual(self.node.cli("SET", "cli", "hello world").strip(), "OK")
        self.assertEqual(self.node.cli("GET", "cli").strip(), "hello world")
        self.assertEqual(self.node.cli("INCRBYFLOAT", "f", "10.5").strip(), "10.5")
        self.assertEqual(self.node.cli("GET", "missing").strip(), "")
        self.node.cli("MSET", "key1", "ohmytext", "key2", "mynewtext")
        self.assertEqual(self.node.cli("LCS", "key1", "key2").strip(), "mytext")
        self.assertEqual(self.node.cli("LCS", "key1", "key2", "LEN").strip(), "6")


if __name__ == "__main__":
    main()
