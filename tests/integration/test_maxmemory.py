"""maxmemory and the eight eviction policies, through a real node.

Each test sets maxmemory a little above what the node already uses, writes well past
it, and checks what Redis promises: noeviction answers -OOM to commands that would add
memory (reads and DEL still work); the allkeys-* policies keep used_memory near the
limit by evicting; the volatile-* policies evict only keys with a TTL and answer -OOM
once none is left.
"""
import time

import harness

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = "v" * 1000


def info_field(c, section, name):
    text = c.call("INFO", section).decode()
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise KeyError(name)


class MaxmemoryTest(harness.NodeTestCase):

    def setUp(self):
        super().setUp()
        self.c.call("CONFIG", "SET", "maxmemory", "0")
        self.c.call("FLUSHALL")
        self.c.call("CONFIG", "RESETSTAT")

    def limit_above_current(self, extra):
        used = int(info_field(self.c, "memory", "used_memory"))
        limit = used + extra
        self.c.call("CONFIG", "SET", "maxmemory", str(limit))
        return limit

    def fill(self, n, prefix="k", ttl=False):
        cmds = []
        for i in range(n):
            if ttl:
                cmds.append(("SET", "%s:%d" % (prefix, i), VALUE, "EX", "1000"))
            else:
                cmds.append(("SET", "%s:%d" % (prefix, i), VALUE))
        return self.c.pipeline(cmds)

    def test_noeviction_answers_oom_but_serves_reads_and_deletes(self):
        self.c.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
        self.c.call("SET", "keep", "1")
        self.limit_above_current(512 * 1024)
        replies = self.fill(3000)
        errors = [r for r in replies if isinstance(r, harness.RespError)]
        self.assertTrue(errors, "no OOM error after writing past maxmemory")
        self.assertEqual(str(errors[0]), OOM)
        # Written one at a time (no pipelined replies held in memory), writes are
        # refused as well once the data alone is over the limit.
        refused = None
        for i in range(5000):
            r = self.c.call("SET", "one:%d" % i, VALUE, raise_errors=False)
            if isinstance(r, harness.RespError):
                refused = r
                break
        self.assertIsNotNone(refused)
        self.assertEqual(str(refused), OOM)
        # Reads and deletions still work.
        self.assertEqual(self.c.call("GET", "keep"), b"1")
        self.assertEqual(self.c.call("DEL", "k:0"), 1)
        self.assertEqual(int(info_field(self.c, "stats", "evicted_keys")), 0)
        self.assertEqual(info_field(self.c, "memory", "maxmemory_policy"), "noeviction")

    def check_evicts_within_limit(self, policy, ttl):
        self.c.call("CONFIG", "SET", "maxmemory-policy", policy)
        limit = self.limit_above_current(1024 * 1024)
        replies = self.fill(6000, ttl=ttl)
        self.assertFalse([r for r in replies if isinstance(r, harness.RespError)],
                         "%s refused writes it could evict for" % policy)
        # Evictions go through the Raft log: the cron may still be applying some after
        # the last reply, so compare the counter and DBSIZE once they agree (bounded).
        deadline = time.time() + 10
        while True:
            evicted = int(info_field(self.c, "stats", "evicted_keys"))
            size = self.c.call("DBSIZE")
            again = int(info_field(self.c, "stats", "evicted_keys"))
            if evicted == again and size == 6000 - evicted or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertGreater(evicted, 0)
        self.assertEqual(size, 6000 - evicted)
        used = int(info_field(self.c, "memory", "used_memory"))
        # Eviction runs before each write, so the overshoot is at most about one write.
        self.assertLess(used, limit + 256 * 1024, "used_memory %d far above maxmemory %d" % (used, limit))
        # The most recent write is always present.
        self.assertEqual(self.c.call("GET", "k:5999"), VALUE.encode())

    def test_allkeys_lru(self):
        self.check_evicts_within_limit("allkeys-lru", ttl=False)

    def test_allkeys_lfu(self):
        self.check_evicts_within_limit("allkeys-lfu", ttl=False)

    def test_allkeys_random(self):
        self.check_evicts_within_limit("allkeys-random", ttl=False)

    def test_volatile_policies_evict_keys_with_ttl(self):
        for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
            with self.subTest(policy=policy):
                self.c.call("CONFIG", "SET", "maxmemory", "0")
                self.c.call("FLUSHALL")
                self.c.call("CONFIG", "RESETSTAT")
                self.check_evicts_within_limit(policy, ttl=True)

    def test_volatile_policies_never_evict_keys_without_ttl(self):
        for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
            with self.subTest(policy=policy):
                self.c.call("CONFIG", "SET", "maxmemory", "0")
                self.c.call("FLUSHALL")
                self.c.call("CONFIG", "RESETSTAT")
                self.c.call("CONFIG", "SET", "maxmemory-policy", policy)
                self.fill(200, prefix="persistent")
                self.limit_above_current(256 * 1024)
                replies = self.fill(2000, prefix="more")
                errors = [r for r in replies if isinstance(r, harness.RespError)]
                self.assertTrue(errors)
                self.assertEqual(str(errors[0]), OOM)
                # Every key without a TTL is still there.
                got = self.c.pipeline([("EXISTS", "persistent:%d" % i) for i in range(200)])
                self.assertEqual(got, [1] * 200)

    def test_volatile_ttl_evicts_soonest_deadline_first(self):
        self.c.call("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
        self.c.pipeline([("SET", "late:%d" % i, VALUE, "EX", "100000") for i in range(300)])
        self.c.pipeline([("SET", "soon:%d" % i, VALUE, "EX", "1000") for i in range(300)])
        self.limit_above_current(100 * 1024)
        self.fill(200, prefix="new", ttl=True)
        soon = sum(self.c.pipeline([("EXISTS", "soon:%d" % i) for i in range(300)]))
        late = sum(self.c.pipeline([("EXISTS", "late:%d" % i) for i in range(300)]))
        self.assertLess(soon, 300)
        # Sampling is approximate (as in Redis), but far more soon-expiring keys go first.
        self.assertGreater(late, soon)


if __name__ == "__main__":
    harness.main()
