"""Repair: a member down for good is replaced by a spare (sentinel/repair.c).

Real processes: a 3-node standalone shard, one spare node (`raft-spare yes`: an empty Raft
configuration, waiting to be added) and 3 redraft-sentinels monitoring the shard with
`sentinel spare` and `sentinel repair-after-milliseconds 2000`. kill -9 of a follower,
never restarted: the acting sentinel adds the spare (standby), promotes it to voter once
caught up and removes the dead member, publishing +repair-start ... +repair-end. The
shard is back to three voters, the spare holds the data written before and after, and
the sentinels list it as a replica. Another member dying afterwards is left alone: the
only spare is used.
"""
import sys
import time
import unittest

import harness
from harness import Node, Shard, info_dict, reply_map, wait_until
from sentinel_util import WAIT, EventWatcher, call, describe_group, live, replicas, sentinel_group, stop_all

NAME = "mymaster"
REPAIR_EVENTS = ["+repair-start", "+repair-spare-added", "+repair-spare-promoted", "+repair-member-removed",
                 "+repair-end"]


def raft_members(node):
    """{raft id: role} from RAFT MEMBERS on node, or None."""
    try:
        with node.client(timeout=5) as c:
            r = c.call("RAFT", "MEMBERS", raise_errors=False)
    except (OSError, ConnectionError, ValueError):
        return None
    if not isinstance(r, list):
        return None
    out = {}
    for m in r:
        d = reply_map(m)
        role = d["role"]
        if role != "none":
            out[int(d["raft-id"])] = role
    return out


def info_field(node, section, field):
    try:
        with node.client(timeout=5) as c:
            r = c.call("INFO", section, raise_errors=False)
    except (OSError, ConnectionError, ValueError):
        return None
    return info_dict(r).get(field) if isinstance(r, bytes) else None


class SentinelRepairTest(unittest.TestCase):
    def setUp(self):
        self.shard = Shard(3).start()
        self.spare = None
        self.group = None
        try:
            sp = harness.free_port()
            self.spare = Node("--raft-spare", "yes", "--cluster-port", sp + 10000, *harness.SHARD_TIMEOUT_ARGS,
                              port=sp).start()
            self.group = sentinel_group([(NAME, self.shard.nodes[0].port)], [
                "sentinel down-after-milliseconds %s 1000" % NAME,
                "sentinel spare 127.0.0.1 %d" % sp,
                "sentinel repair-after-milliseconds 2000"])
        except BaseException:
            stop_all(self.group, [self.shard], [self.spare] if self.spare else [])
            raise

    def tearDown(self):
        bad = stop_all(self.group, [self.shard], [self.spare] if self.spare else [])
        if bad:
            raise AssertionError("\n".join(bad))

    def describe(self):
        return "%s\n---- spare %d:\n%s\n%s" % (self.shard.describe(), self.spare.port,
                                              "\n".join(self.spare.output().splitlines()[-20:]),
                                              describe_group(self.group))

    def test_spare_replaces_dead_follower(self):
        leader = self.shard.leader()
        spare_id = int(info_field(self.spare, "raft", "raft_id"))
        self.assertEqual(info_field(self.spare, "raft", "raft_members"), "0")
        with leader.client() as c:
            for i in range(200):
                self.assertEqual(c.call("SET", "before:%d" % i, i), b"OK")

        # the sentinels know the shard before the failure
        def discovered():
            return all(len(replicas(x, NAME) or []) == 2 for x in live(self.group))
        self.assertTrue(wait_until(discovered, WAIT, 0.1), self.describe())
        watchers = [EventWatcher(x, REPAIR_EVENTS) for x in self.group.sentinels]
        try:
            dead = self.shard.followers(leader)[0]
            t0 = time.monotonic()
            self.shard.kill(dead)

            def repaired():
                ldr = self.shard.current_leader(exclude=(dead,))
                m = raft_members(ldr) if ldr else None
                return m is not None and m.get(spare_id) == "voter" and dead.raft_id not in m and len(m) == 3
            self.assertTrue(wait_until(repaired, WAIT * 2, 0.2),
                            "not repaired: members %s\n%s" % (
                                raft_members(self.shard.current_leader(exclude=(dead,)) or leader), self.describe()))
            print("\n  kill -9 follower -> spare is a voter, dead member removed: %.1f s" % (
                time.monotonic() - t0), file=sys.stderr)
            # +repair-start ... +repair-end, in order, on the acting sentinel
            wait_until(lambda: any(w.find("+repair-end") for w in watchers), 10, 0.05)
            ends = [w for w in watchers if w.find("+repair-end")]
            self.assertTrue(ends, "no +repair-end on any sentinel:\n" + "\n".join(w.dump() for w in watchers))
            seq = [ch for _, ch, _ in ends[0].events_since(t0)]
            self.assertEqual(seq, REPAIR_EVENTS, ends[0].dump())
            start = ends[0].find("+repair-start")[1]
            self.assertTrue(start.startswith("slave 127.0.0.1:%d 127.0.0.1 %d @ %s " % (dead.port, dead.port, NAME)),
                            start)
            self.assertTrue(start.endswith("spare 127.0.0.1:%d" % self.spare.port), start)
        finally:
            for w in watchers:
                w.close()

        # data before and after the repair is on the spare
        leader = self.shard.leader(exclude=(dead,))
        with leader.client() as c:
            for i in range(100):
                self.assertEqual(c.call("SET", "after:%d" % i, i), b"OK")

        def has_all():
            try:
                with self.spare.client(timeout=5) as c:
                    return (c.call("GET", "before:199", raise_errors=False) == b"199"
                            and c.call("GET", "after:99", raise_errors=False) == b"99"
                            and c.call("DBSIZE", raise_errors=False) == 300)
            except (OSError, ConnectionError, ValueError):
                return False
        self.assertTrue(wait_until(has_all, WAIT, 0.1), self.describe())
        # the sentinels list the spare as a replica and forget the dead member
        for x in live(self.group):
            def listed():
                reps = replicas(x, NAME)
                if reps is None:
                    return False
                ports = {int(d["port"]) for d in reps}
                return self.spare.port in ports and dead.port not in ports
            self.assertTrue(wait_until(listed, WAIT, 0.1),
                            "REPLICAS on %d: %s" % (x.port, call(x, "SENTINEL", "REPLICAS", NAME)))

        # the spare is used now: another member going down is not "repaired" with it
        # (no spare left, so nothing happens -- in particular no member is removed)
        second = [n for n in self.shard.followers(leader) if n is not dead][0]
        watchers = [EventWatcher(x, ["+repair-start"]) for x in self.group.sentinels]
        try:
            self.shard.kill(second)
            time.sleep(1.0 + 2.0 + 3.0)   # down-after + repair-after + margin
            self.assertEqual([w.dump() for w in watchers if w.find("+repair-start")], [])
            m = raft_members(leader)
            self.assertEqual(sorted(m), sorted([leader.raft_id, second.raft_id, spare_id]), m)
        finally:
            for w in watchers:
                w.close()


if __name__ == "__main__":
    harness.main()
