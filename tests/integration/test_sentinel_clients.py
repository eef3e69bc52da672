"""Sentinel-aware client libraries against a standalone redraft shard of 3 nodes watched
by 3 redraft-sentinels (issue 5; harness.Shard and harness.SentinelGroup on free ports,
`sentinel monitor mymaster <first node> 2`): ioredis 6.0.0 (`new Redis({sentinels, name})`, with
`failoverDetector: true`), node-redis 6.3.1 (`createSentinel`) and redis-py 4.3
(`redis.sentinel.Sentinel`, Debian's python3-redis).

Each client connects through the sentinels and writes/reads keys, then keeps one INCR in
flight at a time while the test (1) sends SENTINEL FAILOVER mymaster to a sentinel and
(2) kill -9s the leader the sentinels then name. After each fault the client must have
an INCR acknowledged by the new leader within RECOVERY_BOUND seconds, and at the end the
counter must hold at least every acknowledged INCR (none lost). The measured re-resolve
times are printed (the issue wants them under two seconds; they are reported, not
asserted: timing on a shared machine is not a correctness property). ioredis must also
have received +switch-master on its FailoverDetector subscriptions.

The JavaScript side is clients/sentinel.js (it prints JSON; the assertions are here);
the npm packages are installed as test_clients.py installs them.
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
from harness import SHARD_WAIT, Client, Shard, main, wait_until  # noqa: E402
from sentinel_util import (describe_group, healthy_replica_ports, master_addr, sentinel_group,  # noqa: E402
                           stop_all)
from test_clients import (CLIENTS_DIR, IOREDIS_VERSION, NODE_REDIS_VERSION,  # noqa: E402
                          ensure_node_modules)

try:
    import redis
    import redis.sentinel
except ImportError:
    # Debian's python3-redis (make deps) lives in the system interpreter's dist-packages;
    # a python3 from elsewhere (pyenv, venv) does not see it. It is pure Python.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import redis
        import redis.sentinel
    except ImportError:
        redis = None

SCRIPT = os.path.join(CLIENTS_DIR, "sentinel.js")
NAME = "mymaster"
# How long a client may take to write to the new leader after a fault (generous: the
# issue's target is 2 s, checked by eye from the printed figures and by the benchmark).
RECOVERY_BOUND = 20.0


def report(client, phases):
    figures = ", ".join("%s %s ms" % (p["what"], p.get("recovered_ms")) for p in phases)
    sys.stderr.write("\n  [%s] re-resolve (fault -> first INCR acknowledged by the new leader): %s\n"
                     % (client, figures))


class SentinelClients(unittest.TestCase):
    """One shard and one sentinel group for the class. Each test leaves the shard with a
    new leader and one member killed; setUp brings that member back and waits until the
    shard and the sentinels are as a fresh start leaves them (every member following one
    leader, every sentinel naming it and seeing both followers as good replicas), so the
    tests do not depend on each other's order."""

    @classmethod
    def setUpClass(cls):
        cls.shard = Shard(3).start()
        seed = cls.shard.nodes[0].port
        try:
            cls.group = sentinel_group([(NAME, seed)], ["sentinel down-after-milliseconds %s 5000" % NAME])
        except BaseException:
            stop_all(shards=[cls.shard])
            raise
        cls.sentinels = [s.port for s in cls.group.sentinels]

    @classmethod
    def tearDownClass(cls):
        bad = stop_all(cls.group, [cls.shard])
        if bad:
            raise AssertionError("exit codes / sanitizer reports:\n" + "\n".join(bad))

    def setUp(self):
        for n in self.shard.nodes:
            if not n.alive():
                n.stop()      # reaps a member the previous test killed
                self.shard.restart(n)
        leader = self.shard.leader()
        for n in self.shard.followers(leader):
            self.shard.wait_follows(n, leader)
        followers = sorted(n.port for n in self.shard.followers(leader))
        # Every sentinel names the shard's leader before a client is let loose.
        for p in self.sentinels:
            if not wait_until(lambda: master_addr(p, NAME) == ("127.0.0.1", leader.port)
                              and healthy_replica_ports(p, NAME) == followers, SHARD_WAIT, 0.05):
                raise AssertionError("sentinel %d names %s with good replicas %s; the leader is %d, "
                                     "the followers %s:\n%s" % (p, master_addr(p, NAME),
                                                                 healthy_replica_ports(p, NAME), leader.port,
                                                                 followers, self.logs()))

    def tearDown(self):
        # The processes outlive the test, so a crash during it is caught here: a dead
        # sentinel, a node that exited other than by the test's kill -9, a sanitizer report.
        dead = [x.port for x in self.group.sentinels if not x.alive()]
        crashed = [(n.port, n.proc.returncode) for n in self.shard.nodes
                   if n.proc is not None and n.proc.poll() is not None and n.proc.returncode != -signal.SIGKILL]
        reports = [n.port for n in self.group.sanitizer_reports() + self.shard.sanitizer_reports()]
        self.assertEqual((dead, crashed, reports), ([], [], []),
                         "dead sentinels / crashed nodes / sanitizer reports:\n" + self.logs(400))

    def ports(self):
        return [n.port for n in self.shard.nodes]

    def pids(self):
        return {n.port: n.proc.pid for n in self.shard.nodes if n.alive()}

    def logs(self, lines=30):
        return self.shard.describe() + "\n" + describe_group(self.group, lines)

    def published(self):
        """(host, port) the first answering sentinel names for NAME, or None."""
        for p in self.sentinels:
            a = master_addr(p, NAME)
            if a is not None:
                return a
        return None

    # ---- the JavaScript clients ------------------------------------------------------

    def run_js(self, which):
        ensure_node_modules()
        cfg = {"name": NAME, "sentinels": self.sentinels, "host": "127.0.0.1",
               "pids": {str(p): pid for p, pid in self.pids().items()},
               "bound_ms": int(RECOVERY_BOUND * 1000)}
        r = subprocess.run(["node", SCRIPT, which, json.dumps(cfg)], cwd=CLIENTS_DIR,
                           capture_output=True, timeout=4 * RECOVERY_BOUND + 120,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise AssertionError("sentinel.js exited %d:\n%s\n%s" % (
                r.returncode, r.stdout.decode(errors="replace")[-4000:],
                r.stderr.decode(errors="replace")[-4000:]))
        out = json.loads(r.stdout.decode().strip().splitlines()[-1])
        if "phases" in out:
            report(which, out["phases"])
        return out

    def check_js(self, out):
        ctx = json.dumps(out)[:6000] + "\n" + self.logs(30)
        self.assertNotIn("error", out, ctx)
        self.assertEqual(out["versions"], {"ioredis": IOREDIS_VERSION, "redis": NODE_REDIS_VERSION})
        self.assertEqual(out["connect"], "ready", ctx)
        self.assertEqual(out["set"], "OK", ctx)
        self.assertEqual(out["get"], "v1", ctx)
        self.assertEqual(out["set_many"], 50, ctx)
        nodes = set(self.ports())
        self.assertEqual([p["what"] for p in out["phases"]], ["failover", "kill"], ctx)
        for ph in out["phases"]:
            self.assertNotIn("error", ph, ctx)
            self.assertIn(ph["old"]["port"], nodes, ctx)
            self.assertIsNotNone(ph["recovered_ms"], "the client did not write to a new leader within "
                                 "%ss of the %s:\n%s" % (RECOVERY_BOUND, ph["what"], ctx))
            self.assertLessEqual(ph["recovered_ms"], RECOVERY_BOUND * 1000, ctx)
            self.assertIn(ph["served_by"], nodes - {ph["old"]["port"]}, ctx)
            # The sentinels name the node the client moved to, and it keeps taking writes.
            self.assertEqual(ph["new"]["port"], ph["served_by"], ctx)
            self.assertGreaterEqual(ph["acked_after"], 50, ctx)
        self.assertEqual(out["phases"][0]["action"], "OK", ctx)
        self.assertTrue(out["phases"][1]["action"].startswith("killed pid "), ctx)
        # No acknowledged INCR lost: the counter holds every one of them (it may hold more:
        # an INCR whose reply was lost in a fault may have been applied, or resent).
        self.assertIsInstance(out["final"], int, ctx)
        self.assertGreaterEqual(out["final"], out["acked"], ctx)
        self.assertGreaterEqual(out["final"], out["last_value"], ctx)
        self.assertGreater(out["acked"], 200, ctx)
        self.assertEqual(out["get_after"], "v7", ctx)

    def test_ioredis(self):
        out = self.run_js("ioredis")
        self.check_js(out)
        # failoverDetector: true subscribed +switch-master on the sentinels and the
        # failover's message reached it, in Redis Sentinel's payload format.
        ctx = json.dumps(out)[:6000]
        self.assertGreaterEqual(out["failover_subscribed"], 1, ctx)
        fo = out["phases"][0]
        want = "%s %s %d %s %d" % (NAME, fo["old"]["host"], fo["old"]["port"], fo["new"]["host"], fo["new"]["port"])
        got = [m for m in out["switch_master"] if m["t"] >= fo["t0"]]
        self.assertTrue(got, ctx)
        self.assertTrue(all(m["channel"] == "+switch-master" for m in got), ctx)
        self.assertIn(want, [m["message"] for m in got], ctx)
        sys.stderr.write("  [ioredis] +switch-master after SENTINEL FAILOVER: %.1f ms\n"
                         % (min(m["t"] for m in got if m["message"] == want) - fo["t0"]))

    def test_node_redis(self):
        out = self.run_js("node-redis")
        self.check_js(out)

    # ---- redis-py ----------------------------------------------------------------------

    def test_redis_py(self):
        self.assertIsNotNone(redis, "redis-py is not installed: run `make deps` (Debian's python3-redis)")
        self.assertTrue(redis.__version__.startswith("4."), redis.__version__)
        sentinel = redis.sentinel.Sentinel([("127.0.0.1", p) for p in self.sentinels], socket_timeout=2.0)
        master = sentinel.master_for(NAME, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.assertIn(sentinel.discover_master(NAME), [("127.0.0.1", p) for p in self.ports()])
        self.assertTrue(master.set("pyk", "v1"))
        self.assertEqual(master.get("pyk"), b"v1")
        for i in range(50):
            master.set("pyk:%d" % i, "v%d" % i)
        self.assertEqual([master.get("pyk:%d" % i) for i in range(50)], [b"v%d" % i for i in range(50)])

        acked, errors, stop = [], [0], threading.Event()
        last = {"value": 0, "error": None}

        def write():
            while not stop.is_set():
                try:
                    v = master.incr("pyctr")
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                        redis.exceptions.ResponseError) as e:
                    errors[0] += 1
                    last["error"] = repr(e)
                    time.sleep(0.005)
                    continue
                # One writer thread: its connection is to the address the pool last
                # resolved through the sentinels.
                addr = master.connection_pool.master_address
                acked.append((time.monotonic(), addr[1] if addr else None))
                last["value"] = v

        t = threading.Thread(target=write, daemon=True)
        t.start()
        phases = []
        try:
            for what in ("failover", "kill"):
                phases.append(self.py_phase(what, acked, last))
        finally:
            stop.set()
            t.join(30)
        report("redis-py", phases)
        self.assertFalse(t.is_alive())
        final = None
        deadline = time.time() + RECOVERY_BOUND
        while time.time() < deadline:
            try:
                final = int(master.get("pyctr"))
                break
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                time.sleep(0.1)
        ctx = "acked %d errors %d last %r final %r phases %r" % (len(acked), errors[0], last, final, phases)
        self.assertIsNotNone(final, ctx)
        # No acknowledged INCR lost; redis-py never resends, so at most the ones that
        # failed without a reply may have been applied on top.
        self.assertGreaterEqual(final, len(acked), ctx)
        self.assertLessEqual(final, len(acked) + errors[0], ctx)
        self.assertEqual(master.get("pyk:7"), b"v7")

    def py_phase(self, what, acked, last):
        old = self.published()
        self.assertIsNotNone(old, "no sentinel names a master before the %s" % what)
        n0 = sum(1 for _, p in acked if p == old[1])
        ok = self.wait(lambda: sum(1 for _, p in acked if p == old[1]) >= n0 + 20, RECOVERY_BOUND)
        self.assertTrue(ok, "no INCR acknowledged by the leader %d before the %s (last %r)" % (old[1], what, last))
        t0 = time.monotonic()
        if what == "failover":
            with Client(self.sentinels[0], timeout=5) as c:
                self.assertEqual(c.call("SENTINEL", "FAILOVER", NAME), b"OK")
        else:
            self.shard.kill(next(n for n in self.shard.nodes if n.port == old[1]))

        def first_new():
            return next(((t, p) for t, p in list(acked) if t > t0 and p is not None and p != old[1]), None)
        ok = self.wait(lambda: first_new() is not None, RECOVERY_BOUND)
        self.assertTrue(ok, "redis-py wrote to no new leader within %ss of the %s (last %r):\n%s"
                        % (RECOVERY_BOUND, what, last, self.logs(30)))
        t1, port = first_new()
        self.assertIn(port, set(self.ports()) - {old[1]})
        n1 = len(acked)
        self.assertTrue(self.wait(lambda: len(acked) >= n1 + 50, 10), "no writes after the %s" % what)
        self.assertEqual(self.published(), ("127.0.0.1", port))
        if what == "failover":
            time.sleep(0.5)   # the old leader catches up as a follower before the kill
        return {"what": what, "old": old[1], "new": port, "recovered_ms": round((t1 - t0) * 1000, 1)}

    @staticmethod
    def wait(pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.002)
        return pred()


if __name__ == "__main__":
    main()
