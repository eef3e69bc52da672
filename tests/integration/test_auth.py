"""requirepass, AUTH and HELLO AUTH against a real redraft-node started with
--requirepass: NOAUTH before authenticating, Redis's exact error texts, the password kept
only as a hash (CONFIG GET, CONFIG REWRITE, the process's command line), redaction from
the slowlog, RESET logging out, CONFIG SET requirepass at run time, a rewritten config
file (hash only) accepted after a restart, and redis-cli -a."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REDIS_CLI, Client, Node, NodeTestCase, RespError, main  # noqa: E402

PASSWORD = "s3cret-Pa55"
NOAUTH = r"^NOAUTH Authentication required\.$"
WRONGPASS = r"^WRONGPASS invalid username-password pair or user is disabled\.$"
HELLO_NOAUTH = (r"^NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                r"HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
                r"select the RESP protocol version at the same time$")


class RequirePassTest(NodeTestCase):
    NODE_ARGS = ("--requirepass", PASSWORD)

    def authed(self):
        c = self.node.client()
        self.assertEqual(c.call("AUTH", PASSWORD), b"OK")
        return c

    def test_noauth_until_authenticated(self):
        for args in (("PING",), ("GET", "k"), ("CLIENT", "ID"), ("CONFIG", "GET", "port"), ("SELECT", "1")):
            with self.assertRaisesRegex(RespError, NOAUTH, msg=args):
                self.c.call(*args)
        with self.assertRaisesRegex(RespError, WRONGPASS):
            self.c.call("AUTH", "wrong")
        with self.assertRaisesRegex(RespError, NOAUTH):
            self.c.call("PING")
        self.assertEqual(self.c.call("AUTH", PASSWORD), b"OK")
        self.assertEqual(self.c.call("PING"), b"PONG")
        # a later failed AUTH does not log the connection out
        with self.assertRaisesRegex(RespError, WRONGPASS):
            self.c.call("AUTH", "wrong")
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_auth_forms(self):
        self.assertEqual(self.c.call("AUTH", "default", PASSWORD), b"OK")
        with self.node.client() as c:
            with self.assertRaisesRegex(RespError, WRONGPASS):
                c.call("AUTH", "bob", PASSWORD)
            with self.assertRaisesRegex(RespError, WRONGPASS):
                c.call("AUTH", "DEFAULT", PASSWORD)  # user names are case-sensitive
            with self.assertRaisesRegex(RespError, WRONGPASS):
                c.call("AUTH", "default", PASSWORD + "x")
            with self.assertRaisesRegex(RespError, WRONGPASS):
                c.call("AUTH", "")
            with self.assertRaisesRegex(RespError, r"^ERR syntax error$"):
                c.call("AUTH", "a", "b", "c")
            with self.assertRaisesRegex(RespError, r"^ERR wrong number of arguments for 'auth' command$"):
                c.call("AUTH")

    def test_hello_requires_auth(self):
        with self.assertRaisesRegex(RespError, HELLO_NOAUTH):
            self.c.call("HELLO", "3")
        with self.assertRaisesRegex(RespError, HELLO_NOAUTH):
            self.c.call("HELLO")
        with self.assertRaisesRegex(RespError, WRONGPASS):
            self.c.call("HELLO", "3", "AUTH", "default", "wrong")
        # protocol unchanged after the failure
        self.c.send_raw(Client.encode("GET", "missing"))
        with self.assertRaisesRegex(RespError, NOAUTH):
            self.c.read_reply()
        r = self.c.call("HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "authed")
        self.assertEqual(r[b"proto"], 3)
        self.assertEqual(self.c.call("CLIENT", "GETNAME"), b"authed")
        self.c.send_raw(Client.encode("GET", "missing"))
        self.assertEqual(self.c._line(), b"_")

    def test_node_redis_handshake_with_password(self):
        with self.node.client() as c:
            replies = c.pipeline([("HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "nr"), ("SELECT", "1"),
                                  ("CLIENT", "SETINFO", "LIB-VER", "6.3.1"),
                                  ("CLIENT", "SETINFO", "LIB-NAME", "node-redis"), ("PING",)])
            for r in replies:
                self.assertNotIsInstance(r, RespError)
            self.assertEqual(replies[-1], b"PONG")

    def test_password_is_never_shown(self):
        with self.authed() as c:
            h = c.call("CONFIG", "GET", "requirepass")[1]
            self.assertTrue(h.startswith(b"$argon2id$"), h)
            self.assertNotIn(PASSWORD.encode(), h)
            everything = c.call("CONFIG", "GET", "*")
            self.assertNotIn(PASSWORD.encode(), b" ".join(everything))
        with open("/proc/%d/cmdline" % self.node.proc.pid, "rb") as f:
            self.assertNotIn(PASSWORD.encode(), f.read(), "the password is still in the process's argv")

    def test_passwords_are_redacted_from_the_slowlog(self):
        with self.authed() as admin:
            self.assertEqual(admin.call("CONFIG", "SET", "slowlog-log-slower-than", "0"), b"OK")
            try:
                admin.call("SLOWLOG", "RESET")
                with self.node.client() as c:
                    c.call("AUTH", "default", PASSWORD)
                    c.call("HELLO", "2", "AUTH", "default", PASSWORD)
                    with self.assertRaises(RespError):
                        c.call("AUTH", "not-the-password")
                admin.call("CONFIG", "SET", "requirepass", PASSWORD)
                entries = admin.call("SLOWLOG", "GET", "100")
            finally:
                admin.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            flat = repr(entries).encode()
            self.assertNotIn(PASSWORD.encode(), flat)
            self.assertNotIn(b"not-the-password", flat)
            args = [e[3] for e in entries]
            self.assertIn([b"AUTH", b"(redacted)", b"(redacted)"], args)
            self.assertIn([b"AUTH", b"(redacted)"], args)
            self.assertIn([b"CONFIG", b"SET", b"requirepass", b"(redacted)"], args)
            self.assertIn([b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)"], args)

    def test_reset_logs_out(self):
        with self.authed() as c:
            self.assertEqual(c.call("RESET"), b"RESET")
            with self.assertRaisesRegex(RespError, NOAUTH):
                c.call("PING")

    @unittest.skipIf(REDIS_CLI is None, "redis-cli not installed")
    def test_redis_cli(self):
        out = self.node.cli("PING")
        self.assertIn("NOAUTH", out)
        r = subprocess.run([REDIS_CLI, "-p", str(self.node.port), "-a", PASSWORD, "--no-auth-warning", "PING"],
                           capture_output=True, timeout=30)
        self.assertEqual(r.stdout.strip(), b"PONG")
        r = subprocess.run([REDIS_CLI, "-p", str(self.node.port), "--user", "default", "--pass", PASSWORD,
                            "--no-auth-warning", "-3", "HELLO"], capture_output=True, timeout=30)
        self.assertIn(b"7.2.4", r.stdout)


class ChangingThePasswordTest(NodeTestCase):
    def test_config_set_requirepass(self):
        with self.assertRaisesRegex(RespError, r"^ERR AUTH <password> called without any password configured "
                                               r"for the default user\. Are you sure your configuration is correct\?$"):
            self.c.call("AUTH", "anything")
        self.assertEqual(self.c.call("AUTH", "default", "anything"), b"OK")  # nopass user

        self.assertEqual(self.c.call("CONFIG", "SET", "requirepass", "first"), b"OK")
        # connections open before the change stay authenticated, as in Redis
        self.assertEqual(self.c.call("PING"), b"PONG")
        with self.node.client() as c:
            with self.assertRaisesRegex(RespError, NOAUTH):
                c.call("PING")
            self.assertEqual(c.call("AUTH", "first"), b"OK")

        self.assertEqual(self.c.call("CONFIG", "SET", "requirepass", "second"), b"OK")
        with self.node.client() as c:
            with self.assertRaisesRegex(RespError, WRONGPASS):
                c.call("AUTH", "first")
            self.assertEqual(c.call("AUTH", "second"), b"OK")

        # the hash CONFIG GET shows can be set back: the same password
        h = self.c.call("CONFIG", "GET", "requirepass")[1]
        self.assertEqual(self.c.call("CONFIG", "SET", "requirepass", h), b"OK")
        with self.node.client() as c:
            self.assertEqual(c.call("AUTH", "second"), b"OK")

        self.assertEqual(self.c.call("CONFIG", "SET", "requirepass", ""), b"OK")
        with self.node.client() as c:
            self.assertEqual(c.call("PING"), b"PONG")
            self.assertEqual(c.call("CONFIG", "GET", "requirepass"), [b"requirepass", b""])


class RewrittenPasswordTest(unittest.TestCase):
    """CONFIG REWRITE stores the Argon2id hash; after a restart the node accepts the
    password it stands for (checked the slow way once, then fast)."""

    def test_restart_from_rewritten_file(self):
        node = Node(config="# auth test\n")
        node.start()
        try:
            with node.client() as c:
                self.assertEqual(c.call("CONFIG", "SET", "requirepass", "persisted pw"), b"OK")
                self.assertEqual(c.call("CONFIG", "REWRITE"), b"OK")
            with open(os.path.join(node.dir, "redraft.conf")) as f:
                text = f.read()
            self.assertIn('requirepass "$argon2id$', text)
            self.assertNotIn("persisted pw", text)
            self.assertEqual(node.stop(), 0)
            node.config = text  # start again from exactly what was rewritten
            node.start(wait=False)
            node.wait_ready()
            with node.client() as c:
                with self.assertRaisesRegex(RespError, NOAUTH):
                    c.call("PING")
                with self.assertRaisesRegex(RespError, WRONGPASS):
                    c.call("AUTH", "persisted")
                self.assertEqual(c.call("AUTH", "persisted pw"), b"OK")
                self.assertEqual(c.call("AUTH", "persisted pw"), b"OK")
                self.assertEqual(c.call("PING"), b"PONG")
        finally:
            code = node.stop()
            out = node.output()
            node.cleanup()
        self.assertEqual(code, 0, out)


if __name__ == "__main__":
    main()
