"""redraft-sentinel's client-facing API against Redis Sentinel's formats.

One 3-node standalone shard and one sentinel monitoring it as "mymaster" (seed: the
shard's first node) per class. Replies are checked byte for byte where Redis Sentinel's
are fixed (errors, ROLE, HELLO, field order of the instance maps, INFO's sections), and
the values that depend on what the sentinel has observed are checked once it has (the
leader's address, the replicas)."""
import os
import re
import subprocess
import unittest

import harness
from harness import (Client, RespError, Sentinel, Shard, SHARD_WAIT, Verbatim, info_dict, reply_map,
                     wait_until)
from sentinel_util import acting, is_acting, raft_info, sentinel_group, stop_all

MASTER_KEYS = ["name", "ip", "port", "runid", "flags", "link-pending-commands", "link-refcount",
               "last-ping-sent", "last-ok-ping-reply", "last-ping-reply", "down-after-milliseconds",
               "info-refresh", "role-reported", "role-reported-time", "config-epoch", "num-slaves",
               "num-other-sentinels", "quorum", "failover-timeout", "parallel-syncs"]
REPLICA_KEYS = ["name", "ip", "port", "runid", "flags", "link-pending-commands", "link-refcount",
                "last-ping-sent", "last-ok-ping-reply", "last-ping-reply", "down-after-milliseconds",
                "info-refresh", "role-reported", "role-reported-time", "master-link-down-time",
                "master-link-status", "master-host", "master-port", "slave-priority", "slave-repl-offset",
                "replica-announced"]
# keys Redis adds only in some states
OPTIONAL_KEYS = {"failover-state", "s-down-time", "o-down-time"}
FLAG_WORDS = ["s_down", "o_down", "master", "slave", "sentinel", "disconnected", "master_down",
              "failover_in_progress", "promoted", "reconf_sent", "reconf_inprog", "reconf_done",
              "force_failover", "script_kill_sent", "master_reboot"]
NO_SUCH_MASTER = "ERR No such master with that name"


def next_event(sub, channel):
    """The payload of the next pmessage on channel (a PSUBSCRIBE * connection); events
    on other channels (the monitor's +sdown ...) are skipped."""
    while True:
        m = sub.read_reply()
        if m[0] == b"pmessage" and m[2] == channel:
            return m[3]


def flags_in_redis_order(flags, role):
    words = flags.split(",")
    if role not in words or len(set(words)) != len(words):
        return False
    order = [FLAG_WORDS.index(w) for w in words if w in FLAG_WORDS]
    return len(order) == len(words) and order == sorted(order)


class FilelessSentinel(Sentinel):
    """A sentinel started with command-line flags only, no config file."""

    def start(self, wait=True):
        self.args = ["--cluster-port", self.bus_port] + list(harness.SHARD_TIMEOUT_ARGS) + self.extra_args
        self.config = None
        return harness.Node.start(self, wait=wait)


class SentinelApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shard = Shard(3).start()
        seed = cls.shard.nodes[0]
        cls.sentinel = Sentinel(config=[
            "sentinel monitor mymaster 127.0.0.1 %d 2" % seed.port,
            "sentinel down-after-milliseconds mymaster 3000",
        ]).start()

    @classmethod
    def tearDownClass(cls):
        bad = stop_all(shards=[cls.shard], nodes=[cls.sentinel])
        if bad:
            raise AssertionError("\n".join(bad))

    def setUp(self):
        self.c = self.sentinel.client()

    def tearDown(self):
        self.c.close()
        self.assertTrue(self.sentinel.alive(), "sentinel died:\n" + self.sentinel.output())

    def err(self, *args):
        r = self.c.call(*args, raise_errors=False)
        self.assertIsInstance(r, RespError, "%r answered %r" % (args, r))
        return str(r)

    # -- what a sentinel accepts ----------------------------------------------------------
    def test_unknown_commands(self):
        self.assertEqual(self.err("GET", "x"), "ERR unknown command 'GET', with args beginning with: 'x' ")
        self.assertEqual(self.err("SET", "k", "v"), "ERR unknown command 'SET', with args beginning with: 'k' 'v' ")
        self.assertEqual(self.err("CONFIG", "GET", "port"),
                         "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' ")
        self.assertEqual(self.err("ECHO", "hi"), "ERR unknown command 'ECHO', with args beginning with: 'hi' ")
        self.assertEqual(self.err("CLUSTER", "INFO"),
                         "ERR unknown command 'CLUSTER', with args beginning with: 'INFO' ")
        # the connection still works
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_ping_and_client(self):
        self.assertEqual(self.c.call("PING"), b"PONG")
        self.assertEqual(self.c.call("PING", "hello"), b"hello")
        self.assertEqual(self.c.call("CLIENT", "SETNAME", "probe"), b"OK")
        self.assertEqual(self.c.call("CLIENT", "GETNAME"), b"probe")
        self.assertIn(b"name=probe", self.c.call("CLIENT", "LIST"))

    def test_command_lists_only_sentinel_commands(self):
        names = {n.decode() for n in self.c.call("COMMAND", "LIST")}
        self.assertIn("sentinel", names)
        self.assertIn("sentinel|masters", names)
        self.assertIn("ping", names)
        self.assertNotIn("get", names)
        self.assertNotIn("set", names)
        self.assertEqual(self.c.call("COMMAND", "COUNT"), len([n for n in names if "|" not in n]))

    def test_myid(self):
        myid = self.c.call("SENTINEL", "MYID")
        self.assertRegex(myid.decode(), r"^[0-9a-f]{40}$")
        self.assertEqual(self.c.call("SENTINEL", "myid"), myid)

    def test_role(self):
        self.assertEqual(self.c.call("ROLE"), [b"sentinel", [b"mymaster"]])

    def test_hello(self):
        r = self.c.call("HELLO", "3")
        self.assertEqual(list(r.keys()), [b"server", b"version", b"proto", b"id", b"mode", b"modules"])
        self.assertEqual(r[b"mode"], b"sentinel")
        self.assertEqual(r[b"proto"], 3)
        self.assertEqual(r[b"modules"], [])
        r2 = self.c.call("HELLO", "2")
        self.assertEqual(len(r2), 12)
        self.assertEqual(r2[8:10], [b"mode", b"sentinel"])

    def test_info_sections(self):
        text = self.c.call("INFO").decode()
        sections = re.findall(r"^# (\w+)\r$", text, re.M)
        self.assertEqual(sections, ["Server", "Clients", "Stats", "CPU", "Sentinel"])
        for arg in ("all", "default"):
            t = self.c.call("INFO", arg).decode()
            self.assertEqual(re.findall(r"^# (\w+)\r$", t, re.M), sections, arg)
        # "everything" adds redraft's Raft section (the sentinels' own group), as Redis adds
        # module sections: after the standard ones, before Sentinel's
        t = self.c.call("INFO", "everything").decode()
        self.assertEqual(re.findall(r"^# (\w+)\r$", t, re.M), ["Server", "Clients", "Stats", "CPU", "Raft", "Sentinel"])
        info = info_dict(text)
        self.assertEqual(info["redis_mode"], "sentinel")
        self.assertEqual(info["tcp_port"], str(self.sentinel.port))
        # sections a sentinel does not have: nothing at all
        self.assertEqual(self.c.call("INFO", "memory"), b"")
        self.assertEqual(self.c.call("INFO", "keyspace"), b"")
        self.assertEqual(self.c.call("INFO", "nosuchsection"), b"")
        self.assertEqual(re.findall(r"^# (\w+)\r$", self.c.call("INFO", "server", "sentinel").decode(), re.M),
                         ["Server", "Sentinel"])

    def test_info_sentinel(self):
        text = self.c.call("INFO", "sentinel").decode()
        lines = text.split("\r\n")
        self.assertEqual(lines[0], "# Sentinel")
        keys = [l.split(":", 1)[0] for l in lines[1:7]]
        self.assertEqual(keys, ["sentinel_masters", "sentinel_tilt", "sentinel_tilt_since_seconds",
                                "sentinel_running_scripts", "sentinel_scripts_queue_length",
                                "sentinel_simulate_failure_flags"])
        info = info_dict(text)
        self.assertEqual(info["sentinel_masters"], "1")
        self.assertEqual(info["sentinel_tilt"], "0")
        self.assertEqual(info["sentinel_tilt_since_seconds"], "-1")
        self.assertRegex(info["master0"],
                         r"^name=mymaster,status=(ok|sdown|odown),address=127\.0\.0\.1:\d+,slaves=\d+,sentinels=1$")
        self.assertTrue(text.endswith("\r\n") and not text.endswith("\r\n\r\n"))
        # RESP3: still a bulk string, as Redis Sentinel answers (not a verbatim string)
        self.c.call("HELLO", "3")
        r = self.c.call("INFO", "sentinel")
        self.assertIsInstance(r, bytes)
        self.assertNotIsInstance(r, Verbatim)

    def test_info_raft(self):
        # a lone sentinel is its own Raft group's leader, so the acting sentinel
        self.assertEqual(re.findall(r"^# (\w+)\r$", self.c.call("INFO", "raft").decode(), re.M), ["Raft"])
        self.assertTrue(wait_until(lambda: is_acting(self.sentinel), SHARD_WAIT, 0.05),
                        self.c.call("INFO", "raft"))
        info = raft_info(self.sentinel)
        self.assertEqual(info["raft_leader_id"], info["raft_id"])
        self.assertEqual(info["raft_members"], "1")

    # -- instance maps ----------------------------------------------------------------------
    def check_master_map(self, m):
        keys = [k for k in m if k not in OPTIONAL_KEYS]
        self.assertEqual(keys, MASTER_KEYS)
        self.assertEqual(m["name"], "mymaster")
        self.assertEqual(m["ip"], "127.0.0.1")
        self.assertEqual(m["quorum"], "2")
        self.assertEqual(m["down-after-milliseconds"], "3000")
        self.assertEqual(m["failover-timeout"], "180000")
        self.assertEqual(m["parallel-syncs"], "1")
        self.assertEqual(m["num-other-sentinels"], "0")
        self.assertIn(m["role-reported"], ("master", "slave"))
        self.assertTrue(flags_in_redis_order(m["flags"], "master"), m["flags"])
        for k in ("port", "link-pending-commands", "link-refcount", "last-ping-sent", "last-ok-ping-reply",
                  "last-ping-reply", "info-refresh", "role-reported-time", "config-epoch", "num-slaves"):
            self.assertRegex(m[k], r"^-?\d+$", k)

    def test_masters_resp2(self):
        r = self.c.call("SENTINEL", "MASTERS")
        self.assertEqual(len(r), 1)
        self.assertIsInstance(r[0], list)  # RESP2: a flat array of bulk strings
        self.assertTrue(all(isinstance(v, bytes) for v in r[0]))
        self.check_master_map(reply_map(r[0]))
        self.check_master_map(reply_map(self.c.call("SENTINEL", "MASTER", "mymaster")))

    def test_masters_resp3(self):
        self.c.call("HELLO", "3")
        r = self.c.call("SENTINEL", "MASTERS")
        self.assertIsInstance(r[0], dict)
        self.assertTrue(all(isinstance(v, bytes) for v in r[0].values()))
        self.check_master_map(reply_map(r[0]))
        m = self.c.call("SENTINEL", "MASTER", "mymaster")
        self.assertIsInstance(m, dict)
        self.check_master_map(reply_map(m))

    def test_master_follows_shard_leader(self):
        leader = self.shard.leader()

        def addr_ok():
            r = self.c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
            return r == [b"127.0.0.1", str(leader.port).encode()]
        self.assertTrue(wait_until(addr_ok, SHARD_WAIT, 0.1),
                        "get-master-addr-by-name: %r, leader %d" % (
                            self.c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"), leader.port))
        m = reply_map(self.c.call("SENTINEL", "MASTER", "mymaster"))
        self.assertEqual(m["port"], str(leader.port))

    def test_replicas_listed(self):
        leader = self.shard.leader()
        want = sorted(n.port for n in self.shard.nodes if n is not leader)

        def listed():
            return sorted(int(reply_map(r)["port"]) for r in self.c.call("SENTINEL", "REPLICAS", "mymaster")) == want
        self.assertTrue(wait_until(listed, SHARD_WAIT, 0.1),
                        "replicas: %r" % self.c.call("SENTINEL", "REPLICAS", "mymaster"))
        for r in self.c.call("SENTINEL", "REPLICAS", "mymaster"):
            m = reply_map(r)
            self.assertEqual([k for k in m if k not in OPTIONAL_KEYS], REPLICA_KEYS)
            self.assertEqual(m["name"], "127.0.0.1:%s" % m["port"])
            self.assertTrue(flags_in_redis_order(m["flags"], "slave"), m["flags"])
        slaves = [reply_map(r)["name"] for r in self.c.call("SENTINEL", "SLAVES", "mymaster")]
        self.assertEqual(sorted(slaves), sorted("127.0.0.1:%d" % p for p in want))
        self.assertTrue(wait_until(lambda: reply_map(self.c.call("SENTINEL", "MASTER", "mymaster"))["num-slaves"]
                                   == "2", SHARD_WAIT, 0.1))

    def test_reset_rediscovers_the_replicas(self):
        # Redis's SENTINEL RESET forgets a master's replicas and finds them again (+slave).
        leader = self.shard.leader()
        want = sorted(n.port for n in self.shard.nodes if n is not leader)

        def ports():
            return sorted(int(reply_map(r)["port"]) for r in self.c.call("SENTINEL", "REPLICAS", "mymaster"))
        self.assertTrue(wait_until(lambda: ports() == want, SHARD_WAIT, 0.1), ports())
        sub = self.sentinel.client()
        try:
            sub.send_raw(Client.encode("SUBSCRIBE", "+slave"))
            self.assertEqual(sub.read_reply(), [b"subscribe", b"+slave", 1])
            self.assertEqual(self.c.call("SENTINEL", "RESET", "mymaster"), 1)
            found = sorted(int(sub.read_reply()[2].split()[3]) for _ in want)
            self.assertEqual(found, want)
        finally:
            sub.close()
        self.assertTrue(wait_until(lambda: ports() == want, SHARD_WAIT, 0.1), ports())
        self.assertEqual(self.c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"),
                         [b"127.0.0.1", str(leader.port).encode()])

    def test_sentinels_of_a_lone_sentinel(self):
        self.assertEqual(self.c.call("SENTINEL", "SENTINELS", "mymaster"), [])

    # -- errors -----------------------------------------------------------------------------
    def test_unknown_master(self):
        for args in (("MASTER", "nope"), ("REPLICAS", "nope"), ("SLAVES", "nope"), ("SENTINELS", "nope"),
                     ("CKQUORUM", "nope"), ("FAILOVER", "nope"), ("REMOVE", "nope"),
                     ("SET", "nope", "quorum", "1")):
            self.assertEqual(self.err("SENTINEL", *args), NO_SUCH_MASTER, args)
        self.assertIsNone(self.c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"))
        self.c.send_raw(Client.encode("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"))
        self.assertEqual(self.c._line(), b"*-1")
        self.c.call("HELLO", "3")
        self.c.send_raw(Client.encode("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"))
        self.assertEqual(self.c._line(), b"_")

    def test_unknown_subcommand_and_arity(self):
        self.assertEqual(self.err("SENTINEL", "FOO"), "ERR unknown subcommand 'FOO'. Try SENTINEL HELP.")
        self.assertEqual(self.err("SENTINEL"), "ERR wrong number of arguments for 'sentinel' command")
        for args, name in ((("MASTER",), "master"), (("MASTERS", "x"), "masters"), (("MYID", "x"), "myid"),
                           (("CKQUORUM",), "ckquorum"), (("RESET",), "reset"), (("FAILOVER",), "failover"),
                           (("REPLICAS",), "replicas"), (("INFO-CACHE",), "info-cache"),
                           (("PENDING-SCRIPTS", "x"), "pending-scripts"), (("FLUSHCONFIG", "x"), "flushconfig"),
                           (("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0"), "is-master-down-by-addr"),
                           (("GET-MASTER-ADDR-BY-NAME",), "get-master-addr-by-name"), (("HELP", "x"), "help"),
                           (("MONITOR", "a", "b", "c"), "monitor"), (("SET", "mymaster"), "set"),
                           (("SET", "mymaster", "quorum"), "set"), (("SIMULATE-FAILURE",), "simulate-failure"),
                           (("CONFIG",), "config")):
            self.assertEqual(self.err("SENTINEL", *args),
                             "ERR wrong number of arguments for 'sentinel|%s' command" % name, args)

    def test_ckquorum(self):
        self.assertEqual(self.err("SENTINEL", "CKQUORUM", "mymaster"),
                         "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified "
                         "quorum for this master")
        try:
            self.assertEqual(self.c.call("SENTINEL", "SET", "mymaster", "quorum", "1"), b"OK")
            self.assertEqual(self.c.call("SENTINEL", "CKQUORUM", "mymaster"),
                             b"OK 1 usable Sentinels. Quorum and failover authorization can be reached")
        finally:
            self.c.call("SENTINEL", "SET", "mymaster", "quorum", "2")
        self.assertEqual(reply_map(self.c.call("SENTINEL", "MASTER", "mymaster"))["quorum"], "2")

    def test_is_master_down_by_addr(self):
        self.assertEqual(self.err("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "0", "*"),
                         "ERR value is not an integer or out of range")
        self.assertEqual(self.err("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "x", "*"),
                         "ERR value is not an integer or out of range")
        self.assertEqual(self.c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*"),
                         [0, b"*", 0])
        leader = self.shard.leader()
        r = self.c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", str(leader.port), "0", "*")
        self.assertEqual(r, [0, b"*", 0])  # up, and no vote asked for

    def test_config(self):
        r = self.c.call("SENTINEL", "CONFIG", "GET", "*")
        keys = [r[i].decode() for i in range(0, len(r), 2)]
        self.assertEqual(keys, ["resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port",
                                "sentinel-user", "sentinel-pass", "loglevel"])
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "GET", "resolve*"), [b"resolve-hostnames", b"no"])
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "GET", "nomatch"), [])
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "SET", "announce-port", "1234"), b"OK")
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "GET", "announce-port"), [b"announce-port", b"1234"])
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "SET", "announce-port", "0", "resolve-hostnames", "no"),
                         b"OK")
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "GET", "announce-port"), [b"announce-port", b"0"])
        self.assertEqual(self.err("SENTINEL", "CONFIG", "SET", "foo", "bar"),
                         "ERR Invalid argument 'foo' to SENTINEL CONFIG SET")
        self.assertEqual(self.err("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"),
                         "ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'")
        self.assertEqual(self.err("SENTINEL", "CONFIG", "SET", "announce-port", "70000"),
                         "ERR Invalid value '70000' to SENTINEL CONFIG SET 'announce-port'")
        self.assertEqual(self.err("SENTINEL", "CONFIG", "FOO"),
                         "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.")
        self.c.call("HELLO", "3")
        self.assertEqual(self.c.call("SENTINEL", "CONFIG", "GET", "loglevel"), {b"loglevel": b"notice"})

    def test_monitor_set_remove_and_events(self):
        sub = self.sentinel.client()
        try:
            sub.send_raw(Client.encode("PSUBSCRIBE", "*"))
            self.assertEqual(sub.read_reply(), [b"psubscribe", b"*", 1])
            port = harness.free_port()
            for args, msg in ((("m2", "127.0.0.1", str(port), "0"), "ERR Quorum must be 1 or greater."),
                              (("m2", "127.0.0.1", "abc", "1"), "ERR Invalid port"),
                              (("m2", "127.0.0.1", str(port), "x"), "ERR Invalid quorum"),
                              (("m2", "127.0.0.1", "99999", "1"), "ERR Invalid port number."),
                              (("m2", "bad..host", str(port), "1"), "ERR Invalid IP address or hostname specified"),
                              (("mymaster", "127.0.0.1", str(port), "1"), "ERR Duplicate master name.")):
                self.assertEqual(self.err("SENTINEL", "MONITOR", *args), msg, args)
            self.assertEqual(self.c.call("SENTINEL", "MONITOR", "m2", "127.0.0.1", str(port), "1"), b"OK")
            self.assertEqual(next_event(sub, b"+monitor"), ("master m2 127.0.0.1 %d quorum 1" % port).encode())
            self.assertEqual(self.c.call("ROLE"), [b"sentinel", [b"mymaster", b"m2"]])
            self.assertEqual(self.c.call("SENTINEL", "SET", "m2", "down-after-milliseconds", "1234",
                                         "failover-timeout", "5000"), b"OK")
            self.assertEqual(next_event(sub, b"+set"),
                             ("master m2 127.0.0.1 %d down-after-milliseconds 1234" % port).encode())
            self.assertEqual(next_event(sub, b"+set"), ("master m2 127.0.0.1 %d failover-timeout 5000" % port).encode())
            self.assertEqual(self.c.call("SENTINEL", "SET", "m2", "auth-pass", "secret"), b"OK")
            self.assertEqual(next_event(sub, b"+set"), ("master m2 127.0.0.1 %d auth-pass ******" % port).encode())
            m = reply_map(self.c.call("SENTINEL", "MASTER", "m2"))
            self.assertEqual((m["down-after-milliseconds"], m["failover-timeout"], m["quorum"]), ("1234", "5000", "1"))
            for args, msg in ((("quorum", "0"), "ERR Invalid argument '0' for SENTINEL SET 'quorum'"),
                              (("parallel-syncs", "0"), "ERR Invalid argument '0' for SENTINEL SET 'parallel-syncs'"),
                              (("down-after-milliseconds", "x"),
                               "ERR Invalid argument 'x' for SENTINEL SET 'down-after-milliseconds'"),
                              (("foo", "1"), "ERR Unknown option or number of arguments for SENTINEL SET 'foo'"),
                              (("quorum", "2", "x"), "ERR Unknown option or number of arguments for SENTINEL SET 'x'")):
                self.assertEqual(self.err("SENTINEL", "SET", "m2", *args), msg, args)
            self.assertEqual(self.c.call("SENTINEL", "RESET", "m?"), 1)
            self.assertEqual(next_event(sub, b"+reset-master"), ("master m2 127.0.0.1 %d" % port).encode())
            self.assertEqual(self.c.call("SENTINEL", "RESET", "nomatch"), 0)
            self.assertEqual(self.c.call("SENTINEL", "REMOVE", "m2"), b"OK")
            self.assertEqual(next_event(sub, b"-monitor"), ("master m2 127.0.0.1 %d" % port).encode())
            self.assertEqual(self.err("SENTINEL", "MASTER", "m2"), NO_SUCH_MASTER)
            self.assertEqual(self.c.call("ROLE"), [b"sentinel", [b"mymaster"]])
            self.assertEqual(info_dict(self.c.call("INFO", "sentinel"))["sentinel_masters"], "1")
        finally:
            sub.close()
            self.c.call("SENTINEL", "REMOVE", "m2", raise_errors=False)

    def test_simulate_failure(self):
        try:
            self.assertEqual(self.c.call("SENTINEL", "SIMULATE-FAILURE", "help"),
                             [b"crash-after-election", b"crash-after-promotion"])
            self.assertEqual(self.c.call("SENTINEL", "SIMULATE-FAILURE", "crash-after-election"), b"OK")
            self.assertEqual(info_dict(self.c.call("INFO", "sentinel"))["sentinel_simulate_failure_flags"], "1")
            self.assertEqual(self.c.call("SENTINEL", "SIMULATE-FAILURE", "crash-after-promotion",
                                         "CRASH-AFTER-ELECTION"), b"OK")
            self.assertEqual(info_dict(self.c.call("INFO", "sentinel"))["sentinel_simulate_failure_flags"], "3")
        finally:
            # an unknown name resets the flags first, then fails (as Redis)
            self.assertEqual(self.err("SENTINEL", "SIMULATE-FAILURE", "foo"), "ERR Unknown failure simulation specified")
        self.assertEqual(info_dict(self.c.call("INFO", "sentinel"))["sentinel_simulate_failure_flags"], "0")

    def test_publish(self):
        self.assertEqual(self.err("PUBLISH", "chan", "msg"), "ERR Only HELLO messages are accepted by Sentinel instances.")
        self.assertEqual(self.c.call("PUBLISH", "__sentinel__:hello", "x"), 1)

    def test_misc_subcommands(self):
        self.assertEqual(self.c.call("SENTINEL", "FLUSHCONFIG"), b"OK")
        self.assertEqual(self.c.call("SENTINEL", "PENDING-SCRIPTS"), [])
        self.assertEqual(self.c.call("SENTINEL", "INFO-CACHE", "nope"), [])
        def cached():
            cache = self.c.call("SENTINEL", "INFO-CACHE", "mymaster")
            return cache if len(cache[1]) == 3 and all(e[1] for e in cache[1]) else None
        self.assertTrue(wait_until(cached, SHARD_WAIT, 0.1), self.c.call("SENTINEL", "INFO-CACHE", "mymaster"))
        cache = cached()
        self.assertEqual(cache[0], b"mymaster")
        # the master first, then the replicas: [ms since the INFO reply, its text]
        texts = [str(e[1]) for e in cache[1]]
        self.assertIn("role:master", texts[0])
        self.assertTrue(all("role:slave" in t for t in texts[1:]), texts)
        self.assertTrue(all(isinstance(e[0], int) and 0 <= e[0] < 10000 for e in cache[1]), cache[1])
        help_lines = self.c.call("SENTINEL", "HELP")
        self.assertEqual(help_lines[0], b"SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        self.assertEqual(help_lines[-2:], [b"HELP", b"    Prints this help."])
        debug = reply_map(self.c.call("SENTINEL", "DEBUG"))
        self.assertIn("INFO-PERIOD", debug)
        self.assertIn("PING-PERIOD", debug)

    # -- the config file (Redis's sentinelFlushConfig) --------------------------------------
    def test_config_file_survives_restart(self):
        """SENTINEL MONITOR / SET / CONFIG SET / REMOVE rewrite the sentinel's config file,
        so a restarted sentinel has them; the file's other lines stay."""
        seed = self.shard.nodes[0]
        port2 = harness.free_port()
        comment = "# an unrelated comment that stays"
        s = Sentinel(config=[comment, "sentinel monitor mymaster 127.0.0.1 %d 2" % seed.port,
                             "sentinel spare 127.0.0.1 %d" % harness.free_port()]).start()
        path = os.path.join(s.dir, "redraft.conf")

        def read_conf():
            with open(path) as f:
                return f.read()

        def restart():
            # the harness writes config_lines at every start: hand it the file as left
            s.config_lines = read_conf().splitlines()
            self.assertEqual(s.stop(), 0, s.output())
            s.start()

        try:
            self.assertEqual(s.call("SENTINEL", "MONITOR", "m2", "127.0.0.1", str(port2), "1"), b"OK")
            self.assertIn("sentinel monitor m2 127.0.0.1 %d 1" % port2, read_conf().splitlines())
            self.assertEqual(s.call("SENTINEL", "SET", "m2", "quorum", "3", "down-after-milliseconds", "4321",
                                    "failover-timeout", "9000", "parallel-syncs", "2", "auth-pass", "two words"),
                             b"OK")
            self.assertEqual(s.call("SENTINEL", "SET", "mymaster", "down-after-milliseconds", "2500"), b"OK")
            self.assertEqual(s.call("SENTINEL", "CONFIG", "SET", "announce-port", "4567"), b"OK")
            self.assertEqual(s.call("SENTINEL", "FLUSHCONFIG"), b"OK")
            text = read_conf()
            self.assertEqual(s.call("SENTINEL", "FLUSHCONFIG"), b"OK")
            self.assertEqual(read_conf(), text)  # a second rewrite changes nothing
            lines = text.splitlines()
            self.assertEqual(lines[0], comment)
            sl = [l for l in lines if l.startswith("sentinel ")]
            # Redis's order: each master's monitor line, then its options
            self.assertEqual(sl[sl.index("sentinel monitor m2 127.0.0.1 %d 3" % port2):][:5],
                             ["sentinel monitor m2 127.0.0.1 %d 3" % port2,
                              "sentinel down-after-milliseconds m2 4321", "sentinel failover-timeout m2 9000",
                              "sentinel parallel-syncs m2 2", 'sentinel auth-pass m2 "two words"'])
            self.assertRegex(sl[0], r"^sentinel monitor mymaster 127\.0\.0\.1 \d+ 2$")
            self.assertEqual(sl[1], "sentinel down-after-milliseconds mymaster 2500")
            self.assertIn("sentinel announce-port 4567", sl)
            self.assertEqual(len([l for l in sl if l.startswith("sentinel spare ")]), 1)

            restart()
            m2 = s.master("m2")
            self.assertEqual((m2["ip"], m2["port"], m2["quorum"], m2["down-after-milliseconds"],
                              m2["failover-timeout"], m2["parallel-syncs"]),
                             ("127.0.0.1", str(port2), "3", "4321", "9000", "2"))
            m = s.master("mymaster")
            self.assertEqual((m["quorum"], m["down-after-milliseconds"]), ("2", "2500"))
            self.assertEqual(s.call("SENTINEL", "CONFIG", "GET", "announce-port"), [b"announce-port", b"4567"])
            self.assertEqual(s.call("SENTINEL", "FLUSHCONFIG"), b"OK")
            self.assertIn('sentinel auth-pass m2 "two words"', read_conf().splitlines())  # read back verbatim

            self.assertEqual(s.call("SENTINEL", "REMOVE", "m2"), b"OK")
            restart()
            self.assertEqual(str(s.call("SENTINEL", "MASTER", "m2", raise_errors=False)), NO_SUCH_MASTER)
            self.assertEqual(s.call("ROLE"), [b"sentinel", [b"mymaster"]])
            text = read_conf()
            self.assertNotIn(" m2 ", text)
            self.assertEqual(text.splitlines()[0], comment)
            self.assertEqual(s.master("mymaster")["down-after-milliseconds"], "2500")
        finally:
            bad = stop_all(nodes=[s])
        self.assertEqual(bad, [])


SENTINEL_KEYS = ["name", "ip", "port", "runid", "flags", "link-pending-commands", "link-refcount",
                 "last-ping-sent", "last-ok-ping-reply", "last-ping-reply", "down-after-milliseconds",
                 "last-hello-message", "voted-leader", "voted-leader-epoch"]


class SentinelGroupApiTest(unittest.TestCase):
    """Three sentinels in one Raft group: each lists the two others (Redis's sentinel
    maps), counts them in CKQUORUM and INFO, and accepts the group's RAFT traffic."""

    @classmethod
    def setUpClass(cls):
        cls.group = sentinel_group([("mymaster", harness.free_port())])

    @classmethod
    def tearDownClass(cls):
        bad = stop_all(cls.group)
        if bad:
            raise AssertionError("\n".join(bad))

    def test_each_lists_the_others(self):
        ids = {s.port: s.call("SENTINEL", "MYID").decode() for s in self.group.sentinels}
        self.assertEqual(len(set(ids.values())), 3)
        for s in self.group.sentinels:
            want = sorted((p, i) for p, i in ids.items() if p != s.port)

            def listed():
                return sorted((int(m["port"]), m["runid"]) for m in s.sentinels("mymaster")) == want
            self.assertTrue(wait_until(listed, SHARD_WAIT, 0.1), "%d lists %r" % (s.port, s.sentinels("mymaster")))
            for m in s.sentinels("mymaster"):
                self.assertEqual([k for k in m if k not in OPTIONAL_KEYS], SENTINEL_KEYS)
                self.assertEqual(m["name"], m["runid"])
                self.assertEqual(m["ip"], "127.0.0.1")
                self.assertTrue(flags_in_redis_order(m["flags"], "sentinel"), m["flags"])
            self.assertTrue(wait_until(lambda: s.master("mymaster")["num-other-sentinels"] == "2", SHARD_WAIT, 0.1))
            self.assertTrue(wait_until(
                lambda: s.call("SENTINEL", "CKQUORUM", "mymaster", raise_errors=False)
                == b"OK 3 usable Sentinels. Quorum and failover authorization can be reached", SHARD_WAIT, 0.1),
                s.call("SENTINEL", "CKQUORUM", "mymaster", raise_errors=False))
            self.assertRegex(s.info("sentinel")["master0"], r",sentinels=3$")

    def test_one_acting_sentinel(self):
        # INFO raft: exactly one leader, which every sentinel names
        act = acting(self.group)
        self.assertIsNotNone(act, [raft_info(s) for s in self.group.sentinels])
        self.assertEqual([s for s in self.group.sentinels if is_acting(s)], [act])
        self.assertTrue(wait_until(lambda: all(raft_info(s)["raft_leader_id"] == str(act.raft_id)
                                               for s in self.group.sentinels), SHARD_WAIT, 0.05),
                        [raft_info(s) for s in self.group.sentinels])

    def test_raft_members(self):
        for s in self.group.sentinels:
            def three():
                r = s.call("RAFT", "MEMBERS", raise_errors=False)
                return isinstance(r, list) and sorted(str(reply_map(m)["port"]) for m in r) == sorted(
                    str(x.port) for x in self.group.sentinels)
            self.assertTrue(wait_until(three, SHARD_WAIT, 0.1), s.call("RAFT", "MEMBERS", raise_errors=False))


class SentinelStartupTest(unittest.TestCase):
    """Configuration errors stop the process with Redis's message; nodes are unchanged."""

    def run_bad(self, *words):
        cmd = [os.path.join(harness.BIN, "redraft-sentinel"), "--port", str(harness.free_port()),
               "--dir", "/nonexistent-unused", "--sentinel"] + list(words)
        r = subprocess.run(cmd, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        return r.stderr.decode()

    def test_bad_sentinel_lines(self):
        self.assertIn("Quorum must be 1 or greater.", self.run_bad("monitor", "m", "127.0.0.1", "7000", "0"))
        self.assertIn("Invalid port number.", self.run_bad("monitor", "m", "127.0.0.1", "99999", "1"))
        self.assertIn("No such master with specified name.",
                      self.run_bad("down-after-milliseconds", "nope", "100"))
        self.assertIn("Unrecognized sentinel configuration statement.", self.run_bad("frobnicate", "x"))
        out = self.run_bad("monitor", "m", "127.0.0.1", "7000", "0")
        self.assertIn("*** FATAL CONFIG FILE ERROR", out)

    def test_node_does_not_know_sentinel(self):
        node = harness.Node().start()
        try:
            with node.client() as c:
                r = c.call("SENTINEL", "MASTERS", raise_errors=False)
                self.assertEqual(str(r), "ERR unknown command 'SENTINEL', with args beginning with: 'MASTERS' ")
                hello = c.call("HELLO", "3")
                self.assertEqual(hello[b"mode"], b"standalone")
                self.assertIn(b"role", hello)
                self.assertEqual(info_dict(c.call("INFO", "server"))["redis_mode"], "standalone")
                self.assertNotIn(b"sentinel", c.call("COMMAND", "LIST"))
        finally:
            code = node.stop()
            node.cleanup()
        self.assertEqual(code, 0)
        cmd = [os.path.join(harness.BIN, "redraft-node"), "--port", str(harness.free_port()),
               "--sentinel", "monitor", "m", "127.0.0.1", "7000", "1"]
        r = subprocess.run(cmd, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("sentinel directive while not in sentinel mode", r.stderr.decode())

    def test_without_config_file(self):
        """Started with flags only, a sentinel runs and keeps runtime changes in memory;
        FLUSHCONFIG answers Redis's error, and the missing file is logged once."""
        s = FilelessSentinel(args=["--sentinel", "monitor", "mymaster", "127.0.0.1", harness.free_port(), "1"])
        s.start()
        try:
            self.assertFalse(os.path.exists(os.path.join(s.dir, "redraft.conf")))
            self.assertEqual(s.call("SENTINEL", "SET", "mymaster", "quorum", "2"), b"OK")
            self.assertEqual(s.call("SENTINEL", "MONITOR", "m2", "127.0.0.1", str(harness.free_port()), "1"), b"OK")
            self.assertEqual(s.master("mymaster")["quorum"], "2")
            self.assertEqual(str(s.call("SENTINEL", "FLUSHCONFIG", raise_errors=False)),
                             "ERR Failed to save config file. Check server logs.")
            self.assertEqual(s.output().count("started without a config file"), 1)
            self.assertFalse([f for f in os.listdir(s.dir) if f.endswith(".conf") or ".tmp-" in f])
        finally:
            bad = stop_all(nodes=[s])
        self.assertEqual(bad, [])

    def test_shutdown(self):
        s = Sentinel().start()
        try:
            with s.client() as c:
                c.send_raw(Client.encode("SHUTDOWN"))
                self.assertTrue(c.is_closed(timeout=SHARD_WAIT))
            self.assertTrue(wait_until(lambda: not s.alive(), SHARD_WAIT))
            self.assertEqual(s.proc.returncode, 0)
            self.assertFalse(s.sanitizer_report(), s.output())
        finally:
            s.cleanup()


if __name__ == "__main__":
    harness.main()
