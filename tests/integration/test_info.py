"""INFO: sections, their order and format, and the fields clients and tools read.

bullmq reads redis_version and maxmemory_policy, ioredis waits on loading:0, Sentinel
parses run_id/role/master_*/slave*, redis-py and exporters parse every key:value line.
So every line must be `key:value`, sections `# Name`, CRLF endings, one blank line
between sections, and the values must parse as what they claim to be.
"""
import os
import re
import time
import unittest

import harness
from harness import NodeTestCase, RespError, Verbatim

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication",
                    "CPU", "Modules", "Errorstats", "Cluster", "Keyspace", "Raft"]
ALL_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication",
                "CPU", "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster",
                "Keyspace", "Raft"]  # redraft's own section comes last, as module sections do


def parse_info(raw):
    """bytes/str INFO text -> (list of section names in order, {section: {key: value}}).
    Asserts the wire format along the way."""
    if isinstance(raw, bytes):
        raw = raw.decode()
    assert raw == "" or raw.endswith("\r\n"), repr(raw[-20:])
    assert "\n" not in raw.replace("\r\n", ""), "bare LF in INFO"
    order, sections, current = [], {}, None
    lines = raw.split("\r\n")[:-1] if raw else []
    for i, line in enumerate(lines):
        if line.startswith("# "):
            current = line[2:]
            assert current not in sections, "section twice: " + current
            if order:
                assert lines[i - 1] == "", "no blank line before # " + current
            order.append(current)
            sections[current] = {}
        elif line == "":
            assert i + 1 < len(lines) and lines[i + 1].startswith("# "), "stray blank line"
        else:
            assert current is not None, "field before any section: " + line
            key, sep, value = line.partition(":")
            assert sep and key and " " not in key, "not key:value: %r" % line
            assert key not in sections[current], "duplicate field " + key
            sections[current][key] = value
    return order, sections


def version_tuple(v):
    return tuple(int(x) for x in v.split("."))


class InfoTest(NodeTestCase):

    def info(self, *sections):
        raw = self.c.call("INFO", *sections)
        return parse_info(raw)

    def test_default_sections_and_format(self):
        order, _ = self.info()
        self.assertEqual(order, DEFAULT_SECTIONS)
        self.assertEqual(self.info("default")[0], DEFAULT_SECTIONS)

    def test_all_and_everything(self):
        self.assertEqual(self.info("all")[0], ALL_SECTIONS)
        self.assertEqual(self.info("everything")[0], ALL_SECTIONS)
        self.assertEqual(self.info("ALL")[0], ALL_SECTIONS)

    def test_selected_sections_keep_redis_order(self):
        self.assertEqual(self.info("server")[0], ["Server"])
        self.assertEqual(self.info("SERVER")[0], ["Server"])
        self.assertEqual(self.info("keyspace", "clients", "server")[0], ["Server", "Clients", "Keyspace"])
        self.assertEqual(self.info("commandstats")[0], ["Commandstats"])
        self.assertEqual(self.info("default", "commandstats")[0][8], "Commandstats")
        self.assertEqual(self.info("server", "server")[0], ["Server"])

    def test_unknown_section_is_empty(self):
        self.assertEqual(self.c.call("INFO", "nosuchsection"), b"")
        self.assertEqual(self.info("nosuchsection", "cluster")[0], ["Cluster"])

    def test_server_section(self):
        s = self.info("server")[1]["Server"]
        self.assertGreaterEqual(version_tuple(s["redis_version"]), (7, 2, 0))
        self.assertLess(version_tuple(s["redis_version"]), (8, 0, 0))
        self.assertRegex(s["redraft_version"], r"^\d+\.\d+\.\d+$")
        self.assertEqual(s["redis_mode"], "standalone")
        self.assertTrue(s["os"].startswith("Linux"), s["os"])
        self.assertIn(s["arch_bits"], ("32", "64"))
        self.assertEqual(int(s["process_id"]), self.node.proc.pid)
        self.assertRegex(s["run_id"], r"^[0-9a-f]{40}$")
        self.assertEqual(int(s["tcp_port"]), self.node.port)
        self.assertLess(abs(int(s["server_time_usec"]) / 1e6 - time.time()), 5)
        self.assertGreaterEqual(int(s["uptime_in_seconds"]), 0)
        self.assertLess(int(s["uptime_in_seconds"]), 3600)
        self.assertEqual(int(s["uptime_in_days"]), 0)
        self.assertGreater(int(s["hz"]), 0)
        self.assertEqual(s["hz"], s["configured_hz"])
        self.assertTrue(s["executable"].endswith("redraft-node"), s["executable"])
        self.assertIn("config_file", s)
        self.assertIn("lru_clock", s)
        # the run id identifies the process: stable across calls
        self.assertEqual(self.info("server")[1]["Server"]["run_id"], s["run_id"])

    def test_clients_section(self):
        s = self.info("clients")[1]["Clients"]
        base = int(s["connected_clients"])
        self.assertGreaterEqual(base, 1)
        with self.node.client() as other:
            other.call("PING")
            s2 = self.info("clients")[1]["Clients"]
            self.assertEqual(int(s2["connected_clients"]), base + 1)
        for key in ("blocked_clients", "maxclients", "client_recent_max_input_buffer",
                    "client_recent_max_output_buffer", "tracking_clients"):
            self.assertGreaterEqual(int(s[key]), 0, key)
        self.assertGreater(int(s["maxclients"]), 0)

    def test_memory_section(self):
        m = self.info("memory")[1]["Memory"]
        used = int(m["used_memory"])
        self.assertGreater(used, 0)
        self.assertRegex(m["used_memory_human"], r"^\d+(\.\d\d[KMGTP])?B?$")
        self.assertGreater(int(m["used_memory_rss"]), 0)
        self.assertGreaterEqual(int(m["used_memory_peak"]), used)
        self.assertEqual(int(m["maxmemory"]), 0)
        self.assertEqual(m["maxmemory_human"], "0B")
        self.assertEqual(m["maxmemory_policy"], "noeviction")
        float(m["mem_fragmentation_ratio"])
        self.assertTrue(m["used_memory_peak_perc"].endswith("%"))
        float(m["used_memory_peak_perc"][:-1])
        self.assertGreater(int(m["total_system_memory"]), 0)
        for key in ("used_memory_overhead", "used_memory_startup", "used_memory_dataset",
                    "allocator_allocated", "allocator_active", "allocator_resident",
                    "mem_clients_normal"):
            self.assertGreaterEqual(int(m[key]), 0, key)
        if harness.SANITIZE:
            self.assertEqual(m["mem_allocator"], "libc")
        else:
            self.assertRegex(m["mem_allocator"], r"^jemalloc-\d+\.\d+\.\d+$")
            self.assertGreater(int(m["allocator_allocated"]), 0)
            self.assertGreaterEqual(int(m["allocator_resident"]), int(m["allocator_active"]))

    def test_used_memory_grows_with_data(self):
        self.c.call("SELECT", 9)
        before = int(self.info("memory")[1]["Memory"]["used_memory"])
        args = ["MSET"]
        for i in range(2000):
            args += ["memkey:%d" % i, "x" * 100]
        self.c.call(*args)
        after = int(self.info("memory")[1]["Memory"]["used_memory"])
        self.assertGreater(after - before, 2000 * 100)
        self.c.call("FLUSHDB")

    def test_persistence_section(self):
        p = self.info("persistence")[1]["Persistence"]
        self.assertEqual(p["loading"], "0")
        self.assertEqual(p["aof_enabled"], "0")
        self.assertLessEqual(int(p["rdb_last_save_time"]), time.time() + 1)
        self.assertGreater(int(p["rdb_last_save_time"]), time.time() - 3600)
        self.assertGreaterEqual(int(p["rdb_changes_since_last_save"]), 0)

    def test_stats_section(self):
        s = self.info("stats")[1]["Stats"]
        for key in ("total_connections_received", "total_commands_processed",
                    "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
                    "rejected_connections", "expired_keys", "evicted_keys", "keyspace_hits",
                    "keyspace_misses", "total_error_replies",
                    "client_query_buffer_limit_disconnections",
                    "client_output_buffer_limit_disconnections"):
            self.assertGreaterEqual(int(s[key]), 0, key)
        # every command counts, INFO included
        for _ in range(5):
            self.c.call("PING")
        s2 = self.info("stats")[1]["Stats"]
        self.assertGreaterEqual(int(s2["total_commands_processed"]),
                                int(s["total_commands_processed"]) + 6)
        self.assertGreater(int(s2["total_net_input_bytes"]), int(s["total_net_input_bytes"]))
        with self.node.client() as other:
            other.call("PING")
        s3 = self.info("stats")[1]["Stats"]
        self.assertGreater(int(s3["total_connections_received"]), int(s["total_connections_received"]))

    def test_keyspace_hits_and_misses(self):
        self.c.call("SELECT", 8)
        self.c.call("SET", "hitkey", "v")
        s = self.info("stats")[1]["Stats"]
        self.c.call("GET", "hitkey")
        self.c.call("GET", "hitkey")
        self.c.call("GET", "no-such-key")
        s2 = self.info("stats")[1]["Stats"]
        self.assertEqual(int(s2["keyspace_hits"]) - int(s["keyspace_hits"]), 2)
        self.assertEqual(int(s2["keyspace_misses"]) - int(s["keyspace_misses"]), 1)
        self.c.call("FLUSHDB")

    def test_replication_section(self):
        r = self.info("replication")[1]["Replication"]
        self.assertEqual(r["role"], "master")
        self.assertEqual(r["connected_slaves"], "0")
        self.assertRegex(r["master_replid"], r"^[0-9a-f]{40}$")
        self.assertRegex(r["master_replid2"], r"^[0-9a-f]{40}$")
        self.assertGreaterEqual(int(r["master_repl_offset"]), 0)
        self.assertEqual(r["master_failover_state"], "no-failover")
        int(r["second_repl_offset"])

    def test_cpu_section(self):
        c = self.info("cpu")[1]["CPU"]
        for key in ("used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children"):
            self.assertRegex(c[key], r"^\d+\.\d{6}$")

    def test_cluster_and_modules(self):
        order, sec = self.info("cluster", "modules")
        self.assertEqual(order, ["Modules", "Cluster"])
        self.assertEqual(sec["Cluster"]["cluster_enabled"], "0")
        self.assertEqual(sec["Modules"], {})

    def test_keyspace_after_writes(self):
        self.c.call("SELECT", 5)
        self.c.call("FLUSHDB")
        self.assertNotIn("db5", self.info("keyspace")[1]["Keyspace"])
        self.c.call("SET", "a", "1")
        self.c.call("SET", "b", "2")
        self.c.call("SET", "c", "3", "EX", "100")
        ks = self.info("keyspace")[1]["Keyspace"]
        m = re.match(r"^keys=(\d+),expires=(\d+),avg_ttl=(\d+)$", ks["db5"])
        self.assertIsNotNone(m, ks["db5"])
        self.assertEqual(int(m.group(1)), 3)
        self.assertEqual(int(m.group(2)), 1)
        self.assertLessEqual(int(m.group(3)), 100000)
        self.c.call("SELECT", 6)
        self.c.call("SET", "x", "1")
        ks = self.info("keyspace")[1]["Keyspace"]
        self.assertEqual(ks["db6"].split(",")[0], "keys=1")
        self.c.call("DEL", "x")
        self.assertNotIn("db6", self.info("keyspace")[1]["Keyspace"])
        self.c.call("SELECT", 5)
        self.c.call("FLUSHDB")

    def test_commandstats_counting(self):
        def stats(name):
            cs = self.info("commandstats")[1]["Commandstats"]
            line = cs.get("cmdstat_" + name)
            if line is None:
                return None
            m = re.match(r"^calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),"
                         r"rejected_calls=(\d+),failed_calls=(\d+)$", line)
            self.assertIsNotNone(m, line)
            return [int(m.group(1)), int(m.group(2)), float(m.group(3)), int(m.group(4)), int(m.group(5))]

        before = stats("strlen") or [0, 0, 0.0, 0, 0]
        for _ in range(7):
            self.c.call("STRLEN", "k")
        after = stats("strlen")
        self.assertEqual(after[0] - before[0], 7)
        self.assertAlmostEqual(after[2], after[1] / after[0], delta=0.01)
        # subcommands are reported as container|sub
        self.c.call("CLIENT", "ID")
        self.assertIsNotNone(stats("client|id"))
        # wrong arity is a rejected call
        self.assertRaises(RespError, self.c.call, "STRLEN")
        self.assertEqual(stats("strlen")[3], after[3] + 1)
        # an error from the command itself is a failed call
        self.c.call("SET", "notanumber", "abc")
        before = stats("incr") or [0, 0, 0.0, 0, 0]
        self.assertRaises(RespError, self.c.call, "INCR", "notanumber")
        self.assertEqual(stats("incr")[4], before[4] + 1)
        self.c.call("DEL", "notanumber")

    def test_errorstats(self):
        def count(code):
            es = self.info("errorstats")[1]["Errorstats"]
            line = es.get("errorstat_" + code)
            if line is None:
                return 0
            self.assertRegex(line, r"^count=\d+$")
            return int(line[6:])

        before = count("ERR")
        total_before = int(self.info("stats")[1]["Stats"]["total_error_replies"])
        self.assertRaises(RespError, self.c.call, "NOSUCHCOMMAND")
        self.assertRaises(RespError, self.c.call, "GET")
        self.assertEqual(count("ERR"), before + 2)
        total_after = int(self.info("stats")[1]["Stats"]["total_error_replies"])
        self.assertEqual(total_after, total_before + 2)
        # errorstats is part of the default INFO
        self.assertIn("Errorstats", self.info()[0])

    def test_latencystats(self):
        for _ in range(10):
            self.c.call("ECHO", "x")
        ls = self.info("latencystats")[1]["Latencystats"]
        line = ls.get("latency_percentiles_usec_echo")
        self.assertIsNotNone(line, ls)
        self.assertRegex(line, r"^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$")
        p = [float(x.split("=")[1]) for x in line.split(",")]
        self.assertTrue(p[0] <= p[1] <= p[2], line)

    def test_resp3_is_verbatim(self):
        self.c.call("HELLO", "3")
        r = self.c.call("INFO", "server")
        self.assertIsInstance(r, Verbatim)
        self.assertEqual(r.fmt, "txt")
        order, sec = parse_info(str(r))
        self.assertEqual(order, ["Server"])
        self.assertIn("redis_version", sec["Server"])

    def test_resp2_is_bulk(self):
        self.c.send_raw(b"*2\r\n$4\r\nINFO\r\n$7\r\ncluster\r\n")
        self.assertEqual(self.c.read_reply(), b"# Cluster\r\ncluster_enabled:0\r\n")

    def test_inline_info(self):
        self.c.send_raw(b"INFO cluster\r\n")
        self.assertEqual(self.c.read_reply(), b"# Cluster\r\ncluster_enabled:0\r\n")

    @unittest.skipUnless(harness.REDIS_CLI, "redis-cli not installed")
    def test_redis_cli_info(self):
        out = self.node.cli("INFO", "server")
        self.assertIn("redis_version:", out)
        self.assertIn("run_id:", out)


if __name__ == "__main__":
    harness.main()
