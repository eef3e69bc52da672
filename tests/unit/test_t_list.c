/* Unit tests for node/t_list.c and node/quicklist.c, calling the command handlers with
 * an exec_ctx:
 *   - a randomized comparison against a plain array model (thousands of random
 *     commands, with several list-max-listpack-size values and element sizes, so node
 *     pushes, splits, merges and both conversions happen): every reply must be the
 *     model's, byte for byte, and the quicklist's internal accounting must hold;
 *   - snapshot save/load round trips (same elements, same encoding, same node layout)
 *     and load of garbage (rejected, never a crash);
 *   - encoding conversion points (listpack <-> quicklist) and OBJECT ENCODING;
 *   - read commands do not mutate, dirty counts, COPY keeps the encoding. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "listpack.h"
#include "mem.h"
#include "quicklist.h"
#include "t_list.h"
#include "test_cmd_runner.h"

TestSuite(lists, .init = cmd_runner_init, .fini = cmd_runner_teardown);

static const char *enc_of(const char *key)
{
    kv *v = peek(0, key);
    cr_assert_not_null(v, "key %s missing", key);
    return kv_encoding_name(kv_encoding(v));
}

#define EQ(actual, expect) cr_assert_str_eq((actual), (expect))

/* Quicklist invariants: links, counts, sizes, no empty node. */
static void check_list(const kv *v)
{
    if (kv_encoding(v) == ENC_LISTPACK) {
        unsigned char *lp = kv_ptr(v);
        cr_assert(lp_validate(lp, lp_bytes(lp)));
        cr_assert_gt(lp_length(lp), 0);
        return;
    }
    cr_assert_eq(kv_encoding(v), ENC_QUICKLIST);
    const quicklist *ql = kv_ptr(v);
    cr_assert_eq(ql->zero, 0);
    unsigned long count = 0, len = 0;
    const qlnode *prev = NULL;
    for (const qlnode *n = ql->head; n; n = n->next) {
        cr_assert_eq(n->prev, prev);
        cr_assert_gt(n->count, 0);
        cr_assert_eq(n->count, lp_length(n->lp));
        cr_assert_eq(n->sz, lp_bytes(n->lp));
        cr_assert(lp_validate(n->lp, n->sz));
        count += n->count;
        len++;
        prev = n;
    }
    cr_assert_eq(ql->tail, prev);
    cr_assert_eq(count, ql->count);
    cr_assert_eq(len, ql->len);
}

/* ---- reference model ---------------------------------------------------------------- */

typedef struct mstr {
    char *p;
    size_t n;
} mstr;

typedef struct model {
    mstr *a;
    long n, cap;
} model;

static void m_insert(model *m, long at, const char *p, size_t n)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->a = realloc(m->a, (size_t)m->cap * sizeof(mstr));
    }
    memmove(m->a + at + 1, m->a + at, (size_t)(m->n - at) * sizeof(mstr));
    m->a[at].p = malloc(n ? n : 1);
    memcpy(m->a[at].p, p, n);
    m->a[at].n = n;
    m->n++;
}

static void m_remove(model *m, long at)
{
    free(m->a[at].p);
    memmove(m->a + at, m->a + at + 1, (size_t)(m->n - at - 1) * sizeof(mstr));
    m->n--;
}

static void m_clear(model *m)
{
    while (m->n)
        m_remove(m, m->n - 1);
    free(m->a);
    memset(m, 0, sizeof(*m));
}

static int m_eq(const mstr *s, const char *p, size_t n)
{
    return s->n == n && memcmp(s->p, p, n) == 0;
}

/* Normalises an index the way LINDEX/LSET do: -1 if out of range. */
static long m_index(const model *m, long long i)
{
    if (i < 0)
        i += m->n;
    return i < 0 || i >= m->n ? -1 : (long)i;
}

static bytebuf exp_buf;
static resp_writer exp_w;

static void exp_begin(void)
{
    bytebuf_clear(&exp_buf);
}

static void exp_check(const char *what)
{
    cr_assert(exp_buf.len == reply_len && memcmp(exp_buf.data ? exp_buf.data : "", reply, reply_len) == 0,
              "%s: expected '%.*s' got '%s'", what, (int)exp_buf.len, exp_buf.data ? exp_buf.data : "", reply);
}

static void exp_range(const model *m, long long start, long long end)
{
    long long n = m->n;
    if (start < 0)
        start += n;
    if (end < 0)
        end += n;
    if (start < 0)
        start = 0;
    if (start > end || start >= n) {
        resp_write_array_len(&exp_w, 0);
        return;
    }
    if (end >= n)
        end = n - 1;
    resp_write_array_len(&exp_w, end - start + 1);
    for (long long i = start; i <= end; i++)
        resp_write_bulk(&exp_w, m->a[i].p, m->a[i].n);
}

/* A random element: small ints, small strings, medium and big strings, from a small
 * alphabet so searches hit. */
static size_t rand_elem(prng *r, char *buf, int big_ok)
{
    unsigned k = (unsigned)prng_below(r, 10);
    if (k < 3)
        return (size_t)snprintf(buf, 32, "%d", (int)prng_below(r, 20) - 5);
    if (k < 7) {
        size_t n = (size_t)prng_below(r, 4);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + prng_below(r, 3));
        return n;
    }
    if (k < 9 || !big_ok) {
        size_t n = 40 + (size_t)prng_below(r, 200);
        memset(buf, 'm', n);
        buf[0] = (char)('a' + prng_below(r, 3));
        return n;
    }
    size_t n = 3000 + (size_t)prng_below(r, 6000);
    memset(buf, 'B', n);
    buf[0] = (char)('a' + prng_below(r, 2));
    return n;
}

static char numbuf[8][32];
static rd_arg A(const char *s)
{
    rd_arg a = {s, strlen(s)};
    return a;
}
static rd_arg N(int slot, long long v)
{
    snprintf(numbuf[slot], sizeof numbuf[slot], "%lld", v);
    return A(numbuf[slot]);
}

/* Saves and reloads the key's value: identical contents and layout (save bytes). */
static void check_round_trip(const char *key)
{
    kv *v = peek(0, key);
    if (!v)
        return;
    const kv_type_ops *ops = kv_type_get_ops(OBJ_LIST);
    bytebuf a, b;
    bytebuf_init(&a);
    bytebuf_init(&b);
    ops->save(kv_ptr(v), kv_encoding(v), &a);
    void *loaded = ops->load(a.data, a.len, kv_encoding(v));
    cr_assert_not_null(loaded);
    ops->save(loaded, kv_encoding(v), &b);
    cr_assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    /* the other encoding is refused */
    cr_assert_null(ops->load(a.data, a.len, kv_encoding(v) == ENC_LISTPACK ? ENC_QUICKLIST : ENC_LISTPACK));
    void *cp = ops->copy(loaded);
    bytebuf_clear(&b);
    ops->save(cp, kv_encoding(v), &b);
    cr_assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    ops->free(cp);
    ops->free(loaded);
    bytebuf_free(&a);
    bytebuf_free(&b);
}

static void random_ops(int fill, uint64_t seed, int nops, int big_ok)
{
    g_server.cfg.list_max_listpack_size = fill;
    prng r;
    prng_seed(&r, seed);
    model m = {0};
    bytebuf_init(&exp_buf);
    resp_writer_init(&exp_w, &exp_buf, 2);
    static char e1[10000], e2[10000];
    const char *key = "L";
    int seen_multi_node = 0, back_to_listpack = 0, was_ql = 0;
    for (int op = 0; op < nops; op++) {
        rd_arg argv[16];
        int argc = 0;
        unsigned kind = (unsigned)prng_below(&r, 16);
        exp_begin();
        size_t n1 = rand_elem(&r, e1, big_ok), n2 = rand_elem(&r, e2, big_ok);
        rd_arg v1 = {e1, n1}, v2 = {e2, n2};
        /* Keep lists from growing without bound: favour pops when long. */
        if (m.n > 300 && kind < 4)
            kind = 5;
        switch (kind) {
        case 0: case 1: case 2: case 3: { /* LPUSH / RPUSH with 1..3 elements */
            int left = kind < 2;
            argv[argc++] = A(left ? "LPUSH" : "RPUSH");
            argv[argc++] = A(key);
            int k = 1 + (int)prng_below(&r, 3);
            for (int i = 0; i < k; i++) {
                argv[argc++] = i % 2 ? v2 : v1;
                if (left)
                    m_insert(&m, 0, argv[argc - 1].ptr, argv[argc - 1].len);
                else
                    m_insert(&m, m.n, argv[argc - 1].ptr, argv[argc - 1].len);
            }
            resp_write_int(&exp_w, m.n);
            break;
        }
        case 4: case 5: { /* LPOP / RPOP, maybe with count */
            int left = kind == 4;
            argv[argc++] = A(left ? "LPOP" : "RPOP");
            argv[argc++] = A(key);
            if (prng_below(&r, 2)) {
                long long cnt = (long long)prng_below(&r, 6);
                argv[argc++] = N(0, cnt);
                if (m.n == 0) {
                    resp_write_null_array(&exp_w);
                } else {
                    long long take = cnt < m.n ? cnt : m.n;
                    resp_write_array_len(&exp_w, take);
                    for (long long i = 0; i < take; i++) {
                        long at = left ? 0 : m.n - 1;
                        resp_write_bulk(&exp_w, m.a[at].p, m.a[at].n);
                        m_remove(&m, at);
                    }
                }
            } else if (m.n == 0) {
                resp_write_null(&exp_w);
            } else {
                long at = left ? 0 : m.n - 1;
                resp_write_bulk(&exp_w, m.a[at].p, m.a[at].n);
                m_remove(&m, at);
            }
            break;
        }
        case 6: { /* LINDEX */
            long long i = (long long)prng_below(&r, (uint64_t)(2 * m.n + 4)) - m.n - 2;
            argv[argc++] = A("LINDEX");
            argv[argc++] = A(key);
            argv[argc++] = N(0, i);
            long at = m_index(&m, i);
            if (at < 0)
                resp_write_null(&exp_w);
            else
                resp_write_bulk(&exp_w, m.a[at].p, m.a[at].n);
            break;
        }
        case 7: { /* LSET */
            long long i = (long long)prng_below(&r, (uint64_t)(2 * m.n + 4)) - m.n - 2;
            argv[argc++] = A("LSET");
            argv[argc++] = A(key);
            argv[argc++] = N(0, i);
            argv[argc++] = v1;
            long at = m_index(&m, i);
            if (m.n == 0) {
                resp_write_error(&exp_w, "ERR no such key");
            } else if (at < 0) {
                resp_write_error(&exp_w, "ERR index out of range");
            } else {
                free(m.a[at].p);
                m.a[at].p = malloc(n1 ? n1 : 1);
                memcpy(m.a[at].p, e1, n1);
                m.a[at].n = n1;
                resp_write_ok(&exp_w);
            }
            break;
        }
        case 8: { /* LINSERT */
            int after = (int)prng_below(&r, 2);
            argv[argc++] = A("LINSERT");
            argv[argc++] = A(key);
            argv[argc++] = A(after ? "AFTER" : "BEFORE");
            /* pivot: an existing element most of the time */
            if (m.n && prng_below(&r, 4)) {
                long at = (long)prng_below(&r, (uint64_t)m.n);
                memcpy(e2, m.a[at].p, m.a[at].n);
                n2 = m.a[at].n;
                v2.len = n2;
            }
            argv[argc++] = v2;
            argv[argc++] = v1;
            if (m.n == 0) {
                resp_write_int(&exp_w, 0);
                break;
            }
            long found = -1;
            for (long i = 0; i < m.n; i++)
                if (m_eq(&m.a[i], e2, n2)) {
                    found = i;
                    break;
                }
            if (found < 0) {
                resp_write_int(&exp_w, -1);
            } else {
                m_insert(&m, found + after, e1, n1);
                resp_write_int(&exp_w, m.n);
            }
            break;
        }
        case 9: { /* LREM */
            long long cnt = (long long)prng_below(&r, 7) - 3;
            argv[argc++] = A("LREM");
            argv[argc++] = A(key);
            argv[argc++] = N(0, cnt);
            argv[argc++] = v2;
            long long removed = 0;
            if (cnt >= 0) {
                for (long i = 0; i < m.n;) {
                    if (m_eq(&m.a[i], e2, n2) && (cnt == 0 || removed < cnt)) {
                        m_remove(&m, i);
                        removed++;
                    } else {
                        i++;
                    }
                }
            } else {
                for (long i = m.n - 1; i >= 0; i--)
                    if (m_eq(&m.a[i], e2, n2) && removed < -cnt) {
                        m_remove(&m, i);
                        removed++;
                    }
            }
            resp_write_int(&exp_w, removed);
            break;
        }
        case 10: { /* LTRIM */
            long long s = (long long)prng_below(&r, (uint64_t)(m.n + 6)) - 3;
            long long e = (long long)prng_below(&r, (uint64_t)(m.n + 6)) - 3;
            if (prng_below(&r, 3) == 0) { /* mostly mild trims */
                s = prng_below(&r, 3);
                e = -1 - (long long)prng_below(&r, 3);
            }
            argv[argc++] = A("LTRIM");
            argv[argc++] = A(key);
            argv[argc++] = N(0, s);
            argv[argc++] = N(1, e);
            long long n = m.n, ss = s, ee = e;
            if (ss < 0)
                ss += n;
            if (ee < 0)
                ee += n;
            if (ss < 0)
                ss = 0;
            if (ss > ee || ss >= n) {
                while (m.n)
                    m_remove(&m, 0);
            } else {
                if (ee >= n)
                    ee = n - 1;
                while (m.n > ee + 1)
                    m_remove(&m, m.n - 1);
                for (long long i = 0; i < ss; i++)
                    m_remove(&m, 0);
            }
            resp_write_ok(&exp_w);
            break;
        }
        case 11: { /* LRANGE */
            long long s = (long long)prng_below(&r, (uint64_t)(2 * m.n + 6)) - m.n - 3;
            long long e = (long long)prng_below(&r, (uint64_t)(2 * m.n + 6)) - m.n - 3;
            argv[argc++] = A("LRANGE");
            argv[argc++] = A(key);
            argv[argc++] = N(0, s);
            argv[argc++] = N(1, e);
            exp_range(&m, s, e);
            break;
        }
        case 12: { /* LPOS with options */
            long long rank = (long long)prng_below(&r, 7) - 3;
            if (rank == 0)
                rank = 1;
            long long count = (long long)prng_below(&r, 4) - 1; /* -1: none */
            long long maxlen = (long long)prng_below(&r, 3) ? 0 : (long long)prng_below(&r, 10);
            argv[argc++] = A("LPOS");
            argv[argc++] = A(key);
            argv[argc++] = v2;
            argv[argc++] = A("RANK");
            argv[argc++] = N(0, rank);
            if (count >= 0) {
                argv[argc++] = A("COUNT");
                argv[argc++] = N(1, count);
            }
            argv[argc++] = A("MAXLEN");
            argv[argc++] = N(2, maxlen);
            long long found[5000];
            long long nf = 0, matches = 0;
            int fwd = rank > 0;
            long long rk = fwd ? rank : -rank;
            for (long long k = 0; k < m.n && (maxlen == 0 || k < maxlen); k++) {
                long long i = fwd ? k : m.n - 1 - k;
                if (m_eq(&m.a[i], e2, n2)) {
                    matches++;
                    if (matches >= rk) {
                        found[nf++] = i;
                        if (count < 0 || (count && nf >= count))
                            break;
                    }
                }
            }
            if (count >= 0) {
                resp_write_array_len(&exp_w, nf);
                for (long long i = 0; i < nf; i++)
                    resp_write_int(&exp_w, found[i]);
            } else if (nf) {
                resp_write_int(&exp_w, found[0]);
            } else {
                resp_write_null(&exp_w);
            }
            break;
        }
        case 13: { /* LMOVE on the same key (rotation) */
            const char *from = prng_below(&r, 2) ? "LEFT" : "RIGHT";
            const char *to = prng_below(&r, 2) ? "LEFT" : "RIGHT";
            argv[argc++] = A("LMOVE");
            argv[argc++] = A(key);
            argv[argc++] = A(key);
            argv[argc++] = A(from);
            argv[argc++] = A(to);
            if (m.n == 0) {
                resp_write_null(&exp_w);
            } else {
                long at = from[0] == 'L' ? 0 : m.n - 1;
                mstr s = m.a[at];
                char *copy = malloc(s.n ? s.n : 1);
                memcpy(copy, s.p, s.n);
                m_remove(&m, at);
                m_insert(&m, to[0] == 'L' ? 0 : m.n, copy, s.n);
                resp_write_bulk(&exp_w, copy, s.n);
                free(copy);
            }
            break;
        }
        case 14: { /* LLEN */
            argv[argc++] = A("LLEN");
            argv[argc++] = A(key);
            resp_write_int(&exp_w, m.n);
            break;
        }
        default: { /* whole-list LRANGE and a round trip */
            argv[argc++] = A("LRANGE");
            argv[argc++] = A(key);
            argv[argc++] = A("0");
            argv[argc++] = A("-1");
            exp_range(&m, 0, -1);
            check_round_trip(key);
            break;
        }
        }
        int is_read = kind == 6 || kind == 11 || kind == 12 || kind == 14 || kind == 15;
        run_argv(0, NOW, is_read ? 0 : EXEC_MAY_MUTATE, &writer, argv, argc);
        char what[64];
        snprintf(what, sizeof what, "op %d kind %u fill %d", op, kind, fill);
        exp_check(what);
        kv *v = peek(0, key);
        cr_assert_eq(v != NULL, m.n > 0, "%s: key presence", what);
        if (v) {
            check_list(v);
            cr_assert_eq(list_length(v), (unsigned long)m.n);
            int ql = kv_encoding(v) == ENC_QUICKLIST;
            if (ql && ((quicklist *)kv_ptr(v))->len > 1)
                seen_multi_node = 1;
            if (was_ql && !ql)
                back_to_listpack++;
            was_ql = ql;
        } else {
            was_ql = 0;
        }
    }
    /* the run must have exercised both encodings and both conversions */
    cr_assert(seen_multi_node, "fill %d: never a multi-node quicklist", fill);
    if (fill < 0 || fill > 1) /* with 0 and 1 half the limit is 0: never back */
        cr_assert(back_to_listpack > 0, "fill %d: never converted back", fill);
    m_clear(&m);
    bytebuf_free(&exp_buf);
}

Test(lists, random_vs_model_default_fill)
{
    random_ops(-2, 1, 6000, 1);
}

Test(lists, random_vs_model_small_byte_limit)
{
    random_ops(-1, 2, 6000, 1);
}

Test(lists, random_vs_model_count_fill)
{
    random_ops(4, 3, 6000, 0);
    W("DEL", "L", NULL);
    random_ops(1, 4, 3000, 1);
    W("DEL", "L", NULL);
    random_ops(0, 5, 3000, 0);
}

/* ---- conversions -------------------------------------------------------------------- */

Test(lists, converts_at_redis_thresholds)
{
    g_server.cfg.list_max_listpack_size = 4; /* by count */
    EQ(W("RPUSH", "k", "a", "b", "c", "d", NULL), ":4\r\n");
    EQ(enc_of("k"), "listpack");
    EQ(W("RPUSH", "k", "e", NULL), ":5\r\n");
    EQ(enc_of("k"), "quicklist");
    /* back only once a single node is at most half the limit */
    EQ(W("RPOP", "k", NULL), "$1\r\ne\r\n");
    EQ(enc_of("k"), "quicklist");
    EQ(W("RPOP", "k", "2", NULL), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
    EQ(enc_of("k"), "listpack");

    /* byte limit: -2 = 8 KiB, counted as lpBytes + the new arguments' lengths */
    g_server.cfg.list_max_listpack_size = -2;
    char big[8200];
    memset(big, 'x', sizeof big);
    big[8192 - 7] = '\0'; /* 7 + 8185 = 8192: still fits */
    W("DEL", "k", NULL);
    W("RPUSH", "k", big, NULL);
    EQ(enc_of("k"), "listpack");
    W("RPUSH", "k", "x", NULL); /* the listpack is now 8199 bytes: any push converts */
    EQ(enc_of("k"), "quicklist");
    W("DEL", "k", NULL);
    memset(big, 'x', sizeof big);
    big[8192 - 6] = '\0'; /* 7 + 8186 > 8192 */
    W("LPUSH", "k", big, NULL);
    EQ(enc_of("k"), "quicklist");
    /* LSET with a small value shrinks it back */
    EQ(W("LSET", "k", "0", "small", NULL), "+OK\r\n");
    EQ(enc_of("k"), "listpack");
    /* LINSERT converts before searching the pivot, even when the pivot is missing */
    EQ(W("LINSERT", "k", "BEFORE", "nope", big, NULL), ":-1\r\n");
    EQ(enc_of("k"), "quicklist");
}

Test(lists, object_encoding_and_copy)
{
    EQ(W("RPUSH", "a", "1", "2", "3", NULL), ":3\r\n");
    EQ(R("OBJECT", "ENCODING", "a", NULL), "$8\r\nlistpack\r\n");
    g_server.cfg.list_max_listpack_size = 2;
    EQ(W("RPUSH", "b", "1", "2", "3", NULL), ":3\r\n");
    EQ(R("OBJECT", "ENCODING", "b", NULL), "$9\r\nquicklist\r\n");
    EQ(W("COPY", "b", "c", NULL), ":1\r\n");
    EQ(R("OBJECT", "ENCODING", "c", NULL), "$9\r\nquicklist\r\n");
    EQ(R("LRANGE", "c", "0", "-1", NULL), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    EQ(W("COPY", "a", "d", NULL), ":1\r\n");
    EQ(R("OBJECT", "ENCODING", "d", NULL), "$8\r\nlistpack\r\n");
    EQ(W("RPUSH", "d", "4", NULL), ":4\r\n"); /* independent of a */
    EQ(R("LLEN", "a", NULL), ":3\r\n");
}

/* ---- edge cases, errors and dirty --------------------------------------------------- */

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

Test(lists, errors_and_edge_cases)
{
    EQ(W("SET", "s", "x", NULL), "+OK\r\n");
    EQ(W("LPUSH", "s", "a", NULL), WRONGTYPE);
    EQ(R("LRANGE", "s", "0", "-1", NULL), WRONGTYPE);
    EQ(R("LRANGE", "s", "x", "-1", NULL), "-ERR value is not an integer or out of range\r\n");
    EQ(W("LMOVE", "nosuch", "s", "LEFT", "LEFT", NULL), "$-1\r\n");
    EQ(W("RPUSH", "l", "a", NULL), ":1\r\n");
    EQ(W("LMOVE", "l", "s", "LEFT", "LEFT", NULL), WRONGTYPE);
    EQ(R("LLEN", "l", NULL), ":1\r\n"); /* nothing popped */
    EQ(W("LMOVE", "l", "l", "UP", "LEFT", NULL), "-ERR syntax error\r\n");
    EQ(W("LSET", "nosuch", "0", "x", NULL), "-ERR no such key\r\n");
    EQ(W("LSET", "l", "1", "x", NULL), "-ERR index out of range\r\n");
    EQ(W("LSET", "l", "x", "x", NULL), "-ERR value is not an integer or out of range\r\n");
    EQ(W("LPOP", "l", "-1", NULL), "-ERR value is out of range, must be positive\r\n");
    EQ(W("LPOP", "nosuch", "1", NULL), "*-1\r\n");
    EQ(W("LPOP", "l", "0", NULL), "*0\r\n");
    EQ(W("LPOP", "s", "0", NULL), WRONGTYPE);
    EQ(W("LINSERT", "l", "MIDDLE", "a", "b", NULL), "-ERR syntax error\r\n");
    EQ(W("LINSERT", "nosuch", "BEFORE", "a", "b", NULL), ":0\r\n");
    EQ(R("LPOS", "l", "a", "RANK", "0", NULL),
       "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
       "negative to start from the end of the list\r\n");
    EQ(R("LPOS", "l", "a", "RANK", "-9223372036854775808", NULL),
       "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    EQ(R("LPOS", "l", "a", "COUNT", "-1", NULL), "-ERR COUNT can't be negative\r\n");
    EQ(R("LPOS", "l", "a", "MAXLEN", "-1", NULL), "-ERR MAXLEN can't be negative\r\n");
    EQ(R("LPOS", "l", "a", "COUNT", NULL), "-ERR syntax error\r\n");
    EQ(R("LPOS", "nosuch", "a", NULL), "$-1\r\n");
    EQ(R("LPOS", "nosuch", "a", "COUNT", "0", NULL), "*0\r\n");
    EQ(W("LMPOP", "0", "l", "LEFT", NULL), "-ERR numkeys should be greater than 0\r\n");
    EQ(W("LMPOP", "2", "l", "LEFT", NULL), "-ERR syntax error\r\n");
    EQ(W("LMPOP", "1", "l", "UP", NULL), "-ERR syntax error\r\n");
    EQ(W("LMPOP", "1", "l", "LEFT", "COUNT", "0", NULL), "-ERR count should be greater than 0\r\n");
    EQ(W("LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1", NULL), "-ERR syntax error\r\n");
    EQ(W("LMPOP", "2", "nosuch", "s", "LEFT", NULL), WRONGTYPE);
    EQ(W("LMPOP", "1", "nosuch", "LEFT", NULL), "*-1\r\n");
    EQ(W("LMPOP", "2", "nosuch", "l", "RIGHT", "COUNT", "10", NULL), "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n");
    cr_assert_null(peek(0, "l")); /* emptied: deleted */
    cr_assert_eq(last_dirty, 1);
    EQ(W("LTRIM", "nosuch", "0", "1", NULL), "+OK\r\n");
    EQ(W("LPUSHX", "nosuch", "a", NULL), ":0\r\n");
    cr_assert_null(peek(0, "nosuch"));
    EQ(W("RPUSH", "l", "a", "b", "c", NULL), ":3\r\n");
    EQ(W("LTRIM", "l", "5", "10", NULL), "+OK\r\n");
    cr_assert_null(peek(0, "l"));
    EQ(W("RPUSH", "l", "a", "b", "a", NULL), ":3\r\n");
    EQ(W("LREM", "l", "0", "zz", NULL), ":0\r\n");
    cr_assert_eq(last_dirty, 0);
    EQ(W("LREM", "l", "0", "a", NULL), ":2\r\n");
    EQ(W("RPOPLPUSH", "l", "m", NULL), "$1\r\nb\r\n");
    cr_assert_null(peek(0, "l"));
    cr_assert_eq(last_dirty, 2);
    EQ(R("LINDEX", "m", "-1", NULL), "$1\r\nb\r\n");
    EQ(R("LINDEX", "m", "1", NULL), "$-1\r\n");
    EQ(R("LINDEX", "nosuch", "x", NULL), "$-1\r\n");
}

Test(lists, reads_do_not_mutate)
{
    g_server.cfg.list_max_listpack_size = 2;
    EQ(W("RPUSH", "q", "1", "2", "3", "4", "5", NULL), ":5\r\n");
    const kv_type_ops *ops = kv_type_get_ops(OBJ_LIST);
    bytebuf before, after;
    bytebuf_init(&before);
    bytebuf_init(&after);
    ops->save(kv_ptr(peek(0, "q")), ENC_QUICKLIST, &before);
    R("LRANGE", "q", "0", "-1", NULL);
    R("LINDEX", "q", "3", NULL);
    R("LPOS", "q", "3", "COUNT", "0", NULL);
    R("LLEN", "q", NULL);
    cr_assert_eq(last_dirty, 0);
    ops->save(kv_ptr(peek(0, "q")), ENC_QUICKLIST, &after);
    cr_assert(before.len == after.len && memcmp(before.data, after.data, before.len) == 0);
    bytebuf_free(&before);
    bytebuf_free(&after);
}

Test(lists, load_rejects_garbage)
{
    const kv_type_ops *ops = kv_type_get_ops(OBJ_LIST);
    g_server.cfg.list_max_listpack_size = 3;
    EQ(W("RPUSH", "q", "a", "bb", "123", "x", "yy", "-7", "zzz", NULL), ":7\r\n");
    bytebuf b;
    bytebuf_init(&b);
    ops->save(kv_ptr(peek(0, "q")), ENC_QUICKLIST, &b);
    cr_assert_null(ops->load(NULL, 0, ENC_QUICKLIST));
    /* truncations */
    for (size_t n = 0; n < b.len; n++)
        cr_assert_null(ops->load(b.data, n, ENC_QUICKLIST));
    /* single-bit corruptions: rejected, or a well-formed list */
    char *copy = malloc(b.len);
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, b.data, b.len);
            copy[i] ^= (char)(1 << bit);
            void *v = ops->load(copy, b.len, ENC_QUICKLIST);
            if (v) {
                const quicklist *ql = v;
                unsigned long cnt = 0;
                for (const qlnode *n = ql->head; n; n = n->next)
                    cnt += n->count;
                cr_assert_eq(cnt, ql->count);
                ops->free(v);
            }
        }
    }
    /* random garbage */
    prng r;
    prng_seed(&r, 7);
    char junk[128];
    for (int k = 0; k < 20000; k++) {
        size_t len = (size_t)prng_below(&r, sizeof junk);
        for (size_t i = 0; i < len; i++)
            junk[i] = (char)prng_next(&r);
        if (len > 2) {
            junk[0] = 1;
            junk[1] = prng_below(&r, 2) ? 'q' : 'l';
        }
        void *v = ops->load(junk, len, junk[1] == 'q' ? ENC_QUICKLIST : ENC_LISTPACK);
        if (v)
            ops->free(v);
    }
    free(copy);
    bytebuf_free(&b);
}

Test(lists, helpers_push_pop)
{
    exec_ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = &g_server;
    c.db = &g_server.dbs[0];
    c.now_ms = NOW;
    c.flags = EXEC_MAY_MUTATE;
    c.w = &writer;
    kv *v = list_create(&c, "h", 1);
    for (int i = 0; i < 3000; i++) {
        char s[16];
        int n = snprintf(s, sizeof s, "e%d", i);
        rd_arg a = {s, (size_t)n};
        list_convert_for_push(&c, v, &a, 1);
        list_push(v, s, (size_t)n, LIST_TAIL);
    }
    cr_assert_eq(list_length(v), 3000);
    EQ(kv_encoding_name(kv_encoding(v)), "quicklist");
    list_elem e;
    for (int i = 0; i < 3000; i++) {
        cr_assert(list_pop(v, LIST_HEAD, &e));
        char s[16];
        int n = snprintf(s, sizeof s, "e%d", i);
        cr_assert(e.len == (size_t)n && memcmp(e.ptr, s, e.len) == 0);
        list_elem_free(&e);
    }
    cr_assert_not(list_pop(v, LIST_HEAD, &e));
    cr_assert(list_removed(&c, "h", 1, v));
    cr_assert_null(peek(0, "h"));
}
