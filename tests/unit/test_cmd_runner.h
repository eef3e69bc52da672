/* Runs commands through the command table against g_server, without a network, for the
 * unit tests of command handlers. A command runs on one database at a given time
 * (NOW unless said otherwise) with the seeded PRNG test_rng; `writer` writes replies into
 * `out`, and every run leaves a NUL-terminated copy of its reply in `reply` (binary-safe
 * length in reply_len) and its dirty count in last_dirty, then clears `out`.
 * Everything is static: include it once per test file and call cmd_runner_setup /
 * cmd_runner_teardown from the suite's init / fini. */
#ifndef REDRAFT_TEST_CMD_RUNNER_H
#define REDRAFT_TEST_CMD_RUNNER_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "command.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "resp_writer.h"
#include "server.h"
#include "test_support.h"

#define NOW 1700000000000LL
#define RUN_MAX_ARGS 64 /* arguments of a NULL-terminated command line */
#define WRONGTYPE_REPLY "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

static prng test_rng;
static bytebuf out;
static resp_writer writer; /* RESP2 into out */
static long long last_dirty;
static char *reply;
static size_t reply_len, reply_cap;
/* What run_argv does with a wrong argument count (cmd_runner_setup resets it). */
enum {
    RUN_ARITY_FAIL,     /* fail the test */
    RUN_ARITY_REPLY,    /* reply Redis's arity error, as the server does */
    RUN_ARITY_UNCHECKED /* call the handler anyway */
};
static int run_arity;

static inline void cmd_runner_setup(uint64_t seed)
{
    test_server_init();
    command_table_init();
    prng_seed(&test_rng, seed);
    bytebuf_init(&out);
    resp_writer_init(&writer, &out, 2);
    reply_cap = 1 << 20;
    reply = malloc(reply_cap);
    reply_len = 0;
    run_arity = RUN_ARITY_FAIL;
}

/* A suite's .init with the usual seed 1. */
static inline void cmd_runner_init(void)
{
    cmd_runner_setup(1);
}

static inline void cmd_runner_teardown(void)
{
    test_server_free();
    bytebuf_free(&out);
    free(reply);
    reply = NULL;
    reply_len = reply_cap = 0;
}

/* A context for db dbid at `now` with `flags`, replying to w (no command yet). */
static inline exec_ctx run_ctx(int dbid, int64_t now, int flags, resp_writer *w)
{
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = &g_server;
    c.db = &g_server.dbs[dbid];
    c.now_ms = now;
    c.rng = &test_rng;
    c.w = w;
    c.flags = flags;
    return c;
}

/* Runs one command (argv as rd_args, binary safe) against db dbid at `now` with `flags`,
 * replying to w; returns the reply. An unknown command fails the test; a wrong argument
 * count is handled as run_arity says. */
static inline const char *run_argv(int dbid, int64_t now, int flags, resp_writer *w, rd_arg *argv, int argc)
{
    int unknown_sub = 0;
    command *cmd = command_lookup(argv, argc, &unknown_sub);
    cr_assert_not_null(cmd, "unknown command %.*s", (int)argv[0].len, argv[0].ptr);
    int arity_ok = run_arity == RUN_ARITY_UNCHECKED || command_arity_ok(cmd, argc);
    cr_assert(arity_ok || run_arity == RUN_ARITY_REPLY, "bad arity for %.*s", (int)argv[0].len, argv[0].ptr);
    exec_ctx c = run_ctx(dbid, now, flags, w);
    c.argc = argc;
    c.argv = argv;
    c.cmd = cmd;
    size_t before = out.len;
    if (arity_ok)
        cmd->proc(&c);
    else
        reply_wrong_arity(&c);
    last_dirty = c.dirty;
    size_t n = out.len - before;
    if (n + 1 > reply_cap) {
        reply_cap = n + 1;
        reply = realloc(reply, reply_cap);
        cr_assert_not_null(reply);
    }
    memcpy(reply, out.data ? out.data + before : "", n);
    reply[n] = '\0';
    reply_len = n;
    bytebuf_clear(&out);
    return reply;
}

/* run_argv with argc C strings (lengths in lens, or strlen each when lens is NULL), at
 * NOW, replying to writer. */
static inline const char *run_args(int dbid, int flags, int argc, const char **args, const size_t *lens)
{
    rd_arg *argv = malloc(sizeof(*argv) * (size_t)(argc > 0 ? argc : 1));
    cr_assert_not_null(argv);
    for (int i = 0; i < argc; i++) {
        argv[i].ptr = args[i];
        argv[i].len = lens ? lens[i] : strlen(args[i]);
    }
    const char *r = run_argv(dbid, NOW, flags, &writer, argv, argc);
    free(argv);
    return r;
}

/* Fills argv from a NULL-terminated list of C strings (at most RUN_MAX_ARGS); returns argc. */
static inline int run_collect(rd_arg *argv, const char *first, va_list ap)
{
    int argc = 0;
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        cr_assert_lt(argc, RUN_MAX_ARGS);
        argv[argc].ptr = a;
        argv[argc].len = strlen(a);
        argc++;
    }
    return argc;
}

static inline const char *run_va(int dbid, int64_t now, int flags, resp_writer *w, const char *first, va_list ap)
{
    rd_arg argv[RUN_MAX_ARGS];
    int argc = run_collect(argv, first, ap);
    return run_argv(dbid, now, flags, w, argv, argc);
}

/* A write at NOW on db 0 (inside apply): W("SET", "k", "v", NULL). */
static inline const char *W(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    const char *r = run_va(0, NOW, EXEC_MAY_MUTATE, &writer, first, ap);
    va_end(ap);
    return r;
}

/* A read at NOW on db 0 (no EXEC_MAY_MUTATE). */
static inline const char *R(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    const char *r = run_va(0, NOW, 0, &writer, first, ap);
    va_end(ap);
    return r;
}

/* Any command at a given db, time and flags. */
static inline const char *AT(int dbid, int64_t now, int flags, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    const char *r = run_va(dbid, now, flags, &writer, first, ap);
    va_end(ap);
    return r;
}

/* Stores v in db 0 as a write at NOW without a command (a bare context: no server,
 * PRNG or writer), e.g. a key of another type for the WRONGTYPE paths. */
static inline void put_kv(kv *v)
{
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.db = &g_server.dbs[0];
    c.now_ms = NOW;
    c.flags = EXEC_MAY_MUTATE;
    keyspace_add(&c, v);
}

static inline kv *peek(int dbid, const char *key)
{
    return kvtable_find(&g_server.dbs[dbid].table, key, strlen(key), NULL);
}

/* The encoding name of db 0's key, "none" when it is missing. */
static inline const char *encoding(const char *key)
{
    kv *v = peek(0, key);
    return v ? kv_encoding_name(kv_encoding(v)) : "none";
}

/* The string value of a stored key (binary-safe: length in *len). */
static inline const char *value_of(int dbid, const char *key, size_t *len)
{
    static char intbuf[32];
    const char *s;
    kv *v = peek(dbid, key);
    cr_assert_not_null(v, "key %s missing", key);
    *len = kv_string(v, intbuf, &s);
    return s;
}

/* In the last reply, that of a *SCAN command (*2 $n cursor *m ...): copies the next
 * cursor into cursor (NUL-terminated) and returns where the array of elements starts. */
static inline const char *scan_cursor(char *cursor)
{
    const char *p = strchr(reply, '\n') + 1;
    int clen = atoi(p + 1);
    p = strchr(p, '\n') + 1;
    memcpy(cursor, p, (size_t)clen);
    cursor[clen] = 0;
    return p + clen + 2;
}

/* ---- collection keys: snapshot form and determinism ---------------------------------- */

/* Saves db 0's key (of type `type`) with its registered kv_type_ops, loads the bytes back
 * and stores the copy under the same name in db dbid; returns the copy. Asserts that the
 * load succeeds, that truncations are refused and, if other_encodings, that loading the
 * bytes as any other encoding (0..15) is refused too. */
static inline kv *reload_into_db(int type, int dbid, const char *key, int other_encodings)
{
    kv *v = peek(0, key);
    const kv_type_ops *ops = kv_type_get_ops(type);
    cr_assert_not_null(ops);
    bytebuf b;
    bytebuf_init(&b);
    ops->save(kv_ptr(v), kv_encoding(v), &b);
    void *p = ops->load(b.data, b.len, kv_encoding(v));
    cr_assert_not_null(p, "load(save(x)) failed for %s", kv_encoding_name(kv_encoding(v)));
    /* truncations are rejected, never crash */
    for (size_t n = 0; n < b.len; n += 1 + b.len / 200)
        cr_assert_null(ops->load(b.data, n, kv_encoding(v)));
    for (int enc = 0; other_encodings && enc < 16; enc++)
        if (enc != kv_encoding(v)) {
            void *x = ops->load(b.data, b.len, enc);
            cr_assert_null(x, "loaded as the wrong encoding %d", enc);
        }
    bytebuf_free(&b);
    kv *nv = kv_new_ptr(key, strlen(key), type, kv_encoding(v), p, -1);
    exec_ctx c;
    memset(&c, 0, sizeof c);
    c.srv = &g_server;
    c.db = &g_server.dbs[dbid];
    c.now_ms = NOW;
    keyspace_add(&c, nv);
    return nv;
}

/* Runs the same command (argc C strings) on db 0 and then on db 1 from the same PRNG
 * state; asserts the replies are the same bytes and, if same_rng, that both runs left
 * the PRNG in the same state. */
static inline void assert_same_reply_db01(int flags, int argc, const char **args, int same_rng)
{
    static char first[1 << 20];
    prng saved = test_rng;
    run_args(0, flags, argc, args, NULL);
    size_t n0 = reply_len;
    memcpy(first, reply, n0);
    prng after0 = test_rng;
    test_rng = saved;
    run_args(1, flags, argc, args, NULL);
    cr_assert_eq(reply_len, n0);
    cr_assert(memcmp(first, reply, n0) == 0, "%s differs after reload: %s", args[0], reply);
    if (same_rng)
        cr_assert(memcmp(&after0, &test_rng, sizeof test_rng) == 0);
}

#endif
