/* libFuzzer target for the snapshot format (node/snapshot.c, built with
 * SNAPSHOT_FORMAT_ONLY so only the format part is compiled, with the real kv, kvtable
 * and members code).
 *
 * Each input is used three times:
 *  1. as raw snapshot bytes, loaded from an exact-size copy (ASan sees any read past
 *     the end); an accepted snapshot must re-serialize to bytes that load again and
 *     re-serialize identically (load/serialize reach a fixed point);
 *  2. the same with the header (magic, version, reserved) and the trailing checksum
 *     forced right, so random bodies get past the integrity checks;
 *  3. as a recipe that builds a state -- strings of every encoding, TTLs, deletes
 *     leaving holes, a toy collection type, members -- which must round-trip exactly;
 *     then one byte chosen by the recipe is corrupted behind a recomputed checksum and
 *     the result must be refused (state left empty) or load cleanly.
 * The collection type here is a toy (length-prefixed bytes whose load checks them) so
 * the collection record path is exercised without the real types' dependencies; each
 * real type's load is its own file's responsibility. */
#define SNAPSHOT_FORMAT_ONLY 1
#include "../../node/snapshot.c"

#include <stdlib.h>

#include "hash.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* ---- toy collection type: a byte string whose first byte is its length mod 251 ---- */
typedef struct toy {
    size_t len;
    char data[];
} toy;

static void toy_free(void *p) { rd_free(p); }
static size_t toy_mem(const void *p) { return ((const toy *)p)->len; }
static void *toy_copy(const void *p)
{
    const toy *t = p;
    toy *c = rd_malloc(sizeof(toy) + t->len);
    memcpy(c, t, sizeof(toy) + t->len);
    return c;
}
static void toy_save(const void *p, int enc, bytebuf *out)
{
    (void)enc;
    const toy *t = p;
    bytebuf_append_char(out, (char)(t->len % 251));
    bytebuf_append(out, t->data, t->len);
}
static void *toy_load(const char *p, size_t len, int enc)
{
    if (len < 1 || enc != ENC_LISTPACK || (unsigned char)p[0] != (len - 1) % 251)
        return NULL;
    toy *t = rd_malloc(sizeof(toy) + len - 1);
    t->len = len - 1;
    memcpy(t->data, p + 1, len - 1);
    return t;
}
static const kv_type_ops toy_ops = {toy_free, toy_mem, toy_copy, toy_save, toy_load};

static server srv_a, srv_b;

static void ensure_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    rd_hash_set_seed(12345);
    kv_register_type(OBJ_LIST, &toy_ops);
    for (int i = 0; i < SERVER_DBNUM_MAX; i++) {
        srv_a.dbs[i].id = srv_b.dbs[i].id = i;
        kvtable_init(&srv_a.dbs[i].table);
        kvtable_init(&srv_b.dbs[i].table);
        srv_a.dbs[i].next_seq = srv_b.dbs[i].next_seq = 1;
    }
}

static int is_empty(const server *s)
{
    for (int i = 0; i < SERVER_DBNUM_MAX; i++)
        if (s->dbs[i].table.used || s->dbs[i].table.count || s->dbs[i].next_seq != 1 ||
            s->dbs[i].expires)
            return 0;
    return s->last_entry_ms == 0 && members_count() == 0;
}

/* An accepted snapshot must reach a fixed point: serialize(load(x)) loads, and
 * serializing that again gives the same bytes. */
static void check_fixed_point(void)
{
    bytebuf a, b;
    bytebuf_init(&a);
    bytebuf_init(&b);
    snapshot_serialize(&srv_a, &a);
    CHECK(snapshot_load(&srv_b, a.data, a.len) == 0);
    snapshot_serialize(&srv_b, &b);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    bytebuf_free(&a);
    bytebuf_free(&b);
}

static void try_load(const uint8_t *data, size_t size)
{
    char *copy = rd_malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (snapshot_load(&srv_a, copy, size) == 0)
        check_fixed_point();
    else
        CHECK(is_empty(&srv_a));
    rd_free(copy);
}

static void fix_checksum(char *p, size_t len)
{
    uint64_t sum = snapshot_checksum(p, len - 8);
    for (int i = 0; i < 8; i++)
        p[len - 8 + i] = (char)(sum >> (8 * i));
}

/* ---- recipe ---------------------------------------------------------------------- */
typedef struct recipe {
    const uint8_t *p;
    size_t n;
} recipe;

static unsigned take(recipe *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static void build(recipe *r, server *s)
{
    snapshot_load(s, NULL, 0); /* empties the state */
    s->last_entry_ms = (int64_t)take(r) << 20;
    char key[16], val[300];
    int ops = (int)take(r) + 1;
    for (int i = 0; i < ops && r->n; i++) {
        unsigned op = take(r);
        db *d = &s->dbs[op % 3 == 0 ? (take(r) % SERVER_DBNUM_MAX) : 0];
        int klen = snprintf(key, sizeof(key), "k%u", take(r) % 64);
        kv *old = kvtable_find(&d->table, key, (size_t)klen, NULL);
        if (op & 0x80) { /* delete */
            if (old) {
                kvtable_remove(&d->table, key, (size_t)klen);
                if (kv_expire(old) >= 0)
                    d->expires--;
                kv_free(old);
            }
            continue;
        }
        if (old)
            continue;
        int64_t exp = (op & 0x40) ? (int64_t)take(r) * 1000 : -1;
        unsigned kind = take(r) % 5, vlen = take(r);
        if (vlen > sizeof(val))
            vlen = sizeof(val);
        for (unsigned j = 0; j < vlen; j++)
            val[j] = (char)take(r);
        kv *v;
        switch (kind) {
        case 0: v = kv_new_string_ll(key, (size_t)klen, (long long)take(r) * 1000003 - 99, exp); break;
        case 1: v = kv_new_string(key, (size_t)klen, val, vlen, exp); break;
        case 2: /* RAW text that may look like an integer */
            v = kv_new_string(key, (size_t)klen, "", 0, exp);
            v = kv_string_write_at(v, 0, "42", 2);
            break;
        case 3: {
            toy *t = rd_malloc(sizeof(toy) + vlen);
            t->len = vlen;
            memcpy(t->data, val, vlen);
            v = kv_new_ptr(key, (size_t)klen, OBJ_LIST, ENC_LISTPACK, t, exp);
            break;
        }
        default: v = kv_new_string(key, (size_t)klen, val, vlen > 60 ? 60 : vlen, exp); break;
        }
        v->lru = take(r) * 65599u;
        kv_set_seq(v, d->next_seq++);
        kvtable_insert(&d->table, v);
        if (exp >= 0)
            d->expires++;
    }
    /* a member or two */
    int nm = (int)(take(r) % 3);
    for (int i = 0; i < nm; i++) {
        char id[24], nid[41], port[8];
        snprintf(id, sizeof(id), "%u", take(r) + 1);
        for (int j = 0; j < 40; j++)
            nid[j] = "0123456789abcdef"[(take(r) + j) % 16];
        nid[40] = '\0';
        snprintf(port, sizeof(port), "%u", 1000 + take(r));
        rd_arg argv[6] = {{"member-set", 10}, {id, strlen(id)}, {nid, 40},
                          {"127.0.0.1", 9}, {port, strlen(port)}, {port, strlen(port)}};
        members_apply(6, argv);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ensure_init();
    /* 1. raw */
    try_load(data, size);

    /* 2. header and checksum forced right */
    if (size >= SNAP_HEADER_LEN + 1 + SNAP_TRAILER_LEN) {
        char *copy = rd_malloc(size);
        memcpy(copy, data, size);
        memcpy(copy, SNAP_MAGIC, SNAP_MAGIC_LEN);
        memset(copy + 8, 0, 8);
        copy[8] = SNAP_VERSION;
        fix_checksum(copy, size);
        try_load((const uint8_t *)copy, size);
        rd_free(copy);
    }

    /* 3. recipe: exact round trip, then corruption behind a valid checksum */
    recipe r = {data, size};
    build(&r, &srv_a);
    bytebuf a, b;
    bytebuf_init(&a);
    bytebuf_init(&b);
    snapshot_serialize(&srv_a, &a);
    CHECK(snapshot_load(&srv_b, a.data, a.len) == 0);
    snapshot_serialize(&srv_b, &b);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    for (int i = 0; i < SERVER_DBNUM_MAX; i++) {
        CHECK(srv_a.dbs[i].table.used == srv_b.dbs[i].table.used);
        CHECK(srv_a.dbs[i].expires == srv_b.dbs[i].expires);
        for (size_t p = 0; p < srv_a.dbs[i].table.used; p++)
            CHECK(kvtable_seq_at(&srv_a.dbs[i].table, p) == kvtable_seq_at(&srv_b.dbs[i].table, p));
    }
    if (a.len > 8) {
        size_t at = (size_t)(take(&r) | take(&r) << 8 | take(&r) << 16) % (a.len - 8);
        a.data[at] = (char)take(&r);
        size_t cut = a.len - (take(&r) % 2 ? take(&r) % (a.len - 8) : 0);
        fix_checksum(a.data, cut);
        try_load((const uint8_t *)a.data, cut);
    }
    bytebuf_free(&a);
    bytebuf_free(&b);
    return 0;
}
