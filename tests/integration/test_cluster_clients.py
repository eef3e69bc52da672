"""Cluster clients against a local hash-slot cluster (issue 4): 3 shards x 3 nodes started
by scripts/local-cluster on free ports. redis-cli -c across many slots; ioredis
Redis.Cluster and node-redis createCluster (pinned in clients/package.json, installed by
test_clients.ensure_node_modules) doing SET/GET/INCR/HSET/ZADD/MGET with hash tags,
pipelines over several slots; a pub/sub message published on every node reaching
subscribers that the clients placed on one node; and both clients writing while a
shard's leader is killed with SIGKILL: writes to that shard resume (the clients follow
the new leader through CLUSTER SLOTS / -MOVED) and every acknowledged write is readable
afterwards. clients/cluster.js prints what the libraries returned; this file asserts.

The failover test runs last (unittest orders by name): it leaves one node dead.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REDIS_CLI, SANITIZE, SHARD_WAIT, Client, RespError,  # noqa: E402
                     key_slot, main, wait_until)
from test_clients import IOREDIS_VERSION, NODE_REDIS_VERSION, ensure_node_modules  # noqa: E402
from test_local_cluster import LocalCluster, cluster_call, split_slots  # noqa: E402

CLIENTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients")
SCRIPT = os.path.join(CLIENTS_DIR, "cluster.js")
JS_TIMEOUT = 600 if SANITIZE else 240


def run_js(*args):
    r = subprocess.run(["node", SCRIPT] + [str(a) for a in args], cwd=CLIENTS_DIR, capture_output=True,
                       timeout=JS_TIMEOUT, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise AssertionError("cluster.js %s exited %d:\n%s\n%s" % (
            args[0], r.returncode, r.stdout.decode(errors="replace")[-4000:],
            r.stderr.decode(errors="replace")[-4000:]))
    return json.loads(r.stdout.decode())


def tag_in(first, last, prefix="t"):
    """A hash tag whose slot is in [first, last]."""
    for i in range(1000000):
        if first <= key_slot(prefix + str(i)) <= last:
            return prefix + str(i)
    raise ValueError((first, last))


class ClusterClients(unittest.TestCase):
    SHARDS, REPLICAS = 3, 3

    @classmethod
    def setUpClass(cls):
        ensure_node_modules()
        cls.lc = LocalCluster(cls.SHARDS, cls.REPLICAS).start()
        cls.ranges = split_slots(cls.SHARDS)
        cls.killed = set()    # ports of nodes a test killed

    @classmethod
    def tearDownClass(cls):
        reports = cls.lc.sanitizer_reports()
        logs = cls.lc.logs(200) if reports else ""
        cls.lc.cleanup()
        if reports:
            raise AssertionError("sanitizer reports on %s:\n%s" % (reports, logs))

    @classmethod
    def live_ports(cls):
        return [p for p in cls.lc.ports() if p not in cls.killed]

    def leaders(self):
        return ["127.0.0.1:%d" % self.lc.leader(s, exclude=self.killed) for s in range(self.SHARDS)]

    def wait_slots_agree(self, exclude=()):
        """Every live node's CLUSTER SLOTS names every shard's current leader."""
        exclude = set(exclude) | self.killed
        leaders = [self.lc.leader(s, exclude=exclude) for s in range(self.SHARDS)]

        def ok():
            for p in self.lc.ports():
                if p in exclude:
                    continue
                try:
                    with Client(p, timeout=2) as c:
                        slots = c.call("CLUSTER", "SLOTS")
                except (OSError, ConnectionError, RespError):
                    return False
                if sorted((r[0], r[1], r[2][1]) for r in slots) != \
                        [(a, b, leaders[s]) for s, (a, b) in enumerate(self.ranges)]:
                    return False
            return True
        self.assertTrue(wait_until(ok, SHARD_WAIT, 0.1), "CLUSTER SLOTS do not agree on %s" % leaders)
        return leaders

    # ---- redis-cli -c ------------------------------------------------------------------

    @unittest.skipUnless(REDIS_CLI, "redis-cli is not installed")
    def test_redis_cli_follows_moved(self):
        self.wait_slots_agree()
        ports = self.live_ports()
        # One command per invocation, from every node in turn.
        for i in range(45):
            k = "cli:one:%d" % i
            r = subprocess.run([REDIS_CLI, "-c", "-p", str(ports[i % len(ports)]), "SET", k, "v%d" % i],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.stdout.strip().splitlines()[-1], "OK", (k, r.stdout, r.stderr))
            r = subprocess.run([REDIS_CLI, "-c", "-p", str(ports[(i + 4) % len(ports)]), "GET", k],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.stdout.strip().splitlines()[-1], "v%d" % i, (k, r.stdout, r.stderr))
        # Many commands through one connection (stdin), redirected as they go.
        n = 600
        cmds = "".join("SET cli:many:%d m%d\n" % (i, i) for i in range(n))
        r = subprocess.run([REDIS_CLI, "-c", "-p", str(ports[4])], input=cmds, capture_output=True,
                           text=True, timeout=120)
        replies = [l for l in r.stdout.splitlines() if not l.startswith("-> Redirected")]
        self.assertEqual(replies, ["OK"] * n, r.stdout[-2000:] + r.stderr)
        self.assertIn("-> Redirected to slot", r.stdout)
        slots = set(key_slot("cli:many:%d" % i) for i in range(n))
        self.assertGreater(len(slots), 500)
        cmds = "".join("GET cli:many:%d\n" % i for i in range(n))
        r = subprocess.run([REDIS_CLI, "-c", "-p", str(ports[-1])], input=cmds, capture_output=True,
                           text=True, timeout=120)
        replies = [l for l in r.stdout.splitlines() if not l.startswith("-> Redirected")]
        self.assertEqual(replies, ["m%d" % i for i in range(n)], r.stdout[-2000:] + r.stderr)
        # Each key is on the shard that owns its slot.
        leaders = [self.lc.leader(s, exclude=self.killed) for s in range(self.SHARDS)]
        counts = [0] * self.SHARDS
        for i in range(0, n, 7):
            k = "cli:many:%d" % i
            s = self.lc.shard_of_slot(key_slot(k))
            counts[s] += 1
            with Client(leaders[s]) as c:
                self.assertEqual(c.call("GET", k), b"m%d" % i)
        self.assertTrue(all(counts), counts)

    # ---- ioredis / node-redis ------------------------------------------------------------

    @classmethod
    def ops(cls):
        if not hasattr(cls, "_ops"):
            cls._ops = run_js("ops", cls.live_ports()[0], json.dumps(cls.ranges))
        return cls._ops

    def check_common(self, r, name):
        self.assertEqual(r["connect"], "ready" if name == "ioredis" else True, r)
        many = r["many"]
        self.assertEqual((many["set_ok"], many["get_ok"]), (300, 300), many)
        self.assertGreater(many["slots"], 250, many)
        self.assertEqual(r["masters"], sorted(self.leaders()), r)
        self.assertEqual(r["incr"], [1, 2, 12], r)
        self.assertEqual(r["hset"], 2, r)
        self.assertEqual(r["hgetall"], {"name": "ann", "age": "42"}, r)
        self.assertEqual(r["zadd"], 3, r)
        self.assertEqual(r["mset"], "OK", r)
        self.assertEqual(r["mget"], ["1", "2", None], r)
        self.assertEqual(r["del"], 300 if name == "ioredis" else 800, r)

    def test_ioredis_cluster(self):
        self.wait_slots_agree()
        out = self.ops()
        self.assertEqual(out["versions"], {"ioredis": IOREDIS_VERSION, "redis": NODE_REDIS_VERSION})
        io = out["ioredis"]
        self.check_common(io, "ioredis")
        self.assertEqual(io["zrange"], ["a", "1", "b", "2", "c", "3"], io)
        self.assertEqual(io["mget_crossslot"], {"error": "CROSSSLOT Keys in request don't hash to the same slot"}, io)
        # 7 keys in 7 slots of one shard in one pipeline.
        self.assertEqual(io["pipeline"], {"slots": 7, "replies": ["OK"] * 6 + ["p%d" % i for i in range(6)] + [1]}, io)
        self.assertEqual(io["pipeline_1000"], {"count": 1000, "errors": 0, "last": 1000}, io)
        self.assertEqual(io["quit"], "OK", io)

    def test_node_redis_cluster(self):
        self.wait_slots_agree()
        nr = self.ops()["node_redis"]
        self.check_common(nr, "node_redis")
        self.assertEqual(nr["zrange"], [["a", 1], ["b", 2], ["c", 3]], nr)
        self.assertEqual(nr["mget_split"], ["F", "B", None], nr)
        self.assertEqual(nr["concurrent"], {"count": 500, "set_ok": 500, "get_ok": 500}, nr)
        self.assertIs(nr["close"], True, nr)

    # ---- pub/sub -------------------------------------------------------------------------

    def test_pubsub_across_nodes_raw(self):
        # SUBSCRIBE on a follower of shard 1, PUBLISH on every node (each shard's
        # leader and followers): the message arrives from each.
        leaders = self.wait_slots_agree()
        ports = self.live_ports()
        sub_port = [p for p in self.lc.groups[0] if p != leaders[0] and p not in self.killed][0]
        with Client(sub_port) as sub:
            self.assertEqual(sub.call("SUBSCRIBE", "raw:chan"), [b"subscribe", b"raw:chan", 1])
            with Client(sub_port) as psub:
                psub.call("PSUBSCRIBE", "raw:*")
                for p in ports:
                    with Client(p) as pub:
                        n = pub.call("PUBLISH", "raw:chan", "hello-%d" % p)
                    self.assertIsInstance(n, int)
                    if p == sub_port:
                        self.assertEqual(n, 2)    # the local receivers, as Redis counts
                    self.assertEqual(sub.read_reply(), [b"message", b"raw:chan", b"hello-%d" % p])
                    self.assertEqual(psub.read_reply(), [b"pmessage", b"raw:*", b"raw:chan", b"hello-%d" % p])

    def test_pubsub_clients(self):
        self.wait_slots_agree()
        ports = self.live_ports()
        out = run_js("pubsub", ports[0], json.dumps(ports))
        for name, chan in (("ioredis", "io"), ("ioredis_pattern", "iop"), ("node_redis", "nr")):
            r = out[name]
            self.assertNotIn("error", r, r)
            channels = set(ch for ch, _ in r["received"])
            self.assertEqual(len(channels), 1, r)
            self.assertTrue(channels.pop().startswith("chan:%s:" % chan), r)
            self.assertEqual(sorted(m for _, m in r["received"]), sorted("from-%d" % p for p in ports), r)
            self.assertTrue(all(isinstance(v, int) for v in r["publish"].values()), r)
            # Exactly one node holds the subscriber connection.
            self.assertEqual(sum(r["publish"].values()), 1, r)

    # ---- leader killed under load ----------------------------------------------------------

    def test_zz_leader_killed_clients_follow(self):
        leaders = self.wait_slots_agree()
        victim_shard = 0
        victim = leaders[victim_shard]
        tags = [tag_in(a, b) for a, b in self.ranges]
        seed = [p for p in self.lc.ports() if p != victim][0]
        proc = subprocess.Popen(["node", SCRIPT, "failover", str(seed), json.dumps(tags),
                                 str(JS_TIMEOUT // 2)],
                                cwd=CLIENTS_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        # Read the child's stdout in a thread so a hung child cannot hang the test.
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        try:
            self.assertTrue(wait_until(lambda: len(lines) >= 1 or proc.poll() is not None, JS_TIMEOUT, 0.05),
                            "cluster.js failover never got ready")
            self.assertEqual(json.loads(lines[0])["event"], "ready", lines[0])
            os.kill(self.lc.pids()[victim], signal.SIGKILL)
            self.killed.add(victim)
            t0 = time.time()
            proc.stdin.write(b"killed\n")
            proc.stdin.flush()
            proc.wait(timeout=JS_TIMEOUT)
            reader.join(30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdin.close()
        elapsed = time.time() - t0
        err = proc.stderr.read().decode(errors="replace")
        proc.stdout.close()
        proc.stderr.close()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(len(lines), 2, (lines, err))
        out = json.loads(lines[1])
        summary = {w: {k: v for k, v in out[w].items() if k != "acked"} for w in ("io", "nr")}
        if os.environ.get("REDRAFT_TEST_VERBOSE"):
            sys.stderr.write("failover: %.1fs %s\n" % (elapsed, summary))
        self.assertTrue(out["killed"], summary)
        self.assertFalse(out["timed_out"], "writes did not resume on every shard in time (%.1fs): %s"
                         % (elapsed, summary))

        new_leader = self.lc.leader(victim_shard, exclude=(victim,))
        self.assertNotEqual(new_leader, victim)
        self.wait_slots_agree(exclude=(victim,))
        for w in ("io", "nr"):
            r = out[w]
            self.assertTrue(all(n >= 20 for n in r["acked_after_kill"]), summary)
            # Every acknowledged write is there, on the shard that owns it (pipelined
            # reads per leader).
            by_shard = [[] for _ in range(self.SHARDS)]
            for k, v in r["acked"]:
                by_shard[self.lc.shard_of_slot(key_slot(k))].append((k, v))
            for s, items in enumerate(by_shard):
                self.assertTrue(items, "no acknowledged write on shard %d" % (s + 1))
                port = self.lc.leader(s, exclude=(victim,))
                with Client(port, timeout=SHARD_WAIT) as c:
                    for i in range(0, len(items), 500):
                        chunk = items[i:i + 500]
                        got = c.pipeline([("GET", k) for k, _ in chunk])
                        lost = [(k, v, g) for (k, v), g in zip(chunk, got) if g != v.encode()]
                        self.assertEqual(lost, [], "%s: acknowledged writes missing on shard %d (port %d)"
                                         % (w, s + 1, port))
        # A follower that was not killed still redirects to the new leader.
        k = "{%s}:after" % tags[victim_shard]
        self.assertEqual(cluster_call(seed, "SET", k, "1"), b"OK")
        other = [p for p in self.lc.groups[1] if p != victim][0]
        with Client(other) as c:
            self.assertEqual(str(c.call("GET", k, raise_errors=False)),
                             "MOVED %d 127.0.0.1:%d" % (key_slot(k), new_leader))


if __name__ == "__main__":
    main()
