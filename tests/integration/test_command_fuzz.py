"""Random commands with hostile arguments against a real node: it must answer every one
(a reply or an error, never a crash or a hang) and keep serving.

Every command the node lists in COMMAND is called with arguments drawn from values that
break naive parsers: huge and negative numbers, floats, NaN/inf, empty and binary strings,
option words of other commands, repeated options. The seed is fixed so a failure can be
replayed; REDRAFT_FUZZ_SEED and REDRAFT_FUZZ_COUNT change it for longer local runs.
"""
import os
import random

import harness

SEED = int(os.environ.get("REDRAFT_FUZZ_SEED", "20261128"))
COUNT = int(os.environ.get("REDRAFT_FUZZ_COUNT", "20000"))

# Commands that would end the session or the process, or block the connection. The
# (un)subscribe family answers one confirmation per channel (not one reply per command)
# and puts a RESP2 connection in subscribed mode; test_pubsub.py covers it.
SKIP = {"shutdown", "quit", "monitor", "reset", "debug", "client|kill", "client|reply",
        "config|set", "config|rewrite", "flushall", "hello", "auth",
        "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"}

WORDS = [b"", b"0", b"1", b"-1", b"2", b"10", b"-10", b"100", b"1000000",
         b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
         b"18446744073709551616", b"1.5", b"-0.0", b"1e308", b"1e309", b"inf", b"-inf",
         b"+inf", b"nan", b"0x10", b" 1", b"1 ", b"01", b"+1", b"k", b"key", b"key2",
         b"{key}x", b"*", b"?", b"[", b"[a-", b"\\", b"\x00", b"\xff\xfe", b"a" * 300,
         b"EX", b"PX", b"EXAT", b"PXAT", b"NX", b"XX", b"GT", b"LT", b"GET", b"KEEPTTL",
         b"PERSIST", b"MATCH", b"COUNT", b"TYPE", b"string", b"LEN", b"IDX", b"MINMATCHLEN",
         b"WITHMATCHLEN", b"REPLACE", b"DB", b"SAMPLES", b"ASYNC", b"SYNC", b"ID", b"ADDR",
         b"LADDR", b"SKIPME", b"yes", b"no", b"ON", b"OFF", b"SKIP", b"LIB-NAME", b"LIB-VER",
         b"maxmemory", b"hz", b"*max*", b"default", b"ALL", b"everything", b"server"]


def random_arg(rng, keys):
    r = rng.random()
    if r < 0.35:
        return rng.choice(keys)
    if r < 0.9:
        return rng.choice(WORDS)
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))


class CommandFuzzTest(harness.NodeTestCase):

    def test_random_commands_never_crash(self):
        arity = self.command_arities()
        names = sorted(n for n in arity if n not in SKIP)
        self.assertGreater(len(names), 50)
        self.fuzz_both_protocols(names, arity, SEED)

    def command_arities(self):
        """{"name" or "name|sub": arity} for everything COMMAND lists."""
        arity = {}
        for entry in self.c.call("COMMAND"):
            subs = entry[9] if len(entry) > 9 else []
            for e in (subs or [entry]):
                arity[e[0].decode()] = e[1]
        return arity

    def fuzz_both_protocols(self, names, arity, seed, seed_keys=True):
        for proto in (2, 3):
            with self.subTest(resp=proto), self.node.client() as conn:
                if proto == 3:
                    conn.call("HELLO", "3")
                self.fuzz(conn, names, arity, random.Random(seed + proto), seed_keys)

    def fuzz(self, conn, names, arity, rng, seed_keys=True):
        keys = [b"k", b"key", b"key2", b"n", b"s"]
        batch = []
        for i in range(COUNT // 2):
            name = rng.choice(names)
            parts = name.split("|")
            args = [p.encode() for p in parts]
            # Mostly a valid argument count (so the command body runs), sometimes not.
            a = arity[name]
            want = a if a > 0 else -a + rng.randrange(0, 7)
            if rng.random() < 0.05:
                want = rng.randrange(len(parts), len(parts) + 7)
            while len(args) < want:
                args.append(random_arg(rng, keys))
            batch.append(args)
            if len(batch) == 200 or i == COUNT // 2 - 1:
                replies = conn.pipeline(batch)
                self.assertEqual(len(replies), len(batch))
                batch = []
                # Seed the keyspace with values of several shapes between batches.
                if seed_keys:
                    conn.pipeline([("SET", "k", "10"), ("SET", "s", "hello"),
                                   ("SET", "n", "3.5", "PX", "50"), ("SELECT", "0")])
        self.assertEqual(conn.call("PING"), b"PONG")
        with self.node.client() as other:
            self.assertEqual(other.call("PING", "still here"), b"still here")



# On a sentinel: everything it lists but what ends the process or the session, blocks,
# or crashes on purpose (SIMULATE-FAILURE) or would change its configuration for the
# rest of the run (CONFIG SET, SENTINEL CONFIG SET/DEBUG).
SENTINEL_SKIP = SKIP | {"sentinel|simulate-failure", "sentinel|config", "sentinel|debug", "sentinel|remove",
                        "sentinel|reset"}


class SentinelCommandFuzzTest(CommandFuzzTest):
    """The same against a redraft-sentinel that monitors a real shard (so its instance
    tables are populated) -- its SENTINEL subcommands parse addresses, epochs, globs and
    option lists."""

    @classmethod
    def setUpClass(cls):
        cls.shard = harness.Shard(3).start()
        leader = cls.shard.leader()
        cls.sentinel = harness.Sentinel(config=["sentinel monitor mymaster 127.0.0.1 %d 1" % leader.port,
                                                "sentinel down-after-milliseconds mymaster 1000"])
        cls.sentinel.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.sentinel.stop()
        out = cls.sentinel.output()
        cls.shard.stop_all()
        if code != 0 or cls.sentinel.sanitizer_report():
            raise AssertionError("sentinel exited with %s:\n%s" % (code, out))

    def setUp(self):
        self.node = self.sentinel
        self.c = self.sentinel.client()

    def tearDown(self):
        self.c.close()
        self.assertTrue(self.sentinel.alive(), "the sentinel died")

    def test_random_commands_never_crash(self):
        arity = self.command_arities()
        names = sorted(n for n in arity if n not in SENTINEL_SKIP)
        self.assertIn("sentinel|masters", names)
        self.fuzz_both_protocols(names, arity, SEED + 10, seed_keys=False)


if __name__ == "__main__":
    harness.main()
