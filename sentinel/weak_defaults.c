/* weak_defaults: no-op stand-ins for the sentinel modules other files implement
 * (monitor.c, peers.c, failover.c, state.c/topology_owner.c/repair.c), so
 * redraft-sentinel links and runs before they exist. Each is a weak definition: the
 * module's real (strong) definition replaces it at link time; nothing else here. */
#include <stddef.h>

#include "sentinel.h"

__attribute__((weak)) void sentinel_monitor_start(struct server *s)
{
    (void)s;
}

__attribute__((weak)) void sentinel_monitor_stop(void)
{
}

/* Without monitor.c the leader is whatever the registry says (usually unknown). */
__attribute__((weak)) int sentinel_master_addr(const sentinel_master *m, const char **host, int *port)
{
    if (m && m->leader) {
        *host = m->leader->host;
        *port = m->leader->port;
        return 1;
    }
    *host = "";
    *port = 0;
    return 0;
}

__attribute__((weak)) void sentinel_monitor_forget(sentinel_instance *ri)
{
    (void)ri;
}

__attribute__((weak)) void sentinel_peers_start(struct server *s)
{
    (void)s;
}

__attribute__((weak)) void sentinel_peers_stop(void)
{
}

__attribute__((weak)) int sentinel_peer_count(void)
{
    return 0;
}

__attribute__((weak)) sentinel_peer *sentinel_peer_at(int i)
{
    (void)i;
    return NULL;
}

__attribute__((weak)) int sentinel_peers_usable(long long down_after_ms)
{
    (void)down_after_ms;
    return 0;
}

__attribute__((weak)) int sentinel_failover_start(sentinel_master *m, const char **err)
{
    (void)m;
    *err = "NOGOODSLAVE No suitable replica to promote";
    return -1;
}

__attribute__((weak)) void sentinel_failover_tick(int64_t now_ms)
{
    (void)now_ms;
}

__attribute__((weak)) void sentinel_control_start(struct server *s)
{
    (void)s;
}

__attribute__((weak)) void sentinel_control_stop(void)
{
}
