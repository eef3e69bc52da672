/* libFuzzer target for the Raft log-entry format (proto/log_entry.c).
 *
 * Each input is used three times:
 *  1. as raw entry bytes: decoded from an exact-size copy (so ASan sees any read past
 *     the end); an accepted entry is walked completely (every argument inside the
 *     entry, the iterator never fails half-way, count matches) and re-encoded from the
 *     decoded values, which must reproduce the input byte for byte (the format is
 *     canonical);
 *  2. the same with magic, version (1 or 2), length and version 1's reserved field
 *     forced right (so that random payloads get past the header checks), same checks;
 *     an accepted version 1 entry must re-encode as a version 2 entry with the same
 *     content;
 *  3. as a recipe: type, db/reason, then commands/keys whose argc and lengths come
 *     from the input bytes. The built entry must decode and yield exactly what was
 *     added; then one byte chosen by the recipe is corrupted and a cut applied, and the
 *     result must be rejected or walk cleanly.
 * The recipe path reaches deep valid structures that raw mutation alone finds slowly,
 * so the target needs no seed corpus of its own. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "log_entry.h"
#include "mem.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static void check_inside(const log_entry *e, const rd_arg *a)
{
    CHECK(a->ptr >= e->base + LOG_ENTRY_HEADER_LEN);
    CHECK(a->len <= e->len);
    CHECK(a->ptr + a->len <= e->base + e->len);
}

/* Walks an accepted entry; if reencode, rebuilds it and compares with buf. */
static void walk(const log_entry *e, const char *buf, size_t len, int reencode)
{
    CHECK(e->base == buf);
    CHECK(e->len <= len && len - e->len < LOG_ENTRY_ALIGN && len % LOG_ENTRY_ALIGN == 0);
    log_entry_builder b;
    int rc;
    if (e->type == LOG_ENTRY_DELETE)
        rc = log_entry_builder_init_delete(&b, e->db, (log_entry_delete_reason)e->reason);
    else
        rc = log_entry_builder_init(&b, (log_entry_type)e->type);
    CHECK(rc == LOG_ENTRY_OK);

    log_entry_iter it;
    log_entry_iter_init(&it, e);
    uint32_t n = 0;
    if (e->type == LOG_ENTRY_COMMANDS) {
        log_entry_cmd c;
        while ((rc = log_entry_iter_next(&it, &c)) == 1) {
            CHECK(c.argc >= 1 && (uint32_t)c.argc <= e->max_argc);
            for (int i = 0; i < c.argc; i++)
                check_inside(e, &c.argv[i]);
            CHECK(log_entry_builder_add_command(&b, c.client_id, c.seq, c.db, c.flags, c.argc,
                                                c.argv) == LOG_ENTRY_OK);
            n++;
        }
        CHECK(rc == 0);
    } else if (e->type == LOG_ENTRY_DELETE) {
        rd_arg k;
        while ((rc = log_entry_iter_next_key(&it, &k)) == 1) {
            check_inside(e, &k);
            CHECK(log_entry_builder_add_key(&b, k.ptr, k.len) == LOG_ENTRY_OK);
            n++;
        }
        CHECK(rc == 0);
    } else {
        CHECK(e->type == LOG_ENTRY_BARRIER);
        log_entry_cmd c;
        CHECK(log_entry_iter_next(&it, &c) == LOG_ENTRY_EINVAL);
    }
    CHECK(n == e->count);
    log_entry_iter_free(&it);

    if (reencode) {
        const char *d;
        size_t dl;
        CHECK(log_entry_builder_finish(&b, e->time_ms, e->seed, &d, &dl) == LOG_ENTRY_OK);
        if (e->version == LOG_ENTRY_VERSION) {
            CHECK(dl == len);
            CHECK(memcmp(d, buf, len) == 0);
        } else {
            /* A version 1 entry re-encodes as version 2 with the same content, and that
             * one is canonical in turn. */
            char *copy = rd_malloc(dl);
            memcpy(copy, d, dl);
            log_entry e2;
            CHECK(log_entry_decode(&e2, copy, dl) == LOG_ENTRY_OK);
            CHECK(e2.version == LOG_ENTRY_VERSION && e2.type == e->type && e2.count == e->count &&
                  e2.time_ms == e->time_ms && e2.seed == e->seed && e2.db == e->db &&
                  e2.reason == e->reason && e2.max_argc == e->max_argc);
            walk(&e2, copy, dl, 1);
            rd_free(copy);
        }
    }
    log_entry_builder_free(&b);
}

static void decode_raw(const uint8_t *data, size_t size, int reencode)
{
    char *p = rd_malloc(size ? size : 1);
    if (size)
        memcpy(p, data, size);
    log_entry e;
    int rc = log_entry_decode(&e, p, size);
    if (rc == LOG_ENTRY_OK)
        walk(&e, p, size, reencode);
    else
        CHECK(rc < 0 && e.base == NULL && strcmp(log_entry_strerror(rc), "unknown error") != 0);
    rd_free(p);
}

/* A tiny cursor over the recipe bytes; reads past the end give 0. */
typedef struct recipe {
    const uint8_t *p;
    size_t n, off;
} recipe;

static uint8_t take(recipe *r)
{
    return r->off < r->n ? r->p[r->off++] : 0;
}

#define MAX_ITEMS 64
#define MAX_ARGS 24

static void from_recipe(const uint8_t *data, size_t size)
{
    recipe r = {data, size, 0};
    uint8_t sel = take(&r);
    log_entry_builder b;
    int type = sel % 3;
    if (type == 0)
        CHECK(log_entry_builder_init(&b, LOG_ENTRY_COMMANDS) == LOG_ENTRY_OK);
    else if (type == 1)
        CHECK(log_entry_builder_init_delete(&b, take(&r),
                                            (take(&r) & 1) ? LOG_ENTRY_DEL_EVICTED
                                                           : LOG_ENTRY_DEL_EXPIRED) ==
              LOG_ENTRY_OK);
    else
        CHECK(log_entry_builder_init(&b, LOG_ENTRY_BARRIER) == LOG_ENTRY_OK);

    /* what we added, to compare with what the decoder yields */
    struct item {
        uint64_t cid, seq;
        uint16_t db;
        uint32_t flags;
        int argc;
        rd_arg argv[MAX_ARGS];
    } *items = rd_calloc(MAX_ITEMS, sizeof *items);
    int nitems = 0;
    while (type != 2 && nitems < MAX_ITEMS && r.off < r.n) {
        struct item *it = &items[nitems];
        int argc = 1 + take(&r) % MAX_ARGS;
        for (int i = 0; i < argc; i++) {
            size_t len = take(&r);
            if (len > r.n - r.off)
                len = r.n - r.off;
            it->argv[i].ptr = (const char *)r.p + r.off;
            it->argv[i].len = len;
            r.off += len;
        }
        it->cid = take(&r) * 0x0101010101010101ULL;
        it->seq = (uint64_t)nitems;
        it->db = take(&r);
        it->flags = take(&r);
        if (type == 0) {
            it->argc = argc;
            CHECK(log_entry_builder_add_command(&b, it->cid, it->seq, it->db, it->flags, argc,
                                                it->argv) == LOG_ENTRY_OK);
        } else {
            it->argc = 1;
            CHECK(log_entry_builder_add_key(&b, it->argv[0].ptr, it->argv[0].len) ==
                  LOG_ENTRY_OK);
        }
        nitems++;
    }
    CHECK(log_entry_builder_count(&b) == (uint32_t)nitems);
    size_t predicted = log_entry_builder_size(&b);
    const char *d;
    size_t dl;
    int64_t t = (int64_t)(sel * 1000003LL) - 500000;
    CHECK(log_entry_builder_finish(&b, t, size, &d, &dl) == LOG_ENTRY_OK);
    CHECK(dl == predicted && dl % LOG_ENTRY_ALIGN == 0);

    char *copy = rd_malloc(dl);
    memcpy(copy, d, dl);
    log_entry e;
    CHECK(log_entry_decode(&e, copy, dl) == LOG_ENTRY_OK);
    CHECK(e.time_ms == t && e.seed == size && e.count == (uint32_t)nitems);
    walk(&e, copy, dl, 1);
    log_entry_iter iter;
    log_entry_iter_init(&iter, &e);
    for (int i = 0; i < nitems; i++) {
        if (type == 0) {
            log_entry_cmd c;
            CHECK(log_entry_iter_next(&iter, &c) == 1);
            CHECK(c.client_id == items[i].cid && c.seq == items[i].seq);
            CHECK(c.db == items[i].db && c.flags == items[i].flags);
            CHECK(c.argc == items[i].argc);
            for (int j = 0; j < c.argc; j++) {
                CHECK(c.argv[j].len == items[i].argv[j].len);
                CHECK(c.argv[j].len == 0 ||
                      memcmp(c.argv[j].ptr, items[i].argv[j].ptr, c.argv[j].len) == 0);
            }
        } else {
            rd_arg k;
            CHECK(log_entry_iter_next_key(&iter, &k) == 1);
            CHECK(k.len == items[i].argv[0].len);
            CHECK(k.len == 0 || memcmp(k.ptr, items[i].argv[0].ptr, k.len) == 0);
        }
    }
    log_entry_iter_free(&iter);

    /* corrupt one byte and cut, chosen by the last recipe bytes */
    if (size >= 4) {
        size_t at = ((size_t)data[size - 1] << 8 | data[size - 2]) % dl;
        copy[at] = (char)(copy[at] ^ (data[size - 3] | 1));
        size_t cut = data[size - 4] & 1 ? dl : (size_t)data[size - 4] % (dl + 1);
        decode_raw((const uint8_t *)copy, cut, 1);
    }
    rd_free(copy);
    rd_free(items);
    log_entry_builder_free(&b);
}

/* Raw bytes rarely carry a right header and exact length by chance: this path forces
 * magic, version, length (= input size, zero-padded) and, for version 1, the reserved
 * field, and keeps the type and payload (and version 2's count), so random payloads
 * reach the payload validation of both versions. */
static void decode_fixed_up(const uint8_t *data, size_t size)
{
    if (size < LOG_ENTRY_HEADER_LEN)
        return;
    size_t plen = log_entry_padded_len(size);
    uint8_t *p = rd_calloc(1, plen);
    memcpy(p, data, size);
    p[0] = 'R';
    p[1] = 'D';
    if (data[2] & 1) {
        p[2] = LOG_ENTRY_VERSION_1;
        memset(p + 4, 0, 4);
    } else {
        p[2] = LOG_ENTRY_VERSION;
    }
    for (int i = 0; i < 8; i++)
        p[8 + i] = (uint8_t)(((uint64_t)size >> (8 * i)) & 0xff);
    decode_raw(p, plen, 1);
    rd_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_raw(data, size, 1);
    decode_fixed_up(data, size);
    from_recipe(data, size);
    return 0;
}
