"""Connection commands against a real redraft-node: PING, ECHO, HELLO (RESP2/RESP3 bytes),
SELECT, QUIT, RESET and CLIENT ID/SETNAME/GETNAME/LIST/INFO/KILL/NO-EVICT/NO-TOUCH/REPLY/
SETINFO/HELP, the connection handshakes ioredis, node-redis and redis-py pipeline, and
redis-cli talking to the node. Expected bytes and error texts are Redis 7.2's."""
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REDIS_CLI, Client, NodeTestCase, RespError, Verbatim, main  # noqa: E402

VERSION = b"7.2.4"


def hello_bytes(proto, cid):
    """HELLO's reply as redis-server writes it."""
    head = b"%7\r\n" if proto == 3 else b"*14\r\n"
    return (head + b"$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$%d\r\n%s\r\n" % (len(VERSION), VERSION)
            + b"$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n:%d\r\n" % (proto, cid)
            + b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n")


def read_exact(c, n, timeout=5.0):
    """Reads exactly n raw bytes from a harness Client (using its buffer)."""
    deadline = time.time() + timeout
    while len(c.buf) < n and time.time() < deadline:
        c._fill()
    data, c.buf = c.buf[:n], c.buf[n:]
    return data


def parse_client_line(line):
    fields = {}
    for part in line.split(" "):
        k, _, v = part.partition("=")
        fields[k] = v
    return fields


def client_info(c):
    r = c.call("CLIENT", "INFO")
    text = r.decode() if isinstance(r, bytes) else str(r)
    assert text.endswith("\n"), text
    return parse_client_line(text.rstrip("\n"))


class PingEchoTest(NodeTestCase):
    def test_ping(self):
        self.assertEqual(self.c.call("PING"), b"PONG")
        self.assertEqual(self.c.call("PING", "hello world"), b"hello world")
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'ping' command$"):
            self.c.call("PING", "a", "b")
        self.c.send_raw(b"PING\r\n")  # inline
        self.assertEqual(read_exact(self.c, 7), b"+PONG\r\n")

    def test_echo(self):
        self.assertEqual(self.c.call("ECHO", "x\r\ny"), b"x\r\ny")
        self.assertEqual(self.c.call("ECHO", ""), b"")
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'echo' command$"):
            self.c.call("ECHO")


class HelloTest(NodeTestCase):
    def test_hello_without_arguments_reports_and_keeps_resp2(self):
        cid = self.c.call("CLIENT", "ID")
        self.c.send_raw(Client.encode("HELLO"))
        expect = hello_bytes(2, cid)
        self.assertEqual(read_exact(self.c, len(expect)), expect)
        self.assertIsNone(self.c.call("GET", "hello:missing"))
        self.c.send_raw(Client.encode("GET", "hello:missing"))
        self.assertEqual(read_exact(self.c, 5), b"$-1\r\n")

    def test_hello_3_switches_and_replies_in_resp3(self):
        cid = self.c.call("CLIENT", "ID")
        self.c.send_raw(Client.encode("HELLO", "3"))
        expect = hello_bytes(3, cid)
        self.assertEqual(read_exact(self.c, len(expect)), expect)
        self.c.send_raw(Client.encode("GET", "hello:missing"))
        self.assertEqual(read_exact(self.c, 3), b"_\r\n")
        self.c.send_raw(Client.encode("CLIENT", "GETNAME"))
        self.assertEqual(read_exact(self.c, 3), b"_\r\n")
        # and back
        self.c.send_raw(Client.encode("HELLO", "2"))
        expect = hello_bytes(2, cid)
        self.assertEqual(read_exact(self.c, len(expect)), expect)
        self.c.send_raw(Client.encode("GET", "hello:missing"))
        self.assertEqual(read_exact(self.c, 5), b"$-1\r\n")

    def test_hello_setname(self):
        r = self.c.call("HELLO", "3", "SETNAME", "conn-a")
        self.assertEqual(r[b"proto"], 3)
        self.assertEqual(self.c.call("CLIENT", "GETNAME"), b"conn-a")
        with self.assertRaisesRegex(RespError, r"^ERR Client names cannot contain spaces, newlines or special characters\.$"):
            self.c.call("HELLO", "2", "SETNAME", "bad name")
        # the failed HELLO changed nothing
        self.assertEqual(self.c.call("CLIENT", "GETNAME"), b"conn-a")
        self.c.send_raw(Client.encode("PING"))
        self.assertEqual(read_exact(self.c, 7), b"+PONG\r\n")
        self.assertEqual(client_info(self.c)["resp"], "3")

    def test_hello_errors(self):
        cases = [
            (("HELLO", "4"), r"^NOPROTO unsupported protocol version$"),
            (("HELLO", "1"), r"^NOPROTO unsupported protocol version$"),
            (("HELLO", "three"), r"^ERR Protocol version is not an integer or out of range$"),
            (("HELLO", "3", "bogus"), r"^ERR Syntax error in HELLO option 'bogus'$"),
            (("HELLO", "3", "auth", "default"), r"^ERR Syntax error in HELLO option 'auth'$"),
            (("HELLO", "3", "SETNAME"), r"^ERR Syntax error in HELLO option 'SETNAME'$"),
        ]
        for args, pattern in cases:
            with self.assertRaisesRegex(RespError, pattern, msg=args):
                self.c.call(*args)
        self.assertEqual(client_info(self.c)["resp"], "2")

    def test_hello_auth_without_password_configured(self):
        # the default user is "nopass": any password is accepted
        r = self.c.call("HELLO", "3", "AUTH", "default", "whatever")
        self.assertEqual(r[b"server"], b"redis")
        with self.assertRaisesRegex(RespError, r"^WRONGPASS invalid username-password pair or user is disabled\.$"):
            self.c.call("HELLO", "3", "AUTH", "someone", "whatever")


class SelectTest(NodeTestCase):
    def test_databases_are_isolated(self):
        self.assertEqual(self.c.call("SELECT", "0"), b"OK")
        self.c.call("SET", "sel:k", "zero")
        self.assertEqual(self.c.call("SELECT", "5"), b"OK")
        self.assertIsNone(self.c.call("GET", "sel:k"))
        self.c.call("SET", "sel:k", "five")
        self.assertEqual(client_info(self.c)["db"], "5")
        with self.node.client() as other:  # another connection starts in db 0
            self.assertEqual(other.call("GET", "sel:k"), b"zero")
            other.call("SELECT", "5")
            self.assertEqual(other.call("GET", "sel:k"), b"five")
        self.c.call("SELECT", "0")
        self.assertEqual(self.c.call("GET", "sel:k"), b"zero")

    def test_select_errors(self):
        for arg in ("16", "-1"):
            with self.assertRaisesRegex(RespError, r"^ERR DB index is out of range$"):
                self.c.call("SELECT", arg)
        for arg in ("abc", "1.5", " 1", "99999999999999999999"):
            with self.assertRaisesRegex(RespError, r"^ERR value is not an integer or out of range$"):
                self.c.call("SELECT", arg)
        with self.assertRaisesRegex(RespError, r"^ERR value is out of range, value must between -2147483648 and 2147483647$"):
            self.c.call("SELECT", "99999999999")
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'select' command$"):
            self.c.call("SELECT")
        self.assertEqual(client_info(self.c)["db"], "0")


class QuitResetTest(NodeTestCase):
    def test_quit_replies_then_closes(self):
        self.c.send_raw(Client.encode("QUIT") + Client.encode("PING"))
        self.assertEqual(read_exact(self.c, 5), b"+OK\r\n")
        self.assertTrue(self.c.is_closed())

    def test_reset_restores_a_fresh_connection(self):
        self.c.call("CLIENT", "SETINFO", "LIB-NAME", "mylib")
        self.c.call("SELECT", "3")
        self.c.call("CLIENT", "SETNAME", "before-reset")
        self.c.call("CLIENT", "NO-EVICT", "on")
        self.c.call("CLIENT", "NO-TOUCH", "on")
        self.c.call("HELLO", "3")
        info = client_info(self.c)
        self.assertEqual((info["db"], info["name"], info["resp"]), ("3", "before-reset", "3"))
        self.assertIn("e", info["flags"])
        self.assertIn("T", info["flags"])
        self.c.send_raw(Client.encode("RESET"))
        self.assertEqual(read_exact(self.c, 8), b"+RESET\r\n")
        info = client_info(self.c)
        self.assertEqual(info["db"], "0")
        self.assertEqual(info["name"], "")
        self.assertEqual(info["resp"], "2")
        self.assertEqual(info["flags"], "N")
        self.assertEqual(info["lib-name"], "mylib")  # RESET keeps the library info
        self.c.send_raw(Client.encode("CLIENT", "GETNAME"))
        self.assertEqual(read_exact(self.c, 5), b"$-1\r\n")

    def test_reset_turns_replies_back_on(self):
        self.c.send_raw(Client.encode("CLIENT", "REPLY", "OFF") + Client.encode("PING") + Client.encode("RESET")
                        + Client.encode("PING"))
        self.assertEqual(read_exact(self.c, 8 + 7), b"+RESET\r\n+PONG\r\n")


class ClientNameInfoTest(NodeTestCase):
    def test_id_setname_getname(self):
        cid = self.c.call("CLIENT", "ID")
        self.assertIsInstance(cid, int)
        with self.node.client() as other:
            self.assertGreater(other.call("CLIENT", "ID"), cid)
        self.assertIsNone(self.c.call("CLIENT", "GETNAME"))
        self.assertEqual(self.c.call("CLIENT", "SETNAME", "worker-1"), b"OK")
        self.assertEqual(self.c.call("CLIENT", "GETNAME"), b"worker-1")
        for bad in ("a b", "a\nb", "caf\xc3\xa9", "tab\there", "\x7f"):
            with self.assertRaisesRegex(RespError, r"^ERR Client names cannot contain spaces, newlines or special characters\.$"):
                self.c.call("CLIENT", "SETNAME", bad)
        self.assertEqual(self.c.call("CLIENT", "GETNAME"), b"worker-1")
        self.assertEqual(self.c.call("CLIENT", "SETNAME", ""), b"OK")  # "" removes the name
        self.assertIsNone(self.c.call("CLIENT", "GETNAME"))
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'client\|setname' command$"):
            self.c.call("CLIENT", "SETNAME")

    def test_info_is_verbatim_in_resp3_and_bulk_in_resp2(self):
        r = self.c.call("CLIENT", "INFO")
        self.assertIsInstance(r, bytes)
        self.assertTrue(r.endswith(b"\n"))
        self.c.call("HELLO", "3")
        r = self.c.call("CLIENT", "INFO")
        self.assertIsInstance(r, Verbatim)
        self.assertEqual(r.fmt, "txt")
        fields = parse_client_line(r.rstrip("\n"))
        self.assertEqual(fields["cmd"], "client|info")
        self.assertEqual(fields["resp"], "3")

    def test_list_format_and_filters(self):
        self.c.call("CLIENT", "SETNAME", "lister")
        with self.node.client() as other:
            other.call("CLIENT", "SETNAME", "other")
            other_id = other.call("CLIENT", "ID")
            text = self.c.call("CLIENT", "LIST").decode()
            self.assertTrue(text.endswith("\n"))
            lines = [parse_client_line(l) for l in text.rstrip("\n").split("\n")]
            keys = list(lines[0].keys())
            for k in ("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                      "multi", "qbuf", "obl", "omem", "tot-mem", "events", "cmd", "user", "resp",
                      "lib-name", "lib-ver"):
                self.assertIn(k, keys)
            self.assertEqual(keys[0], "id")
            ids = [int(l["id"]) for l in lines]
            self.assertEqual(ids, sorted(ids), "CLIENT LIST is oldest first")
            me = [l for l in lines if l["name"] == "lister"][0]
            self.assertEqual(me["cmd"], "client|list")
            self.assertEqual(me["user"], "default")
            self.assertEqual(me["addr"], "127.0.0.1:%d" % self.c.sock.getsockname()[1])
            self.assertEqual(me["laddr"], "127.0.0.1:%d" % self.node.port)

            only = self.c.call("CLIENT", "LIST", "ID", str(other_id), "999999", str(other_id))
            only_lines = only.decode().rstrip("\n").split("\n")
            self.assertEqual([parse_client_line(l)["name"] for l in only_lines], ["other", "other"])
            self.assertEqual(self.c.call("CLIENT", "LIST", "ID", "999999"), b"")
            normal = self.c.call("CLIENT", "LIST", "TYPE", "normal").decode()
            self.assertIn("name=other", normal)
            self.assertEqual(self.c.call("CLIENT", "LIST", "TYPE", "pubsub"), b"")
            self.assertEqual(self.c.call("CLIENT", "LIST", "TYPE", "replica"), b"")
            with self.assertRaisesRegex(RespError, r"^ERR Unknown client type 'foo'$"):
                self.c.call("CLIENT", "LIST", "TYPE", "foo")
            with self.assertRaisesRegex(RespError, r"^ERR Invalid client ID$"):
                self.c.call("CLIENT", "LIST", "ID", "abc")
            with self.assertRaisesRegex(RespError, r"^ERR syntax error$"):
                self.c.call("CLIENT", "LIST", "foo")
            with self.assertRaisesRegex(RespError, r"^ERR syntax error$"):
                self.c.call("CLIENT", "LIST", "ID")

    def test_setinfo(self):
        self.assertEqual(self.c.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py(custom_v1.0)"), b"OK")
        self.assertEqual(self.c.call("CLIENT", "SETINFO", "lib-ver", "8.0.0"), b"OK")
        info = client_info(self.c)
        self.assertEqual(info["lib-name"], "redis-py(custom_v1.0)")
        self.assertEqual(info["lib-ver"], "8.0.0")
        with self.assertRaisesRegex(RespError, r"^ERR LIB-NAME cannot contain spaces, newlines or special characters\.$"):
            self.c.call("CLIENT", "SETINFO", "LIB-NAME", "a b")
        with self.assertRaisesRegex(RespError, r"^ERR Unrecognized option 'lib-foo'$"):
            self.c.call("CLIENT", "SETINFO", "lib-foo", "x")
        self.assertEqual(self.c.call("CLIENT", "SETINFO", "LIB-VER", ""), b"OK")
        self.assertEqual(client_info(self.c)["lib-ver"], "")
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'client\|setinfo' command$"):
            self.c.call("CLIENT", "SETINFO", "LIB-NAME")

    def test_no_evict_no_touch(self):
        for sub, flag in (("NO-EVICT", "e"), ("NO-TOUCH", "T")):
            self.assertEqual(self.c.call("CLIENT", sub, "on"), b"OK")
            self.assertIn(flag, client_info(self.c)["flags"])
            self.assertEqual(self.c.call("CLIENT", sub, "OFF"), b"OK")
            self.assertNotIn(flag, client_info(self.c)["flags"])
            with self.assertRaisesRegex(RespError, r"^ERR syntax error$"):
                self.c.call("CLIENT", sub, "maybe")

    def test_help_and_unknown_subcommand(self):
        lines = self.c.call("CLIENT", "HELP")
        self.assertEqual(lines[0], b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        self.assertEqual(lines[-2:], [b"HELP", b"    Prints this help."])
        self.assertIn(b"REPLY (ON|OFF|SKIP)", lines)
        with self.assertRaisesRegex(RespError, r"^ERR unknown subcommand 'FOO'\. Try CLIENT HELP\.$"):
            self.c.call("CLIENT", "FOO")


class ClientReplyTest(NodeTestCase):
    def test_off_and_on(self):
        self.c.send_raw(Client.encode("CLIENT", "REPLY", "OFF") + Client.encode("PING")
                        + Client.encode("SET", "reply:k", "v") + Client.encode("CLIENT", "REPLY", "ON")
                        + Client.encode("GET", "reply:k"))
        self.assertEqual(read_exact(self.c, 5 + 7), b"+OK\r\n$1\r\nv\r\n")

    def test_skip_drops_exactly_the_next_reply(self):
        self.c.send_raw(Client.encode("CLIENT", "REPLY", "SKIP") + Client.encode("PING", "one")
                        + Client.encode("PING", "two"))
        self.assertEqual(read_exact(self.c, 9), b"$3\r\ntwo\r\n")

    def test_bad_mode(self):
        with self.assertRaisesRegex(RespError, r"^ERR syntax error$"):
            self.c.call("CLIENT", "REPLY", "MAYBE")


class ClientKillTest(NodeTestCase):
    def test_old_form_by_address(self):
        with self.node.client() as victim:
            victim.call("PING")
            addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
            self.assertEqual(self.c.call("CLIENT", "KILL", addr), b"OK")
            self.assertTrue(victim.is_closed())
        with self.assertRaisesRegex(RespError, r"^ERR No such client$"):
            self.c.call("CLIENT", "KILL", "1.2.3.4:5")
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_old_form_can_kill_the_caller_after_the_reply(self):
        addr = "127.0.0.1:%d" % self.c.sock.getsockname()[1]
        self.c.send_raw(Client.encode("CLIENT", "KILL", addr))
        self.assertEqual(read_exact(self.c, 5), b"+OK\r\n")
        self.assertTrue(self.c.is_closed())

    def test_filters(self):
        with self.node.client() as a, self.node.client() as b:
            a_id = a.call("CLIENT", "ID")
            b.call("PING")
            self.assertEqual(self.c.call("CLIENT", "KILL", "ID", str(a_id)), 1)
            self.assertTrue(a.is_closed())
            self.assertEqual(self.c.call("CLIENT", "KILL", "ID", str(a_id)), 0)
            b_addr = "127.0.0.1:%d" % b.sock.getsockname()[1]
            self.assertEqual(self.c.call("CLIENT", "KILL", "ADDR", b_addr, "TYPE", "pubsub"), 0)
            self.assertEqual(self.c.call("CLIENT", "KILL", "ADDR", b_addr, "USER", "default",
                                         "LADDR", "127.0.0.1:%d" % self.node.port), 1)
            self.assertTrue(b.is_closed())
        # SKIPME defaults to yes in the new form
        my_addr = "127.0.0.1:%d" % self.c.sock.getsockname()[1]
        self.assertEqual(self.c.call("CLIENT", "KILL", "ADDR", my_addr), 0)
        self.assertEqual(self.c.call("CLIENT", "KILL", "MAXAGE", "100000"), 0)
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_kill_all_normal_others(self):
        with self.node.client() as a, self.node.client() as b:
            a.call("PING")
            b.call("PING")
            killed = self.c.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            self.assertGreaterEqual(killed, 2)
            self.assertTrue(a.is_closed())
            self.assertTrue(b.is_closed())
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_skipme_no_kills_the_caller_after_the_reply(self):
        my_id = self.c.call("CLIENT", "ID")
        self.c.send_raw(Client.encode("CLIENT", "KILL", "ID", str(my_id), "SKIPME", "no"))
        self.assertEqual(read_exact(self.c, 4), b":1\r\n")
        self.assertTrue(self.c.is_closed())

    def test_errors(self):
        cases = [
            (("ID", "0"), r"^ERR client-id should be greater than 0$"),
            (("ID", "abc"), r"^ERR client-id should be greater than 0$"),
            (("TYPE", "foo"), r"^ERR Unknown client type 'foo'$"),
            (("USER", "bob"), r"^ERR No such user 'bob'$"),
            (("SKIPME", "maybe"), r"^ERR syntax error$"),
            (("MAXAGE", "abc"), r"^ERR maxage is not an integer or out of range$"),
            (("MAXAGE", "0"), r"^ERR maxage should be greater than 0$"),
            (("FOO", "bar"), r"^ERR syntax error$"),
            (("ID", "1", "TYPE"), r"^ERR syntax error$"),
        ]
        for args, pattern in cases:
            with self.assertRaisesRegex(RespError, pattern, msg=args):
                self.c.call("CLIENT", "KILL", *args)
        with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'client\|kill' command$"):
            self.c.call("CLIENT", "KILL")


class ClientHandshakeTest(NodeTestCase):
    """The exact pipelines real client libraries send on connect (protocol-reference 1.3)."""

    def run_pipeline(self, commands):
        c = self.node.client()
        try:
            replies = c.pipeline(commands)
            for cmd, r in zip(commands, replies):
                self.assertNotIsInstance(r, RespError, "%r -> %r" % (cmd, r))
            return c, replies
        except BaseException:
            c.close()
            raise

    def test_node_redis(self):
        c, r = self.run_pipeline([("HELLO", "3", "SETNAME", "nr-conn"), ("SELECT", "2"),
                                  ("CLIENT", "SETINFO", "LIB-VER", "6.3.1"),
                                  ("CLIENT", "SETINFO", "LIB-NAME", "node-redis")])
        with c:
            self.assertEqual(r[0][b"proto"], 3)
            self.assertEqual(r[1:], [b"OK", b"OK", b"OK"])
            info = client_info(c)
            self.assertEqual((info["name"], info["db"], info["resp"], info["lib-name"], info["lib-ver"]),
                             ("nr-conn", "2", "3", "node-redis", "6.3.1"))

    def test_ioredis(self):
        c, r = self.run_pipeline([("HELLO", "3"), ("SELECT", "1"), ("CLIENT", "SETNAME", "io-conn"),
                                  ("CLIENT", "SETINFO", "LIB-VER", "6.0.0"),
                                  ("CLIENT", "SETINFO", "LIB-NAME", "ioredis"), ("INFO",)])
        with c:
            self.assertEqual(r[0][b"version"], VERSION)
            info_text = r[5] if isinstance(r[5], str) else r[5].decode()
            self.assertIn("redis_version:7.2.4", info_text)
            info = client_info(c)
            self.assertEqual((info["name"], info["db"], info["lib-name"]), ("io-conn", "1", "ioredis"))

    def test_redis_py(self):
        c, r = self.run_pipeline([("HELLO", "3"), ("CLIENT", "SETNAME", "py-conn"),
                                  ("CLIENT", "SETINFO", "LIB-NAME", "redis-py"),
                                  ("CLIENT", "SETINFO", "LIB-VER", "8.0.0"), ("SELECT", "3")])
        with c:
            self.assertEqual(r[1:], [b"OK", b"OK", b"OK", b"OK"])
            info = client_info(c)
            self.assertEqual((info["name"], info["db"], info["lib-ver"]), ("py-conn", "3", "8.0.0"))


@unittest.skipIf(REDIS_CLI is None, "redis-cli not installed")
class RedisCliTest(NodeTestCase):
    def test_commands(self):
        self.assertEqual(self.node.cli("PING").strip(), "PONG")
        self.assertEqual(self.node.cli("ECHO", "hi there").strip(), "hi there")
        self.assertEqual(self.node.cli("-n", "4", "CLIENT", "INFO").split(" db=")[1].split(" ")[0], "4")
        out = self.node.cli("HELLO", "3", resp3=True)
        self.assertIn("server", out)
        self.assertIn("7.2.4", out)
        out = self.node.cli("CLIENT", "LIST")
        self.assertIn("cmd=client|list", out)

    def test_interactive_session(self):
        out = self.node.cli(stdin=b"CLIENT SETNAME cli\nCLIENT GETNAME\nSELECT 2\nCLIENT INFO\n")
        self.assertIn("cli", out)
        self.assertIn("db=2", out)


if __name__ == "__main__":
    main()
