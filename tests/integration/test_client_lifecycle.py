"""Connection-lifecycle tests: clients killed or shut down while they have
pipelined input or output in flight, output-limit closes while flushing, and
statistics that CONFIG RESETSTAT must not break. Run under the ASan build to catch
use-after-free / leaks on these paths."""
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, Node, NodeTestCase, RespError, main, wait_until  # noqa: E402


def client_id(c):
    return c.call("CLIENT", "ID")


def raw_socket(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return s


def info_field(c, section, name):
    text = c.call("INFO", section).decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


class KillsMidFlight(NodeTestCase):
    def test_kill_client_with_pending_uv_write(self):
        self.c.call("SET", "big", "x" * 200000)
        s = raw_socket(self.node.port)
        s.sendall(b"CLIENT ID\r\n")
        data = b""
        while not data.endswith(b"\r\n"):
            data += s.recv(100)
        victim = int(data[1:-2])
        # Many big replies the victim never reads: the kernel fills up and a uv_write stays
        # pending (omem grows), then another client kills it.
        s.sendall(b"GET big\r\n" * 60)
        wait_until(lambda: b"id=%d " % victim in self.c.call("CLIENT", "LIST")
                   and b"events=rw" in [l for l in self.c.call("CLIENT", "LIST").split(b"\n")
                                         if l.startswith(b"id=%d " % victim)][0], timeout=5)
        self.assertEqual(self.c.call("CLIENT", "KILL", "ID", victim), 1)
        s.close()
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_kill_self_mid_pipeline_stops_the_rest(self):
        me = client_id(self.c)
        self.c.send_raw(Client.encode("SET", "kself", "1") +
                        Client.encode("CLIENT", "KILL", "ID", me, "SKIPME", "no") +
                        Client.encode("SET", "kself", "2"))
        self.assertEqual(self.c.read_reply(), b"OK")
        self.assertEqual(self.c.read_reply(), 1)
        self.assertTrue(self.c.is_closed())
        with self.node.client() as d:
            self.assertEqual(d.call("GET", "kself"), b"1")

    def test_kill_other_in_same_pipeline_as_many(self):
        others = [self.node.client() for _ in range(20)]
        ids = [client_id(o) for o in others]
        pipe = b"".join(Client.encode("CLIENT", "KILL", "ID", i) for i in ids)
        pipe += Client.encode("CLIENT", "KILL", "TYPE", "normal")
        self.c.send_raw(pipe)
        for _ in ids:
            self.assertEqual(self.c.read_reply(), 1)
        self.assertEqual(self.c.read_reply(), 0)
        for o in others:
            self.assertTrue(o.is_closed())
            o.close()

    def test_output_limit_close_while_writing(self):
        self.c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0")
        try:
            self.c.call("SET", "big2", "y" * 100000)
            socks = []
            for _ in range(5):
                s = raw_socket(self.node.port)
                s.sendall(b"GET big2\r\n" * 200)
                socks.append(s)
            wait_until(lambda: int(info_field(self.c, "stats", "client_output_buffer_limit_disconnections")
                                   or info_field(self.c, "stats", "client_obuf_limit_disconnections") or 0) >= 5,
                       timeout=10)
            for s in socks:
                s.close()
        finally:
            self.c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_monitor_killed_while_fed(self):
        mons = []
        for _ in range(3):
            m = self.node.client()
            self.assertEqual(m.call("MONITOR"), b"OK")
            mons.append(m)
        self.c.call("SET", "m", "1")
        self.c.call("CLIENT", "KILL", "TYPE", "normal")
        for m in mons:
            m.close()
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_half_close_gets_replies(self):
        s = socket.create_connection(("127.0.0.1", self.node.port))
        s.sendall(b"PING\r\nECHO hi\r\n")
        s.shutdown(socket.SHUT_WR)
        data = b""
        s.settimeout(5)
        while True:
            d = s.recv(1000)
            if not d:
                break
            data += d
        s.close()
        self.assertEqual(data, b"+PONG\r\n$2\r\nhi\r\n")


class ResetStat(NodeTestCase):
    def test_ops_per_sec_still_sampled_after_resetstat(self):
        self.assertEqual(self.c.call("CONFIG", "RESETSTAT"), b"OK")
        stop = time.time() + 2.5
        seen = 0
        while time.time() < stop:
            self.c.pipeline([("PING",)] * 200)
            v = int(info_field(self.c, "stats", "instantaneous_ops_per_sec"))
            seen = max(seen, v)
        self.assertGreater(seen, 0)


class ClockDoesNotLag(NodeTestCase):
    def test_pxat_just_computed_never_reads_back_longer(self):
        # The command time must not lag the real wall clock (Redis uses mstime() per
        # command): a PXAT computed by the client just before must give PTTL <= delta.
        worst = 0
        for _ in range(300):
            t0 = int(time.time() * 1000)
            self.c.call("SET", "clk", "v", "PXAT", t0 + 40000)
            worst = max(worst, self.c.call("PTTL", "clk"))
        self.assertLessEqual(worst, 40000)


class ShutdownWithPendingOutput(unittest.TestCase):
    def test_shutdown_many_clients_pending_output(self):
        node = Node().start()
        try:
            c = node.client()
            c.call("SET", "big", "z" * 300000)
            socks = []
            for _ in range(30):
                s = raw_socket(node.port)
                s.sendall(b"GET big\r\n" * 10)  # ~3 MB each: the kernel cannot take it all
                socks.append(s)
            # some clients half-way through a request, some with pipelined input
            for _ in range(10):
                s = raw_socket(node.port)
                s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$100000\r\nabc")
                socks.append(s)
            time.sleep(0.5)
            c.send_raw(Client.encode("SHUTDOWN", "NOSAVE") + Client.encode("PING"))
            self.assertTrue(c.is_closed(timeout=60))
            node.proc.wait(20)
            code = node.stop()
            out = node.output()
            for s in socks:
                s.close()
            self.assertEqual(code, 0, out)
            self.assertNotIn("AddressSanitizer", out)
            self.assertNotIn("runtime error:", out)
        finally:
            node.cleanup()


if __name__ == "__main__":
    main()
