"""Real client libraries against redraft-node: ioredis and node-redis (pinned in
tests/integration/clients/package.json) connect with their default handshakes
(HELLO 3, CLIENT SETINFO LIB-NAME/LIB-VER, SELECT, connection names), run SET/GET/INCR,
MSET/MGET, errors and pipelines; clients/clients.js prints what each step returned and
the assertions here check it.

The npm packages are installed into tests/integration/clients/node_modules by
`npm ci` from the committed package-lock.json the first time (and again whenever the
lock file changes). Node.js and npm come from `make deps`; without them this test
fails rather than skipping.
"""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import NodeTestCase, main  # noqa: E402

CLIENTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients")
SCRIPT = os.path.join(CLIENTS_DIR, "clients.js")
LOCK_FILE = os.path.join(CLIENTS_DIR, "package-lock.json")
MODULES = os.path.join(CLIENTS_DIR, "node_modules")
STAMP = os.path.join(MODULES, ".redraft-installed")

IOREDIS_VERSION = "6.0.0"
NODE_REDIS_VERSION = "6.3.1"


def _lock_digest():
    with open(LOCK_FILE, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def ensure_node_modules():
    """Installs the pinned client libraries once (npm ci); serialized by a lock file so
    two test runs sharing the tree (release and sanitizer builds) don't race."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise AssertionError("%s is not installed: run `make deps` (Debian's nodejs and npm)" % tool)
    digest = _lock_digest()
    lock_path = os.path.join(tempfile.gettempdir(),
                             "redraft-npm-%s.lock" % hashlib.sha256(CLIENTS_DIR.encode()).hexdigest()[:16])
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(STAMP) as f:
                if f.read().strip() == digest:
                    return
        except OSError:
            pass
        env = dict(os.environ)
        if not env.get("HOME") and not env.get("npm_config_cache"):
            env["npm_config_cache"] = os.path.join(tempfile.gettempdir(), "redraft-npm-cache")
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=CLIENTS_DIR, capture_output=True, timeout=600,
                           stdin=subprocess.DEVNULL, env=env)
        if r.returncode != 0:
            raise AssertionError("npm ci failed in %s (exit %d):\n%s\n%s" % (
                CLIENTS_DIR, r.returncode, r.stdout.decode(errors="replace")[-4000:],
                r.stderr.decode(errors="replace")[-4000:]))
        with open(STAMP, "w") as f:
            f.write(digest + "\n")


def run_clients(port):
    r = subprocess.run(["node", SCRIPT, str(port)], cwd=CLIENTS_DIR, capture_output=True,
                       timeout=180, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise AssertionError("clients.js exited %d:\n%s\n%s" % (
            r.returncode, r.stdout.decode(errors="replace")[-4000:], r.stderr.decode(errors="replace")[-4000:]))
    return json.loads(r.stdout.decode())


class ClientLibraries(NodeTestCase):
    @classmethod
    def setUpClass(cls):
        ensure_node_modules()
        super().setUpClass()
        cls.result = run_clients(cls.node.port)
        cls.io = cls.result["ioredis"]
        cls.nr = cls.result["node_redis"]

    def test_versions_pinned(self):
        self.assertEqual(self.result["versions"]["ioredis"], IOREDIS_VERSION)
        self.assertEqual(self.result["versions"]["redis"], NODE_REDIS_VERSION)

    # ---- ioredis --------------------------------------------------------------

    def test_ioredis_handshake(self):
        io = self.io
        self.assertEqual(io["connect"], "ready", io)
        # HELLO 3 was accepted: the client did not fall back to RESP2.
        self.assertEqual(io["protocol"], 3, io)
        info = io["client_info"]
        self.assertIsInstance(info, dict, io)
        self.assertEqual(info.get("resp"), "3", info)
        self.assertEqual(info.get("name"), "redraft-ioredis", info)
        self.assertEqual(info.get("db"), "1", info)
        self.assertEqual(info.get("lib-name"), "ioredis", info)
        self.assertEqual(info.get("lib-ver"), IOREDIS_VERSION, info)
        self.assertEqual(io["client_getname"], "redraft-ioredis")
        self.assertEqual(io["ping"], "PONG")
        version = io["info_server"]
        self.assertIsInstance(version, str, io)
        self.assertGreaterEqual(tuple(int(x) for x in version.split(".")[:2]), (7, 0), version)

    def test_ioredis_strings(self):
        io = self.io
        self.assertEqual(io["set"], "OK")
        self.assertEqual(io["get"], "v1")
        self.assertIsNone(io["get_missing"])
        self.assertEqual(io["set_ex"], "OK")
        self.assertIsInstance(io["ttl"], int, io)
        self.assertTrue(90 <= io["ttl"] <= 100, io["ttl"])
        self.assertEqual([io["incr1"], io["incr2"], io["incrby"]], [1, 2, 12])
        self.assertEqual(io["incr_wrongtype"], {"error": "ERR value is not an integer or out of range"})
        self.assertEqual(io["mset"], "OK")
        self.assertEqual(io["mget"], ["1", "2", None])
        self.assertIs(io["unicode"], True)
        self.assertIs(io["big"], True)
        self.assertEqual(io["del"], 10)
        self.assertEqual(io["quit"], "OK")

    def test_ioredis_pipeline(self):
        io = self.io
        self.assertEqual(io["pipeline"], ["OK", "pv", 1,
                                          {"error": "ERR value is not an integer or out of range"},
                                          ["pv", "1"]])
        self.assertEqual(io["pipeline_1000"], {"count": 1000, "errors": 0, "last": 1000})

    def test_ioredis_resp3_maps_and_select(self):
        io = self.io
        self.assertEqual(io["set_db1"], "OK")
        self.assertEqual(io["resp3_connect"], "ready", io)
        hello = io["resp3_hello"]
        self.assertIsInstance(hello, dict, "HELLO did not come back as a RESP3 map: %r" % (hello,))
        self.assertEqual(hello.get("proto"), 3, hello)
        self.assertEqual(hello.get("server"), "redis", hello)
        self.assertEqual(hello.get("mode"), "standalone", hello)
        self.assertEqual(hello.get("role"), "master", hello)
        self.assertIsInstance(hello.get("id"), int, hello)
        self.assertEqual(hello.get("modules"), [], hello)
        self.assertIsNone(io["resp3_get_db0"])       # written in db 1, read from db 0
        self.assertEqual(io["resp3_select1"], "OK")
        self.assertEqual(io["resp3_get_db1"], "one")
        self.assertEqual(io["resp3_del_db1"], 1)
        self.assertEqual(io["resp3_quit"], "OK")

    # ---- node-redis -----------------------------------------------------------

    def test_node_redis_handshake(self):
        nr = self.nr
        self.assertIs(nr["connect"], True, nr)
        hello = nr["hello"]
        self.assertIsInstance(hello, dict, nr)
        self.assertEqual(hello.get("proto"), 3, hello)
        self.assertEqual(hello.get("server"), "redis", hello)
        info = nr["client_info"]
        self.assertIsInstance(info, dict, nr)
        self.assertEqual(info.get("resp"), "3", info)
        self.assertEqual(info.get("name"), "redraft-node-redis", info)   # from HELLO 3 SETNAME
        self.assertEqual(info.get("db"), "2", info)
        self.assertEqual(info.get("lib-name"), "node-redis", info)
        self.assertEqual(info.get("lib-ver"), NODE_REDIS_VERSION, info)
        self.assertEqual(nr["client_getname"], "redraft-node-redis")
        self.assertEqual(nr["ping"], "PONG")

    def test_node_redis_strings(self):
        nr = self.nr
        self.assertEqual(nr["set"], "OK")
        self.assertEqual(nr["get"], "v1")
        self.assertIsNone(nr["get_missing"])
        self.assertEqual(nr["set_px"], "OK")
        self.assertIsInstance(nr["pttl"], int, nr)
        self.assertTrue(90000 <= nr["pttl"] <= 100000, nr["pttl"])
        self.assertEqual([nr["incr1"], nr["incr2"], nr["incrby"]], [1, 2, 12])
        self.assertEqual(nr["incr_wrongtype"], {"error": "ERR value is not an integer or out of range"})
        self.assertEqual(nr["mset"], "OK")
        self.assertEqual(nr["mget"], ["1", "2", None])
        self.assertIs(nr["unicode"], True)
        self.assertIs(nr["big"], True)
        self.assertEqual(nr["config_get"], {"maxmemory-policy": "noeviction"})
        self.assertIs(nr["dbsize_positive"], True)
        self.assertEqual(nr["del"], 10)
        self.assertIs(nr["close"], True)

    def test_node_redis_pipeline(self):
        nr = self.nr
        self.assertEqual(nr["pipeline"], ["OK", "pv", 1, ["pv", "1"]])
        self.assertEqual(nr["concurrent_1000"], {"count": 1000, "max": 1000, "sorted": True})

    def test_server_state_after_clients(self):
        # The libraries cleaned up after themselves; the server still answers a raw client.
        self.assertEqual(self.c.call("PING"), b"PONG")
        for db in (0, 1, 2):
            self.c.call("SELECT", db)
            self.assertEqual(self.c.call("KEYS", "clients:*"), [])


if __name__ == "__main__":
    main()
