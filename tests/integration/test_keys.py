"""Generic keyspace commands against a real redraft-node: DEL UNLINK EXISTS TYPE TOUCH
KEYS SCAN RANDOMKEY RENAME RENAMENX COPY OBJECT MEMORY USAGE DBSIZE FLUSHDB FLUSHALL.

Replies and error texts are Redis 7's; the same assertions hold against redis-server
(point REDRAFT_BIN at a directory whose `redraft-node` execs redis-server to check).
TTL/expiry behaviour lives in test_expire.py.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, main  # noqa: E402

SAME_OBJECTS = "ERR source and destination objects are the same"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"


class KeysBase(NodeTestCase):
    def setUp(self):
        super().setUp()
        self.c.call("SELECT", 0)
        self.c.call("FLUSHALL")

    def err(self, *args):
        """The error message a command replies (fails the test if it succeeds)."""
        with self.assertRaises(RespError) as cm:
            self.c.call(*args)
        return str(cm.exception)

    def scan_all(self, *opts, count=None):
        """Full SCAN iteration; returns (list of keys in reply order, number of calls)."""
        cursor, seen, calls = b"0", [], 0
        while True:
            args = ["SCAN", cursor] + list(opts) + (["COUNT", count] if count else [])
            cursor, keys = self.c.call(*args)
            seen += keys
            calls += 1
            if cursor == b"0":
                return seen, calls
            self.assertLess(calls, 100000, "SCAN does not terminate")


class TestDelExistsType(KeysBase):
    def test_del_counts_deleted_keys(self):
        self.c.call("MSET", "a", "1", "b", "2", "c", "3")
        self.assertEqual(self.c.call("DEL", "a", "b", "nokey"), 2)
        self.assertEqual(self.c.call("EXISTS", "a", "b", "c"), 1)
        self.assertEqual(self.c.call("DEL", "a"), 0)

    def test_del_same_key_twice_counts_once(self):
        self.c.call("SET", "a", "1")
        self.assertEqual(self.c.call("DEL", "a", "a"), 1)

    def test_unlink(self):
        self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(self.c.call("UNLINK", "a", "b", "c"), 2)
        self.assertEqual(self.c.call("DBSIZE"), 0)

    def test_exists_counts_repeats(self):
        self.c.call("SET", "a", "1")
        self.assertEqual(self.c.call("EXISTS", "a"), 1)
        self.assertEqual(self.c.call("EXISTS", "a", "a", "a"), 3)
        self.assertEqual(self.c.call("EXISTS", "nokey"), 0)

    def test_type(self):
        self.c.call("SET", "s", "x")
        self.c.call("SET", "n", "12")
        self.assertEqual(self.c.call("TYPE", "s"), b"string")
        self.assertEqual(self.c.call("TYPE", "n"), b"string")
        self.assertEqual(self.c.call("TYPE", "nokey"), b"none")

    def test_type_is_a_status_reply(self):
        self.c.call("SET", "s", "x")
        self.c.send_raw(self.c.encode("TYPE", "s"))
        self.assertEqual(self.c._line(), b"+string")
        self.c.send_raw(self.c.encode("TYPE", "nokey"))
        self.assertEqual(self.c._line(), b"+none")

    def test_touch(self):
        self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(self.c.call("TOUCH", "a", "b", "c", "a"), 3)
        self.assertEqual(self.c.call("TOUCH", "nokey"), 0)

    def test_binary_keys(self):
        key = b"k\x00\r\n\xff"
        self.c.call("SET", key, "v")
        self.assertEqual(self.c.call("EXISTS", key), 1)
        self.assertEqual(self.c.call("KEYS", "*"), [key])
        self.assertEqual(self.c.call("DEL", key), 1)

    def test_arity_errors(self):
        for cmd in ("DEL", "UNLINK", "EXISTS", "TYPE", "TOUCH", "KEYS", "SCAN",
                    "RENAME", "RENAMENX", "COPY", "PERSIST", "TTL"):
            self.assertEqual(self.err(cmd),
                             "ERR wrong number of arguments for '%s' command" % cmd.lower(), cmd)
        self.assertEqual(self.err("TYPE", "a", "b"),
                         "ERR wrong number of arguments for 'type' command")
        self.assertEqual(self.err("RANDOMKEY", "x"),
                         "ERR wrong number of arguments for 'randomkey' command")
        self.assertEqual(self.err("DBSIZE", "x"),
                         "ERR wrong number of arguments for 'dbsize' command")


class TestKeys(KeysBase):
    def test_patterns(self):
        for k in ("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "other"):
            self.c.call("SET", k, "1")

        def keys(p):
            return sorted(self.c.call("KEYS", p))

        self.assertEqual(keys("*"), sorted([b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello",
                                            b"h*llo", b"other"]))
        self.assertEqual(keys("h?llo"), [b"h*llo", b"hallo", b"hello", b"hxllo"])
        self.assertEqual(keys("h*llo"), [b"h*llo", b"hallo", b"heeeello", b"hello", b"hllo", b"hxllo"])
        self.assertEqual(keys("h[ae]llo"), [b"hallo", b"hello"])
        self.assertEqual(keys("h[^e]llo"), [b"h*llo", b"hallo", b"hxllo"])
        self.assertEqual(keys("h[a-b]llo"), [b"hallo"])
        self.assertEqual(keys("h\\*llo"), [b"h*llo"])
        self.assertEqual(keys("nomatch*"), [])
        self.assertEqual(keys("HELLO"), [])  # case-sensitive

    def test_empty_db(self):
        self.assertEqual(self.c.call("KEYS", "*"), [])

    def test_many_keys(self):
        self.c.pipeline([("SET", "key:%d" % i, i) for i in range(3000)])
        self.assertEqual(len(self.c.call("KEYS", "*")), 3000)
        self.assertEqual(len(self.c.call("KEYS", "key:1*")), 1 + 10 + 100 + 1000)

    def test_keys_with_redis_cli(self):
        self.c.call("MSET", "a1", "x", "a2", "y", "b1", "z")
        out = self.node.cli("KEYS", "a*")
        self.assertEqual(sorted(out.split()), ["a1", "a2"])


class TestScan(KeysBase):
    def test_full_iteration_various_counts(self):
        want = {("k%d" % i).encode() for i in range(500)}
        self.c.pipeline([("SET", k, "v") for k in want])
        for count in (None, 1, 7, 100, 1000):
            seen, _ = self.scan_all(count=count)
            self.assertEqual(set(seen), want, "COUNT %s" % count)
            self.assertEqual(len(seen), len(want), "duplicates with COUNT %s" % count)

    def test_empty_db(self):
        self.assertEqual(self.c.call("SCAN", 0), [b"0", []])

    def test_reply_shape(self):
        self.c.call("SET", "a", "1")
        r = self.c.call("SCAN", "0", "COUNT", "100")
        self.assertIsInstance(r, list)
        self.assertEqual(len(r), 2)
        self.assertEqual(r, [b"0", [b"a"]])

    def test_count_bounds_work_per_call(self):
        self.c.pipeline([("SET", "k%d" % i, "v") for i in range(200)])
        cursor, keys = self.c.call("SCAN", 0, "COUNT", 5)
        self.assertNotEqual(cursor, b"0")
        self.assertLessEqual(len(keys), 10)
        self.assertGreater(len(keys), 0)

    def test_match(self):
        self.c.pipeline([("SET", "user:%d" % i, "v") for i in range(100)] +
                        [("SET", "item:%d" % i, "v") for i in range(100)])
        seen, _ = self.scan_all("MATCH", "user:*", count=10)
        self.assertEqual(set(seen), {("user:%d" % i).encode() for i in range(100)})
        seen, _ = self.scan_all("MATCH", "*", count=1000)
        self.assertEqual(len(set(seen)), 200)
        seen, _ = self.scan_all("MATCH", "item:1?", count=7)
        self.assertEqual(set(seen), {("item:1%d" % i).encode() for i in range(10)})
        seen, _ = self.scan_all("match", "nothing*")
        self.assertEqual(seen, [])

    def test_type_filter(self):
        self.c.pipeline([("SET", "s%d" % i, "v") for i in range(50)])
        seen, _ = self.scan_all("TYPE", "string", count=20)
        self.assertEqual(len(set(seen)), 50)
        seen, _ = self.scan_all("TYPE", "STRING", count=20)
        self.assertEqual(len(set(seen)), 50)
        seen, _ = self.scan_all("TYPE", "list", count=20)
        self.assertEqual(seen, [])
        seen, _ = self.scan_all("TYPE", "nosuchtype", count=20)
        self.assertEqual(seen, [])
        seen, _ = self.scan_all("MATCH", "s1*", "TYPE", "string", count=20)
        self.assertEqual(set(seen), {("s1%s" % s).encode() for s in [""] + [str(i) for i in range(10)]})

    def test_options_any_order(self):
        self.c.pipeline([("SET", "k%d" % i, "v") for i in range(30)])
        seen, _ = self.scan_all("COUNT", 3, "MATCH", "k1*", "TYPE", "string")
        self.assertEqual(set(seen), {b"k1"} | {("k1%d" % i).encode() for i in range(10)})

    def test_errors(self):
        self.assertEqual(self.err("SCAN", "abc"), "ERR invalid cursor")
        self.assertEqual(self.err("SCAN", "1x"), "ERR invalid cursor")
        self.assertEqual(self.err("SCAN", " 1"), "ERR invalid cursor")
        self.assertEqual(self.err("SCAN", "99999999999999999999999"), "ERR invalid cursor")
        # the cursor is checked before the options
        self.assertEqual(self.err("SCAN", "abc", "COUNT", "0"), "ERR invalid cursor")
        self.assertEqual(self.err("SCAN", 0, "COUNT", 0), SYNTAX)
        self.assertEqual(self.err("SCAN", 0, "COUNT", -1), SYNTAX)
        self.assertEqual(self.err("SCAN", 0, "COUNT", "x"), NOT_INT)
        self.assertEqual(self.err("SCAN", 0, "COUNT"), SYNTAX)
        self.assertEqual(self.err("SCAN", 0, "MATCH"), SYNTAX)
        self.assertEqual(self.err("SCAN", 0, "TYPE"), SYNTAX)
        self.assertEqual(self.err("SCAN", 0, "FOO", "bar"), SYNTAX)

    def test_largest_cursor_is_valid(self):
        cursor, keys = self.c.call("SCAN", "18446744073709551615")
        self.assertIsInstance(keys, list)

    def test_keys_present_throughout_survive_inserts_and_deletes(self):
        """Every key present for the whole iteration is returned, while keys are
        added (growing the table several times) and most others deleted (forcing
        compactions) between the calls."""
        stable = {("stable:%d" % i).encode() for i in range(1000)}
        doomed = ["doomed:%d" % i for i in range(3000)]
        cmds = []
        for i in range(3000):  # interleave, so holes land between the stable keys
            cmds.append(("SET", doomed[i], "v"))
            if i % 3 == 0:
                cmds.append(("SET", "stable:%d" % (i // 3), "v"))
        self.c.pipeline(cmds)

        cursor, seen, added, calls = b"0", set(), 0, 0
        while True:
            cursor, keys = self.c.call("SCAN", cursor, "COUNT", 10)
            seen.update(keys)
            calls += 1
            # delete ~20 doomed keys and add 15 fresh ones per call
            batch, doomed = doomed[:20], doomed[20:]
            if batch:
                self.c.call("DEL", *batch)
            self.c.pipeline([("SET", "fresh:%d" % (added + j), "v") for j in range(15)])
            added += 15
            if cursor == b"0":
                break
            self.assertLess(calls, 20000)
        missing = stable - seen
        self.assertEqual(missing, set(), "SCAN missed %d stable keys" % len(missing))

    def test_iteration_ends_while_inserts_outpace_count(self):
        """100 new keys per call against COUNT 5: the iteration must still end (it only
        has to cover the keys that existed when it began) and return all of those.
        Stronger than redis-server, whose bucket cursor is still going after 20000 calls
        here: redraft's cursor carries the iteration's end (keys_cmds.c)."""
        initial = {("init:%d" % i).encode() for i in range(500)}
        self.c.pipeline([("SET", k, "v") for k in initial])
        cursor, seen, calls, added = b"0", set(), 0, 0
        while True:
            cursor, keys = self.c.call("SCAN", cursor, "COUNT", 5)
            seen.update(keys)
            calls += 1
            self.c.pipeline([("SET", "new:%d" % (added + j), "v") for j in range(100)])
            added += 100
            if cursor == b"0":
                break
            self.assertLess(calls, 2000, "SCAN chases the inserts and never ends")
        self.assertEqual(initial - seen, set())

    def test_cursors_stay_small(self):
        """Cursors are opaque, but some clients hold them in an int64 or a JS number."""
        self.c.pipeline([("SET", "k%d" % i, "v") for i in range(5000)])
        cursor = b"0"
        while True:
            cursor, _ = self.c.call("SCAN", cursor, "COUNT", 100)
            self.assertLess(int(cursor), 2**53)
            if cursor == b"0":
                break

    def test_keys_present_throughout_survive_flushing_everything_else(self):
        """Deleting every other key (the table compacts to a fraction) mid-scan."""
        self.c.pipeline([("SET", "x%d" % i, "v") for i in range(2000)])
        keep = {("x%d" % i).encode() for i in range(0, 2000, 50)}
        cursor, keys = self.c.call("SCAN", 0, "COUNT", 100)
        seen = set(keys)
        self.c.pipeline([("DEL", "x%d" % i) for i in range(2000) if i % 50])
        while cursor != b"0":
            cursor, keys = self.c.call("SCAN", cursor, "COUNT", 100)
            seen.update(keys)
        self.assertEqual(keep - seen, set())

    def test_scan_with_redis_cli(self):
        self.c.pipeline([("SET", "user:%d" % i, "v") for i in range(50)] + [("SET", "other", "v")])
        out = self.node.cli("--scan", "--pattern", "user:*")
        self.assertEqual(sorted(out.split()), sorted("user:%d" % i for i in range(50)))


class TestRandomKey(KeysBase):
    def test_empty(self):
        self.assertIsNone(self.c.call("RANDOMKEY"))

    def test_returns_existing_keys(self):
        keys = {b"a", b"b", b"c"}
        for k in keys:
            self.c.call("SET", k, "1")
        got = {self.c.call("RANDOMKEY") for _ in range(200)}
        self.assertEqual(got, keys)

    def test_single_key(self):
        self.c.call("SET", "only", "1")
        self.assertEqual(self.c.call("RANDOMKEY"), b"only")
        self.assertEqual(self.c.call("DBSIZE"), 1)


class TestRename(KeysBase):
    def test_rename(self):
        self.c.call("SET", "a", "hello")
        self.assertEqual(self.c.call("RENAME", "a", "b"), b"OK")
        self.assertIsNone(self.c.call("GET", "a"))
        self.assertEqual(self.c.call("GET", "b"), b"hello")
        self.assertEqual(self.c.call("DBSIZE"), 1)

    def test_rename_int_and_raw_values(self):
        self.c.call("SET", "i", "12345")
        self.c.call("SET", "r", "x" * 100)
        self.c.call("RENAME", "i", "i2")
        self.c.call("RENAME", "r", "r2")
        self.assertEqual(self.c.call("GET", "i2"), b"12345")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "i2"), b"int")
        self.assertEqual(self.c.call("GET", "r2"), b"x" * 100)

    def test_rename_overwrites_destination(self):
        self.c.call("SET", "a", "1")
        self.c.call("SET", "b", "2", "EX", 1000)
        self.assertEqual(self.c.call("RENAME", "a", "b"), b"OK")
        self.assertEqual(self.c.call("GET", "b"), b"1")
        self.assertEqual(self.c.call("TTL", "b"), -1)
        self.assertEqual(self.c.call("DBSIZE"), 1)

    def test_rename_keeps_ttl(self):
        self.c.call("SET", "a", "1", "EX", 100)
        self.c.call("RENAME", "a", "b")
        self.assertTrue(90 <= self.c.call("TTL", "b") <= 100)

    def test_rename_missing(self):
        self.assertEqual(self.err("RENAME", "nokey", "b"), "ERR no such key")
        self.assertEqual(self.err("RENAMENX", "nokey", "b"), "ERR no such key")
        self.assertEqual(self.err("RENAME", "nokey", "nokey"), "ERR no such key")

    def test_rename_same_key(self):
        self.c.call("SET", "a", "1", "EX", 100)
        self.assertEqual(self.c.call("RENAME", "a", "a"), b"OK")
        self.assertEqual(self.c.call("GET", "a"), b"1")
        self.assertGreater(self.c.call("TTL", "a"), 0)
        self.assertEqual(self.c.call("RENAMENX", "a", "a"), 0)

    def test_renamenx(self):
        self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(self.c.call("RENAMENX", "a", "b"), 0)
        self.assertEqual(self.c.call("GET", "a"), b"1")
        self.assertEqual(self.c.call("GET", "b"), b"2")
        self.assertEqual(self.c.call("RENAMENX", "a", "c"), 1)
        self.assertIsNone(self.c.call("GET", "a"))
        self.assertEqual(self.c.call("GET", "c"), b"1")

    def test_renamed_key_is_scanned(self):
        self.c.pipeline([("SET", "k%d" % i, "v") for i in range(100)])
        for i in range(0, 100, 2):
            self.c.call("RENAME", "k%d" % i, "r%d" % i)
        seen, _ = self.scan_all(count=9)
        self.assertEqual(len(seen), 100)
        self.assertEqual(sum(1 for k in seen if k.startswith(b"r")), 50)


class TestCopy(KeysBase):
    def test_copy(self):
        self.c.call("SET", "a", "hello")
        self.assertEqual(self.c.call("COPY", "a", "b"), 1)
        self.assertEqual(self.c.call("GET", "a"), b"hello")
        self.assertEqual(self.c.call("GET", "b"), b"hello")
        # independent copies
        self.c.call("APPEND", "b", " world")
        self.assertEqual(self.c.call("GET", "a"), b"hello")
        self.assertEqual(self.c.call("GET", "b"), b"hello world")

    def test_copy_int(self):
        self.c.call("SET", "a", "42")
        self.assertEqual(self.c.call("COPY", "a", "b"), 1)
        self.assertEqual(self.c.call("INCR", "b"), 43)
        self.assertEqual(self.c.call("GET", "a"), b"42")

    def test_copy_keeps_ttl(self):
        self.c.call("SET", "a", "1", "EX", 100)
        self.c.call("COPY", "a", "b")
        self.assertTrue(90 <= self.c.call("TTL", "b") <= 100)
        self.c.call("SET", "c", "1")
        self.c.call("COPY", "c", "d")
        self.assertEqual(self.c.call("TTL", "d"), -1)

    def test_copy_existing_destination(self):
        self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(self.c.call("COPY", "a", "b"), 0)
        self.assertEqual(self.c.call("GET", "b"), b"2")
        self.c.call("EXPIRE", "b", 1000)
        self.assertEqual(self.c.call("COPY", "a", "b", "REPLACE"), 1)
        self.assertEqual(self.c.call("GET", "b"), b"1")
        self.assertEqual(self.c.call("TTL", "b"), -1)

    def test_copy_missing_source(self):
        self.assertEqual(self.c.call("COPY", "nokey", "b"), 0)
        self.assertEqual(self.c.call("EXISTS", "b"), 0)

    def test_copy_to_other_db(self):
        self.c.call("SET", "a", "v", "EX", 100)
        self.assertEqual(self.c.call("COPY", "a", "a", "DB", 1), 1)
        self.assertEqual(self.c.call("COPY", "a", "a", "DB", 1), 0)
        self.assertEqual(self.c.call("COPY", "a", "a", "db", "1", "replace"), 1)
        self.assertEqual(self.c.call("COPY", "a", "z", "REPLACE", "DB", 1), 1)
        self.assertEqual(self.c.call("DBSIZE"), 1)
        self.c.call("SELECT", 1)
        self.assertEqual(self.c.call("DBSIZE"), 2)
        self.assertEqual(self.c.call("GET", "a"), b"v")
        self.assertTrue(90 <= self.c.call("TTL", "a") <= 100)
        self.c.call("SELECT", 0)

    def test_errors(self):
        self.c.call("SET", "a", "1")
        self.assertEqual(self.err("COPY", "a", "a"), SAME_OBJECTS)
        self.assertEqual(self.err("COPY", "a", "a", "DB", 0), SAME_OBJECTS)
        self.assertEqual(self.err("COPY", "nokey", "nokey"), SAME_OBJECTS)
        self.assertEqual(self.err("COPY", "a", "b", "DB", 16), "ERR DB index is out of range")
        self.assertEqual(self.err("COPY", "a", "b", "DB", -1), "ERR DB index is out of range")
        self.assertEqual(self.err("COPY", "a", "b", "DB", "x"), NOT_INT)
        self.assertEqual(self.err("COPY", "a", "b", "DB", "99999999999"),
                         "ERR value is out of range, value must between -2147483648 and 2147483647")
        self.assertEqual(self.err("COPY", "a", "b", "DB"), SYNTAX)
        self.assertEqual(self.err("COPY", "a", "b", "FOO"), SYNTAX)
        self.assertEqual(self.c.call("EXISTS", "b"), 0)


class TestObject(KeysBase):
    def test_encoding(self):
        self.c.call("SET", "int", "12345")
        self.c.call("SET", "neg", "-7")
        self.c.call("SET", "emb", "hello")
        self.c.call("SET", "emb44", "x" * 44)
        self.c.call("SET", "raw", "x" * 45)
        self.c.call("SET", "notint", "0123")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "int"), b"int")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "neg"), b"int")
        self.assertEqual(self.c.call("OBJECT", "encoding", "emb"), b"embstr")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "emb44"), b"embstr")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "raw"), b"raw")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "notint"), b"embstr")
        self.assertIsNone(self.c.call("OBJECT", "ENCODING", "nokey"))

    def test_refcount(self):
        self.c.call("SET", "shared", "100")
        self.c.call("SET", "big", "123456")
        self.c.call("SET", "str", "abc")
        self.assertEqual(self.c.call("OBJECT", "REFCOUNT", "shared"), 2147483647)
        self.assertEqual(self.c.call("OBJECT", "REFCOUNT", "big"), 1)
        self.assertEqual(self.c.call("OBJECT", "REFCOUNT", "str"), 1)
        self.assertIsNone(self.c.call("OBJECT", "REFCOUNT", "nokey"))

    def test_idletime(self):
        self.c.call("SET", "a", "1")
        self.assertLessEqual(self.c.call("OBJECT", "IDLETIME", "a"), 2)
        self.assertIsNone(self.c.call("OBJECT", "IDLETIME", "nokey"))

    def test_freq_needs_lfu(self):
        self.c.call("SET", "a", "1")
        self.assertEqual(
            self.err("OBJECT", "FREQ", "a"),
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
            "that when switching between policies at runtime LRU and LFU data will take some time "
            "to adjust.")
        self.assertIsNone(self.c.call("OBJECT", "FREQ", "nokey"))

    def test_help(self):
        lines = self.c.call("OBJECT", "HELP")
        self.assertEqual(lines[0], b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        self.assertIn(b"ENCODING <key>", lines)
        self.assertIn(b"REFCOUNT <key>", lines)
        self.assertEqual(lines[-2], b"HELP")
        # 7.2 says "Print", earlier versions "Prints"
        self.assertIn(lines[-1], (b"    Print this help.", b"    Prints this help."))
        self.assertEqual(len(lines), 15)

    def test_errors(self):
        self.assertEqual(self.err("OBJECT", "FOO", "a"),
                         "ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
        self.assertEqual(self.err("OBJECT", "ENCODING"),
                         "ERR wrong number of arguments for 'object|encoding' command")
        self.assertEqual(self.err("OBJECT", "ENCODING", "a", "b"),
                         "ERR wrong number of arguments for 'object|encoding' command")
        self.assertEqual(self.err("OBJECT"),
                         "ERR wrong number of arguments for 'object' command")

    def test_object_does_not_touch(self):
        self.c.call("SET", "a", "1")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "a"), b"int")
        self.assertEqual(self.c.call("TYPE", "a"), b"string")


class TestObjectLFU(NodeTestCase):
    NODE_ARGS = ("--maxmemory-policy", "allkeys-lfu")

    def test_freq_and_idletime(self):
        self.c.call("SET", "a", "1")
        for _ in range(50):
            self.c.call("GET", "a")
        freq = self.c.call("OBJECT", "FREQ", "a")
        self.assertIsInstance(freq, int)
        self.assertGreaterEqual(freq, 1)
        self.assertLessEqual(freq, 255)
        with self.assertRaises(RespError) as cm:
            self.c.call("OBJECT", "IDLETIME", "a")
        self.assertEqual(
            str(cm.exception),
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
            "switching between policies at runtime LRU and LFU data will take some time to adjust.")


class TestMemoryUsage(KeysBase):
    def test_usage(self):
        self.c.call("SET", "small", "1")
        self.c.call("SET", "big", "x" * 10000)
        small = self.c.call("MEMORY", "USAGE", "small")
        big = self.c.call("MEMORY", "USAGE", "big")
        self.assertGreater(small, 0)
        self.assertLess(small, 200)
        self.assertGreaterEqual(big, 10000)
        self.assertLess(big, 20000)
        self.assertEqual(self.c.call("MEMORY", "USAGE", "big", "SAMPLES", 5), big)
        self.assertEqual(self.c.call("MEMORY", "USAGE", "big", "samples", 0), big)
        self.assertIsNone(self.c.call("MEMORY", "USAGE", "nokey"))

    def test_errors(self):
        self.c.call("SET", "a", "1")
        self.assertEqual(self.err("MEMORY", "USAGE", "a", "SAMPLES", -1), SYNTAX)
        self.assertEqual(self.err("MEMORY", "USAGE", "a", "SAMPLES", "x"), NOT_INT)
        self.assertEqual(self.err("MEMORY", "USAGE", "a", "SAMPLES"), SYNTAX)
        self.assertEqual(self.err("MEMORY", "USAGE", "a", "FOO"), SYNTAX)
        self.assertEqual(self.err("MEMORY", "USAGE"),
                         "ERR wrong number of arguments for 'memory|usage' command")


class TestDbsizeFlush(KeysBase):
    def test_dbsize(self):
        self.assertEqual(self.c.call("DBSIZE"), 0)
        self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(self.c.call("DBSIZE"), 2)
        self.c.call("SET", "a", "3")
        self.assertEqual(self.c.call("DBSIZE"), 2)
        self.c.call("DEL", "a")
        self.assertEqual(self.c.call("DBSIZE"), 1)

    def test_flushdb_only_current_db(self):
        self.c.call("SET", "a", "1")
        self.c.call("SELECT", 1)
        self.c.call("SET", "b", "1")
        self.assertEqual(self.c.call("FLUSHDB"), b"OK")
        self.assertEqual(self.c.call("DBSIZE"), 0)
        self.c.call("SELECT", 0)
        self.assertEqual(self.c.call("DBSIZE"), 1)

    def test_flushdb_modes(self):
        for mode in ("SYNC", "ASYNC", "sync", "async"):
            self.c.pipeline([("SET", "k%d" % i, "v") for i in range(100)])
            self.assertEqual(self.c.call("FLUSHDB", mode), b"OK")
            self.assertEqual(self.c.call("DBSIZE"), 0)
        self.assertEqual(self.err("FLUSHDB", "FOO"), SYNTAX)
        self.assertEqual(self.err("FLUSHDB", "SYNC", "ASYNC"), SYNTAX)

    def test_flushall(self):
        for db in range(3):
            self.c.call("SELECT", db)
            self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(self.c.call("FLUSHALL"), b"OK")
        for db in range(3):
            self.c.call("SELECT", db)
            self.assertEqual(self.c.call("DBSIZE"), 0)
        self.c.call("SELECT", 0)
        self.assertEqual(self.c.call("FLUSHALL", "ASYNC"), b"OK")
        self.assertEqual(self.c.call("FLUSHALL", "SYNC"), b"OK")
        self.assertEqual(self.err("FLUSHALL", "FOO"), SYNTAX)

    def test_keys_usable_after_flush(self):
        self.c.pipeline([("SET", "k%d" % i, "v") for i in range(100)])
        self.c.call("FLUSHDB")
        self.c.pipeline([("SET", "n%d" % i, "v") for i in range(100)])
        seen, _ = self.scan_all(count=10)
        self.assertEqual(set(seen), {("n%d" % i).encode() for i in range(100)})
        self.assertEqual(len(self.c.call("KEYS", "*")), 100)


class TestResp3(KeysBase):
    def setUp(self):
        super().setUp()
        self.c.call("HELLO", 3)

    def raw(self, *args):
        """The first line of the raw reply."""
        self.c.send_raw(self.c.encode(*args))
        return self.c._line()

    def test_null_replies(self):
        self.assertEqual(self.raw("RANDOMKEY"), b"_")
        self.assertEqual(self.raw("OBJECT", "ENCODING", "nokey"), b"_")
        self.assertEqual(self.raw("MEMORY", "USAGE", "nokey"), b"_")

    def test_null_replies_resp2(self):
        self.c.call("HELLO", 2)
        self.assertEqual(self.raw("RANDOMKEY"), b"$-1")
        self.assertEqual(self.raw("OBJECT", "ENCODING", "nokey"), b"$-1")
        self.assertEqual(self.raw("MEMORY", "USAGE", "nokey"), b"$-1")

    def test_aggregates(self):
        self.c.call("MSET", "a", "1", "b", "2")
        self.assertEqual(sorted(self.c.call("KEYS", "*")), [b"a", b"b"])
        cursor, keys = self.c.call("SCAN", 0, "COUNT", 100)
        self.assertEqual(cursor, b"0")
        self.assertEqual(sorted(keys), [b"a", b"b"])
        self.assertEqual(self.raw("SCAN", 0), b"*2")
        self.c.read_reply()  # cursor
        self.c.read_reply()  # keys
        self.assertEqual(self.c.call("EXISTS", "a", "b"), 2)
        self.assertEqual(self.c.call("TYPE", "a"), b"string")
        self.assertEqual(self.c.call("OBJECT", "ENCODING", "a"), b"int")
        self.assertEqual(self.c.call("COPY", "a", "c"), 1)
        self.assertEqual(self.c.call("RENAME", "c", "d"), b"OK")
        self.assertIn(self.c.call("RANDOMKEY"), (b"a", b"b", b"d"))
        self.assertEqual(self.c.call("DBSIZE"), 3)

    def test_redis_cli_resp3(self):
        out = self.node.cli("--no-raw", "OBJECT", "ENCODING", "nokey", resp3=True)
        self.assertEqual(out.strip(), "(nil)")


if __name__ == "__main__":
    main()
