/* sentinel_info: INFO and ROLE as Redis Sentinel answers them, and the per-master
 * summaries they share with SENTINEL MASTERS (status, replica count, the reported
 * address).
 *
 * INFO on a sentinel has only the server, clients, stats and cpu sections (rendered by
 * node/info.c, which says redis_mode:sentinel) plus "# Sentinel"; "default", "all" and
 * "everything" mean all of them, other section names add nothing, except redraft's
 * "raft" (the sentinels' own Raft group: which sentinel acts), given by name or with
 * "everything". As Redis Sentinel
 * does, the reply is a plain bulk string in RESP3 too (not a verbatim string). */
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "exec.h"
#include "info.h"
#include "resp_writer.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"
#include "strutil.h"

/* ---- per-master summaries ------------------------------------------------------------ */

const sentinel_instance *sentinel_master_instance(const sentinel_master *m)
{
    if (m->leader)
        return m->leader;
    /* No leader known: the seed stands for the master, as Redis's master instance is
     * its configured address until something else is learned. */
    for (int i = 0; i < m->node_count; i++)
        if (m->nodes[i]->port == m->seed_port && strcmp(m->nodes[i]->host, m->seed_host) == 0)
            return m->nodes[i];
    return NULL;
}

void sentinel_master_report_addr(const sentinel_master *m, const char **host, int *port)
{
    const char *h = "";
    int p = 0;
    sentinel_master_addr(m, &h, &p);
    if (!h || !h[0] || p <= 0) {
        const sentinel_instance *ri = sentinel_master_instance(m);
        h = ri ? ri->host : m->seed_host;
        p = ri ? ri->port : m->seed_port;
    }
    *host = h;
    *port = p;
}

int sentinel_is_replica(const sentinel_master *m, const sentinel_instance *ri)
{
    if (ri == sentinel_master_instance(m))
        return 0;
    /* A spare is not replicating (it receives no log until it becomes a standby). */
    return strcmp(ri->raft_role, "spare") != 0;
}

int sentinel_replica_count(const sentinel_master *m)
{
    int n = 0;
    for (int i = 0; i < m->node_count; i++)
        if (sentinel_is_replica(m, m->nodes[i]))
            n++;
    return n;
}

const char *sentinel_master_status(const sentinel_master *m)
{
    const sentinel_instance *ri = sentinel_master_instance(m);
    unsigned flags = ri ? ri->flags : 0;
    if (flags & SRI_O_DOWN)
        return "odown";
    if (flags & SRI_S_DOWN)
        return "sdown";
    return "ok";
}

/* ---- INFO ---------------------------------------------------------------------------- */

static void sentinel_section(bytebuf *o)
{
    bytebuf_appendf(o,
                    "# Sentinel\r\n"
                    "sentinel_masters:%d\r\n"
                    "sentinel_tilt:0\r\n"
                    "sentinel_tilt_since_seconds:-1\r\n"
                    "sentinel_running_scripts:0\r\n"
                    "sentinel_scripts_queue_length:0\r\n"
                    "sentinel_simulate_failure_flags:%d\r\n",
                    sentinel_master_count(), g_sentinel_simfailure_flags);
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        const char *host;
        int port;
        sentinel_master_report_addr(m, &host, &port);
        /* sentinels= counts this sentinel too, as Redis's does */
        bytebuf_appendf(o, "master%d:name=%s,status=%s,address=%s:%d,slaves=%d,sentinels=%d\r\n", i, m->name,
                        sentinel_master_status(m), host, port, sentinel_replica_count(m), sentinel_peer_count() + 1);
    }
}

void sentinel_cmd_info(exec_ctx *c)
{
    static const char *const node_sections[] = {"server", "clients", "stats", "cpu", NULL};
    rd_arg wanted[5];
    int nwanted = 0, sentinel = c->argc == 1;
    for (int s = 0; node_sections[s]; s++) {
        int want = c->argc == 1;
        for (int i = 1; i < c->argc; i++) {
            const rd_arg *a = &c->argv[i];
            if (rd_strcaseeq(a->ptr, a->len, node_sections[s]) || rd_strcaseeq(a->ptr, a->len, "default") ||
                rd_strcaseeq(a->ptr, a->len, "all") || rd_strcaseeq(a->ptr, a->len, "everything"))
                want = 1;
        }
        if (want) {
            wanted[nwanted].ptr = node_sections[s];
            wanted[nwanted].len = strlen(node_sections[s]);
            nwanted++;
        }
    }
    /* redraft's own section, on request only: the sentinels' Raft group (which one acts) */
    for (int i = 1; i < c->argc; i++) {
        const rd_arg *a = &c->argv[i];
        if (rd_strcaseeq(a->ptr, a->len, "raft") || rd_strcaseeq(a->ptr, a->len, "everything")) {
            wanted[nwanted].ptr = "raft";
            wanted[nwanted].len = 4;
            nwanted++;
            break;
        }
    }
    for (int i = 1; i < c->argc; i++) {
        const rd_arg *a = &c->argv[i];
        if (rd_strcaseeq(a->ptr, a->len, "sentinel") || rd_strcaseeq(a->ptr, a->len, "default") ||
            rd_strcaseeq(a->ptr, a->len, "all") || rd_strcaseeq(a->ptr, a->len, "everything"))
            sentinel = 1;
    }
    bytebuf text;
    bytebuf_init(&text);
    if (nwanted > 0)
        info_generate(c->srv, nwanted, wanted, &text);
    if (sentinel) {
        if (text.len)
            bytebuf_append_str(&text, "\r\n");
        sentinel_section(&text);
    }
    resp_write_bulk(c->w, text.data ? text.data : "", text.len);
    bytebuf_free(&text);
}

/* ---- ROLE ---------------------------------------------------------------------------- */

void sentinel_cmd_role(exec_ctx *c)
{
    resp_write_array_len(c->w, 2);
    resp_write_bulk_cstr(c->w, "sentinel");
    resp_write_array_len(c->w, sentinel_master_count());
    for (int i = 0; i < sentinel_master_count(); i++)
        resp_write_bulk_cstr(c->w, sentinel_master_at(i)->name);
}
