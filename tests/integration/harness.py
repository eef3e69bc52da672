"""Integration test harness: start real redraft-node processes and talk RESP to them.

Every test file imports this module and uses unittest. A Node is a real process on a
free loopback port, started from $REDRAFT_BIN (build/bin); it is stopped by PID. The
RESP client here is deliberately independent of our C codec, so the tests check the
server's bytes against a second implementation (and redis-cli is used where a test wants
the real tool).
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("REDRAFT_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin")
SANITIZE = os.environ.get("REDRAFT_SANITIZE", "0") in ("1", "ON", "TRUE", "true")
REDIS_CLI = shutil.which("redis-cli")


def free_port():
    """A loopback TCP port that is free now (and whose +10000 bus port is free too)."""
    for _ in range(200):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port + 10000 > 65535:
            continue
        try:
            b = socket.socket()
            b.bind(("127.0.0.1", port + 10000))
            b.close()
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def wait_until(pred, timeout=10.0, step=0.02):
    """Polls pred() until it is true or timeout seconds pass; returns its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


class RespError(Exception):
    """An error reply (-ERR ... or !...). str(e) is the message without the dash."""


class Push(list):
    """A RESP3 push (>) message."""


class Verbatim(str):
    """A RESP3 verbatim string; .fmt holds the 3-letter format."""
    fmt = "txt"


class Double(float):
    pass


class Client:
    """A blocking RESP2/RESP3 client. Replies: bytes for bulk/simple strings, int, None,
    list, dict (RESP3 maps), set (as list of items in order: SetReply), Double, bool,
    RespError instances are raised unless raise_errors=False."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, (int, float)):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read_reply(self, raise_errors=True):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            e = RespError(rest.decode(errors="replace"))
            if raise_errors:
                raise e
            return e
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read_reply(raise_errors=False) for _ in range(n)]
            if t == b">":
                return Push(items)
            if raise_errors:
                for it in items:
                    if isinstance(it, RespError):
                        pass  # errors inside arrays are values (EXEC), keep them
            return items
        if t == b"%":
            n = int(rest)
            d = {}
            for _ in range(n):
                k = self.read_reply(raise_errors=False)
                d[k] = self.read_reply(raise_errors=False)
            return d
        if t == b"|":
            n = int(rest)
            for _ in range(2 * n):
                self.read_reply(raise_errors=False)
            return self.read_reply(raise_errors)
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t == b",":
            return Double(float(rest.decode()))
        if t == b"(":
            return int(rest)
        if t == b"=":
            data = self._exact(int(rest))
            v = Verbatim(data[4:].decode(errors="replace"))
            v.fmt = data[:3].decode()
            return v
        if t == b"!":
            e = RespError(self._exact(int(rest)).decode(errors="replace"))
            if raise_errors:
                raise e
            return e
        raise ValueError("bad reply type byte %r in %r" % (t, line))

    def call(self, *args, raise_errors=True):
        self.send_raw(self.encode(*args))
        return self.read_reply(raise_errors)

    def pipeline(self, commands, raise_errors=False):
        self.send_raw(b"".join(self.encode(*c) for c in commands))
        return [self.read_reply(raise_errors) for _ in commands]

    def is_closed(self, timeout=5.0):
        """True once the server has closed the connection (EOF), False if still open."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True


class Node:
    """One redraft-node process on a free port with its own data dir."""

    def __init__(self, *args, port=None, config=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="redraft-node-")
        self.args = list(args)
        self.config = config
        self.proc = None
        self.log_path = os.path.join(self.dir, "node.log")

    def start(self, wait=True):
        cmd = [os.path.join(BIN, "redraft-node")]
        if self.config is not None:
            path = os.path.join(self.dir, "redraft.conf")
            with open(path, "w") as f:
                f.write(self.config)
            cmd.append(path)
        cmd += ["--port", str(self.port), "--dir", self.dir, "--bind", "127.0.0.1"]
        cmd += [str(a) for a in self.args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redraft-node exited with %s:\n%s" % (self.proc.returncode, self.output()))
            try:
                with Client(self.port, timeout=2) as c:
                    r = c.call("PING", raise_errors=False)
                    if r == b"PONG" or isinstance(r, RespError):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redraft-node did not answer PING in %ss:\n%s" % (timeout, self.output()))

    def client(self, **kw):
        return Client(self.port, **kw)

    def cli(self, *args, stdin=None, resp3=False, timeout=30):
        """Runs redis-cli against this node; returns its stdout as str."""
        cmd = [REDIS_CLI, "-p", str(self.port)] + (["-3"] if resp3 else []) + [str(a) for a in args]
        r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
        return r.stdout.decode(errors="replace")

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-20000:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        """Stops the process by PID; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        code = self.proc.returncode
        self.proc = None
        return code

    def kill(self):
        return self.stop(signal.SIGKILL)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class NodeTestCase(unittest.TestCase):
    """A test case with one node started per class (args in NODE_ARGS) and a fresh
    client per test. The node must still be alive (no crash) after every test and must
    exit cleanly (code 0, no sanitizer report) at the end."""
    NODE_ARGS = ()
    NODE_CONFIG = None

    @classmethod
    def setUpClass(cls):
        cls.node = Node(*cls.NODE_ARGS, config=cls.NODE_CONFIG).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.node.stop()
        out = cls.node.output()
        cls.node.cleanup()
        if code != 0 or "ERROR: AddressSanitizer" in out or "runtime error:" in out:
            raise AssertionError("node exited with %s:\n%s" % (code, out))

    def setUp(self):
        self.c = self.node.client()

    def tearDown(self):
        self.c.close()
        self.assertTrue(self.node.alive(), "node died:\n" + self.node.output())


def main():
    unittest.main(verbosity=2)
