#!/usr/bin/env python3
"""List commands against a real redraft-node: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN
LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, OBJECT ENCODING of
lists, and the edge cases Redis's documentation and tests/unit/type/list.tcl call out
(negative indexes, count 0, RANK 0 / negative, WRONGTYPE, deletion of emptied keys,
LMPOP argument errors, LINSERT with a missing pivot, LSET out of range / no such key).

Expected replies and error texts are Redis 7.2's. When a redis-server binary is
installed, a randomized differential test also runs the same command stream against it
and compares every reply (encodings excepted: Redis 7.0 has no listpack lists)."""
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, Client, free_port, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"


class ListTestBase(NodeTestCase):
    def call(self, *args):
        return self.c.call(*args)

    def err(self, *args):
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "expected an error from %r, got %r" % (args, r))
        return str(r)

    def enc(self, key):
        return self.c.call("OBJECT", "ENCODING", key)

    def setUp(self):
        super().setUp()
        self.c.call("FLUSHALL", raise_errors=False)
        self.c.call("CONFIG", "SET", "list-max-listpack-size", "-2", raise_errors=False)


class TestPushPop(ListTestBase):
    def test_push_and_range(self):
        self.assertEqual(self.call("RPUSH", "l", "a", "b", "c"), 3)
        self.assertEqual(self.call("LPUSH", "l", "x", "y"), 5)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"y", b"x", b"a", b"b", b"c"])
        self.assertEqual(self.call("LLEN", "l"), 5)
        self.assertEqual(self.call("LLEN", "nosuch"), 0)

    def test_pushx(self):
        self.assertEqual(self.call("LPUSHX", "l", "a"), 0)
        self.assertEqual(self.call("RPUSHX", "l", "a", "b"), 0)
        self.assertEqual(self.call("EXISTS", "l"), 0)
        self.call("RPUSH", "l", "m")
        self.assertEqual(self.call("LPUSHX", "l", "a", "b"), 3)
        self.assertEqual(self.call("RPUSHX", "l", "z"), 4)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"b", b"a", b"m", b"z"])

    def test_pop_single_and_count(self):
        self.call("RPUSH", "l", "a", "b", "c", "d")
        self.assertEqual(self.call("LPOP", "l"), b"a")
        self.assertEqual(self.call("RPOP", "l"), b"d")
        self.assertEqual(self.call("LPOP", "l", 0), [])
        self.assertEqual(self.call("RPOP", "l", 5), [b"c", b"b"])
        self.assertEqual(self.call("EXISTS", "l"), 0)  # emptied: deleted
        self.assertIsNone(self.call("LPOP", "l"))
        self.assertIsNone(self.call("LPOP", "l", 3))   # null array
        self.assertEqual(self.err("LPOP", "l", -1), "ERR value is out of range, must be positive")
        self.assertEqual(self.err("LPOP", "l", "x"), "ERR value is out of range, must be positive")
        self.assertEqual(self.err("LPOP", "l", 1, 2), "ERR wrong number of arguments for 'lpop' command")

    def test_null_shapes_raw(self):
        # RESP2: LPOP missing -> $-1, with count -> *-1; LMPOP nothing -> *-1
        self.c.send_raw(Client.encode("LPOP", "nosuch"))
        self.assertIsNone(self.c.read_reply())
        self.assertIsNone(self.call("LMPOP", 1, "nosuch", "LEFT"))

    def test_integers_and_binary(self):
        vals = [b"0", b"-1", b"127", b"128", b"4096", b"-4097", b"9223372036854775807",
                b"-9223372036854775808", b"01", b"-0", b"+1", b" 1", b"", b"\x00\r\n\xff"]
        self.call("RPUSH", "l", *vals)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), vals)
        for i, v in enumerate(vals):
            self.assertEqual(self.call("LINDEX", "l", i), v)
            self.assertEqual(self.call("LPOS", "l", v), vals.index(v))

    def test_wrongtype(self):
        self.call("SET", "s", "x")
        for args in (("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("LPOP", "s"),
                     ("RPOP", "s", 2), ("LLEN", "s"), ("LRANGE", "s", 0, 1), ("LINDEX", "s", 0),
                     ("LSET", "s", 0, "x"), ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"),
                     ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT", "LEFT"),
                     ("RPOPLPUSH", "s", "d"), ("LMPOP", 1, "s", "LEFT")):
            self.assertEqual(self.err(*args), WRONGTYPE, args)
        self.call("RPUSH", "l", "a")
        self.assertEqual(self.err("LMOVE", "l", "s", "LEFT", "LEFT"), WRONGTYPE)
        self.assertEqual(self.call("LLEN", "l"), 1)


class TestIndexing(ListTestBase):
    def test_lindex_negative(self):
        self.call("RPUSH", "l", "a", "b", "c")
        self.assertEqual(self.call("LINDEX", "l", 0), b"a")
        self.assertEqual(self.call("LINDEX", "l", -1), b"c")
        self.assertEqual(self.call("LINDEX", "l", -3), b"a")
        self.assertIsNone(self.call("LINDEX", "l", -4))
        self.assertIsNone(self.call("LINDEX", "l", 3))
        self.assertEqual(self.err("LINDEX", "l", "x"), NOT_INT)
        self.assertIsNone(self.call("LINDEX", "nosuch", "x"))

    def test_lrange_edges(self):
        self.call("RPUSH", "l", *"abcde")
        self.assertEqual(self.call("LRANGE", "l", -2, -1), [b"d", b"e"])
        self.assertEqual(self.call("LRANGE", "l", -100, 1), [b"a", b"b"])
        self.assertEqual(self.call("LRANGE", "l", 3, 100), [b"d", b"e"])
        self.assertEqual(self.call("LRANGE", "l", 3, 2), [])
        self.assertEqual(self.call("LRANGE", "l", 5, 10), [])
        self.assertEqual(self.call("LRANGE", "l", 0, -6), [])
        self.assertEqual(self.call("LRANGE", "nosuch", 0, -1), [])
        self.assertEqual(self.err("LRANGE", "l", 0, "x"), NOT_INT)

    def test_lset(self):
        self.call("RPUSH", "l", "a", "b", "c")
        self.assertEqual(self.call("LSET", "l", -1, "C"), b"OK")
        self.assertEqual(self.call("LSET", "l", 0, "A"), b"OK")
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"A", b"b", b"C"])
        self.assertEqual(self.err("LSET", "l", 3, "x"), "ERR index out of range")
        self.assertEqual(self.err("LSET", "l", -4, "x"), "ERR index out of range")
        self.assertEqual(self.err("LSET", "nosuch", 0, "x"), "ERR no such key")
        self.assertEqual(self.err("LSET", "l", "x", "x"), NOT_INT)

    def test_ltrim(self):
        self.call("RPUSH", "l", *"abcde")
        self.assertEqual(self.call("LTRIM", "l", 1, -2), b"OK")
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"b", b"c", b"d"])
        self.assertEqual(self.call("LTRIM", "l", -100, 100), b"OK")
        self.assertEqual(self.call("LLEN", "l"), 3)
        self.assertEqual(self.call("LTRIM", "l", 2, 1), b"OK")
        self.assertEqual(self.call("EXISTS", "l"), 0)
        self.assertEqual(self.call("LTRIM", "nosuch", 0, 1), b"OK")
        self.assertEqual(self.err("LTRIM", "l", "a", 1), NOT_INT)


class TestSearch(ListTestBase):
    def test_linsert(self):
        self.call("RPUSH", "l", "a", "b", "c")
        self.assertEqual(self.call("LINSERT", "l", "BEFORE", "b", "x"), 4)
        self.assertEqual(self.call("LINSERT", "l", "after", "c", "y"), 5)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"a", b"x", b"b", b"c", b"y"])
        self.assertEqual(self.call("LINSERT", "l", "BEFORE", "zz", "q"), -1)
        self.assertEqual(self.call("LINSERT", "nosuch", "BEFORE", "a", "q"), 0)
        self.assertEqual(self.err("LINSERT", "l", "MIDDLE", "a", "q"), SYNTAX)

    def test_lrem(self):
        self.call("RPUSH", "l", "a", "b", "a", "c", "a", "b")
        self.assertEqual(self.call("LREM", "l", 1, "a"), 1)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"b", b"a", b"c", b"a", b"b"])
        self.assertEqual(self.call("LREM", "l", -1, "b"), 1)
        self.assertEqual(self.call("LRANGE", "l", 0, -1), [b"b", b"a", b"c", b"a"])
        self.assertEqual(self.call("LREM", "l", 0, "a"), 2)
        self.assertEqual(self.call("LREM", "l", 0, "zz"), 0)
        self.assertEqual(self.call("LREM", "l", 0, "b"), 1)
        self.assertEqual(self.call("LREM", "l", 0, "c"), 1)
        self.assertEqual(self.call("EXISTS", "l"), 0)
        self.assertEqual(self.call("LREM", "nosuch", 0, "c"), 0)
        self.assertEqual(self.err("LREM", "l", "x", "c"), NOT_INT)

    def test_lpos(self):
        self.call("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
        self.assertEqual(self.call("LPOS", "l", "c"), 2)
        self.assertEqual(self.call("LPOS", "l", "c", "RANK", 2), 6)
        self.assertEqual(self.call("LPOS", "l", "c", "RANK", -1), 7)
        self.assertEqual(self.call("LPOS", "l", "c", "RANK", -3), 2)
        self.assertIsNone(self.call("LPOS", "l", "c", "RANK", 4))
        self.assertEqual(self.call("LPOS", "l", "c", "COUNT", 2), [2, 6])
        self.assertEqual(self.call("LPOS", "l", "c", "COUNT", 0), [2, 6, 7])
        self.assertEqual(self.call("LPOS", "l", "c", "RANK", -1, "COUNT", 2), [7, 6])
        self.assertEqual(self.call("LPOS", "l", "c", "COUNT", 0, "MAXLEN", 7), [2, 6])
        self.assertIsNone(self.call("LPOS", "l", "c", "MAXLEN", 1))
        self.assertEqual(self.call("LPOS", "l", "x", "COUNT", 0), [])
        self.assertIsNone(self.call("LPOS", "l", "x"))
        self.assertEqual(self.call("LPOS", "nosuch", "x", "COUNT", 1), [])
        self.assertEqual(self.err("LPOS", "l", "c", "RANK", 0),
                         "ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                         "second ... or use negative to start from the end of the list")
        self.assertEqual(self.err("LPOS", "l", "c", "RANK", "-9223372036854775808"),
                         "ERR value is out of range, value must between -9223372036854775807 and "
                         "9223372036854775807")
        self.assertEqual(self.err("LPOS", "l", "c", "COUNT", -1), "ERR COUNT can't be negative")
        self.assertEqual(self.err("LPOS", "l", "c", "MAXLEN", -1), "ERR MAXLEN can't be negative")
        self.assertEqual(self.err("LPOS", "l", "c", "RANK"), SYNTAX)
        self.assertEqual(self.err("LPOS", "l", "c", "FOO", 1), SYNTAX)
        self.assertEqual(self.err("LPOS", "l", "c", "RANK", "x"), NOT_INT)


class TestMove(ListTestBase):
    def test_lmove_and_rpoplpush(self):
        self.call("RPUSH", "s", "a", "b", "c")
        self.assertEqual(self.call("LMOVE", "s", "d", "LEFT", "RIGHT"), b"a")
        self.assertEqual(self.call("LMOVE", "s", "d", "RIGHT", "LEFT"), b"c")
        self.assertEqual(self.call("LRANGE", "d", 0, -1), [b"c", b"a"])
        self.assertEqual(self.call("RPOPLPUSH", "s", "d"), b"b")
        self.assertEqual(self.call("EXISTS", "s"), 0)
        self.assertEqual(self.call("LRANGE", "d", 0, -1), [b"b", b"c", b"a"])
        self.assertIsNone(self.call("RPOPLPUSH", "s", "d"))
        self.assertIsNone(self.call("LMOVE", "s", "d", "LEFT", "LEFT"))
        self.assertEqual(self.err("LMOVE", "d", "d", "UP", "LEFT"), SYNTAX)
        # rotation on one key
        self.assertEqual(self.call("LMOVE", "d", "d", "LEFT", "RIGHT"), b"b")
        self.assertEqual(self.call("LRANGE", "d", 0, -1), [b"c", b"a", b"b"])
        self.call("RPUSH", "one", "x")
        self.assertEqual(self.call("RPOPLPUSH", "one", "one"), b"x")
        self.assertEqual(self.call("LRANGE", "one", 0, -1), [b"x"])

    def test_lmpop(self):
        self.call("RPUSH", "b", "1", "2", "3")
        self.assertEqual(self.call("LMPOP", 2, "a", "b", "LEFT"), [b"b", [b"1"]])
        self.assertEqual(self.call("LMPOP", 2, "a", "b", "RIGHT", "COUNT", 10), [b"b", [b"3", b"2"]])
        self.assertEqual(self.call("EXISTS", "b"), 0)
        self.assertIsNone(self.call("LMPOP", 2, "a", "b", "LEFT"))
        self.assertEqual(self.err("LMPOP", 0, "a", "LEFT"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("LMPOP", -1, "a", "LEFT"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("LMPOP", "x", "a", "LEFT"), "ERR numkeys should be greater than 0")
        self.assertEqual(self.err("LMPOP", 5, "a", "LEFT"), SYNTAX)
        self.assertEqual(self.err("LMPOP", 1, "a", "MIDDLE"), SYNTAX)
        self.assertEqual(self.err("LMPOP", 1, "a", "LEFT", "COUNT", 0), "ERR count should be greater than 0")
        self.assertEqual(self.err("LMPOP", 1, "a", "LEFT", "COUNT", -1), "ERR count should be greater than 0")
        self.assertEqual(self.err("LMPOP", 1, "a", "LEFT", "COUNT"), SYNTAX)
        self.assertEqual(self.err("LMPOP", 1, "a", "LEFT", "COUNT", 1, "COUNT", 1), SYNTAX)
        self.assertEqual(self.err("LMPOP", 1, "a"), "ERR wrong number of arguments for 'lmpop' command")


class TestEncoding(ListTestBase):
    def test_listpack_to_quicklist_and_back(self):
        self.call("RPUSH", "l", "a", "b")
        self.assertEqual(self.enc("l"), b"listpack")
        self.call("RPUSH", "l", "x" * 9000)
        self.assertEqual(self.enc("l"), b"quicklist")
        self.call("RPOP", "l")
        self.assertEqual(self.enc("l"), b"listpack")

    def test_count_limit(self):
        self.assertEqual(self.call("CONFIG", "SET", "list-max-listpack-size", "4"), b"OK")
        self.call("RPUSH", "l", *"abcd")
        self.assertEqual(self.enc("l"), b"listpack")
        self.call("RPUSH", "l", "e")
        self.assertEqual(self.enc("l"), b"quicklist")
        self.call("RPOP", "l", 2)
        self.assertEqual(self.enc("l"), b"quicklist")  # one node of 3 > half of 4
        self.call("RPOP", "l")
        self.assertEqual(self.enc("l"), b"listpack")

    def test_many_small_elements(self):
        n = 20000
        pipe = [("RPUSH", "big") + tuple(str(i) for i in range(j, min(j + 1000, n)))
                for j in range(0, n, 1000)]
        self.c.pipeline(pipe)
        self.assertEqual(self.call("LLEN", "big"), n)
        self.assertEqual(self.enc("big"), b"quicklist")
        self.assertEqual(self.call("LINDEX", "big", 12345), b"12345")
        self.assertEqual(self.call("LRANGE", "big", -3, -1), [b"19997", b"19998", b"19999"])
        self.assertEqual(self.call("LPOS", "big", "19999"), 19999)
        usage = self.c.call("MEMORY", "USAGE", "big", raise_errors=False)
        if not isinstance(usage, RespError):
            # packed: a few bytes per element, not a malloc each
            self.assertLess(usage, n * 8, usage)
        self.assertEqual(self.call("LTRIM", "big", 100, 199), b"OK")
        self.assertEqual(self.call("LRANGE", "big", 0, 2), [b"100", b"101", b"102"])
        self.assertEqual(self.enc("big"), b"listpack")

    def test_redis_cli(self):
        self.call("RPUSH", "l", "a", "b")
        out = self.node.cli("LRANGE", "l", "0", "-1")
        self.assertEqual(out, "a\nb\n")
        out = self.node.cli("LPOS", "l", "b")
        self.assertEqual(out.strip(), "1")


class TestRestart(ListTestBase):
    """Lists survive a restart through a snapshot (listpack and quicklist, with the same
    encodings and node layout) and the log replayed after it. The encoding threshold is
    a start-up flag so that the replayed log sees the same one."""
    NODE_ARGS = ("--raft-snapshot-threshold", "64", "--raft-snapshot-trailing", "16",
                 "--list-max-listpack-size", "3")

    def setUp(self):
        NodeTestCase.setUp(self)
        self.c.call("FLUSHALL")

    def raft_info(self, field):
        info = self.call("INFO", "raft").decode()
        for line in info.split("\r\n"):
            if line.startswith(field + ":"):
                return int(line.split(":")[1])
        return None

    def test_restart_keeps_lists_and_encodings(self):
        self.call("RPUSH", "two", "a", "1")
        self.call("RPUSH", "nodes", *[str(i) for i in range(50)])
        self.call("LINSERT", "nodes", "AFTER", "25", "mid")
        self.call("LREM", "nodes", 0, "7")
        self.call("RPUSH", "big", "x" * 10000, "y")
        for i in range(150):  # separate entries: past the snapshot threshold
            self.call("SET", "filler:%d" % i, i)
        self.call("RPUSH", "after", "z")  # in the log after the snapshot
        want = {k: (self.call("LRANGE", k, 0, -1), self.enc(k))
                for k in ("two", "nodes", "big", "after")}
        self.assertEqual(want["two"][1], b"listpack")
        self.assertEqual(want["nodes"][1], b"quicklist")
        taken = self.raft_info("raft_snapshot_index")
        self.c.close()
        self.assertEqual(self.node.stop(), 0)
        self.node.start()
        self.c = self.node.client()
        for k, (elems, enc) in want.items():
            self.assertEqual(self.call("LRANGE", k, 0, -1), elems, k)
            self.assertEqual(self.enc(k), enc, k)
        if not taken:
            self.skipTest("no snapshot was taken: only the log replay was exercised")
        self.assertGreater(self.raft_info("raft_snapshots_restored") or 0, 0)


class TestAgainstRedis(ListTestBase):
    """The same random command stream against redis-server and redraft."""

    def start_redis(self):
        exe = shutil.which("redis-server")
        if not exe:
            self.skipTest("no redis-server")
        port = free_port()
        proc = subprocess.Popen([exe, "--port", str(port), "--save", "", "--appendonly", "no",
                                 "--daemonize", "no", "--bind", "127.0.0.1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                c = Client(port, timeout=5)
                if c.call("PING") == b"PONG":
                    return proc, c
            except OSError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
        self.skipTest("redis-server did not start")

    def test_random_stream(self):
        proc, ref = self.start_redis()
        try:
            self.run_stream(ref, seed=1234, n=6000)
            # the same against many small quicklist nodes (splits, merges, conversions)
            for fill in ("2", "-1"):
                self.call("CONFIG", "SET", "list-max-listpack-size", fill)
                ref.call("FLUSHALL")
                self.call("FLUSHALL")
                self.run_stream(ref, seed=int(fill) + 99, n=4000)
        finally:
            ref.close()
            proc.terminate()   # by PID
            proc.wait(10)

    def run_stream(self, ref, seed, n):
        rnd = random.Random(seed)
        keys = ["k1", "k2", "str"]
        ref.call("SET", "str", "x")
        self.call("SET", "str", "x")

        def elem():
            k = rnd.random()
            if k < 0.3:
                return str(rnd.randint(-3, 12))
            if k < 0.7:
                return rnd.choice(["a", "b", "c", "", "ab"])
            if k < 0.95:
                return rnd.choice("abc") * rnd.randint(20, 200)
            return "Z" * rnd.randint(3000, 9000)

        def idx():
            return str(rnd.randint(-8, 8))

        cmds = []
        for i in range(n):
            key = rnd.choice(keys)
            op = rnd.randrange(17)
            if op == 0:
                cmd = ["LPUSH", key] + [elem() for _ in range(rnd.randint(1, 4))]
            elif op == 1:
                cmd = ["RPUSH", key] + [elem() for _ in range(rnd.randint(1, 4))]
            elif op == 2:
                cmd = [rnd.choice(["LPUSHX", "RPUSHX"]), key, elem()]
            elif op == 3:
                cmd = [rnd.choice(["LPOP", "RPOP"]), key] + ([str(rnd.randint(-1, 4))] if rnd.random() < .5 else [])
            elif op == 4:
                cmd = ["LINDEX", key, idx()]
            elif op == 5:
                cmd = ["LSET", key, idx(), elem()]
            elif op == 6:
                cmd = ["LINSERT", key, rnd.choice(["BEFORE", "AFTER", "x"]), elem(), elem()]
            elif op == 7:
                cmd = ["LREM", key, str(rnd.randint(-2, 2)), elem()]
            elif op == 8:
                cmd = ["LTRIM", key, idx(), idx()]
            elif op == 9:
                cmd = ["LRANGE", key, idx(), idx()]
            elif op == 10:
                cmd = ["LPOS", key, elem()]
                for opt in ("RANK", "COUNT", "MAXLEN"):
                    if rnd.random() < 0.4:
                        cmd += [opt, str(rnd.randint(-2, 3))]
            elif op == 11:
                cmd = ["LMOVE", key, rnd.choice(keys), rnd.choice(["LEFT", "RIGHT"]),
                       rnd.choice(["LEFT", "RIGHT"])]
            elif op == 12:
                cmd = ["RPOPLPUSH", key, rnd.choice(keys)]
            elif op == 13:
                ks = rnd.sample(keys, rnd.randint(1, 3))
                cmd = ["LMPOP", str(len(ks))] + ks + [rnd.choice(["LEFT", "RIGHT"])]
                if rnd.random() < 0.5:
                    cmd += ["COUNT", str(rnd.randint(0, 4))]
            elif op == 14:
                cmd = ["LLEN", key]
            elif op == 15:
                cmd = ["EXISTS", "k1", "k2"]
            else:
                cmd = ["LRANGE", key, "0", "-1"]
            cmds.append(cmd)
        # pipelined in chunks: same order, far fewer round trips
        for at in range(0, len(cmds), 500):
            chunk = cmds[at:at + 500]
            wants = ref.pipeline(chunk)
            gots = self.c.pipeline(chunk)
            for j, (cmd, want, got) in enumerate(zip(chunk, wants, gots)):
                if isinstance(want, RespError):
                    self.assertIsInstance(got, RespError, (at + j, cmd))
                    self.assertEqual(str(got), str(want), (at + j, cmd))
                else:
                    self.assertEqual(got, want, (at + j, cmd))
        for k in ("k1", "k2"):
            self.assertEqual(self.c.call("LRANGE", k, 0, -1), ref.call("LRANGE", k, 0, -1))


if __name__ == "__main__":
    main()
