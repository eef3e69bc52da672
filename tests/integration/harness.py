"""Integration test harness: start real redraft-node processes and talk RESP to them.

Every test file imports this module and uses unittest. A Node is a real process on a
free loopback port, started from $REDRAFT_BIN (build/bin); it is stopped by PID. The
RESP client here is deliberately independent of our C codec, so the tests check the
server's bytes against a second implementation (and redis-cli is used where a test wants
the real tool).
"""
import os
import random
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


def free_port(avoid=()):
    """A loopback TCP port that is free now (and whose +10000 bus port is free too), not
    one of avoid."""
    for _ in range(200):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port in avoid or port + 10000 > 65535:
            continue
        try:
            b = socket.socket()
            b.bind(("127.0.0.1", port + 10000))
            b.close()
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def ephemeral_port_low():
    """The first port the kernel hands out as a connection's local port."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_range(n, avoid=()):
    """A base port B such that B..B+n-1 and their +10000 bus ports are free now (and none
    of them is in avoid). The range lies below the kernel's ephemeral ports when there is
    room: a cluster restarted on the same ports (scripts/local-cluster start on an old
    dir) must not find one taken meanwhile as the local port of some other connection."""
    avoid = set(avoid)
    top = ephemeral_port_low() - 10000 - n
    top = top if top - 20000 >= 1000 else 55535 - n

    def free(p):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return True
        except OSError:
            return False
        finally:
            s.close()
    for _ in range(500):
        b = random.randrange(20000, top)
        if all(free(b + i) and free(b + i + 10000) and b + i not in avoid and b + i + 10000 not in avoid
               for i in range(n)):
            return b
    raise RuntimeError("no free port range of %d" % n)


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
    BINARY = "redraft-node"

    def __init__(self, *args, port=None, config=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="redraft-node-")
        self.args = list(args)
        self.config = config
        self.proc = None
        self.log_path = os.path.join(self.dir, "node.log")

    def start(self, wait=True):
        cmd = [os.path.join(BIN, self.BINARY)]
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
                raise RuntimeError("%s exited with %s:\n%s" % (self.BINARY, self.proc.returncode, self.output()))
            try:
                with Client(self.port, timeout=2) as c:
                    r = c.call("PING", raise_errors=False)
                    if r == b"PONG" or isinstance(r, RespError):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("%s did not answer PING in %ss:\n%s" % (self.BINARY, timeout, self.output()))

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


# ---- Raft shards: several nodes forming one Raft group -------------------------------
#
# A Shard starts N redraft-nodes on free loopback ports, each with its Raft bus on
# port + 10000, bootstrapped from the same founders' list (--raft-bootstrap, first start
# only; restarts pass the same flags, which is harmless). Leaders are found through INFO
# replication (role:master, followers' master_port), so nothing here depends on timing:
# every wait is bounded and generous, and raises with the nodes' state and logs.

# Raft timeouts for tests. The release build uses the node's defaults; sanitizer builds
# are several times slower, so elections get more slack there (a heartbeat missed
# because the process was busy would otherwise depose a healthy leader in a loop).
SHARD_TIMEOUT_ARGS = (("--raft-election-timeout", "1500", "--raft-heartbeat-timeout", "150")
                      if SANITIZE else ())
# How long tests wait for things that need an election or a catch-up.
SHARD_WAIT = 60.0 if SANITIZE else 30.0


def shard_ports(n):
    """n distinct free client ports whose bus ports (+10000) are free and distinct too."""
    ports = []
    for _ in range(1000):
        p = free_port()
        if p in ports or p + 10000 in ports or p - 10000 in ports:
            continue
        ports.append(p)
        if len(ports) == n:
            return ports
    raise RuntimeError("no free ports for a shard")


def crc16(data):
    """CRC16-CCITT (XModem), as Redis Cluster uses for key slots."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def key_slot(key):
    """The hash slot of a key (bytes or str), hash tags included."""
    if isinstance(key, str):
        key = key.encode()
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1:e]
    return crc16(key) % 16384


class ShardNode(Node):
    """A member of a Shard. Its command line is rebuilt at every start from raft_id,
    bootstrap/join and the shard's common flags."""

    def __init__(self, shard, raft_id, port):
        super().__init__(port=port)
        self.shard = shard
        self.raft_id = raft_id
        self.bus_port = port + 10000
        self.join = None      # "host:port" of a member to ask for admission (rejoin)
        self.paused = False
        self.starts = 0

    def build_args(self):
        a = ["--cluster-port", self.bus_port, "--raft-id", self.raft_id]
        if self.join:
            a += ["--raft-join", self.join]
        elif self.shard.size > 1:
            a += ["--raft-bootstrap", self.shard.bootstrap]
        if self.shard.cluster:
            a += ["--cluster-enabled", "yes"]
        return a + list(SHARD_TIMEOUT_ARGS) + list(self.shard.extra_args)

    def start(self, wait=True):
        self.args = self.build_args()
        self.paused = False
        self.starts += 1
        return super().start(wait=wait)

    def addr(self):
        return "127.0.0.1:%d" % self.port

    def pause(self):
        """SIGSTOP: the process keeps its sockets but answers nothing (a partition)."""
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        if self.paused and sig != signal.SIGKILL:
            self.resume()
        self.paused = False
        return super().stop(sig, timeout)

    def responsive(self):
        return self.alive() and not self.paused

    def replication(self, timeout=2.0):
        """INFO replication as a dict, or None when the node does not answer in time."""
        if not self.responsive():
            return None
        try:
            with Client(self.port, timeout=timeout) as c:
                r = c.call("INFO", "replication", raise_errors=False)
        except (OSError, ConnectionError, ValueError):
            return None
        if not isinstance(r, (bytes, str)):
            return None
        return info_dict(r)

    def role(self):
        i = self.replication()
        return i.get("role") if i else None

    def wipe(self):
        """Deletes everything in the data dir except the log (the node must be stopped)."""
        assert not self.alive(), "wipe a stopped node"
        for name in os.listdir(self.dir):
            if name == "node.log":
                continue
            p = os.path.join(self.dir, name)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)


class Shard:
    """N redraft-nodes forming one Raft shard on loopback.

        shard = Shard(3).start()       # waits for a leader
        leader = shard.leader()        # waits (bounded) for a leader a majority follows
        shard.kill(leader); shard.leader(); shard.restart(node)
        shard.pause(node); shard.resume(node)   # SIGSTOP / SIGCONT
        shard.wipe_and_rejoin(node)    # new Raft id, empty dir, --raft-join the leader
        shard.stop_all()               # by PID; returns {node: exit code}
    """

    def __init__(self, size=3, cluster=False, args=()):
        self.size = size
        self.cluster = cluster
        self.extra_args = [str(a) for a in args]
        ports = shard_ports(size)
        self.bootstrap = ",".join("%d@127.0.0.1:%d" % (i + 1, p + 10000) for i, p in enumerate(ports))
        self.nodes = [ShardNode(self, i + 1, p) for i, p in enumerate(ports)]
        self.next_raft_id = size + 1

    def start(self, wait_leader=True):
        try:
            for n in self.nodes:
                n.start(wait=False)
            for n in self.nodes:
                n.wait_ready(timeout=SHARD_WAIT)
            if wait_leader:
                self.leader()
        except BaseException:
            self.stop_all()
            raise
        return self

    # -- finding the leader ------------------------------------------------------------
    def state(self):
        """{node: INFO replication dict or None} for every responsive node."""
        return {n: n.replication() for n in self.nodes if n.responsive()}

    def current_leader(self, exclude=()):
        """The leader now, or None: exactly one responsive node (not in exclude) says
        role:master and, with itself, a majority of the shard says so (followers whose
        master_port is its port)."""
        st = {n: i for n, i in self.state().items() if n not in exclude and i}
        masters = [n for n, i in st.items() if i.get("role") == "master"]
        if len(masters) != 1:
            return None
        m = masters[0]
        agree = 1 + sum(1 for n, i in st.items()
                        if n is not m and i.get("role") == "slave" and i.get("master_port") == str(m.port))
        return m if agree >= self.size // 2 + 1 else None

    def leader(self, timeout=None, exclude=()):
        """Waits (bounded) until current_leader() names one; raises otherwise."""
        deadline = time.time() + (timeout or SHARD_WAIT)
        while time.time() < deadline:
            m = self.current_leader(exclude)
            if m is not None:
                return m
            time.sleep(0.05)
        raise AssertionError("no leader within %ss:\n%s" % (timeout or SHARD_WAIT, self.describe()))

    def followers(self, leader=None):
        leader = leader or self.leader()
        return [n for n in self.nodes if n is not leader and n.alive()]

    def wait_follows(self, node, leader=None, timeout=None):
        """Waits until node reports role:slave of the leader with the link up."""
        leader = leader or self.leader()

        def ok():
            i = node.replication()
            return bool(i) and i.get("role") == "slave" and i.get("master_port") == str(leader.port) \
                and i.get("master_link_status") == "up"
        if not wait_until(ok, timeout or SHARD_WAIT, 0.05):
            raise AssertionError("node %d does not follow %d:\n%s" % (node.port, leader.port, self.describe()))

    def describe(self):
        out = []
        for n in self.nodes:
            if not n.alive():
                st = "dead"
            elif n.paused:
                st = "paused"
            else:
                i = n.replication()
                st = "no answer" if i is None else "role:%s master_port:%s link:%s" % (
                    i.get("role"), i.get("master_port", "-"), i.get("master_link_status", "-"))
            out.append("  node raft-id %d port %d: %s" % (n.raft_id, n.port, st))
        for n in self.nodes:
            out.append("---- log of port %d (last lines):\n%s" % (n.port, "\n".join(n.output().splitlines()[-15:])))
        return "\n".join(out)

    # -- faults --------------------------------------------------------------------------
    def kill(self, node):
        """kill -9."""
        return node.stop(signal.SIGKILL)

    def pause(self, node):
        node.pause()

    def resume(self, node):
        node.resume()

    def restart(self, node, wait=True):
        """Starts a stopped (or kills and restarts a running) node with the same dir."""
        if node.alive():
            node.stop(signal.SIGKILL)
        node.start(wait=False)
        if wait:
            node.wait_ready(timeout=SHARD_WAIT)
        return node

    def wipe_and_rejoin(self, node):
        """Replaces a member by an empty one on the same address, the safe way for Raft
        (a wiped dir must never come back under its old id): stop it, RAFT REMOVE its id
        on the leader, wipe the dir, start it with a new Raft id and --raft-join the
        leader (which adds it and, once caught up, makes it a voter)."""
        if node.alive():
            node.stop(signal.SIGKILL)
        leader = self.leader(exclude=(node,))
        with leader.client(timeout=SHARD_WAIT) as c:
            r = c.call("RAFT", "REMOVE", node.raft_id, raise_errors=False)
        if isinstance(r, RespError):
            raise AssertionError("RAFT REMOVE %d on the leader: %s" % (node.raft_id, r))
        node.wipe()
        node.raft_id = self.next_raft_id
        self.next_raft_id += 1
        node.join = leader.addr()
        node.start(wait=False)
        node.wait_ready(timeout=SHARD_WAIT)
        return node

    def stop_all(self):
        """Stops every node by PID (SIGCONT first if paused); {node: exit code or None
        for a node that was not running}."""
        codes = {}
        for n in self.nodes:
            was_alive = n.alive()
            code = n.stop()
            codes[n] = code if was_alive else None
        return codes

    def cleanup(self):
        self.stop_all()
        for n in self.nodes:
            shutil.rmtree(n.dir, ignore_errors=True)

    def sanitizer_reports(self):
        return [n for n in self.nodes
                if "ERROR: AddressSanitizer" in n.output() or "runtime error:" in n.output()
                or "ERROR: LeakSanitizer" in n.output()]


class ShardTestCase(unittest.TestCase):
    """A fresh shard per test (SHARD_SIZE nodes, SHARD_CLUSTER for cluster mode,
    SHARD_ARGS for extra flags), or one per class with SHARD_PER_CLASS = True. At the
    end every node that was still running must exit cleanly (code 0) and no node's log
    may hold a sanitizer report."""
    SHARD_SIZE = 3
    SHARD_CLUSTER = False
    SHARD_ARGS = ()
    SHARD_PER_CLASS = False

    @classmethod
    def _new_shard(cls):
        return Shard(cls.SHARD_SIZE, cluster=cls.SHARD_CLUSTER, args=cls.SHARD_ARGS).start()

    @classmethod
    def _finish(cls, shard):
        codes = shard.stop_all()
        bad = {n.port: c for n, c in codes.items() if c not in (None, 0)}
        reports = shard.sanitizer_reports()
        msg = None
        if bad or reports:
            msg = "nodes exited badly %s / sanitizer reports on %s:\n%s" % (
                bad, [n.port for n in reports],
                "\n".join("---- port %d:\n%s" % (n.port, n.output()[-6000:])
                          for n in shard.nodes if n.port in bad or n in reports))
        shard.cleanup()
        if msg:
            raise AssertionError(msg)

    @classmethod
    def setUpClass(cls):
        cls.shard = cls._new_shard() if cls.SHARD_PER_CLASS else None

    @classmethod
    def tearDownClass(cls):
        if cls.shard is not None:
            cls._finish(cls.shard)

    def setUp(self):
        if not self.SHARD_PER_CLASS:
            self.shard = self._new_shard()

    def tearDown(self):
        if not self.SHARD_PER_CLASS:
            self._finish(self.shard)


# ---- Sentinels -----------------------------------------------------------------------
#
# A Sentinel is one redraft-sentinel process (the node's server core in sentinel mode) on
# a free port, its Raft bus on port + 10000, its own data dir and a sentinel.conf made of
# the given lines ("sentinel monitor mymaster 127.0.0.1 7000 2", ...). Several sentinels
# form one Raft group when they share a bootstrap list (SentinelGroup builds it).


def reply_map(r):
    """A SENTINEL instance map as {str: str}: a RESP3 map or a RESP2 flat array."""
    if isinstance(r, dict):
        items = list(r.items())
    else:
        items = [(r[i], r[i + 1]) for i in range(0, len(r), 2)]
    dec = lambda v: v.decode(errors="replace") if isinstance(v, bytes) else v
    return {dec(k): dec(v) for k, v in items}


def info_dict(text):
    """INFO text (bytes or str) as {key: value}."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    d = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            d[k] = v.strip()
    return d


class Sentinel(Node):
    """One redraft-sentinel.

        s = Sentinel(config=["sentinel monitor mymaster 127.0.0.1 7000 2"]).start()
        s.client().call("SENTINEL", "MASTERS"); s.master("mymaster"); s.stop(); s.kill()

    port: client port (free by default; the Raft bus is port + 10000). config: lines of
    sentinel.conf. bootstrap: "id@host:busport,..." of the sentinels' group (None: a
    group of one) with raft_id this one's id in it. args: extra command-line flags."""
    BINARY = "redraft-sentinel"

    def __init__(self, port=None, config=(), bootstrap=None, raft_id=None, args=()):
        super().__init__(port=port)
        os.rmdir(self.dir)  # Node's empty one: a sentinel's dir says what it is
        self.dir = tempfile.mkdtemp(prefix="redraft-sentinel-")
        self.log_path = os.path.join(self.dir, "sentinel.log")
        self.bus_port = self.port + 10000
        self.bootstrap = bootstrap
        self.raft_id = raft_id
        self.config_lines = [str(l) for l in config]
        self.extra_args = [str(a) for a in args]

    def start(self, wait=True):
        self.config = "\n".join(self.config_lines) + "\n"
        a = ["--cluster-port", self.bus_port]
        if self.raft_id is not None:
            a += ["--raft-id", self.raft_id]
        if self.bootstrap:
            a += ["--raft-bootstrap", self.bootstrap]
        self.args = a + list(SHARD_TIMEOUT_ARGS) + self.extra_args
        return super().start(wait=wait)

    def addr(self):
        return "127.0.0.1:%d" % self.port

    def call(self, *args, raise_errors=True):
        with self.client(timeout=SHARD_WAIT) as c:
            return c.call(*args, raise_errors=raise_errors)

    def master(self, name):
        """SENTINEL MASTER name as {str: str}."""
        return reply_map(self.call("SENTINEL", "MASTER", name))

    def masters(self):
        return [reply_map(m) for m in self.call("SENTINEL", "MASTERS")]

    def replicas(self, name):
        return [reply_map(m) for m in self.call("SENTINEL", "REPLICAS", name)]

    def sentinels(self, name):
        return [reply_map(m) for m in self.call("SENTINEL", "SENTINELS", name)]

    def master_addr(self, name):
        """SENTINEL GET-MASTER-ADDR-BY-NAME as ("ip", port) or None."""
        r = self.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)
        return None if r is None else (r[0].decode(), int(r[1]))

    def info(self, *sections):
        return info_dict(self.call("INFO", *sections))

    def sanitizer_report(self):
        out = self.output()
        return "ERROR: AddressSanitizer" in out or "runtime error:" in out or "ERROR: LeakSanitizer" in out


class SentinelGroup:
    """n sentinels forming one Raft group (raft ids 1..n), all with the same config
    lines. start() waits until every one answers PING; stop_all() stops them by PID."""

    def __init__(self, n=3, config=(), args=()):
        ports = shard_ports(n)
        self.bootstrap = ",".join("%d@127.0.0.1:%d" % (i + 1, p + 10000) for i, p in enumerate(ports))
        self.sentinels = [Sentinel(port=p, config=config, bootstrap=self.bootstrap if n > 1 else None,
                                   raft_id=i + 1, args=args) for i, p in enumerate(ports)]

    def start(self):
        try:
            for s in self.sentinels:
                s.start(wait=False)
            for s in self.sentinels:
                s.wait_ready(timeout=SHARD_WAIT)
        except BaseException:
            self.stop_all()
            raise
        return self

    def stop_all(self):
        """Stops every sentinel by PID; {sentinel: exit code}, None for one the test
        stopped itself (a crash before this shows as its nonzero status)."""
        return {s: s.stop() for s in self.sentinels}

    def cleanup(self):
        self.stop_all()
        for s in self.sentinels:
            shutil.rmtree(s.dir, ignore_errors=True)

    def sanitizer_reports(self):
        return [s for s in self.sentinels if s.sanitizer_report()]
