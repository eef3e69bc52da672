/* events: Redis Sentinel's event notifications (sentinelEvent in Redis's sentinel.c).
 *
 * An event is a pub/sub message on this sentinel, channel = the event type ("+sdown"),
 * payload = its text, delivered to this process's subscribers only (every sentinel
 * publishes what it sees itself), and a log line "<type> <payload>" at warning level
 * ('#') as Redis logs them, except the routine discovery events Redis logs at notice.
 * The "%@" instance form is built by sentinel_event_format_instance so it can be tested
 * without a server. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pubsub.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"

#define EVENT_MAX 1024 /* Redis's LOG_MAX_LEN: longer payloads are cut */

/* Events Redis logs at notice level ('*'); the rest are warnings ('#'). */
static int event_level(const char *type)
{
    static const char *const notice[] = {"+slave", "+sentinel", "+sentinel-address-switch",
                                         "+slave-reconf-sent", "+slave-reconf-inprog",
                                         "+slave-reconf-done", "+convert-to-slave",
                                         "+fix-slave-config", "+role-change", NULL};
    for (int i = 0; notice[i]; i++)
        if (strcmp(type, notice[i]) == 0)
            return LL_NOTICE;
    return LL_WARNING;
}

static void emit(const char *type, const char *payload)
{
    server_log(event_level(type), "%s %s", type, payload);
    pubsub_deliver(type, strlen(type), payload, strlen(payload), 0);
}

void sentinel_event(const char *type, const char *fmt, ...)
{
    char msg[EVENT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(type, msg);
}

size_t sentinel_event_format_instance(char *buf, size_t size, const sentinel_instance *ri)
{
    if (size == 0)
        return 0;
    const sentinel_master *m = ri->master;
    int n;
    if ((ri->flags & SRI_MASTER) || !m) {
        /* A master is named by its master name. */
        n = snprintf(buf, size, "master %s %s %d", m ? m->name : "?", ri->host, ri->port);
    } else {
        const char *mhost = "";
        int mport = 0;
        sentinel_master_addr(m, &mhost, &mport);
        if (!mhost || !mhost[0] || mport <= 0) {
            mhost = m->seed_host; /* no leader known: the address it was configured with */
            mport = m->seed_port;
        }
        n = snprintf(buf, size, "slave %s:%d %s %d @ %s %s %d", ri->host, ri->port, ri->host, ri->port,
                     m->name, mhost, mport);
    }
    if (n < 0)
        n = 0;
    return (size_t)n < size ? (size_t)n : size - 1;
}

void sentinel_event_instance(const char *type, const sentinel_instance *ri, const char *extra_fmt, ...)
{
    char msg[EVENT_MAX];
    size_t len = sentinel_event_format_instance(msg, sizeof msg, ri);
    if (extra_fmt && extra_fmt[0] && len < sizeof msg - 1) {
        /* Appended as is: callers start it with a space (" #quorum 2/2"), as Redis's "%@ ..." */
        va_list ap;
        va_start(ap, extra_fmt);
        vsnprintf(msg + len, sizeof msg - len, extra_fmt, ap);
        va_end(ap);
    }
    emit(type, msg);
}
