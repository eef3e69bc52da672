/* topology_store: the pushed topology, its file, and per-shard leader knowledge
 * (topology_store.h).
 *
 * The file is the canonical encoding itself (proto/topology.h), so what GETTOPOLOGY
 * returns, what is on disk and what the sentinel sent are the same bytes, and an
 * idempotent push is a byte comparison. It lives in the data dir, which is the process's
 * working directory (main.c chdir'd there), hence the relative paths.
 *
 * Leader knowledge is kept per shard index of the current topology and carried over to
 * a new topology by shard id when that shard's node set is unchanged (a moved slot range
 * does not change who leads); otherwise it is forgotten, and the shard's announcements
 * (repeated every 500 ms by its leader, peer_links.h) fill it in again.
 *
 * After a new topology is installed, peer_links (links to open/close) and slots (shard
 * channels of lost slots) are told; both also read the store lazily, so the file loaded
 * at start needs no notification. */
#include "topology_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "mem.h"
#include "members.h"
#include "peer_links.h"
#include "raft_node.h"
#include "server.h"
#include "slots.h"

#define TOPOLOGY_FILE "topology"

typedef struct leader_info {
    int known;
    uint64_t term;
    char node_id[TOPOLOGY_ID_LEN + 1];
} leader_info;

static struct {
    int have;              /* a topology was pushed (or loaded) */
    topology t;
    bytebuf text;          /* its canonical encoding */
    leader_info *leaders;  /* one per shard of t */
    /* my_shard cache: valid while the topology and this node's id stay the same */
    int my_shard_valid;
    int my_shard;
    char my_id[TOPOLOGY_ID_LEN + 1];
    topology_node member_leader; /* topology_store_leader()'s answer built from members.h */
} S;

static int same_node_set(const topology_shard *a, const topology_shard *b)
{
    if (a->node_count != b->node_count)
        return 0;
    for (int i = 0; i < a->node_count; i++) {
        int found = 0;
        for (int j = 0; j < b->node_count && !found; j++)
            found = strcmp(a->nodes[i].id, b->nodes[j].id) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

/* Makes nt (decoded, owned) the current topology; takes ownership of nt and text. */
static void install(topology *nt, bytebuf *text)
{
    leader_info *nl = NULL;
    if (nt->shard_count > 0)
        nl = rd_calloc((size_t)nt->shard_count, sizeof *nl);
    for (int i = 0; i < nt->shard_count && S.have; i++) {
        int old = topology_find_shard(&S.t, nt->shards[i].id);
        if (old >= 0 && same_node_set(&S.t.shards[old], &nt->shards[i]))
            nl[i] = S.leaders[old];
    }
    if (S.have) {
        topology_free(&S.t);
        bytebuf_free(&S.text);
    }
    rd_free(S.leaders);
    S.t = *nt; /* the arrays move over: nt must not be freed by the caller */
    S.text = *text;
    bytebuf_init(text);
    S.leaders = nl;
    S.have = 1;
    S.my_shard_valid = 0;
}

void topology_store_load(struct server *s)
{
    (void)s;
    FILE *fp = fopen(TOPOLOGY_FILE, "rb");
    if (!fp) {
        if (errno != ENOENT)
            server_log(LL_WARNING, "Can't read the topology file '%s': %s (ignored)", TOPOLOGY_FILE,
                       strerror(errno));
        return;
    }
    bytebuf b;
    bytebuf_init(&b);
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        bytebuf_append(&b, chunk, n);
    int rerr = ferror(fp);
    fclose(fp);
    if (rerr) {
        server_log(LL_WARNING, "Error reading the topology file '%s' (ignored)", TOPOLOGY_FILE);
        bytebuf_free(&b);
        return;
    }
    topology *nt = rd_malloc(sizeof *nt); /* 32 KB of slot table: not on the stack */
    char err[256];
    if (topology_decode(nt, b.data ? b.data : "", b.len, err, sizeof err) != 0) {
        server_log(LL_WARNING, "Ignoring the corrupt topology file '%s': %s", TOPOLOGY_FILE, err);
        rd_free(nt);
        bytebuf_free(&b);
        return;
    }
    /* keep the canonical form (the file always holds it, unless edited by hand) */
    bytebuf_clear(&b);
    topology_encode(nt, &b);
    install(nt, &b);
    rd_free(nt);
    server_log(LL_NOTICE, "Topology loaded: epoch %llu, %d shard(s)", (unsigned long long)S.t.epoch,
               S.t.shard_count);
}

const topology *topology_store_get(void)
{
    return S.have ? &S.t : NULL;
}

int topology_store_set(struct server *s, const char *text, size_t len, char *err, size_t errlen)
{
    (void)s;
    topology *nt = rd_malloc(sizeof *nt);
    char reason[256];
    if (topology_decode(nt, text, len, reason, sizeof reason) != 0) {
        snprintf(err, errlen, "ERR invalid topology: %s", reason);
        rd_free(nt);
        return -1;
    }
    bytebuf enc;
    bytebuf_init(&enc);
    topology_encode(nt, &enc);
    int rc = 0;
    if (S.have && nt->epoch <= S.t.epoch) {
        if (nt->epoch == S.t.epoch && enc.len == S.text.len &&
            memcmp(enc.data, S.text.data, enc.len) == 0) {
            rc = 0; /* the same push again */
        } else if (nt->epoch == S.t.epoch) {
            snprintf(err, errlen,
                     "ERR stale topology: epoch %llu is not newer than %llu (and differs from it)",
                     (unsigned long long)nt->epoch, (unsigned long long)S.t.epoch);
            rc = -1;
        } else {
            snprintf(err, errlen, "ERR stale topology: epoch %llu is not newer than %llu",
                     (unsigned long long)nt->epoch, (unsigned long long)S.t.epoch);
            rc = -1;
        }
        topology_free(nt);
        rd_free(nt);
        bytebuf_free(&enc);
        return rc;
    }
    if (fs_write_file_atomic(TOPOLOGY_FILE, enc.data, enc.len, 0644) != 0) {
        snprintf(err, errlen, "ERR failed to persist the topology: %s", strerror(errno));
        server_log(LL_WARNING, "Failed to write the topology file: %s", strerror(errno));
        topology_free(nt);
        rd_free(nt);
        bytebuf_free(&enc);
        return -1;
    }
    install(nt, &enc);
    rd_free(nt);
    server_log(LL_NOTICE, "Topology epoch %llu accepted: %d shard(s)", (unsigned long long)S.t.epoch,
               S.t.shard_count);
    peer_links_topology_changed();
    slots_topology_changed();
    return 0;
}

/* The current canonical encoding (NULL when none), for CLUSTER GETTOPOLOGY. */
const char *topology_store_text(size_t *len)
{
    if (!S.have) {
        *len = 0;
        return NULL;
    }
    *len = S.text.len;
    return S.text.data;
}

int topology_store_my_shard(void)
{
    if (!S.have)
        return -1;
    const char *me = raft_node_node_id();
    if (!me || !me[0])
        return -1; /* identity not known yet (before Raft starts) */
    if (S.my_shard_valid && strcmp(S.my_id, me) == 0)
        return S.my_shard;
    int idx = -1;
    topology_find_node(&S.t, me, &idx);
    snprintf(S.my_id, sizeof S.my_id, "%s", me);
    S.my_shard = idx;
    S.my_shard_valid = 1;
    return idx;
}

int topology_store_note_leader(int shard_index, const char *node_id, uint64_t term)
{
    if (!S.have || shard_index < 0 || shard_index >= S.t.shard_count || !node_id)
        return 0;
    /* an announcement from a node the topology does not place in that shard is ignored:
     * topology_store_leader() could not use it anyway */
    int where = -1;
    if (!topology_find_node(&S.t, node_id, &where) || where != shard_index)
        return 0;
    leader_info *li = &S.leaders[shard_index];
    if (li->known && term < li->term)
        return 0;
    int changed = !li->known || term != li->term || strcmp(li->node_id, node_id) != 0;
    li->known = 1;
    li->term = term;
    snprintf(li->node_id, sizeof li->node_id, "%s", node_id);
    return changed;
}

const topology_node *topology_store_leader(int shard_index)
{
    if (!S.have || shard_index < 0 || shard_index >= S.t.shard_count)
        return NULL;
    const topology_shard *sh = &S.t.shards[shard_index];
    if (shard_index == topology_store_my_shard()) {
        const member *m = raft_node_leader_member();
        if (!m)
            return NULL;
        const topology_node *n = topology_find_node(&S.t, m->node_id, NULL);
        if (n)
            return n;
        /* a leader the topology does not list yet: describe it from its member record */
        topology_node *ml = &S.member_leader;
        memset(ml, 0, sizeof *ml);
        snprintf(ml->id, sizeof ml->id, "%s", m->node_id);
        ml->raft_id = m->raft_id;
        snprintf(ml->host, sizeof ml->host, "%s", m->host);
        ml->port = m->port;
        ml->bus_port = m->bus_port;
        return ml;
    }
    const leader_info *li = &S.leaders[shard_index];
    if (li->known) {
        for (int i = 0; i < sh->node_count; i++)
            if (strcmp(sh->nodes[i].id, li->node_id) == 0)
                return &sh->nodes[i];
    }
    return sh->node_count > 0 ? &sh->nodes[0] : NULL;
}
