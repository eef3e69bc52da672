"""Pub/sub on one node (node/pubsub.c): SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their
UNSUBSCRIBE forms, PUBLISH/SPUBLISH, PUBSUB's subcommands, RESP2's subscribed mode and
RESP3 pushes, RESET, killed and slow subscribers. Expected replies are Redis 7's, byte
for byte where the framing matters (checked against redis-server 7.0)."""
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client, NodeTestCase, Push, RespError, main, wait_until  # noqa: E402


def raw(c, *args):
    """Sends one command and returns the raw bytes of the next `n` bytes expected."""
    c.send_raw(Client.encode(*args))


def read_exact(c, data):
    """Reads exactly len(data) bytes from c and checks them."""
    while len(c.buf) < len(data):
        c._fill()
    got, c.buf = c.buf[:len(data)], c.buf[len(data):]
    return got


def numsub(c, *channels):
    r = c.call("PUBSUB", "NUMSUB", *channels)
    return dict(zip(r[0::2], r[1::2]))


def info_field(c, name):
    for line in c.call("INFO", "stats").decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def client_field(line, name):
    for kv in line.split(" "):
        k, _, v = kv.partition("=")
        if k == name:
            return v
    return None


class Resp2(NodeTestCase):
    def test_subscribe_confirmations_exact_bytes(self):
        s = self.node.client()
        raw(s, "SUBSCRIBE", "a", "bb")
        exp = (b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
               b"*3\r\n$9\r\nsubscribe\r\n$2\r\nbb\r\n:2\r\n")
        self.assertEqual(read_exact(s, exp), exp)
        # subscribing again to the same channel confirms with an unchanged count
        raw(s, "SUBSCRIBE", "a")
        exp = b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        self.assertEqual(self.c.call("PUBLISH", "a", "hello"), 1)
        exp = b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        # unsubscribe-all: one confirmation per channel (in no particular order in Redis)
        raw(s, "UNSUBSCRIBE")
        r1, r2 = s.read_reply(), s.read_reply()
        self.assertEqual(sorted([r1[1], r2[1]]), [b"a", b"bb"])
        self.assertEqual((r1[0], r1[2], r2[0], r2[2]), (b"unsubscribe", 1, b"unsubscribe", 0))
        # not subscribed any more: an ordinary connection again
        self.assertEqual(s.call("PING"), b"PONG")
        s.close()

    def test_unsubscribe_without_subscriptions_replies_nil(self):
        for cmd in ("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"):
            raw(self.c, cmd)
            word = cmd.lower().encode()
            exp = b"*3\r\n$%d\r\n%s\r\n$-1\r\n:0\r\n" % (len(word), word)
            self.assertEqual(read_exact(self.c, exp), exp)
        # unsubscribing a channel never subscribed: confirmed with the count
        self.assertEqual(self.c.call("UNSUBSCRIBE", "nope"), [b"unsubscribe", b"nope", 0])
        self.assertEqual(self.c.call("PING"), b"PONG")

    def test_counts_channels_patterns_and_shard_channels(self):
        s = self.node.client()
        self.assertEqual(s.call("SSUBSCRIBE", "s1"), [b"ssubscribe", b"s1", 1])
        self.assertEqual(s.call("SUBSCRIBE", "x"), [b"subscribe", b"x", 1])
        self.assertEqual(s.call("PSUBSCRIBE", "p*"), [b"psubscribe", b"p*", 2])
        self.assertEqual(s.call("SSUBSCRIBE", "s2"), [b"ssubscribe", b"s2", 2])
        # channels and patterns count together, shard channels apart (Redis 7)
        self.assertEqual(s.call("UNSUBSCRIBE", "x"), [b"unsubscribe", b"x", 1])
        raw(s, "SUNSUBSCRIBE")
        r1, r2 = s.read_reply(), s.read_reply()
        self.assertEqual(sorted([r1[1], r2[1]]), [b"s1", b"s2"])
        self.assertEqual((r1[0], r1[2], r2[0], r2[2]), (b"sunsubscribe", 1, b"sunsubscribe", 0))
        # still subscribed to a pattern: still in subscribed mode
        with self.assertRaises(RespError):
            s.call("GET", "k")
        self.assertEqual(s.call("PUNSUBSCRIBE"), [b"punsubscribe", b"p*", 0])
        self.assertEqual(s.call("GET", "k"), None)
        s.close()

    def test_subscribed_mode_refuses_other_commands(self):
        s = self.node.client()
        s.call("SUBSCRIBE", "ch")
        for args, name in ((("GET", "x"), "get"), (("PUBSUB", "CHANNELS"), "pubsub|channels"),
                           (("PUBLISH", "a", "b"), "publish"), (("CLIENT", "ID"), "client|id")):
            with self.assertRaises(RespError) as cm:
                s.call(*args)
            self.assertEqual(str(cm.exception),
                             "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                             "PING / QUIT / RESET are allowed in this context" % name)
        raw(s, "PING")
        exp = b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        self.assertEqual(s.call("PING", "hi"), [b"pong", b"hi"])
        # the other subscribe commands are allowed
        self.assertEqual(s.call("PSUBSCRIBE", "q*"), [b"psubscribe", b"q*", 2])
        self.assertEqual(s.call("SSUBSCRIBE", "sh"), [b"ssubscribe", b"sh", 1])
        self.assertEqual(s.call("QUIT"), b"OK")
        self.assertTrue(s.is_closed())
        wait_until(lambda: numsub(self.c, "ch")[b"ch"] == 0)
        self.assertEqual(self.c.call("PUBSUB", "NUMPAT"), 0)

    def test_binary_safe_channels_and_messages(self):
        s = self.node.client()
        ch = b"a\x00b\r\n\xff"
        s.call("SUBSCRIBE", ch)
        msg = b"\x00\x01\r\n" * 1000
        self.assertEqual(self.c.call("PUBLISH", ch, msg), 1)
        self.assertEqual(s.read_reply(), [b"message", ch, msg])
        self.assertEqual(self.c.call("PUBLISH", b"a\x00c\r\n\xff", "x"), 0)
        s.close()

    def test_publish_counts_every_receiver(self):
        subs = [self.node.client() for _ in range(3)]
        subs[0].call("SUBSCRIBE", "news.tech")
        subs[1].call("PSUBSCRIBE", "news.*")
        raw(subs[2], "PSUBSCRIBE", "news.*", "*tech", "nomatch*")
        for _ in range(3):
            subs[2].read_reply()
        raw(subs[2], "SUBSCRIBE", "news.tech")
        subs[2].read_reply()
        # channel subscriber 0 and 2, pattern news.* of 1 and 2, *tech of 2
        self.assertEqual(self.c.call("PUBLISH", "news.tech", "m"), 5)
        self.assertEqual(subs[0].read_reply(), [b"message", b"news.tech", b"m"])
        self.assertEqual(subs[1].read_reply(), [b"pmessage", b"news.*", b"news.tech", b"m"])
        got = sorted(tuple(subs[2].read_reply()) for _ in range(3))
        self.assertEqual(got, sorted([(b"message", b"news.tech", b"m"),
                                      (b"pmessage", b"news.*", b"news.tech", b"m"),
                                      (b"pmessage", b"*tech", b"news.tech", b"m")]))
        self.assertEqual(self.c.call("PUBLISH", "other", "m"), 0)
        self.assertEqual(self.c.call("PUBLISH", "news.x", "n"), 2)
        self.assertEqual(subs[1].read_reply(), [b"pmessage", b"news.*", b"news.x", b"n"])
        self.assertEqual(subs[2].read_reply(), [b"pmessage", b"news.*", b"news.x", b"n"])
        for s in subs:
            s.close()

    def test_glob_patterns(self):
        s = self.node.client()
        pats = ["h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "x\\*y", "[-+]sign", "*"]
        raw(s, "PSUBSCRIBE", *pats)
        for i, p in enumerate(pats):
            self.assertEqual(s.read_reply(), [b"psubscribe", p.encode(), i + 1])
        cases = {"hello": {"h?llo", "h[ae]llo", "*"},
                 "hallo": {"h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "*"},
                 "hbllo": {"h?llo", "h[^e]llo", "h[a-b]llo", "*"},
                 "x*y": {"x\\*y", "*"},
                 "xzy": {"*"},
                 "-sign": {"[-+]sign", "*"},
                 "+sign": {"[-+]sign", "*"},
                 "": set()}  # Redis's stringmatchlen: "*" does not match an empty name
        for ch, want in cases.items():
            n = self.c.call("PUBLISH", ch, "v")
            self.assertEqual(n, len(want), ch)
            got = set()
            for _ in range(n):
                r = s.read_reply()
                self.assertEqual(r[0], b"pmessage")
                self.assertEqual(r[2:], [ch.encode(), b"v"])
                got.add(r[1].decode())
            self.assertEqual(got, want, ch)
        s.close()

    def test_shard_channels(self):
        s = self.node.client()
        self.assertEqual(s.call("SSUBSCRIBE", "{u}a"), [b"ssubscribe", b"{u}a", 1])
        p = self.node.client()
        p.call("PSUBSCRIBE", "*")
        self.assertEqual(self.c.call("SPUBLISH", "{u}a", "hi"), 1)
        self.assertEqual(s.read_reply(), [b"smessage", b"{u}a", b"hi"])
        # SPUBLISH reaches neither channel nor pattern subscribers, PUBLISH no shard ones
        self.assertEqual(self.c.call("PUBLISH", "{u}a", "x"), 1)
        self.assertEqual(p.read_reply(), [b"pmessage", b"*", b"{u}a", b"x"])
        self.assertEqual(self.c.call("SPUBLISH", "other", "x"), 0)
        self.assertEqual(s.call("SUNSUBSCRIBE", "{u}a"), [b"sunsubscribe", b"{u}a", 0])
        self.assertEqual(self.c.call("SPUBLISH", "{u}a", "hi"), 0)
        s.close()
        p.close()

    def test_arity_errors(self):
        for args, name in ((("SUBSCRIBE",), "subscribe"), (("PSUBSCRIBE",), "psubscribe"),
                           (("SSUBSCRIBE",), "ssubscribe"), (("PUBLISH", "a"), "publish"),
                           (("SPUBLISH", "a", "b", "c"), "spublish"), (("PUBSUB",), "pubsub"),
                           (("PUBSUB", "NUMPAT", "x"), "pubsub|numpat"),
                           (("PUBSUB", "HELP", "x"), "pubsub|help")):
            with self.assertRaises(RespError) as cm:
                self.c.call(*args)
            self.assertEqual(str(cm.exception), "ERR wrong number of arguments for '%s' command" % name)
        with self.assertRaises(RespError) as cm:
            self.c.call("PUBSUB", "foo")
        self.assertEqual(str(cm.exception), "ERR unknown subcommand 'foo'. Try PUBSUB HELP.")
        for sub in ("channels", "SHARDCHANNELS"):
            with self.assertRaises(RespError) as cm:
                self.c.call("pubsub", sub, "a", "b")
            self.assertEqual(str(cm.exception), "ERR unknown subcommand or wrong number of arguments "
                                                "for '%s'. Try PUBSUB HELP." % sub)


class PubsubIntrospection(NodeTestCase):
    def test_pubsub_subcommands(self):
        a, b = self.node.client(), self.node.client()
        raw(a, "SUBSCRIBE", "news.a", "news.b", "misc")
        for _ in range(3):
            a.read_reply()
        b.call("SUBSCRIBE", "news.a")
        raw(a, "PSUBSCRIBE", "n*", "m*")
        a.read_reply(), a.read_reply()
        b.call("PSUBSCRIBE", "n*")
        raw(b, "SSUBSCRIBE", "s1", "s2")
        b.read_reply(), b.read_reply()
        a.call("SSUBSCRIBE", "s1")

        self.assertEqual(sorted(self.c.call("PUBSUB", "CHANNELS")), [b"misc", b"news.a", b"news.b"])
        self.assertEqual(sorted(self.c.call("PUBSUB", "CHANNELS", "news.*")), [b"news.a", b"news.b"])
        self.assertEqual(self.c.call("PUBSUB", "CHANNELS", "zz*"), [])
        self.assertEqual(self.c.call("PUBSUB", "NUMSUB", "news.a", "misc", "none"),
                         [b"news.a", 2, b"misc", 1, b"none", 0])
        self.assertEqual(self.c.call("PUBSUB", "NUMSUB"), [])
        self.assertEqual(self.c.call("PUBSUB", "NUMPAT"), 2)  # unique patterns
        self.assertEqual(sorted(self.c.call("PUBSUB", "SHARDCHANNELS")), [b"s1", b"s2"])
        self.assertEqual(self.c.call("PUBSUB", "SHARDCHANNELS", "*2"), [b"s2"])
        self.assertEqual(self.c.call("PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3"),
                         [b"s1", 2, b"s2", 1, b"s3", 0])
        # pattern subscriptions do not count in NUMSUB
        self.assertEqual(numsub(self.c, "nothing")[b"nothing"], 0)

        fields = {n: int(info_field(self.c, n)) for n in
                  ("pubsub_channels", "pubsub_patterns", "pubsubshard_channels")}
        self.assertEqual(fields, {"pubsub_channels": 3, "pubsub_patterns": 2, "pubsubshard_channels": 2})

        lines = self.c.call("CLIENT", "LIST").decode().strip().split("\n")
        ida = a.sock.getsockname()[1]
        by_port = {int(client_field(line, "addr").rsplit(":", 1)[1]): line for line in lines}
        la, lb = by_port[ida], by_port[b.sock.getsockname()[1]]
        self.assertEqual((client_field(la, "sub"), client_field(la, "psub"), client_field(la, "ssub")),
                         ("3", "2", "1"))
        self.assertEqual((client_field(lb, "sub"), client_field(lb, "psub"), client_field(lb, "ssub")),
                         ("1", "1", "2"))
        self.assertEqual(client_field(la, "flags"), "P")
        mine = self.c.call("CLIENT", "INFO").decode()
        self.assertEqual(client_field(mine.strip(), "sub"), "0")
        self.assertEqual(client_field(mine.strip(), "flags"), "N")

        a.close()
        b.close()
        wait_until(lambda: self.c.call("PUBSUB", "CHANNELS") == [] and
                   self.c.call("PUBSUB", "NUMPAT") == 0 and
                   self.c.call("PUBSUB", "SHARDCHANNELS") == [])
        self.assertEqual(info_field(self.c, "pubsub_channels"), "0")

    def test_help(self):
        r = self.c.call("PUBSUB", "HELP")
        self.assertEqual(r[0], b"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        self.assertEqual(r[1], b"CHANNELS [<pattern>]")
        self.assertEqual(r[-2:], [b"HELP", b"    Prints this help."])
        self.assertEqual(len(r), 14)

    def test_command_info_key_specs(self):
        info = self.c.call("COMMAND", "INFO", "spublish", "ssubscribe", "sunsubscribe", "publish", "subscribe")
        got = {e[0]: e[1:6] for e in info}
        self.assertEqual(got[b"spublish"][0], 3)
        self.assertEqual(got[b"spublish"][2:5], [1, 1, 1])
        self.assertEqual(got[b"ssubscribe"][0], -2)
        self.assertEqual(got[b"ssubscribe"][2:5], [1, -1, 1])
        self.assertEqual(got[b"sunsubscribe"][0], -1)
        self.assertEqual(got[b"sunsubscribe"][2:5], [1, -1, 1])
        self.assertEqual(got[b"publish"][2:5], [0, 0, 0])
        self.assertEqual(sorted(got[b"publish"][1]), [b"fast", b"loading", b"pubsub", b"stale"])
        self.assertEqual(sorted(got[b"subscribe"][1]), [b"loading", b"noscript", b"pubsub", b"stale"])
        # the shard channels are keys for slot checks only: Redis's not_key key specs
        spec = {e[0]: e[8] for e in info}
        self.assertEqual(spec[b"spublish"][0][:2], [b"flags", [b"not_key"]])
        self.assertEqual(spec[b"ssubscribe"][0][:2], [b"flags", [b"not_key"]])
        self.assertEqual(spec[b"publish"], [])
        for args in (("SPUBLISH", "ch", "msg"), ("SSUBSCRIBE", "a", "b")):
            with self.assertRaises(RespError) as cm:
                self.c.call("COMMAND", "GETKEYS", *args)
            self.assertEqual(str(cm.exception), "ERR The command has no key arguments")

    def test_redis_cli(self):
        s = self.node.client()
        s.call("SUBSCRIBE", "cli-ch")
        self.assertEqual(self.node.cli("PUBLISH", "cli-ch", "from cli").strip(), "1")
        self.assertEqual(s.read_reply(), [b"message", b"cli-ch", b"from cli"])
        self.assertEqual(self.node.cli("PUBSUB", "NUMSUB", "cli-ch").split(), ["cli-ch", "1"])
        s.close()


class Resp3(NodeTestCase):
    def test_pushes_and_any_command(self):
        s = self.node.client()
        s.call("HELLO", "3")
        raw(s, "SUBSCRIBE", "a")
        exp = b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        r = s.call("PSUBSCRIBE", "a*")
        self.assertIsInstance(r, Push)
        self.assertEqual(r, [b"psubscribe", b"a*", 2])
        self.assertEqual(s.call("SSUBSCRIBE", "sa"), [b"ssubscribe", b"sa", 1])
        # any command runs while subscribed; PING is a plain PONG
        self.assertEqual(s.call("SET", "k", "v"), b"OK")
        self.assertEqual(s.call("GET", "k"), b"v")
        self.assertEqual(s.call("PING"), b"PONG")
        # publishing to itself: the pushes come before the reply
        raw(s, "PUBLISH", "a", "hi")
        exp = (b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"
               b">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$2\r\nhi\r\n:2\r\n")
        self.assertEqual(read_exact(s, exp), exp)
        self.assertEqual(self.c.call("SPUBLISH", "sa", "yo"), 1)
        exp = b">3\r\n$8\r\nsmessage\r\n$2\r\nsa\r\n$2\r\nyo\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        raw(s, "UNSUBSCRIBE")
        exp = b">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        raw(s, "UNSUBSCRIBE")
        exp = b">3\r\n$11\r\nunsubscribe\r\n_\r\n:1\r\n"
        self.assertEqual(read_exact(s, exp), exp)
        self.assertEqual(s.call("PUBSUB", "NUMSUB", "a"), [b"a", 0])
        s.close()


class Lifecycle(NodeTestCase):
    def test_reset_drops_subscriptions(self):
        s = self.node.client()
        s.call("SUBSCRIBE", "r1")
        s.call("PSUBSCRIBE", "r*")
        s.call("SSUBSCRIBE", "rs")
        self.assertEqual(s.call("RESET"), b"RESET")  # silently: no unsubscribe confirmations
        self.assertEqual(s.call("GET", "nokey"), None)
        self.assertEqual(numsub(self.c, "r1")[b"r1"], 0)
        self.assertEqual(self.c.call("PUBSUB", "NUMPAT"), 0)
        self.assertEqual(self.c.call("PUBSUB", "SHARDNUMSUB", "rs"), [b"rs", 0])
        self.assertEqual(self.c.call("PUBLISH", "r1", "x"), 0)
        # RESP3 subscriber reset back to RESP2
        s.call("HELLO", "3")
        s.call("SUBSCRIBE", "r2")
        self.assertEqual(s.call("RESET"), b"RESET")
        self.assertEqual(self.c.call("PUBLISH", "r2", "x"), 0)
        self.assertEqual(s.call("PING"), b"PONG")
        s.close()

    def test_client_kill_of_subscriber(self):
        s = self.node.client()
        s.call("SUBSCRIBE", "k1")
        s.call("PSUBSCRIBE", "k*")
        sid = None
        for line in self.c.call("CLIENT", "LIST").decode().strip().split("\n"):
            if client_field(line, "sub") == "1":
                sid = client_field(line, "id")
        self.assertIsNotNone(sid)
        self.assertEqual(self.c.call("CLIENT", "KILL", "TYPE", "pubsub"), 1)
        self.assertTrue(s.is_closed())
        self.assertEqual(self.c.call("PUBLISH", "k1", "x"), 0)
        self.assertEqual(numsub(self.c, "k1")[b"k1"], 0)
        self.assertEqual(self.c.call("PUBSUB", "NUMPAT"), 0)
        # killed by id while messages are queued for it
        s2 = self.node.client()
        s2.call("SUBSCRIBE", "k2")
        my_id = s2.call("PING")  # still a pub/sub-shaped reply
        self.assertEqual(my_id, [b"pong", b""])
        for _ in range(100):
            self.c.call("PUBLISH", "k2", "y" * 1000)
        self.assertEqual(self.c.call("CLIENT", "KILL", "TYPE", "pubsub"), 1)
        self.assertEqual(self.c.call("PUBLISH", "k2", "x"), 0)
        s2.close()

    def test_disconnect_cleans_up(self):
        for _ in range(5):
            s = self.node.client()
            s.call("SUBSCRIBE", "d1", "d2")
            s.call("PSUBSCRIBE", "d*")
            s.close()
        wait_until(lambda: self.c.call("PUBSUB", "CHANNELS", "d*") == [] and
                   self.c.call("PUBSUB", "NUMPAT") == 0)

    def test_many_channels(self):
        s = self.node.client()
        n = 5000
        names = ["chan:%d" % i for i in range(n)]
        raw(s, "SUBSCRIBE", *names)
        for i in range(n):
            self.assertEqual(s.read_reply(), [b"subscribe", names[i].encode(), i + 1])
        other = self.node.client()
        raw(other, "SUBSCRIBE", *names[::2])
        for i in range(n // 2):
            other.read_reply()
        self.assertEqual(len(self.c.call("PUBSUB", "CHANNELS", "chan:*")), n)
        self.assertEqual(self.c.call("PUBLISH", "chan:4998", "m"), 2)
        self.assertEqual(self.c.call("PUBLISH", "chan:4999", "m"), 1)
        self.assertEqual(s.read_reply(), [b"message", b"chan:4998", b"m"])
        self.assertEqual(s.read_reply(), [b"message", b"chan:4999", b"m"])
        # unsubscribe half by name, then the rest in one go
        raw(s, "UNSUBSCRIBE", *names[:n // 2])
        for i in range(n // 2):
            self.assertEqual(s.read_reply(), [b"unsubscribe", names[i].encode(), n - i - 1])
        raw(s, "UNSUBSCRIBE")
        seen = set()
        for i in range(n // 2):
            r = s.read_reply()
            self.assertEqual(r[0], b"unsubscribe")
            self.assertEqual(r[2], n // 2 - i - 1)
            seen.add(r[1])
        self.assertEqual(seen, {x.encode() for x in names[n // 2:]})
        self.assertEqual(len(self.c.call("PUBSUB", "CHANNELS", "chan:*")), n // 2)
        other.close()
        wait_until(lambda: self.c.call("PUBSUB", "CHANNELS", "chan:*") == [])
        self.assertEqual(s.call("PING"), b"PONG")
        s.close()

    def test_slow_subscriber_hits_output_limit(self):
        self.c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 262144 131072 60")
        try:
            before = int(info_field(self.c, "client_output_buffer_limit_disconnections"))
            s = socket.create_connection(("127.0.0.1", self.node.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            # subscribed by channel and by pattern: it is written to twice per message
            s.sendall(Client.encode("SUBSCRIBE", "slow") + Client.encode("PSUBSCRIBE", "sl*"))
            wait_until(lambda: numsub(self.c, "slow")[b"slow"] == 1 and
                       self.c.call("PUBSUB", "NUMPAT") == 1)
            # a subscriber that keeps reading, between the slow one's two deliveries
            fast = self.node.client()
            fast.call("SUBSCRIBE", "slow")
            got = []
            reader = threading.Thread(target=lambda: got.extend(fast.read_reply() for _ in range(100)))
            reader.start()
            big = "z" * 65536
            # the slow subscriber never reads: it must be dropped, not buffered without bound
            counts = [self.c.call("PUBLISH", "slow", big) for _ in range(100)]
            reader.join(30)
            self.assertEqual(len(got), 100)
            self.assertTrue(all(g == [b"message", b"slow", big.encode()] for g in got))
            self.assertEqual(counts[0], 3)
            self.assertEqual(counts[-1], 1)
            wait_until(lambda: numsub(self.c, "slow")[b"slow"] == 1 and
                       self.c.call("PUBSUB", "NUMPAT") == 0)
            after = int(info_field(self.c, "client_output_buffer_limit_disconnections"))
            self.assertEqual(after, before + 1)
            s.close()
            fast.close()
        finally:
            self.c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 33554432 8388608 60")

    def test_publish_to_closing_subscriber_in_same_batch(self):
        # A subscriber closes while a pipeline of publishes is in flight.
        s = self.node.client()
        s.call("SUBSCRIBE", "z")
        p = self.node.client()
        p.send_raw(b"".join(Client.encode("PUBLISH", "z", "m%d" % i) for i in range(500)))
        s.close()
        got = [p.read_reply() for _ in range(500)]
        self.assertTrue(all(x in (0, 1) for x in got))
        p.close()


if __name__ == "__main__":
    main()
