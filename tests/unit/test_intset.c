/* Unit tests for node/intset.c: randomized adds/removes against a sorted reference
 * array across all three widths (upgrade on insert, never downgrade), positional
 * removal, min/max, and snapshot validation (round trip; unsorted, duplicate, bad
 * width, truncated blobs rejected). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "intset.h"
#include "prng.h"

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t random_value(prng *r)
{
    switch (prng_below(r, 4)) {
    case 0: return (int64_t)prng_below(r, 200) - 100;            /* 16 bit, many dups */
    case 1: return (int64_t)prng_below(r, 70000) - 35000;        /* around 16/32 bit */
    case 2: return (int64_t)prng_below(r, 1ULL << 33) - (1LL << 32); /* 32/64 bit */
    default: return (int64_t)prng_next(r);                        /* anything */
    }
}

static void check(const intset *is, const int64_t *ref, size_t n)
{
    cr_assert_eq(intset_len(is), n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(intset_get(is, (uint32_t)i), ref[i]);
    if (n) {
        cr_assert_eq(intset_min(is), ref[0]);
        cr_assert_eq(intset_max(is), ref[n - 1]);
    }
}

Test(intset, random_ops_match_sorted_array)
{
    prng r;
    prng_seed(&r, 42);
    intset *is = intset_new();
    int64_t *ref = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 20000; i++) {
        int64_t v = random_value(&r);
        int present = n && bsearch(&v, ref, n, sizeof(int64_t), cmp64) != NULL;
        cr_assert_eq(intset_find(is, v), present);
        if (prng_below(&r, 3)) {
            int added;
            is = intset_add(is, v, &added);
            cr_assert_eq(added, !present);
            if (!present) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    ref = realloc(ref, cap * sizeof(int64_t));
                }
                ref[n++] = v;
                qsort(ref, n, sizeof(int64_t), cmp64);
            }
        } else {
            int removed;
            is = intset_remove(is, v, &removed);
            cr_assert_eq(removed, present);
            if (present) {
                int64_t *p = bsearch(&v, ref, n, sizeof(int64_t), cmp64);
                memmove(p, p + 1, (size_t)(ref + n - p - 1) * sizeof(int64_t));
                n--;
            }
        }
        if (i % 1000 == 0)
            check(is, ref, n);
    }
    check(is, ref, n);
    /* remove by position down to empty */
    prng_seed(&r, 43);
    while (n) {
        uint32_t pos = (uint32_t)prng_below(&r, n);
        is = intset_remove_at(is, pos);
        memmove(ref + pos, ref + pos + 1, (n - pos - 1) * sizeof(int64_t));
        n--;
    }
    check(is, ref, 0);
    intset_free(is);
    free(ref);
}

Test(intset, widths_upgrade_and_extremes)
{
    intset *is = intset_new();
    int added;
    size_t base = intset_blob_len(is);
    is = intset_add(is, 5, &added);
    cr_assert_eq(intset_blob_len(is), base + 2);
    is = intset_add(is, 70000, &added);
    cr_assert_eq(intset_blob_len(is), base + 8);
    is = intset_add(is, INT64_MIN, &added);
    is = intset_add(is, INT64_MAX, &added);
    cr_assert_eq(intset_blob_len(is), base + 32);
    cr_assert_eq(intset_get(is, 0), INT64_MIN);
    cr_assert_eq(intset_get(is, 1), 5);
    cr_assert_eq(intset_get(is, 2), 70000);
    cr_assert_eq(intset_get(is, 3), INT64_MAX);
    cr_assert(intset_find(is, INT64_MIN));
    cr_assert(!intset_find(is, INT64_MIN + 1));
    int removed;
    is = intset_remove(is, INT64_MAX, &removed);
    cr_assert(removed);
    cr_assert_eq(intset_blob_len(is), base + 24); /* no downgrade */
    intset_free(is);
}

Test(intset, load_validates)
{
    intset *is = intset_new();
    int added;
    for (int64_t v = -300; v < 300; v += 7)
        is = intset_add(is, v * 1000, &added);
    size_t len = intset_blob_len(is);
    intset *copy = intset_load((const char *)is, len);
    cr_assert_not_null(copy);
    cr_assert(memcmp(copy, is, len) == 0);
    intset_free(copy);
    for (size_t n = 0; n < len; n++)
        cr_assert_null(intset_load((const char *)is, n));
    unsigned char *bad = malloc(len);
    memcpy(bad, is, len);
    bad[1] = 3; /* width */
    cr_assert_null(intset_load((const char *)bad, len));
    memcpy(bad, is, len);
    bad[0] = 0; /* magic */
    cr_assert_null(intset_load((const char *)bad, len));
    memcpy(bad, is, len);
    memcpy(bad + 8 + 4, bad + 8, 4); /* duplicate first value -> not strictly ascending */
    cr_assert_null(intset_load((const char *)bad, len));
    free(bad);
    intset_free(is);
}
