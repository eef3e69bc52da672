/* topology: the cluster map value, its checks and its text encoding (topology.h).
 *
 * One validator (validate()) backs both topology_finish() and topology_decode(), so a
 * hand-built topology is accepted exactly when its encoding decodes. The decoder adds
 * line-numbered syntax errors on top and detects slot overlaps while parsing (through
 * slot_owner), which also bounds its memory: no more than CLUSTER_SLOTS ranges can be
 * held before an overlap stops it. Pure C, no libuv: the fuzz target links it alone. */
#include "topology.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define HEADER_WORD "redraft-topology"

void topology_init(topology *t)
{
    t->epoch = 0;
    t->shards = NULL;
    t->shard_count = 0;
    t->shard_cap = 0;
    for (int i = 0; i < CLUSTER_SLOTS; i++)
        t->slot_owner[i] = TOPOLOGY_NO_SHARD;
}

void topology_free(topology *t)
{
    for (int i = 0; i < t->shard_count; i++) {
        rd_free(t->shards[i].ranges);
        rd_free(t->shards[i].nodes);
    }
    rd_free(t->shards);
    topology_init(t);
}

int topology_copy(topology *dst, const topology *src)
{
    /* rd_malloc aborts on OOM, so this cannot fail today; the -1 is kept for callers. */
    *dst = *src; /* epoch, counts, slot_owner */
    dst->shards = NULL;
    dst->shard_cap = src->shard_count;
    if (src->shard_count > 0)
        dst->shards = rd_calloc((size_t)src->shard_count, sizeof *dst->shards);
    for (int i = 0; i < src->shard_count; i++) {
        const topology_shard *s = &src->shards[i];
        topology_shard *d = &dst->shards[i];
        *d = *s;
        d->ranges = NULL;
        d->nodes = NULL;
        d->range_cap = s->range_count;
        d->node_cap = s->node_count;
        if (s->range_count > 0) {
            d->ranges = rd_malloc((size_t)s->range_count * sizeof *d->ranges);
            memcpy(d->ranges, s->ranges, (size_t)s->range_count * sizeof *d->ranges);
        }
        if (s->node_count > 0) {
            d->nodes = rd_malloc((size_t)s->node_count * sizeof *d->nodes);
            memcpy(d->nodes, s->nodes, (size_t)s->node_count * sizeof *d->nodes);
        }
    }
    return 0;
}

/* ---- building ------------------------------------------------------------------------ */

static int grow(void **arr, int *cap, int count, size_t elem)
{
    if (count < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 4;
    *arr = rd_realloc(*arr, (size_t)ncap * elem);
    *cap = ncap;
    return 0;
}

topology_shard *topology_add_shard(topology *t, const char *id)
{
    if (t->shard_count >= TOPOLOGY_MAX_SHARDS || !id || strlen(id) != TOPOLOGY_ID_LEN)
        return NULL;
    grow((void **)&t->shards, &t->shard_cap, t->shard_count, sizeof *t->shards);
    topology_shard *sh = &t->shards[t->shard_count++];
    memset(sh, 0, sizeof *sh);
    memcpy(sh->id, id, TOPOLOGY_ID_LEN + 1);
    return sh;
}

topology_node *topology_shard_add_node(topology_shard *sh, const char *id, uint64_t raft_id,
                                       const char *host, int port, int bus_port)
{
    if (sh->node_count >= TOPOLOGY_MAX_NODES_PER_SHARD || !id || strlen(id) != TOPOLOGY_ID_LEN ||
        !host || strlen(host) > TOPOLOGY_HOST_MAX)
        return NULL;
    grow((void **)&sh->nodes, &sh->node_cap, sh->node_count, sizeof *sh->nodes);
    topology_node *n = &sh->nodes[sh->node_count++];
    memset(n, 0, sizeof *n);
    memcpy(n->id, id, TOPOLOGY_ID_LEN + 1);
    n->raft_id = raft_id;
    memcpy(n->host, host, strlen(host) + 1);
    n->port = port;
    n->bus_port = bus_port;
    return n;
}

int topology_shard_add_range(topology_shard *sh, int start, int end)
{
    if (sh->range_count >= CLUSTER_SLOTS)
        return -1;
    grow((void **)&sh->ranges, &sh->range_cap, sh->range_count, sizeof *sh->ranges);
    sh->ranges[sh->range_count].start = start;
    sh->ranges[sh->range_count].end = end;
    sh->range_count++;
    return 0;
}

/* ---- validation ---------------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int valid_id(const char *p, size_t n)
{
    if (n != TOPOLOGY_ID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

static int valid_host(const char *p, size_t n)
{
    if (n < 1 || n > TOPOLOGY_HOST_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
            return 0;
    return 1;
}

static int valid_port(int p)
{
    return p >= 1 && p <= 65535;
}

static int cmp_range(const void *a, const void *b)
{
    const topology_range *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static int cmp_id_ptr(const void *a, const void *b)
{
    return memcmp(*(const char *const *)a, *(const char *const *)b, TOPOLOGY_ID_LEN);
}

/* Sorted, merged ranges; they must not overlap (checked by the caller via slot_owner). */
static void merge_ranges(topology_shard *sh)
{
    if (sh->range_count < 2)
        return;
    qsort(sh->ranges, (size_t)sh->range_count, sizeof *sh->ranges, cmp_range);
    int w = 0;
    for (int i = 1; i < sh->range_count; i++) {
        if (sh->ranges[i].start == sh->ranges[w].end + 1)
            sh->ranges[w].end = sh->ranges[i].end;
        else
            sh->ranges[++w] = sh->ranges[i];
    }
    sh->range_count = w + 1;
}

/* Finds a duplicate among n 40-byte ids (sorting pointers: n can reach 65536 nodes). */
static const char *find_duplicate(const char **ids, int n)
{
    if (n < 2)
        return NULL;
    qsort(ids, (size_t)n, sizeof *ids, cmp_id_ptr);
    for (int i = 1; i < n; i++)
        if (memcmp(ids[i - 1], ids[i], TOPOLOGY_ID_LEN) == 0)
            return ids[i];
    return NULL;
}

/* Every semantic check; on success ranges are merged and slot_owner filled. */
static int validate(topology *t, char *err, size_t errlen)
{
    for (int i = 0; i < CLUSTER_SLOTS; i++)
        t->slot_owner[i] = TOPOLOGY_NO_SHARD;
    if (t->shard_count > TOPOLOGY_MAX_SHARDS) {
        set_err(err, errlen, "too many shards (at most %d)", TOPOLOGY_MAX_SHARDS);
        return -1;
    }
    int total_nodes = 0;
    for (int i = 0; i < t->shard_count; i++) {
        topology_shard *sh = &t->shards[i];
        if (!valid_id(sh->id, strlen(sh->id))) {
            set_err(err, errlen, "bad shard id (40 lower-case hex characters expected)");
            return -1;
        }
        if (sh->node_count < 1) {
            set_err(err, errlen, "shard %s has no nodes", sh->id);
            return -1;
        }
        if (sh->node_count > TOPOLOGY_MAX_NODES_PER_SHARD) {
            set_err(err, errlen, "shard %s has too many nodes (at most %d)", sh->id,
                    TOPOLOGY_MAX_NODES_PER_SHARD);
            return -1;
        }
        for (int j = 0; j < sh->node_count; j++) {
            const topology_node *n = &sh->nodes[j];
            if (!valid_id(n->id, strnlen(n->id, sizeof n->id))) {
                set_err(err, errlen, "bad node id in shard %s (40 lower-case hex characters expected)",
                        sh->id);
                return -1;
            }
            if (n->raft_id == 0) {
                set_err(err, errlen, "node %s: raft id must not be 0", n->id);
                return -1;
            }
            if (!valid_host(n->host, strnlen(n->host, sizeof n->host))) {
                set_err(err, errlen, "node %s: bad host", n->id);
                return -1;
            }
            if (!valid_port(n->port) || !valid_port(n->bus_port)) {
                set_err(err, errlen, "node %s: bad port (1..65535 expected)", n->id);
                return -1;
            }
            for (int k = 0; k < j; k++)
                if (sh->nodes[k].raft_id == n->raft_id) {
                    set_err(err, errlen, "duplicate raft id %llu in shard %s",
                            (unsigned long long)n->raft_id, sh->id);
                    return -1;
                }
        }
        total_nodes += sh->node_count;
        for (int r = 0; r < sh->range_count; r++) {
            const topology_range *rg = &sh->ranges[r];
            if (rg->start < 0 || rg->end >= CLUSTER_SLOTS || rg->start > rg->end) {
                set_err(err, errlen, "shard %s: bad slot range %d-%d", sh->id, rg->start, rg->end);
                return -1;
            }
            for (int s = rg->start; s <= rg->end; s++) {
                if (t->slot_owner[s] != TOPOLOGY_NO_SHARD) {
                    set_err(err, errlen, "slot %d is assigned twice (shard %s)", s,
                            t->shards[t->slot_owner[s]].id);
                    return -1;
                }
                t->slot_owner[s] = (int16_t)i;
            }
        }
    }

    const char **ids = rd_malloc((size_t)(t->shard_count + total_nodes + 1) * sizeof *ids);
    for (int i = 0; i < t->shard_count; i++)
        ids[i] = t->shards[i].id;
    const char *dup = find_duplicate(ids, t->shard_count);
    if (dup) {
        set_err(err, errlen, "duplicate shard id %.40s", dup);
        rd_free(ids);
        return -1;
    }
    int n = 0;
    for (int i = 0; i < t->shard_count; i++)
        for (int j = 0; j < t->shards[i].node_count; j++)
            ids[n++] = t->shards[i].nodes[j].id;
    dup = find_duplicate(ids, n);
    rd_free(ids);
    if (dup) {
        set_err(err, errlen, "duplicate node id %.40s", dup);
        return -1;
    }
    for (int i = 0; i < t->shard_count; i++)
        merge_ranges(&t->shards[i]);
    return 0;
}

int topology_finish(topology *t, char *err, size_t errlen)
{
    return validate(t, err, errlen);
}

/* ---- encoding ------------------------------------------------------------------------ */

void topology_encode(const topology *t, bytebuf *out)
{
    bytebuf_appendf(out, HEADER_WORD " %d\nepoch %llu\n", TOPOLOGY_VERSION,
                    (unsigned long long)t->epoch);
    for (int i = 0; i < t->shard_count; i++) {
        const topology_shard *sh = &t->shards[i];
        bytebuf_appendf(out, "shard %s ", sh->id);
        if (sh->range_count == 0)
            bytebuf_append_char(out, '-');
        for (int r = 0; r < sh->range_count; r++) {
            if (r)
                bytebuf_append_char(out, ',');
            if (sh->ranges[r].start == sh->ranges[r].end)
                bytebuf_appendf(out, "%d", sh->ranges[r].start);
            else
                bytebuf_appendf(out, "%d-%d", sh->ranges[r].start, sh->ranges[r].end);
        }
        bytebuf_append_char(out, '\n');
        for (int j = 0; j < sh->node_count; j++) {
            const topology_node *n = &sh->nodes[j];
            bytebuf_appendf(out, "node %s %llu %s %d %d\n", n->id, (unsigned long long)n->raft_id,
                            n->host, n->port, n->bus_port);
        }
    }
}

/* ---- decoding ------------------------------------------------------------------------ */

typedef struct tok {
    const char *p;
    size_t n;
} tok;

#define MAX_FIELDS 7 /* one more than the longest record, to detect extra fields */

/* Splits a line on single spaces. Returns the field count, or -1 for an empty field
 * (leading/trailing/double space). At most MAX_FIELDS are stored; more are counted. */
static int split(const char *p, size_t n, tok *f)
{
    int count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != ' ')
            continue;
        if (i == start)
            return -1;
        if (count < MAX_FIELDS) {
            f[count].p = p + start;
            f[count].n = i - start;
        }
        count++;
        start = i + 1;
    }
    return count;
}

static int tok_is(tok t, const char *word)
{
    size_t n = strlen(word);
    return t.n == n && memcmp(t.p, word, n) == 0;
}

/* Strict decimal: digits only, no sign, no leading zero (canonical), no overflow. */
static int parse_u64(tok t, uint64_t *out)
{
    if (t.n == 0 || t.n > 20 || (t.n > 1 && t.p[0] == '0'))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return -1;
        unsigned d = (unsigned)(t.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_int_range(tok t, int min, int max, int *out)
{
    uint64_t v;
    if (parse_u64(t, &v) != 0 || v < (uint64_t)min || v > (uint64_t)max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Quotes an input token for an error message: at most 32 bytes, non-printables as '?',
 * so the reason stays one printable line whatever the input. */
static const char *show(tok t, char *buf, size_t cap)
{
    size_t n = t.n > 32 ? 32 : t.n;
    if (n + 4 > cap)
        n = cap - 4;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t.p[i];
        buf[o++] = (c < ' ' || c >= 0x7f) ? '?' : (char)c;
    }
    if (n < t.n) {
        buf[o++] = '.';
        buf[o++] = '.';
        buf[o++] = '.';
    }
    buf[o] = '\0';
    return buf;
}

/* Parses "<ranges>" into sh (index si), claiming slots in t->slot_owner. */
static int parse_ranges(topology *t, int si, tok f, int line, char *err, size_t errlen)
{
    char sbuf[40];
    topology_shard *sh = &t->shards[si];
    if (tok_is(f, "-"))
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= f.n; i++) {
        if (i < f.n && f.p[i] != ',')
            continue;
        tok item = {f.p + start, i - start};
        start = i + 1;
        tok a = item, b = item;
        const char *dash = memchr(item.p, '-', item.n);
        if (dash) {
            a.n = (size_t)(dash - item.p);
            b.p = dash + 1;
            b.n = item.n - a.n - 1;
        }
        int lo, hi;
        if (item.n == 0 || parse_int_range(a, 0, CLUSTER_SLOTS - 1, &lo) != 0 ||
            parse_int_range(b, 0, CLUSTER_SLOTS - 1, &hi) != 0 || lo > hi) {
            set_err(err, errlen, "line %d: bad slot range '%s' (a or a-b within 0-%d expected)",
                    line, show(item, sbuf, sizeof sbuf), CLUSTER_SLOTS - 1);
            return -1;
        }
        for (int s = lo; s <= hi; s++) {
            if (t->slot_owner[s] != TOPOLOGY_NO_SHARD) {
                set_err(err, errlen, "line %d: slot %d is assigned twice (shard %s)", line, s,
                        t->shards[t->slot_owner[s]].id);
                return -1;
            }
            t->slot_owner[s] = (int16_t)si;
        }
        topology_shard_add_range(sh, lo, hi); /* cannot fail: each range claims a new slot */
    }
    return 0;
}

static int decode_lines(topology *t, const char *text, size_t len, char *err, size_t errlen)
{
    char sbuf[40];
    size_t off = 0;
    int line = 0;
    int have_epoch = 0;
    int cur = -1;      /* current shard index */
    int shard_line = 0;
    if (len == 0) {
        set_err(err, errlen, "empty input");
        return -1;
    }
    while (off < len) {
        const char *p = text + off;
        const char *nl = memchr(p, '\n', len - off);
        size_t n = nl ? (size_t)(nl - p) : len - off;
        off += n + (nl ? 1 : 0);
        line++;
        tok f[MAX_FIELDS];
        int nf = split(p, n, f);
        if (nf < 0) {
            set_err(err, errlen, "line %d: %s", line,
                    n == 0 ? "empty line" : "fields must be separated by one space");
            return -1;
        }
        if (line == 1) {
            if (nf != 2 || !tok_is(f[0], HEADER_WORD)) {
                set_err(err, errlen, "line 1: expected '" HEADER_WORD " <version>'");
                return -1;
            }
            if (!tok_is(f[1], "1")) {
                set_err(err, errlen, "unsupported topology version '%s' (this node reads %d)",
                        show(f[1], sbuf, sizeof sbuf), TOPOLOGY_VERSION);
                return -1;
            }
            continue;
        }
        if (line == 2) {
            if (nf != 2 || !tok_is(f[0], "epoch")) {
                set_err(err, errlen, "line 2: expected 'epoch <number>'");
                return -1;
            }
            if (parse_u64(f[1], &t->epoch) != 0) {
                set_err(err, errlen, "line 2: bad epoch '%s'", show(f[1], sbuf, sizeof sbuf));
                return -1;
            }
            have_epoch = 1;
            continue;
        }
        if (tok_is(f[0], "shard")) {
            if (cur >= 0 && t->shards[cur].node_count == 0) {
                set_err(err, errlen, "line %d: shard %s has no nodes", shard_line, t->shards[cur].id);
                return -1;
            }
            if (nf != 3) {
                set_err(err, errlen, "line %d: expected 'shard <id> <ranges>'", line);
                return -1;
            }
            if (!valid_id(f[1].p, f[1].n)) {
                set_err(err, errlen, "line %d: bad shard id '%s' (40 lower-case hex characters expected)",
                        line, show(f[1], sbuf, sizeof sbuf));
                return -1;
            }
            if (t->shard_count >= TOPOLOGY_MAX_SHARDS) {
                set_err(err, errlen, "line %d: too many shards (at most %d)", line, TOPOLOGY_MAX_SHARDS);
                return -1;
            }
            char id[TOPOLOGY_ID_LEN + 1];
            memcpy(id, f[1].p, TOPOLOGY_ID_LEN);
            id[TOPOLOGY_ID_LEN] = '\0';
            topology_add_shard(t, id);
            cur = t->shard_count - 1;
            shard_line = line;
            if (parse_ranges(t, cur, f[2], line, err, errlen) != 0)
                return -1;
        } else if (tok_is(f[0], "node")) {
            if (cur < 0) {
                set_err(err, errlen, "line %d: node record before any shard record", line);
                return -1;
            }
            if (nf != 6) {
                set_err(err, errlen,
                        "line %d: expected 'node <id> <raft id> <host> <port> <bus port>'", line);
                return -1;
            }
            if (!valid_id(f[1].p, f[1].n)) {
                set_err(err, errlen, "line %d: bad node id '%s' (40 lower-case hex characters expected)",
                        line, show(f[1], sbuf, sizeof sbuf));
                return -1;
            }
            uint64_t raft_id;
            if (parse_u64(f[2], &raft_id) != 0 || raft_id == 0) {
                set_err(err, errlen, "line %d: bad raft id '%s'", line, show(f[2], sbuf, sizeof sbuf));
                return -1;
            }
            if (!valid_host(f[3].p, f[3].n)) {
                set_err(err, errlen, "line %d: bad host '%s' (1-%d printable characters expected)",
                        line, show(f[3], sbuf, sizeof sbuf), TOPOLOGY_HOST_MAX);
                return -1;
            }
            int port, bus_port;
            if (parse_int_range(f[4], 1, 65535, &port) != 0) {
                set_err(err, errlen, "line %d: bad port '%s'", line, show(f[4], sbuf, sizeof sbuf));
                return -1;
            }
            if (parse_int_range(f[5], 1, 65535, &bus_port) != 0) {
                set_err(err, errlen, "line %d: bad bus port '%s'", line, show(f[5], sbuf, sizeof sbuf));
                return -1;
            }
            topology_shard *sh = &t->shards[cur];
            if (sh->node_count >= TOPOLOGY_MAX_NODES_PER_SHARD) {
                set_err(err, errlen, "line %d: too many nodes in shard %s (at most %d)", line, sh->id,
                        TOPOLOGY_MAX_NODES_PER_SHARD);
                return -1;
            }
            char id[TOPOLOGY_ID_LEN + 1], host[TOPOLOGY_HOST_MAX + 1];
            memcpy(id, f[1].p, TOPOLOGY_ID_LEN);
            id[TOPOLOGY_ID_LEN] = '\0';
            memcpy(host, f[3].p, f[3].n);
            host[f[3].n] = '\0';
            topology_shard_add_node(sh, id, raft_id, host, port, bus_port);
        } else {
            set_err(err, errlen, "line %d: unknown record '%s'", line, show(f[0], sbuf, sizeof sbuf));
            return -1;
        }
    }
    if (!have_epoch) {
        set_err(err, errlen, "truncated input: no epoch record");
        return -1;
    }
    if (cur >= 0 && t->shards[cur].node_count == 0) {
        set_err(err, errlen, "line %d: shard %s has no nodes", shard_line, t->shards[cur].id);
        return -1;
    }
    return 0;
}

int topology_decode(topology *t, const char *text, size_t len, char *err, size_t errlen)
{
    topology_init(t);
    if (decode_lines(t, text, len, err, errlen) != 0 || validate(t, err, errlen) != 0) {
        topology_free(t);
        return -1;
    }
    return 0;
}

/* ---- lookups ------------------------------------------------------------------------- */

int topology_slot_shard(const topology *t, unsigned slot)
{
    return slot < CLUSTER_SLOTS ? t->slot_owner[slot] : TOPOLOGY_NO_SHARD;
}

int topology_find_shard(const topology *t, const char *shard_id)
{
    if (!shard_id)
        return -1;
    for (int i = 0; i < t->shard_count; i++)
        if (strcmp(t->shards[i].id, shard_id) == 0)
            return i;
    return -1;
}

const topology_node *topology_find_node(const topology *t, const char *node_id, int *shard_index)
{
    if (shard_index)
        *shard_index = -1;
    if (!node_id)
        return NULL;
    for (int i = 0; i < t->shard_count; i++)
        for (int j = 0; j < t->shards[i].node_count; j++)
            if (strcmp(t->shards[i].nodes[j].id, node_id) == 0) {
                if (shard_index)
                    *shard_index = i;
                return &t->shards[i].nodes[j];
            }
    return NULL;
}

int topology_covers_all_slots(const topology *t)
{
    for (int i = 0; i < CLUSTER_SLOTS; i++)
        if (t->slot_owner[i] == TOPOLOGY_NO_SHARD)
            return 0;
    return 1;
}
