"""Leader read lease (raft-read-lease yes, node/replicate.c): while the leader holds a
lease -- 80% of an election timeout after proposing an entry that committed -- reads are
answered without a fence entry; without the option every read batch costs a fence.
The lease must never outlive the leader's authority: with both followers stopped
(SIGSTOP), once the lease has run out a read is not answered from the cut-off leader;
a leadership transfer revokes it. Nothing asserts on timing: the checks count log
entries and look at what was (not) answered."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHARD_WAIT, Client, RespError, ShardTestCase, main, wait_until  # noqa: E402

READS = 200


def commit_index(node):
    with Client(node.port) as c:
        info = c.call("INFO", "raft").decode()
    for line in info.splitlines():
        if line.startswith("raft_commit_index:"):
            return int(line.split(":")[1])
    raise AssertionError("no raft_commit_index in INFO raft:\n" + info)


class LeaseOn(ShardTestCase):
    SHARD_ARGS = ("--raft-read-lease", "yes")

    def test_reads_need_no_fence_while_the_lease_holds(self):
        leader = self.shard.leader()
        with Client(leader.port) as c:
            self.assertEqual(c.call("SET", "k", "v1"), b"OK")
            # Reads right after a committed write: the lease is fresh. Count the entries
            # the reads cost; a lease renewal (a fence every ~320 ms) may add a few.
            before = commit_index(leader)
            for _ in range(READS):
                self.assertEqual(c.call("GET", "k"), b"v1")
            spent = commit_index(leader) - before
            # The same connection's write then read: never behind its own write.
            self.assertEqual(c.call("SET", "k", "v2"), b"OK")
            self.assertEqual(c.call("GET", "k"), b"v2")
        self.assertLess(spent, READS // 4, "reads under a lease still created %d entries" % spent)

    def test_transfer_revokes_the_lease(self):
        leader = self.shard.leader()
        target = self.shard.followers(leader)[0]
        with Client(leader.port) as c:
            self.assertEqual(c.call("SET", "k", "v"), b"OK")
            self.assertEqual(c.call("GET", "k"), b"v")  # lease held
            self.assertEqual(c.call("RAFT", "TRANSFER", str(target.raft_id)), b"OK")
        # The old leader no longer serves reads as leader: a follower in standalone mode
        # serves stale reads, so check its role instead, and that the new leader reads
        # the write.
        self.assertTrue(wait_until(lambda: self.shard.current_leader() is target, SHARD_WAIT, 0.05))
        with Client(target.port) as c:
            self.assertEqual(c.call("GET", "k"), b"v")
            self.assertEqual(c.call("SET", "k", "w"), b"OK")
        with Client(leader.port) as c:
            r = c.call("SET", "k", "x", raise_errors=False)
        self.assertIsInstance(r, RespError)
        self.assertTrue(str(r).startswith("READONLY"), r)


class LeaseOnCluster(ShardTestCase):
    """Cluster mode: a node that is not the leader never answers a keyed read itself
    (MOVED/CLUSTERDOWN; no READONLY here), so any value read came from a leader."""
    SHARD_ARGS = ("--raft-read-lease", "yes")
    SHARD_CLUSTER = True

    def test_cut_off_leader_stops_answering_reads(self):
        leader = self.shard.leader()
        followers = self.shard.followers(leader)
        with Client(leader.port) as c:
            self.assertEqual(c.call("SET", "k", "before"), b"OK")
            election_ms = int(c.call("CONFIG", "GET", "raft-election-timeout")[1])
        for f in followers:
            self.shard.pause(f)
        try:
            # Past the lease (80% of the election timeout: 320 ms at the default 400 ms,
            # longer in the sanitizer build's slower settings), with room to spare.
            time.sleep(election_ms * 0.8 / 1000 + 0.4)
            answered = role = None
            try:
                with Client(leader.port, timeout=3.0) as c:
                    role = c.call("ROLE")
                    answered = c.call("GET", "k", raise_errors=False)
            except (socket.timeout, OSError, ConnectionError):
                answered = None  # no answer, or closed as a demoted leader does
            self.assertFalse(answered == b"before",
                             "a leader cut off from its followers answered a read after its lease (%r)" % (role,))
        finally:
            for f in followers:
                self.shard.resume(f)
        leader = self.shard.leader()
        with Client(leader.port) as c:
            self.assertEqual(c.call("GET", "k"), b"before")


class LeaseOff(ShardTestCase):
    def test_every_read_batch_costs_a_fence(self):
        leader = self.shard.leader()
        with Client(leader.port) as c:
            self.assertEqual(c.call("SET", "k", "v"), b"OK")
            before = commit_index(leader)
            for _ in range(50):
                self.assertEqual(c.call("GET", "k"), b"v")
            spent = commit_index(leader) - before
        self.assertGreaterEqual(spent, 50)


if __name__ == "__main__":
    main()
