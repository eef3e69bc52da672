"""Limits and hostile input on the command path: client-query-buffer-limit,
proto-max-bulk-len, output-buffer limits for a client that never reads, malformed
requests (Redis's exact protocol-error replies, then the connection closes), random
bytes, unterminated requests, the unauthenticated limits, and 10^6 pipelined PINGs.
Every case checks that only the offending connection is affected and the server keeps
serving everyone else.
"""
import os
import random
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, Node, NodeTestCase, RespError, main, wait_until  # noqa: E402


def send_ignoring_close(sock, data):
    """sendall that tolerates the server closing the connection mid-way."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


class ProtocolErrors(NodeTestCase):
    CASES = [
        (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*2\r\n$4\r\nECHO\r\n$1x\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
        (b"ECHO \"unbalanced\r\n", "ERR Protocol error: unbalanced quotes in request"),
        (b"a" * 70000, "ERR Protocol error: too big inline request"),
        (b"*" + b"1" * 70000, "ERR Protocol error: too big mbulk count string"),
        (b"*1\r\n$" + b"1" * 70000, "ERR Protocol error: too big bulk count string"),
    ]

    def test_each_error_replies_and_closes_only_that_client(self):
        for data, expected in self.CASES:
            with self.subTest(data=data[:24]):
                bad = self.node.client()
                # A valid command first: it is answered before the error.
                bad.send_raw(Client.encode("ECHO", "before") + data)
                self.assertEqual(bad.read_reply(), b"before")
                err = bad.read_reply(raise_errors=False)
                self.assertIsInstance(err, RespError)
                self.assertEqual(str(err), expected)
                self.assertTrue(bad.is_closed())
                bad.close()
                self.assertEqual(self.c.call("PING"), b"PONG")

    def test_commands_after_the_error_are_not_run(self):
        bad = self.node.client()
        bad.send_raw(b"*1\r\n$x\r\n" + Client.encode("ECHO", "never"))
        self.assertIsInstance(bad.read_reply(raise_errors=False), RespError)
        self.assertTrue(bad.is_closed())
        self.assertEqual(bad.buf, b"")
        bad.close()

    def test_random_bytes(self):
        rng = random.Random(1234)
        for i in range(60):
            s = socket.create_connection(("127.0.0.1", self.node.port))
            n = rng.choice([1, 7, 100, 4096, 70000])
            payload = bytes(rng.getrandbits(8) for _ in range(n))
            if i % 3 == 0:
                payload = b"*" + payload  # multibulk-looking garbage
            elif i % 3 == 1:
                payload = b"*2\r\n$" + payload
            send_ignoring_close(s, payload)
            s.close()
        self.assertEqual(self.c.call("PING"), b"PONG")
        self.assertEqual(self.c.call("ECHO", "still here"), b"still here")

    def test_unterminated_multibulk(self):
        partial = self.node.client()
        partial.send_raw(b"*3\r\n$4\r\nECHO\r\n$2\r\nhi\r\n")  # one argument short
        self.assertEqual(self.c.call("PING"), b"PONG")  # others are served meanwhile
        self.assertFalse(partial.is_closed(timeout=0.3))  # it is just waiting for more
        partial.close()  # and may go away mid-request
        other = self.node.client()
        other.send_raw(b"*2\r\n$4\r\nECHO\r\n$100000\r\nabc")  # half a big bulk, then gone
        other.close()
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_pipelined_million_inline_pings(self):
        n = 1000000
        sender = threading.Thread(target=self.c.send_raw, args=(b"PING\r\n" * n,))
        sender.start()
        expected = b"+PONG\r\n" * n
        got = bytearray()
        self.c.sock.settimeout(120)
        while len(got) < len(expected):
            chunk = self.c.sock.recv(1 << 20)
            self.assertTrue(chunk, "connection closed after %d bytes" % len(got))
            got += chunk
        sender.join()
        self.assertEqual(bytes(got), expected)


class QueryBufferLimit(NodeTestCase):
    NODE_ARGS = ("--client-query-buffer-limit", "1mb", "--proto-max-bulk-len", "1mb")

    def test_query_buffer_limit_closes_only_that_client(self):
        big = self.node.client()
        # Legal bulk length (<= proto-max-bulk-len) but the request never ends and
        # the query buffer passes 1 MiB.
        big.send_raw(b"*2\r\n$4\r\nECHO\r\n$1048576\r\n")
        send_ignoring_close(big.sock, b"x" * (1024 * 1024 - 100))
        send_ignoring_close(big.sock, Client.encode("PING") * 20000)  # pushes it past the limit
        self.assertTrue(big.is_closed())
        big.close()
        self.assertEqual(self.c.call("PING"), b"PONG")
        self.assertTrue(wait_until(lambda: "Closing client that reached max query buffer length"
                                 in self.node.output()), self.node.output())

    def test_bulk_below_limits_works(self):
        value = b"v" * (900 * 1024)
        self.assertEqual(self.c.call("ECHO", value), value)

    def test_proto_max_bulk_len(self):
        bad = self.node.client()
        bad.send_raw(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n")
        err = bad.read_reply(raise_errors=False)
        self.assertEqual(str(err), "ERR Protocol error: invalid bulk length")
        self.assertTrue(bad.is_closed())
        bad.close()
        self.assertEqual(self.c.call("PING"), b"PONG")


class OutputBufferLimits(NodeTestCase):
    NODE_ARGS = ("--client-output-buffer-limit", "normal", "1mb", "0", "0")

    def test_non_reading_client_is_disconnected(self):
        slow = self.node.client()
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        value = "x" * 10000
        req = Client.encode("ECHO", value) * 200  # 2 MB of replies per batch
        done = threading.Event()

        def flood():
            for _ in range(50):
                try:
                    slow.sock.sendall(req)
                except OSError:
                    break
            done.set()

        t = threading.Thread(target=flood)
        t.start()
        # The others are served while the flood is buffered.
        for _ in range(20):
            self.assertEqual(self.c.call("PING"), b"PONG")
        t.join(60)
        self.assertTrue(done.is_set())
        self.assertTrue(slow.is_closed(timeout=10))
        slow.close()
        self.assertEqual(self.c.call("ECHO", value), value.encode())
        self.assertTrue(wait_until(lambda: "scheduled to be closed ASAP for overcoming of output buffer "
                                 "limits" in self.node.output()), self.node.output())

    def test_reading_client_with_big_replies_is_fine(self):
        value = "y" * 100000
        for _ in range(5):  # each reply is well under 1 MiB and read at once
            self.assertEqual(self.c.call("ECHO", value), value.encode())


class SoftOutputLimit(NodeTestCase):
    NODE_ARGS = ("--client-output-buffer-limit", "normal", "0", "256kb", "1")

    def test_soft_limit_after_seconds(self):
        slow = self.node.client()
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        # Enough replies to stay above 256 KiB in the server for longer than 1 s.
        send_ignoring_close(slow.sock, Client.encode("ECHO", "z" * 10000) * 1500)
        time.sleep(0.3)
        # Not yet (without reading from it): the soft limit has a grace period.
        clients = self.c.call("CLIENT", "LIST").decode()
        self.assertEqual(clients.count("\n"), 2, clients)
        time.sleep(2.5)
        self.assertTrue(slow.is_closed(timeout=10))
        slow.close()
        self.assertEqual(self.c.call("PING"), b"PONG")


class UnauthenticatedLimits(NodeTestCase):
    NODE_ARGS = ("--requirepass", "s3cret")

    def test_noauth_then_auth(self):
        with self.assertRaises(RespError) as e:
            self.c.call("ECHO", "x")
        self.assertEqual(str(e.exception), "NOAUTH Authentication required.")
        self.assertEqual(self.c.call("AUTH", "s3cret"), b"OK")
        self.assertEqual(self.c.call("ECHO", "x"), b"x")
        big = "b" * 100000  # above the unauthenticated bulk limit: fine once authenticated
        self.assertEqual(self.c.call("ECHO", big), big.encode())

    def test_unauthenticated_multibulk_and_bulk_limits(self):
        bad = self.node.client()
        bad.send_raw(Client.encode(*(["ECHO"] * 11)))
        self.assertEqual(str(bad.read_reply(raise_errors=False)),
                         "ERR Protocol error: unauthenticated multibulk length")
        self.assertTrue(bad.is_closed())
        bad.close()
        bad = self.node.client()
        bad.send_raw(b"*2\r\n$4\r\nECHO\r\n$16385\r\n")
        self.assertEqual(str(bad.read_reply(raise_errors=False)),
                         "ERR Protocol error: unauthenticated bulk length")
        self.assertTrue(bad.is_closed())
        bad.close()

    def test_largest_unauthenticated_bulk_gets_noauth(self):
        bad = self.node.client()
        bad.send_raw(b"*2\r\n$4\r\nECHO\r\n$16384\r\n")
        send_ignoring_close(bad.sock, b"q" * 16384 + b"\r\n")
        self.assertIsInstance(bad.read_reply(raise_errors=False), RespError)  # NOAUTH
        bad.close()
        self.assertEqual(self.c.call("AUTH", "s3cret"), b"OK")
        self.assertEqual(self.c.call("PING"), b"PONG")


if __name__ == "__main__":
    main()
