"""Key expiry against a real redraft-node: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with
NX/XX/GT/LT, TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, and expiry itself: lazily (an
expired key is gone for every command that looks at it) and actively (the server
removes expired keys nobody touches).

Replies and error texts are Redis 7's; the same assertions hold against redis-server.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, main, wait_until  # noqa: E402

LLONG_MAX = 2**63 - 1
NOT_INT = "ERR value is not an integer or out of range"


class ExpireBase(NodeTestCase):
    def setUp(self):
        super().setUp()
        self.c.call("FLUSHALL")

    def err(self, *args):
        with self.assertRaises(RespError) as cm:
            self.c.call(*args)
        return str(cm.exception)

    def server_ms(self):
        sec, usec = self.c.call("TIME")
        return int(sec) * 1000 + int(usec) // 1000


class TestExpireCommands(ExpireBase):
    def test_expire_and_ttl(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("TTL", "k"), -1)
        self.assertEqual(self.c.call("PTTL", "k"), -1)
        self.assertEqual(self.c.call("EXPIRE", "k", 100), 1)
        self.assertIn(self.c.call("TTL", "k"), (99, 100))
        self.assertTrue(99000 <= self.c.call("PTTL", "k") <= 100000)
        self.assertEqual(self.c.call("GET", "k"), b"v")
        self.assertEqual(self.c.call("EXPIRE", "k", 10), 1)  # may shorten
        self.assertIn(self.c.call("TTL", "k"), (9, 10))

    def test_missing_key(self):
        self.assertEqual(self.c.call("TTL", "nokey"), -2)
        self.assertEqual(self.c.call("PTTL", "nokey"), -2)
        self.assertEqual(self.c.call("EXPIRETIME", "nokey"), -2)
        self.assertEqual(self.c.call("PEXPIRETIME", "nokey"), -2)
        for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            self.assertEqual(self.c.call(cmd, "nokey", 100), 0, cmd)
            self.assertEqual(self.c.call(cmd, "nokey", 100, "NX"), 0, cmd)
        self.assertEqual(self.c.call("EXISTS", "nokey"), 0)

    def test_pexpire(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("PEXPIRE", "k", 50000), 1)
        self.assertTrue(49000 <= self.c.call("PTTL", "k") <= 50000)
        self.assertIn(self.c.call("TTL", "k"), (49, 50))

    def test_expireat_and_expiretime(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("EXPIRETIME", "k"), -1)
        self.assertEqual(self.c.call("PEXPIRETIME", "k"), -1)
        t = self.server_ms() // 1000 + 1000
        self.assertEqual(self.c.call("EXPIREAT", "k", t), 1)
        self.assertEqual(self.c.call("EXPIRETIME", "k"), t)
        self.assertEqual(self.c.call("PEXPIRETIME", "k"), t * 1000)
        self.assertIn(self.c.call("TTL", "k"), (999, 1000))

    def test_pexpireat_and_rounding(self):
        self.c.call("SET", "k", "v")
        t = (self.server_ms() // 1000 + 1000) * 1000
        self.assertEqual(self.c.call("PEXPIREAT", "k", t + 499), 1)
        self.assertEqual(self.c.call("PEXPIRETIME", "k"), t + 499)
        self.assertEqual(self.c.call("EXPIRETIME", "k"), t // 1000)  # rounds down below .5
        self.c.call("PEXPIREAT", "k", t + 500)
        self.assertEqual(self.c.call("EXPIRETIME", "k"), t // 1000 + 1)  # and up from .5

    def test_past_deadline_deletes(self):
        cases = [("EXPIRE", -1), ("EXPIRE", 0), ("PEXPIRE", -100), ("PEXPIRE", 0),
                 ("EXPIREAT", 1), ("EXPIREAT", 0), ("PEXPIREAT", 1), ("PEXPIREAT", -5)]
        for cmd, when in cases:
            self.c.call("SET", "k", "v")
            self.assertEqual(self.c.call(cmd, "k", when), 1, (cmd, when))
            self.assertEqual(self.c.call("EXISTS", "k"), 0, (cmd, when))
            self.assertEqual(self.c.call("TTL", "k"), -2, (cmd, when))
        self.assertEqual(self.c.call("DBSIZE"), 0)

    def test_past_deadline_with_current_time(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("PEXPIREAT", "k", self.server_ms() - 1), 1)
        self.assertEqual(self.c.call("EXISTS", "k"), 0)

    def test_nx(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("EXPIRE", "k", 100, "NX"), 1)
        self.assertEqual(self.c.call("EXPIRE", "k", 200, "NX"), 0)
        self.assertIn(self.c.call("TTL", "k"), (99, 100))
        self.assertEqual(self.c.call("PEXPIRE", "k", 200000, "nx"), 0)

    def test_xx(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("EXPIRE", "k", 100, "XX"), 0)
        self.assertEqual(self.c.call("TTL", "k"), -1)
        self.c.call("EXPIRE", "k", 100)
        self.assertEqual(self.c.call("EXPIRE", "k", 200, "XX"), 1)
        self.assertIn(self.c.call("TTL", "k"), (199, 200))

    def test_gt(self):
        self.c.call("SET", "k", "v")
        # no TTL counts as infinite: GT never succeeds
        self.assertEqual(self.c.call("EXPIRE", "k", 100, "GT"), 0)
        self.assertEqual(self.c.call("TTL", "k"), -1)
        self.c.call("EXPIRE", "k", 100)
        self.assertEqual(self.c.call("EXPIRE", "k", 50, "GT"), 0)
        self.assertEqual(self.c.call("EXPIRE", "k", 200, "GT"), 1)
        self.assertIn(self.c.call("TTL", "k"), (199, 200))
        t = self.c.call("PEXPIRETIME", "k")
        self.assertEqual(self.c.call("PEXPIREAT", "k", t, "GT"), 0)  # equal is not greater

    def test_lt(self):
        self.c.call("SET", "k", "v")
        # no TTL counts as infinite: any deadline is less
        self.assertEqual(self.c.call("EXPIRE", "k", 100, "LT"), 1)
        self.assertIn(self.c.call("TTL", "k"), (99, 100))
        self.assertEqual(self.c.call("EXPIRE", "k", 200, "LT"), 0)
        self.assertEqual(self.c.call("EXPIRE", "k", 50, "LT"), 1)
        self.assertIn(self.c.call("TTL", "k"), (49, 50))
        t = self.c.call("PEXPIRETIME", "k")
        self.assertEqual(self.c.call("PEXPIREAT", "k", t, "LT"), 0)  # equal is not less

    def test_xx_gt_combined(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("EXPIRE", "k", 100, "XX", "GT"), 0)
        self.c.call("EXPIRE", "k", 100)
        self.assertEqual(self.c.call("EXPIRE", "k", 200, "XX", "GT"), 1)
        self.assertEqual(self.c.call("EXPIRE", "k", 100, "XX", "LT"), 1)
        self.assertIn(self.c.call("TTL", "k"), (99, 100))

    def test_lt_with_past_deadline_deletes(self):
        self.c.call("SET", "k", "v", "EX", 100)
        self.assertEqual(self.c.call("EXPIRE", "k", -1, "LT"), 1)
        self.assertEqual(self.c.call("EXISTS", "k"), 0)

    def test_option_errors(self):
        self.c.call("SET", "k", "v")
        incompatible = "ERR NX and XX, GT or LT options at the same time are not compatible"
        for opts in (("NX", "XX"), ("NX", "GT"), ("NX", "LT"), ("xx", "nx"), ("NX", "XX", "GT", "LT")):
            for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
                self.assertEqual(self.err(cmd, "k", 100, *opts), incompatible, (cmd, opts))
        self.assertEqual(self.err("EXPIRE", "k", 100, "GT", "LT"),
                         "ERR GT and LT options at the same time are not compatible")
        self.assertEqual(self.err("EXPIRE", "k", 100, "XX", "GT", "LT"),
                         "ERR GT and LT options at the same time are not compatible")
        self.assertEqual(self.err("EXPIRE", "k", 100, "FOO"), "ERR Unsupported option FOO")
        self.assertEqual(self.err("EXPIRE", "k", 100, "NX", "bar"), "ERR Unsupported option bar")
        # options are checked before the number
        self.assertEqual(self.err("EXPIRE", "k", "abc", "NX", "XX"), incompatible)
        self.assertEqual(self.c.call("TTL", "k"), -1)

    def test_number_errors(self):
        self.c.call("SET", "k", "v")
        for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            self.assertEqual(self.err(cmd, "k", "abc"), NOT_INT, cmd)
            self.assertEqual(self.err(cmd, "k", "1.5"), NOT_INT, cmd)
            self.assertEqual(self.err(cmd, "k", ""), NOT_INT, cmd)
            self.assertEqual(self.err(cmd, "k", "99999999999999999999"), NOT_INT, cmd)
            self.assertEqual(self.err(cmd, "nokey", "abc"), NOT_INT, cmd)
        self.assertEqual(self.c.call("TTL", "k"), -1)

    def test_overflow_errors(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.err("EXPIRE", "k", LLONG_MAX),
                         "ERR invalid expire time in 'expire' command")
        self.assertEqual(self.err("EXPIRE", "k", LLONG_MAX // 1000 + 1),
                         "ERR invalid expire time in 'expire' command")
        self.assertEqual(self.err("EXPIRE", "k", -(LLONG_MAX // 1000) - 2),
                         "ERR invalid expire time in 'expire' command")
        self.assertEqual(self.err("PEXPIRE", "k", LLONG_MAX),
                         "ERR invalid expire time in 'pexpire' command")
        self.assertEqual(self.err("EXPIREAT", "k", LLONG_MAX),
                         "ERR invalid expire time in 'expireat' command")
        self.assertEqual(self.err("EXPIRE", "nokey", LLONG_MAX),
                         "ERR invalid expire time in 'expire' command")
        self.assertEqual(self.c.call("TTL", "k"), -1)
        # the largest representable deadline is accepted
        self.assertEqual(self.c.call("PEXPIREAT", "k", LLONG_MAX), 1)
        self.assertEqual(self.c.call("PEXPIRETIME", "k"), LLONG_MAX)
        self.assertGreater(self.c.call("TTL", "k"), 10**15)
        self.assertEqual(self.c.call("EXPIREAT", "k", LLONG_MAX // 1000), 1)
        self.assertEqual(self.c.call("EXPIRETIME", "k"), LLONG_MAX // 1000)

    def test_arity(self):
        for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            self.assertEqual(self.err(cmd, "k"),
                             "ERR wrong number of arguments for '%s' command" % cmd.lower())
        for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST"):
            self.assertEqual(self.err(cmd, "a", "b"),
                             "ERR wrong number of arguments for '%s' command" % cmd.lower())

    def test_persist(self):
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("PERSIST", "k"), 0)
        self.c.call("EXPIRE", "k", 100)
        self.assertEqual(self.c.call("PERSIST", "k"), 1)
        self.assertEqual(self.c.call("TTL", "k"), -1)
        self.assertEqual(self.c.call("EXPIRETIME", "k"), -1)
        self.assertEqual(self.c.call("PERSIST", "k"), 0)
        self.assertEqual(self.c.call("PERSIST", "nokey"), 0)
        self.assertEqual(self.c.call("GET", "k"), b"v")

    def test_set_clears_ttl(self):
        self.c.call("SET", "k", "v")
        self.c.call("EXPIRE", "k", 100)
        self.c.call("SET", "k", "w")
        self.assertEqual(self.c.call("TTL", "k"), -1)

    def test_ttl_survives_rename_and_copy(self):
        self.c.call("SET", "k", "v", "EX", 100)
        t = self.c.call("PEXPIRETIME", "k")
        self.c.call("RENAME", "k", "k2")
        self.assertEqual(self.c.call("PEXPIRETIME", "k2"), t)
        self.c.call("COPY", "k2", "k3")
        self.assertEqual(self.c.call("PEXPIRETIME", "k3"), t)

    def test_expire_on_many_keys_keeps_them_readable(self):
        self.c.pipeline([("SET", "k%d" % i, i) for i in range(500)])
        self.c.pipeline([("EXPIRE", "k%d" % i, 1000 + i) for i in range(0, 500, 2)])
        r = self.c.pipeline([("TTL", "k%d" % i) for i in range(500)])
        for i in range(500):
            if i % 2:
                self.assertEqual(r[i], -1)
            else:
                self.assertIn(r[i], (1000 + i - 1, 1000 + i))
        self.assertEqual(self.c.pipeline([("GET", "k%d" % i) for i in range(500)]),
                         [str(i).encode() for i in range(500)])

    def test_resp3(self):
        self.c.call("HELLO", 3)
        self.c.call("SET", "k", "v")
        self.assertEqual(self.c.call("EXPIRE", "k", 100), 1)
        self.assertIn(self.c.call("TTL", "k"), (99, 100))
        self.assertEqual(self.c.call("TTL", "nokey"), -2)
        self.assertEqual(self.c.call("PERSIST", "k"), 1)
        self.c.send_raw(self.c.encode("PTTL", "k"))
        self.assertEqual(self.c._line(), b":-1")


class TestExpiry(ExpireBase):
    def test_lazy_expiry_hides_key_everywhere(self):
        self.c.call("SET", "k", "v", "PX", 100)
        self.c.call("SET", "keep", "v")
        self.assertEqual(self.c.call("GET", "k"), b"v")
        time.sleep(0.25)
        self.assertIsNone(self.c.call("GET", "k"))
        self.assertEqual(self.c.call("EXISTS", "k"), 0)
        self.assertEqual(self.c.call("TTL", "k"), -2)
        self.assertEqual(self.c.call("PTTL", "k"), -2)
        self.assertEqual(self.c.call("TYPE", "k"), b"none")
        self.assertEqual(self.c.call("KEYS", "*"), [b"keep"])
        self.assertEqual(self.c.call("SCAN", 0, "COUNT", 100), [b"0", [b"keep"]])
        self.assertIsNone(self.c.call("OBJECT", "ENCODING", "k"))
        self.assertEqual(self.c.call("TOUCH", "k"), 0)

    def test_writes_treat_expired_keys_as_absent(self):
        for cmd in (("DEL", "k"), ("PERSIST", "k"), ("EXPIRE", "k", 100), ("RENAMENX", "x", "k")):
            self.c.call("SET", "k", "v", "PX", 50)
            self.c.call("SET", "x", "y")
            time.sleep(0.12)
            if cmd[0] == "RENAMENX":
                self.assertEqual(self.c.call(*cmd), 1, cmd)
                self.assertEqual(self.c.call("GET", "k"), b"y")
                self.c.call("DEL", "k")
            else:
                self.assertEqual(self.c.call(*cmd), 0, cmd)
                self.assertEqual(self.c.call("EXISTS", "k"), 0, cmd)
        self.c.call("SET", "k", "v", "PX", 50)
        time.sleep(0.12)
        self.assertEqual(self.err("RENAME", "k", "z"), "ERR no such key")
        self.assertEqual(self.c.call("COPY", "k", "z"), 0)

    def test_expired_keys_invisible_to_keys_scan_randomkey(self):
        self.c.pipeline([("SET", "gone:%d" % i, "v", "PX", 100) for i in range(300)])
        live = {("live:%d" % i).encode() for i in range(10)}
        self.c.pipeline([("SET", k, "v") for k in live])
        time.sleep(0.25)
        self.assertEqual(set(self.c.call("KEYS", "*")), live)
        cursor, seen = b"0", []
        while True:
            cursor, keys = self.c.call("SCAN", cursor, "COUNT", 20)
            seen += keys
            if cursor == b"0":
                break
        self.assertEqual(sorted(seen), sorted(live))
        for _ in range(50):
            self.assertIn(self.c.call("RANDOMKEY"), live)

    def test_randomkey_with_only_expired_keys(self):
        self.c.pipeline([("SET", "gone:%d" % i, "v", "PX", 50) for i in range(200)])
        time.sleep(0.15)
        self.assertIsNone(self.c.call("RANDOMKEY"))

    def test_active_expiry_removes_untouched_keys(self):
        self.c.pipeline([("SET", "a:%d" % i, "v", "PX", 100) for i in range(200)])
        self.c.call("SET", "keep", "v")
        self.assertEqual(self.c.call("DBSIZE"), 201)
        # Nothing reads the keys: only the server's own expiry cycle can remove them.
        self.assertTrue(wait_until(lambda: self.c.call("DBSIZE") == 1, timeout=10),
                        "DBSIZE stuck at %s" % self.c.call("DBSIZE"))
        self.assertEqual(self.c.call("GET", "keep"), b"v")
        stats = self.c.call("INFO", "stats").decode()
        expired = int(stats.split("expired_keys:")[1].split("\r\n")[0])
        self.assertGreaterEqual(expired, 200)

    def test_active_expiry_in_other_db(self):
        self.c.call("SELECT", 3)
        self.c.pipeline([("SET", "a:%d" % i, "v", "PX", 50) for i in range(50)])
        self.assertTrue(wait_until(lambda: self.c.call("DBSIZE") == 0, timeout=10))
        self.c.call("SELECT", 0)

    def test_expire_makes_key_expire(self):
        self.c.call("SET", "k", "v")
        self.c.call("PEXPIRE", "k", 100)
        self.assertEqual(self.c.call("GET", "k"), b"v")
        self.assertTrue(wait_until(lambda: self.c.call("EXISTS", "k") == 0, timeout=5))

    def test_persist_stops_expiry(self):
        self.c.call("SET", "k", "v", "PX", 200)
        self.assertEqual(self.c.call("PERSIST", "k"), 1)
        time.sleep(0.4)
        self.assertEqual(self.c.call("GET", "k"), b"v")

    def test_pttl_counts_down(self):
        self.c.call("SET", "k", "v", "PX", 2000)
        first = self.c.call("PTTL", "k")
        time.sleep(0.3)
        second = self.c.call("PTTL", "k")
        self.assertLess(second, first)
        self.assertGreater(second, 0)


if __name__ == "__main__":
    main()
