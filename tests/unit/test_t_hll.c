/* Unit tests for node/t_hll.c, calling the handlers directly with an exec_ctx:
 *   - the exact bytes of a new HLL and of a single-element sparse HLL (Redis's format);
 *   - PFCOUNT never writes (no dirty, bytes unchanged), even on a stale cache;
 *   - the sparse -> dense promotion at the configured hll-sparse-max-bytes;
 *   - accuracy on a larger set; corrupt values give INVALIDOBJ, foreign strings the
 *     WRONGTYPE HyperLogLog error;
 *   - replaying the same commands into another database gives the same bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"
#include "test_cmd_runner.h"

static void put_string(const char *key, const char *val, size_t vlen, int64_t expire)
{
    put_kv(kv_new_string(key, strlen(key), val, vlen, expire));
}

#define EQ(actual, expect) cr_assert_str_eq((actual), (expect))

#define HLL_DENSE_SIZE (16 + 12288)
#define NOT_HLL "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
#define INVALID "-INVALIDOBJ Corrupted HLL object detected\r\n"

TestSuite(hll, .init = cmd_runner_init, .fini = cmd_runner_teardown);

/* PFADD key e<from> .. e<to-1>, in batches. */
static void add_range(int dbid, const char *key, int from, int to)
{
    static char bufs[50][24];
    rd_arg argv[52];
    while (from < to) {
        int argc = 0;
        argv[argc++] = (rd_arg){"PFADD", 5};
        argv[argc++] = (rd_arg){key, strlen(key)};
        for (int j = 0; j < 50 && from < to; j++, from++) {
            int n = snprintf(bufs[j], sizeof bufs[j], "e%d", from);
            argv[argc++] = (rd_arg){bufs[j], (size_t)n};
        }
        run_argv(dbid, NOW, EXEC_MAY_MUTATE, &writer, argv, argc);
        cr_assert(reply[0] == ':', "PFADD replied %s", reply);
    }
}

Test(hll, new_value_bytes)
{
    EQ(W("PFADD", "h", NULL), ":1\r\n");
    cr_assert_eq(last_dirty, 1);
    size_t len;
    const char *s = value_of(0, "h", &len);
    static const char want[] = "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff";
    cr_assert_eq(len, 18);
    cr_assert(memcmp(s, want, 18) == 0);
    cr_assert_eq(kv_encoding(peek(0, "h")), ENC_RAW);
    EQ(W("PFADD", "h", NULL), ":0\r\n");
    cr_assert_eq(last_dirty, 0);
}

Test(hll, one_element_is_xzero_val_xzero)
{
    EQ(W("PFADD", "h", "a", NULL), ":1\r\n");
    size_t len;
    const unsigned char *s = (const unsigned char *)value_of(0, "h", &len);
    /* one register set in the middle: XZERO VAL XZERO (or ZERO/VAL at an edge) */
    cr_assert(len >= 17 && len <= 21, "len %zu", len);
    cr_assert_eq(s[4], 1);
    int vals = 0;
    long regs = 0;
    for (size_t i = 16; i < len; i++) {
        if ((s[i] & 0xc0) == 0x40) {
            regs += (((s[i] & 0x3f) << 8) | s[i + 1]) + 1;
            i++;
        } else if (s[i] & 0x80) {
            vals++;
            regs += (s[i] & 3) + 1;
        } else {
            regs += (s[i] & 0x3f) + 1;
        }
    }
    cr_assert_eq(vals, 1);
    cr_assert_eq(regs, 16384);
    EQ(R("PFCOUNT", "h", NULL), ":1\r\n");
}

Test(hll, pfcount_never_writes)
{
    add_range(0, "h", 0, 500);
    size_t len;
    const char *s = value_of(0, "h", &len);
    char *before = malloc(len);
    memcpy(before, s, len);
    cr_assert(before[15] & 0x80); /* stale cache */
    R("PFCOUNT", "h", NULL);
    cr_assert_eq(last_dirty, 0);
    long long n = strtoll(reply + 1, NULL, 10);
    cr_assert(n > 475 && n < 525, "estimate %lld", n);
    R("PFCOUNT", "h", "other", NULL);
    cr_assert_eq(strtoll(reply + 1, NULL, 10), n);
    size_t len2;
    s = value_of(0, "h", &len2);
    cr_assert(len2 == len && memcmp(s, before, len) == 0, "PFCOUNT changed the value");
    free(before);
}

Test(hll, promotion_follows_config)
{
    g_server.cfg.hll_sparse_max_bytes = 100;
    add_range(0, "h", 0, 20);
    size_t len;
    const char *s = value_of(0, "h", &len);
    cr_assert_eq(s[4], 1);
    cr_assert_leq(len, 100);
    add_range(0, "h", 20, 200);
    s = value_of(0, "h", &len);
    cr_assert_eq(s[4], 0);
    cr_assert_eq(len, HLL_DENSE_SIZE);
    /* the default (3000) keeps the same elements sparse */
    g_server.cfg.hll_sparse_max_bytes = 3000;
    add_range(0, "h2", 0, 200);
    s = value_of(0, "h2", &len);
    cr_assert_eq(s[4], 1);
    R("PFCOUNT", "h", NULL);
    char a[32];
    snprintf(a, sizeof a, "%.30s", reply);
    EQ(R("PFCOUNT", "h2", NULL), a); /* same registers, same estimate */
}

Test(hll, accuracy)
{
    add_range(0, "h", 0, 100000);
    R("PFCOUNT", "h", NULL);
    long long n = strtoll(reply + 1, NULL, 10);
    cr_assert(n > 97000 && n < 103000, "estimate %lld for 100000", n);
}

Test(hll, merge_union)
{
    add_range(0, "a", 0, 3000);
    add_range(0, "b", 2000, 5000);
    EQ(W("PFMERGE", "m", "a", "b", "missing", NULL), "+OK\r\n");
    cr_assert_eq(last_dirty, 1);
    R("PFCOUNT", "m", NULL);
    long long n = strtoll(reply + 1, NULL, 10);
    cr_assert(n > 4800 && n < 5200, "estimate %lld", n);
    char a[32];
    snprintf(a, sizeof a, "%.30s", reply);
    EQ(R("PFCOUNT", "a", "b", NULL), a);
    size_t len;
    cr_assert_eq(value_of(0, "m", &len)[4], 0); /* a dense input gives a dense result */
}

Test(hll, errors)
{
    put_string("s", "not an hll at all", 17, -1);
    EQ(W("PFADD", "s", "x", NULL), NOT_HLL);
    EQ(R("PFCOUNT", "s", NULL), NOT_HLL);
    EQ(W("PFMERGE", "d", "s", NULL), NOT_HLL);
    cr_assert_null(peek(0, "d"));
    put_string("i", "12345", 5, -1); /* int encoded */
    EQ(R("PFCOUNT", "i", NULL), NOT_HLL);
    /* sparse opcodes covering fewer than 16384 registers */
    put_string("c", "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xfe", 18, -1);
    EQ(R("PFCOUNT", "c", NULL), INVALID);
    EQ(R("PFCOUNT", "c", "c", NULL), INVALID);
    EQ(W("PFMERGE", "d", "c", NULL), INVALID);
    /* PFADD only checks the opcode it changes, as Redis: "x" falls inside the run */
    EQ(W("PFADD", "c", "x", NULL), ":1\r\n");
    /* a truncated XZERO */
    put_string("t", "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f", 17, -1);
    EQ(R("PFCOUNT", "t", NULL), INVALID);
    EQ(W("PFADD", "t", "x", "y", NULL), INVALID);
    /* a dense value of the wrong size */
    put_string("w", "HYLL\x00\0\0\0\0\0\0\0\0\0\0\x80\x00\x00", 18, -1);
    EQ(R("PFCOUNT", "w", NULL), NOT_HLL);
}

Test(hll, replay_gives_same_bytes)
{
    for (int dbid = 0; dbid < 2; dbid++) {
        for (int i = 0; i < 40; i++) {
            char key[8];
            snprintf(key, sizeof key, "k%d", i % 3);
            /* batches of growing size in each db: the same sequence */
            rd_arg argv[3] = {{"PFADD", 5}, {key, strlen(key)}, {NULL, 0}};
            char ele[24];
            for (int j = 0; j < i * 13; j++) {
                int n = snprintf(ele, sizeof ele, "x%d-%d", i, j);
                argv[2] = (rd_arg){ele, (size_t)n};
                run_argv(dbid, NOW, EXEC_MAY_MUTATE, &writer, argv, 3);
            }
        }
        rd_arg m[4] = {{"PFMERGE", 7}, {"k0", 2}, {"k1", 2}, {"k2", 2}};
        run_argv(dbid, NOW, EXEC_MAY_MUTATE, &writer, m, 4);
    }
    const char *keys[] = {"k0", "k1", "k2"};
    for (int i = 0; i < 3; i++) {
        size_t l0, l1;
        const char *a = value_of(0, keys[i], &l0);
        const char *b = value_of(1, keys[i], &l1);
        cr_assert(l0 == l1 && memcmp(a, b, l0) == 0, "key %s differs", keys[i]);
    }
}
