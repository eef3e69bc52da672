/* slots: the cluster-mode slot router (slots.h) -- Redis 7's getNodeByQuery() over the
 * pushed topology and this node's Raft shard, plus the (empty for now) table of slots
 * being migrated. */
#include "slots.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "commands.h"
#include "keyslot.h"
#include "keyspace.h"
#include "members.h"
#include "mem.h"
#include "pubsub.h"
#include "raft_node.h"
#include "server.h"
#include "topology_store.h"

#define ERR_CROSSSLOT "CROSSSLOT Keys in request don't hash to the same slot"
#define ERR_UNBOUND "CLUSTERDOWN Hash slot not served"
#define ERR_DOWN "CLUSTERDOWN The cluster is down"
#define ERR_TRYAGAIN "TRYAGAIN Multiple keys request during rehashing of slot"
#define KEYS_ON_STACK 32

/* The error text slots_check returns when it has to be built ("MOVED 1 host:port"). */
static char errbuf[32 + TOPOLOGY_HOST_MAX + 16];

/* ---- which slots this node's shard serves ----------------------------------------------- */

/* What the router last saw of the topology: slots_check compares it with the store's
 * current one (cheap), so a change is noticed even before slots_topology_changed() runs.
 * `owned` is what this shard served then, to tell which slots were lost. */
static struct {
    int seen;               /* a topology state was recorded */
    const topology *t;      /* NULL: none pushed (every slot is ours) */
    uint64_t epoch;
    int my_shard;           /* topology_store_my_shard() at that time */
    unsigned char owned[CLUSTER_SLOTS / 8];
} cur;

static int bit(const unsigned char *map, unsigned slot)
{
    return (map[slot >> 3] >> (slot & 7)) & 1;
}

void slots_topology_changed(void)
{
    const topology *t = topology_store_get();
    int my = t ? topology_store_my_shard() : -1;
    unsigned char now[CLUSTER_SLOTS / 8];
    memset(now, 0, sizeof now);
    for (unsigned slot = 0; slot < CLUSTER_SLOTS; slot++)
        if (!t || (my >= 0 && t->slot_owner[slot] == my))
            now[slot >> 3] |= (unsigned char)(1u << (slot & 7));
    /* Before the first look this node served every slot (no topology): a topology
     * loaded at start-up may drop some, with nobody subscribed yet -- harmless. */
    if (!cur.seen)
        memset(cur.owned, 0xff, sizeof cur.owned);
    for (unsigned slot = 0; slot < CLUSTER_SLOTS; slot++)
        if (bit(cur.owned, slot) && !bit(now, slot))
            pubsub_slot_lost(slot);
    memcpy(cur.owned, now, sizeof now);
    cur.t = t;
    cur.epoch = t ? t->epoch : 0;
    cur.my_shard = my;
    cur.seen = 1;
}

/* Makes `cur` match the store's topology (a new one is a change), and this node's place
 * in it: that is only known once Raft has given the node its id, possibly after the
 * topology was loaded at start-up. */
static void refresh(void)
{
    const topology *t = topology_store_get();
    if (!cur.seen || t != cur.t || (t && (t->epoch != cur.epoch || topology_store_my_shard() != cur.my_shard)))
        slots_topology_changed();
}

int slots_owned_here(unsigned slot)
{
    if (slot >= CLUSTER_SLOTS)
        return 0;
    refresh();
    return bit(cur.owned, slot);
}

/* ---- migration states ---------------------------------------------------------------------- */

/* mig_state[slot] is SLOT_*; mig_peer[slot] indexes peers[] (the other shard's id). Peer
 * ids are kept until slots_clear_migrations(); there are at most as many as shards. */
static unsigned char mig_state[CLUSTER_SLOTS];
static uint16_t mig_peer[CLUSTER_SLOTS];
static int mig_count;                          /* slots not SLOT_STABLE */
static char (*peers)[TOPOLOGY_ID_LEN + 1];     /* owned */
static int peer_count;

static int valid_shard_id(const char *id)
{
    if (!id || strlen(id) != TOPOLOGY_ID_LEN)
        return 0;
    for (int i = 0; i < TOPOLOGY_ID_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}

int slots_set_migration(unsigned slot, int state, const char *peer_shard_id)
{
    if (slot >= CLUSTER_SLOTS || (state != SLOT_STABLE && state != SLOT_MIGRATING && state != SLOT_IMPORTING))
        return -1;
    if (state == SLOT_STABLE) {
        if (mig_state[slot] != SLOT_STABLE)
            mig_count--;
        mig_state[slot] = SLOT_STABLE;
        return 0;
    }
    if (!valid_shard_id(peer_shard_id))
        return -1;
    int p = 0;
    while (p < peer_count && strcmp(peers[p], peer_shard_id) != 0)
        p++;
    if (p == peer_count) {
        if (peer_count >= TOPOLOGY_MAX_SHARDS)
            return -1;
        peers = rd_realloc(peers, (size_t)(peer_count + 1) * sizeof *peers);
        memcpy(peers[peer_count], peer_shard_id, TOPOLOGY_ID_LEN + 1);
        peer_count++;
    }
    if (mig_state[slot] == SLOT_STABLE)
        mig_count++;
    mig_state[slot] = (unsigned char)state;
    mig_peer[slot] = (uint16_t)p;
    return 0;
}

int slots_migration(unsigned slot, const char **peer)
{
    if (slot >= CLUSTER_SLOTS || mig_state[slot] == SLOT_STABLE)
        return SLOT_STABLE;
    if (peer)
        *peer = peers[mig_peer[slot]];
    return mig_state[slot];
}

void slots_clear_migrations(void)
{
    memset(mig_state, 0, sizeof mig_state);
    mig_count = 0;
    rd_free(peers);
    peers = NULL;
    peer_count = 0;
}

/* ---- routing ------------------------------------------------------------------------------ */

static const char *redirect(const char *kind, unsigned slot, const char *host, int port)
{
    snprintf(errbuf, sizeof errbuf, "%s %u %s:%d", kind, slot, host, port);
    return errbuf;
}

/* Sharded pub/sub (Redis's is_pubsubshard): served on replicas, keys never looked up. */
static int is_pubsubshard(const command *cmd)
{
    return !cmd->parent && cmd->name[0] == 's' &&
           (strcmp(cmd->name, "spublish") == 0 || strcmp(cmd->name, "ssubscribe") == 0 ||
            strcmp(cmd->name, "sunsubscribe") == 0);
}

static int same_arg(const rd_arg *a, const rd_arg *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* The shard owning slot: an index into the topology, -1 for none. With no topology this
 * node's shard (reported as cur.my_shard == -1 too) owns everything, told by *mine. */
static int slot_owner(unsigned slot, int *mine)
{
    if (!cur.t) {
        *mine = 1;
        return -1;
    }
    int owner = cur.t->slot_owner[slot];
    *mine = owner != TOPOLOGY_NO_SHARD && owner == cur.my_shard;
    return owner == TOPOLOGY_NO_SHARD ? -1 : owner;
}

static int is_me(const char *node_id)
{
    const char *me = raft_node_node_id();
    return me && me[0] && strcmp(node_id, me) == 0;
}

/* The leader of another shard as the topology store knows it: -MOVED/-ASK there. Never
 * to this node itself (a leader the topology does not list in that shard yet): it then
 * serves the slot if it does lead. */
static const char *to_shard(const char *kind, unsigned slot, int shard)
{
    const topology_node *l = shard >= 0 ? topology_store_leader(shard) : NULL;
    if (!l || !l->host[0] || l->port <= 0)
        return ERR_DOWN;
    if (is_me(l->id))
        return raft_node_is_leader() ? NULL : ERR_DOWN;
    return redirect(kind, slot, l->host, l->port);
}

/* The slot belongs to this node's shard: the leader serves it; a follower serves reads
 * of a READONLY connection and sharded pub/sub, and sends the rest to its leader
 * (`kind` MOVED, or ASK when the command was let in by ASKING on an importing slot). */
static const char *own_shard(const client *c, const command *cmd, unsigned slot, int pubsubshard,
                             const char *kind)
{
    if (!raft_node_raft() || raft_node_is_leader())
        return NULL;
    int access = command_access_of(cmd);
    int is_write = access == COMMAND_WRITE, is_read = access == COMMAND_READ;
    /* Not (or no longer) in a configuration: nothing here is current. */
    if (raft_node_state() == RAFT_NODE_UNAVAILABLE && (is_write || is_read))
        return ERR_DOWN;
    if (!is_write && ((c->flags & CLIENT_READONLY) || pubsubshard))
        return NULL;
    /* The leader's address: the replicated member table (live), else the topology. A
     * leader that is this node but not yet serving counts as none. */
    const member *m = raft_node_leader_member();
    if (m && m->raft_id != raft_node_id() && m->host[0] && m->port > 0)
        return redirect(kind, slot, m->host, m->port);
    if (cur.t && cur.my_shard >= 0) {
        const topology_node *l = topology_store_leader(cur.my_shard);
        if (l && l->host[0] && l->port > 0 && !is_me(l->id))
            return redirect(kind, slot, l->host, l->port);
    }
    return ERR_DOWN;
}

/* A key of the command exists in db 0 (migration checks only). */
static int key_present(server *s, const rd_arg *key)
{
    exec_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.srv = s;
    ctx.db = &s->dbs[0];
    ctx.now_ms = server_loop_wall_ms(s);
    return keyspace_peek(&ctx, key->ptr, key->len) != NULL;
}

/* getNodeByQuery for one command whose key positions are keys[0..n). */
static const char *route(server *s, const client *c, const command *cmd, const rd_arg *argv, const int *keys,
                         int n)
{
    int pubsubshard = is_pubsubshard(cmd);
    const rd_arg *first = NULL;
    unsigned slot = 0;
    int owner = -1, mine = 0, migrating = 0, importing = 0, multiple = 0, missing = 0, present = 0;
    for (int j = 0; j < n; j++) {
        const rd_arg *k = &argv[keys[j]];
        unsigned ks = keyslot(k->ptr, k->len);
        if (!first) {
            first = k;
            slot = ks;
            owner = slot_owner(slot, &mine);
            if (!mine && owner < 0)
                return ERR_UNBOUND;
            if (mig_count > 0) {
                if (mine && mig_state[slot] == SLOT_MIGRATING)
                    migrating = 1;
                else if (mig_state[slot] == SLOT_IMPORTING)
                    importing = 1;
            }
        } else if (!same_arg(first, k)) {
            if (ks != slot)
                return ERR_CROSSSLOT;
            multiple = 1;
        }
        /* Channels of sharded pub/sub stay served by the source until the handover. */
        if ((migrating || importing) && !pubsubshard) {
            if (key_present(s, k))
                present++;
            else
                missing++;
        }
    }
    if (!first)
        return NULL; /* no key given (e.g. a bad numkeys): the command answers itself */

    if (migrating && missing) {
        if (present)
            return ERR_TRYAGAIN; /* some keys already moved: the client retries */
        return to_shard("ASK", slot, cur.t ? topology_find_shard(cur.t, peers[mig_peer[slot]]) : -1);
    }
    if (importing && (c->flags & CLIENT_ASKING)) {
        if (multiple && missing)
            return ERR_TRYAGAIN;
        return own_shard(c, cmd, slot, pubsubshard, "ASK");
    }
    if (!mine)
        return to_shard("MOVED", slot, owner);
    return own_shard(c, cmd, slot, pubsubshard, "MOVED");
}

const char *slots_check(server *s, client *c, const command *cmd, int argc, const rd_arg *argv)
{
    if (!s->cfg.cluster_enabled || (cmd->first_key <= 0 && cmd->numkeys_at <= 0))
        return NULL; /* Redis skips commands without key specs entirely */
    refresh();
    int stack_keys[KEYS_ON_STACK];
    int *keys = argc <= KEYS_ON_STACK ? stack_keys : rd_malloc((size_t)argc * sizeof *keys);
    int n = command_get_keys(cmd, argv, argc, keys, argc);
    const char *why = route(s, c, cmd, argv, keys, n);
    if (keys != stack_keys)
        rd_free(keys);
    return why;
}

void slots_command_done(client *c, const command *cmd)
{
    if (!cmd || cmd->proc != cmd_asking)
        c->flags &= ~(uint32_t)CLIENT_ASKING;
}
