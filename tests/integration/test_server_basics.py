"""The network server and the command path, end to end against the real binary:
PING/ECHO through our client and redis-cli, exact error texts for unknown commands,
unknown subcommands and arity, pipelining (100k commands in one write, answered in
order), requests split byte by byte, 2000 simultaneous connections, maxclients,
the idle-client timeout, protected-mode defaults, CLIENT LIST's line format, and a
clean exit (code 0) on SIGTERM.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, REDIS_CLI, Client, Node, NodeTestCase, RespError, free_port, main  # noqa: E402


class Basics(NodeTestCase):
    def test_ping_echo(self):
        self.assertEqual(self.c.call("PING"), b"PONG")
        self.assertEqual(self.c.call("ping", "hi"), b"hi")
        self.assertEqual(self.c.call("ECHO", "hello world"), b"hello world")
        self.assertEqual(self.c.call("echo", b"\x00\r\nbin"), b"\x00\r\nbin")
        self.assertEqual(self.c.call("EcHo", ""), b"")

    def test_inline_commands(self):
        self.c.send_raw(b"PING\r\nECHO \"a b\"\r\n\r\nping\n")
        self.assertEqual(self.c.read_reply(), b"PONG")
        self.assertEqual(self.c.read_reply(), b"a b")
        self.assertEqual(self.c.read_reply(), b"PONG")

    @unittest.skipIf(REDIS_CLI is None, "redis-cli not installed")
    def test_redis_cli(self):
        self.assertEqual(self.node.cli("PING").strip(), "PONG")
        self.assertEqual(self.node.cli("ECHO", "from cli").strip(), "from cli")
        out = self.node.cli("NOSUCHCMD", "x")
        self.assertIn("ERR unknown command 'NOSUCHCMD', with args beginning with: 'x'", out)

    def test_unknown_command_text(self):
        with self.assertRaises(RespError) as e:
            self.c.call("foo", "a", "b")
        self.assertEqual(str(e.exception), "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
        with self.assertRaises(RespError) as e:
            self.c.call("nosuch")
        self.assertEqual(str(e.exception), "ERR unknown command 'nosuch', with args beginning with: ")
        # Arguments are quoted up to 128 bytes in total; the name is cut at 128.
        with self.assertRaises(RespError) as e:
            self.c.call("x" * 200, "a" * 100, "b" * 100, "c")
        self.assertEqual(str(e.exception), "ERR unknown command '%s', with args beginning with: '%s' '%s' "
                         % ("x" * 128, "a" * 100, "b" * 25))

    def test_unknown_subcommand_and_arity(self):
        with self.assertRaises(RespError) as e:
            self.c.call("CLIENT", "NOSUCH")
        self.assertEqual(str(e.exception), "ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.")
        with self.assertRaises(RespError) as e:
            self.c.call("client")
        self.assertEqual(str(e.exception), "ERR wrong number of arguments for 'client' command")
        with self.assertRaises(RespError) as e:
            self.c.call("ECHO")
        self.assertEqual(str(e.exception), "ERR wrong number of arguments for 'echo' command")
        with self.assertRaises(RespError) as e:
            self.c.call("get")
        self.assertEqual(str(e.exception), "ERR wrong number of arguments for 'get' command")
        with self.assertRaises(RespError) as e:
            self.c.call("CLIENT", "KILL")
        self.assertEqual(str(e.exception), "ERR wrong number of arguments for 'client|kill' command")
        self.assertEqual(self.c.call("PING"), b"PONG")  # the connection stays usable

    def test_empty_requests_are_ignored(self):
        self.c.send_raw(b"*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\n")
        self.assertEqual(self.c.read_reply(), b"PONG")

    def test_pipeline_100k_in_one_write(self):
        n = 100000
        payload = b"".join(Client.encode("ECHO", str(i)) for i in range(n))
        sender = threading.Thread(target=self.c.send_raw, args=(payload,))
        sender.start()
        for i in range(n):
            self.assertEqual(self.c.read_reply(), str(i).encode())
        sender.join()

    def test_pipeline_mixed_with_errors_in_order(self):
        cmds = []
        for i in range(1000):
            cmds.append(("ECHO", "v%d" % i))
            cmds.append(("NOPE%d" % i,))
        replies = self.c.pipeline(cmds)
        for i in range(1000):
            self.assertEqual(replies[2 * i], ("v%d" % i).encode())
            self.assertIsInstance(replies[2 * i + 1], RespError)

    def test_byte_by_byte(self):
        req = Client.encode("ECHO", "x" * 50) + b"PING\r\n" + Client.encode("PING", "split")
        for b in req:
            self.c.send_raw(bytes([b]))
            time.sleep(0.0005)
        self.assertEqual(self.c.read_reply(), b"x" * 50)
        self.assertEqual(self.c.read_reply(), b"PONG")
        self.assertEqual(self.c.read_reply(), b"split")

    def test_large_bulk_in_pieces(self):
        value = os.urandom(3 * 1024 * 1024)
        req = Client.encode("ECHO", value)
        for i in range(0, len(req), 100000):
            self.c.send_raw(req[i:i + 100000])
        self.assertEqual(self.c.read_reply(), value)

    def test_2000_clients_at_once(self):
        clients = []
        try:
            for _ in range(2000):
                clients.append(Client(self.node.port, timeout=30))
            for i, c in enumerate(clients):
                c.send_raw(Client.encode("ECHO", "c%d" % i))
            for i, c in enumerate(clients):
                self.assertEqual(c.read_reply(), ("c%d" % i).encode())
        finally:
            for c in clients:
                c.close()
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_client_list_format(self):
        line = self.c.call("CLIENT", "LIST").decode().strip()
        keys = [kv.split("=", 1)[0] for kv in line.split(" ")]
        self.assertEqual(keys, ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub",
                                "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem",
                                "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user",
                                "redir", "resp", "lib-name", "lib-ver"])
        self.assertRegex(line, r"^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:%d fd=\d+ name= "
                         % self.node.port)
        self.assertIn(" flags=N db=0 ", line)
        self.assertIn(" cmd=client|list user=default redir=-1 resp=2 ", line)

    def test_client_reply_off_skip(self):
        c = self.node.client()
        try:
            c.send_raw(Client.encode("CLIENT", "REPLY", "OFF") + Client.encode("ECHO", "lost")
                       + Client.encode("NOSUCH") + Client.encode("CLIENT", "REPLY", "ON")
                       + Client.encode("CLIENT", "REPLY", "SKIP") + Client.encode("ECHO", "skipped")
                       + Client.encode("ECHO", "seen"))
            self.assertEqual(c.read_reply(), b"OK")
            self.assertEqual(c.read_reply(), b"seen")
        finally:
            c.close()

    def test_quit(self):
        c = self.node.client()
        self.assertEqual(c.call("QUIT"), b"OK")
        self.assertTrue(c.is_closed())
        c.close()

    def test_half_closed_client_gets_its_replies(self):
        s = socket.create_connection(("127.0.0.1", self.node.port))
        s.sendall(b"PING\r\n" * 3)
        s.shutdown(socket.SHUT_WR)
        data = b""
        s.settimeout(5)
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        self.assertEqual(data, b"+PONG\r\n" * 3)


class MaxClients(unittest.TestCase):
    def test_maxclients_rejection(self):
        node = Node("--maxclients", 5).start()
        clients = []
        try:
            # The readiness probe's connection may still be closing: wait until 5 fit.
            def pong(c):
                try:
                    return c.call("PING", raise_errors=False) == b"PONG"
                except OSError:  # a rejected connection may be reset under us
                    return False

            deadline = time.time() + 10
            while True:
                for c in clients:
                    c.close()
                clients = [node.client() for _ in range(5)]
                if all([pong(c) for c in clients]):
                    break
                self.assertLess(time.time(), deadline)
                time.sleep(0.1)
            extra = node.client()
            self.assertEqual(extra.sock.recv(1024), b"-ERR max number of clients reached\r\n")
            self.assertTrue(extra.is_closed())
            extra.close()
            for c in clients:  # the others are unaffected
                self.assertEqual(c.call("PING"), b"PONG")
            clients.pop().close()
            deadline = time.time() + 5
            while True:  # a slot frees up once the server sees the close
                c = node.client()
                if pong(c):
                    clients.append(c)
                    break
                c.close()
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
        finally:
            for c in clients:
                c.close()
            self.assertEqual(node.stop(), 0, node.output())
            node.cleanup()


def non_loopback_ipv4():
    """An IPv4 address of this host that is not loopback, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks a route
        addr = s.getsockname()[0]
        return None if addr.startswith("127.") else addr
    except OSError:
        return None
    finally:
        s.close()


PROTECTED_MODE_ERROR = (
    "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
    "for the default user. In this mode connections are only accepted from the loopback interface. If you "
    "want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just "
    "disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface "
    "by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not "
    "publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you started the "
    "server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an "
    "authentication password for the default user. NOTE: You only need to do one of the above things in "
    "order for the server to start accepting connections from the outside.")


@unittest.skipIf(non_loopback_ipv4() is None, "no non-loopback IPv4 address on this host")
class ProtectedMode(unittest.TestCase):
    def test_wildcard_bind_denies_remote_peers_without_password(self):
        node = Node("--bind", "*").start()
        try:
            remote = Client(node.port, host=non_loopback_ipv4())
            err = remote.read_reply(raise_errors=False)
            self.assertIsInstance(err, RespError)
            self.assertEqual(str(err), PROTECTED_MODE_ERROR)
            self.assertTrue(remote.is_closed())
            remote.close()
            with node.client() as local:  # loopback is always served
                self.assertEqual(local.call("PING"), b"PONG")
        finally:
            self.assertEqual(node.stop(), 0, node.output())
            node.cleanup()

    def test_protected_mode_off_or_password_admits_remote_peers(self):
        cases = ((("--bind", "*", "--protected-mode", "no"), "PONG"),
                 (("--bind", "*", "--requirepass", "pw"), "NOAUTH Authentication required."))
        for args, expected in cases:
            node = Node(*args).start()
            try:
                with Client(node.port, host=non_loopback_ipv4()) as remote:
                    r = remote.call("PING", raise_errors=False)
                    self.assertEqual(r.decode() if isinstance(r, bytes) else str(r), expected)
            finally:
                self.assertEqual(node.stop(), 0, node.output())
                node.cleanup()


class IdleTimeout(unittest.TestCase):
    def test_timeout_closes_idle_clients(self):
        node = Node("--timeout", 1, "--loglevel", "verbose").start()
        try:
            idle = node.client()
            busy = node.client()
            self.assertEqual(idle.call("PING"), b"PONG")
            for _ in range(12):  # 2.4 s of activity keeps `busy` alive
                self.assertEqual(busy.call("PING"), b"PONG")
                time.sleep(0.2)
            self.assertTrue(idle.is_closed(timeout=3))
            self.assertEqual(busy.call("PING"), b"PONG")
            idle.close()
            busy.close()
            self.assertIn("Closing idle client", node.output())
        finally:
            self.assertEqual(node.stop(), 0, node.output())
            node.cleanup()


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_zero_and_logs(self):
        node = Node().start()
        clients = [node.client() for _ in range(10)]
        for c in clients:
            c.send_raw(b"PING\r\n")
        try:
            self.assertEqual(node.stop(signal.SIGTERM), 0, node.output())
            out = node.output()
            self.assertIn("Received SIGTERM scheduling shutdown...", out)
            self.assertIn("Ready to accept connections tcp", out)
            # Redis's log line format: pid:role dd Mon yyyy hh:mm:ss.mmm <mark> message
            self.assertRegex(out, r"(?m)^\d+:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ")
        finally:
            for c in clients:
                c.close()
            node.cleanup()

    def test_shutdown_command(self):
        node = Node().start()
        try:
            c = node.client()
            # Replies owed before SHUTDOWN go out; nothing after it runs.
            c.send_raw(b"PING\r\nSHUTDOWN\r\nPING\r\n")
            self.assertEqual(c.read_reply(), b"PONG")
            c.sock.settimeout(10)
            rest = c.buf
            while True:
                chunk = c.sock.recv(4096)
                if not chunk:
                    break
                rest += chunk
            self.assertEqual(rest, b"")
            c.close()
            self.assertEqual(node.proc.wait(20), 0, node.output())
            self.assertIn("ready to exit, bye bye", node.output())
        finally:
            node.cleanup()

    def test_sigint_exits_zero(self):
        node = Node().start()
        try:
            self.assertEqual(node.stop(signal.SIGINT), 0, node.output())
        finally:
            node.cleanup()

    def test_port_flag_alone_and_dir_created(self):
        # `redraft-node --port N` with no config file, `dir` created when missing.
        port = free_port()
        base = Node().dir
        data_dir = os.path.join(base, "nested", "data")
        log = open(os.path.join(base, "out.log"), "wb")
        proc = subprocess.Popen([os.path.join(BIN, "redraft-node"), "--port", str(port),
                                 "--dir", data_dir], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 20
            while True:
                try:
                    with Client(port, timeout=2) as c:
                        self.assertEqual(c.call("PING"), b"PONG")
                        break
                except OSError:
                    self.assertIsNone(proc.poll())
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.05)
            self.assertTrue(os.path.isdir(data_dir))
            # The default bind ("* -::*") serves loopback over IPv4 too.
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(20), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()

    def test_bind_conflict_fails_cleanly(self):
        holder = socket.socket()
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        node = Node(port=port)
        try:
            node.start(wait=False)
            code = node.proc.wait(20)
            self.assertNotEqual(code, 0)
            self.assertIn("Could not create server TCP listening socket", node.output())
            node.proc = None
            node.log.close()
        finally:
            holder.close()
            node.cleanup()


if __name__ == "__main__":
    main()
