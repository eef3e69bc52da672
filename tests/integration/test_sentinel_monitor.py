"""Sentinel health checks and leader view (sentinel/monitor.c, sentinel/peers.c).

Real processes: a 3-node standalone shard and 3 redraft-sentinels bootstrapping their
own Raft group, monitoring the shard as "mymaster" from one seed address. Checks what
Sentinel-aware clients rely on: SENTINEL GET-MASTER-ADDR-BY-NAME names the shard's Raft
leader, REPLICAS the followers (discovered from the seed's INFO raft member list),
SENTINELS the other sentinels; kill -9 of the leader publishes +switch-master with the
new leader (time measured and printed) and +sdown for the dead node; its restart
-sdown; with one sentinel killed the other two still answer and still publish; with
the whole shard paused the leader goes +sdown and +odown (quorum 2); a member removed
from the shard's Raft configuration is dropped, a new one discovered.
"""
import signal
import sys
import time
import unittest

import harness
from harness import RespError, Shard, reply_map, wait_until
from sentinel_util import (WAIT, EventWatcher, call, current_acting, describe_group, live, master_addr, raft_info,
                           replicas, sentinel_group, sentinel_map, stop_all, text, wait_master_addr)

NAME = "mymaster"
DOWN_AFTER_MS = 1000
# What the monitor publishes (the watchers subscribe to these).
CHANNELS = ("+switch-master", "+sdown", "-sdown", "+odown", "-odown", "+slave", "+reboot")


class SentinelMonitorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shard = Shard(3).start()
        seed = cls.shard.nodes[0].port
        try:
            cls.group = sentinel_group([(NAME, seed)], ["sentinel down-after-milliseconds %s %d" % (NAME, DOWN_AFTER_MS)])
        except BaseException:
            stop_all(shards=[cls.shard])
            raise
        cls.sentinels = cls.group.sentinels
        cls.watchers = []

    @classmethod
    def tearDownClass(cls):
        for w in cls.watchers:
            w.close()
        bad = stop_all(cls.group, [cls.shard])
        if bad:
            raise AssertionError("\n".join(bad))

    # -- helpers -------------------------------------------------------------------------
    def wait_master_addr(self, port, sentinels=None):
        sentinels = sentinels or live(self.group)
        if not wait_master_addr(sentinels, NAME, port):
            self.fail("sentinels do not name %s: %s\n%s" % (
                ("127.0.0.1", port), [master_addr(x, NAME) for x in sentinels], self.describe()))

    def describe(self):
        return self.shard.describe() + "\n" + describe_group(self.group, 25)

    # -- tests (run in name order, sharing the processes) ----------------------------------
    def test_1_master_and_replicas(self):
        leader = self.shard.leader()
        self.wait_master_addr(leader.port)
        followers = sorted(n.port for n in self.shard.followers(leader))

        def listed():
            for x in self.sentinels:
                reps = replicas(x, NAME)
                if reps is None:
                    return False
                # master-port: the replica's INFO names its leader once it knows it.
                got = sorted(int(r["port"]) for r in reps
                             if "slave" in r["flags"].split(",") and "s_down" not in r["flags"]
                             and r["master-port"] == str(leader.port))
                if got != followers:
                    return False
            return True
        self.assertTrue(wait_until(listed, WAIT, 0.1),
                        "REPLICAS %s, followers %s\n%s" % ([replicas(x, NAME) for x in self.sentinels],
                                                           followers, self.describe()))
        for x in self.sentinels:
            for r in replicas(x, NAME):
                self.assertEqual(r["ip"], "127.0.0.1")
                self.assertEqual(r["name"], "127.0.0.1:%s" % r["port"])
                self.assertEqual(r["master-port"], str(leader.port))
                self.assertEqual(r["role-reported"], "slave")
                self.assertEqual(len(r["runid"]), 40)

    def test_2_sentinels(self):
        ids = {x.port: text(call(x, "SENTINEL", "MYID")) for x in self.sentinels}
        for p, i in ids.items():
            self.assertEqual(len(i), 40, (p, i))

        def ok(x):
            others = sentinel_map(x, NAME)
            if others is None:
                return False
            want = {p for p in ids if p != x.port}
            if set(others) != want:
                return False
            return all(others[p]["ip"] == "127.0.0.1" and others[p]["runid"] == ids[p]
                       and "disconnected" not in others[p]["flags"] and "s_down" not in others[p]["flags"]
                       for p in want)
        for x in self.sentinels:
            self.assertTrue(wait_until(lambda: ok(x), WAIT, 0.1),
                            "SENTINELS on %d: %r\n%s" % (x.port, call(x, "SENTINEL", "SENTINELS", NAME),
                                                         self.describe()))
        for x in self.sentinels:
            r = call(x, "SENTINEL", "CKQUORUM", NAME)
            self.assertFalse(isinstance(r, RespError), r)
            self.assertTrue(text(r).startswith("OK 3 usable Sentinels"), r)

    def test_3_kill_leader(self):
        old = self.shard.leader()
        self.wait_master_addr(old.port)
        w = EventWatcher(self.sentinels[0], CHANNELS)
        self.watchers.append(w)
        t0 = time.monotonic()
        self.shard.kill(old)
        new = self.shard.leader(exclude=(old,))
        want = "%s 127.0.0.1 %d 127.0.0.1 %d" % (NAME, old.port, new.port)
        r = w.wait("+switch-master", lambda p: p == want, since=t0, timeout=15.0)
        self.assertIsNotNone(r, "no +switch-master %r within 15 s; events:\n%s\n%s" % (
            want, w.dump(), self.describe()))
        print("\n  kill -9 leader -> +switch-master: %.0f ms" % ((r[0] - t0) * 1000), file=sys.stderr)
        self.wait_master_addr(new.port)
        # The dead node: +sdown (master form if seen before the switch, else slave form).
        r = w.wait("+sdown", lambda p: p.endswith("127.0.0.1 %d" % old.port) or
                   ("127.0.0.1:%d " % old.port) in p, since=t0, timeout=15.0)
        self.assertIsNotNone(r, "no +sdown for %d; events:\n%s" % (old.port, w.dump()))
        print("  kill -9 leader -> +sdown: %.0f ms (down-after %d ms)" % ((r[0] - t0) * 1000, DOWN_AFTER_MS),
              file=sys.stderr)
        # Down-after counts from the oldest unanswered PING, which may have left up to a
        # ping period (250 ms) plus a tick before the kill.
        self.assertGreaterEqual(r[0] - t0, (DOWN_AFTER_MS - 400) / 1000.0)
        # +odown only if it was still the published leader when a quorum agreed
        # (usually Raft elected a new one first): if it came, it has the exact form.
        od = w.find("+odown", since=t0)
        if od:
            self.assertEqual(od[1], "master %s 127.0.0.1 %d #quorum %s" % (NAME, old.port, od[1].split()[-1]))
        # Every sentinel lists the dead node as a down replica.
        def down_replica():
            for x in self.sentinels:
                reps = {int(d["port"]): d for d in replicas(x, NAME) or []}
                if old.port not in reps or "s_down" not in reps[old.port]["flags"]:
                    return False
            return True
        self.assertTrue(wait_until(down_replica, WAIT, 0.1),
                        [replicas(x, NAME) for x in self.sentinels])
        type(self).killed = old
        type(self).watcher = w

    def test_4_restart(self):
        old, w = self.killed, self.watcher
        t0 = time.monotonic()
        self.shard.restart(old)
        r = w.wait("-sdown", lambda p: ("127.0.0.1:%d " % old.port) in p, since=t0, timeout=WAIT)
        self.assertIsNotNone(r, "no -sdown for %d; events:\n%s\n%s" % (old.port, w.dump(), self.describe()))
        self.assertEqual(r[1], "slave 127.0.0.1:%d 127.0.0.1 %d @ %s 127.0.0.1 %d" % (
            old.port, old.port, NAME, self.shard.leader().port))
        # A new process: a new run_id in INFO, which Redis Sentinel reports as +reboot.
        r = w.wait("+reboot", lambda p: p.startswith("slave 127.0.0.1:%d " % old.port), since=t0, timeout=WAIT)
        self.assertIsNotNone(r, "no +reboot for %d; events:\n%s" % (old.port, w.dump()))

        def up_replica():
            for x in self.sentinels:
                reps = {int(d["port"]): d for d in replicas(x, NAME) or []}
                if old.port not in reps or "s_down" in reps[old.port]["flags"]:
                    return False
            return True
        self.assertTrue(wait_until(up_replica, WAIT, 0.1), [replicas(x, NAME) for x in self.sentinels])

    def test_5_one_sentinel_killed(self):
        dead = self.sentinels[2]
        dead.stop(signal.SIGKILL)
        alive = self.sentinels[:2]
        leader = self.shard.leader()
        self.wait_master_addr(leader.port, alive)
        for x in alive:
            def flagged():
                d = sentinel_map(x, NAME) or {}
                return dead.port in d and "s_down" in d[dead.port]["flags"].split(",")
            self.assertTrue(wait_until(flagged, WAIT, 0.1), call(x, "SENTINEL", "SENTINELS", NAME))
        # The two left still publish: kill the shard leader once more.
        w = EventWatcher(alive[1], CHANNELS)
        self.watchers.append(w)
        self.shard.wait_follows(self.killed, leader)
        t0 = time.monotonic()
        self.shard.kill(leader)
        new = self.shard.leader(exclude=(leader,))
        want = "%s 127.0.0.1 %d 127.0.0.1 %d" % (NAME, leader.port, new.port)
        r = w.wait("+switch-master", lambda p: p == want, since=t0, timeout=15.0)
        self.assertIsNotNone(r, "no +switch-master %r; events:\n%s\n%s" % (want, w.dump(), self.describe()))
        print("\n  (2 sentinels) kill -9 leader -> +switch-master: %.0f ms" % ((r[0] - t0) * 1000),
              file=sys.stderr)
        self.wait_master_addr(new.port, alive)
        self.shard.restart(leader)
        self.shard.wait_follows(leader, new)

    def test_6_odown(self):
        # The whole shard paused (SIGSTOP): no new leader can be elected, so the
        # published leader stays published, goes sdown on both remaining sentinels and,
        # with the quorum of 2 agreeing, odown.
        alive = live(self.group)
        leader = self.shard.leader()
        self.wait_master_addr(leader.port, alive)
        w = EventWatcher(alive[0], CHANNELS)
        self.watchers.append(w)
        t0 = time.monotonic()
        for n in self.shard.nodes:
            self.shard.pause(n)
        try:
            me = "master %s 127.0.0.1 %d" % (NAME, leader.port)
            r = w.wait("+sdown", lambda p: p == me, since=t0, timeout=15.0)
            self.assertIsNotNone(r, "no +sdown %r; events:\n%s" % (me, w.dump()))
            r = w.wait("+odown", lambda p: p == me + " #quorum %d/2" % len(alive), since=t0, timeout=15.0)
            self.assertIsNotNone(r, "no +odown; events:\n%s\n%s" % (w.dump(), self.describe()))
            print("\n  shard paused -> +odown: %.0f ms" % ((r[0] - t0) * 1000), file=sys.stderr)
            m = reply_map(call(alive[0], "SENTINEL", "MASTER", NAME))
            self.assertIn("o_down", m["flags"].split(","), m)
        finally:
            t1 = time.monotonic()
            for n in self.shard.nodes:
                self.shard.resume(n)
        r = w.wait("-odown", since=t1, timeout=15.0)
        self.assertIsNotNone(r, "no -odown; events:\n%s" % w.dump())
        self.assertIsNotNone(w.wait("-sdown", lambda p: ("127.0.0.1 %d" % leader.port) in p, since=t1,
                                    timeout=15.0), w.dump())
        self.shard.leader()

    def test_7_member_removed_and_added(self):
        # Repair's moves, by hand: a member removed from the shard's Raft configuration
        # is dropped by every sentinel; a new member (here the same address under a new
        # Raft id, as Shard.wipe_and_rejoin does) is discovered from the leader's list.
        alive = live(self.group)
        leader = self.shard.leader()
        node = self.shard.followers(leader)[0]
        self.shard.kill(node)
        with leader.client(timeout=WAIT) as c:
            r = c.call("RAFT", "REMOVE", node.raft_id, raise_errors=False)
        self.assertFalse(isinstance(r, RespError), r)

        def listed(x):
            return node.port in {int(d["port"]) for d in replicas(x, NAME) or []}
        self.assertTrue(wait_until(lambda: not any(listed(x) for x in alive), WAIT, 0.1),
                        [replicas(x, NAME) for x in alive])
        self.wait_master_addr(leader.port, alive)

        node.wipe()
        node.raft_id = self.shard.next_raft_id
        self.shard.next_raft_id += 1
        node.join = leader.addr()
        node.start(wait=False)
        node.wait_ready(timeout=WAIT)
        self.shard.wait_follows(node, leader)

        def back(x):
            reps = {int(d["port"]): d for d in replicas(x, NAME) or []}
            d = reps.get(node.port)
            return d is not None and "s_down" not in d["flags"] and d["role-reported"] == "slave"
        self.assertTrue(wait_until(lambda: all(back(x) for x in alive), WAIT, 0.1),
                        "%s\n%s" % ([replicas(x, NAME) for x in alive], self.describe()))


    def test_8_killed_sentinel_rejoins(self):
        # The sentinel killed in test 5 comes back with its data dir: it rejoins the
        # sentinels' Raft group, names the current leader, and the others stop flagging it.
        dead = self.sentinels[2]
        if not dead.alive():
            dead.start()
        leader = self.shard.leader()
        self.assertTrue(wait_master_addr(self.sentinels, NAME, leader.port), describe_group(self.group))
        ids = {raft_info(x).get("raft_leader_id") for x in self.sentinels if raft_info(x)}
        self.assertTrue(wait_until(lambda: len({(raft_info(x) or {}).get("raft_leader_id") for x in self.sentinels}) == 1
                                   and current_acting(self.sentinels) is not None, WAIT, 0.1),
                        "%s %s" % (ids, describe_group(self.group)))
        for x in self.sentinels[:2]:
            def up():
                d = sentinel_map(x, NAME) or {}
                return dead.port in d and "s_down" not in d[dead.port]["flags"].split(",")
            self.assertTrue(wait_until(up, WAIT, 0.1), call(x, "SENTINEL", "SENTINELS", NAME))


if __name__ == "__main__":
    harness.main()
