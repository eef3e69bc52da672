"""Configuration against a real redraft-node: a config file plus --flags at startup,
CONFIG GET (patterns, RESP2 array / RESP3 map bytes), CONFIG SET (several pairs, all or
nothing, Redis's error texts, effects at run time), CONFIG REWRITE (comments kept, values
updated in place, restart from the rewritten file), CONFIG RESETSTAT, CONFIG HELP, fatal
config errors at startup, and redis-benchmark (which reads `save` and `appendonly`)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Client, Node, NodeTestCase, RespError, free_port, main  # noqa: E402

REDIS_BENCHMARK = shutil.which("redis-benchmark")

CONFIG_FILE = """# redraft test configuration
# (comments and blank lines must survive CONFIG REWRITE)

maxmemory 64mb
maxmemory-policy allkeys-lru   
timeout 0
hz 20
"""


def pairs(reply):
    """CONFIG GET's RESP2 flat array as a dict."""
    return {reply[i]: reply[i + 1] for i in range(0, len(reply), 2)}


class ConfigGetSetTest(NodeTestCase):
    NODE_CONFIG = CONFIG_FILE
    NODE_ARGS = ("--maxmemory-samples", "7", "--save", "--appendonly", "no")

    def test_file_and_flags_were_applied(self):
        got = pairs(self.c.call("CONFIG", "GET", "maxmemory*", "hz", "port", "dir", "bind"))
        self.assertEqual(got[b"maxmemory"], b"67108864")
        self.assertEqual(got[b"maxmemory-policy"], b"allkeys-lru")
        self.assertEqual(got[b"maxmemory-samples"], b"7")
        self.assertEqual(got[b"hz"], b"20")
        self.assertEqual(got[b"port"], str(self.node.port).encode())
        self.assertEqual(got[b"dir"], os.path.realpath(self.node.dir).encode())
        self.assertEqual(got[b"bind"], b"127.0.0.1")

    def test_get_resp2_and_resp3_bytes(self):
        self.c.send_raw(Client.encode("CONFIG", "GET", "hz", "h?", "tcp-backlog"))
        expect = b"*4\r\n$2\r\nhz\r\n$2\r\n20\r\n$11\r\ntcp-backlog\r\n$3\r\n511\r\n"
        self.assertEqual(self.c.sock.recv(1024), expect)
        self.c.call("HELLO", "3")
        self.c.send_raw(Client.encode("CONFIG", "GET", "HZ"))
        self.assertEqual(self.c.sock.recv(1024), b"%1\r\n$2\r\nHZ\r\n$2\r\n20\r\n")
        self.assertEqual(self.c.call("CONFIG", "GET", "no-such-*"), {})

    def test_what_clients_ask_at_startup(self):
        # redis-benchmark: CONFIG GET save / appendonly
        self.assertEqual(self.c.call("CONFIG", "GET", "save"), [b"save", b""])
        self.assertEqual(self.c.call("CONFIG", "GET", "appendonly"), [b"appendonly", b"no"])
        self.assertEqual(pairs(self.c.call("CONFIG", "GET", "client-output-buffer-limit")),
                         {b"client-output-buffer-limit":
                          b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"})
        everything = pairs(self.c.call("CONFIG", "GET", "*"))
        for name in (b"port", b"bind", b"protected-mode", b"tcp-backlog", b"tcp-keepalive", b"timeout",
                     b"maxclients", b"databases", b"proto-max-bulk-len", b"client-query-buffer-limit",
                     b"maxmemory-eviction-tenacity", b"lfu-log-factor", b"lfu-decay-time",
                     b"active-expire-effort", b"requirepass", b"slowlog-log-slower-than", b"slowlog-max-len",
                     b"latency-monitor-threshold", b"logfile", b"pidfile", b"loglevel", b"daemonize"):
            self.assertIn(name, everything)

    def test_set_several_pairs(self):
        self.assertEqual(self.c.call("CONFIG", "SET", "slowlog-max-len", "64", "lfu-log-factor", "20",
                                     "client-output-buffer-limit", "pubsub 64mb 16mb 90"), b"OK")
        got = pairs(self.c.call("CONFIG", "GET", "slowlog-max-len", "lfu-log-factor", "client-output-buffer-limit"))
        self.assertEqual(got[b"slowlog-max-len"], b"64")
        self.assertEqual(got[b"lfu-log-factor"], b"20")
        self.assertTrue(got[b"client-output-buffer-limit"].endswith(b"pubsub 67108864 16777216 90"))
        self.assertEqual(self.c.call("CONFIG", "SET", "slowlog-max-len", "128", "lfu-log-factor", "10",
                                     "client-output-buffer-limit", "pubsub 32mb 8mb 60"), b"OK")

    def test_set_is_all_or_nothing(self):
        with self.assertRaisesRegex(RespError, r"^ERR CONFIG SET failed \(possibly related to argument "
                                               r"'maxmemory-policy'\) - argument\(s\) must be one of the following: "
                                               r"volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
                                               r"allkeys-lru, allkeys-lfu, allkeys-random, noeviction$"):
            self.c.call("CONFIG", "SET", "lfu-decay-time", "9", "maxmemory-policy", "lru")
        self.assertEqual(self.c.call("CONFIG", "GET", "lfu-decay-time"), [b"lfu-decay-time", b"1"])

    def test_set_errors(self):
        cases = [
            (("maxmemory", "10x"), r"^ERR CONFIG SET failed \(possibly related to argument 'maxmemory'\) - "
                                   r"argument must be a memory value$"),
            (("port", "7000"), r"^ERR CONFIG SET failed \(possibly related to argument 'port'\) - "
                               r"can't set immutable config$"),
            (("databases", "4"), r"^ERR CONFIG SET failed \(possibly related to argument 'databases'\) - "
                                 r"can't set immutable config$"),
            (("dir", "/tmp"), r"^ERR CONFIG SET failed \(possibly related to argument 'dir'\) - "
                              r"can't set protected config$"),
            (("protected-mode", "maybe"), r"^ERR CONFIG SET failed \(possibly related to argument "
                                          r"'protected-mode'\) - argument must be 'yes' or 'no'$"),
            (("maxmemory-samples", "0"), r"^ERR CONFIG SET failed \(possibly related to argument "
                                         r"'maxmemory-samples'\) - argument must be between 1 and 2147483647 inclusive$"),
            (("hz", "fast"), r"^ERR CONFIG SET failed \(possibly related to argument 'hz'\) - "
                             r"argument couldn't be parsed into an integer$"),
            (("timeout", "1", "timeout", "2"), r"^ERR CONFIG SET failed \(possibly related to argument 'timeout'\) - "
                                               r"duplicate parameter$"),
            (("no-such-option", "1"), r"^ERR Unknown option or number of arguments for CONFIG SET - 'no-such-option'$"),
            (("client-output-buffer-limit", "master 1 2 3"),
             r"^ERR CONFIG SET failed \(possibly related to argument 'client-output-buffer-limit'\) - "
             r"Invalid client class specified in buffer limit configuration\.$"),
            (("save", "1 2 3"), r"^ERR CONFIG SET failed \(possibly related to argument 'save'\) - "
                                r"Invalid save parameters$"),
            (("maxmemory", "1", "timeout"), r"^ERR syntax error$"),
        ]
        for args, pattern in cases:
            with self.assertRaisesRegex(RespError, pattern, msg=args):
                self.c.call("CONFIG", "SET", *args)
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'config\|set' command$"):
            self.c.call("CONFIG", "SET", "maxmemory")
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'config\|get' command$"):
            self.c.call("CONFIG", "GET")

    def test_save_and_appendonly_are_accepted(self):
        self.assertEqual(self.c.call("CONFIG", "SET", "save", "3600 1 300 100"), b"OK")
        self.assertEqual(self.c.call("CONFIG", "GET", "save"), [b"save", b""])
        self.assertEqual(self.c.call("CONFIG", "SET", "save", ""), b"OK")

    def test_maxmemory_takes_effect(self):
        self.assertEqual(self.c.call("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "noeviction"), b"OK")
        try:
            with self.assertRaisesRegex(RespError, r"^OOM command not allowed when used memory > 'maxmemory'\.$"):
                self.c.call("SET", "cfg:oom", "x")
        finally:
            self.assertEqual(self.c.call("CONFIG", "SET", "maxmemory", "64mb", "maxmemory-policy", "allkeys-lru"), b"OK")
        self.assertEqual(self.c.call("SET", "cfg:oom", "x"), b"OK")

    def test_timeout_takes_effect(self):
        with self.node.client() as idle:
            idle.call("PING")
            self.assertEqual(self.c.call("CONFIG", "SET", "timeout", "1"), b"OK")
            try:
                self.assertTrue(idle.is_closed(timeout=6), "idle client was not closed")
            finally:
                self.c.close()  # idle as well: closed by now too
                self.c = self.node.client()
                self.assertEqual(self.c.call("CONFIG", "SET", "timeout", "0"), b"OK")

    def test_maxclients_takes_effect(self):
        count = len(self.c.call("CLIENT", "LIST").strip().split(b"\n"))
        self.assertEqual(self.c.call("CONFIG", "SET", "maxclients", str(count)), b"OK")
        try:
            with self.node.client() as extra:
                extra.send_raw(Client.encode("PING"))
                with self.assertRaisesRegex(RespError, r"^ERR max number of clients reached$"):
                    extra.read_reply()
        finally:
            self.assertEqual(self.c.call("CONFIG", "SET", "maxclients", "10000"), b"OK")

    def test_resetstat(self):
        for _ in range(5):
            self.c.call("PING")
        self.assertEqual(self.c.call("CONFIG", "RESETSTAT"), b"OK")
        info = self.c.call("INFO", "stats").decode()
        processed = int(info.split("total_commands_processed:")[1].split("\r\n")[0])
        self.assertLessEqual(processed, 1)
        connections = int(info.split("total_connections_received:")[1].split("\r\n")[0])
        self.assertEqual(connections, 0)
        cmdstats = self.c.call("INFO", "commandstats").decode()
        self.assertNotIn("cmdstat_ping:", cmdstats)

    def test_help(self):
        lines = self.c.call("CONFIG", "HELP")
        self.assertEqual(lines, [b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                                 b"GET <pattern>",
                                 b"    Return parameters matching the glob-like <pattern> and their values.",
                                 b"SET <directive> <value>",
                                 b"    Set the configuration <directive> to <value>.",
                                 b"RESETSTAT",
                                 b"    Reset statistics reported by the INFO command.",
                                 b"REWRITE",
                                 b"    Rewrite the configuration file.",
                                 b"HELP",
                                 b"    Prints this help."])
        with self.assertRaisesRegex(RespError, r"^ERR unknown subcommand 'FOO'\. Try CONFIG HELP\.$"):
            self.c.call("CONFIG", "FOO")


class ConfigRewriteTest(unittest.TestCase):
    def test_rewrite_keeps_comments_and_survives_a_restart(self):
        node = Node(config=CONFIG_FILE)
        node.start()
        path = os.path.join(node.dir, "redraft.conf")
        try:
            with node.client() as c:
                self.assertEqual(c.call("CONFIG", "SET", "maxmemory", "128mb", "slowlog-max-len", "1000",
                                        "client-output-buffer-limit", "normal 1mb 512kb 10"), b"OK")
                self.assertEqual(c.call("CONFIG", "REWRITE"), b"OK")
            with open(path) as f:
                text = f.read()
            lines = text.split("\n")
            self.assertEqual(lines[:4], ["# redraft test configuration",
                                         "# (comments and blank lines must survive CONFIG REWRITE)", "",
                                         "maxmemory 128mb"])
            self.assertEqual(lines[4], "maxmemory-policy allkeys-lru")
            self.assertIn("hz 20", lines)
            self.assertIn("# Generated by CONFIG REWRITE", lines)
            self.assertIn("slowlog-max-len 1000", lines)
            self.assertIn("client-output-buffer-limit normal 1mb 512kb 10", lines)
            self.assertIn('dir "%s"' % os.path.realpath(node.dir), lines)
            self.assertIn("port %d" % node.port, lines)
            self.assertEqual(node.stop(), 0)

            # start from the rewritten file alone (no flags but a fresh port)
            port = free_port()
            text = text.replace("port %d" % node.port, "port %d" % port)
            with open(path, "w") as f:
                f.write(text)
            log = open(node.log_path, "ab")
            proc = subprocess.Popen([os.path.join(BIN, "redraft-node"), path], stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                deadline = time.time() + 30
                while True:
                    try:
                        c = Client(port, timeout=2)
                        break
                    except OSError:
                        if time.time() > deadline or proc.poll() is not None:
                            raise
                        time.sleep(0.05)
                with c:
                    got = pairs(c.call("CONFIG", "GET", "maxmemory", "slowlog-max-len", "hz", "maxmemory-policy",
                                       "client-output-buffer-limit"))
                    self.assertEqual(got[b"maxmemory"], b"134217728")
                    self.assertEqual(got[b"slowlog-max-len"], b"1000")
                    self.assertEqual(got[b"hz"], b"20")
                    self.assertEqual(got[b"maxmemory-policy"], b"allkeys-lru")
                    self.assertTrue(got[b"client-output-buffer-limit"].startswith(b"normal 1048576 524288 10 "))
                    # unchanged configuration: a second rewrite leaves the file as it is
                    self.assertEqual(c.call("CONFIG", "REWRITE"), b"OK")
                with open(path) as f:
                    self.assertEqual(f.read(), text)
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(20), 0)
                log.close()
        finally:
            node.cleanup()

    def test_rewrite_without_a_config_file(self):
        node = Node().start()
        try:
            with node.client() as c:
                with self.assertRaisesRegex(RespError, r"^ERR The server is running without a config file$"):
                    c.call("CONFIG", "REWRITE")
        finally:
            node.cleanup()


class StartupErrorTest(unittest.TestCase):
    def run_node(self, *args, config=None):
        d = tempfile.mkdtemp(prefix="redraft-cfg-")
        try:
            cmd = [os.path.join(BIN, "redraft-node")]
            if config is not None:
                path = os.path.join(d, "bad.conf")
                with open(path, "w") as f:
                    f.write(config)
                cmd.append(path)
            cmd += ["--dir", d] + list(args)
            return subprocess.run(cmd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_bad_line_in_file(self):
        r = self.run_node(config="# comment\nport %d\nmaxmemory 10x\n" % free_port())
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr.decode()
        self.assertIn("*** FATAL CONFIG FILE ERROR", err)
        self.assertIn("Reading the configuration file, at line 3\n>>> 'maxmemory 10x'\n"
                      "argument must be a memory value", err)

    def test_bad_flag(self):
        r = self.run_node("--port", str(free_port()), "--no-such-directive", "1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(">>> 'no-such-directive \"1\"'\nBad directive or wrong number of arguments", r.stderr.decode())

    def test_missing_file(self):
        r = subprocess.run([os.path.join(BIN, "redraft-node"), "/nonexistent/redraft.conf"], capture_output=True,
                           timeout=30, stdin=subprocess.DEVNULL)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("can't open config file '/nonexistent/redraft.conf'", (r.stderr + r.stdout).decode())

    def test_daemonize_yes_is_refused(self):
        r = self.run_node("--port", str(free_port()), "--daemonize", "yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("daemonize", r.stderr.decode())


@unittest.skipIf(REDIS_BENCHMARK is None, "redis-benchmark not installed")
class RedisBenchmarkTest(NodeTestCase):
    def test_benchmark_runs_without_config_warnings(self):
        r = subprocess.run([REDIS_BENCHMARK, "-p", str(self.node.port), "-n", "2000", "-c", "4", "-t", "ping,set,get",
                            "-q"], capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        out = (r.stdout + r.stderr).decode(errors="replace")
        self.assertEqual(r.returncode, 0, out)
        self.assertNotIn("WARN", out)
        self.assertIn("SET:", out)


if __name__ == "__main__":
    main()
