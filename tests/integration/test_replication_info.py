"""ROLE, INFO replication / raft, WAIT, HELLO's role and READONLY/READWRITE on a Raft
shard in standalone mode: the leader is a Redis master, the followers its replicas, in
Redis 7.2's exact formats (field order as a redis-server 7.0 replica prints it), offsets
are Raft indexes, and every node reports a new leader after the old one is killed."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (NodeTestCase, RespError, SHARD_WAIT, ShardTestCase, main,  # noqa: E402
                     wait_until)

MASTER_FIELDS = ["role", "connected_slaves", "slave0", "slave1", "master_failover_state", "master_replid",
                 "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active",
                 "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"]
SLAVE_FIELDS = ["role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
                "master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset", "slave_priority",
                "slave_read_only", "replica_announced", "connected_slaves", "master_failover_state",
                "master_replid", "master_replid2", "master_repl_offset", "second_repl_offset",
                "repl_backlog_active", "repl_backlog_size", "repl_backlog_first_byte_offset",
                "repl_backlog_histlen"]
RAFT_FIELDS = ["raft_node_id", "raft_id", "raft_state", "raft_term", "raft_leader_id", "raft_commit_index",
               "raft_applied_index", "raft_last_index", "raft_snapshot_index", "raft_members"]
WAIT_REPLICA_ERR = ("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
                    "replica is configured to be writable (which is not the default) writes to replicas are "
                    "just local and are not propagated.")


def parse_section(raw):
    if isinstance(raw, bytes):
        raw = raw.decode()
    lines = raw.split("\r\n")
    assert lines[-1] == "", "INFO must end with CRLF"
    keys, d = [], {}
    for line in lines[1:-1]:
        k, v = line.split(":", 1)
        keys.append(k)
        d[k] = v
    return lines[0], keys, d


def kv_list(v):
    return dict(p.split("=", 1) for p in v.split(","))


class ReplicationShard(ShardTestCase):
    SHARD_PER_CLASS = False

    def info(self, node, section="replication"):
        with node.client() as c:
            return parse_section(c.call("INFO", section))

    def wait_followers_caught_up(self, leader):
        """Every follower reports the leader and has applied what the leader applied."""
        def ok():
            with leader.client() as c:
                li = parse_section(c.call("INFO", "replication"))[2]
            for f in self.shard.followers(leader):
                fi = f.replication()
                if not fi or fi.get("master_port") != str(leader.port) or fi.get("master_link_status") != "up":
                    return False
                if int(fi["slave_repl_offset"]) < int(li["master_repl_offset"]):
                    return False
            return True
        self.assertTrue(wait_until(ok, SHARD_WAIT, 0.05), self.shard.describe())

    def test_role_and_info_formats(self):
        leader = self.shard.leader()
        followers = self.shard.followers(leader)
        with leader.client() as c:
            self.assertEqual(c.call("SET", "k", "v"), b"OK")
        self.wait_followers_caught_up(leader)
        # leader: ROLE = master, offset, [[ip, port, offset] ...] with bulk port/offset
        with leader.client() as c:
            role = c.call("ROLE")
            self.assertEqual(role[0], b"master")
            self.assertIsInstance(role[1], int)
            self.assertGreater(role[1], 0)
            self.assertEqual(sorted(int(r[1]) for r in role[2]), sorted(f.port for f in followers))
            for r in role[2]:
                self.assertEqual(r[0], b"127.0.0.1")
                self.assertIsInstance(r[1], bytes)
                self.assertIsInstance(r[2], bytes)
                self.assertLessEqual(int(r[2]), role[1])
            hello = c.call("HELLO", "3")
            self.assertEqual(hello[b"role"], b"master")
            self.assertEqual(hello[b"mode"], b"standalone")
        title, keys, d = self.info(leader)
        self.assertEqual(title, "# Replication")
        self.assertEqual(keys, MASTER_FIELDS)
        self.assertEqual(d["role"], "master")
        self.assertEqual(d["connected_slaves"], "2")
        ports = set()
        for k in ("slave0", "slave1"):
            s = kv_list(d[k])
            self.assertEqual(list(s), ["ip", "port", "state", "offset", "lag"])
            self.assertEqual(s["state"], "online")
            ports.add(int(s["port"]))
        self.assertEqual(ports, {f.port for f in followers})
        self.assertRegex(d["master_replid"], r"^[0-9a-f]{40}$")
        self.assertEqual(d["second_repl_offset"], "-1")
        # followers: ROLE = slave, leader host, leader port (int), connected, offset
        for f in followers:
            with f.client() as c:
                role = c.call("ROLE")
                self.assertEqual(role[:4], [b"slave", b"127.0.0.1", leader.port, b"connected"])
                self.assertIsInstance(role[4], int)
                self.assertGreater(role[4], 0)
                hello = c.call("HELLO", "3")
                self.assertEqual(hello[b"role"], b"replica")
            title, keys, fd = self.info(f)
            self.assertEqual(keys, SLAVE_FIELDS)
            self.assertEqual(fd["role"], "slave")
            self.assertEqual(fd["master_host"], "127.0.0.1")
            self.assertEqual(fd["master_port"], str(leader.port))
            self.assertEqual(fd["master_link_status"], "up")
            self.assertGreaterEqual(int(fd["master_last_io_seconds_ago"]), 0)
            self.assertEqual(fd["slave_read_only"], "1")
            self.assertEqual(fd["slave_repl_offset"], fd["master_repl_offset"])
            # a replica reports its master's replication id, as Redis's do
            self.assertEqual(fd["master_replid"], d["master_replid"])

    def test_info_raft_section(self):
        leader = self.shard.leader()
        ids = {}
        for n in self.shard.nodes:
            title, keys, d = self.info(n, "raft")
            self.assertEqual(title, "# Raft")
            self.assertEqual(keys[:len(RAFT_FIELDS)], RAFT_FIELDS)
            self.assertEqual(int(d["raft_id"]), n.raft_id)
            self.assertRegex(d["raft_node_id"], r"^[0-9a-f]{40}$")
            self.assertEqual(d["raft_state"], "leader" if n is leader else "follower")
            self.assertEqual(d["raft_members"], "3")
            self.assertIn("raft_snapshots_taken", d)
            members = [kv_list(d["raft_member%d" % i]) for i in range(3)]
            self.assertEqual(sorted(int(m["id"]) for m in members), [1, 2, 3])
            for m in members:
                self.assertEqual(m["role"], "voter")
            self.assertLessEqual(int(d["raft_applied_index"]), int(d["raft_commit_index"]))
            self.assertLessEqual(int(d["raft_commit_index"]), int(d["raft_last_index"]))
            ids[n] = d["raft_node_id"]
        self.assertEqual(len(set(ids.values())), 3)
        # the leader id everyone reports is the leader's raft id
        def agree():
            return all(self.info(n, "raft")[2]["raft_leader_id"] == str(leader.raft_id) for n in self.shard.nodes)
        self.assertTrue(wait_until(agree, SHARD_WAIT, 0.05))
        # INFO (default) and INFO all include it; the replication id is the leader's node id
        with leader.client() as c:
            self.assertIn("# Raft\r\n", c.call("INFO").decode())
            self.assertIn("# Raft\r\n", c.call("INFO", "all").decode())
        self.assertEqual(self.info(leader)[2]["master_replid"], ids[leader])

    def test_wait(self):
        leader = self.shard.leader()
        followers = self.shard.followers(leader)
        c = leader.client()
        try:
            # nothing written yet: every follower has "it"
            self.assertEqual(c.call("WAIT", "0", "0"), 2)
            self.assertEqual(c.call("SET", "a", "1"), b"OK")
            self.assertEqual(c.call("WAIT", "2", "5000"), 2)
            # more replicas than exist: waits for the timeout, then the count
            t0 = time.time()
            self.assertEqual(c.call("WAIT", "3", "200"), 2)
            self.assertGreaterEqual(time.time() - t0, 0.18)
            # errors, Redis's texts and order
            with self.assertRaisesRegex(RespError, "^ERR timeout is negative$"):
                c.call("WAIT", "1", "-1")
            with self.assertRaisesRegex(RespError, "^ERR timeout is not an integer or out of range$"):
                c.call("WAIT", "1", "x")
            with self.assertRaisesRegex(RespError, "^ERR value is not an integer or out of range$"):
                c.call("WAIT", "x", "-1")
            with self.assertRaisesRegex(RespError, "^ERR wrong number of arguments for 'wait' command$"):
                c.call("WAIT", "1")
            # a stopped follower cannot acknowledge: a majority still commits the SET,
            # WAIT 2 times out with 1
            self.shard.pause(followers[0])
            try:
                self.assertEqual(c.call("SET", "b", "2"), b"OK")
                t0 = time.time()
                self.assertEqual(c.call("WAIT", "2", "300"), 1)
                self.assertGreaterEqual(time.time() - t0, 0.28)
                # the connection still works in order after a timed-out WAIT
                self.assertEqual(c.call("GET", "b"), b"2")
                # a WAIT without timeout is answered once the follower is back
                c.send_raw(c.encode("SET", "c", "3") + c.encode("WAIT", "2", "0"))
                self.assertEqual(c.read_reply(), b"OK")
                time.sleep(0.3)
            finally:
                self.shard.resume(followers[0])
            self.assertEqual(c.read_reply(), 2)
            # a client that leaves while waiting is forgotten; the node goes on
            with leader.client() as c2:
                c2.send_raw(c2.encode("WAIT", "5", "0"))
            self.assertEqual(c.call("PING"), b"PONG")
        finally:
            c.close()
        # on a follower: Redis's replica error
        with followers[1].client() as fc:
            with self.assertRaises(RespError) as e:
                fc.call("WAIT", "1", "0")
            self.assertEqual(str(e.exception), WAIT_REPLICA_ERR)

    def test_new_leader_reported_everywhere(self):
        leader = self.shard.leader()
        with leader.client() as c:
            c.call("SET", "x", "1")
        self.shard.kill(leader)
        new = self.shard.leader(exclude=(leader,))
        self.assertIsNot(new, leader)
        for f in self.shard.followers(new):
            self.shard.wait_follows(f, new)
            with f.client() as c:
                self.assertEqual(c.call("ROLE")[:4], [b"slave", b"127.0.0.1", new.port, b"connected"])
        with new.client() as c:
            role = c.call("ROLE")
            self.assertEqual(role[0], b"master")
            # the killed node is gone from the replicas the master lists? It stays a
            # configured member; a live follower is listed with its offset
            live = [f.port for f in self.shard.followers(new)]
            self.assertTrue(set(live) <= {int(r[1]) for r in role[2]})
            self.assertEqual(self.info(new, "raft")[2]["raft_state"], "leader")

    def test_readonly_readwrite_need_cluster_mode(self):
        leader = self.shard.leader()
        for n in (leader, self.shard.followers(leader)[0]):
            with n.client() as c:
                for cmd in ("READONLY", "READWRITE"):
                    with self.assertRaisesRegex(RespError, "^ERR This instance has cluster support disabled$"):
                        c.call(cmd)
                with self.assertRaisesRegex(RespError, "^ERR This instance has cluster support disabled$"):
                    c.call("CLUSTER", "INFO")
                with self.assertRaisesRegex(RespError, "^ERR This instance has cluster support disabled$"):
                    c.call("CLUSTER", "HELP")
                # SELECT works outside cluster mode
                self.assertEqual(c.call("SELECT", "1"), b"OK")


class SingleNode(NodeTestCase):
    """A node started alone is a single-voter shard: a master without replicas."""

    def test_role_info_wait(self):
        self.assertTrue(wait_until(lambda: self.c.call("ROLE")[0] == b"master", SHARD_WAIT, 0.05))
        self.assertEqual(self.c.call("ROLE")[2], [])
        _, keys, d = parse_section(self.c.call("INFO", "replication"))
        self.assertEqual(keys, [k for k in MASTER_FIELDS if not k.startswith("slave")])
        self.assertEqual(d["connected_slaves"], "0")
        self.assertEqual(self.c.call("WAIT", "0", "0"), 0)
        t0 = time.time()
        self.assertEqual(self.c.call("WAIT", "1", "100"), 0)
        self.assertGreaterEqual(time.time() - t0, 0.09)
        self.assertEqual(parse_section(self.c.call("INFO", "raft"))[2]["raft_members"], "1")


if __name__ == "__main__":
    main()
