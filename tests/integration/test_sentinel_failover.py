"""SENTINEL FAILOVER as a Raft leadership transfer (sentinel/failover.c).

Real processes: a 3-node standalone shard and 3 redraft-sentinels monitoring it as
"mymaster". A writer keeps INCR-ing one counter on whatever node the sentinels name as
master and records every outcome (acknowledged, unknown = connection lost before the
reply). SENTINEL FAILOVER must:
  - answer +OK, and -INPROG to a second call while it runs;
  - publish Redis's event sequence (+new-epoch ... +failover-end) and exactly one
    +switch-master naming a former follower;
  - move leadership there (the new leader accepts writes);
  - lose no acknowledged write: acked <= final counter <= acked + unknown.
The time from SENTINEL FAILOVER to the first write the new leader accepted is printed
(no assertion on timing). With both followers down, SENTINEL FAILOVER answers
-NOGOODSLAVE.
"""
import sys
import time
import unittest

import harness
from harness import Client, RespError, Shard, reply_map, wait_until
from sentinel_util import (WAIT, EventWatcher, Writer, call, describe_group, healthy_replica_ports, live,
                           master_addr, sentinel_group, stop_all, wait_master_addr)

NAME = "mymaster"
FAILOVER_EVENTS = ["+new-epoch", "+try-failover", "+elected-leader", "+failover-state-select-slave",
                   "+selected-slave", "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion",
                   "+promoted-slave", "+failover-state-reconf-slaves", "+failover-end"]


class SentinelFailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shard = Shard(3).start()
        cls.group = None
        try:
            cls.group = sentinel_group([(NAME, cls.shard.nodes[0].port)],
                                       ["sentinel down-after-milliseconds %s 1000" % NAME,
                                        "sentinel failover-timeout %s 30000" % NAME])
        except BaseException:
            stop_all(cls.group, [cls.shard])
            raise

    @classmethod
    def tearDownClass(cls):
        bad = stop_all(cls.group, [cls.shard])
        if bad:
            raise AssertionError("\n".join(bad))

    def describe(self):
        return self.shard.describe() + "\n" + describe_group(self.group)

    def wait_discovered(self, leader):
        """Every sentinel names the leader and lists both followers as healthy replicas."""
        followers = sorted(n.port for n in self.shard.followers(leader))

        def ok():
            return all(master_addr(x, NAME) == ("127.0.0.1", leader.port)
                       and healthy_replica_ports(x, NAME) == followers for x in live(self.group))
        self.assertTrue(wait_until(ok, WAIT, 0.1), "sentinels did not discover the shard\n" + self.describe())

    def test_1_failover_under_writes(self):
        old = self.shard.leader()
        self.wait_discovered(old)
        x = self.group.sentinels[0]
        w = EventWatcher(x, FAILOVER_EVENTS + ["+switch-master", "-failover-abort-slave-timeout"])
        writer = Writer([g.port for g in self.group.sentinels], NAME, "fo:counter")
        writer.start()
        try:
            self.assertTrue(wait_until(lambda: writer.acked >= 200, WAIT, 0.02),
                            "the writer made no progress: %d acked\n%s" % (writer.acked, self.describe()))
            t0 = time.monotonic()
            r = call(x, "SENTINEL", "FAILOVER", NAME)
            self.assertEqual(r, b"OK", r)
            r2 = call(x, "SENTINEL", "FAILOVER", NAME)
            self.assertIsInstance(r2, RespError)
            self.assertTrue(str(r2).startswith("INPROG"), r2)

            sw = w.wait("+switch-master", lambda p: p.startswith("%s 127.0.0.1 %d " % (NAME, old.port)),
                        since=t0, timeout=WAIT)
            self.assertIsNotNone(sw, "no +switch-master; events:\n%s\n%s" % (w.dump(), self.describe()))
            new_port = int(sw[1].split()[4])
            self.assertIn(new_port, [n.port for n in self.shard.nodes if n is not old])
            end = w.wait("+failover-end", since=t0, timeout=WAIT)
            self.assertIsNotNone(end, "no +failover-end; events:\n%s" % w.dump())
            # Redis names the old address in +failover-end and publishes it before +switch-master
            self.assertEqual(end[1], "master %s 127.0.0.1 %d" % (NAME, old.port))
            order = [ch for _, ch, _ in w.events_since(t0) if ch in ("+failover-end", "+switch-master")]
            self.assertEqual(order[:2], ["+failover-end", "+switch-master"], w.dump())
            self.assertEqual(self.shard.leader().port, new_port)

            # Redis's order of the failover events, each once.
            seq = [ch for _, ch, _ in w.events_since(t0) if ch in FAILOVER_EVENTS]
            self.assertEqual(seq, FAILOVER_EVENTS, w.dump())
            sel = w.find("+selected-slave", since=t0)[1]
            self.assertEqual(sel, "slave 127.0.0.1:%d 127.0.0.1 %d @ %s 127.0.0.1 %d" % (
                new_port, new_port, NAME, old.port))
            self.assertEqual(w.find("+try-failover", since=t0)[1], "master %s 127.0.0.1 %d" % (NAME, old.port))

            # the new leader takes writes
            self.assertTrue(wait_until(lambda: new_port in writer.first_ack_by, WAIT, 0.02),
                            "no write accepted by the new leader\n" + self.describe())
            print("\n  SENTINEL FAILOVER -> first write accepted by the new leader: %.0f ms" % (
                (writer.first_ack_by[new_port] - t0) * 1000), file=sys.stderr)
            time.sleep(1.0)
            switches = [p for _, ch, p in w.events_since(t0) if ch == "+switch-master"]
            self.assertEqual(len(switches), 1, "one switch, one +switch-master: %s" % switches)
            # every sentinel names the new leader
            self.assertTrue(wait_master_addr(live(self.group), NAME, new_port),
                            [master_addr(g, NAME) for g in live(self.group)])
        finally:
            writer.stop()
            w.close()
        self.assertEqual(writer.problems, [])
        with Client(new_port) as c:
            final = int(c.call("GET", "fo:counter"))
        self.assertGreaterEqual(final, writer.acked, "acknowledged writes lost")
        self.assertLessEqual(final, writer.acked + writer.unknown)
        # the flags are clear again
        m = reply_map(call(x, "SENTINEL", "MASTER", NAME))
        self.assertNotIn("failover_in_progress", m["flags"])
        self.assertEqual(m["failover-state"] if "failover-state" in m else "none", "none")

    def test_2_nogoodslave(self):
        leader = self.shard.leader()
        self.wait_discovered(leader)
        followers = self.shard.followers(leader)
        x = self.group.sentinels[1]
        for n in followers:
            self.shard.kill(n)

        def both_down():
            r = call(x, "SENTINEL", "REPLICAS", NAME)
            if not isinstance(r, list):
                return False
            down = [int(d["port"]) for d in map(reply_map, r) if "s_down" in d["flags"]]
            return sorted(down) == sorted(n.port for n in followers)
        self.assertTrue(wait_until(both_down, WAIT, 0.1), "followers not seen down\n" + self.describe())
        r = call(x, "SENTINEL", "FAILOVER", NAME)
        self.assertIsInstance(r, RespError)
        self.assertTrue(str(r).startswith("NOGOODSLAVE"), r)
        # the sentinel keeps answering
        self.assertEqual(call(x, "PING"), b"PONG")
        for n in followers:
            self.shard.restart(n)


if __name__ == "__main__":
    harness.main()
