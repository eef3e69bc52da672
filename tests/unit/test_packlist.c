/* Unit tests for node/packlist.c: randomized append/replace/delete/find against a
 * reference array of strings (empty strings, lengths across the 1- and 2-byte varint
 * boundary), strided find (hash fields), and snapshot validation. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "packlist.h"
#include "prng.h"

#define MAXN 400

typedef struct item {
    char s[300];
    size_t len;
} item;

static void rand_item(prng *r, item *it)
{
    static const size_t lens[] = {0, 1, 5, 126, 127, 128, 129, 250};
    it->len = prng_below(r, 3) ? (size_t)prng_below(r, 12) : lens[prng_below(r, 8)];
    for (size_t i = 0; i < it->len; i++)
        it->s[i] = (char)('a' + prng_below(r, 3));
}

static void check(const packlist *pl, const item *ref, size_t n)
{
    cr_assert_eq(pl_count(pl), n);
    size_t off = pl_first(pl);
    for (size_t i = 0; i < n; i++) {
        cr_assert_neq(off, 0);
        cr_assert_eq(pl_seek(pl, (uint32_t)i), off);
        size_t len;
        const char *s = pl_get(pl, off, &len);
        cr_assert_eq(len, ref[i].len);
        cr_assert(memcmp(s, ref[i].s, len) == 0);
        off = pl_next(pl, off);
    }
    cr_assert_eq(off, 0);
}

Test(packlist, random_ops_match_array)
{
    prng r;
    prng_seed(&r, 9);
    packlist *pl = pl_new();
    item *ref = calloc(MAXN, sizeof(item));
    size_t n = 0;
    for (int i = 0; i < 20000; i++) {
        item it;
        rand_item(&r, &it);
        unsigned op = (unsigned)prng_below(&r, 4);
        if ((op == 0 || n == 0) && n < MAXN) {
            pl = pl_append(pl, it.s, it.len);
            ref[n++] = it;
        } else if (op == 1 && n) {
            size_t idx = (size_t)prng_below(&r, n);
            pl = pl_replace(pl, pl_seek(pl, (uint32_t)idx), it.s, it.len);
            ref[idx] = it;
        } else if (op == 2 && n) {
            size_t idx = (size_t)prng_below(&r, n);
            unsigned k = (unsigned)(1 + prng_below(&r, n - idx < 3 ? n - idx : 3));
            pl = pl_delete(pl, pl_seek(pl, (uint32_t)idx), k);
            memmove(ref + idx, ref + idx + k, (n - idx - k) * sizeof(item));
            n -= k;
        } else {
            size_t found = pl_find(pl, it.s, it.len, 1);
            size_t want = 0;
            for (size_t j = 0; j < n; j++)
                if (ref[j].len == it.len && memcmp(ref[j].s, it.s, it.len) == 0) {
                    want = pl_seek(pl, (uint32_t)j);
                    break;
                }
            cr_assert_eq(found, want);
        }
        if (i % 500 == 0)
            check(pl, ref, n);
    }
    check(pl, ref, n);
    /* round trip */
    packlist *copy = pl_load((const char *)pl, pl_bytes(pl));
    cr_assert_not_null(copy);
    check(copy, ref, n);
    pl_free(copy);
    pl_free(pl);
    free(ref);
}

Test(packlist, strided_find_only_matches_fields)
{
    packlist *pl = pl_new();
    pl = pl_append(pl, "f1", 2);
    pl = pl_append(pl, "v", 1);
    pl = pl_append(pl, "v", 1);
    pl = pl_append(pl, "f1", 2);
    size_t off = pl_find(pl, "v", 1, 2);
    cr_assert_eq(off, pl_seek(pl, 2)); /* the field "v", not the value "v" */
    cr_assert_eq(pl_find(pl, "f1", 2, 2), pl_seek(pl, 0));
    pl = pl_delete(pl, pl_seek(pl, 0), 2);
    cr_assert_eq(pl_find(pl, "f1", 2, 2), 0); /* now only a value */
    cr_assert_eq(pl_find(pl, "f1", 2, 1), pl_seek(pl, 1));
    pl_free(pl);
}

Test(packlist, load_validates)
{
    packlist *pl = pl_new();
    pl = pl_append(pl, "hello", 5);
    char big[200];
    memset(big, 'x', sizeof big);
    pl = pl_append(pl, big, sizeof big);
    pl = pl_append(pl, "", 0);
    size_t len = pl_bytes(pl);
    for (size_t n = 0; n < len; n++)
        cr_assert_null(pl_load((const char *)pl, n), "truncated %zu accepted", n);
    unsigned char *bad = malloc(len + 1);
    memcpy(bad, pl, len);
    bad[8] = 4; /* count */
    cr_assert_null(pl_load((const char *)bad, len));
    memcpy(bad, pl, len);
    bad[PACKLIST_HDR] = 50; /* first entry's length runs into the next */
    cr_assert_null(pl_load((const char *)bad, len));
    memcpy(bad, pl, len);
    bad[len] = 0; /* one more byte than the header says */
    cr_assert_null(pl_load((const char *)bad, len + 1));
    /* random corruption never crashes */
    prng r;
    prng_seed(&r, 4);
    for (int i = 0; i < 5000; i++) {
        memcpy(bad, pl, len);
        bad[prng_below(&r, len)] = (unsigned char)prng_next(&r);
        packlist *x = pl_load((const char *)bad, len);
        if (x) {
            for (size_t off = pl_first(x); off; off = pl_next(x, off)) {
                size_t l;
                pl_get(x, off, &l);
            }
            pl_free(x);
        }
    }
    free(bad);
    pl_free(pl);
}
