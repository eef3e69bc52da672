/* Unit tests for node/skiplist.c: the skip list + insertion-ordered member table.
 *
 * A reference model (a plain array kept sorted by (score, member), plus the insertion
 * order of members) is driven through thousands of random inserts, score updates,
 * deletes and rank-range deletes; after every step ranks, rank lookups, score/lex
 * ranges and the table are compared with the model. Also: the table layout (holes,
 * sequence numbers) and random picks survive dup and save/load exactly, and malformed
 * snapshot bytes are refused without crashing. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "hash.h"
#include "mem.h"
#include "prng.h"
#include "skiplist.h"

#define MODEL_MAX 512

typedef struct mel {
    char m[16];
    size_t len;
    double score;
} mel;

static mel model[MODEL_MAX];
static size_t model_n;

static int mel_cmp(const mel *a, double score, const char *m, size_t len)
{
    if (a->score != score)
        return a->score < score ? -1 : 1;
    return zsl_memcmp(a->m, a->len, m, len);
}

static long model_find(const char *m, size_t len)
{
    for (size_t i = 0; i < model_n; i++)
        if (model[i].len == len && memcmp(model[i].m, m, len) == 0)
            return (long)i;
    return -1;
}

static void model_remove_at(size_t i)
{
    memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof(mel));
    model_n--;
}

static void model_insert(const char *m, size_t len, double score)
{
    size_t i = 0;
    while (i < model_n && mel_cmp(&model[i], score, m, len) < 0)
        i++;
    memmove(&model[i + 1], &model[i], (model_n - i) * sizeof(mel));
    memcpy(model[i].m, m, len);
    model[i].len = len;
    model[i].score = score;
    model_n++;
}

static void check_against_model(const zsl *z)
{
    cr_assert_eq(z->length, model_n);
    size_t r = 0, bytes = 0;
    for (const zsl_node *x = zsl_first(z); x; x = x->level[0].forward, r++) {
        bytes += rd_alloc_size(x);
        cr_assert_eq(x->score, model[r].score);
        cr_assert_eq(x->mlen, model[r].len);
        cr_assert(memcmp(zsl_member(x), model[r].m, x->mlen) == 0);
        cr_assert_eq(zsl_rank(z, x), r + 1);
        cr_assert_eq(zsl_by_rank(z, r + 1), x);
        cr_assert_eq(zsl_find(z, model[r].m, model[r].len), x);
        if (r)
            cr_assert_eq(x->backward, zsl_by_rank(z, r));
    }
    cr_assert_eq(r, model_n);
    cr_assert_eq(bytes, z->node_bytes);
    /* The table: strictly increasing seqs, holes counted, every live slot in the list. */
    size_t live = 0;
    uint64_t last = 0;
    for (size_t pos = 0; pos < z->used; pos++) {
        uint64_t s = zsl_slot_seq(z, pos);
        cr_assert_gt(s, last);
        last = s;
        const zsl_node *n = zsl_slot(z, pos);
        if (n) {
            live++;
            cr_assert_eq(n->seq, s);
            cr_assert_eq(zsl_find(z, zsl_member(n), n->mlen), n);
        }
    }
    cr_assert_eq(live, model_n);
    cr_assert_eq(z->used - live, z->holes);
}

/* Expected first/last model index for a score range (-1: none). */
static void model_score_range(const zrangespec *r, long *first, long *last)
{
    *first = *last = -1;
    for (size_t i = 0; i < model_n; i++) {
        if (zsl_value_gte_min(model[i].score, r) && zsl_value_lte_max(model[i].score, r)) {
            if (*first < 0)
                *first = (long)i;
            *last = (long)i;
        }
    }
}

static void check_ranges(const zsl *z, prng *r)
{
    static const double pts[] = {-INFINITY, -2, -1, 0, 0.5, 1, 2, 3, 7, INFINITY};
    for (int k = 0; k < 6; k++) {
        zrangespec rs = {pts[prng_below(r, 10)], pts[prng_below(r, 10)], (int)prng_below(r, 2), (int)prng_below(r, 2)};
        long f, l;
        model_score_range(&rs, &f, &l);
        zsl_node *a = zsl_first_in_range(z, &rs), *b = zsl_last_in_range(z, &rs);
        if (f < 0) {
            cr_assert_null(a);
            cr_assert_null(b);
        } else {
            cr_assert_not_null(a);
            cr_assert_not_null(b);
            cr_assert_eq(zsl_rank(z, a), (size_t)f + 1);
            cr_assert_eq(zsl_rank(z, b), (size_t)l + 1);
        }
    }
}

static void member_of(prng *r, char *buf, size_t *len)
{
    *len = (size_t)snprintf(buf, 16, "m%u", (unsigned)prng_below(r, 300));
}

Test(skiplist, random_ops_against_model)
{
    rd_hash_set_seed(42);
    prng r;
    prng_seed(&r, 7);
    zsl *z = zsl_new();
    model_n = 0;
    for (int step = 0; step < 6000; step++) {
        char m[16];
        size_t len;
        member_of(&r, m, &len);
        double score = (double)((int)prng_below(&r, 9) - 2); /* many ties */
        if (prng_below(&r, 4) == 0)
            score += 0.5;
        long i = model_find(m, len);
        unsigned op = (unsigned)prng_below(&r, 10);
        if (op < 5) {
            if (i < 0 && model_n < MODEL_MAX) {
                zsl_insert(z, score, m, len);
                model_insert(m, len, score);
            } else if (i >= 0) {
                zsl_update_score(z, zsl_find(z, m, len), score);
                model_remove_at((size_t)i);
                model_insert(m, len, score);
            }
        } else if (op < 8) {
            zsl_node *n = zsl_find(z, m, len);
            cr_assert_eq(n != NULL, i >= 0);
            if (n) {
                zsl_delete_node(z, n);
                model_remove_at((size_t)i);
            }
        } else if (op == 8 && model_n > 0) {
            size_t a = (size_t)prng_below(&r, model_n) + 1;
            size_t b = a + (size_t)prng_below(&r, 4);
            if (b > model_n)
                b = model_n;
            cr_assert_eq(zsl_delete_range_by_rank(z, a, b), b - a + 1);
            for (size_t k = a; k <= b; k++)
                model_remove_at(a - 1);
        } else {
            check_ranges(z, &r);
        }
        if (step % 7 == 0)
            check_against_model(z);
    }
    check_against_model(z);
    zsl_free(z);
}

Test(skiplist, lex_ranges)
{
    zsl *z = zsl_new();
    const char *ms[] = {"a", "aa", "ab", "b", "c", "d"};
    for (int i = 0; i < 6; i++)
        zsl_insert(z, 0, ms[i], strlen(ms[i]));
    zlexrangespec r = {"aa", "c", 2, 1, 0, 0, 0, 0};
    cr_assert_eq(zsl_rank(z, zsl_first_in_lex_range(z, &r)), 2);
    cr_assert_eq(zsl_rank(z, zsl_last_in_lex_range(z, &r)), 5);
    r.minex = 1;
    r.maxex = 1;
    cr_assert_eq(zsl_rank(z, zsl_first_in_lex_range(z, &r)), 3);
    cr_assert_eq(zsl_rank(z, zsl_last_in_lex_range(z, &r)), 4);
    zlexrangespec all = {NULL, NULL, 0, 0, -1, 1, 0, 0};
    cr_assert_eq(zsl_rank(z, zsl_first_in_lex_range(z, &all)), 1);
    cr_assert_eq(zsl_rank(z, zsl_last_in_lex_range(z, &all)), 6);
    zlexrangespec none = {NULL, NULL, 0, 0, 1, -1, 0, 0}; /* "+" .. "-" */
    cr_assert(zsl_lex_range_empty(&none));
    cr_assert_null(zsl_first_in_lex_range(z, &none));
    zlexrangespec same = {"b", "b", 1, 1, 0, 0, 1, 0}; /* (b [b */
    cr_assert(zsl_lex_range_empty(&same));
    zsl_free(z);
}

/* Layout equality: same slots (holes and seqs), same members and scores. */
static void assert_same_layout(const zsl *a, const zsl *b)
{
    cr_assert_eq(a->used, b->used);
    cr_assert_eq(a->holes, b->holes);
    cr_assert_eq(a->length, b->length);
    cr_assert_eq(a->next_seq, b->next_seq);
    cr_assert_eq(a->level_state, b->level_state);
    for (size_t pos = 0; pos < a->used; pos++) {
        cr_assert_eq(zsl_slot_seq(a, pos), zsl_slot_seq(b, pos));
        const zsl_node *x = zsl_slot(a, pos), *y = zsl_slot(b, pos);
        cr_assert_eq(x == NULL, y == NULL);
        if (x) {
            cr_assert_eq(x->score, y->score);
            cr_assert_eq(x->mlen, y->mlen);
            cr_assert(memcmp(zsl_member(x), zsl_member(y), x->mlen) == 0);
        }
    }
}

static zsl *build_with_holes(void)
{
    zsl *z = zsl_new();
    char m[16];
    for (int i = 0; i < 200; i++) {
        int n = snprintf(m, sizeof(m), "k%d", i);
        zsl_insert(z, i % 13 == 0 ? -INFINITY : (double)(i % 17) / 4, m, (size_t)n);
    }
    for (int i = 0; i < 200; i += 3) { /* holes, some compaction */
        int n = snprintf(m, sizeof(m), "k%d", i);
        zsl_delete_node(z, zsl_find(z, m, (size_t)n));
    }
    zsl_insert(z, -0.0, "neg-zero", 8);
    zsl_insert(z, 0, "", 0);
    return z;
}

Test(skiplist, dup_and_save_load_keep_layout)
{
    zsl *z = build_with_holes();
    zsl *d = zsl_dup(z);
    assert_same_layout(z, d);

    bytebuf b;
    bytebuf_init(&b);
    zsl_save(z, &b);
    zsl *l = zsl_load(b.data, b.len);
    cr_assert_not_null(l);
    assert_same_layout(z, l);
    cr_assert(signbit(zsl_find(l, "neg-zero", 8)->score));

    /* Same random picks and same behaviour from then on. */
    prng r1, r2;
    prng_seed(&r1, 99);
    prng_seed(&r2, 99);
    for (int i = 0; i < 100; i++)
        cr_assert(zsl_random(z, &r1)->seq == zsl_random(l, &r2)->seq);
    zsl_insert(z, 5, "new", 3);
    zsl_insert(l, 5, "new", 3);
    zsl_delete_node(z, zsl_find(z, "k1", 2));
    zsl_delete_node(l, zsl_find(l, "k1", 2));
    assert_same_layout(z, l);

    /* Save of the reloaded value is byte-identical. */
    bytebuf b2, b3;
    bytebuf_init(&b2);
    bytebuf_init(&b3);
    zsl_save(z, &b2);
    zsl_save(l, &b3);
    cr_assert_eq(b2.len, b3.len);
    cr_assert(memcmp(b2.data, b3.data, b2.len) == 0);

    /* Every truncation and a few corruptions are refused (or load something valid). */
    for (size_t n = 0; n < b.len; n++) {
        zsl *bad = zsl_load(b.data, n);
        cr_assert_null(bad, "truncated at %zu accepted", n);
    }
    for (size_t i = 0; i < b.len; i += 3) {
        char saved = b.data[i];
        b.data[i] = (char)(b.data[i] ^ 0x5A);
        zsl *x = zsl_load(b.data, b.len);
        zsl_free(x);
        b.data[i] = saved;
    }
    bytebuf_free(&b);
    bytebuf_free(&b2);
    bytebuf_free(&b3);
    zsl_free(z);
    zsl_free(d);
    zsl_free(l);
}

Test(skiplist, scan_seek_by_seq)
{
    zsl *z = build_with_holes();
    /* Walking by cursor (seq) visits every live node exactly once, in slot order. */
    size_t seen = 0;
    uint64_t cursor = 0;
    for (;;) {
        size_t pos = zsl_seek_seq(z, cursor);
        size_t steps = 0;
        for (; pos < z->used && steps < 7; pos++, steps++)
            if (zsl_slot(z, pos))
                seen++;
        if (pos >= z->used)
            break;
        cursor = zsl_slot_seq(z, pos);
    }
    cr_assert_eq(seen, z->length);
    zsl_free(z);
}

Test(skiplist, empty_load_and_free)
{
    zsl *z = zsl_new();
    bytebuf b;
    bytebuf_init(&b);
    zsl_save(z, &b);
    zsl *l = zsl_load(b.data, b.len);
    cr_assert_not_null(l);
    cr_assert_eq(l->length, 0);
    cr_assert_null(zsl_random(l, NULL));
    zsl_free(l);
    zsl_free(z);
    zsl_free(NULL);
    cr_assert_null(zsl_load("", 0));
    bytebuf_free(&b);
}
