/* lifecycle: starting and stopping the sentinel modules, the sentinel's id and clock
 * (sentinel.h "main.c" section; here rather than in main.c so unit tests that link the
 * sentinel's objects have them). */
#include "raft_node.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"

static int started;
int64_t g_sentinel_start_ms;

const char *sentinel_myid(void)
{
    const char *id = raft_node_node_id();
    return id ? id : "";
}

int64_t sentinel_now_ms(void)
{
    return server_mono_ms();
}

void sentinel_start(struct server *s)
{
    sentinel_monitor_start(s);
    sentinel_peers_start(s);
    sentinel_control_start(s);
    started = 1;
}

/* Also called by server_shutdown (SHUTDOWN, SIGTERM): the modules' timers and links
 * must close for the loop to end. Idempotent. */
void sentinel_stop(void)
{
    if (!started)
        return;
    started = 0;
    sentinel_control_stop();
    sentinel_peers_stop();
    sentinel_monitor_stop();
}
