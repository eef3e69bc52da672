#!/usr/bin/env python3
"""Bitmap commands against a real redraft-node: SETBIT GETBIT BITCOUNT BITPOS BITOP
BITFIELD BITFIELD_RO.

Expected replies follow Redis 7.2 (many cases from redis's tests/unit/bitops.tcl and
bitfield.tcl). When a redis-server binary is installed, RedisDiffTest also runs long
random command sequences against it and redraft-node side by side and requires the same
reply for every command and the same final bytes for every key.

RedisRef (a throwaway redis-server, stopped by PID) is shared with test_hll.py and
test_sort.py."""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, RespError, Client, free_port, wait_until, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_BIT = "ERR bit is not an integer or out of range"
BAD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
            "supported but i64 is.")

REDIS_SERVER = shutil.which("redis-server")


class RedisRef:
    """A throwaway redis-server used as the reference implementation."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redraft-ref-")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

        def ready():
            try:
                with Client(self.port, timeout=1) as c:
                    return c.call("PING") == b"PONG"
            except OSError:
                return False
        if not wait_until(ready, timeout=15):
            self.stop()
            raise RuntimeError("reference redis-server did not start")

    def client(self):
        return Client(self.port)

    def version(self):
        with self.client() as c:
            info = c.call("INFO", "server").decode()
        for line in info.splitlines():
            if line.startswith("redis_version:"):
                return tuple(int(x) for x in line.split(":", 1)[1].split("."))
        return (0,)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


def norm(r):
    """A reply in comparable form (errors as ('err', text))."""
    if isinstance(r, RespError):
        return ("err", str(r))
    if isinstance(r, list):
        return [norm(x) for x in r]
    return r


class BitmapTestBase(NodeTestCase):
    def call(self, *args):
        return self.c.call(*args)

    def err(self, *args):
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "expected an error from %r, got %r" % (args, r))
        return str(r)


class SetGetBitTest(BitmapTestBase):
    def test_setbit_getbit_basics(self):
        c = self.c
        self.assertEqual(c.call("SETBIT", "b", 7, 1), 0)
        self.assertEqual(c.call("GET", "b"), b"\x01")
        self.assertEqual(c.call("SETBIT", "b", 7, 1), 1)
        self.assertEqual(c.call("SETBIT", "b", 7, 0), 1)
        self.assertEqual(c.call("GET", "b"), b"\x00")
        self.assertEqual(c.call("SETBIT", "b", 0, 1), 0)
        self.assertEqual(c.call("GET", "b"), b"\x80")
        self.assertEqual(c.call("SETBIT", "b", 17, 1), 0)  # grows with zeros
        self.assertEqual(c.call("GET", "b"), b"\x80\x00\x40")
        self.assertEqual(c.call("GETBIT", "b", 0), 1)
        self.assertEqual(c.call("GETBIT", "b", 1), 0)
        self.assertEqual(c.call("GETBIT", "b", 17), 1)
        self.assertEqual(c.call("GETBIT", "b", 1000), 0)  # past the end
        self.assertEqual(c.call("GETBIT", "nokey", 0), 0)
        self.assertEqual(c.call("STRLEN", "b"), 3)
        self.assertEqual(c.call("OBJECT", "ENCODING", "b"), b"raw")

    def test_setbit_on_int_and_embstr(self):
        c = self.c
        c.call("SET", "n", "1")  # '1' = 0x31 = 00110001
        self.assertEqual(c.call("GETBIT", "n", 2), 1)
        self.assertEqual(c.call("GETBIT", "n", 7), 1)
        self.assertEqual(c.call("GETBIT", "n", 6), 0)
        self.assertEqual(c.call("SETBIT", "n", 6, 1), 0)
        self.assertEqual(c.call("GET", "n"), b"3")
        c.call("SET", "e", "ab")
        self.assertEqual(c.call("SETBIT", "e", 0, 0), 0)  # no change, still unshared
        self.assertEqual(c.call("OBJECT", "ENCODING", "e"), b"raw")

    def test_setbit_errors(self):
        self.assertEqual(self.err("SETBIT", "b", -1, 1), BAD_OFFSET)
        self.assertEqual(self.err("SETBIT", "b", "x", 1), BAD_OFFSET)
        self.assertEqual(self.err("SETBIT", "b", 4294967296, 1), BAD_OFFSET)  # 512 MB
        self.assertEqual(self.err("SETBIT", "b", 0, 2), BAD_BIT)
        self.assertEqual(self.err("SETBIT", "b", 0, -1), BAD_BIT)
        self.assertEqual(self.err("SETBIT", "b", 0, "a"), BAD_BIT)
        self.assertEqual(self.err("GETBIT", "b", -1), BAD_OFFSET)
        self.assertEqual(self.call("EXISTS", "b"), 0)
        self.c.call("LPUSH", "l", "x", raise_errors=False)
        if self.c.call("TYPE", "l") == b"list":
            self.assertEqual(self.err("SETBIT", "l", 0, 1), WRONGTYPE)
            self.assertEqual(self.err("GETBIT", "l", 0), WRONGTYPE)
            self.assertEqual(self.err("BITCOUNT", "l"), WRONGTYPE)
            self.assertEqual(self.err("BITPOS", "l", 0), WRONGTYPE)
            self.assertEqual(self.err("BITFIELD", "l", "GET", "u8", 0), WRONGTYPE)

    def test_setbit_keeps_ttl(self):
        c = self.c
        c.call("SET", "t", "x", "EX", 100)
        c.call("SETBIT", "t", 100, 1)
        self.assertGreater(c.call("TTL", "t"), 0)

    def test_max_offset(self):
        # proto-max-bulk-len bounds offsets (lowered here: a 512 MB string is slow to
        # zero-fill on a small machine)
        c = self.c
        c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        try:
            self.assertEqual(self.err("SETBIT", "big", 8 * 1024 * 1024, 1), BAD_OFFSET)
            self.assertEqual(self.err("BITFIELD", "big", "SET", "u8", "#1048576", 1), BAD_OFFSET)
            self.assertEqual(c.call("SETBIT", "big", 8 * 1024 * 1024 - 1, 1), 0)
            self.assertEqual(c.call("STRLEN", "big"), 1024 * 1024)
            self.assertEqual(c.call("GETBIT", "big", 8 * 1024 * 1024 - 1), 1)
            self.assertEqual(c.call("BITCOUNT", "big"), 1)
            self.assertEqual(c.call("BITPOS", "big", 1), 8 * 1024 * 1024 - 1)
            self.assertEqual(c.call("BITPOS", "big", 0, -1), 8 * 1024 * 1024 - 8)
        finally:
            c.call("CONFIG", "SET", "proto-max-bulk-len", "512mb")
            c.call("DEL", "big")


class BitcountTest(BitmapTestBase):
    def test_bitcount(self):
        c = self.c
        c.call("SET", "s", "foobar")
        self.assertEqual(c.call("BITCOUNT", "s"), 26)
        self.assertEqual(c.call("BITCOUNT", "s", 0, 0), 4)
        self.assertEqual(c.call("BITCOUNT", "s", 1, 1), 6)
        self.assertEqual(c.call("BITCOUNT", "s", 1, 1, "BYTE"), 6)
        self.assertEqual(c.call("BITCOUNT", "s", 5, 30, "BIT"), 17)
        self.assertEqual(c.call("BITCOUNT", "s", 0, -1), 26)
        self.assertEqual(c.call("BITCOUNT", "s", -2, -1), 7)
        self.assertEqual(c.call("BITCOUNT", "s", -1, -2), 0)
        self.assertEqual(c.call("BITCOUNT", "s", 100, 200), 0)
        self.assertEqual(c.call("BITCOUNT", "s", 0, 1000), 26)
        self.assertEqual(c.call("BITCOUNT", "s", 0, 0, "bit"), 0)
        self.assertEqual(c.call("BITCOUNT", "s", 1, 1, "bit"), 1)
        self.assertEqual(c.call("BITCOUNT", "nokey"), 0)
        self.assertEqual(c.call("BITCOUNT", "nokey", 0, 1, "foo"), 0)  # key first (7.2)
        self.assertEqual(self.err("BITCOUNT", "s", 0), SYNTAX)
        self.assertEqual(self.err("BITCOUNT", "s", 0, 1, "foo"), SYNTAX)
        self.assertEqual(self.err("BITCOUNT", "s", "a", 1), NOT_INT)
        self.assertEqual(self.err("BITCOUNT", "s", 0, 1, "bit", "x"), SYNTAX)
        # the all-negative shortcut comes before the unit check, as in Redis
        self.assertEqual(c.call("BITCOUNT", "s", -1, -2, "foo"), 0)
        c.call("SET", "n", 1234)
        self.assertEqual(c.call("BITCOUNT", "n"), sum(bin(b).count("1") for b in b"1234"))

    def test_bitcount_fuzz(self):
        c = self.c
        rnd = random.Random(7)
        for _ in range(100):
            data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 70)))
            c.call("SET", "f", data)
            self.assertEqual(c.call("BITCOUNT", "f"), sum(bin(b).count("1") for b in data))
            if data:
                a, b = sorted(rnd.randrange(len(data) * 8) for _ in range(2))
                bits = "".join(format(x, "08b") for x in data)
                self.assertEqual(c.call("BITCOUNT", "f", a, b, "BIT"), bits[a:b + 1].count("1"))


class BitposTest(BitmapTestBase):
    def test_bitpos(self):
        c = self.c
        c.call("SET", "s", b"\xff\xf0\x00")
        self.assertEqual(c.call("BITPOS", "s", 0), 12)
        self.assertEqual(c.call("BITPOS", "s", 1), 0)
        c.call("SET", "s", b"\x00\xff\xf0")
        self.assertEqual(c.call("BITPOS", "s", 1, 0), 8)
        self.assertEqual(c.call("BITPOS", "s", 1, 2), 16)
        self.assertEqual(c.call("BITPOS", "s", 1, 2, -1, "BYTE"), 16)
        self.assertEqual(c.call("BITPOS", "s", 1, 7, 15, "BIT"), 8)
        self.assertEqual(c.call("BITPOS", "s", 1, 7, -3, "BIT"), 8)
        c.call("SET", "s", b"\xff\xff\xff")
        self.assertEqual(c.call("BITPOS", "s", 0), 24)   # padded with zeros
        self.assertEqual(c.call("BITPOS", "s", 0, 0), 24)
        self.assertEqual(c.call("BITPOS", "s", 0, 0, -1), -1)  # explicit end: no padding
        self.assertEqual(c.call("BITPOS", "s", 0, 0, -1, "bit"), -1)
        self.assertEqual(self.err("BITPOS", "s", 0, 0, "bit"), NOT_INT)
        c.call("SET", "s", b"\x00\x00\x00")
        self.assertEqual(c.call("BITPOS", "s", 1), -1)
        self.assertEqual(c.call("BITPOS", "s", 0), 0)
        self.assertEqual(c.call("BITPOS", "nokey", 1), -1)
        self.assertEqual(c.call("BITPOS", "nokey", 0), 0)
        self.assertEqual(c.call("BITPOS", "nokey", 0, 1, 2, "foo"), 0)
        c.call("SET", "e", "")
        self.assertEqual(c.call("BITPOS", "e", 0), -1)
        self.assertEqual(c.call("BITPOS", "e", 1), -1)
        self.assertEqual(c.call("BITPOS", "s", 1, 10, 5), -1)
        self.assertEqual(self.err("BITPOS", "s", 2), "ERR The bit argument must be 1 or 0.")
        self.assertEqual(self.err("BITPOS", "s", "x"), NOT_INT)
        self.assertEqual(self.err("BITPOS", "s", 1, 0, 1, "x"), SYNTAX)
        self.assertEqual(self.err("BITPOS", "s", 1, 0, 1, "bit", 3), SYNTAX)
        self.assertEqual(self.err("BITPOS", "s", 1, "a"), NOT_INT)

    def test_bitpos_fuzz(self):
        c = self.c
        rnd = random.Random(11)
        for _ in range(200):
            n = rnd.randrange(1, 40)
            fill = rnd.choice([0, 255])
            data = bytearray([fill] * n)
            for _ in range(rnd.randrange(0, 3)):
                data[rnd.randrange(n)] = rnd.randrange(256)
            c.call("SET", "f", bytes(data))
            bits = "".join(format(x, "08b") for x in data)
            for bit in (0, 1):
                a, b = sorted(rnd.randrange(n * 8) for _ in range(2))
                seg = bits[a:b + 1]
                want = seg.find(str(bit))
                self.assertEqual(c.call("BITPOS", "f", bit, a, b, "BIT"),
                                 -1 if want < 0 else a + want)
                want = bits.find(str(bit))
                if want < 0:
                    want = -1 if bit else n * 8
                self.assertEqual(c.call("BITPOS", "f", bit), want)


class BitopTest(BitmapTestBase):
    def test_bitop(self):
        c = self.c
        c.call("SET", "a", b"\x0f\xf0\x55")
        c.call("SET", "b", b"\xff\x00")
        self.assertEqual(c.call("BITOP", "AND", "d", "a", "b"), 3)
        self.assertEqual(c.call("GET", "d"), b"\x0f\x00\x00")
        self.assertEqual(c.call("BITOP", "or", "d", "a", "b"), 3)
        self.assertEqual(c.call("GET", "d"), b"\xff\xf0\x55")
        self.assertEqual(c.call("BITOP", "XOR", "d", "a", "b"), 3)
        self.assertEqual(c.call("GET", "d"), b"\xf0\xf0\x55")
        self.assertEqual(c.call("BITOP", "NOT", "d", "a"), 3)
        self.assertEqual(c.call("GET", "d"), b"\xf0\x0f\xaa")
        self.assertEqual(c.call("BITOP", "AND", "d", "a", "missing"), 3)
        self.assertEqual(c.call("GET", "d"), b"\x00\x00\x00")
        self.assertEqual(c.call("BITOP", "OR", "a", "a", "b"), 3)  # dest among sources
        self.assertEqual(c.call("GET", "a"), b"\xff\xf0\x55")
        # an empty result deletes the destination
        c.call("SET", "d", "x")
        self.assertEqual(c.call("BITOP", "OR", "d", "m1", "m2"), 0)
        self.assertEqual(c.call("EXISTS", "d"), 0)
        # the result replaces the destination's TTL and is RAW even when it looks numeric
        c.call("SET", "d", "v", "EX", 100)
        c.call("SET", "num", "12")
        self.assertEqual(c.call("BITOP", "OR", "d", "num"), 2)
        self.assertEqual(c.call("TTL", "d"), -1)
        self.assertEqual(c.call("OBJECT", "ENCODING", "d"), b"raw")
        self.assertEqual(self.err("BITOP", "NOT", "d", "a", "b"),
                         "ERR BITOP NOT must be called with a single source key.")
        self.assertEqual(self.err("BITOP", "NAND", "d", "a"), SYNTAX)
        c.call("HSET", "h", "f", "v", raise_errors=False)
        if c.call("TYPE", "h") == b"hash":
            self.assertEqual(self.err("BITOP", "AND", "d", "a", "h"), WRONGTYPE)


class BitfieldTest(BitmapTestBase):
    def test_bitfield_basics(self):
        c = self.c
        self.assertEqual(c.call("BITFIELD", "bf", "SET", "i8", 0, -100), [0])
        self.assertEqual(c.call("BITFIELD", "bf", "GET", "i8", 0), [-100])
        self.assertEqual(c.call("BITFIELD", "bf", "GET", "u8", 0), [156])
        self.assertEqual(c.call("BITFIELD", "bf", "SET", "u8", "#1", 255, "GET", "u8", 8), [0, 255])
        self.assertEqual(c.call("BITFIELD", "bf", "INCRBY", "u2", 100, 1, "OVERFLOW", "SAT",
                                "INCRBY", "i8", 8, 1), [1, 0])  # 0xff as i8 is -1
        self.assertEqual(c.call("BITFIELD", "nokey", "GET", "u4", 0), [0])
        self.assertEqual(c.call("EXISTS", "nokey"), 0)
        self.assertEqual(c.call("BITFIELD", "bf"), [])

    def test_bitfield_overflow(self):
        c = self.c
        c.call("DEL", "o")
        self.assertEqual(c.call("BITFIELD", "o", "SET", "u8", 0, 255), [0])
        self.assertEqual(c.call("BITFIELD", "o", "INCRBY", "u8", 0, 1), [0])  # wrap
        self.assertEqual(c.call("BITFIELD", "o", "OVERFLOW", "SAT", "INCRBY", "u8", 0, -5), [0])
        self.assertEqual(c.call("BITFIELD", "o", "OVERFLOW", "SAT", "INCRBY", "u8", 0, 300), [255])
        self.assertEqual(c.call("BITFIELD", "o", "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 1), [None])
        self.assertEqual(c.call("BITFIELD", "o", "OVERFLOW", "SAT", "SET", "u8", 0, -1), [255])
        self.assertEqual(c.call("BITFIELD", "o", "GET", "u8", 0), [255])
        self.assertEqual(c.call("BITFIELD", "o", "SET", "i8", 0, 127, "INCRBY", "i8", 0, 1), [-1, -128])
        self.assertEqual(c.call("BITFIELD", "o", "OVERFLOW", "SAT", "INCRBY", "i8", 0, -1), [-128])

    def test_bitfield_overflow_i64(self):
        c = self.c
        c.call("DEL", "w")
        self.assertEqual(c.call("BITFIELD", "w", "SET", "i64", 0, 2**63 - 1), [0])
        self.assertEqual(c.call("BITFIELD", "w", "INCRBY", "i64", 0, 1), [-2**63])
        self.assertEqual(c.call("BITFIELD", "w", "OVERFLOW", "SAT", "INCRBY", "i64", 0, -1), [-2**63])
        self.assertEqual(c.call("BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "i64", 0, -1), [None])
        self.assertEqual(c.call("BITFIELD", "w", "SET", "u63", 0, 2**63 - 1), [2**62])
        self.assertEqual(c.call("BITFIELD", "w", "INCRBY", "u63", 0, 1), [0])

    def test_bitfield_errors(self):
        c = self.c
        self.assertEqual(self.err("BITFIELD", "x", "GET", "u64", 0), BAD_TYPE)
        self.assertEqual(self.err("BITFIELD", "x", "GET", "i65", 0), BAD_TYPE)
        self.assertEqual(self.err("BITFIELD", "x", "GET", "i0", 0), BAD_TYPE)
        self.assertEqual(self.err("BITFIELD", "x", "GET", "U8", 0), BAD_TYPE)
        self.assertEqual(self.err("BITFIELD", "x", "GET", "u8", -1), BAD_OFFSET)
        self.assertEqual(self.err("BITFIELD", "x", "GET", "u8", "#-1"), BAD_OFFSET)
        self.assertEqual(self.err("BITFIELD", "x", "GET", "u8"), SYNTAX)
        self.assertEqual(self.err("BITFIELD", "x", "SET", "u8", 0), SYNTAX)
        self.assertEqual(self.err("BITFIELD", "x", "SET", "u8", 0, "a"), NOT_INT)
        self.assertEqual(self.err("BITFIELD", "x", "FOO"), SYNTAX)
        self.assertEqual(self.err("BITFIELD", "x", "OVERFLOW", "X"), "ERR Invalid OVERFLOW type specified")
        self.assertEqual(self.err("BITFIELD_RO", "x", "SET", "u8", 0, 1),
                         "ERR BITFIELD_RO only supports the GET subcommand")
        self.assertEqual(self.err("BITFIELD_RO", "x", "INCRBY", "u8", 0, 1),
                         "ERR BITFIELD_RO only supports the GET subcommand")
        self.assertEqual(c.call("EXISTS", "x"), 0)

    def test_bitfield_ro(self):
        c = self.c
        c.call("SET", "r", b"\x12\x34")
        self.assertEqual(c.call("BITFIELD_RO", "r", "GET", "u8", 0, "GET", "u4", 12, "GET", "i16", 0),
                         [0x12, 4, 0x1234])
        self.assertEqual(c.call("BITFIELD_RO", "r"), [])
        self.assertEqual(c.call("BITFIELD_RO", "r", "OVERFLOW", "SAT", "GET", "u8", "#1"), [0x34])

    def test_bitfield_fail_still_creates_key(self):
        c = self.c
        c.call("DEL", "ff")
        self.assertEqual(c.call("BITFIELD", "ff", "OVERFLOW", "FAIL", "INCRBY", "u2", 0, 10), [None])
        self.assertEqual(c.call("GET", "ff"), b"\x00")  # as Redis: grown before the ops ran


class RedisDiffTest(unittest.TestCase):
    """The same random commands on redis-server and redraft-node: same replies and
    bytes."""

    @classmethod
    def setUpClass(cls):
        if not REDIS_SERVER:
            raise unittest.SkipTest("redis-server not installed")
        from harness import Node
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
        self.r.call("FLUSHALL")
        self.d.call("FLUSHALL")

    def tearDown(self):
        self.r.close()
        self.d.close()

    def same(self, *args):
        a = norm(self.r.call(*args, raise_errors=False))
        b = norm(self.d.call(*args, raise_errors=False))
        self.assertEqual(b, a, "reply to %r: redis %r, redraft %r" % (args, a, b))
        return a

    def random_command(self, rnd, keys):
        k = rnd.choice(keys)
        off = rnd.choice([rnd.randrange(64), rnd.randrange(400), -1, "x", "#3"])
        num = lambda: rnd.choice([rnd.randrange(-300, 300), 2**63 - 1, -2**63, 2**62, 0, 1, "z"])
        ftype = rnd.choice(["u1", "u3", "u8", "u16", "u63", "i1", "i5", "i8", "i32", "i64", "u64", "x8"])
        unit = rnd.choice([[], ["BIT"], ["BYTE"], ["bit"], ["nope"]])
        rng = [rnd.randrange(-20, 20), rnd.randrange(-20, 40)]
        choice = rnd.randrange(10)
        if choice == 0:
            return ["SETBIT", k, off, rnd.choice([0, 1, 1, 0, 2])]
        if choice == 1:
            return ["GETBIT", k, off]
        if choice == 2:
            return ["BITCOUNT", k] + rnd.choice([[], rng, rng + unit, rng[:1]])
        if choice == 3:
            return ["BITPOS", k, rnd.choice([0, 1, 1, 0, 3])] + rnd.choice(
                [[], rng[:1], rng, rng + unit])
        if choice == 4:
            return ["BITOP", rnd.choice(["AND", "OR", "XOR", "NOT", "and"]), rnd.choice(keys)] + \
                rnd.sample(keys, rnd.choice([1, 1, 2, 3]))
        if choice == 5:
            return ["SET", k, bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 12)))]
        args = ["BITFIELD" if choice < 9 else "BITFIELD_RO", k]
        for _ in range(rnd.randrange(1, 4)):
            op = rnd.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if op == "OVERFLOW":
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
            elif op == "GET":
                args += ["GET", ftype, off]
            else:
                args += [op, ftype, off, num()]
        return args

    def test_random_sequences(self):
        rnd = random.Random(1234)
        keys = ["k1", "k2", "k3", "k4"]
        for _ in range(3000):
            self.same(*self.random_command(rnd, keys))
        for k in keys:
            self.same("GET", k)

    def test_bitfield_exhaustive_small(self):
        rnd = random.Random(99)
        for bits in (1, 2, 7, 8, 13, 31, 32, 33, 63, 64):
            for sign in "iu":
                if sign == "u" and bits == 64:
                    continue
                t = "%s%d" % (sign, bits)
                for ow in ("WRAP", "SAT", "FAIL"):
                    for _ in range(25):
                        off = rnd.randrange(0, 20)
                        v = rnd.choice([rnd.randrange(-2**bits, 2**bits), 2**63 - 1, -2**63,
                                        2**(bits - 1), -2**(bits - 1), -1, 0, 1])
                        self.same("BITFIELD", "bf", "OVERFLOW", ow, rnd.choice(["SET", "INCRBY"]),
                                  t, off, v, "GET", t, off)
        self.same("GET", "bf")


if __name__ == "__main__":
    main()
