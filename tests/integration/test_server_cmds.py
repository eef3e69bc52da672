"""Server introspection commands: TIME, LASTSAVE, COMMAND, SLOWLOG, LATENCY, MONITOR,
MEMORY and SHUTDOWN, checked against Redis 7's reply shapes (the expected values for
GET and CLIENT|KILL are what redis-server 7 answers), in RESP2 and RESP3, and through
redis-cli where the real tool depends on them.
"""
import re
import socket
import subprocess
import time
import unittest

import harness
from harness import Client, Node, NodeTestCase, RespError


def pairs(flat):
    """A RESP2 flattened map -> dict."""
    assert len(flat) % 2 == 0, flat
    return dict(zip(flat[0::2], flat[1::2]))


GET_INFO = [b"get", 2, [b"readonly", b"fast"], 1, 1, 1, [b"@read", b"@string", b"@fast"], [],
            [[b"flags", [b"RO", b"access"],
              b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
              b"find_keys", [b"type", b"range", b"spec", [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]],
            []]
CLIENT_KILL_INFO = [b"client|kill", -3, [b"admin", b"noscript", b"loading", b"stale"], 0, 0, 0,
                    [b"@admin", b"@slow", b"@dangerous", b"@connection"], [], [], []]


class TimeAndSaveTest(NodeTestCase):

    def test_time(self):
        r = self.c.call("TIME")
        self.assertEqual(len(r), 2)
        self.assertTrue(all(isinstance(x, bytes) for x in r), r)
        secs, usecs = int(r[0]), int(r[1])
        self.assertLess(abs(secs + usecs / 1e6 - time.time()), 5)
        self.assertTrue(0 <= usecs < 1000000)
        self.assertRaises(RespError, self.c.call, "TIME", "x")

    def test_lastsave(self):
        t = self.c.call("LASTSAVE")
        self.assertIsInstance(t, int)
        self.assertLessEqual(t, time.time() + 1)
        self.assertGreater(t, time.time() - 3600)


class CommandTest(NodeTestCase):

    def test_count_matches_listing(self):
        n = self.c.call("COMMAND", "COUNT")
        self.assertIsInstance(n, int)
        self.assertGreater(n, 20)
        infos = self.c.call("COMMAND", "INFO")
        self.assertEqual(len(infos), n)
        names = [i[0] for i in infos]
        self.assertIn(b"get", names)
        self.assertNotIn(b"client|kill", names)  # top level only

    def test_bare_command(self):
        infos = self.c.call("COMMAND")
        self.assertEqual(len(infos), self.c.call("COMMAND", "COUNT"))
        for info in infos:
            self.assertEqual(len(info), 10, info[:1])
        self.assertIn(GET_INFO, infos)

    def test_info_get_exact(self):
        self.assertEqual(self.c.call("COMMAND", "INFO", "GET"), [GET_INFO])
        self.assertEqual(self.c.call("COMMAND", "INFO", "get"), [GET_INFO])

    def test_info_set_and_mset(self):
        setinfo, msetinfo, delinfo = self.c.call("COMMAND", "INFO", "set", "mset", "del")
        self.assertEqual(setinfo[:2], [b"set", -3])
        self.assertIn(b"write", setinfo[2])
        self.assertIn(b"denyoom", setinfo[2])
        self.assertEqual(setinfo[3:6], [1, 1, 1])
        self.assertIn(b"@write", setinfo[6])
        self.assertEqual(msetinfo[3:6], [1, -1, 2])
        spec = pairs(msetinfo[8][0])
        self.assertEqual(pairs(spec[b"find_keys"])[b"spec"], [b"lastkey", -1, b"keystep", 2, b"limit", 0])
        self.assertEqual(delinfo[3:6], [1, -1, 1])

    def test_info_subcommand_exact(self):
        self.assertEqual(self.c.call("COMMAND", "INFO", "client|kill"), [CLIENT_KILL_INFO])
        self.assertEqual(self.c.call("COMMAND", "INFO", "CLIENT|KILL"), [CLIENT_KILL_INFO])

    def test_info_container_lists_subcommands(self):
        [client] = self.c.call("COMMAND", "INFO", "client")
        self.assertEqual(client[0], b"client")
        subs = client[9]
        self.assertIn(CLIENT_KILL_INFO, subs)
        for sub in subs:
            self.assertEqual(len(sub), 10)
            self.assertTrue(sub[0].startswith(b"client|"), sub[0])

    def test_info_unknown_is_null(self):
        self.assertEqual(self.c.call("COMMAND", "INFO", "nosuch", "get", "client|nosuch"),
                         [None, GET_INFO, None])

    def test_info_resp3_types(self):
        self.c.call("HELLO", "3")
        self.c.send_raw(Client.encode("COMMAND", "INFO", "get"))
        raw, end = b"", b"$5\r\nlimit\r\n:0\r\n~0\r\n"
        while not raw.endswith(end):
            chunk = self.c.sock.recv(65536)
            self.assertTrue(chunk, raw)
            raw += chunk
        # flags, categories, tips, key specs are sets; key spec elements are maps
        self.assertTrue(raw.startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n"), raw)
        self.assertIn(b"~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n", raw)
        self.assertIn(b"$5\r\nlimit\r\n:0\r\n~0\r\n", raw)

    def test_docs(self):
        r = self.c.call("COMMAND", "DOCS", "get")
        self.assertEqual(len(r), 2)
        self.assertEqual(r[0], b"get")
        d = pairs(r[1])
        self.assertEqual(d[b"since"], b"1.0.0")
        self.assertEqual(d[b"group"], b"string")
        self.assertEqual(d[b"complexity"], b"O(1)")
        self.assertTrue(d[b"summary"])

    def test_docs_container_and_unknown(self):
        r = pairs(self.c.call("COMMAND", "DOCS", "client", "nosuch", "client|kill"))
        self.assertEqual(set(r), {b"client", b"client|kill"})
        subs = pairs(pairs(r[b"client"])[b"subcommands"])
        self.assertIn(b"client|kill", subs)
        self.assertEqual(pairs(subs[b"client|kill"])[b"group"], b"connection")
        self.assertEqual(self.c.call("COMMAND", "DOCS", "nosuch"), [])

    def test_docs_all_and_resp3(self):
        everything = pairs(self.c.call("COMMAND", "DOCS"))
        self.assertEqual(len(everything), self.c.call("COMMAND", "COUNT"))
        self.c.call("HELLO", "3")
        r = self.c.call("COMMAND", "DOCS", "set")
        self.assertIsInstance(r, dict)
        self.assertEqual(r[b"set"][b"group"], b"string")

    def test_list(self):
        names = self.c.call("COMMAND", "LIST")
        self.assertIn(b"get", names)
        self.assertIn(b"client", names)
        self.assertIn(b"client|kill", names)
        self.assertEqual(len(names), len(set(names)))
        count = self.c.call("COMMAND", "COUNT")
        self.assertEqual(len([n for n in names if b"|" not in n]), count)

    def test_list_filters(self):
        cl = self.c.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*")
        self.assertIn(b"client", cl)
        self.assertIn(b"client|kill", cl)
        self.assertTrue(all(n.startswith(b"cl") for n in cl), cl)
        self.assertEqual(self.c.call("COMMAND", "LIST", "filterby", "pattern", "CLIENT|KIL?"), [b"client|kill"])
        strings = self.c.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "string")
        self.assertIn(b"get", strings)
        self.assertNotIn(b"client", strings)
        self.assertEqual(self.c.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat"), [])
        self.assertEqual(self.c.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x"), [])
        for bad in (("FILTERBY", "x", "y"), ("FILTERBY", "PATTERN"), ("nosuch",)):
            with self.assertRaises(RespError) as e:
                self.c.call("COMMAND", "LIST", *bad)
            self.assertEqual(str(e.exception), "ERR syntax error")

    def test_getkeys(self):
        self.assertEqual(self.c.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"), [b"a", b"b"])
        self.assertEqual(self.c.call("COMMAND", "GETKEYS", "get", "k"), [b"k"])
        self.assertEqual(self.c.call("COMMAND", "GETKEYS", "del", "a", "b", "c"), [b"a", b"b", b"c"])
        r = self.c.call("COMMAND", "GETKEYSANDFLAGS", "set", "a", "b")
        self.assertEqual(len(r), 1)
        self.assertEqual(r[0][0], b"a")
        self.assertTrue({b"RW", b"OW"} & set(r[0][1]), r)  # Redis says OW, we say RW
        self.assertEqual(self.c.call("COMMAND", "GETKEYSANDFLAGS", "get", "k"), [[b"k", [b"RO", b"access"]]])

    def test_getkeys_errors(self):
        cases = [
            (("nosuch", "a"), "ERR Invalid command specified"),
            (("client", "nosuch", "x"), "ERR Invalid command specified"),
            (("ping", "x"), "ERR The command has no key arguments"),
            (("client", "kill", "x"), "ERR The command has no key arguments"),
            (("get", "a", "b"), "ERR Invalid number of arguments specified for command"),
            (("set", "a"), "ERR Invalid number of arguments specified for command"),
        ]
        for args, msg in cases:
            with self.assertRaises(RespError, msg=args) as e:
                self.c.call("COMMAND", "GETKEYS", *args)
            self.assertEqual(str(e.exception), msg)
        with self.assertRaises(RespError) as e:
            self.c.call("COMMAND", "GETKEYSANDFLAGS", "nosuch", "a")
        self.assertEqual(str(e.exception), "ERR Invalid command specified")

    def test_help(self):
        lines = self.c.call("COMMAND", "HELP")
        self.assertTrue(lines[0].startswith(b"COMMAND <subcommand>"), lines[0])
        self.assertIn(b"GETKEYS <full-command>", lines)
        self.assertEqual(lines[-2:], [b"HELP", b"    Prints this help."])

    @unittest.skipUnless(harness.REDIS_CLI, "redis-cli not installed")
    def test_redis_cli_command_docs(self):
        out = self.node.cli("COMMAND", "DOCS", "GET")
        self.assertIn("summary", out)
        self.assertIn("1.0.0", out)

    @unittest.skipUnless(harness.REDIS_CLI, "redis-cli not installed")
    def test_redis_cli_repl(self):
        # Without command arguments redis-cli runs its REPL, which first loads COMMAND
        # DOCS for its hints; it must cope with our reply and then run the commands.
        out = self.node.cli(stdin=b"PING\nSET clikey hello\nGET clikey\nCOMMAND COUNT\n")
        lines = out.split("\n")
        self.assertIn("PONG", lines)
        self.assertIn("OK", lines)
        self.assertIn("hello", lines)
        self.assertTrue(any(re.match(r"^(\(integer\) )?\d+$", l) for l in lines), out)


class SlowlogTest(NodeTestCase):
    NODE_ARGS = ("--slowlog-log-slower-than", "0", "--slowlog-max-len", "128")

    def entries(self, n=10):
        return self.c.call("SLOWLOG", "GET", n)

    def test_records_commands_newest_first(self):
        self.c.call("CLIENT", "SETNAME", "slowpoke")
        self.c.call("SLOWLOG", "RESET")
        self.c.call("set", "foo", "bar")
        self.c.call("get", "foo")
        got = self.entries(3)
        self.assertEqual(got[0][3], [b"get", b"foo"])
        self.assertEqual(got[1][3], [b"set", b"foo", b"bar"])
        eid, ts, dur, args, peer, name = got[0]
        self.assertEqual(eid, got[1][0] + 1)
        self.assertLess(abs(ts - time.time()), 5)
        self.assertGreaterEqual(dur, 0)
        local = self.c.sock.getsockname()
        self.assertEqual(peer, ("%s:%d" % local).encode())
        self.assertEqual(name, b"slowpoke")

    def test_len_reset_and_counts(self):
        self.c.call("SLOWLOG", "RESET")
        self.assertLessEqual(self.c.call("SLOWLOG", "LEN"), 1)  # the RESET itself may be logged
        for i in range(5):
            self.c.call("PING")
        self.assertGreaterEqual(self.c.call("SLOWLOG", "LEN"), 5)
        self.assertEqual(len(self.entries(2)), 2)
        self.assertEqual(self.entries(0), [])
        everything = self.entries(-1)
        # each command is logged once it has run: LEN also counts that SLOWLOG GET
        self.assertEqual(len(everything), self.c.call("SLOWLOG", "LEN") - 1)
        self.assertEqual(len(self.entries()), 10)

    def test_get_errors(self):
        for bad in ("x", "-2", "1.5"):
            with self.assertRaises(RespError) as e:
                self.c.call("SLOWLOG", "GET", bad)
            self.assertEqual(str(e.exception), "ERR count should be greater than or equal to -1")
        with self.assertRaises(RespError) as e:
            self.c.call("SLOWLOG", "GET", "1", "2")
        self.assertEqual(str(e.exception),
                         "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")

    def test_argument_trimming(self):
        self.c.call("set", "longval", "v" * 200)
        self.assertEqual(self.entries(1)[0][3], [b"set", b"longval", b"v" * 128 + b"... (72 more bytes)"])
        self.c.call("del", *["k%d" % i for i in range(40)])
        args = self.entries(1)[0][3]
        self.assertEqual(len(args), 32)
        self.assertEqual(args[0], b"del")
        self.assertEqual(args[30], b"k29")
        self.assertEqual(args[31], b"... (10 more arguments)")

    def test_secrets_redacted(self):
        self.assertRaises(RespError, self.c.call, "auth", "someuser", "s3cret")
        args = self.entries(1)[0][3]
        self.assertEqual(args, [b"auth", b"(redacted)", b"(redacted)"])

    def test_max_len(self):
        try:
            self.c.call("CONFIG", "SET", "slowlog-max-len", "3")
            for i in range(10):
                self.c.call("PING")
            self.assertEqual(self.c.call("SLOWLOG", "LEN"), 3)
            got = self.entries(-1)
            self.assertEqual(len(got), 3)
            self.assertEqual([e[0] for e in got], sorted([e[0] for e in got], reverse=True))
        finally:
            self.c.call("CONFIG", "SET", "slowlog-max-len", "128")

    def test_threshold(self):
        try:
            self.c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
            self.c.call("SLOWLOG", "RESET")
            n = self.c.call("SLOWLOG", "LEN")
            for i in range(3):
                self.c.call("PING")
            self.assertEqual(self.c.call("SLOWLOG", "LEN"), n)
            self.c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000000")
            self.c.call("PING")
            self.assertEqual(self.c.call("SLOWLOG", "LEN"), n)
        finally:
            self.c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")

    def test_resp3_and_help(self):
        lines = self.c.call("SLOWLOG", "HELP")
        self.assertTrue(lines[0].startswith(b"SLOWLOG <subcommand>"))
        self.c.call("HELLO", "3")
        self.c.call("ECHO", "hi")
        entry = self.entries(1)[0]
        self.assertEqual(len(entry), 6)


class LatencyTest(NodeTestCase):
    NODE_ARGS = ("--latency-monitor-threshold", "1")

    def slow_command(self):
        """A command that takes well over 1 ms: MSET of many keys, then KEYS over them."""
        args = ["MSET"]
        for i in range(30000):
            args += ["lat:%d" % i, "v"]
        self.c.call(*args)
        self.c.call("KEYS", "*")

    def test_latest_history_reset(self):
        self.c.call("LATENCY", "RESET")
        self.assertEqual(self.c.call("LATENCY", "LATEST"), [])
        self.slow_command()
        latest = self.c.call("LATENCY", "LATEST")
        events = {e[0]: e for e in latest}
        self.assertIn(b"command", events, latest)
        name, ts, last_ms, max_ms = events[b"command"]
        self.assertLess(abs(ts - time.time()), 5)
        self.assertGreaterEqual(last_ms, 1)
        self.assertGreaterEqual(max_ms, last_ms)
        hist = self.c.call("LATENCY", "HISTORY", "command")
        self.assertGreaterEqual(len(hist), 1)
        for t, ms in hist:
            self.assertGreaterEqual(ms, 1)
        self.assertEqual([t for t, _ in hist], sorted(t for t, _ in hist))
        self.assertEqual(self.c.call("LATENCY", "HISTORY", "nosuchevent"), [])
        doctor = self.c.call("LATENCY", "DOCTOR")
        self.assertIn(b"command", doctor)
        self.assertEqual(self.c.call("LATENCY", "RESET", "command", "nosuchevent"), 1)
        self.assertEqual(self.c.call("LATENCY", "LATEST"), [])
        self.assertEqual(self.c.call("LATENCY", "RESET"), 0)
        self.c.call("FLUSHALL")

    def test_doctor_and_help(self):
        self.c.call("LATENCY", "RESET")
        self.assertIsInstance(self.c.call("LATENCY", "DOCTOR"), bytes)
        lines = self.c.call("LATENCY", "HELP")
        self.assertTrue(lines[0].startswith(b"LATENCY <subcommand>"))


class MonitorTest(NodeTestCase):

    def read_line(self, m, timeout=5.0):
        m.sock.settimeout(timeout)
        return m.read_reply().decode()

    def test_monitor_stream(self):
        with self.node.client() as m:
            self.assertEqual(m.call("MONITOR"), b"OK")
            self.c.call("set", "k", "v\n\x01\"\\")
            line = self.read_line(m)
            port = self.c.sock.getsockname()[1]
            self.assertRegex(line, r'^\d+\.\d{6} \[0 127\.0\.0\.1:%d\] "set" "k" "v\\n\\x01\\"\\\\"$' % port)
            stamp = float(line.split(" ")[0])
            self.assertLess(abs(stamp - time.time()), 5)
            self.c.call("select", 3)
            # Redis feeds monitors after the command ran, so SELECT shows its new db
            self.assertRegex(self.read_line(m), r'\[[03] [^\]]+\] "select" "3"$')
            self.c.call("get", "x")
            self.assertRegex(self.read_line(m), r'\[3 [^\]]+\] "get" "x"$')
            # admin commands are not shown; secrets are redacted
            self.c.call("SLOWLOG", "LEN")
            self.assertRaises(RespError, self.c.call, "auth", "nosuchpassword")
            self.assertRegex(self.read_line(m), r'"auth" "\(redacted\)"$')
            # every client's commands reach every monitor
            with self.node.client() as other:
                other.call("echo", "from other")
                self.assertRegex(self.read_line(m), r'"echo" "from other"$')

    def test_two_monitors_and_disconnect(self):
        m1, m2 = self.node.client(), self.node.client()
        try:
            self.assertEqual(m1.call("MONITOR"), b"OK")
            self.assertEqual(m2.call("MONITOR"), b"OK")
            self.c.call("ping")
            self.assertTrue(self.read_line(m1).endswith('"ping"'))
            self.assertTrue(self.read_line(m2).endswith('"ping"'))
            m1.close()
            time.sleep(0.2)
            self.c.call("echo", "after")
            self.assertTrue(self.read_line(m2).endswith('"echo" "after"'))
        finally:
            m1.close()
            m2.close()
        time.sleep(0.2)
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_monitor_resp3_lines_are_simple_strings(self):
        with self.node.client() as m:
            m.call("HELLO", "3")
            self.assertEqual(m.call("MONITOR"), b"OK")
            self.c.call("ECHO", "r3")
            m.sock.settimeout(5)
            while b"\r\n" not in m.buf:
                m._fill()
            self.assertTrue(m.buf.startswith(b"+"), m.buf)


class MemoryTest(NodeTestCase):

    STATS_KEYS = [b"peak.allocated", b"total.allocated", b"startup.allocated", b"replication.backlog",
                  b"clients.slaves", b"clients.normal", b"cluster.links", b"aof.buffer", b"lua.caches",
                  b"functions.caches", b"overhead.total", b"keys.count", b"keys.bytes-per-key",
                  b"dataset.bytes", b"dataset.percentage", b"peak.percentage", b"allocator.allocated",
                  b"allocator.active", b"allocator.resident", b"allocator-fragmentation.ratio",
                  b"allocator-fragmentation.bytes", b"allocator-rss.ratio", b"allocator-rss.bytes",
                  b"rss-overhead.ratio", b"rss-overhead.bytes", b"fragmentation", b"fragmentation.bytes"]
    FLOATS = {b"dataset.percentage", b"peak.percentage", b"allocator-fragmentation.ratio",
              b"allocator-rss.ratio", b"rss-overhead.ratio", b"fragmentation"}

    def test_stats_shape(self):
        self.c.call("SELECT", 4)
        self.c.call("SET", "memkey", "x")
        flat = self.c.call("MEMORY", "STATS")
        st = pairs(flat)
        keys = [k for k in flat[0::2] if not k.startswith(b"db.")]
        self.assertEqual(keys, self.STATS_KEYS)
        for k in self.STATS_KEYS:
            if k in self.FLOATS:
                float(st[k])
            else:
                self.assertIsInstance(st[k], int, k)
        self.assertGreater(st[b"total.allocated"], 0)
        self.assertGreaterEqual(st[b"peak.allocated"], st[b"total.allocated"])
        self.assertGreaterEqual(st[b"keys.count"], 1)
        db4 = pairs(st[b"db.4"])
        self.assertLessEqual({b"overhead.hashtable.main", b"overhead.hashtable.expires"}, set(db4))
        self.c.call("HELLO", "3")
        st3 = self.c.call("MEMORY", "STATS")
        self.assertIsInstance(st3, dict)
        self.assertIsInstance(st3[b"fragmentation"], float)
        self.assertIsInstance(st3[b"db.4"], dict)
        self.c.call("FLUSHDB")

    def test_doctor_malloc_stats_purge_help(self):
        self.assertIsInstance(self.c.call("MEMORY", "DOCTOR"), bytes)
        stats = self.c.call("MEMORY", "MALLOC-STATS")
        self.assertIsInstance(stats, bytes)
        if not harness.SANITIZE:
            self.assertIn(b"jemalloc", stats)
        self.assertEqual(self.c.call("MEMORY", "PURGE"), b"OK")
        lines = self.c.call("MEMORY", "HELP")
        self.assertTrue(lines[0].startswith(b"MEMORY <subcommand>"))
        self.assertIn(b"USAGE <key> [SAMPLES <count>]", lines)


class ShutdownTest(unittest.TestCase):

    def check_exit(self, node):
        deadline = time.time() + 20
        while node.proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        self.assertIsNotNone(node.proc.poll(), "node still running after SHUTDOWN")
        out = node.output()
        code = node.stop()
        self.assertEqual(code, 0, out)
        self.assertNotIn("ERROR: AddressSanitizer", out)
        self.assertNotIn("runtime error:", out)

    def test_shutdown_argument_errors(self):
        node = Node().start()
        try:
            with node.client() as c:
                for args, msg in ((("ABORT",), "ERR No shutdown in progress."),
                                  (("foo",), "ERR syntax error"),
                                  (("SAVE", "NOSAVE"), "ERR syntax error"),
                                  (("ABORT", "NOW"), "ERR syntax error")):
                    with self.assertRaises(RespError) as e:
                        c.call("SHUTDOWN", *args)
                    self.assertEqual(str(e.exception), msg)
                self.assertEqual(c.call("PING"), b"PONG")
        finally:
            code = node.stop()
            node.cleanup()
        self.assertEqual(code, 0)

    def test_shutdown_nosave_exits_zero(self):
        node = Node().start()
        try:
            with node.client() as c, node.client() as bystander:
                bystander.call("PING")
                c.send_raw(Client.encode("SHUTDOWN", "NOSAVE"))
                self.assertTrue(c.is_closed(timeout=10))
                self.assertTrue(bystander.is_closed(timeout=10))
            self.check_exit(node)
        finally:
            node.cleanup()

    def test_shutdown_plain_and_flags(self):
        for args in ((), ("SAVE", "NOW", "FORCE")):
            node = Node().start()
            try:
                with node.client() as c:
                    c.send_raw(Client.encode("SHUTDOWN", *args))
                    self.assertTrue(c.is_closed(timeout=10))
                self.check_exit(node)
            finally:
                node.cleanup()

    @unittest.skipUnless(harness.REDIS_CLI, "redis-cli not installed")
    def test_redis_cli_shutdown(self):
        node = Node().start()
        try:
            node.cli("SHUTDOWN")
            self.check_exit(node)
        finally:
            node.cleanup()


if __name__ == "__main__":
    harness.main()
