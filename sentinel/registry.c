/* registry: the masters this sentinel monitors and their instances (sentinel.h).
 *
 * Owns the array of masters, each master's array of instances and the instances
 * themselves. Lookups are linear: a sentinel watches a handful of shards of a few nodes
 * each. Removing an instance lets monitor.c forget it (sentinel_monitor_forget closes
 * its link: resp_client_close fires the pending callbacks synchronously, while the
 * instance is still valid and its link already NULL), then frees it. */
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "resp_client.h"
#include "sentinel.h"

static sentinel_master **masters;
static int master_count, master_cap;

int sentinel_master_count(void)
{
    return master_count;
}

sentinel_master *sentinel_master_at(int i)
{
    return i >= 0 && i < master_count ? masters[i] : NULL;
}

sentinel_master *sentinel_master_by_name(const char *name, size_t len)
{
    /* Master names are case-sensitive in Redis Sentinel (a dict with sds keys). */
    for (int i = 0; i < master_count; i++)
        if (strlen(masters[i]->name) == len && memcmp(masters[i]->name, name, len) == 0)
            return masters[i];
    return NULL;
}

sentinel_master *sentinel_master_add(const char *name, const char *host, int port, unsigned quorum)
{
    size_t nlen = strlen(name);
    if (nlen > SENTINEL_NAME_MAX || strlen(host) > SENTINEL_HOST_MAX || sentinel_master_by_name(name, nlen))
        return NULL;
    sentinel_master *m = rd_calloc(1, sizeof *m);
    memcpy(m->name, name, nlen + 1);
    strcpy(m->seed_host, host);
    m->seed_port = port;
    m->quorum = quorum;
    m->down_after_ms = 5000;
    m->failover_timeout_ms = 180000;
    m->parallel_syncs = 1;
    if (master_count == master_cap) {
        master_cap = master_cap ? master_cap * 2 : 8;
        masters = rd_realloc(masters, (size_t)master_cap * sizeof *masters);
    }
    masters[master_count++] = m;
    return m;
}

static void instance_free(sentinel_instance *ri)
{
    sentinel_monitor_forget(ri); /* monitor.c drops its link and private state first */
    struct resp_client *link = ri->link;
    ri->link = NULL;
    if (link)
        resp_client_close(link);
    rd_free(ri->info_text);
    rd_free(ri);
}

void sentinel_master_remove(sentinel_master *m)
{
    int at = -1;
    for (int i = 0; i < master_count; i++)
        if (masters[i] == m)
            at = i;
    if (at < 0)
        return;
    /* Unlisted first: callbacks fired by the link closes below no longer find it. */
    memmove(masters + at, masters + at + 1, (size_t)(master_count - at - 1) * sizeof *masters);
    master_count--;
    m->leader = NULL;
    m->promoted = NULL;
    while (m->node_count > 0) {
        sentinel_instance *ri = m->nodes[--m->node_count];
        instance_free(ri);
    }
    rd_free(m->nodes);
    rd_free(m->auth_pass);
    rd_free(m);
}

sentinel_instance *sentinel_instance_find(sentinel_master *m, const char *host, int port)
{
    for (int i = 0; i < m->node_count; i++)
        if (m->nodes[i]->port == port && strcasecmp(m->nodes[i]->host, host) == 0)
            return m->nodes[i];
    return NULL;
}

sentinel_instance *sentinel_instance_get(sentinel_master *m, const char *host, int port)
{
    sentinel_instance *ri = sentinel_instance_find(m, host, port);
    if (ri)
        return ri;
    if (strlen(host) > SENTINEL_HOST_MAX)
        return NULL;
    ri = rd_calloc(1, sizeof *ri);
    strcpy(ri->host, host);
    ri->port = port;
    ri->master = m;
    ri->flags = SRI_DISCONNECTED;
    if (m->node_count == m->node_cap) {
        m->node_cap = m->node_cap ? m->node_cap * 2 : 8;
        m->nodes = rd_realloc(m->nodes, (size_t)m->node_cap * sizeof *m->nodes);
    }
    m->nodes[m->node_count++] = ri;
    return ri;
}

sentinel_instance *sentinel_instance_by_node_id(sentinel_master *m, const char *node_id)
{
    if (!node_id || !node_id[0])
        return NULL;
    for (int i = 0; i < m->node_count; i++)
        if (strcmp(m->nodes[i]->node_id, node_id) == 0)
            return m->nodes[i];
    return NULL;
}

sentinel_instance *sentinel_instance_lookup_addr(const char *host, int port)
{
    for (int i = 0; i < master_count; i++) {
        sentinel_instance *ri = sentinel_instance_find(masters[i], host, port);
        if (ri)
            return ri;
    }
    return NULL;
}

void sentinel_instance_remove(sentinel_instance *ri)
{
    sentinel_master *m = ri->master;
    if (m) {
        for (int i = 0; i < m->node_count; i++) {
            if (m->nodes[i] != ri)
                continue;
            memmove(m->nodes + i, m->nodes + i + 1, (size_t)(m->node_count - i - 1) * sizeof *m->nodes);
            m->node_count--;
            break;
        }
        if (m->leader == ri)
            m->leader = NULL;
        if (m->promoted == ri)
            m->promoted = NULL;
    }
    instance_free(ri);
}

void sentinel_registry_free_all(void)
{
    while (master_count > 0)
        sentinel_master_remove(masters[master_count - 1]);
    rd_free(masters);
    masters = NULL;
    master_cap = 0;
}
