#!/usr/bin/env python3
"""Sorted set commands against a real redraft-node: ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM
ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK (WITHSCORE) ZRANGE (BYSCORE BYLEX REV
LIMIT WITHSCORES) ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
ZREVRANGEBYLEX ZREMRANGEBY{RANK,SCORE,LEX} ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER
ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN.

Expected replies and error texts are Redis 7.2's (many cases follow redis's own
tests/unit/type/zset.tcl): inf/-inf and exclusive "(" score ranges, lexical ranges with
[ ( - +, NaN refused, scores printed as 7.2 prints them (shortest round-trip), RESP3
doubles and nested [member, score] pairs, listpack/skiplist encodings and conversions,
empty sets deleted."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, Double, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_FLOAT = "ERR value is not a valid float"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
NAN_ERR = "ERR resulting score is not a number (NaN)"
RANGE_FLOAT = "ERR min or max is not a float"
RANGE_LEX = "ERR min or max not valid string range item"


class ZsetTestBase(NodeTestCase):
    def call(self, *args):
        return self.c.call(*args)

    def err(self, *args):
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "expected an error from %r, got %r" % (args, r))
        return str(r)

    def setUp(self):
        super().setUp()
        self.call("FLUSHALL")
        self.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
        self.call("CONFIG", "SET", "zset-max-listpack-value", "64")


class TestZadd(ZsetTestBase):
    def test_basic_and_flags(self):
        self.assertEqual(self.call("ZADD", "z", 1, "a", 2, "b"), 2)
        self.assertEqual(self.call("ZADD", "z", 3, "a"), 0)
        self.assertEqual(self.call("ZADD", "z", "CH", 4, "a", 2, "b", 5, "c"), 2)
        self.assertEqual(self.call("ZADD", "z", "NX", 10, "a", 1, "d"), 1)
        self.assertEqual(self.call("ZSCORE", "z", "a"), b"4")
        self.assertEqual(self.call("ZADD", "z", "XX", 10, "a", 1, "e"), 0)
        self.assertIsNone(self.call("ZSCORE", "z", "e"))
        self.assertEqual(self.call("ZSCORE", "z", "a"), b"10")
        self.assertEqual(self.call("ZADD", "z", "GT", "CH", 5, "a", 20, "b"), 1)
        self.assertEqual(self.call("ZMSCORE", "z", "a", "b"), [b"10", b"20"])
        self.assertEqual(self.call("ZADD", "z", "LT", "CH", 5, "a", 30, "b", 1, "new"), 2)
        self.assertEqual(self.call("ZMSCORE", "z", "a", "b", "new"), [b"5", b"20", b"1"])
        self.assertEqual(self.call("ZADD", "z", "XX", "GT", "CH", 50, "a"), 1)

    def test_incr(self):
        self.assertEqual(self.call("ZADD", "z", "INCR", "1.5", "a"), b"1.5")
        self.assertEqual(self.call("ZADD", "z", "INCR", "1", "a"), b"2.5")
        self.assertIsNone(self.call("ZADD", "z", "NX", "INCR", "1", "a"))
        self.assertIsNone(self.call("ZADD", "z", "GT", "INCR", "-1", "a"))
        self.assertEqual(self.call("ZADD", "z", "GT", "INCR", "1", "a"), b"3.5")
        self.assertIsNone(self.call("ZADD", "missing", "XX", "INCR", "1", "a"))
        self.assertEqual(self.call("EXISTS", "missing"), 0)
        self.assertEqual(self.call("ZINCRBY", "z", "0.1", "b"), b"0.1")
        self.assertEqual(self.call("ZINCRBY", "z", "0.2", "b"), b"0.30000000000000004")

    def test_errors(self):
        self.assertEqual(self.err("ZADD", "z", "NX", "XX", 1, "a"),
                         "ERR XX and NX options at the same time are not compatible")
        for opts in (("GT", "LT"), ("GT", "NX"), ("LT", "NX")):
            self.assertEqual(self.err("ZADD", "z", *opts, 1, "a"),
                             "ERR GT, LT, and/or NX options at the same time are not compatible")
        self.assertEqual(self.err("ZADD", "z", "INCR", 1, "a", 2, "b"),
                         "ERR INCR option supports a single increment-element pair")
        self.assertEqual(self.err("ZADD", "z", 1, "a", 2), SYNTAX)
        self.assertEqual(self.err("ZADD", "z", "nan", "a"), NOT_FLOAT)
        self.assertEqual(self.err("ZADD", "z", "1", "a", "x", "b"), NOT_FLOAT)
        self.assertEqual(self.call("EXISTS", "z"), 0, "a failed ZADD adds nothing")
        self.assertEqual(self.err("ZADD", "z", "NX"), "ERR wrong number of arguments for 'zadd' command")
        self.call("SET", "s", "x")
        self.assertEqual(self.err("ZADD", "s", 1, "a"), WRONGTYPE)
        self.assertEqual(self.err("ZINCRBY", "z", "x", "a"), NOT_FLOAT)

    def test_nan_from_incr(self):
        self.call("ZADD", "z", "inf", "a")
        self.assertEqual(self.err("ZADD", "z", "INCR", "-inf", "a"), NAN_ERR)
        self.assertEqual(self.err("ZINCRBY", "z", "-inf", "a"), NAN_ERR)
        self.assertEqual(self.call("ZSCORE", "z", "a"), b"inf")

    def test_inf_and_signed_zero_scores(self):
        self.call("ZADD", "z", "+inf", "p", "-inf", "n", "-0", "z0", "1e300", "big", "0.1", "t")
        self.assertEqual(self.call("ZRANGE", "z", 0, -1, "WITHSCORES"),
                         [b"n", b"-inf", b"z0", b"-0", b"t", b"0.1", b"big", b"1e+300", b"p", b"inf"])


class TestReads(ZsetTestBase):
    def setUp(self):
        super().setUp()
        self.call("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")

    def test_card_score_rank(self):
        self.assertEqual(self.call("ZCARD", "z"), 5)
        self.assertEqual(self.call("ZCARD", "nokey"), 0)
        self.assertIsNone(self.call("ZSCORE", "z", "x"))
        self.assertEqual(self.call("ZMSCORE", "z", "a", "x", "e"), [b"1", None, b"5"])
        self.assertEqual(self.call("ZMSCORE", "nokey", "a"), [None])
        self.assertEqual(self.call("ZRANK", "z", "c"), 2)
        self.assertEqual(self.call("ZREVRANK", "z", "c"), 2)
        self.assertEqual(self.call("ZREVRANK", "z", "a"), 4)
        self.assertEqual(self.call("ZRANK", "z", "a", "WITHSCORE"), [0, b"1"])
        self.assertIsNone(self.call("ZRANK", "z", "x", "WITHSCORE"))
        self.assertIsNone(self.call("ZRANK", "z", "x"))
        self.assertEqual(self.err("ZRANK", "z", "a", "WITHSCORES"), SYNTAX)
        self.assertEqual(self.err("ZRANK", "z", "a", "WITHSCORE", "x"),
                         "ERR wrong number of arguments for 'zrank' command")

    def test_count_ranges(self):
        self.assertEqual(self.call("ZCOUNT", "z", "-inf", "+inf"), 5)
        self.assertEqual(self.call("ZCOUNT", "z", "(1", "(5"), 3)
        self.assertEqual(self.call("ZCOUNT", "z", "(1", "1"), 0)
        self.assertEqual(self.call("ZCOUNT", "z", "5", "1"), 0)
        self.assertEqual(self.call("ZCOUNT", "nokey", "0", "1"), 0)
        self.assertEqual(self.err("ZCOUNT", "z", "x", "1"), RANGE_FLOAT)
        self.assertEqual(self.err("ZCOUNT", "z", "nan", "1"), RANGE_FLOAT)
        self.assertEqual(self.err("ZCOUNT", "z", "(", "(nan"), RANGE_FLOAT)

    def test_zrange_rank(self):
        self.assertEqual(self.call("ZRANGE", "z", 0, -1), [b"a", b"b", b"c", b"d", b"e"])
        self.assertEqual(self.call("ZRANGE", "z", -2, 100), [b"d", b"e"])
        self.assertEqual(self.call("ZRANGE", "z", 3, 1), [])
        self.assertEqual(self.call("ZRANGE", "z", 0, 1, "REV", "WITHSCORES"), [b"e", b"5", b"d", b"4"])
        self.assertEqual(self.call("ZREVRANGE", "z", 0, 0), [b"e"])
        self.assertEqual(self.call("ZRANGE", "nokey", 0, -1), [])
        self.assertEqual(self.err("ZRANGE", "z", 0, -1, "LIMIT", 0, 1),
                         "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        self.assertEqual(self.err("ZRANGE", "z", "a", -1), NOT_INT)
        self.assertEqual(self.err("ZREVRANGE", "z", 0, -1, "REV"), SYNTAX)

    def test_zrange_byscore(self):
        self.assertEqual(self.call("ZRANGE", "z", "(1", "3", "BYSCORE"), [b"b", b"c"])
        self.assertEqual(self.call("ZRANGE", "z", "3", "(1", "BYSCORE", "REV"), [b"c", b"b"])
        self.assertEqual(self.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 1, 2), [b"b", b"c"])
        self.assertEqual(self.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 1, -1), [b"b", b"c", b"d", b"e"])
        self.assertEqual(self.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", -1, 2), [])
        self.assertEqual(self.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 10, 2), [])
        self.assertEqual(self.call("ZREVRANGEBYSCORE", "z", "+inf", "(3", "WITHSCORES"),
                         [b"e", b"5", b"d", b"4"])
        self.assertEqual(self.call("ZRANGEBYSCORE", "z", "", "1"), [b"a"], "an empty bound is 0, as strtod")
        self.assertEqual(self.err("ZRANGEBYSCORE", "z", "1", "x"), RANGE_FLOAT)
        self.assertEqual(self.err("ZRANGEBYSCORE", "z", "1", "2", "BYSCORE"), SYNTAX)

    def test_lex(self):
        self.call("ZADD", "l", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e", 0, "ab")
        self.assertEqual(self.call("ZRANGEBYLEX", "l", "-", "+"), [b"a", b"ab", b"b", b"c", b"d", b"e"])
        self.assertEqual(self.call("ZRANGEBYLEX", "l", "[ab", "(d"), [b"ab", b"b", b"c"])
        self.assertEqual(self.call("ZRANGEBYLEX", "l", "(a", "[b", "LIMIT", 1, 5), [b"b"])
        self.assertEqual(self.call("ZREVRANGEBYLEX", "l", "+", "(c"), [b"e", b"d"])
        self.assertEqual(self.call("ZRANGE", "l", "[c", "-", "BYLEX", "REV"), [b"c", b"b", b"ab", b"a"])
        self.assertEqual(self.call("ZRANGEBYLEX", "l", "+", "-"), [])
        self.assertEqual(self.call("ZLEXCOUNT", "l", "[b", "[d"), 3)
        self.assertEqual(self.call("ZLEXCOUNT", "l", "-", "+"), 6)
        for bad in (("a", "+"), ("[a", "x"), ("+x", "-"), ("", "+")):
            self.assertEqual(self.err("ZRANGEBYLEX", "l", *bad), RANGE_LEX)
            self.assertEqual(self.err("ZLEXCOUNT", "l", *bad), RANGE_LEX)
        self.assertEqual(self.err("ZRANGEBYLEX", "l", "-", "+", "WITHSCORES"),
                         "ERR syntax error, WITHSCORES not supported in combination with BYLEX")

    def test_wrongtype(self):
        self.call("SET", "s", "x")
        for cmd in (("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZRANGE", "s", 0, 1), ("ZRANK", "s", "a"),
                    ("ZCOUNT", "s", 0, 1), ("ZSCAN", "s", 0), ("ZRANDMEMBER", "s"), ("ZPOPMIN", "s")):
            self.assertEqual(self.err(*cmd), WRONGTYPE, cmd)


class TestWrites(ZsetTestBase):
    def setUp(self):
        super().setUp()
        self.call("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")

    def test_zrem_deletes_empty(self):
        self.assertEqual(self.call("ZREM", "z", "a", "x", "b"), 2)
        self.assertEqual(self.call("ZREM", "z", "c", "d", "e", "c"), 3)
        self.assertEqual(self.call("EXISTS", "z"), 0)
        self.assertEqual(self.call("ZREM", "z", "a"), 0)

    def test_remrange(self):
        self.assertEqual(self.call("ZREMRANGEBYRANK", "z", 0, 1), 2)
        self.assertEqual(self.call("ZREMRANGEBYSCORE", "z", "(3", "4"), 1)
        self.assertEqual(self.call("ZRANGE", "z", 0, -1), [b"c", b"e"])
        self.assertEqual(self.err("ZREMRANGEBYSCORE", "z", "a", "1"), RANGE_FLOAT)
        self.assertEqual(self.err("ZREMRANGEBYLEX", "z", "a", "+"), RANGE_LEX)
        self.assertEqual(self.call("ZREMRANGEBYLEX", "z", "-", "+"), 2)
        self.assertEqual(self.call("EXISTS", "z"), 0)
        self.assertEqual(self.call("ZREMRANGEBYRANK", "z", 0, -1), 0)

    def test_pops(self):
        self.assertEqual(self.call("ZPOPMIN", "z"), [b"a", b"1"])
        self.assertEqual(self.call("ZPOPMAX", "z", 2), [b"e", b"5", b"d", b"4"])
        self.assertEqual(self.call("ZPOPMIN", "z", 0), [])
        self.assertEqual(self.err("ZPOPMIN", "z", -1), "ERR value is out of range, must be positive")
        self.assertEqual(self.err("ZPOPMIN", "z", 1, 2), SYNTAX)
        self.assertEqual(self.call("ZPOPMIN", "z", 10), [b"b", b"2", b"c", b"3"])
        self.assertEqual(self.call("EXISTS", "z"), 0)
        self.assertEqual(self.call("ZPOPMIN", "z"), [])

    def test_zmpop(self):
        self.call("ZADD", "y", 7, "q")
        self.assertEqual(self.call("ZMPOP", 2, "nokey", "z", "MAX", "COUNT", 2), [b"z", [[b"e", b"5"], [b"d", b"4"]]])
        self.assertEqual(self.call("ZMPOP", 1, "y", "MIN"), [b"y", [[b"q", b"7"]]])
        self.assertIsNone(self.call("ZMPOP", 1, "y", "MIN"))
        self.assertEqual(self.err("ZMPOP", 0, "z", "MIN"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("ZMPOP", 1, "z", "MIN", "COUNT", 0), "ERR count should be greater than 0")
        self.assertEqual(self.err("ZMPOP", 1, "z", "LEFT"), SYNTAX)
        self.assertEqual(self.err("ZMPOP", 3, "z", "MIN"), SYNTAX)

    def test_zrangestore(self):
        self.assertEqual(self.call("ZRANGESTORE", "d", "z", "(1", "4", "BYSCORE", "LIMIT", 1, 5), 2)
        self.assertEqual(self.call("ZRANGE", "d", 0, -1, "WITHSCORES"), [b"c", b"3", b"d", b"4"])
        self.assertEqual(self.call("ZRANGESTORE", "d", "z", 0, 1, "REV"), 2)
        self.assertEqual(self.call("ZRANGE", "d", 0, -1), [b"d", b"e"])
        self.assertEqual(self.call("ZRANGESTORE", "d", "z", 10, 20), 0)
        self.assertEqual(self.call("EXISTS", "d"), 0)
        self.assertEqual(self.err("ZRANGESTORE", "d", "z", 0, -1, "WITHSCORES"), SYNTAX)
        self.assertEqual(self.call("ZRANGESTORE", "z", "z", 0, 0), 1, "dst may be the source")
        self.assertEqual(self.call("ZRANGE", "z", 0, -1), [b"a"])


class TestSetOps(ZsetTestBase):
    def setUp(self):
        super().setUp()
        self.call("ZADD", "a", 1, "x", 2, "y", 3, "z")
        self.call("ZADD", "b", 10, "y", 20, "z", 30, "w")
        self.call("SADD", "s", "x", "w")

    def test_union_inter_diff(self):
        self.assertEqual(self.call("ZUNION", 2, "a", "b", "WITHSCORES"),
                         [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"])
        self.assertEqual(self.call("ZINTER", 2, "a", "b", "WEIGHTS", 2, 1, "AGGREGATE", "MAX", "WITHSCORES"),
                         [b"y", b"10", b"z", b"20"])
        self.assertEqual(self.call("ZINTER", 2, "a", "b", "AGGREGATE", "MIN"), [b"y", b"z"])
        self.assertEqual(self.call("ZDIFF", 2, "a", "b", "WITHSCORES"), [b"x", b"1"])
        self.assertEqual(self.call("ZDIFF", 2, "a", "a"), [])
        self.assertEqual(self.call("ZUNION", 2, "a", "nokey"), [b"x", b"y", b"z"])
        self.assertEqual(self.call("ZINTER", 2, "a", "s", "WITHSCORES"), [b"x", b"2"], "sets score 1")
        self.assertEqual(self.call("ZINTERCARD", 2, "a", "b"), 2)
        self.assertEqual(self.call("ZINTERCARD", 2, "a", "b", "LIMIT", 1), 1)
        self.assertEqual(self.call("ZUNION", 2, "a", "b", "WEIGHTS", "inf", "-inf", "WITHSCORES"),
                         [b"w", b"-inf", b"y", b"0", b"z", b"0", b"x", b"inf"])

    def test_store_and_errors(self):
        self.assertEqual(self.call("ZUNIONSTORE", "d", 2, "a", "b"), 4)
        self.assertEqual(self.call("OBJECT", "ENCODING", "d"), b"listpack")
        self.assertEqual(self.call("ZINTERSTORE", "d", 2, "a", "nokey"), 0)
        self.assertEqual(self.call("EXISTS", "d"), 0)
        self.assertEqual(self.call("ZDIFFSTORE", "a", 2, "a", "b"), 1)
        self.assertEqual(self.call("ZRANGE", "a", 0, -1), [b"x"])
        self.assertEqual(self.err("ZUNION", 0, "a"), "ERR at least 1 input key is needed for 'zunion' command")
        self.assertEqual(self.err("ZINTERCARD", 0, "a"), "ERR at least 1 input key is needed for 'zintercard' command")
        self.assertEqual(self.err("ZUNION", 3, "a", "b"), SYNTAX)
        self.assertEqual(self.err("ZUNION", "x", "a"), NOT_INT)
        self.assertEqual(self.err("ZUNION", 1, "a", "WEIGHTS", "x"), "ERR weight value is not a float")
        self.assertEqual(self.err("ZUNION", 1, "a", "AGGREGATE", "AVG"), SYNTAX)
        self.assertEqual(self.err("ZDIFF", 1, "a", "WEIGHTS", 1), SYNTAX)
        self.assertEqual(self.err("ZUNIONSTORE", "d", 1, "a", "WITHSCORES"), SYNTAX)
        self.assertEqual(self.err("ZINTERCARD", 1, "a", "LIMIT", -1), "ERR LIMIT can't be negative")
        self.call("SET", "str", "v")
        self.assertEqual(self.err("ZUNION", 2, "a", "str"), WRONGTYPE)


class TestRandomAndScan(ZsetTestBase):
    def test_zrandmember(self):
        self.assertIsNone(self.call("ZRANDMEMBER", "nokey"))
        self.assertEqual(self.call("ZRANDMEMBER", "nokey", 5), [])
        for n in (5, 300):  # listpack, then skiplist
            self.call("DEL", "z")
            args = []
            for i in range(n):
                args += [i, "m%d" % i]
            self.call("ZADD", "z", *args)
            members = set(b"m%d" % i for i in range(n))
            self.assertIn(self.call("ZRANDMEMBER", "z"), members)
            r = self.call("ZRANDMEMBER", "z", 3)
            self.assertEqual(len(set(r)), 3)
            self.assertTrue(set(r) <= members)
            r = self.call("ZRANDMEMBER", "z", -20)
            self.assertEqual(len(r), 20)
            self.assertTrue(set(r) <= members)
            self.assertEqual(len(self.call("ZRANDMEMBER", "z", n + 10)), n)
            r = self.call("ZRANDMEMBER", "z", 2, "WITHSCORES")
            self.assertEqual(len(r), 4)
            self.assertEqual(r[1], b"%d" % int(r[0][1:]))
            self.assertEqual(self.call("ZRANDMEMBER", "z", 0), [])
        self.assertEqual(self.err("ZRANDMEMBER", "z", 1, "x"), SYNTAX)
        self.assertEqual(self.err("ZRANDMEMBER", "z", "-9223372036854775808"),
                         "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
        self.assertEqual(self.err("ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"),
                         "ERR value is out of range")

    def test_zscan(self):
        self.assertEqual(self.call("ZSCAN", "nokey", 0), [b"0", []])
        self.call("ZADD", "z", 1, "a", "0.5", "b")
        self.assertEqual(self.call("ZSCAN", "z", 0), [b"0", [b"b", b"0.5", b"a", b"1"]])
        self.assertEqual(self.call("ZSCAN", "z", 0, "MATCH", "a*"), [b"0", [b"a", b"1"]])
        self.assertEqual(self.err("ZSCAN", "z", 0, "COUNT", 0), SYNTAX)
        self.assertEqual(self.err("ZSCAN", "z", "x"), "ERR invalid cursor")
        self.assertEqual(self.err("ZSCAN", "z", 0, "TYPE", "zset"), SYNTAX)
        # A skiplist is walked in pieces; a full iteration returns every member once,
        # even with deletions in between.
        args = []
        for i in range(500):
            args += [i, "m%d" % i]
        self.call("ZADD", "big", *args)
        self.assertEqual(self.call("OBJECT", "ENCODING", "big"), b"skiplist")
        seen, cursor, rounds = [], b"0", 0
        while True:
            cursor, items = self.call("ZSCAN", "big", cursor, "COUNT", 37)
            seen += items[0::2]
            rounds += 1
            if rounds == 3:
                self.call("ZREM", "big", *["m%d" % i for i in range(400, 500)])
            if cursor == b"0":
                break
        self.assertGreater(rounds, 3)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(set(b"m%d" % i for i in range(400)) <= set(seen))
        self.assertEqual(self.call("ZSCAN", "big", 0, "MATCH", "m1", "COUNT", 1000), [b"0", [b"m1", b"1"]])


class TestEncodings(ZsetTestBase):
    def test_conversions(self):
        self.call("CONFIG", "SET", "zset-max-listpack-entries", "4")
        self.call("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d")
        self.assertEqual(self.call("OBJECT", "ENCODING", "z"), b"listpack")
        self.call("ZADD", "z", 5, "e")
        self.assertEqual(self.call("OBJECT", "ENCODING", "z"), b"skiplist")
        self.call("ZADD", "v", 1, "x" * 65)
        self.assertEqual(self.call("OBJECT", "ENCODING", "v"), b"skiplist")
        self.call("ZADD", "w", 1, "x" * 64)
        self.assertEqual(self.call("OBJECT", "ENCODING", "w"), b"listpack")
        self.assertEqual(self.call("ZRANGE", "z", 0, -1, "WITHSCORES"),
                         [b"a", b"1", b"b", b"2", b"c", b"3", b"d", b"4", b"e", b"5"])
        self.call("ZREM", "z", "a", "b", "c")
        self.assertEqual(self.call("OBJECT", "ENCODING", "z"), b"skiplist", "never converted back")
        self.assertEqual(self.call("TYPE", "z"), b"zset")
        self.assertEqual(self.call("COPY", "z", "z2"), 1)
        self.assertEqual(self.call("ZRANGE", "z2", 0, -1), [b"d", b"e"])


class TestResp3(ZsetTestBase):
    def setUp(self):
        super().setUp()
        self.c.call("HELLO", "3")
        self.call("ZADD", "z", 1, "a", "2.5", "b")

    def test_doubles_and_pairs(self):
        s = self.call("ZSCORE", "z", "b")
        self.assertIsInstance(s, Double)
        self.assertEqual(s, 2.5)
        self.assertEqual(self.call("ZRANGE", "z", 0, -1, "WITHSCORES"), [[b"a", 1.0], [b"b", 2.5]])
        self.assertEqual(self.call("ZRANGE", "z", 0, -1), [b"a", b"b"])
        self.assertEqual(self.call("ZUNION", 1, "z", "WITHSCORES"), [[b"a", 1.0], [b"b", 2.5]])
        self.assertEqual(self.call("ZRANK", "z", "b", "WITHSCORE"), [1, 2.5])
        self.assertIsInstance(self.call("ZINCRBY", "z", 1, "a"), Double)
        self.assertEqual(self.call("ZMSCORE", "z", "a", "x"), [2.0, None])
        self.assertEqual(self.call("ZRANDMEMBER", "z", -2, "WITHSCORES")[0][0] in (b"a", b"b"), True)
        self.assertEqual(self.call("ZPOPMIN", "z"), [b"a", 2.0])
        self.assertEqual(self.call("ZPOPMAX", "z", 1), [[b"b", 2.5]])
        self.assertIsNone(self.call("ZMPOP", 1, "z", "MIN"))


if __name__ == "__main__":
    main()
