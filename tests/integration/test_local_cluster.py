"""scripts/local-cluster with several shards (issue 4): `start` brings up 2 shards x 3
nodes under a temporary dir on free ports, waits until every shard has a leader, pushes
the topology (CLUSTER SETTOPOLOGY) and waits until every slot is served; `status` shows
each shard's roles; `stop` leaves no process behind; a second `start` on the same dir
reuses the data and re-pushes the same topology at the same epoch. Also the one-shard
launcher (no topology push, the historical report) and option errors. Those run with
--sentinels 0 (the launcher pushes the topology itself).

With sentinels (issue 5, what `make cluster` starts): 3 shards x 3 nodes + 3 sentinels;
the sentinels push the topology, answer SENTINEL GET-MASTER-ADDR-BY-NAME for shard-0..2,
`status` lists them with their role in their Raft group, `stop` stops them, a restart
brings everything back; spares are started and listed in every sentinel.conf.

LocalCluster (below) is also what test_cluster_clients.py runs its clients against.
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BIN, REDIS_CLI, SHARD_TIMEOUT_ARGS, SHARD_WAIT, Client, free_port_range,  # noqa: E402
                     RespError, key_slot, main, wait_until)
from sentinel_util import current_acting, master_addr, raft_info  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "local-cluster")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
# The sentinels' Raft timeouts: the nodes' test timeouts (longer in sanitizer builds) as
# sentinel.conf lines.
SENTINEL_TIMEOUT_CONF = tuple("%s %s" % (SHARD_TIMEOUT_ARGS[i][2:], SHARD_TIMEOUT_ARGS[i + 1])
                              for i in range(0, len(SHARD_TIMEOUT_ARGS), 2))


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def split_slots(n):
    """The slot ranges redis-cli --cluster create gives n masters."""
    per, first, cursor, out = 16384 / n, 0, 0.0, []
    for i in range(n):
        last = int(cursor + per - 1 + 0.5)
        if last > 16383 or i == n - 1:
            last = 16383
        out.append((first, max(first, last)))
        first, cursor = out[-1][1] + 1, cursor + per
    return out


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def processes_mentioning(path):
    """PIDs of live processes whose command line contains path (a launcher's dir)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                if path.encode() in f.read() and alive(int(name)):
                    found.append(int(name))
        except OSError:
            pass
    return found


def cluster_call(port, *args, timeout=None):
    """One command through the cluster: follows -MOVED (and -ASK with ASKING), retries
    -TRYAGAIN/-CLUSTERDOWN and unreachable nodes until `timeout` (default SHARD_WAIT).
    Returns the reply, or raises the last RespError / OSError."""
    deadline = time.time() + (timeout or SHARD_WAIT)
    host, asking, last = "127.0.0.1", False, None
    while time.time() < deadline:
        try:
            with Client(port, host=host, timeout=5) as c:
                if asking:
                    c.call("ASKING")
                r = c.call(*args, raise_errors=False)
        except (OSError, ConnectionError) as e:
            last = e
            time.sleep(0.1)
            continue
        if not isinstance(r, RespError):
            return r
        last = r
        word = str(r).split(" ", 1)[0]
        if word in ("MOVED", "ASK"):
            addr = str(r).split()[2]
            host, port = addr.rsplit(":", 1)[0], int(addr.rsplit(":", 1)[1])
            asking = word == "ASK"
            continue
        if word in ("TRYAGAIN", "CLUSTERDOWN"):
            time.sleep(0.1)
            continue
        raise r
    raise last if last else TimeoutError("no reply")


class LocalCluster:
    """A cluster started by scripts/local-cluster in a temporary dir on free ports.

        lc = LocalCluster(3, 3).start()   # raises with the launcher's output on failure
        lc.groups          # [[ports of shard 1], ...]
        lc.pids()          # {port: pid} from D/pids
        lc.leader(s)       # port of shard s's leader (bounded wait)
        lc.stop()          # the launcher's stop; returns its CompletedProcess
        lc.cleanup()       # stop (if still running) and delete the dir
    """

    def __init__(self, shards=3, replicas=3, sentinels=0, standalone=False, spares=0,
                 sentinel_conf=(), node_args=()):
        self.shards = shards
        self.node_args = [str(x) for x in node_args]
        self.replicas = replicas
        self.sentinels = sentinels
        self.standalone = standalone
        self.spares = spares
        self.sentinel_conf = list(sentinel_conf)
        self.dir = tempfile.mkdtemp(prefix="redraft-lc-")
        self.base = None
        self.sentinel_base = None
        self.groups = []
        self.start_output = ""

    def run(self, *args, timeout=None):
        args = [str(a) for a in args]
        # --dir goes before a "--" (what follows it is for the nodes).
        i = args.index("--") if "--" in args else len(args)
        return subprocess.run([sys.executable, SCRIPT] + args[:i] + ["--dir", self.dir] + args[i:],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=timeout or 4 * SHARD_WAIT + 60)

    def start_args(self, shards=None):
        a = ["start", "--shards", shards or self.shards, "--replicas", self.replicas,
             "--base-port", self.base, "--bin", os.path.join(BIN, "redraft-node"),
             "--timeout", SHARD_WAIT, "--sentinels", self.sentinels]
        if self.standalone:
            a.append("--standalone")
        if self.sentinels:
            a += ["--sentinel-port", self.sentinel_base,
                  "--sentinel-bin", os.path.join(BIN, "redraft-sentinel"), "--spares", self.spares]
            for line in list(SENTINEL_TIMEOUT_CONF) + self.sentinel_conf:
                a += ["--sentinel-conf", line]
        return a + ["--"] + list(SHARD_TIMEOUT_ARGS) + self.node_args

    def start(self):
        n = self.shards * self.replicas + self.spares
        for attempt in range(3):
            if self.base is None or attempt > 0:
                self.base = free_port_range(n)
                if self.sentinels:
                    taken = set(range(self.base, self.base + n)) | set(range(self.base + 10000, self.base + n + 10000))
                    self.sentinel_base = free_port_range(self.sentinels, avoid=taken)
            r = self.run(*self.start_args())
            if r.returncode == 0:
                break
            # Someone took one of the ports between our check and the launcher's: retry
            # elsewhere (nothing was started then).
            if "busy" in r.stderr and not os.path.exists(os.path.join(self.dir, "pids")) and attempt < 2:
                continue
            logs = self.logs()
            self.run("stop")
            raise AssertionError("local-cluster start failed (exit %d):\n%s\n%s\n%s"
                                 % (r.returncode, r.stdout, r.stderr, logs))
        self.start_output = r.stdout
        self.groups = [[self.base + s * self.replicas + i for i in range(self.replicas)]
                       for s in range(self.shards)]
        return self

    def ports(self):
        return [p for g in self.groups for p in g]

    def spare_ports(self):
        first = self.base + self.shards * self.replicas
        return list(range(first, first + self.spares))

    def sentinel_ports(self):
        return [self.sentinel_base + i for i in range(self.sentinels)] if self.sentinels else []

    def names(self):
        return ["mymaster"] if self.standalone else ["shard-%d" % k for k in range(self.shards)]

    def pids(self, roles=("node",)):
        """{port: pid} of the saved processes with one of roles (every role: roles=None)."""
        out = {}
        try:
            with open(os.path.join(self.dir, "pids")) as f:
                for line in f:
                    role, port, pid = line.split()
                    if roles is None or role in roles:
                        out[int(port)] = int(pid)
        except FileNotFoundError:
            pass
        return out

    def shard_of_slot(self, slot):
        for s, (a, b) in enumerate(split_slots(self.shards)):
            if a <= slot <= b:
                return s
        raise ValueError(slot)

    def current_leader(self, s, exclude=()):
        """The port of shard s's leader now (one node says role:master and a majority of
        the shard follows it), else None."""
        infos = {}
        for p in self.groups[s]:
            if p in exclude:
                continue
            try:
                with Client(p, timeout=2) as c:
                    r = c.call("INFO", "replication", raise_errors=False)
            except (OSError, ConnectionError):
                continue
            if isinstance(r, bytes):
                infos[p] = dict(l.split(":", 1) for l in r.decode().splitlines() if ":" in l and not l.startswith("#"))
        masters = [p for p, i in infos.items() if i.get("role") == "master"]
        if len(masters) != 1:
            return None
        m = masters[0]
        agree = 1 + sum(1 for p, i in infos.items() if i.get("role") == "slave" and i.get("master_port") == str(m))
        return m if agree >= self.replicas // 2 + 1 else None

    def leader(self, s, exclude=(), timeout=None):
        found = []
        if not wait_until(lambda: found.append(self.current_leader(s, exclude)) or found[-1] is not None,
                          timeout or SHARD_WAIT, 0.05):
            raise AssertionError("shard %d has no leader:\n%s" % (s + 1, self.logs()))
        return found[-1]

    def log_paths(self):
        return [os.path.join(self.dir, "node-%d" % p, "node.log") for p in self.ports() + self.spare_ports()] + \
            [os.path.join(self.dir, "sentinel-%d" % p, "sentinel.log") for p in self.sentinel_ports()]

    def logs(self, lines=15):
        out = []
        for path in self.log_paths():
            try:
                with open(path, "rb") as f:
                    tail = f.read().decode(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            out.append("---- %s:\n%s" % (os.path.basename(os.path.dirname(path)), "\n".join(tail)))
        return "\n".join(out)

    def sanitizer_reports(self):
        bad = []
        for path in self.log_paths():
            try:
                with open(path, "rb") as f:
                    log = f.read().decode(errors="replace")
            except OSError:
                continue
            if "ERROR: AddressSanitizer" in log or "runtime error:" in log or "ERROR: LeakSanitizer" in log:
                bad.append(os.path.basename(os.path.dirname(path)))
        return bad

    def stop(self):
        return self.run("stop")

    def cleanup(self):
        if os.path.exists(os.path.join(self.dir, "pids")):
            self.stop()
        # Whatever still runs from this dir (should be nothing) is ours: kill it by PID.
        for pid in processes_mentioning(self.dir):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def slots_map(reply):
    """CLUSTER SLOTS -> [(start, end, master_port, [replica ports], master entry)]."""
    out = []
    for r in reply:
        out.append((r[0], r[1], r[2][1], [x[1] for x in r[3:]], r[2]))
    return sorted(out)


class LocalClusterTwoShards(unittest.TestCase):
    SHARDS, REPLICAS = 2, 3

    def setUp(self):
        self.lc = LocalCluster(self.SHARDS, self.REPLICAS)

    def tearDown(self):
        reports = self.lc.sanitizer_reports()
        logs = self.lc.logs(200) if reports else ""
        self.lc.cleanup()
        self.assertEqual(reports, [], "sanitizer reports:\n" + logs)

    def check_topology(self, lc, epoch):
        """D/topology is the topology every node holds: right epoch, the nodes' ids, the
        announced addresses, the slots split like redis-cli --cluster create."""
        with open(os.path.join(lc.dir, "topology")) as f:
            pushed = f.read()
        lines = pushed.splitlines()
        self.assertEqual(lines[0], "redraft-topology 1")
        self.assertEqual(lines[1], "epoch %d" % epoch)
        ranges = split_slots(lc.shards)
        shard_lines = [l.split() for l in lines if l.startswith("shard ")]
        self.assertEqual(len(shard_lines), lc.shards, pushed)
        for s, group in enumerate(lc.groups):
            i = lines.index(" ".join(shard_lines[s]))
            nodes = [l.split() for l in lines[i + 1:i + 1 + len(group)]]
            ids = []
            for r, (node, port) in enumerate(zip(nodes, group)):
                with Client(port) as c:
                    myid = text(c.call("CLUSTER", "MYID"))
                self.assertEqual(node, ["node", myid, str(r + 1), "127.0.0.1", str(port), str(port + 10000)])
                ids.append(myid)
            self.assertEqual(shard_lines[s][1], hashlib.sha1(",".join(sorted(ids)).encode()).hexdigest())
            self.assertEqual(shard_lines[s][2], "%d-%d" % ranges[s])
        for p in lc.ports():
            with Client(p) as c:
                held = c.call("CLUSTER", "GETTOPOLOGY")
            self.assertIsInstance(held, bytes, p)
            self.assertEqual(held.decode().split(), pushed.split(), "node %d holds another topology" % p)

    def check_served(self, lc):
        """(Also used by LocalClusterSentinels.) Every node: cluster_state:ok and CLUSTER SLOTS has one range per shard, each
        naming the shard's current leader as master with the announced address."""
        ranges = split_slots(lc.shards)
        leaders = [lc.leader(s) for s in range(lc.shards)]
        for p in lc.ports():
            def ok():
                with Client(p) as c:
                    info = text(c.call("CLUSTER", "INFO"))
                    slots = slots_map(c.call("CLUSTER", "SLOTS"))
                return "cluster_state:ok\r\n" in info and [(a, b, m) for a, b, m, _, _ in slots] == \
                    [(a, b, leaders[s]) for s, (a, b) in enumerate(ranges)]
            if not wait_until(ok, SHARD_WAIT, 0.1):
                with Client(p) as c:
                    self.fail("node %d: %r\n%r (leaders %s)" % (p, c.call("CLUSTER", "INFO"),
                                                                  c.call("CLUSTER", "SLOTS"), leaders))
            with Client(p) as c:
                for a, b, m, replicas, entry in slots_map(c.call("CLUSTER", "SLOTS")):
                    s = lc.shard_of_slot(a)
                    self.assertEqual(entry[0], b"127.0.0.1")
                    self.assertTrue(HEX40.match(text(entry[2])), entry)
                    self.assertTrue(set(replicas) <= set(lc.groups[s]) - {m}, (replicas, lc.groups[s]))
        return leaders

    def test_start_status_stop_restart(self):
        lc = self.lc.start()
        out = lc.start_output
        self.assertIn("redraft: 2 shards x 3 nodes on 127.0.0.1 (cluster mode), 16384 slots, "
                      "topology epoch 1", out)
        self.assertIn("shard 1  slots 0-8191", out)
        self.assertIn("shard 2  slots 8192-16383", out)
        self.assertIn("connect:  redis-cli -c -p %d " % lc.base, out)
        self.assertEqual(out.count(" leader\n"), 2, out)

        pids = lc.pids()
        self.assertEqual(sorted(pids), lc.ports())
        self.assertTrue(all(alive(pid) for pid in pids.values()), pids)
        self.check_topology(lc, 1)
        leaders = self.check_served(lc)

        st = lc.run("status")
        self.assertEqual(st.returncode, 0, st.stdout + st.stderr)
        self.assertIn("shard 1 (slots 0-8191)", st.stdout)
        self.assertIn("shard 2 (slots 8192-16383)", st.stdout)
        blocks = st.stdout.split("shard 2 (slots")
        self.assertEqual(blocks[0].count("leader ("), 1, st.stdout)
        self.assertEqual(blocks[1].split("cluster_state:")[0].count("leader ("), 1, st.stdout)
        self.assertEqual(st.stdout.count(":ok"), 6, st.stdout)

        # Keys land on the shard that owns their slot, whichever node they are sent to.
        keys = ["lc:key:%d" % i for i in range(200)]
        for i, k in enumerate(keys):
            self.assertEqual(cluster_call(lc.ports()[i % 6], "SET", k, "v%d" % i), b"OK")
        for i, k in enumerate(keys):
            s = lc.shard_of_slot(key_slot(k))
            with Client(leaders[s]) as c:
                self.assertEqual(c.call("GET", k), b"v%d" % i)
            with Client(leaders[1 - s]) as c:
                r = c.call("GET", k, raise_errors=False)
            self.assertEqual(str(r), "MOVED %d 127.0.0.1:%d" % (key_slot(k), leaders[s]))
        self.assertEqual(set(lc.shard_of_slot(key_slot(k)) for k in keys), {0, 1})
        if REDIS_CLI:
            r = subprocess.run([REDIS_CLI, "-c", "-p", str(lc.base + 5), "GET", keys[0]],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.stdout.strip().splitlines()[-1], "v0", r.stdout)

        # stop: every saved process gone, nothing left that runs from the dir.
        sp = lc.stop()
        self.assertEqual(sp.returncode, 0, sp.stdout + sp.stderr)
        self.assertEqual(sp.stdout.count(": stopped"), 6, sp.stdout)
        self.assertEqual([pid for pid in pids.values() if alive(pid)], [])
        self.assertEqual(processes_mentioning(lc.dir), [])
        self.assertFalse(os.path.exists(os.path.join(lc.dir, "pids")))
        self.assertEqual(lc.run("status").returncode, 1)

        # Another shape on the same dir is refused before anything starts.
        bad = lc.run(*lc.start_args(shards=3))
        self.assertEqual(bad.returncode, 2, bad.stdout + bad.stderr)
        self.assertIn("start it with the same options", bad.stderr)
        self.assertFalse(os.path.exists(os.path.join(lc.dir, "pids")))

        # Restart: the data and the topology (same epoch, same text) come back.
        r = lc.run(*lc.start_args())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + lc.logs())
        self.assertIn("topology epoch 1,", r.stdout)
        self.assertTrue(set(lc.pids().values()).isdisjoint(pids.values()))
        self.check_topology(lc, 1)
        self.check_served(lc)
        for i, k in enumerate(keys):
            self.assertEqual(cluster_call(lc.base, "GET", k), b"v%d" % i, k)
        sp = lc.stop()
        self.assertEqual(sp.returncode, 0, sp.stdout + sp.stderr)
        self.assertEqual(processes_mentioning(lc.dir), [])


class LocalClusterSentinels(unittest.TestCase):
    """What `make cluster` starts (issue 5): 3 shards x 3 nodes + 3 sentinels. The
    sentinels create and push the topology (the launcher only waits for it), answer
    SENTINEL GET-MASTER-ADDR-BY-NAME for shard-0..2, show up in `status` with their place
    in their Raft group, and `stop` stops them too."""

    def setUp(self):
        self.lc = LocalCluster(3, 3, sentinels=3)

    def tearDown(self):
        reports = self.lc.sanitizer_reports()
        logs = self.lc.logs(200) if reports else ""
        self.lc.cleanup()
        self.assertEqual(reports, [], "sanitizer reports:\n" + logs)

    def check_sentinels_answer(self, lc):
        """Every sentinel names every shard's current leader."""
        for s, name in enumerate(lc.names()):
            for sp in lc.sentinel_ports():
                ok = wait_until(lambda: master_addr(sp, name) == ("127.0.0.1", lc.current_leader(s)), SHARD_WAIT, 0.1)
                self.assertTrue(ok, "sentinel %d says %s for %s, the shard's leader is %s:\n%s"
                                % (sp, master_addr(sp, name), name, lc.current_leader(s), lc.logs()))

    def test_cluster_with_sentinels(self):
        lc = self.lc.start()
        out = lc.start_output
        sports = lc.sentinel_ports()
        self.assertIn("redraft: 3 shards x 3 nodes on 127.0.0.1 (cluster mode), 16384 slots, topology epoch ", out)
        self.assertIn("(pushed by the sentinels)", out)
        for s, name in enumerate(lc.names()):
            self.assertIn("shard %d  slots " % (s + 1), out)
            self.assertIn("(master name %s)" % name, out)
        for i, sp in enumerate(sports):
            self.assertIn("sentinel %d: port %d  bus %d  pid " % (i + 1, sp, sp + 10000), out)
        self.assertIn("sentinels: redis-cli -p %d SENTINEL get-master-addr-by-name shard-0" % sports[0], out)

        # D/pids: the nine nodes and the three sentinels, all running.
        every = lc.pids(roles=None)
        self.assertEqual(sorted(lc.pids()), lc.ports())
        self.assertEqual(sorted(lc.pids(roles=("sentinel",))), sports)
        self.assertEqual(len(every), 12)
        self.assertTrue(all(alive(pid) for pid in every.values()), every)

        # Each sentinel's config: its own Raft group, one monitor per shard (seed = the
        # shard's first node, quorum 2 of 3), down-after 5 s.
        boot = ",".join("%d@127.0.0.1:%d" % (i + 1, p + 10000) for i, p in enumerate(sports))
        for i, sp in enumerate(sports):
            with open(os.path.join(lc.dir, "sentinel-%d" % sp, "sentinel.conf")) as f:
                conf = f.read().splitlines()
            for line in ("port %d" % sp, "cluster-port %d" % (sp + 10000), "raft-id %d" % (i + 1),
                         "raft-bootstrap " + boot, "dir " + os.path.join(lc.dir, "sentinel-%d" % sp)):
                self.assertIn(line, conf)
            for s, name in enumerate(lc.names()):
                self.assertIn("sentinel monitor %s 127.0.0.1 %d 2" % (name, lc.groups[s][0]), conf)
                self.assertIn("sentinel down-after-milliseconds %s 5000" % name, conf)

        # The sentinels pushed a topology: every node serves every slot, from the shard
        # that owns it, and holds the same topology (D/topology is a copy of it).
        leaders = LocalClusterTwoShards.check_served(self, lc)
        with open(os.path.join(lc.dir, "topology")) as f:
            held = f.read()
        for p in lc.ports():
            with Client(p) as c:
                self.assertEqual(text(c.call("CLUSTER", "GETTOPOLOGY")).split(), held.split(), p)
        self.check_sentinels_answer(lc)
        keys = ["lcs:key:%d" % i for i in range(60)]
        for i, k in enumerate(keys):
            self.assertEqual(cluster_call(lc.ports()[i % 9], "SET", k, "v%d" % i), b"OK")
        self.assertEqual(set(lc.shard_of_slot(key_slot(k)) for k in keys), {0, 1, 2})

        # status: the shards, then the sentinels with their place in their Raft group
        # (exactly one leader once the group has settled).
        def status_ok():
            st = lc.run("status")
            sent = st.stdout.split("\nsentinels\n")[-1]
            return st.returncode == 0 and sent.count("sentinel leader") == 1 \
                and sent.count("sentinel follower") == 2
        self.assertTrue(wait_until(status_ok, SHARD_WAIT, 0.2), lc.run("status").stdout)
        st = lc.run("status")
        for s in range(3):
            self.assertIn("shard %d (slots " % (s + 1), st.stdout)
        block = st.stdout.split("\nsentinels\n")[1]
        for sp in sports:
            self.assertRegex(block, r"sentinel +%d +%d +alive +sentinel (leader|follower)" % (sp, every[sp]))
        self.assertEqual(st.stdout.split("\nsentinels\n")[0].count("leader ("), 3, st.stdout)
        self.assertEqual(st.stdout.count(":ok"), 9, st.stdout)
        # They agree on one acting sentinel (INFO raft), the one status calls leader.
        act = current_acting(sports)
        infos = [raft_info(sp) for sp in sports]
        self.assertIsNotNone(act, infos)
        self.assertEqual({i["raft_leader_id"] for i in infos}, {str(sports.index(act) + 1)}, infos)
        self.assertRegex(block, r"sentinel +%d +%d +alive +sentinel leader" % (act, every[act]))

        # stop: sentinels and nodes, nothing left running from the dir.
        sp_ = lc.stop()
        self.assertEqual(sp_.returncode, 0, sp_.stdout + sp_.stderr)
        self.assertEqual(sp_.stdout.count(": stopped"), 12, sp_.stdout)
        self.assertEqual(sp_.stdout.count("sentinel port "), 3, sp_.stdout)
        self.assertEqual([pid for pid in every.values() if alive(pid)], [])
        self.assertEqual(processes_mentioning(lc.dir), [])
        self.assertFalse(os.path.exists(os.path.join(lc.dir, "pids")))
        self.assertEqual(lc.run("status").returncode, 1)

        # Restart on the same dir: the sentinels come back from their own state, the
        # nodes serve every slot again, the data is there, and the sentinels answer.
        r = lc.run(*lc.start_args())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + lc.logs())
        self.assertTrue(set(lc.pids(roles=None).values()).isdisjoint(every.values()))
        LocalClusterTwoShards.check_served(self, lc)
        self.check_sentinels_answer(lc)
        for i, k in enumerate(keys):
            self.assertEqual(cluster_call(lc.base, "GET", k), b"v%d" % i, k)
        sp_ = lc.stop()
        self.assertEqual(sp_.returncode, 0, sp_.stdout + sp_.stderr)
        self.assertEqual(processes_mentioning(lc.dir), [])

    def test_password_protected_cluster(self):
        # `-- --requirepass PW`: the launcher gives the nodes masterauth too (they call
        # each other) and the sentinels `sentinel auth-pass`; the sentinels then discover
        # every member, push the topology and drive a failover through the passwords.
        self.lc.cleanup()
        lc = self.lc = LocalCluster(2, 3, sentinels=3, node_args=["--requirepass", "s3cret"])
        lc.start()
        for port in lc.ports():
            with Client(port) as c:
                self.assertEqual(c.call("AUTH", "s3cret"), b"OK")
                self.assertIn(b"cluster_state:ok", c.call("CLUSTER", "INFO"))
        sp = lc.sentinel_ports()[0]
        for name in lc.names():
            def members_seen():
                r = Client(sp).call("SENTINEL", "MASTER", name, raise_errors=False)
                d = {text(r[i]): text(r[i + 1]) for i in range(0, len(r), 2)} if isinstance(r, list) else {}
                return d.get("num-slaves") == "2" and d.get("flags") == "master"
            self.assertTrue(wait_until(members_seen, SHARD_WAIT, 0.1), lc.logs())
        before = master_addr(sp, "shard-0")
        with Client(sp) as c:
            self.assertEqual(c.call("SENTINEL", "FAILOVER", "shard-0"), b"OK")
        self.assertTrue(wait_until(lambda: master_addr(sp, "shard-0") not in (None, before), SHARD_WAIT, 0.05),
                        lc.logs())

    def test_spares_are_started_and_listed(self):
        # A standalone shard with one spare: the spare runs (raft-spare yes), every
        # sentinel.conf lists it, status shows it, stop stops it.
        self.lc.cleanup()
        lc = self.lc = LocalCluster(1, 3, sentinels=3, standalone=True, spares=1)
        lc.start()
        spare = lc.spare_ports()
        self.assertEqual(sorted(lc.pids(roles=("spare",))), spare)
        self.assertIn("spare 1: port %d" % spare[0], lc.start_output)
        self.assertIn("sentinels: redis-cli -p %d SENTINEL get-master-addr-by-name mymaster"
                      % lc.sentinel_ports()[0], lc.start_output)
        for sp in lc.sentinel_ports():
            with open(os.path.join(lc.dir, "sentinel-%d" % sp, "sentinel.conf")) as f:
                conf = f.read().splitlines()
            self.assertIn("sentinel spare 127.0.0.1 %d" % spare[0], conf)
            self.assertIn("sentinel monitor mymaster 127.0.0.1 %d 2" % lc.groups[0][0], conf)
        self.check_sentinels_answer(lc)
        st = lc.run("status")
        self.assertEqual(st.returncode, 0, st.stdout)
        self.assertIn("\nspares\n", st.stdout)
        self.assertRegex(st.stdout, r"spare +%d +%d +alive" % (spare[0], lc.pids(roles=("spare",))[spare[0]]))
        pids = lc.pids(roles=None)
        self.assertEqual(len(pids), 7)
        sp_ = lc.stop()
        self.assertEqual(sp_.stdout.count(": stopped"), 7, sp_.stdout)
        self.assertEqual([pid for pid in pids.values() if alive(pid)], [])
        self.assertEqual(processes_mentioning(lc.dir), [])


class LocalClusterOptions(unittest.TestCase):
    def setUp(self):
        self.lc = LocalCluster(1, 3)

    def tearDown(self):
        reports = self.lc.sanitizer_reports()
        self.lc.cleanup()
        self.assertEqual(reports, [])

    def test_bad_options_start_nothing(self):
        self.lc.base = free_port_range(6)
        for args, msg in ((["--standalone", "--shards", "2"], "--standalone runs one shard"),
                          (["--shards", "0"], "must be >= 1"),
                          (["--replicas", "0"], "must be >= 1"),
                          (["--sentinels", "-1"], "--sentinels and --spares >= 0"),
                          (["--spares", "1", "--sentinels", "0"], "--spares needs sentinels"),
                          (["--standalone", "--name", "my master"], "a master name is"),
                          (["--sentinel-port", self.lc.base + 2], "overlap the nodes'")):
            r = self.lc.run("start", "--base-port", self.lc.base, "--bin", os.path.join(BIN, "redraft-node"), *args)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn(msg, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(self.lc.dir, "pids")))
        # A missing sentinel binary is named (and --sentinels 0 suggested) before anything starts.
        r = self.lc.run("start", "--base-port", self.lc.base, "--bin", os.path.join(BIN, "redraft-node"),
                        "--sentinel-bin", os.path.join(self.lc.dir, "no-such-redraft-sentinel"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no-such-redraft-sentinel not found", r.stderr)
        self.assertIn("--sentinels 0", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.lc.dir, "pids")))

    def test_single_shard_keeps_its_report(self):
        # One shard: no topology push (the nodes own every slot by themselves) and the
        # report the Raft issue's scripts read.
        lc = self.lc.start()
        lines = lc.start_output.splitlines()
        self.assertEqual(lines[0], "redraft: 1 shard of 3 nodes on 127.0.0.1 (cluster mode), data under %s"
                         % os.path.abspath(lc.dir))
        leader = lc.leader(0)
        self.assertIn("connect:  redis-cli -c -p %d      (the leader; -c follows -MOVED from any node)"
                      % leader, lines)
        self.assertFalse(os.path.exists(os.path.join(lc.dir, "topology")))
        for p in lc.ports():
            def ok():
                with Client(p) as c:
                    s = c.call("CLUSTER", "SLOTS")
                return len(s) == 1 and s[0][:2] == [0, 16383] and s[0][2][1] == leader
            self.assertTrue(wait_until(ok, SHARD_WAIT, 0.1), p)
        st = lc.run("status")
        self.assertEqual(st.returncode, 0, st.stdout)
        self.assertNotIn("shard 1 (", st.stdout)
        self.assertEqual(st.stdout.count("leader ("), 1, st.stdout)
        self.assertEqual(lc.stop().returncode, 0)
        self.assertEqual(processes_mentioning(lc.dir), [])


if __name__ == "__main__":
    main()
