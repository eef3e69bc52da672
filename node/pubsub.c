/* pubsub: channels, patterns and shard channels of this node, and delivery to their
 * subscribers (contract in pubsub.h); the commands SUBSCRIBE ... PUBSUB with Redis 7's
 * replies.
 *
 * State, all node-local (never in the Raft log):
 *   - per kind (channel, pattern, shard channel) a server dict: name -> the dict of its
 *     subscribers (value = the `dict *`, stored as pointer bytes);
 *   - a subscribers dict: client id (8 bytes) -> the `client *` (pointer bytes);
 *   - per client (looked up by id in `by_client`) the three dicts of its names.
 * So subscribing and unsubscribing one name is O(1), dropping a client is O(its
 * subscriptions), and a publish is O(receivers + patterns).
 *
 * Delivery writes into each subscriber's output buffer and flushes only after every
 * receiver is written: a flush may close a client over its output buffer limit
 * (client-output-buffer-limit pubsub), and closing unsubscribes it, which must not
 * happen while its subscriber dict is being walked. Client structs are freed only in
 * the libuv close callback, so every pointer collected stays valid until then. */
#include "pubsub.h"

#include <string.h>

#include "client.h"
#include "command.h"
#include "commands.h"
#include "dict.h"
#include "keyslot.h"
#include "mem.h"
#include "peer_links.h"
#include "strutil.h"

enum { PS_CHANNEL, PS_PATTERN, PS_SHARD, PS_KINDS };

static const char *const subscribe_word[PS_KINDS] = {"subscribe", "psubscribe", "ssubscribe"};
static const char *const unsubscribe_word[PS_KINDS] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

typedef struct client_subs {
    dict *names[PS_KINDS]; /* sets of the names this client subscribed to */
} client_subs;

static dict *server_names[PS_KINDS]; /* name -> dict* of subscribers */
static dict *by_client;              /* client id -> client_subs* */
static uint32_t *shard_slot_count;   /* shard channels per hash slot (pubsub_slot_lost) */

/* ---- small helpers ------------------------------------------------------------------- */

static void *entry_ptr(const dict_entry *e)
{
    void *p;
    memcpy(&p, dict_val(e), sizeof p);
    return p;
}

void pubsub_init(struct server *s)
{
    (void)s;
    if (by_client)
        return;
    for (int k = 0; k < PS_KINDS; k++)
        server_names[k] = dict_new(1);
    by_client = dict_new(1);
    shard_slot_count = rd_calloc(CLUSTER_SLOTS, sizeof *shard_slot_count);
}

static inline void ensure_init(void)
{
    if (!by_client)
        pubsub_init(NULL);
}

static void free_subscriber_dicts(dict *d)
{
    for (size_t pos = 0; pos < d->used; pos++) {
        dict_entry *e = dict_at(d, pos);
        if (e)
            dict_free(entry_ptr(e));
    }
    dict_free(d);
}

void pubsub_shutdown(void)
{
    if (!by_client)
        return;
    for (int k = 0; k < PS_KINDS; k++) {
        free_subscriber_dicts(server_names[k]);
        server_names[k] = NULL;
    }
    for (size_t pos = 0; pos < by_client->used; pos++) {
        dict_entry *e = dict_at(by_client, pos);
        if (!e)
            continue;
        client_subs *cs = entry_ptr(e);
        for (int k = 0; k < PS_KINDS; k++)
            dict_free(cs->names[k]);
        rd_free(cs);
    }
    dict_free(by_client);
    by_client = NULL;
    rd_free(shard_slot_count);
    shard_slot_count = NULL;
}

static client_subs *subs_of(const client *c)
{
    if (!by_client)
        return NULL;
    dict_entry *e = dict_find(by_client, (const char *)&c->id, sizeof c->id, NULL);
    return e ? entry_ptr(e) : NULL;
}

static client_subs *subs_create(const client *c)
{
    client_subs *cs = subs_of(c);
    if (cs)
        return cs;
    cs = rd_malloc(sizeof *cs);
    for (int k = 0; k < PS_KINDS; k++)
        cs->names[k] = dict_new(0);
    dict_add(by_client, (const char *)&c->id, sizeof c->id, (const char *)&cs, sizeof cs);
    return cs;
}

static int kind_count(const client *c, int kind)
{
    client_subs *cs = subs_of(c);
    return cs ? (int)dict_size(cs->names[kind]) : 0;
}

/* The count in a (un)subscribe confirmation: Redis counts channels and patterns
 * together, shard channels apart. */
static long long confirm_count(const client *c, int kind)
{
    if (kind == PS_SHARD)
        return kind_count(c, PS_SHARD);
    return (long long)kind_count(c, PS_CHANNEL) + kind_count(c, PS_PATTERN);
}

/* CLIENT_PUBSUB is set while c has any subscription; a client without any loses its
 * (then empty) state. */
static void update_client_state(client *c)
{
    client_subs *cs = subs_of(c);
    size_t total = 0;
    if (cs)
        for (int k = 0; k < PS_KINDS; k++)
            total += dict_size(cs->names[k]);
    if (total > 0) {
        c->flags |= CLIENT_PUBSUB;
        return;
    }
    c->flags &= ~(uint32_t)CLIENT_PUBSUB;
    if (cs) {
        for (int k = 0; k < PS_KINDS; k++)
            dict_free(cs->names[k]);
        rd_free(cs);
        dict_delete(by_client, (const char *)&c->id, sizeof c->id);
    }
}

/* ["subscribe", name, count] and the like: a push in RESP3, an array in RESP2. name
 * NULL = the nil of an (un)subscribe-all with nothing to drop. */
static void write_confirm(resp_writer *w, const char *word, const char *name, size_t len, long long count)
{
    resp_write_push_len(w, 3);
    resp_write_bulk_cstr(w, word);
    if (name)
        resp_write_bulk(w, name, len);
    else
        resp_write_null(w);
    resp_write_int(w, count);
}

/* ---- subscribe / unsubscribe one name ------------------------------------------------ */

static void subscribe_one(client *c, int kind, const char *name, size_t len)
{
    client_subs *cs = subs_create(c);
    if (dict_find(cs->names[kind], name, len, NULL))
        return;
    dict_add(cs->names[kind], name, len, NULL, 0);
    dict_entry *e = dict_find(server_names[kind], name, len, NULL);
    dict *subs;
    if (e) {
        subs = entry_ptr(e);
    } else {
        subs = dict_new(1);
        dict_add(server_names[kind], name, len, (const char *)&subs, sizeof subs);
        if (kind == PS_SHARD)
            shard_slot_count[keyslot(name, len)]++;
    }
    dict_add(subs, (const char *)&c->id, sizeof c->id, (const char *)&c, sizeof c);
}

/* Removes c from name's subscribers (c's own set already lost the name); the name goes
 * when nobody is left. name must not point into the dicts changed here. */
static void server_remove(const client *c, int kind, const char *name, size_t len)
{
    dict_entry *e = dict_find(server_names[kind], name, len, NULL);
    if (!e)
        return;
    dict *subs = entry_ptr(e);
    dict_delete(subs, (const char *)&c->id, sizeof c->id);
    if (dict_size(subs) == 0) {
        dict_free(subs);
        dict_delete(server_names[kind], name, len);
        if (kind == PS_SHARD && shard_slot_count[keyslot(name, len)] > 0)
            shard_slot_count[keyslot(name, len)]--;
    }
}

static void unsubscribe_one(client *c, int kind, const char *name, size_t len)
{
    client_subs *cs = subs_of(c);
    if (cs && dict_delete(cs->names[kind], name, len))
        server_remove(c, kind, name, len);
}

/* Copies of the names of a dict, length-prefixed, into buf (their owners change while
 * they are used). */
static size_t copy_names(const dict *d, bytebuf *buf)
{
    size_t n = 0;
    for (size_t pos = 0; pos < d->used; pos++) {
        dict_entry *e = dict_at(d, pos);
        if (!e)
            continue;
        uint32_t len = e->klen;
        bytebuf_append(buf, &len, sizeof len);
        bytebuf_append(buf, dict_key(e), len);
        n++;
    }
    return n;
}

static const char *next_name(const bytebuf *buf, size_t *off, size_t *len)
{
    uint32_t l;
    memcpy(&l, buf->data + *off, sizeof l);
    const char *p = buf->data + *off + sizeof l;
    *off += sizeof l + l;
    *len = l;
    return p;
}

/* Drops every subscription of one kind; with w, confirms each (and a nil one when there
 * was none), as UNSUBSCRIBE without arguments does. */
static void unsubscribe_kind(client *c, int kind, resp_writer *w)
{
    client_subs *cs = subs_of(c);
    size_t n = 0;
    if (cs && dict_size(cs->names[kind]) > 0) {
        bytebuf names;
        bytebuf_init(&names);
        n = copy_names(cs->names[kind], &names);
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *name = next_name(&names, &off, &len);
            unsubscribe_one(c, kind, name, len);
            if (w)
                write_confirm(w, unsubscribe_word[kind], name, len, confirm_count(c, kind));
        }
        bytebuf_free(&names);
    }
    if (w && n == 0)
        write_confirm(w, unsubscribe_word[kind], NULL, 0, confirm_count(c, kind));
}

void pubsub_client_unsubscribe_all(struct client *c)
{
    if (!by_client)
        return;
    for (int k = 0; k < PS_KINDS; k++)
        unsubscribe_kind(c, k, NULL);
    update_client_state(c);
}

/* ---- delivery ------------------------------------------------------------------------ */

/* Clients written to during one delivery, flushed at its end. */
typedef struct targets {
    client *inline_buf[32];
    client **v;
    size_t n, cap;
} targets;

static void targets_init(targets *t)
{
    t->v = t->inline_buf;
    t->n = 0;
    t->cap = sizeof t->inline_buf / sizeof t->inline_buf[0];
}

static void targets_add(targets *t, client *c)
{
    if (t->n > 0 && t->v[t->n - 1] == c)
        return;
    if (t->n == t->cap) {
        size_t cap = t->cap * 2;
        client **v = rd_malloc(cap * sizeof *v);
        memcpy(v, t->v, t->n * sizeof *v);
        if (t->v != t->inline_buf)
            rd_free(t->v);
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = c;
}

/* Flushes every target (which may close some of them) and releases the list. */
static void targets_flush(targets *t)
{
    for (size_t i = 0; i < t->n; i++)
        client_flush(t->v[i]);
    if (t->v != t->inline_buf)
        rd_free(t->v);
    t->v = t->inline_buf;
    t->n = 0;
}

long long pubsub_deliver(const char *channel, size_t channel_len, const char *msg, size_t msg_len, int sharded)
{
    if (!by_client)
        return 0;
    long long receivers = 0;
    targets t;
    targets_init(&t);

    int kind = sharded ? PS_SHARD : PS_CHANNEL;
    dict_entry *e = dict_find(server_names[kind], channel, channel_len, NULL);
    if (e) {
        dict *subs = entry_ptr(e);
        for (size_t pos = 0; pos < subs->used; pos++) {
            dict_entry *se = dict_at(subs, pos);
            if (!se)
                continue;
            client *sc = entry_ptr(se);
            resp_write_push_len(&sc->w, 3);
            resp_write_bulk_cstr(&sc->w, sharded ? "smessage" : "message");
            resp_write_bulk(&sc->w, channel, channel_len);
            resp_write_bulk(&sc->w, msg, msg_len);
            targets_add(&t, sc);
            receivers++;
        }
    }
    if (!sharded) {
        dict *pats = server_names[PS_PATTERN];
        for (size_t pos = 0; pos < pats->used; pos++) {
            dict_entry *pe = dict_at(pats, pos);
            if (!pe || !rd_glob_match(dict_key(pe), pe->klen, channel, channel_len, 0))
                continue;
            dict *subs = entry_ptr(pe);
            for (size_t sp = 0; sp < subs->used; sp++) {
                dict_entry *se = dict_at(subs, sp);
                if (!se)
                    continue;
                client *sc = entry_ptr(se);
                resp_write_push_len(&sc->w, 4);
                resp_write_bulk_cstr(&sc->w, "pmessage");
                resp_write_bulk(&sc->w, dict_key(pe), pe->klen);
                resp_write_bulk(&sc->w, channel, channel_len);
                resp_write_bulk(&sc->w, msg, msg_len);
                targets_add(&t, sc);
                receivers++;
            }
        }
    }
    targets_flush(&t);
    return receivers;
}

void pubsub_slot_lost(unsigned slot)
{
    if (!by_client || slot >= CLUSTER_SLOTS || shard_slot_count[slot] == 0)
        return;
    /* The slot's channels first (copies: the dict changes below). */
    bytebuf names;
    bytebuf_init(&names);
    size_t n = 0;
    dict *shard = server_names[PS_SHARD];
    for (size_t pos = 0; pos < shard->used; pos++) {
        dict_entry *e = dict_at(shard, pos);
        if (!e || keyslot(dict_key(e), e->klen) != slot)
            continue;
        uint32_t len = e->klen;
        bytebuf_append(&names, &len, sizeof len);
        bytebuf_append(&names, dict_key(e), len);
        n++;
    }
    targets t;
    targets_init(&t);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *name = next_name(&names, &off, &len);
        dict_entry *e = dict_find(shard, name, len, NULL);
        if (!e)
            continue;
        dict *subs = entry_ptr(e);
        for (size_t pos = 0; pos < subs->used; pos++) {
            dict_entry *se = dict_at(subs, pos);
            if (!se)
                continue;
            client *sc = entry_ptr(se);
            client_subs *cs = subs_of(sc);
            if (cs)
                dict_delete(cs->names[PS_SHARD], name, len);
            write_confirm(&sc->w, "sunsubscribe", name, len, kind_count(sc, PS_SHARD));
            targets_add(&t, sc);
        }
        dict_free(subs);
        dict_delete(shard, name, len);
        shard_slot_count[slot]--;
    }
    bytebuf_free(&names);
    /* Clients left without any subscription leave the pub/sub state. */
    for (size_t i = 0; i < t.n; i++)
        update_client_state(t.v[i]);
    targets_flush(&t);
}

/* ---- counts -------------------------------------------------------------------------- */

int pubsub_client_channels(const struct client *c) { return kind_count(c, PS_CHANNEL); }
int pubsub_client_patterns(const struct client *c) { return kind_count(c, PS_PATTERN); }
int pubsub_client_shard_channels(const struct client *c) { return kind_count(c, PS_SHARD); }

long long pubsub_channel_count(void) { return by_client ? (long long)dict_size(server_names[PS_CHANNEL]) : 0; }
long long pubsub_pattern_count(void) { return by_client ? (long long)dict_size(server_names[PS_PATTERN]) : 0; }
long long pubsub_shard_channel_count(void) { return by_client ? (long long)dict_size(server_names[PS_SHARD]) : 0; }

/* ---- commands ------------------------------------------------------------------------ */

/* The connection that (un)subscribes, or NULL after an error reply (no connection: the
 * FSM's apply has none). */
static client *subscriber_of(exec_ctx *c)
{
    if (!c->client) {
        resp_write_error(c->w, "ERR pub/sub needs a client connection");
        return NULL;
    }
    ensure_init();
    return c->client;
}

static void subscribe_cmd(exec_ctx *c, int kind)
{
    client *cl = subscriber_of(c);
    if (!cl)
        return;
    for (int i = 1; i < c->argc; i++) {
        subscribe_one(cl, kind, c->argv[i].ptr, c->argv[i].len);
        write_confirm(c->w, subscribe_word[kind], c->argv[i].ptr, c->argv[i].len, confirm_count(cl, kind));
    }
    update_client_state(cl);
}

static void unsubscribe_cmd(exec_ctx *c, int kind)
{
    client *cl = subscriber_of(c);
    if (!cl)
        return;
    if (c->argc == 1) {
        unsubscribe_kind(cl, kind, c->w);
    } else {
        for (int i = 1; i < c->argc; i++) {
            unsubscribe_one(cl, kind, c->argv[i].ptr, c->argv[i].len);
            write_confirm(c->w, unsubscribe_word[kind], c->argv[i].ptr, c->argv[i].len,
                          confirm_count(cl, kind));
        }
    }
    update_client_state(cl);
}

void cmd_subscribe(exec_ctx *c) { subscribe_cmd(c, PS_CHANNEL); }
void cmd_psubscribe(exec_ctx *c) { subscribe_cmd(c, PS_PATTERN); }
void cmd_ssubscribe(exec_ctx *c) { subscribe_cmd(c, PS_SHARD); }
void cmd_unsubscribe(exec_ctx *c) { unsubscribe_cmd(c, PS_CHANNEL); }
void cmd_punsubscribe(exec_ctx *c) { unsubscribe_cmd(c, PS_PATTERN); }
void cmd_sunsubscribe(exec_ctx *c) { unsubscribe_cmd(c, PS_SHARD); }

/* PUBLISH reaches this node's subscribers now and the other nodes' through the peer
 * links; the reply counts the receivers on this node only, as in Redis Cluster. */
void cmd_publish(exec_ctx *c)
{
    const rd_arg *ch = &c->argv[1], *msg = &c->argv[2];
    long long n = pubsub_deliver(ch->ptr, ch->len, msg->ptr, msg->len, 0);
    peer_links_publish(ch->ptr, ch->len, msg->ptr, msg->len, 0);
    resp_write_int(c->w, n);
}

/* SPUBLISH: this node's shard-channel subscribers, then the other members of the shard. */
void cmd_spublish(exec_ctx *c)
{
    const rd_arg *ch = &c->argv[1], *msg = &c->argv[2];
    long long n = pubsub_deliver(ch->ptr, ch->len, msg->ptr, msg->len, 1);
    peer_links_publish(ch->ptr, ch->len, msg->ptr, msg->len, 1);
    resp_write_int(c->w, n);
}

/* PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
static void list_names(exec_ctx *c, int kind)
{
    if (c->argc > 3) {
        reply_subcommand_syntax_error(c);
        return;
    }
    ensure_init();
    const char *pat = c->argc == 3 ? c->argv[2].ptr : NULL;
    size_t plen = c->argc == 3 ? c->argv[2].len : 0;
    dict *d = server_names[kind];
    long long n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            resp_write_array_len(c->w, n);
        for (size_t pos = 0; pos < d->used; pos++) {
            dict_entry *e = dict_at(d, pos);
            if (!e || (pat && !rd_glob_match(pat, plen, dict_key(e), e->klen, 0)))
                continue;
            if (pass == 0)
                n++;
            else
                resp_write_bulk(c->w, dict_key(e), e->klen);
        }
    }
}

/* PUBSUB NUMSUB / SHARDNUMSUB [name ...]: a flat array of name, count. */
static void count_subscribers(exec_ctx *c, int kind)
{
    ensure_init();
    resp_write_array_len(c->w, (long long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        dict_entry *e = dict_find(server_names[kind], c->argv[i].ptr, c->argv[i].len, NULL);
        resp_write_bulk(c->w, c->argv[i].ptr, c->argv[i].len);
        resp_write_int(c->w, e ? (long long)dict_size((dict *)entry_ptr(e)) : 0);
    }
}

void cmd_pubsub_channels(exec_ctx *c) { list_names(c, PS_CHANNEL); }
void cmd_pubsub_shardchannels(exec_ctx *c) { list_names(c, PS_SHARD); }
void cmd_pubsub_numsub(exec_ctx *c) { count_subscribers(c, PS_CHANNEL); }
void cmd_pubsub_shardnumsub(exec_ctx *c) { count_subscribers(c, PS_SHARD); }

void cmd_pubsub_numpat(exec_ctx *c)
{
    resp_write_int(c->w, pubsub_pattern_count());
}

void cmd_pubsub_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL,
    };
    reply_help(c, lines);
}
