/* slowlog.c: the slowlog ring and the latency monitor's event table (slowlog.h).
 *
 * Both are fed by dispatch.c after every executed command and read by SLOWLOG and
 * LATENCY (server_cmds.c). Everything here runs on the loop thread. The slowlog owns
 * trimmed copies of the arguments (never pointers into a query buffer), because
 * entries outlive the request by far. Secret arguments are replaced by "(redacted)"
 * here and in MONITOR (monitor.c) through the shared command_arg_is_secret(). */
#include "slowlog.h"

#include <string.h>
#include <time.h>

#include "mem.h"
#include "strutil.h"

/* ---- secrets -------------------------------------------------------------------- */

static int arg_eq(const rd_arg *a, const char *lower)
{
    return rd_strcaseeq(a->ptr, a->len, lower);
}

int command_has_secrets(int argc, const rd_arg *argv)
{
    if (argc < 2)
        return 0;
    const rd_arg *name = &argv[0];
    if (arg_eq(name, "auth") || arg_eq(name, "hello") || arg_eq(name, "migrate"))
        return 1;
    if (argc >= 3 && arg_eq(name, "acl") && arg_eq(&argv[1], "setuser"))
        return 1;
    if (argc >= 4 && arg_eq(name, "config") && arg_eq(&argv[1], "set"))
        return 1;
    return 0;
}

int command_arg_is_secret(int argc, const rd_arg *argv, int i)
{
    if (i <= 0 || i >= argc)
        return 0;
    const rd_arg *name = &argv[0];
    if (arg_eq(name, "auth"))
        return 1; /* AUTH [user] pass: both */
    if (arg_eq(name, "hello")) /* HELLO 3 AUTH user pass */
        return (i >= 3 && arg_eq(&argv[i - 1], "auth") && i - 1 >= 2) ||
               (i >= 4 && arg_eq(&argv[i - 2], "auth") && i - 2 >= 2);
    if (arg_eq(name, "migrate")) /* ... AUTH pass | AUTH2 user pass */
        return (i >= 6 && (arg_eq(&argv[i - 1], "auth") || arg_eq(&argv[i - 1], "auth2"))) ||
               (i >= 7 && arg_eq(&argv[i - 2], "auth2"));
    if (arg_eq(name, "acl"))     /* ACL SETUSER name rules...: everything after SETUSER */
        return i >= 2 && argc >= 3 && arg_eq(&argv[1], "setuser");
    if (arg_eq(name, "config"))  /* CONFIG SET name value [name value ...] */
        return argc >= 4 && arg_eq(&argv[1], "set") && i >= 3 && (i - 3) % 2 == 0 &&
               (arg_eq(&argv[i - 1], "requirepass") || arg_eq(&argv[i - 1], "masterauth"));
    return 0;
}

/* ---- slowlog ---------------------------------------------------------------------- */

static void entry_free(slowlog_entry *e)
{
    for (int j = 0; j < e->argc; j++)
        bytebuf_free(&e->argv[j]);
    rd_free(e->argv);
    e->argv = NULL;
    e->argc = 0;
}

/* Moves the ring to a capacity of new_cap slots (>= 1), keeping the newest
 * min(len, new_cap) entries at their id % new_cap positions and freeing the rest. */
static void ring_resize(server *s, size_t new_cap)
{
    slowlog_entry *ring = rd_calloc(new_cap, sizeof *ring);
    size_t keep = s->slowlog_len < new_cap ? s->slowlog_len : new_cap;
    long long newest = s->slowlog_next_id - 1;
    for (size_t i = 0; i < s->slowlog_len; i++) {
        long long id = newest - (long long)i;
        slowlog_entry *old = &s->slowlog[(size_t)id % s->slowlog_cap];
        if (i < keep)
            ring[(size_t)id % new_cap] = *old;
        else
            entry_free(old);
    }
    rd_free(s->slowlog);
    s->slowlog = ring;
    s->slowlog_cap = new_cap;
    s->slowlog_len = keep;
}

static void copy_arg(bytebuf *dst, const rd_arg *a, int secret)
{
    bytebuf_init(dst);
    if (secret) {
        bytebuf_append_str(dst, REDACTED_ARG);
    } else if (a->len > SLOWLOG_ENTRY_MAX_STRING) {
        bytebuf_append(dst, a->ptr, SLOWLOG_ENTRY_MAX_STRING);
        bytebuf_appendf(dst, "... (%zu more bytes)", a->len - SLOWLOG_ENTRY_MAX_STRING);
    } else {
        bytebuf_append(dst, a->ptr, a->len);
    }
}

void slowlog_record(server *s, const client *c, int argc, const rd_arg *argv, long long duration_us)
{
    long long threshold = s->cfg.slowlog_log_slower_than;
    if (threshold < 0 || duration_us < threshold || argc < 1)
        return;

    long long max_len = s->cfg.slowlog_max_len;
    if (max_len <= 0) { /* Redis adds, then trims to nothing */
        slowlog_free_all(s);
        s->slowlog_next_id++;
        return;
    }
    /* Fit the ring to the configured length: shrink at once, grow geometrically. */
    if (s->slowlog_cap > (size_t)max_len)
        ring_resize(s, (size_t)max_len);
    if (s->slowlog_len == s->slowlog_cap && s->slowlog_cap < (size_t)max_len) {
        size_t grown = s->slowlog_cap ? s->slowlog_cap * 2 : 16;
        ring_resize(s, grown < (size_t)max_len ? grown : (size_t)max_len);
    }

    long long id = s->slowlog_next_id++; /* after any resize: it uses the live ids */
    slowlog_entry *e = &s->slowlog[(size_t)id % s->slowlog_cap];
    if (s->slowlog_len == s->slowlog_cap)
        entry_free(e); /* the oldest entry's slot */
    else
        s->slowlog_len++;

    int stored = argc > SLOWLOG_ENTRY_MAX_ARGC ? SLOWLOG_ENTRY_MAX_ARGC : argc;
    int secrets = command_has_secrets(argc, argv);
    e->id = id;
    e->time_s = (int64_t)time(NULL);
    e->duration_us = duration_us;
    e->argc = stored;
    e->argv = rd_malloc((size_t)stored * sizeof *e->argv);
    for (int j = 0; j < stored; j++) {
        if (stored != argc && j == stored - 1) {
            bytebuf_init(&e->argv[j]);
            bytebuf_appendf(&e->argv[j], "... (%d more arguments)", argc - stored + 1);
        } else {
            copy_arg(&e->argv[j], &argv[j], secrets && command_arg_is_secret(argc, argv, j));
        }
    }
    snprintf(e->peer, sizeof e->peer, "%s", c ? c->addr : "");
    snprintf(e->name, sizeof e->name, "%s", (c && c->name) ? c->name : "");
}

void slowlog_free_all(server *s)
{
    long long newest = s->slowlog_next_id - 1;
    for (size_t i = 0; i < s->slowlog_len; i++)
        entry_free(&s->slowlog[(size_t)(newest - (long long)i) % s->slowlog_cap]);
    rd_free(s->slowlog);
    s->slowlog = NULL;
    s->slowlog_len = 0;
    s->slowlog_cap = 0;
}

const slowlog_entry *slowlog_newest(const server *s, size_t i)
{
    if (i >= s->slowlog_len)
        return NULL;
    long long id = s->slowlog_next_id - 1 - (long long)i;
    return &s->slowlog[(size_t)id % s->slowlog_cap];
}

/* ---- latency monitor -------------------------------------------------------------- */

struct latency_event *latency_find(server *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->latency_event_count; i++) {
        struct latency_event *ev = &s->latency_events[i];
        if (strlen(ev->name) == len && memcmp(ev->name, name, len) == 0)
            return ev;
    }
    return NULL;
}

void latency_record(server *s, const char *event, long long duration_ms)
{
    long long threshold = s->cfg.latency_monitor_threshold;
    if (threshold <= 0 || duration_ms < threshold || !event)
        return;
    size_t len = strlen(event);
    if (len >= LATENCY_EVENT_NAME_MAX)
        len = LATENCY_EVENT_NAME_MAX - 1;
    struct latency_event *ev = latency_find(s, event, len);
    if (!ev) {
        s->latency_events = rd_realloc(s->latency_events,
                                       (s->latency_event_count + 1) * sizeof *s->latency_events);
        ev = &s->latency_events[s->latency_event_count++];
        memset(ev, 0, sizeof *ev);
        memcpy(ev->name, event, len);
    }
    uint32_t ms = duration_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)duration_ms;
    int64_t now = (int64_t)time(NULL);
    if (ms > ev->max_ms)
        ev->max_ms = ms;
    latency_sample *prev = &ev->samples[(ev->next + LATENCY_HISTORY_LEN - 1) % LATENCY_HISTORY_LEN];
    if (prev->time_s == now) { /* one sample per second: keep the worst */
        if (ms > prev->latency_ms)
            prev->latency_ms = ms;
        return;
    }
    ev->samples[ev->next].time_s = now;
    ev->samples[ev->next].latency_ms = ms;
    ev->next = (ev->next + 1) % LATENCY_HISTORY_LEN;
}

int latency_reset_event(server *s, const char *name, size_t len)
{
    struct latency_event *ev = latency_find(s, name, len);
    if (!ev)
        return 0;
    size_t idx = (size_t)(ev - s->latency_events);
    memmove(ev, ev + 1, (s->latency_event_count - idx - 1) * sizeof *ev);
    s->latency_event_count--;
    if (s->latency_event_count == 0) {
        rd_free(s->latency_events);
        s->latency_events = NULL;
    }
    return 1;
}

void latency_free_all(server *s)
{
    rd_free(s->latency_events);
    s->latency_events = NULL;
    s->latency_event_count = 0;
}
