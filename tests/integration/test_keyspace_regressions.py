#!/usr/bin/env python3
"""Regression tests for the keyspace, string and key commands.

Each test pins a bug found in review (crash, sanitizer report or wrong reply); the
node must stay alive and exit cleanly (NodeTestCase checks the sanitizer output)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SANITIZE, NodeTestCase, RespError, main  # noqa: E402

LLONG_MAX = 2**63 - 1


class TestReviewKeyspace(NodeTestCase):

    def test_expiretime_of_the_largest_deadline(self):
        # PEXPIREAT accepts LLONG_MAX; rounding it to seconds must not overflow
        # (signed overflow in (t + 500) / 1000: UBSan abort, i.e. a crash).
        c = self.c
        for setter in (("PEXPIREAT", "k", str(LLONG_MAX)),):
            c.call("SET", "k", "v")
            self.assertEqual(c.call(*setter), 1)
            self.assertEqual(c.call("PEXPIRETIME", "k"), LLONG_MAX)
            self.assertEqual(c.call("EXPIRETIME", "k"), LLONG_MAX // 1000 + 1)
            ttl = c.call("TTL", "k")
            self.assertGreater(ttl, 9 * 10**15)
            self.assertGreater(c.call("PTTL", "k"), 9 * 10**18)
        c.call("SET", "k", "v", "PXAT", str(LLONG_MAX))
        self.assertEqual(c.call("EXPIRETIME", "k"), LLONG_MAX // 1000 + 1)
        c.call("SET", "k", "v")
        c.call("GETEX", "k", "PXAT", str(LLONG_MAX))
        self.assertEqual(c.call("EXPIRETIME", "k"), LLONG_MAX // 1000 + 1)
        self.assertEqual(c.call("PING"), b"PONG")

    def test_active_expiry_with_huge_ttls(self):
        # The active expiry cycle summed the sampled TTLs in a long long: two keys with a
        # deadline near LLONG_MAX overflowed it (UBSan abort in the server cron).
        c = self.c
        for i in range(8):
            c.call("SET", "huge:%d" % i, "v", "PXAT", str(LLONG_MAX))
        time.sleep(1.2)  # several slow cycles (hz 10)
        self.assertEqual(c.call("PING"), b"PONG")
        info = c.call("INFO", "keyspace").decode()
        line = [l for l in info.split("\r\n") if l.startswith("db0:")][0]
        avg_ttl = int(line.rsplit("avg_ttl=", 1)[1])
        self.assertGreater(avg_ttl, 0)
        for i in range(8):
            c.call("DEL", "huge:%d" % i)

    def test_incrbyfloat_result_is_a_string_object(self):
        # Redis stores INCRBYFLOAT's result with createStringObject: embstr (raw when
        # longer than 44 bytes), never int, even when it looks like an integer.
        c = self.c
        c.call("SET", "f", "5")
        self.assertEqual(c.call("INCRBYFLOAT", "f", "1"), b"6")
        self.assertEqual(c.call("OBJECT", "ENCODING", "f"), b"embstr")
        self.assertEqual(c.call("INCRBYFLOAT", "nf", "2"), b"2")
        self.assertEqual(c.call("OBJECT", "ENCODING", "nf"), b"embstr")
        c.call("SET", "f", "1.5")
        c.call("EXPIRE", "f", "100")
        self.assertLessEqual(len(c.call("INCRBYFLOAT", "f", "1e40")), 44)
        self.assertEqual(c.call("OBJECT", "ENCODING", "f"), b"embstr")
        self.assertIn(c.call("TTL", "f"), (99, 100))
        self.assertGreater(len(c.call("INCRBYFLOAT", "f", "1e50")), 44)
        self.assertEqual(c.call("OBJECT", "ENCODING", "f"), b"raw")
        # the value stays usable as a counter
        self.assertEqual(c.call("INCR", "nf"), 3)
        self.assertEqual(c.call("OBJECT", "ENCODING", "nf"), b"int")
        c.call("DEL", "f", "nf")

    def _scan_misses_overwritten_key(self, db, op):
        """A key present from the start to the end of a SCAN, overwritten by `op`
        midway, must be returned (Redis: the overwrite lands in the same bucket; here
        it must keep its position, as SET does)."""
        c = self.c
        c.call("SELECT", str(db))
        c.call("FLUSHDB")
        for i in range(0, 1000, 100):
            c.call("MSET", *sum([["k%d" % j, "v"] for j in range(i, i + 100)], []))
        c.call("SET", "dst", "old", "EX", "1000")
        c.call("SET", "src", "new")
        seen = set()
        cur, keys = c.call("SCAN", "0", "COUNT", "10")
        seen.update(keys)
        for i in range(100):  # keys added during the iteration
            c.call("SET", "late%d" % i, "x")
        c.call(*op)
        while cur != b"0":
            cur, keys = c.call("SCAN", cur, "COUNT", "50")
            seen.update(keys)
        self.assertTrue(b"dst" in seen, "SCAN never returned dst")
        self.assertEqual(c.call("GET", "dst"), b"new")
        self.assertEqual(c.call("TTL", "dst"), -1)
        info = c.call("INFO", "keyspace").decode()
        self.assertIn("db%d:keys=%d,expires=0," % (db, c.call("DBSIZE")), info)
        c.call("FLUSHDB")
        c.call("SELECT", "0")

    def _hits_misses(self):
        info = self.c.call("INFO", "stats").decode()
        fields = dict(l.split(":", 1) for l in info.split("\r\n") if ":" in l)
        return int(fields["keyspace_hits"]), int(fields["keyspace_misses"])

    def test_get_family_writes_count_keyspace_hits(self):
        # GETSET, GETDEL, GETEX and SET ... GET read the old value through Redis's
        # lookupKeyRead (getGenericCommand): they count keyspace_hits / misses.
        c = self.c
        c.call("SET", "h", "1")
        c.call("DEL", "nohit")
        for cmd, key_exists in ((("GETSET", "h", "2"), True), (("GETSET", "nohit", "x"), False),
                                (("GETEX", "h", "EX", "100"), True), (("GETEX", "none", "PERSIST"), False),
                                (("SET", "h", "3", "GET"), True), (("SET", "none2", "3", "GET"), False),
                                (("GETDEL", "h"), True), (("GETDEL", "h"), False)):
            h0, m0 = self._hits_misses()
            c.call(*cmd)
            h1, m1 = self._hits_misses()
            self.assertEqual((h1 - h0, m1 - m0), (1, 0) if key_exists else (0, 1), cmd)
        h0, m0 = self._hits_misses()
        c.call("SET", "h", "4")
        c.call("INCR", "h")
        self.assertEqual(self._hits_misses(), (h0, m0))  # plain writes count nothing
        c.call("DEL", "h", "nohit", "none2")

    def test_scan_returns_key_overwritten_by_rename(self):
        self._scan_misses_overwritten_key(2, ("RENAME", "src", "dst"))

    def test_scan_returns_key_overwritten_by_copy_replace(self):
        self._scan_misses_overwritten_key(3, ("COPY", "src", "dst", "REPLACE"))


@unittest.skipUnless(SANITIZE, "needs ASan's allocator, which refuses a 16 TiB block "
                     "(jemalloc maps it with MAP_NORESERVE and the LCS would really run)")
class TestReviewLcsAllocation(NodeTestCase):
    """LCS's table is allocated with Redis's try-malloc semantics: when it cannot be had,
    an error reply, not rd_malloc's abort of the whole node. (As in Redis, the real bound
    is proto-max-bulk-len; this is the failure path when it has been raised.)"""

    @classmethod
    def setUpClass(cls):
        # Under ASan a failed allocation must return NULL (as libc's does), not abort.
        saved = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = ((saved + ":") if saved else "") + "allocator_may_return_null=1"
        try:
            super().setUpClass()
        finally:
            if saved is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = saved

    def test_lcs_table_that_cannot_be_allocated(self):
        c = self.c
        c.call("CONFIG", "SET", "proto-max-bulk-len", str(2**50))
        n = 1 << 21  # 2 MiB each: a (2^21+1)^2 * 4 bytes = 16 TiB table
        c.call("SET", "a", "x" * n)
        c.call("SET", "b", "x" * n)
        with self.assertRaises(RespError) as cm:
            c.call("LCS", "a", "b", "LEN")
        self.assertEqual(str(cm.exception),
                         "ERR Insufficient memory, failed allocating transient memory for LCS")
        self.assertEqual(c.call("PING"), b"PONG")
        c.call("DEL", "a", "b")
        c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb")


if __name__ == "__main__":
    main()
