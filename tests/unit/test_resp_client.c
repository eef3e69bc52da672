/* Tests for proto/resp_client.c against the real server: each test starts its own
 * redraft-node (REDRAFT_BIN: the binary or its directory; else ../bin/redraft-node
 * next to this test executable) on a free loopback port with a fresh --dir, and stops
 * it by PID. Covers connect, PING, SET/GET, 1000 pipelined INCRs in order, HELLO 3,
 * error replies, handshake failures (AUTH error, timeout), CLIENT SETNAME/HELLO
 * SETNAME, a 3 MiB value, a closed port, the server killed mid-pipeline (every
 * callback fires exactly once) and close from inside callbacks. A scripted fake
 * server on the test's own loop covers what the real one cannot produce: RESP3
 * pushes between replies, RESP2 pub/sub messages, garbage and unsolicited replies. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "resp_client.h"

/* ---- server process --------------------------------------------------------------- */

static pid_t g_pid;
static int g_port;
static char g_dir[PATH_MAX];

static void server_binary(char *out, size_t size)
{
    const char *env = getenv("REDRAFT_BIN");
    struct stat st;
    if (env && *env) {
        if (stat(env, &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(out, size, "%s/redraft-node", env);
        else
            snprintf(out, size, "%s", env);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    cr_assert_gt(n, 0, "readlink /proc/self/exe");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    cr_assert(slash);
    *slash = '\0';
    snprintf(out, size, "%s/../bin/redraft-node", self);
}

static int port_bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)port)};
    int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* A free loopback port whose Raft bus port (+10000, the node's default) is free too. */
static int free_port(void)
{
    for (int tries = 0; tries < 200; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert_geq(fd, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        socklen_t len = sizeof(a);
        cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        close(fd);
        int port = ntohs(a.sin_port);
        if (port + 10000 <= 65535 && port_bindable(port + 10000))
            return port;
    }
    cr_assert_fail("no free port pair");
    return -1;
}

/* Blocking PING probe: 1 once the server answers +PONG. */
static int probe(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        write(fd, "PING\r\n", 6) == 6) {
        char buf[16];
        ssize_t n = read(fd, buf, sizeof(buf));
        ok = n >= 7 && memcmp(buf, "+PONG\r\n", 7) == 0;
    }
    close(fd);
    return ok;
}

static void start_server(void)
{
    signal(SIGPIPE, SIG_IGN); /* libuv writes with write(2): a dead peer must not kill us */
    char bin[PATH_MAX + 64];
    server_binary(bin, sizeof(bin));
    cr_assert_eq(access(bin, X_OK), 0, "server binary %s not found", bin);
    snprintf(g_dir, sizeof(g_dir), "/tmp/redraft-rc-XXXXXX");
    cr_assert(mkdtemp(g_dir));
    g_port = free_port();
    char port[16], logpath[PATH_MAX + 16];
    snprintf(port, sizeof(port), "%d", g_port);
    snprintf(logpath, sizeof(logpath), "%s/node.log", g_dir);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(bin, bin, "--port", port, "--bind", "127.0.0.1", "--dir", g_dir, (char *)NULL);
        _exit(127);
    }
    g_pid = pid;
    for (int i = 0; i < 600; i++) {
        if (probe(g_port))
            return;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            g_pid = 0;
            cr_assert_fail("redraft-node exited early (status %d), log in %s", st, logpath);
        }
        usleep(50 * 1000);
    }
    cr_assert_fail("redraft-node did not answer PING on port %d", g_port);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void kill_server(int sig)
{
    if (g_pid <= 0)
        return;
    kill(g_pid, sig);
    for (int i = 0; i < 200; i++) {
        if (waitpid(g_pid, NULL, WNOHANG) == g_pid) {
            g_pid = 0;
            return;
        }
        usleep(50 * 1000);
    }
    kill(g_pid, SIGKILL);
    waitpid(g_pid, NULL, 0);
    g_pid = 0;
}

static void stop_server(void)
{
    kill_server(SIGTERM);
    if (g_dir[0])
        nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(resp_client, .init = start_server, .fini = stop_server, .timeout = 120);

/* ---- client harness --------------------------------------------------------------- */

typedef struct ctx {
    uv_loop_t loop;
    resp_client *c;
    int connected;       /* on_connect with err == NULL */
    int connect_calls;
    char connect_err[256];
    int disconnects;
    char disconnect_err[256];
    int pushes;
} ctx;

static void on_connect(resp_client *c, const char *err, void *data)
{
    ctx *x = data;
    cr_assert_eq(c, x->c);
    x->connect_calls++;
    if (err)
        snprintf(x->connect_err, sizeof(x->connect_err), "%s", err);
    else
        x->connected = 1;
}

static void on_disconnect(resp_client *c, const char *err, void *data)
{
    ctx *x = data;
    (void)c;
    x->disconnects++;
    snprintf(x->disconnect_err, sizeof(x->disconnect_err), "%s", err);
}

static void ctx_connect(ctx *x, int port, int proto, const char *password)
{
    memset(x, 0, sizeof(*x));
    cr_assert_eq(uv_loop_init(&x->loop), 0);
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = "127.0.0.1";
    o.port = port;
    o.proto = proto;
    o.password = password;
    o.on_connect = on_connect;
    o.on_disconnect = on_disconnect;
    o.data = x;
    x->c = resp_client_connect(&x->loop, &o);
    cr_assert(x->c);
}

/* Runs the loop until the client is closed and every handle is gone. */
static void ctx_run(ctx *x)
{
    uv_run(&x->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&x->loop), 0, "handles left open on the loop");
}

/* A recorded reply: type, integer and a copy of the string, or the error. */
typedef struct result {
    int calls;
    int type;
    long long integer;
    char str[256];
    char err[256];
    int seq;             /* global order of the callback */
} result;

static int g_seq;

static void record(result *r, resp_reply *reply, const char *err)
{
    r->calls++;
    r->seq = g_seq++;
    if (err) {
        cr_assert_null(reply);
        snprintf(r->err, sizeof(r->err), "%s", err);
        return;
    }
    cr_assert(reply);
    r->type = reply->type;
    r->integer = reply->integer;
    if (reply->str)
        snprintf(r->str, sizeof(r->str), "%s", reply->str);
    resp_reply_free(reply);
}

static void record_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    (void)c;
    record(p, reply, err);
}

static void record_and_close_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    record(p, reply, err);
    resp_client_close(c);
}

/* ---- tests ------------------------------------------------------------------------ */

Test(resp_client, ping_set_get)
{
    ctx x;
    ctx_connect(&x, g_port, 2, NULL);
    result r[4];
    memset(r, 0, sizeof(r));
    /* queued before the connection is up: sent once it is, in order */
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[0], "PING", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[1], "SET", "greeting", "hello world", NULL), 0);
    rd_arg argv[2] = {{"GET", 3}, {"greeting", 8}};
    cr_assert_eq(resp_client_command_argv(x.c, 2, argv, record_cb, &r[2]), 0);
    cr_assert_eq(resp_client_command(x.c, record_and_close_cb, &r[3], "GET", "missing", NULL), 0);
    ctx_run(&x);
    cr_assert_eq(x.connect_calls, 1);
    cr_assert(x.connected);
    cr_assert_eq(x.disconnects, 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(r[i].calls, 1);
    cr_assert_eq(r[0].type, RESP_REPLY_STRING);
    cr_assert_str_eq(r[0].str, "PONG");
    cr_assert_str_eq(r[1].str, "OK");
    cr_assert_eq(r[2].type, RESP_REPLY_BULK);
    cr_assert_str_eq(r[2].str, "hello world");
    cr_assert_eq(r[3].type, RESP_REPLY_NULL);
}

typedef struct incr_state {
    int next;         /* expected index of the next callback */
    int n;
    int errors;
} incr_state;

static incr_state g_incr;

static void incr_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    int idx = (int)(intptr_t)p;
    cr_assert_null(err, "INCR %d failed: %s", idx, err);
    cr_assert_eq(idx, g_incr.next, "callback %d out of order (expected %d)", idx, g_incr.next);
    cr_assert_eq(reply->type, RESP_REPLY_INTEGER);
    cr_assert_eq(reply->integer, idx + 1);
    resp_reply_free(reply);
    g_incr.next++;
    if (g_incr.next == g_incr.n)
        resp_client_close(c);
}

Test(resp_client, pipelined_incr_in_order)
{
    ctx x;
    ctx_connect(&x, g_port, 2, NULL);
    g_incr = (incr_state){0, 1000, 0};
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(resp_client_command(x.c, incr_cb, (void *)(intptr_t)i, "INCR", "counter", NULL), 0);
    cr_assert_eq(resp_client_pending(x.c), 1000);
    ctx_run(&x);
    cr_assert_eq(g_incr.next, 1000);
}

static void hello_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    int *ok = p;
    cr_assert_null(err);
    cr_assert_eq(reply->type, RESP_REPLY_MAP);
    cr_assert_eq(reply->elements % 2, 0);
    int found_proto = 0, found_server = 0;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const resp_reply *k = reply->element[i], *v = reply->element[i + 1];
        if (k->str && strcmp(k->str, "proto") == 0) {
            cr_assert_eq(v->type, RESP_REPLY_INTEGER);
            cr_assert_eq(v->integer, 3);
            found_proto = 1;
        }
        if (k->str && strcmp(k->str, "server") == 0)
            found_server = 1;
    }
    cr_assert(found_proto && found_server);
    resp_reply_free(reply);
    cr_assert_eq(resp_client_proto(c), 3);
    *ok = 1;
}

Test(resp_client, hello3_map_reply)
{
    ctx x;
    ctx_connect(&x, g_port, 3, NULL); /* HELLO 3 during the handshake */
    int ok = 0;
    result r[2];
    memset(r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, hello_cb, &ok, "HELLO", "3", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[0], "GET", "nothing", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_and_close_cb, &r[1], "PING", NULL), 0);
    ctx_run(&x);
    cr_assert(x.connected);
    cr_assert(ok);
    cr_assert_eq(r[0].type, RESP_REPLY_NULL); /* RESP3 "_" */
    cr_assert_str_eq(r[1].str, "PONG");
}

Test(resp_client, error_reply_keeps_connection)
{
    ctx x;
    ctx_connect(&x, g_port, 2, NULL);
    result r[3];
    memset(r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[0], "NOSUCHCOMMAND", "a", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[1], "GET", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_and_close_cb, &r[2], "PING", NULL), 0);
    ctx_run(&x);
    cr_assert_eq(r[0].type, RESP_REPLY_ERROR);
    cr_assert(strncmp(r[0].str, "ERR unknown command 'NOSUCHCOMMAND'", 35) == 0, "got %s", r[0].str);
    cr_assert_eq(r[1].type, RESP_REPLY_ERROR);
    cr_assert_str_eq(r[1].str, "ERR wrong number of arguments for 'get' command");
    cr_assert_str_eq(r[2].str, "PONG");
    cr_assert_eq(x.disconnects, 0);
    /* argument checks */
}

Test(resp_client, rejected_commands)
{
    ctx x;
    ctx_connect(&x, g_port, 2, NULL);
    result r;
    memset(&r, 0, sizeof(r));
    cr_assert_eq(resp_client_command_argv(x.c, 0, NULL, record_cb, &r), -1);
    cr_assert_eq(resp_client_command(x.c, record_cb, &r, NULL), -1);
    cr_assert_eq(resp_client_command(x.c, record_cb, &r, "SUBSCRIBE", "ch", NULL), -1);
    resp_client_close(x.c);
    ctx_run(&x);
    cr_assert_eq(r.calls, 0);
    cr_assert_eq(x.connect_calls, 1);
    cr_assert_str_eq(x.connect_err, "connection closed");
}

static void close_on_connect(resp_client *c, const char *err, void *data)
{
    on_connect(c, err, data);
    resp_client_close(c);
}

Test(resp_client, connect_to_closed_port_fails_cleanly)
{
    ctx x;
    memset(&x, 0, sizeof(x));
    cr_assert_eq(uv_loop_init(&x.loop), 0);
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = "localhost"; /* resolved; every address is tried */
    o.port = free_port(); /* nothing listens there */
    o.on_connect = close_on_connect;
    o.on_disconnect = on_disconnect;
    o.data = &x;
    x.c = resp_client_connect(&x.loop, &o);
    result r[2];
    memset(r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[0], "PING", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[1], "PING", NULL), 0);
    ctx_run(&x);
    cr_assert_eq(x.connect_calls, 1);
    cr_assert_not(x.connected);
    cr_assert(strstr(x.connect_err, "connect") != NULL, "got '%s'", x.connect_err);
    cr_assert_eq(x.disconnects, 0);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(r[i].calls, 1);
        cr_assert_str_eq(r[i].err, x.connect_err);
    }
    cr_assert_lt(r[0].seq, r[1].seq);
}

Test(resp_client, invalid_port_reported_from_loop)
{
    ctx x;
    memset(&x, 0, sizeof(x));
    cr_assert_eq(uv_loop_init(&x.loop), 0);
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = "127.0.0.1";
    o.port = 0;
    o.on_connect = close_on_connect;
    o.data = &x;
    x.c = resp_client_connect(&x.loop, &o);
    cr_assert_eq(x.connect_calls, 0); /* never from inside resp_client_connect */
    ctx_run(&x);
    cr_assert_eq(x.connect_calls, 1);
    cr_assert_str_eq(x.connect_err, "connect: invalid port");
}

Test(resp_client, auth_handshake_failure)
{
    /* The server has no password: AUTH fails, so the connection does, and commands
     * queued behind the handshake get the error once each. */
    ctx x;
    memset(&x, 0, sizeof(x));
    cr_assert_eq(uv_loop_init(&x.loop), 0);
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = "127.0.0.1";
    o.port = g_port;
    o.password = "secret";
    o.proto = 3;
    o.on_connect = close_on_connect;
    o.on_disconnect = on_disconnect;
    o.data = &x;
    x.c = resp_client_connect(&x.loop, &o);
    result r;
    memset(&r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, record_cb, &r, "PING", NULL), 0);
    ctx_run(&x);
    cr_assert_eq(x.connect_calls, 1);
    cr_assert_not(x.connected);
    cr_assert(strncmp(x.connect_err, "AUTH failed: ERR", 16) == 0, "got '%s'", x.connect_err);
    cr_assert_eq(r.calls, 1);
    cr_assert_str_eq(r.err, x.connect_err);
    cr_assert_eq(x.disconnects, 0);
}

/* Server killed mid-pipeline: wave 1 is a large pipeline; its first reply kills the
 * server (SIGKILL, reaped) while most of wave 1 is still unanswered, then wave 2 is
 * sent on the dying connection. Every callback must fire exactly once, in order; the
 * successes form a prefix; every error carries the same disconnect reason. */
#define KILL_WAVE1 50000
#define KILL_WAVE2 1000
#define KILL_N (KILL_WAVE1 + KILL_WAVE2)
typedef struct kill_rec {
    int calls;
    int seq;
    int failed;
    long long integer;
} kill_rec;
static kill_rec *g_kill;
static char g_kill_err[256];
static int g_kill_err_mismatch;

static void kill_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    kill_rec *k = p;
    k->calls++;
    k->seq = g_seq++;
    if (err) {
        cr_assert_null(reply);
        k->failed = 1;
        if (!g_kill_err[0])
            snprintf(g_kill_err, sizeof(g_kill_err), "%s", err);
        else if (strcmp(g_kill_err, err) != 0)
            g_kill_err_mismatch++;
    } else {
        k->integer = reply->integer;
        resp_reply_free(reply);
    }
    if (k == &g_kill[0]) {
        kill_server(SIGKILL);
        for (int i = KILL_WAVE1; i < KILL_N; i++)
            cr_assert_eq(resp_client_command(c, kill_cb, &g_kill[i], "INCR", "k", NULL), 0);
    }
}

static void close_on_disconnect(resp_client *c, const char *err, void *data)
{
    on_disconnect(c, err, data);
    resp_client_close(c);
    /* closing twice is harmless */
    resp_client_close(c);
}

Test(resp_client, server_killed_mid_pipeline)
{
    ctx x;
    memset(&x, 0, sizeof(x));
    cr_assert_eq(uv_loop_init(&x.loop), 0);
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = "127.0.0.1";
    o.port = g_port;
    o.on_connect = on_connect;
    o.on_disconnect = close_on_disconnect;
    o.data = &x;
    x.c = resp_client_connect(&x.loop, &o);
    g_kill = calloc(KILL_N, sizeof(*g_kill));
    cr_assert(g_kill);
    g_seq = 0;
    for (int i = 0; i < KILL_WAVE1; i++)
        cr_assert_eq(resp_client_command(x.c, kill_cb, &g_kill[i], "INCR", "k", NULL), 0);
    ctx_run(&x);
    cr_assert(x.connected);
    cr_assert_eq(x.disconnects, 1);
    cr_assert_eq(g_kill_err_mismatch, 0);
    cr_assert_str_eq(g_kill_err, x.disconnect_err);
    int ok = 0, errors = 0, last_seq = -1;
    for (int i = 0; i < KILL_N; i++) {
        cr_assert_eq(g_kill[i].calls, 1, "callback %d fired %d times", i, g_kill[i].calls);
        cr_assert_gt(g_kill[i].seq, last_seq, "callback %d out of order", i);
        last_seq = g_kill[i].seq;
        if (g_kill[i].failed) {
            errors++;
        } else {
            cr_assert_eq(errors, 0, "a success after an error at %d", i);
            cr_assert_eq(g_kill[i].integer, i + 1);
            ok++;
        }
    }
    cr_log_info("server killed mid-pipeline: %d replies, %d errors (%s)", ok, errors, x.disconnect_err);
    cr_assert_geq(ok, 1);
    cr_assert_geq(errors, KILL_WAVE2);
    free(g_kill);
}

/* close from inside a reply callback: the later callbacks get "connection closed"
 * synchronously, once each, and no more replies are delivered. */
Test(resp_client, close_inside_callback)
{
    ctx x;
    ctx_connect(&x, g_port, 2, NULL);
    result r[5];
    memset(r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[0], "SET", "a", "1", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_and_close_cb, &r[1], "PING", NULL), 0);
    for (int i = 2; i < 5; i++)
        cr_assert_eq(resp_client_command(x.c, record_cb, &r[i], "GET", "a", NULL), 0);
    ctx_run(&x);
    cr_assert_str_eq(r[0].str, "OK");
    cr_assert_str_eq(r[1].str, "PONG");
    for (int i = 2; i < 5; i++) {
        cr_assert_eq(r[i].calls, 1);
        cr_assert_str_eq(r[i].err, "connection closed");
    }
    cr_assert_eq(x.disconnects, 0);
}

/* close from inside an error callback while the connection is failing: the remaining
 * callbacks still fire once each. */
static void close_in_error_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    record(p, reply, err);
    if (err)
        resp_client_close(c);
}

Test(resp_client, close_inside_error_callback)
{
    ctx x;
    ctx_connect(&x, g_port, 2, NULL);
    result r[4];
    memset(r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, close_in_error_cb, &r[0], "SHUTDOWN", "NOSAVE", NULL), 0);
    for (int i = 1; i < 4; i++)
        cr_assert_eq(resp_client_command(x.c, close_in_error_cb, &r[i], "PING", NULL), 0);
    ctx_run(&x);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(r[i].calls, 1, "callback %d fired %d times", i, r[i].calls);
        cr_assert(r[i].err[0] || r[i].type != 0);
    }
    /* SHUTDOWN closes the connection without a reply: the first error came from the
     * lost connection, the rest from the close made inside that callback. */
    cr_assert_str_eq(r[0].err, "connection closed by server");
    for (int i = 1; i < 4; i++)
        cr_assert_str_eq(r[i].err, "connection closed");
    cr_assert_eq(x.disconnects, 0); /* the user closed before on_disconnect was due */
    waitpid(g_pid, NULL, 0);
    g_pid = 0;
}

/* ---- a scripted fake server on the test's loop ------------------------------------ */

/* Accepts one connection and writes `canned` to it at once (requests are read and
 * discarded); with listen_only it never accepts (the kernel still completes the TCP
 * handshake, so the client connects and then hears nothing). */
typedef struct fake {
    uv_tcp_t server;
    uv_tcp_t conn;
    int have_conn;
    int stopped;
    int listen_only;
    const char *canned;
    uv_write_t w;
    char rbuf[4096];
} fake;

static fake g_fake;

static void fake_alloc(uv_handle_t *h, size_t s, uv_buf_t *b)
{
    fake *f = h->data;
    (void)s;
    *b = uv_buf_init(f->rbuf, sizeof(f->rbuf));
}

static void fake_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)s;
    (void)n;
    (void)b; /* requests are ignored; EOF is handled by fake_stop */
}

static void fake_written(uv_write_t *w, int status)
{
    (void)w;
    (void)status;
}

static void fake_on_conn(uv_stream_t *srv, int status)
{
    fake *f = srv->data;
    if (status < 0 || f->listen_only || f->have_conn || f->stopped)
        return;
    uv_tcp_init(srv->loop, &f->conn);
    f->conn.data = f;
    cr_assert_eq(uv_accept(srv, (uv_stream_t *)&f->conn), 0);
    f->have_conn = 1;
    uv_read_start((uv_stream_t *)&f->conn, fake_alloc, fake_read);
    uv_buf_t b = uv_buf_init((char *)f->canned, (unsigned)strlen(f->canned));
    cr_assert_eq(uv_write(&f->w, (uv_stream_t *)&f->conn, &b, 1, fake_written), 0);
}

static int fake_start(uv_loop_t *loop, fake *f, const char *canned, int listen_only)
{
    memset(f, 0, sizeof(*f));
    f->canned = canned;
    f->listen_only = listen_only;
    cr_assert_eq(uv_tcp_init(loop, &f->server), 0);
    f->server.data = f;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    cr_assert_eq(uv_tcp_bind(&f->server, (struct sockaddr *)&a, 0), 0);
    cr_assert_eq(uv_listen((uv_stream_t *)&f->server, 8, fake_on_conn), 0);
    int len = sizeof(a);
    cr_assert_eq(uv_tcp_getsockname(&f->server, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

static void fake_stop(fake *f)
{
    if (f->stopped)
        return;
    f->stopped = 1;
    if (f->have_conn)
        uv_close((uv_handle_t *)&f->conn, NULL);
    uv_close((uv_handle_t *)&f->server, NULL);
}

static void record_close_all_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    record(p, reply, err);
    resp_client_close(c);
    fake_stop(&g_fake);
}

static void close_all_on_connect(resp_client *c, const char *err, void *data)
{
    on_connect(c, err, data);
    if (err) {
        resp_client_close(c);
        fake_stop(&g_fake);
    }
}

static void close_all_on_disconnect(resp_client *c, const char *err, void *data)
{
    on_disconnect(c, err, data);
    /* a lost connection accepts nothing more */
    cr_assert_not(resp_client_is_connected(c));
    cr_assert_eq(resp_client_command(c, record_cb, NULL, "PING", NULL), -1);
    cr_assert_eq(resp_client_pending(c), 0);
    resp_client_close(c);
    fake_stop(&g_fake);
}

static int g_push_messages;

static void push_cb(resp_client *c, resp_reply *push, void *data)
{
    (void)c;
    ctx *x = data;
    x->pushes++;
    cr_assert(push->type == RESP_REPLY_PUSH || push->type == RESP_REPLY_ARRAY);
    cr_assert_geq(push->elements, 2);
    cr_assert_eq(push->element[0]->type, RESP_REPLY_BULK);
    if (strcmp(push->element[0]->str, "message") == 0) {
        cr_assert_str_eq(push->element[2]->str, "hi");
        g_push_messages++;
    }
    resp_reply_free(push);
}

/* x must have been zeroed and its loop initialised. */
static void fake_connect(ctx *x, int port, uint64_t timeout_ms, int proto)
{
    resp_client_options o;
    resp_client_options_init(&o);
    o.host = "127.0.0.1";
    o.port = port;
    o.proto = proto;
    o.connect_timeout_ms = timeout_ms;
    o.on_connect = close_all_on_connect;
    o.on_disconnect = close_all_on_disconnect;
    o.on_push = push_cb;
    o.data = x;
    x->c = resp_client_connect(&x->loop, &o);
}

static void ctx_init(ctx *x)
{
    memset(x, 0, sizeof(*x));
    cr_assert_eq(uv_loop_init(&x->loop), 0);
}

Test(resp_client, resp3_pushes_between_replies)
{
    ctx x;
    ctx_init(&x);
    int port = fake_start(&x.loop, &g_fake,
                          ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n+PONG\r\n"
                          ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nx\r\n",
                          0);
    fake_connect(&x, port, 5000, 2);
    result r[2];
    memset(r, 0, sizeof(r));
    g_push_messages = 0;
    cr_assert_eq(resp_client_command(x.c, record_cb, &r[0], "PING", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_close_all_cb, &r[1], "GET", "k", NULL), 0);
    ctx_run(&x);
    cr_assert(x.connected);
    cr_assert_eq(x.pushes, 2);
    cr_assert_eq(g_push_messages, 1);
    cr_assert_str_eq(r[0].str, "PONG");
    cr_assert_eq(r[1].type, RESP_REPLY_BULK);
    cr_assert_str_eq(r[1].str, "x");
}

Test(resp_client, resp2_pubsub_messages_go_to_push_cb)
{
    ctx x;
    ctx_init(&x);
    int port = fake_start(&x.loop, &g_fake,
                          "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                          "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
                          "*2\r\n$4\r\npong\r\n$0\r\n\r\n",
                          0);
    fake_connect(&x, port, 5000, 2);
    result r;
    memset(&r, 0, sizeof(r));
    g_push_messages = 0;
    cr_assert_eq(resp_client_command(x.c, NULL, NULL, "SUBSCRIBE", "ch", NULL), 0);
    cr_assert_eq(resp_client_command(x.c, record_close_all_cb, &r, "PING", NULL), 0);
    ctx_run(&x);
    cr_assert_eq(x.pushes, 2);
    cr_assert_eq(g_push_messages, 1);
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(r.type, RESP_REPLY_ARRAY);
}

Test(resp_client, protocol_error_fails_pending_once)
{
    ctx x;
    ctx_init(&x);
    int port = fake_start(&x.loop, &g_fake, "+OK\r\n?garbage\r\n", 0);
    fake_connect(&x, port, 5000, 2);
    result r[3];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < 3; i++)
        cr_assert_eq(resp_client_command(x.c, record_cb, &r[i], "PING", NULL), 0);
    ctx_run(&x);
    cr_assert_eq(x.disconnects, 1);
    cr_assert_str_eq(x.disconnect_err, "Protocol error: unknown reply type byte");
    cr_assert_str_eq(r[0].str, "OK");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(r[i].calls, 1);
    cr_assert_str_eq(r[1].err, x.disconnect_err);
    cr_assert_str_eq(r[2].err, x.disconnect_err);
}

Test(resp_client, unsolicited_reply_is_a_protocol_error)
{
    ctx x;
    ctx_init(&x);
    int port = fake_start(&x.loop, &g_fake, "+OK\r\n+EXTRA\r\n", 0);
    fake_connect(&x, port, 5000, 2);
    result r;
    memset(&r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, record_cb, &r, "PING", NULL), 0);
    ctx_run(&x);
    cr_assert_str_eq(r.str, "OK");
    cr_assert_eq(x.disconnects, 1);
    cr_assert_str_eq(x.disconnect_err, "protocol error: reply without a pending command");
}

Test(resp_client, handshake_timeout)
{
    /* The peer accepts at TCP level but never answers HELLO: the connect timeout
     * covers the handshake too. */
    ctx x;
    ctx_init(&x);
    int port = fake_start(&x.loop, &g_fake, "", 1);
    fake_connect(&x, port, 200, 3);
    result r;
    memset(&r, 0, sizeof(r));
    cr_assert_eq(resp_client_command(x.c, record_cb, &r, "PING", NULL), 0);
    uint64_t t0 = uv_hrtime();
    ctx_run(&x);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    cr_assert_eq(x.connect_calls, 1);
    cr_assert_str_eq(x.connect_err, "connect timeout");
    cr_assert_geq(ms, 150);
    cr_assert_lt(ms, 5000);
    cr_assert_eq(r.calls, 1);
    cr_assert_str_eq(r.err, "connect timeout");
}

static void getname_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    record(p, reply, err);
    resp_client_close(c);
}

Test(resp_client, client_name_in_handshake)
{
    for (int proto = 2; proto <= 3; proto++) {
        ctx x;
        ctx_init(&x);
        resp_client_options o;
        resp_client_options_init(&o);
        o.host = "127.0.0.1";
        o.port = g_port;
        o.proto = proto;
        o.client_name = "sentinel-1";
        o.on_connect = on_connect;
        o.data = &x;
        x.c = resp_client_connect(&x.loop, &o);
        result r;
        memset(&r, 0, sizeof(r));
        cr_assert_eq(resp_client_command(x.c, getname_cb, &r, "CLIENT", "GETNAME", NULL), 0);
        ctx_run(&x);
        cr_assert(x.connected, "proto %d: %s", proto, x.connect_err);
        cr_assert_eq(r.type, RESP_REPLY_BULK, "proto %d: %s", proto, r.str);
        cr_assert_str_eq(r.str, "sentinel-1");
    }
}

/* A 3 MiB value both ways: the request is written across several writes and the reply
 * read across many reads into the reader's buffer. */
static char *g_big;
#define BIG_LEN (3u << 20)

static void big_get_cb(resp_client *c, resp_reply *reply, const char *err, void *p)
{
    int *ok = p;
    cr_assert_null(err);
    cr_assert_eq(reply->type, RESP_REPLY_BULK);
    cr_assert_eq(reply->len, BIG_LEN);
    cr_assert_eq(memcmp(reply->str, g_big, BIG_LEN), 0);
    resp_reply_free(reply);
    *ok = 1;
    resp_client_close(c);
}

Test(resp_client, big_value_roundtrip)
{
    ctx x;
    ctx_connect(&x, g_port, 3, NULL);
    g_big = malloc(BIG_LEN);
    cr_assert(g_big);
    for (size_t i = 0; i < BIG_LEN; i++)
        g_big[i] = (char)(i * 7 + (i >> 12));
    rd_arg set[3] = {{"SET", 3}, {"big", 3}, {g_big, BIG_LEN}};
    result r;
    memset(&r, 0, sizeof(r));
    int ok = 0;
    cr_assert_eq(resp_client_command_argv(x.c, 3, set, record_cb, &r), 0);
    cr_assert_eq(resp_client_command(x.c, big_get_cb, &ok, "GET", "big", NULL), 0);
    ctx_run(&x);
    cr_assert_str_eq(r.str, "OK");
    cr_assert(ok);
    free(g_big);
}
