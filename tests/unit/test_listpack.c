/* Unit tests for node/listpack.c: Redis's byte sizes for each encoding, navigation both
 * ways, edits, integer round trips at every encoding boundary, and validation of
 * corrupted/truncated bytes (must reject, never crash). */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "listpack.h"
#include "mem.h"
#include "prng.h"

static unsigned char *push_all(unsigned char *lp, const char *const *vals, int n)
{
    for (int i = 0; i < n; i++)
        lp = lp_append(lp, vals[i], strlen(vals[i]));
    return lp;
}

static void expect_string_at(unsigned char *lp, long idx, const char *s)
{
    char buf[LP_INTBUF_SIZE];
    const char *out;
    unsigned char *p = lp_seek(lp, idx);
    cr_assert_not_null(p, "no entry at %ld", idx);
    size_t n = lp_get_string(p, buf, &out);
    cr_assert(n == strlen(s) && memcmp(out, s, n) == 0, "at %ld: '%.*s' != '%s'", idx, (int)n, out, s);
}

Test(listpack, empty)
{
    unsigned char *lp = lp_new();
    cr_assert_eq(lp_bytes(lp), 7);
    cr_assert_eq(lp_length(lp), 0);
    cr_assert_null(lp_first(lp));
    cr_assert_null(lp_last(lp));
    cr_assert_null(lp_seek(lp, 0));
    cr_assert_null(lp_seek(lp, -1));
    cr_assert(lp_validate(lp, lp_bytes(lp)));
    lp_free(lp);
}

/* Sizes must equal Redis's lpBytes so encoding thresholds match. */
Test(listpack, redis_entry_sizes)
{
    struct {
        const char *s;
        size_t size;
    } cases[] = {
        {"0", 2},       {"127", 2},     {"128", 3},     {"-1", 3},     {"4095", 3},   {"-4096", 3},
        {"4096", 4},    {"32767", 4},   {"-32768", 4},  {"32768", 5},  {"8388607", 5}, {"8388608", 6},
        {"2147483647", 6}, {"2147483648", 10}, {"-9223372036854775808", 10}, {"9223372036854775807", 10},
        {"", 2},        {"a", 3},       {"01", 4},      {"-0", 4},     {"+1", 4},     {" 1", 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(lp_encoded_bytes(cases[i].s, strlen(cases[i].s)), cases[i].size, "size of '%s'",
                     cases[i].s);
        unsigned char *lp = lp_append(lp_new(), cases[i].s, strlen(cases[i].s));
        cr_assert_eq(lp_bytes(lp), 7 + cases[i].size);
        expect_string_at(lp, 0, cases[i].s);
        cr_assert(lp_validate(lp, lp_bytes(lp)));
        lp_free(lp);
    }
    char big[70000];
    memset(big, 'x', sizeof(big));
    cr_assert_eq(lp_encoded_bytes(big, 63), 1 + 63 + 1);
    cr_assert_eq(lp_encoded_bytes(big, 64), 2 + 64 + 1);
    cr_assert_eq(lp_encoded_bytes(big, 126), 2 + 126 + 2); /* 128 > 127: 2-byte backlen */
    cr_assert_eq(lp_encoded_bytes(big, 4095), 2 + 4095 + 2);
    cr_assert_eq(lp_encoded_bytes(big, 4096), 5 + 4096 + 2);
    cr_assert_eq(lp_encoded_bytes(big, 20000), 5 + 20000 + 3);
    unsigned char *lp = lp_new();
    size_t lens[] = {0, 1, 63, 64, 126, 127, 4095, 4096, 16380, 20000, 70000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        lp = lp_append(lp, big, lens[i]);
    cr_assert(lp_validate(lp, lp_bytes(lp)));
    /* walk backwards: every length comes back */
    unsigned char *p = lp_last(lp);
    for (size_t i = sizeof(lens) / sizeof(lens[0]); i-- > 0;) {
        char buf[LP_INTBUF_SIZE];
        const char *out;
        cr_assert_not_null(p);
        cr_assert_eq(lp_get_string(p, buf, &out), lens[i]);
        p = lp_prev(lp, p);
    }
    cr_assert_null(p);
    lp_free(lp);
}

Test(listpack, integers_round_trip)
{
    long long vals[] = {0, 1, 127, 128, -1, -4096, -4097, 4095, 4096, 32767, 32768, -32768, -32769,
                        8388607, 8388608, -8388608, -8388609, INT_MAX, (long long)INT_MAX + 1, INT_MIN,
                        (long long)INT_MIN - 1, LLONG_MAX, LLONG_MIN};
    unsigned char *lp = lp_new();
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char s[32];
        snprintf(s, sizeof s, "%lld", vals[i]);
        lp = lp_prepend(lp, s, strlen(s));
    }
    size_t n = sizeof(vals) / sizeof(vals[0]);
    cr_assert_eq(lp_length(lp), n);
    for (size_t i = 0; i < n; i++) {
        uint32_t slen;
        long long v;
        unsigned char *p = lp_seek(lp, -(long)i - 1);
        cr_assert_null(lp_get_value(p, &slen, &v));
        cr_assert_eq(v, vals[i]);
        char s[32];
        snprintf(s, sizeof s, "%lld", vals[i]);
        cr_assert(lp_compare(p, s, strlen(s)));
    }
    lp_free(lp);
}

Test(listpack, edits)
{
    const char *v[] = {"a", "b", "c", "d", "e"};
    unsigned char *lp = push_all(lp_new(), v, 5);
    unsigned char *p = lp_seek(lp, 2), *np;
    lp = lp_insert(lp, "X", 1, p, LP_BEFORE, &np);
    expect_string_at(lp, 2, "X");
    expect_string_at(lp, 3, "c");
    p = lp_seek(lp, 3);
    lp = lp_insert(lp, "12345", 5, p, LP_AFTER, &np);
    expect_string_at(lp, 4, "12345");
    cr_assert_eq(lp_length(lp), 7);
    p = lp_seek(lp, 0);
    lp = lp_replace(lp, &p, "a much longer value than before", 31);
    expect_string_at(lp, 0, "a much longer value than before");
    expect_string_at(lp, 1, "b");
    p = lp_seek(lp, -1);
    lp = lp_delete(lp, p, &np);
    cr_assert_null(np);
    p = lp_seek(lp, 0);
    lp = lp_delete(lp, p, &np);
    cr_assert_not_null(np);
    expect_string_at(lp, 0, "b");
    lp = lp_delete_range(lp, 1, 2); /* X c */
    expect_string_at(lp, 1, "12345");
    cr_assert_eq(lp_length(lp), 3);
    lp = lp_delete_range(lp, -2, 100);
    cr_assert_eq(lp_length(lp), 1);
    lp = lp_delete_range(lp, 5, 1); /* out of range: nothing */
    lp = lp_delete_range(lp, -5, 1);
    cr_assert_eq(lp_length(lp), 1);
    unsigned char *b = push_all(lp_new(), v, 3);
    lp = lp_concat(lp, b);
    cr_assert_eq(lp_length(lp), 4);
    expect_string_at(lp, 3, "c");
    cr_assert(lp_validate(lp, lp_bytes(lp)));
    lp_free(lp);
}

Test(listpack, validate_rejects_garbage)
{
    const char *v[] = {"hello", "1", "-5000", "world of listpacks"};
    unsigned char *lp = push_all(lp_new(), v, 4);
    size_t n = lp_bytes(lp);
    cr_assert(lp_validate(lp, n));
    cr_assert_not(lp_validate(lp, n - 1));
    cr_assert_not(lp_validate(NULL, 0));
    unsigned char *copy = rd_malloc(n);
    /* every single-byte corruption is either rejected or still a valid listpack */
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, lp, n);
            copy[i] ^= (unsigned char)(1 << bit);
            if (lp_validate(copy, n)) {
                /* walking it must stay inside */
                unsigned long cnt = 0;
                for (unsigned char *p = lp_first(copy); p; p = lp_next(copy, p))
                    cnt++;
                cr_assert_eq(cnt, lp_length(copy));
            }
        }
    }
    /* truncations */
    for (size_t len = 0; len < n; len++) {
        memcpy(copy, lp, n);
        copy[0] = (unsigned char)len;
        cr_assert_not(lp_validate(copy, len));
    }
    /* random bytes */
    prng r;
    prng_seed(&r, 42);
    unsigned char junk[64];
    for (int k = 0; k < 20000; k++) {
        size_t len = (size_t)prng_below(&r, sizeof junk);
        for (size_t i = 0; i < len; i++)
            junk[i] = (unsigned char)prng_next(&r);
        if (len >= 4) {
            junk[0] = (unsigned char)len;
            junk[1] = junk[2] = junk[3] = 0;
        }
        (void)lp_validate(junk, len);
    }
    rd_free(copy);
    lp_free(lp);
}
