/* Unit tests for proto/log_entry.c: the Raft log-entry format (builder, validating
 * decoder, zero-copy iterator). Round trips of every type, exact bytes of the layout,
 * padding, determinism, builder misuse, every truncation point and a bounded random
 * corruption run (fixed seed) that must never crash or read out of bounds. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "log_entry.h"
#include "mem.h"
#include "prng.h"

/* Appends one command given as NULL-terminated C strings. */
static void add_cmd(log_entry_builder *b, uint64_t cid, uint64_t seq, uint16_t db,
                    uint32_t flags, ...)
{
    rd_arg argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, flags);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL && argc < 32) {
        argv[argc].ptr = s;
        argv[argc].len = strlen(s);
        argc++;
    }
    va_end(ap);
    cr_assert_eq(log_entry_builder_add_command(b, cid, seq, db, flags, argc, argv),
                 LOG_ENTRY_OK);
}

/* Finishes b and returns a rd_malloc'ed copy (as the leader copies into raft memory). */
static char *finish_copy(log_entry_builder *b, int64_t t, uint64_t seed, size_t *len)
{
    const char *data;
    cr_assert_eq(log_entry_builder_finish(b, t, seed, &data, len), LOG_ENTRY_OK);
    cr_assert_eq(*len % 8, 0);
    char *copy = rd_malloc(*len);
    memcpy(copy, data, *len);
    return copy;
}

static int arg_is(const rd_arg *a, const char *s)
{
    return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

/* Every argument lies inside the entry. */
static void assert_inside(const log_entry *e, const rd_arg *a)
{
    cr_assert(a->ptr >= e->base + LOG_ENTRY_HEADER_LEN);
    cr_assert(a->len <= e->len);
    cr_assert(a->ptr + a->len <= e->base + e->len);
}

Test(log_entry, commands_round_trip)
{
    log_entry_builder b;
    cr_assert_eq(log_entry_builder_init(&b, LOG_ENTRY_COMMANDS), LOG_ENTRY_OK);
    add_cmd(&b, 7, 1, 0, 0, "SET", "k", "v", NULL);
    add_cmd(&b, 9, 42, 3, 0xdeadbeefu, "INCR", "counter", NULL);
    add_cmd(&b, UINT64_MAX, UINT64_MAX, UINT16_MAX, UINT32_MAX, "PING", NULL);
    cr_assert_eq(log_entry_builder_count(&b), 3);
    size_t predicted = log_entry_builder_size(&b);
    size_t len;
    char *buf = finish_copy(&b, 1700000000123LL, 0x0123456789abcdefULL, &len);
    cr_assert_eq(len, predicted);
    log_entry_builder_free(&b);

    log_entry e;
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
    cr_assert_eq(e.type, LOG_ENTRY_COMMANDS);
    cr_assert_eq(e.version, LOG_ENTRY_VERSION);
    cr_assert_eq(e.time_ms, 1700000000123LL);
    cr_assert_eq(e.seed, 0x0123456789abcdefULL);
    cr_assert_eq(e.count, 3);
    cr_assert_eq(e.max_argc, 3);
    cr_assert(e.len <= len && len - e.len < 8);

    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    cr_assert_null(it.heap_argv);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert_eq(c.client_id, 7);
    cr_assert_eq(c.seq, 1);
    cr_assert_eq(c.db, 0);
    cr_assert_eq(c.flags, 0);
    cr_assert_eq(c.argc, 3);
    cr_assert(arg_is(&c.argv[0], "SET") && arg_is(&c.argv[1], "k") && arg_is(&c.argv[2], "v"));
    for (int i = 0; i < c.argc; i++)
        assert_inside(&e, &c.argv[i]);
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert_eq(c.client_id, 9);
    cr_assert_eq(c.seq, 42);
    cr_assert_eq(c.db, 3);
    cr_assert_eq(c.flags, 0xdeadbeefu);
    cr_assert_eq(c.argc, 2);
    cr_assert(arg_is(&c.argv[0], "INCR") && arg_is(&c.argv[1], "counter"));
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert_eq(c.client_id, UINT64_MAX);
    cr_assert_eq(c.seq, UINT64_MAX);
    cr_assert_eq(c.db, UINT16_MAX);
    cr_assert_eq(c.flags, UINT32_MAX);
    cr_assert_eq(c.argc, 1);
    cr_assert(arg_is(&c.argv[0], "PING"));
    cr_assert_eq(log_entry_iter_next(&it, &c), 0);
    cr_assert_eq(log_entry_iter_next(&it, &c), 0);
    rd_arg key;
    cr_assert_eq(log_entry_iter_next_key(&it, &key), LOG_ENTRY_EINVAL);
    log_entry_iter_free(&it);
    rd_free(buf);
}

Test(log_entry, time_extremes_round_trip)
{
    const int64_t times[] = {0, -1, INT64_MIN, INT64_MAX, 1, -1700000000000LL};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        bytebuf out;
        bytebuf_init(&out);
        log_entry_encode_barrier(&out, times[i], (uint64_t)i);
        log_entry e;
        cr_assert_eq(log_entry_decode(&e, out.data, out.len), LOG_ENTRY_OK);
        cr_assert_eq(e.time_ms, times[i]);
        cr_assert_eq(e.seed, (uint64_t)i);
        bytebuf_free(&out);
    }
}

Test(log_entry, barrier_round_trip_and_exact_bytes)
{
    log_entry_builder b;
    cr_assert_eq(log_entry_builder_init(&b, LOG_ENTRY_BARRIER), LOG_ENTRY_OK);
    cr_assert_eq(log_entry_builder_size(&b), 32);
    rd_arg a = {"x", 1};
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 1, &a), LOG_ENTRY_EINVAL);
    const char *data;
    size_t len;
    cr_assert_eq(log_entry_builder_finish(&b, 0x0102030405060708LL, 0x1112131415161718ULL,
                                          &data, &len),
                 LOG_ENTRY_OK);
    static const unsigned char want[32] = {
        'R', 'D', 2, 2, 0, 0, 0, 0,                           /* magic, version, type, count */
        32, 0, 0, 0, 0, 0, 0, 0,                              /* length */
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,       /* time_ms */
        0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,       /* seed */
    };
    cr_assert_eq(len, 32);
    cr_assert(memcmp(data, want, 32) == 0);

    bytebuf out;
    bytebuf_init(&out);
    log_entry_encode_barrier(&out, 0x0102030405060708LL, 0x1112131415161718ULL);
    cr_assert_eq(out.len, 32);
    cr_assert(memcmp(out.data, want, 32) == 0);

    log_entry e;
    cr_assert_eq(log_entry_decode(&e, out.data, out.len), LOG_ENTRY_OK);
    cr_assert_eq(e.type, LOG_ENTRY_BARRIER);
    cr_assert_eq(e.count, 0);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), LOG_ENTRY_EINVAL);
    log_entry_iter_free(&it);
    bytebuf_free(&out);
    log_entry_builder_free(&b);
}

Test(log_entry, commands_exact_bytes)
{
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    add_cmd(&b, 1, 2, 5, 0, "PING", NULL);
    add_cmd(&b, 300, 0, 0, 0x80000000u, "GET", "k", NULL);
    const char *data;
    size_t len;
    cr_assert_eq(log_entry_builder_finish(&b, 0, 0, &data, &len), LOG_ENTRY_OK);
    /* 32 header + (5 varints + 1 + 4) + (2+1+1+5+1 varints + 1+3 + 1+1) = 58, padded 64 */
    static const unsigned char want[64] = {
        'R', 'D', 2, 1, 2, 0, 0, 0, 58, 0, 0, 0, 0, 0, 0, 0, /* ..., count 2, length */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 2, 5, 0, 1,                      /* client id, seq, db, flags, argc */
        4, 'P', 'I', 'N', 'G',
        0xac, 0x02, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x08, 2, /* 300, 0, 0, 2^31, 2 */
        3, 'G', 'E', 'T', 1, 'k',
        0, 0, 0, 0, 0, 0,                   /* padding */
    };
    cr_assert_eq(len, 64);
    cr_assert(memcmp(data, want, 64) == 0);
    log_entry_builder_free(&b);
}

/* Builds a version 2 entry by hand around payload: header (count, length), padding. */
static size_t hand_v2(unsigned char *out, uint8_t type, uint32_t count,
                      const unsigned char *payload, size_t n)
{
    memset(out, 0, 32 + n + 8);
    out[0] = 'R';
    out[1] = 'D';
    out[2] = 2;
    out[3] = type;
    for (int i = 0; i < 4; i++)
        out[4 + i] = (unsigned char)((count >> (8 * i)) & 0xff);
    out[8] = (unsigned char)(32 + n);
    memcpy(out + 32, payload, n);
    return log_entry_padded_len(32 + n);
}

Test(log_entry, varints_are_canonical_and_in_range)
{
    unsigned char buf[128];
    log_entry e;
    size_t len;
    /* client id 2^64-1 (ten bytes), then db 65535, flags 2^32-1: accepted */
    static const unsigned char max_ok[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                                           0, 0xff, 0xff, 0x03, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 1, 'x'};
    len = hand_v2(buf, LOG_ENTRY_COMMANDS, 1, max_ok, sizeof max_ok);
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert_eq(c.client_id, UINT64_MAX);
    cr_assert_eq(c.db, 65535);
    cr_assert_eq(c.flags, UINT32_MAX);
    cr_assert(c.argc == 1 && arg_is(&c.argv[0], "x"));
    log_entry_iter_free(&it);

    struct { unsigned char p[24]; size_t n; int want; const char *what; } bad[] = {
        {{0x81, 0x00, 0, 0, 0, 1, 1, 'x'}, 8, LOG_ENTRY_EVARINT, "over-long client id"},
        {{0, 0, 0x80, 0x80, 0x04, 0, 1, 1, 'x'}, 9, LOG_ENTRY_EVARINT, "db 65536"},
        {{0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 1, 1, 'x'}, 11, LOG_ENTRY_EVARINT, "flags 2^32"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 1, 1, 'x'}, 16,
         LOG_ENTRY_EVARINT, "client id past 64 bits"},
        {{0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x08}, 9, LOG_ENTRY_ECOUNT, "argc 2^31"},
        {{0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x10}, 10, LOG_ENTRY_EVARINT, "arg length 2^32"},
        {{0, 0, 0, 0, 1, 0x80}, 6, LOG_ENTRY_ECOUNT, "varint cut by the end"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        len = hand_v2(buf, LOG_ENTRY_COMMANDS, 1, bad[i].p, bad[i].n);
        cr_assert_eq(log_entry_decode(&e, buf, len), bad[i].want, "%s", bad[i].what);
    }
    /* DELETE: db past 16 bits, and an over-long key length */
    static const unsigned char del_db[] = {0x80, 0x80, 0x04, 1, 1, 'k'};
    len = hand_v2(buf, LOG_ENTRY_DELETE, 1, del_db, sizeof del_db);
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_EVARINT);
    static const unsigned char del_len[] = {0, 1, 0x81, 0x00, 'k'};
    len = hand_v2(buf, LOG_ENTRY_DELETE, 1, del_len, sizeof del_len);
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_EVARINT);
}

/* Logs written by the version 1 builder must still apply after an upgrade. */
Test(log_entry, version1_entries_still_decode)
{
    static const unsigned char v1cmd[72] = {
        'R', 'D', 1, 1, 0, 0, 0, 0, 72, 0, 0, 0, 0, 0, 0, 0,
        9, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,
        1, 0, 0, 0,                         /* count */
        1, 0, 0, 0, 0, 0, 0, 0,             /* client id */
        2, 0, 0, 0, 0, 0, 0, 0,             /* seq */
        5, 0, 0, 0,                         /* db, reserved */
        3, 0, 0, 0,                         /* flags */
        1, 0, 0, 0,                         /* argc */
        4, 0, 0, 0, 'P', 'I', 'N', 'G',
    };
    unsigned char p[72];
    memcpy(p, v1cmd, sizeof p);
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_OK);
    cr_assert_eq(e.version, LOG_ENTRY_VERSION_1);
    cr_assert_eq(e.time_ms, 9);
    cr_assert_eq(e.seed, 7);
    cr_assert_eq(e.count, 1);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert(c.client_id == 1 && c.seq == 2 && c.db == 5 && c.flags == 3 && c.argc == 1);
    cr_assert(arg_is(&c.argv[0], "PING"));
    assert_inside(&e, &c.argv[0]);
    cr_assert_eq(log_entry_iter_next(&it, &c), 0);
    log_entry_iter_free(&it);

    p[4] = 1; /* version 1: reserved */
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_ERESERVED);
    memcpy(p, v1cmd, sizeof p);
    p[36 + 18] = 1; /* command reserved field */
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_ERESERVED);
    memcpy(p, v1cmd, sizeof p);
    p[36 + 24] = 0; /* argc 0 */
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_ECOUNT);
    memcpy(p, v1cmd, sizeof p);
    p[32] = 2; /* one command too many */
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_ECOUNT);
    memcpy(p, v1cmd, sizeof p);
    p[36 + 28] = 5; /* arg length past the end */
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_ECOUNT);

    static const unsigned char v1del[48] = {
        'R', 'D', 1, 3, 0, 0, 0, 0, 45, 0, 0, 0, 0, 0, 0, 0,
        1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
        7, 0, 2, 0, 1, 0, 0, 0,             /* db 7, evicted, reserved, count 1 */
        1, 0, 0, 0, 'k', 0, 0, 0,           /* key "k", padding */
    };
    unsigned char d[48];
    memcpy(d, v1del, sizeof d);
    cr_assert_eq(log_entry_decode(&e, d, sizeof d), LOG_ENTRY_OK);
    cr_assert(e.type == LOG_ENTRY_DELETE && e.db == 7 && e.reason == LOG_ENTRY_DEL_EVICTED);
    log_entry_iter_init(&it, &e);
    rd_arg key;
    cr_assert_eq(log_entry_iter_next_key(&it, &key), 1);
    cr_assert(arg_is(&key, "k"));
    cr_assert_eq(log_entry_iter_next_key(&it, &key), 0);
    log_entry_iter_free(&it);
    d[35] = 1; /* delete reserved byte */
    cr_assert_eq(log_entry_decode(&e, d, sizeof d), LOG_ENTRY_ERESERVED);
}

Test(log_entry, delete_round_trip)
{
    const log_entry_delete_reason reasons[] = {LOG_ENTRY_DEL_EXPIRED, LOG_ENTRY_DEL_EVICTED};
    for (int r = 0; r < 2; r++) {
        log_entry_builder b;
        cr_assert_eq(log_entry_builder_init_delete(&b, 15, reasons[r]), LOG_ENTRY_OK);
        rd_arg a = {"x", 1};
        cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 1, &a), LOG_ENTRY_EINVAL);
        cr_assert_eq(log_entry_builder_add_key(&b, "alpha", 5), LOG_ENTRY_OK);
        cr_assert_eq(log_entry_builder_add_key(&b, "", 0), LOG_ENTRY_OK);
        cr_assert_eq(log_entry_builder_add_key(&b, NULL, 0), LOG_ENTRY_OK);
        cr_assert_eq(log_entry_builder_add_key(&b, "b\0c", 3), LOG_ENTRY_OK);
        cr_assert_eq(log_entry_builder_add_key(&b, NULL, 1), LOG_ENTRY_EINVAL);
        cr_assert_eq(log_entry_builder_count(&b), 4);
        size_t len;
        char *buf = finish_copy(&b, 99, 5, &len);
        log_entry e;
        cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
        cr_assert_eq(e.type, LOG_ENTRY_DELETE);
        cr_assert_eq(e.db, 15);
        cr_assert_eq(e.reason, reasons[r]);
        cr_assert_eq(e.count, 4);
        cr_assert_eq(e.time_ms, 99);
        log_entry_iter it;
        log_entry_iter_init(&it, &e);
        rd_arg k;
        log_entry_cmd c;
        cr_assert_eq(log_entry_iter_next(&it, &c), LOG_ENTRY_EINVAL);
        cr_assert_eq(log_entry_iter_next_key(&it, &k), 1);
        cr_assert(arg_is(&k, "alpha"));
        cr_assert_eq(log_entry_iter_next_key(&it, &k), 1);
        cr_assert_eq(k.len, 0);
        cr_assert_eq(log_entry_iter_next_key(&it, &k), 1);
        cr_assert_eq(k.len, 0);
        cr_assert_eq(log_entry_iter_next_key(&it, &k), 1);
        cr_assert(k.len == 3 && memcmp(k.ptr, "b\0c", 3) == 0);
        cr_assert_eq(log_entry_iter_next_key(&it, &k), 0);
        log_entry_iter_free(&it);
        rd_free(buf);

        /* reset keeps db and reason, and an empty DELETE is valid */
        log_entry_builder_reset(&b);
        buf = finish_copy(&b, 1, 1, &len);
        cr_assert_eq(len, 40);
        cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
        cr_assert_eq(e.count, 0);
        cr_assert_eq(e.db, 15);
        cr_assert_eq(e.reason, reasons[r]);
        rd_free(buf);
        log_entry_builder_free(&b);
    }
}

Test(log_entry, empty_batch)
{
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    cr_assert_eq(log_entry_builder_count(&b), 0);
    cr_assert_eq(log_entry_builder_size(&b), 32); /* the header alone: count 0 */
    size_t len;
    char *buf = finish_copy(&b, 5, 6, &len);
    cr_assert_eq(len, 32);
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
    cr_assert_eq(e.len, 32);
    cr_assert_eq(e.count, 0);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), 0);
    log_entry_iter_free(&it);
    rd_free(buf);
    log_entry_builder_free(&b);
}

Test(log_entry, big_args)
{
    size_t big = 1u << 20;
    char *v1 = rd_malloc(big), *v2 = rd_malloc(big + 3);
    for (size_t i = 0; i < big; i++)
        v1[i] = (char)(i * 31);
    memset(v2, 'z', big + 3);
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    rd_arg argv[3] = {{"SET", 3}, {v1, big}, {v2, big + 3}};
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 3, argv), LOG_ENTRY_OK);
    size_t len;
    char *buf = finish_copy(&b, 1, 1, &len);
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert_eq(c.argv[1].len, big);
    cr_assert(memcmp(c.argv[1].ptr, v1, big) == 0);
    cr_assert_eq(c.argv[2].len, big + 3);
    cr_assert(memcmp(c.argv[2].ptr, v2, big + 3) == 0);
    cr_assert_eq(log_entry_iter_next(&it, &c), 0);
    log_entry_iter_free(&it);
    rd_free(buf);
    rd_free(v1);
    rd_free(v2);
    log_entry_builder_free(&b);
}

/* Command i has argc = 1 + i % 40 (past the inline argv, so the iterator allocates
 * once) and args "i:j". */
static void build_many(log_entry_builder *b, int n)
{
    char store[40][24];
    rd_arg argv[40];
    for (int i = 0; i < n; i++) {
        int argc = 1 + i % 40;
        for (int j = 0; j < argc; j++) {
            int l = snprintf(store[j], sizeof store[j], "%d:%d", i, j);
            argv[j].ptr = store[j];
            argv[j].len = (size_t)l;
        }
        cr_assert_eq(log_entry_builder_add_command(b, (uint64_t)i % 97, (uint64_t)i,
                                                   (uint16_t)(i % 16), 0, argc, argv),
                     LOG_ENTRY_OK);
    }
}

Test(log_entry, thousands_of_commands)
{
    const int n = 5000;
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    build_many(&b, n);
    size_t len;
    char *buf = finish_copy(&b, 1, 2, &len);
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
    cr_assert_eq(e.count, (uint32_t)n);
    cr_assert_eq(e.max_argc, 40);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    cr_assert_not_null(it.heap_argv);
    log_entry_cmd c;
    int i = 0, rc;
    while ((rc = log_entry_iter_next(&it, &c)) == 1) {
        cr_assert_eq(c.argc, 1 + i % 40);
        cr_assert_eq(c.seq, (uint64_t)i);
        cr_assert_eq(c.client_id, (uint64_t)i % 97);
        cr_assert_eq(c.db, i % 16);
        for (int j = 0; j < c.argc; j++) {
            char want[24];
            snprintf(want, sizeof want, "%d:%d", i, j);
            cr_assert(arg_is(&c.argv[j], want));
            assert_inside(&e, &c.argv[j]);
        }
        i++;
    }
    cr_assert_eq(rc, 0);
    cr_assert_eq(i, n);
    log_entry_iter_free(&it);
    rd_free(buf);
    log_entry_builder_free(&b);
}

Test(log_entry, binary_args_and_unaligned_buffer)
{
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    rd_arg argv[4] = {{all, 256}, {"", 0}, {NULL, 0}, {"\0\r\n", 3}};
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    cr_assert_eq(log_entry_builder_add_command(&b, 3, 4, 1, 0, 4, argv), LOG_ENTRY_OK);
    const char *data;
    size_t len;
    cr_assert_eq(log_entry_builder_finish(&b, 1, 1, &data, &len), LOG_ENTRY_OK);
    /* decode from an odd address: no alignment assumption */
    char *raw = rd_malloc(len + 1);
    memcpy(raw + 1, data, len);
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, raw + 1, len), LOG_ENTRY_OK);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    cr_assert_eq(log_entry_iter_next(&it, &c), 1);
    cr_assert_eq(c.argc, 4);
    cr_assert(c.argv[0].len == 256 && memcmp(c.argv[0].ptr, all, 256) == 0);
    cr_assert_eq(c.argv[1].len, 0);
    cr_assert_eq(c.argv[2].len, 0);
    cr_assert(c.argv[3].len == 3 && memcmp(c.argv[3].ptr, "\0\r\n", 3) == 0);
    log_entry_iter_free(&it);
    rd_free(raw);
    log_entry_builder_free(&b);
}

Test(log_entry, padding_always_multiple_of_8)
{
    char val[64];
    memset(val, 'v', sizeof val);
    for (size_t n = 0; n < sizeof val; n++) {
        log_entry_builder b;
        log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
        rd_arg argv[2] = {{"SET", 3}, {val, n}};
        for (int k = 0; k < 3; k++) {
            cr_assert_eq(log_entry_builder_add_command(&b, 1, (uint64_t)k, 0, 0, 2, argv),
                         LOG_ENTRY_OK);
            const char *data;
            size_t len;
            cr_assert_eq(log_entry_builder_finish(&b, 1, 1, &data, &len), LOG_ENTRY_OK);
            cr_assert_eq(len % 8, 0);
            cr_assert_eq(len, log_entry_builder_size(&b));
            log_entry e;
            cr_assert_eq(log_entry_decode(&e, data, len), LOG_ENTRY_OK);
            size_t body = e.len;
            cr_assert(len - body < 8);
            for (size_t i = body; i < len; i++)
                cr_assert_eq(data[i], 0);
            /* extra trailing buffer bytes (even zero) are refused: the buffer must be
             * exactly the padded length */
            char *more = rd_calloc(1, len + 8);
            memcpy(more, data, len);
            cr_assert_eq(log_entry_decode(&e, more, len + 8), LOG_ENTRY_ELENGTH);
            rd_free(more);
            /* a non-zero padding byte is refused */
            if (len > body) {
                char *bad = rd_malloc(len);
                memcpy(bad, data, len);
                bad[len - 1] = 1;
                cr_assert_eq(log_entry_decode(&e, bad, len), LOG_ENTRY_EPADDING);
                rd_free(bad);
            }
            log_entry_builder_reset(&b);
        }
        log_entry_builder_free(&b);
    }
    cr_assert_eq(log_entry_padded_len(0), 0);
    cr_assert_eq(log_entry_padded_len(1), 8);
    cr_assert_eq(log_entry_padded_len(8), 8);
    cr_assert_eq(log_entry_padded_len(SIZE_MAX), 0);
}

static void assert_all_truncations_rejected(const char *buf, size_t len)
{
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, buf, len), LOG_ENTRY_OK);
    for (size_t cut = 0; cut < len; cut++) {
        /* a fresh exact-size allocation, so that ASan sees any read past the cut */
        char *p = rd_malloc(cut ? cut : 1);
        memcpy(p, buf, cut);
        int rc = log_entry_decode(&e, p, cut);
        cr_assert_lt(rc, 0, "truncation at %zu of %zu accepted", cut, len);
        cr_assert_eq(e.base, NULL);
        rd_free(p);
    }
    /* the recorded length made smaller, buffer re-padded to match: also refused */
    size_t body = (size_t)e.len;
    for (size_t l = LOG_ENTRY_HEADER_LEN; l < body; l++) {
        size_t plen = log_entry_padded_len(l);
        char *p = rd_calloc(1, plen);
        memcpy(p, buf, l);
        for (int i = 0; i < 8; i++)
            p[8 + i] = (char)((l >> (8 * i)) & 0xff);
        int rc = log_entry_decode(&e, p, plen);
        cr_assert_lt(rc, 0, "recorded length %zu of %zu accepted", l, body);
        rd_free(p);
    }
}

Test(log_entry, every_truncation_rejected)
{
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    add_cmd(&b, 1, 1, 0, 0, "SET", "key", "value", NULL);
    add_cmd(&b, 2, 1, 0, 0, "DEL", "a", "b", "c", NULL);
    add_cmd(&b, 3, 9, 2, 0, "PING", NULL);
    size_t len;
    char *buf = finish_copy(&b, 10, 20, &len);
    assert_all_truncations_rejected(buf, len);
    rd_free(buf);
    log_entry_builder_free(&b);

    log_entry_builder_init_delete(&b, 0, LOG_ENTRY_DEL_EXPIRED);
    log_entry_builder_add_key(&b, "k1", 2);
    log_entry_builder_add_key(&b, "key-two", 7);
    buf = finish_copy(&b, 10, 20, &len);
    assert_all_truncations_rejected(buf, len);
    rd_free(buf);
    log_entry_builder_free(&b);

    bytebuf out;
    bytebuf_init(&out);
    log_entry_encode_barrier(&out, 1, 2);
    assert_all_truncations_rejected(out.data, out.len);
    bytebuf_free(&out);
}

/* Builds a valid mixed-size COMMANDS entry into *out (padded). */
static void sample_commands(bytebuf *out)
{
    log_entry_builder b;
    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    add_cmd(&b, 1, 1, 0, 0, "SET", "key", "value", NULL);
    add_cmd(&b, 2, 5, 1, 0, "MSET", "a", "1", "b", "2", "c", "3", NULL);
    add_cmd(&b, 3, 7, 0, 4, "GETSET", "", "x", NULL);
    const char *data;
    size_t len;
    cr_assert_eq(log_entry_builder_finish(&b, 123, 456, &data, &len), LOG_ENTRY_OK);
    bytebuf_append(out, data, len);
    log_entry_builder_free(&b);
}

/* Decodes p[0..len) and, if accepted, walks it completely checking every yielded
 * argument lies inside the entry. */
static void decode_and_walk(const char *p, size_t len)
{
    log_entry e;
    if (log_entry_decode(&e, p, len) != LOG_ENTRY_OK) {
        cr_assert_null(e.base);
        return;
    }
    cr_assert(e.len <= len);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    uint32_t n = 0;
    int rc;
    if (e.type == LOG_ENTRY_COMMANDS) {
        log_entry_cmd c;
        while ((rc = log_entry_iter_next(&it, &c)) == 1) {
            cr_assert(c.argc >= 1 && (uint32_t)c.argc <= e.max_argc);
            for (int i = 0; i < c.argc; i++)
                assert_inside(&e, &c.argv[i]);
            n++;
        }
        cr_assert_eq(rc, 0); /* a validated entry never fails half-way */
    } else if (e.type == LOG_ENTRY_DELETE) {
        rd_arg k;
        while ((rc = log_entry_iter_next_key(&it, &k)) == 1) {
            assert_inside(&e, &k);
            n++;
        }
        cr_assert_eq(rc, 0);
    }
    cr_assert_eq(n, e.count);
    log_entry_iter_free(&it);
}

Test(log_entry, random_corruption_never_crashes)
{
    bytebuf good;
    bytebuf_init(&good);
    sample_commands(&good);
    log_entry_builder b;
    log_entry_builder_init_delete(&b, 2, LOG_ENTRY_DEL_EVICTED);
    log_entry_builder_add_key(&b, "k", 1);
    log_entry_builder_add_key(&b, "another", 7);
    const char *ddata;
    size_t dlen;
    log_entry_builder_finish(&b, 1, 1, &ddata, &dlen);

    prng r;
    prng_seed(&r, 20261128);
    int accepted = 0;
    for (int iter = 0; iter < 30000; iter++) {
        const char *src = (iter & 1) ? ddata : good.data;
        size_t len = (iter & 1) ? dlen : good.len;
        char *p = rd_malloc(len);
        memcpy(p, src, len);
        int flips = 1 + (int)prng_below(&r, 4);
        for (int f = 0; f < flips; f++) {
            size_t at = prng_below(&r, len);
            switch (prng_below(&r, 3)) {
            case 0: p[at] = (char)prng_below(&r, 256); break;
            case 1: p[at] ^= (char)(1u << prng_below(&r, 8)); break;
            default: p[at] = (char)(prng_below(&r, 2) ? 0xff : 0); break;
            }
        }
        /* sometimes also a random cut */
        size_t plen = prng_below(&r, 4) == 0 ? prng_below(&r, len + 1) : len;
        char *q = rd_malloc(plen ? plen : 1);
        memcpy(q, p, plen);
        log_entry e;
        if (log_entry_decode(&e, q, plen) == LOG_ENTRY_OK)
            accepted++;
        decode_and_walk(q, plen);
        rd_free(q);
        rd_free(p);
    }
    /* some flips land in args, client ids or the seed and stay valid */
    cr_assert_gt(accepted, 0);

    /* pure noise with a valid header prefix */
    for (int iter = 0; iter < 5000; iter++) {
        size_t len = 8 * (4 + prng_below(&r, 12));
        char *p = rd_malloc(len);
        for (size_t i = 0; i < len; i++)
            p[i] = (char)prng_below(&r, 256);
        memcpy(p, good.data, 32);
        decode_and_walk(p, len);
        rd_free(p);
    }
    log_entry_builder_free(&b);
    bytebuf_free(&good);
}

Test(log_entry, decode_errors_are_specific)
{
    bytebuf good;
    bytebuf_init(&good);
    sample_commands(&good);
    log_entry e;
    char *p = rd_malloc(good.len);
#define MUTATE(stmt, want)                                                        \
    do {                                                                          \
        memcpy(p, good.data, good.len);                                           \
        stmt;                                                                     \
        cr_assert_eq(log_entry_decode(&e, p, good.len), (want), "%s", #stmt);     \
    } while (0)
    MUTATE((void)0, LOG_ENTRY_OK);
    MUTATE(p[0] = 'X', LOG_ENTRY_EMAGIC);
    MUTATE(p[2] = 3, LOG_ENTRY_EVERSION);
    MUTATE(p[2] = 0, LOG_ENTRY_EVERSION);
    MUTATE(p[2] = 1, LOG_ENTRY_ERESERVED);         /* read as version 1: count is reserved */
    MUTATE(p[3] = 0, LOG_ENTRY_ETYPE);
    MUTATE(p[3] = LOG_ENTRY_MEMBERSHIP, LOG_ENTRY_ETYPE);
    MUTATE(p[3] = LOG_ENTRY_SLOT, LOG_ENTRY_ETYPE);
    MUTATE(p[3] = (char)0xff, LOG_ENTRY_ETYPE);
    MUTATE(p[3] = LOG_ENTRY_BARRIER, LOG_ENTRY_ERESERVED); /* a barrier counts nothing */
    MUTATE(p[8] = 31, LOG_ENTRY_ELENGTH);          /* length < header */
    MUTATE(p[15] = 1, LOG_ENTRY_ETRUNCATED);       /* length > buffer */
    MUTATE(p[4] = 4, LOG_ENTRY_ECOUNT);            /* one command too many */
    MUTATE(p[4] = 2, LOG_ENTRY_ETRAILING);         /* one command too few */
    MUTATE(p[7] = 0x7f, LOG_ENTRY_ECOUNT);         /* absurd count */
    /* first command at 32: client id, seq, db, flags, argc; then 3 "SET" 3 "key" 5 "value" */
    MUTATE((p[32] = (char)0x81, p[33] = 0), LOG_ENTRY_EVARINT); /* over-long varint */
    MUTATE(p[36] = 0, LOG_ENTRY_ECOUNT);           /* argc 0 */
    MUTATE(p[45] = 0x10, LOG_ENTRY_ECOUNT);        /* arg length past the end */
#undef MUTATE
    cr_assert_eq(log_entry_decode(&e, NULL, 0), LOG_ENTRY_ETRUNCATED);
    cr_assert_eq(log_entry_decode(&e, good.data, 31), LOG_ENTRY_ETRUNCATED);

    /* DELETE specifics */
    log_entry_builder b;
    log_entry_builder_init_delete(&b, 1, LOG_ENTRY_DEL_EXPIRED);
    log_entry_builder_add_key(&b, "k", 1);
    const char *d;
    size_t dl;
    log_entry_builder_finish(&b, 1, 1, &d, &dl);
    char *q = rd_malloc(dl);
    memcpy(q, d, dl);
    /* header, then db 1 at 32, reason at 33, key length at 34, "k" at 35 */
    q[33] = 3;
    cr_assert_eq(log_entry_decode(&e, q, dl), LOG_ENTRY_EREASON);
    memcpy(q, d, dl);
    q[4] = 2;
    cr_assert_eq(log_entry_decode(&e, q, dl), LOG_ENTRY_ECOUNT);
    memcpy(q, d, dl);
    q[34] = 2;
    cr_assert_eq(log_entry_decode(&e, q, dl), LOG_ENTRY_ECOUNT);
    rd_free(q);
    log_entry_builder_free(&b);

    for (int err = 0; err >= -13; err--)
        cr_assert_str_neq(log_entry_strerror(err), "unknown error");
    cr_assert_str_eq(log_entry_strerror(-99), "unknown error");
    rd_free(p);
    bytebuf_free(&good);
}

Test(log_entry, builder_misuse)
{
    log_entry_builder b;
    cr_assert_eq(log_entry_builder_init(&b, LOG_ENTRY_DELETE), LOG_ENTRY_EINVAL);
    const char *d;
    size_t dl;
    cr_assert_eq(log_entry_builder_finish(&b, 1, 1, &d, &dl), LOG_ENTRY_EINVAL);
    log_entry_builder_free(&b);
    cr_assert_eq(log_entry_builder_init(&b, LOG_ENTRY_MEMBERSHIP), LOG_ENTRY_EINVAL);
    log_entry_builder_free(&b);
    cr_assert_eq(log_entry_builder_init_delete(&b, 0, (log_entry_delete_reason)9),
                 LOG_ENTRY_EREASON);
    cr_assert_eq(log_entry_builder_add_key(&b, "k", 1), LOG_ENTRY_EINVAL);
    log_entry_builder_free(&b);

    log_entry_builder_init(&b, LOG_ENTRY_COMMANDS);
    rd_arg argv[2] = {{"GET", 3}, {"k", 1}};
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 0, argv), LOG_ENTRY_EINVAL);
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, -1, argv), LOG_ENTRY_EINVAL);
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 2, NULL), LOG_ENTRY_EINVAL);
    rd_arg bad[2] = {{"GET", 3}, {NULL, 5}};
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 2, bad), LOG_ENTRY_EINVAL);
    if (SIZE_MAX > UINT32_MAX) {
        /* a length above the u32 field is refused before anything is read from it */
        rd_arg huge[2] = {{"SET", 3}, {"x", (size_t)UINT32_MAX + 1}};
        cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 2, huge),
                     LOG_ENTRY_ETOOBIG);
        cr_assert_eq(log_entry_builder_count(&b), 0);
    }
    cr_assert_eq(log_entry_builder_add_key(&b, "k", 1), LOG_ENTRY_EINVAL);
    /* failed appends left nothing behind */
    cr_assert_eq(log_entry_builder_count(&b), 0);
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 1, 0, 0, 2, argv), LOG_ENTRY_OK);
    cr_assert_eq(log_entry_builder_finish(&b, 1, 1, &d, &dl), LOG_ENTRY_OK);
    cr_assert_eq(log_entry_builder_add_command(&b, 1, 2, 0, 0, 2, argv), LOG_ENTRY_EINVAL);
    /* finishing again with another time rewrites the header, same size */
    size_t dl2;
    cr_assert_eq(log_entry_builder_finish(&b, 2, 3, &d, &dl2), LOG_ENTRY_OK);
    cr_assert_eq(dl2, dl);
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, d, dl2), LOG_ENTRY_OK);
    cr_assert_eq(e.time_ms, 2);
    cr_assert_eq(e.seed, 3);
    cr_assert_eq(e.count, 1);
    log_entry_builder_free(&b);
}

Test(log_entry, deterministic_bytes)
{
    log_entry_builder b1, b2;
    log_entry_builder_init(&b1, LOG_ENTRY_COMMANDS);
    log_entry_builder_init(&b2, LOG_ENTRY_COMMANDS);
    build_many(&b1, 300);
    build_many(&b2, 300);
    const char *d1, *d2;
    size_t l1, l2;
    log_entry_builder_finish(&b1, 77, 88, &d1, &l1);
    log_entry_builder_finish(&b2, 77, 88, &d2, &l2);
    cr_assert_eq(l1, l2);
    cr_assert(memcmp(d1, d2, l1) == 0);
    /* a reused builder (reset after a bigger entry) produces the same bytes */
    log_entry_builder_reset(&b1);
    log_entry_builder_reset(&b2);
    build_many(&b1, 1000);
    log_entry_builder_finish(&b1, 1, 1, &d1, &l1);
    log_entry_builder_reset(&b1);
    build_many(&b1, 10);
    build_many(&b2, 10);
    log_entry_builder_finish(&b1, 5, 5, &d1, &l1);
    log_entry_builder_finish(&b2, 5, 5, &d2, &l2);
    cr_assert_eq(l1, l2);
    cr_assert(memcmp(d1, d2, l1) == 0);

    /* decode + re-encode gives back the same bytes (canonical form) */
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, d1, l1), LOG_ENTRY_OK);
    log_entry_builder re;
    log_entry_builder_init(&re, LOG_ENTRY_COMMANDS);
    log_entry_iter it;
    log_entry_iter_init(&it, &e);
    log_entry_cmd c;
    while (log_entry_iter_next(&it, &c) == 1)
        cr_assert_eq(log_entry_builder_add_command(&re, c.client_id, c.seq, c.db, c.flags,
                                                   c.argc, c.argv),
                     LOG_ENTRY_OK);
    log_entry_iter_free(&it);
    const char *d3;
    size_t l3;
    log_entry_builder_finish(&re, e.time_ms, e.seed, &d3, &l3);
    cr_assert_eq(l3, l1);
    cr_assert(memcmp(d3, d1, l1) == 0);
    log_entry_builder_free(&re);
    log_entry_builder_free(&b1);
    log_entry_builder_free(&b2);
}

Test(log_entry, peek_version)
{
    unsigned char p[32] = {'R', 'D', 2, 2, 0, 0, 0, 0, 32};
    cr_assert_eq(log_entry_peek_version(p, sizeof p), 2);
    p[2] = 9; /* a newer build's entry: decode refuses it, peek still names it */
    log_entry e;
    cr_assert_eq(log_entry_decode(&e, p, sizeof p), LOG_ENTRY_EVERSION);
    cr_assert_eq(log_entry_peek_version(p, sizeof p), 9);
    cr_assert_eq(log_entry_peek_version(p, 31), 0);
    cr_assert_eq(log_entry_peek_version(NULL, 32), 0);
    p[0] = 'X';
    cr_assert_eq(log_entry_peek_version(p, sizeof p), 0);
}
