/* keys_cmds: the generic keyspace commands, the ones that work on any value type.
 *
 * DEL UNLINK EXISTS TYPE TOUCH, the EXPIRE family and TTL/EXPIRETIME readers, PERSIST,
 * KEYS SCAN RANDOMKEY, RENAME RENAMENX COPY, OBJECT, MEMORY USAGE, DBSIZE FLUSHDB
 * FLUSHALL. Replies and error texts are Redis 7.2's.
 *
 * Determinism (shared/DESIGN.md, "The log entry and determinism"): the only clock is
 * c->now_ms and the only randomness c->rng. Read commands never change the keyspace:
 * they see logically expired keys as absent (keyspace_peek / lookup_read hide them,
 * KEYS/SCAN/RANDOMKEY skip them) but leave their deletion to a write or to the active
 * expiry cycle's proposed DELs. SCAN cursors are key sequence numbers (kvtable.h) plus
 * the iteration's end, so a cursor means the same position on every replica, across
 * table growth/compaction and failover, and an iteration ends even under inserts. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "commands.h"
#include "evict.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "kvtable.h"
#include "mem.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"

/* ------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------- */

#define LRU_CLOCK_MAX ((1u << 24) - 1)  /* Redis's 24-bit LRU clock wraps here */
#define SHARED_INTEGERS 10000            /* Redis shares integer objects 0..9999 */
#define SHARED_REFCOUNT INT_MAX          /* ... and reports their refcount as INT_MAX */
#define SCAN_DEFAULT_COUNT 10
#define RANDOMKEY_TRIES 100              /* random draws before falling back to a walk */
/* The table's share of one key in MEMORY USAGE: its dense-array slot and index slot. */
#define KV_TABLE_SLOT_BYTES (sizeof(uintptr_t) + sizeof(uint64_t))


/* Without a server (unit tests build bare contexts) the policy is noeviction. */
static int policy_is_lfu(const exec_ctx *c) {
    int p = c->srv ? c->srv->cfg.maxmemory_policy : MAXMEMORY_NOEVICTION;
    return p == MAXMEMORY_ALLKEYS_LFU || p == MAXMEMORY_VOLATILE_LFU;
}

static int policy_is_lru_or_lfu(const exec_ctx *c) {
    int p = c->srv ? c->srv->cfg.maxmemory_policy : MAXMEMORY_NOEVICTION;
    return policy_is_lfu(c) || p == MAXMEMORY_ALLKEYS_LRU || p == MAXMEMORY_VOLATILE_LRU;
}

static void reply_key(exec_ctx *c, const kv *v) {
    resp_write_bulk(c->w, kv_key(v), kv_keylen(v));
}

static int args_equal(const rd_arg *a, const rd_arg *b) {
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* ------------------------------------------------------------------------------------
 * DEL UNLINK EXISTS TYPE TOUCH
 * ---------------------------------------------------------------------------------- */

static void delete_keys(exec_ctx *c) {
    long long deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        if (keyspace_delete(c, c->argv[i].ptr, c->argv[i].len)) {
            keyspace_modified(c, c->argv[i].ptr, c->argv[i].len);
            deleted++;
        }
    }
    resp_write_int(c->w, deleted);
}

/* Values are freed synchronously either way: UNLINK's reply is DEL's. */
void cmd_del(exec_ctx *c) { delete_keys(c); }
void cmd_unlink(exec_ctx *c) { delete_keys(c); }

void cmd_exists(exec_ctx *c) {
    long long found = 0;
    for (int i = 1; i < c->argc; i++)
        if (keyspace_peek(c, c->argv[i].ptr, c->argv[i].len)) found++;
    resp_write_int(c->w, found);
}

void cmd_type(exec_ctx *c) {
    const kv *v = keyspace_peek(c, c->argv[1].ptr, c->argv[1].len);
    resp_write_simple_cstr(c->w, v ? kv_type_name(kv_type(v)) : "none");
}

/* A read that refreshes LRU/LFU: that side effect is the point of the command. */
void cmd_touch(exec_ctx *c) {
    long long touched = 0;
    for (int i = 1; i < c->argc; i++)
        if (keyspace_lookup_read(c, c->argv[i].ptr, c->argv[i].len)) touched++;
    resp_write_int(c->w, touched);
}

/* ------------------------------------------------------------------------------------
 * EXPIRE PEXPIRE EXPIREAT PEXPIREAT [NX|XX|GT|LT]
 * ---------------------------------------------------------------------------------- */

enum { EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8 };

/* Options after the time argument; replies the error and returns 0 on a bad set. */
static int parse_expire_flags(exec_ctx *c, int *flags) {
    *flags = 0;
    for (int i = 3; i < c->argc; i++) {
        if (arg_is(c, i, "nx")) *flags |= EXPIRE_NX;
        else if (arg_is(c, i, "xx")) *flags |= EXPIRE_XX;
        else if (arg_is(c, i, "gt")) *flags |= EXPIRE_GT;
        else if (arg_is(c, i, "lt")) *flags |= EXPIRE_LT;
        else {
            resp_write_errorf(c->w, "ERR Unsupported option %.*s", (int)c->argv[i].len, c->argv[i].ptr);
            return 0;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        resp_write_error(c->w, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return 0;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        resp_write_error(c->w, "ERR GT and LT options at the same time are not compatible");
        return 0;
    }
    return 1;
}

/* basetime_ms: c->now_ms for relative forms, 0 for the *AT forms. name: for the
 * overflow error, Redis's "invalid expire time in '<cmd>' command". */
static void expire_generic(exec_ctx *c, int64_t basetime_ms, int seconds, const char *name) {
    const rd_arg *key = &c->argv[1];
    int flags;
    long long when;

    if (!parse_expire_flags(c, &flags)) return;
    if (!arg_ll(c, 2, &when)) return;
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            resp_write_errorf(c->w, "ERR invalid expire time in '%s' command", name);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime_ms) {
        resp_write_errorf(c->w, "ERR invalid expire time in '%s' command", name);
        return;
    }
    when += basetime_ms;

    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    if (!v) {
        resp_write_int(c->w, 0);
        return;
    }
    if (flags) {
        int64_t current = kv_expire(v); /* -1: no TTL, i.e. an infinite one */
        if ((flags & EXPIRE_NX) && current != -1) goto not_set;
        if ((flags & EXPIRE_XX) && current == -1) goto not_set;
        if ((flags & EXPIRE_GT) && (current == -1 || when <= current)) goto not_set;
        if ((flags & EXPIRE_LT) && current != -1 && when >= current) goto not_set;
    }

    if (when <= c->now_ms) {
        /* A deadline that has already passed deletes the key, as Redis's master does;
         * deterministic because now_ms is the entry's time on every replica. */
        keyspace_delete(c, key->ptr, key->len);
    } else {
        keyspace_set_expire(c, v, when);
    }
    keyspace_modified(c, key->ptr, key->len);
    resp_write_int(c->w, 1);
    return;

not_set:
    resp_write_int(c->w, 0);
}

void cmd_expire(exec_ctx *c) { expire_generic(c, c->now_ms, 1, "expire"); }
void cmd_pexpire(exec_ctx *c) { expire_generic(c, c->now_ms, 0, "pexpire"); }
void cmd_expireat(exec_ctx *c) { expire_generic(c, 0, 1, "expireat"); }
void cmd_pexpireat(exec_ctx *c) { expire_generic(c, 0, 0, "pexpireat"); }

/* ------------------------------------------------------------------------------------
 * TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
 * ---------------------------------------------------------------------------------- */

/* -2 missing, -1 no TTL; else remaining (or absolute, with absolute) time, seconds
 * rounded to nearest as Redis does. */
static void ttl_generic(exec_ctx *c, int in_ms, int absolute) {
    const kv *v = keyspace_peek(c, c->argv[1].ptr, c->argv[1].len);
    if (!v) {
        resp_write_int(c->w, -2);
        return;
    }
    int64_t expire = kv_expire(v);
    if (expire < 0) {
        resp_write_int(c->w, -1);
        return;
    }
    long long t = absolute ? expire : expire - c->now_ms;
    if (t < 0) t = 0;
    /* Redis's (t + 500) / 1000, without its overflow for a deadline near LLONG_MAX
     * (PEXPIREAT / SET PXAT accept LLONG_MAX). */
    resp_write_int(c->w, in_ms ? t : t / 1000 + (t % 1000 >= 500));
}

void cmd_ttl(exec_ctx *c) { ttl_generic(c, 0, 0); }
void cmd_pttl(exec_ctx *c) { ttl_generic(c, 1, 0); }
void cmd_expiretime(exec_ctx *c) { ttl_generic(c, 0, 1); }
void cmd_pexpiretime(exec_ctx *c) { ttl_generic(c, 1, 1); }

void cmd_persist(exec_ctx *c) {
    const rd_arg *key = &c->argv[1];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    if (!v || kv_expire(v) < 0) {
        resp_write_int(c->w, 0);
        return;
    }
    keyspace_set_expire(c, v, -1);
    keyspace_modified(c, key->ptr, key->len);
    resp_write_int(c->w, 1);
}

/* ------------------------------------------------------------------------------------
 * KEYS SCAN RANDOMKEY
 * ---------------------------------------------------------------------------------- */

void cmd_keys(exec_ctx *c) {
    const kvtable *t = &c->db->table;
    const rd_arg *pat = &c->argv[1];
    int match_all = pat->len == 1 && pat->ptr[0] == '*';
    const kv **found = t->count ? rd_malloc(t->count * sizeof(*found)) : NULL;
    size_t n = 0;

    for (size_t pos = 0; pos < t->used && n < t->count; pos++) {
        const kv *v = kvtable_at(t, pos);
        if (!v || keyspace_is_expired(c, v)) continue;
        if (!match_all && !rd_glob_match(pat->ptr, pat->len, kv_key(v), kv_keylen(v), 0)) continue;
        found[n++] = v;
    }
    resp_write_array_len(c->w, (long long)n);
    for (size_t i = 0; i < n; i++) reply_key(c, found[i]);
    rd_free(found);
}

/* Redis 7.2 parses the cursor with strtoul: no leading space, the whole argument must
 * be consumed, no overflow. (So "-1" wraps and an empty cursor is 0, as there.) */
static int parse_scan_cursor(exec_ctx *c, const rd_arg *a, unsigned long long *cursor) {
    char small[64];
    char *s = a->len < sizeof(small) ? small : rd_malloc(a->len + 1);
    memcpy(s, a->ptr, a->len);
    s[a->len] = '\0';

    int ok = 0;
    if (a->len == 0 || !strchr(" \t\n\v\f\r", s[0])) {
        char *end;
        errno = 0;
        *cursor = strtoull(s, &end, 10);
        ok = *end == '\0' && errno != ERANGE;
    }
    if (s != small) rd_free(s);
    if (!ok) resp_write_error(c->w, "ERR invalid cursor");
    return ok;
}

/* SCAN cursors.
 *
 * A cursor is (seq << SCAN_BOUND_BITS) | (exp << SCAN_GAP_BITS) | gap. `seq` is the
 * design's cursor (shared/DESIGN.md, kvtable.h): the seq of the next dense
 * position to visit (keys keep their seq for life and the dense array stays in seq
 * order through growth and compaction, so resuming at the first position whose seq >=
 * it never skips a key that is still there and never repeats one); exp and gap encode
 * the bound where this iteration stops. Without a bound, an iteration would chase the keys appended
 * while it runs and never finish when more than COUNT keys are added per call; with it,
 * an iteration covers the keys whose seq is below the database's next_seq at its start
 * (every key present then) plus at most a few percent more, and always ends.
 *
 * The bound is B = idx << exp, rounded up from that next_seq on a lattice of step
 * 2^exp fixed for the whole iteration; the cursor stores exp and gap = idx - (seq >>
 * exp), which only shrinks as seq advances, so B is carried exactly (no drift) in
 * SCAN_BOUND_BITS bits. exp is the smallest that fits the starting gap, so B exceeds
 * next_seq by less than (next_seq - first seq) / 2^(SCAN_GAP_BITS - 1). Cursor 0 starts
 * an iteration and is returned at its end; any other number is a valid cursor. */
#define SCAN_BOUND_BITS 12
#define SCAN_GAP_BITS 6
#define SCAN_GAP_MAX ((UINT64_C(1) << SCAN_GAP_BITS) - 1)
#define SCAN_NO_BOUND UINT64_MAX

typedef struct scan_bound {
    int set;      /* 0: no bound (only a hand-made cursor lacks one) */
    unsigned exp;
    uint64_t idx; /* the bound is idx << exp */
} scan_bound;

/* The bound for an iteration starting now: the smallest lattice point >= end_seq whose
 * gap from first_seq (the lowest seq in the table) fits the cursor. first_seq < end_seq,
 * so the gap is >= 1 for every seq the iteration will carry. */
static scan_bound scan_bound_start(uint64_t first_seq, uint64_t end_seq) {
    scan_bound b = {1, 0, 0};
    for (unsigned e = 0; e < 64; e++) {
        uint64_t idx = (end_seq >> e) + ((end_seq & ((UINT64_C(1) << e) - 1)) != 0); /* ceil */
        if (idx - (first_seq >> e) <= SCAN_GAP_MAX) {
            b.exp = e;
            b.idx = idx;
            break;
        }
    }
    return b;
}

static uint64_t scan_bound_value(scan_bound b) {
    if (!b.set || b.idx > (SCAN_NO_BOUND >> b.exp)) return SCAN_NO_BOUND;
    return b.idx << b.exp;
}

/* Cursor for resuming at seq; seq is below the bound, so the gap is in 1..SCAN_GAP_MAX
 * (it only shrinks from the gap the bound started with). */
static unsigned long long scan_cursor_encode(uint64_t seq, scan_bound b) {
    unsigned long long low = 0;
    if (b.set) low = ((unsigned long long)b.exp << SCAN_GAP_BITS) | (b.idx - (seq >> b.exp));
    return ((unsigned long long)seq << SCAN_BOUND_BITS) | low;
}

static uint64_t scan_cursor_decode(unsigned long long cursor, scan_bound *b) {
    uint64_t seq = cursor >> SCAN_BOUND_BITS;
    uint64_t gap = cursor & SCAN_GAP_MAX;
    b->set = gap != 0;
    b->exp = (unsigned)(cursor >> SCAN_GAP_BITS) & ((1u << (SCAN_BOUND_BITS - SCAN_GAP_BITS)) - 1);
    b->idx = (seq >> b->exp) + gap;
    return seq;
}

/* SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: visits up to COUNT dense positions
 * (holes included) from the cursor, returning the live keys that pass the filters.
 * Logically expired keys are skipped, not deleted (a read never mutates). */
void cmd_scan(exec_ctx *c) {
    unsigned long long cursor;
    long long count = SCAN_DEFAULT_COUNT;
    const rd_arg *pat = NULL, *type = NULL;

    if (!parse_scan_cursor(c, &c->argv[1], &cursor)) return;
    for (int i = 2; i < c->argc; i += 2) {
        int has_value = i + 1 < c->argc;
        if (arg_is(c, i, "count") && has_value) {
            if (!arg_ll(c, i + 1, &count)) return;
            if (count < 1) {
                reply_syntax_error(c);
                return;
            }
        } else if (arg_is(c, i, "match") && has_value) {
            pat = &c->argv[i + 1];
            if (pat->len == 1 && pat->ptr[0] == '*') pat = NULL; /* matches everything */
        } else if (arg_is(c, i, "type") && has_value) {
            type = &c->argv[i + 1];
        } else {
            reply_syntax_error(c);
            return;
        }
    }

    const kvtable *t = &c->db->table;
    uint64_t start_seq = 0;
    scan_bound sb;
    if (cursor == 0)
        sb = scan_bound_start(t->used ? kvtable_seq_at(t, 0) : 0, c->db->next_seq);
    else
        start_seq = scan_cursor_decode(cursor, &sb);
    uint64_t bound = scan_bound_value(sb);

    size_t pos = kvtable_seek_seq(t, start_seq);
    size_t budget = pos < t->used ? t->used - pos : 0;
    if ((unsigned long long)count < budget) budget = (size_t)count;
    const kv **found = budget ? rd_malloc(budget * sizeof(*found)) : NULL;
    size_t n = 0;

    for (size_t visited = 0; visited < budget && kvtable_seq_at(t, pos) < bound; visited++, pos++) {
        const kv *v = kvtable_at(t, pos);
        if (!v || keyspace_is_expired(c, v)) continue;
        if (pat && !rd_glob_match(pat->ptr, pat->len, kv_key(v), kv_keylen(v), 0)) continue;
        if (type && !rd_strcaseeq(type->ptr, type->len, kv_type_name(kv_type(v)))) continue;
        found[n++] = v;
    }
    unsigned long long next = 0;
    if (pos < t->used && kvtable_seq_at(t, pos) < bound) next = scan_cursor_encode(kvtable_seq_at(t, pos), sb);

    resp_write_array_len(c->w, 2);
    char buf[24];
    int len = snprintf(buf, sizeof(buf), "%llu", next);
    resp_write_bulk(c->w, buf, (size_t)len);
    resp_write_array_len(c->w, (long long)n);
    for (size_t i = 0; i < n; i++) reply_key(c, found[i]);
    rd_free(found);
}

/* RANDOMKEY draws from c->rng over the dense layout, which is the same on every
 * replica. Logically expired keys are skipped, never deleted (this is a read): after
 * RANDOMKEY_TRIES expired draws, walk from a random position to the first live key, so
 * the answer is nil only when the database really has no live key. */
void cmd_randomkey(exec_ctx *c) {
    const kvtable *t = &c->db->table;
    if (t->count == 0) {
        resp_write_null(c->w);
        return;
    }
    for (int tries = 0; tries < RANDOMKEY_TRIES; tries++) {
        size_t pos;
        const kv *v = kvtable_random(t, c->rng, &pos);
        if (!v) break;
        if (!keyspace_is_expired(c, v)) {
            reply_key(c, v);
            return;
        }
    }
    size_t start = (size_t)prng_below(c->rng, t->used);
    for (size_t i = 0; i < t->used; i++) {
        const kv *v = kvtable_at(t, (start + i) % t->used);
        if (v && !keyspace_is_expired(c, v)) {
            reply_key(c, v);
            return;
        }
    }
    resp_write_null(c->w);
}

/* ------------------------------------------------------------------------------------
 * RENAME RENAMENX COPY
 * ---------------------------------------------------------------------------------- */

/* Stores v (with its own TTL and access data) under its key, which exists iff `exists`.
 * Redis deletes an existing destination and adds the new object; its dict puts the key
 * back in the same bucket, so a SCAN in progress still returns it. Here an overwrite
 * must keep the key's seq (its dense position) for the same guarantee, which is what
 * keyspace_set does; the LRU/LFU data stays v's. */
static void store_over(exec_ctx *c, kv *v, int exists) {
    if (!exists) {
        keyspace_add(c, v);
        return;
    }
    uint32_t lru = v->lru;
    v = keyspace_set(c, v, 0);
    if (lru) v->lru = lru;
}

static void rename_generic(exec_ctx *c, int nx) {
    const rd_arg *from = &c->argv[1], *to = &c->argv[2];
    kv *src = keyspace_lookup_write(c, from->ptr, from->len);
    if (!src) {
        resp_write_error(c->w, "ERR no such key");
        return;
    }
    if (args_equal(from, to)) {
        /* Same name: nothing to do, but the source had to exist. */
        if (nx) resp_write_int(c->w, 0);
        else resp_write_ok(c->w);
        return;
    }
    /* Also drops a logically expired destination, so it counts as absent. */
    int dst_exists = keyspace_lookup_write(c, to->ptr, to->len) != NULL;
    if (dst_exists && nx) {
        resp_write_int(c->w, 0);
        return;
    }

    /* The value moves to the new key with its TTL and access data: strings are copied
     * into the new kv, collections hand their pointer over, so the old kv is freed
     * without its value (kv_free skips a NULL value). An existing destination is
     * overwritten in place (store_over). */
    kv *moved = kv_dup_with_key(src, to->ptr, to->len, NULL);
    moved = kv_set_expire(moved, kv_expire(src));
    if (kv_type(src) != OBJ_STRING) kv_set_ptr(src, NULL);
    keyspace_delete(c, from->ptr, from->len);
    store_over(c, moved, dst_exists);

    keyspace_modified(c, from->ptr, from->len);
    keyspace_modified(c, to->ptr, to->len);
    if (nx) resp_write_int(c->w, 1);
    else resp_write_ok(c->w);
}

void cmd_rename(exec_ctx *c) { rename_generic(c, 0); }
void cmd_renamenx(exec_ctx *c) { rename_generic(c, 1); }

/* COPY source destination [DB destination-db] [REPLACE] */
void cmd_copy(exec_ctx *c) {
    const rd_arg *from = &c->argv[1], *to = &c->argv[2];
    int replace = 0;
    int dst_id = c->db->id;

    for (int i = 3; i < c->argc; i++) {
        if (arg_is(c, i, "replace")) {
            replace = 1;
        } else if (arg_is(c, i, "db") && i + 1 < c->argc) {
            long long id;
            if (!arg_ll(c, i + 1, &id)) return;
            if (id < INT_MIN || id > INT_MAX) {
                resp_write_errorf(c->w, "ERR value is out of range, value must between %d and %d", INT_MIN, INT_MAX);
                return;
            }
            if (id < 0 || !c->srv || id >= c->srv->cfg.databases || id >= SERVER_DBNUM_MAX) {
                resp_write_error(c->w, "ERR DB index is out of range");
                return;
            }
            dst_id = (int)id;
            i++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }

    db *dst_db = dst_id == c->db->id ? c->db : &c->srv->dbs[dst_id];
    if (dst_db == c->db && args_equal(from, to)) {
        resp_write_error(c->w, "ERR source and destination objects are the same");
        return;
    }

    kv *src = keyspace_lookup_read(c, from->ptr, from->len);
    if (!src) {
        resp_write_int(c->w, 0);
        return;
    }

    /* The destination database gets its own context: same clock, randomness, flags. */
    exec_ctx dc = *c;
    dc.db = dst_db;
    int dst_exists = keyspace_lookup_write(&dc, to->ptr, to->len) != NULL;
    if (dst_exists && !replace) {
        resp_write_int(c->w, 0);
        return;
    }

    void *(*copy_ptr)(const void *) = NULL;
    if (kv_type(src) != OBJ_STRING) {
        const kv_type_ops *ops = kv_type_get_ops(kv_type(src));
        copy_ptr = ops ? ops->copy : NULL;
        if (!copy_ptr) {
            resp_write_error(c->w, "ERR unknown type object");
            return;
        }
    }
    /* A new object, as Redis's dup: same value and TTL, fresh access data. REPLACE
     * overwrites the old destination in place (store_over). */
    kv *copy = kv_dup_with_key(src, to->ptr, to->len, copy_ptr);
    copy = kv_set_expire(copy, kv_expire(src));
    copy->lru = c->srv ? evict_lru_initial(c->srv, c->now_ms) : keyspace_lru_clock(c->now_ms);
    store_over(&dc, copy, dst_exists);
    keyspace_modified(&dc, to->ptr, to->len);
    c->dirty = dc.dirty;
    resp_write_int(c->w, 1);
}

/* ------------------------------------------------------------------------------------
 * OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP, MEMORY USAGE
 * ---------------------------------------------------------------------------------- */

/* OBJECT looks at a key without refreshing its LRU/LFU. */
static const kv *object_lookup_or_reply(exec_ctx *c) {
    const kv *v = keyspace_peek(c, c->argv[2].ptr, c->argv[2].len);
    if (!v) resp_write_null(c->w);
    return v;
}

void cmd_object_encoding(exec_ctx *c) {
    const kv *v = object_lookup_or_reply(c);
    if (v) resp_write_bulk_cstr(c->w, kv_encoding_name(kv_encoding(v)));
}

/* Redis's LFUDecrAndReturn: the 8-bit counter decayed by one per lfu-decay-time minutes
 * since the 16-bit access-time-in-minutes stored above it. */
static long long lfu_decayed_counter(const exec_ctx *c, const kv *v) {
    unsigned long now_min = (unsigned long)((c->now_ms / 1000 / 60) & 65535);
    unsigned long ldt = (v->lru >> 8) & 65535;
    unsigned long counter = v->lru & 255;
    unsigned long elapsed = now_min >= ldt ? now_min - ldt : 65535 - ldt + now_min;
    int decay = c->srv ? c->srv->cfg.lfu_decay_time : 1;
    unsigned long periods = decay > 0 ? elapsed / (unsigned long)decay : 0;
    return (long long)(periods > counter ? 0 : counter - periods);
}

void cmd_object_freq(exec_ctx *c) {
    const kv *v = object_lookup_or_reply(c);
    if (!v) return;
    if (!policy_is_lfu(c)) {
        resp_write_error(c->w, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                               "Please note that when switching between policies at runtime LRU and LFU data "
                               "will take some time to adjust.");
        return;
    }
    resp_write_int(c->w, lfu_decayed_counter(c, v));
}

void cmd_object_idletime(exec_ctx *c) {
    const kv *v = object_lookup_or_reply(c);
    if (!v) return;
    if (policy_is_lfu(c)) {
        resp_write_error(c->w, "ERR An LFU maxmemory policy is selected, idle time not tracked. "
                               "Please note that when switching between policies at runtime LRU and LFU data "
                               "will take some time to adjust.");
        return;
    }
    /* The clock ticks once a second, so the difference is the idle time in seconds. */
    uint32_t now = keyspace_lru_clock(c->now_ms) & LRU_CLOCK_MAX;
    uint32_t then = v->lru & LRU_CLOCK_MAX;
    long long idle = now >= then ? (long long)(now - then) : (long long)now + (LRU_CLOCK_MAX - then);
    resp_write_int(c->w, idle);
}

/* Values are never shared here; report what Redis would: its shared integer objects
 * (0..9999, used unless maxmemory with an LRU/LFU policy needs per-key access data)
 * have refcount INT_MAX, everything else 1. */
void cmd_object_refcount(exec_ctx *c) {
    const kv *v = object_lookup_or_reply(c);
    if (!v) return;
    long long n;
    int shared = kv_type(v) == OBJ_STRING && kv_encoding(v) == ENC_INT && kv_string_ll(v, &n) &&
                 n >= 0 && n < SHARED_INTEGERS &&
                 (!c->srv || c->srv->cfg.maxmemory == 0 || !policy_is_lru_or_lfu(c));
    resp_write_int(c->w, shared ? SHARED_REFCOUNT : 1);
}

void cmd_object_help(exec_ctx *c) {
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL,
    };
    reply_help(c, lines);
}

/* MEMORY USAGE key [SAMPLES count]: the key's kv (key, TTL and value, allocation
 * overhead included) plus its slots in the table. SAMPLES is validated as Redis does;
 * kv_memory_usage measures collections itself. */
void cmd_memory_usage(exec_ctx *c) {
    for (int i = 3; i < c->argc; i++) {
        if (arg_is(c, i, "samples") && i + 1 < c->argc) {
            long long samples;
            if (!arg_ll(c, i + 1, &samples)) return;
            if (samples < 0) {
                reply_syntax_error(c);
                return;
            }
            i++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    const kv *v = keyspace_peek(c, c->argv[2].ptr, c->argv[2].len);
    if (!v) {
        resp_write_null(c->w);
        return;
    }
    resp_write_int(c->w, (long long)(kv_memory_usage(v) + KV_TABLE_SLOT_BYTES));
}

/* ------------------------------------------------------------------------------------
 * DBSIZE FLUSHDB FLUSHALL
 * ---------------------------------------------------------------------------------- */

/* Counts keys whose deadline passed but that no write has deleted yet, like Redis. */
void cmd_dbsize(exec_ctx *c) { resp_write_int(c->w, (long long)db_size(c->db)); }

/* [ASYNC|SYNC]: both free synchronously (inside apply, deterministic); only the
 * syntax is checked. */
static int parse_flush_mode(exec_ctx *c) {
    if (c->argc == 1) return 1;
    if (c->argc == 2 && (arg_is(c, 1, "sync") || arg_is(c, 1, "async"))) return 1;
    reply_syntax_error(c);
    return 0;
}

void cmd_flushdb(exec_ctx *c) {
    if (!parse_flush_mode(c)) return;
    c->dirty += (long long)db_size(c->db);
    db_empty(c->db);
    resp_write_ok(c->w);
}

void cmd_flushall(exec_ctx *c) {
    if (!parse_flush_mode(c)) return;
    if (!c->srv) { /* a bare context (unit tests) knows only its own database */
        c->dirty += (long long)db_size(c->db);
        db_empty(c->db);
    } else {
        int n = c->srv->cfg.databases < SERVER_DBNUM_MAX ? c->srv->cfg.databases : SERVER_DBNUM_MAX;
        for (int i = 0; i < n; i++) {
            c->dirty += (long long)db_size(&c->srv->dbs[i]);
            db_empty(&c->srv->dbs[i]);
        }
    }
    c->dirty++;
    resp_write_ok(c->w);
}
