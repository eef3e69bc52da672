/* keyspace: the databases and the one place keys are looked up, added and removed
 * (contract in keyspace.h).
 *
 * Owns three invariants every command relies on:
 *   - expiry: a key whose deadline is <= c->now_ms (the entry's time) does not exist.
 *     Reads hide it; writes (EXEC_MAY_MUTATE) delete it and count stats.expired_keys,
 *     which is deterministic because every replica applies with the same time;
 *   - db->expires is the number of keys carrying a TTL, kept on every path that adds,
 *     replaces, re-TTLs or removes a key;
 *   - overwrites keep the key's seq and dense position (SCAN cursors, RANDOMKEY).
 * Lookups also maintain the per-key LRU/LFU data for eviction (evict.c), except for
 * CLIENT NO-TOUCH connections, and the keyspace hit/miss counters. */
#include "keyspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "evict.h"
#include "server.h"

static inline int has_ttl(const kv *v)
{
    return (kv_flags(v) & KV_HAS_EXPIRE) != 0;
}

void db_init(db *d, int id)
{
    d->id = id;
    kvtable_init(&d->table);
    d->expires = 0;
    d->next_seq = 1;
}

void db_free(db *d)
{
    kvtable_free(&d->table, 1);
    d->expires = 0;
}

void db_empty(db *d)
{
    kvtable_clear(&d->table); /* keeps the slot index attached to db 0 */
    d->expires = 0;
}

uint32_t keyspace_lru_clock(int64_t now_ms)
{
    return (uint32_t)((now_ms / 1000) & EVICT_LRU_CLOCK_MAX);
}

int keyspace_is_expired(const exec_ctx *c, const kv *v)
{
    int64_t when = kv_expire(v);
    return when >= 0 && when <= c->now_ms;
}

/* CLIENT NO-TOUCH: the connection's commands leave LRU/LFU alone, except TOUCH itself
 * (Redis 7.2). */
static int no_touch(const exec_ctx *c)
{
    if (!c->client || !(c->client->flags & CLIENT_NO_TOUCH))
        return 0;
    return !(c->cmd && strcmp(c->cmd->fullname, "touch") == 0);
}

static inline void touch(exec_ctx *c, kv *v)
{
    if (!c->srv || no_touch(c))
        return;
    uint32_t lru = evict_lru_touched(c->srv, v->lru, c->now_ms);
    if (lru != v->lru) /* the LRU clock ticks once a second: usually unchanged */
        v->lru = lru;
}

/* Unlinks and frees a key found logically expired by a write. */
static void delete_expired(exec_ctx *c, kv *v)
{
    db *d = c->db;
    kvtable_remove(&d->table, kv_key(v), kv_keylen(v));
    d->expires--; /* an expired key has a TTL by definition */
    if (c->srv)
        c->srv->stats.expired_keys++;
    kv_free(v);
}

kv *keyspace_lookup_read(exec_ctx *c, const char *key, size_t len)
{
    kv *v = kvtable_find(&c->db->table, key, len, NULL);
    if (v && keyspace_is_expired(c, v))
        v = NULL;
    if (c->srv) {
        if (v)
            c->srv->stats.keyspace_hits++;
        else
            c->srv->stats.keyspace_misses++;
    }
    if (v)
        touch(c, v);
    return v;
}

kv *keyspace_lookup_write(exec_ctx *c, const char *key, size_t len)
{
    kv *v = kvtable_find(&c->db->table, key, len, NULL);
    if (!v)
        return NULL;
    if (keyspace_is_expired(c, v)) {
        if (c->flags & EXEC_MAY_MUTATE)
            delete_expired(c, v);
        return NULL;
    }
    touch(c, v);
    return v;
}

kv *keyspace_peek(exec_ctx *c, const char *key, size_t len)
{
    kv *v = kvtable_find(&c->db->table, key, len, NULL);
    if (v && keyspace_is_expired(c, v))
        return NULL;
    return v;
}

static inline uint32_t initial_lru(const exec_ctx *c)
{
    return c->srv ? evict_lru_initial(c->srv, c->now_ms) : keyspace_lru_clock(c->now_ms);
}

void keyspace_add(exec_ctx *c, kv *v)
{
    db *d = c->db;
    kv_set_seq(v, d->next_seq++);
    if (v->lru == 0) /* 0 = fresh from kv_new_*; a copied key keeps its access data */
        v->lru = initial_lru(c);
    kvtable_insert(&d->table, v);
    if (has_ttl(v))
        d->expires++;
}

kv *keyspace_set(exec_ctx *c, kv *v, int keep_ttl)
{
    db *d = c->db;
    size_t pos;
    kv *old = kvtable_find(&d->table, kv_key(v), kv_keylen(v), &pos);
    if (old == v)
        return v; /* already stored: nothing to replace */
    if (old && keyspace_is_expired(c, old)) {
        /* Logically gone: the new value is a new key (new seq, appended), as in Redis
         * where the write's lookup expires the old key first. */
        delete_expired(c, old);
        old = NULL;
    }
    if (!old) {
        keyspace_add(c, v);
        return v;
    }

    if (keep_ttl)
        v = kv_set_expire(v, kv_expire(old));
    kv_set_seq(v, kv_seq(old));
    /* LFU keeps the key's access frequency across overwrites (Redis dbSetValue);
     * LRU treats the write as an access. */
    if (c->srv && evict_policy_is_lfu(c->srv->cfg.maxmemory_policy))
        v->lru = old->lru;
    else if (v->lru == 0)
        v->lru = initial_lru(c);
    kvtable_replace_at(&d->table, pos, v);
    d->expires = d->expires - (size_t)has_ttl(old) + (size_t)has_ttl(v);
    kv_free(old);
    return v;
}

void keyspace_replaced(exec_ctx *c, kv *old, kv *nv)
{
    if (old == nv)
        return;
    if (!kvtable_replace(&c->db->table, old, nv)) {
        fprintf(stderr, "redraft: keyspace_replaced: key '%.*s' is not in db %d\n",
                (int)kv_keylen(nv), kv_key(nv), c->db->id);
        fflush(stderr);
        abort();
    }
}

int keyspace_delete(exec_ctx *c, const char *key, size_t len)
{
    db *d = c->db;
    kv *v = kvtable_find(&d->table, key, len, NULL);
    if (!v)
        return 0;
    if (keyspace_is_expired(c, v)) {
        if (c->flags & EXEC_MAY_MUTATE)
            delete_expired(c, v);
        return 0;
    }
    kvtable_remove(&d->table, key, len);
    if (has_ttl(v))
        d->expires--;
    kv_free(v);
    return 1;
}

kv *keyspace_set_expire(exec_ctx *c, kv *v, int64_t when_ms)
{
    db *d = c->db;
    int had = has_ttl(v);
    kv *nv = kv_set_expire(v, when_ms);
    if (nv != v)
        keyspace_replaced(c, v, nv); /* v is only compared there, never read */
    d->expires = d->expires - (size_t)had + (size_t)has_ttl(nv);
    return nv;
}

void keyspace_modified(exec_ctx *c, const char *key, size_t len)
{
    (void)key;
    (void)len;
    c->dirty++;
}
