/* monitor.c: feeds every executed command to the clients in MONITOR mode (monitor.h).
 *
 * A monitor is an ordinary client with CLIENT_MONITOR set (MONITOR in server_cmds.c);
 * server.monitor_count says whether any exist so the common case costs one compare.
 * The line is Redis's: `+<sec>.<usec> [<db> <ip:port>] "arg" ...\r\n`, each argument
 * quoted and escaped like sdscatrepr, secrets replaced by "(redacted)". As in Redis,
 * admin and CMD_SKIP_MONITOR commands are not shown: the caller (dispatch.c) does not
 * feed them. The line is appended to each monitor's output buffer and client_flush()
 * queues it for the loop's write (and applies the output buffer limits, which bound a
 * slow monitor's memory). */
#include "monitor.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "slowlog.h"

static void format_line(bytebuf *line, const client *c, int dbid, int argc, const rd_arg *argv)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    bytebuf_appendf(line, "+%ld.%06ld ", (long)tv.tv_sec, (long)tv.tv_usec);
    if (!c)
        bytebuf_appendf(line, "[%d lua] ", dbid);
    else if ((c->flags & CLIENT_UNIX_SOCKET) && strncmp(c->addr, "unix:", 5) != 0)
        bytebuf_appendf(line, "[%d unix:%s] ", dbid, c->addr);
    else
        bytebuf_appendf(line, "[%d %s] ", dbid, c->addr);
    int secrets = command_has_secrets(argc, argv);
    for (int j = 0; j < argc; j++) {
        if (secrets && command_arg_is_secret(argc, argv, j))
            bytebuf_append_repr(line, REDACTED_ARG, strlen(REDACTED_ARG));
        else
            bytebuf_append_repr(line, argv[j].ptr, argv[j].len);
        if (j != argc - 1)
            bytebuf_append_char(line, ' ');
    }
    bytebuf_append(line, "\r\n", 2);
}

void monitor_feed(server *s, const client *c, int dbid, int argc, const rd_arg *argv)
{
    if (s->monitor_count == 0 || argc < 1)
        return;

    bytebuf line;
    bytebuf_init(&line);
    size_t monitors = 0;
    client *next;
    for (client *m = s->clients; m; m = next) {
        next = m->next; /* client_flush may close m (output limit), unlinking it */
        if (!(m->flags & CLIENT_MONITOR))
            continue;
        monitors++; /* counted until it leaves the list, closing or not */
        if (m == c || (m->flags & (CLIENT_CLOSING | CLIENT_CLOSE_ASAP)))
            continue;
        if (line.len == 0)
            format_line(&line, c, dbid, argc, argv);
        resp_write_raw(&m->w, line.data, line.len);
        client_flush(m); /* checks m's output limits, queues the write */
    }
    /* Monitors leave only by disconnecting (client.c subtracts them when it unlinks
     * them); recounting here keeps the fast path exact either way. */
    s->monitor_count = monitors;
    bytebuf_free(&line);
}
