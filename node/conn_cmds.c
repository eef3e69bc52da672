/* conn_cmds.c: the connection commands: PING, ECHO, HELLO, AUTH, QUIT, RESET, SELECT and
 * the CLIENT family (ID, SETNAME, GETNAME, LIST, INFO, KILL, NO-EVICT, NO-TOUCH, REPLY,
 * SETINFO, HELP).
 *
 * They act on the calling connection (exec_ctx.client) or on the server's client list and
 * never go through the log. Replies and error texts are Redis 7.2's. Passwords given to
 * AUTH and HELLO AUTH are redacted from the request (auth_redact_arg) so neither the
 * slowlog nor MONITOR shows them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "client.h"
#include "command.h"
#include "commands.h"
#include "mem.h"
#include "pubsub.h"
#include "repl_cmds.h"
#include "server.h"
#include "strutil.h"

/* RESET also leaves pub/sub (pubsub.h) and MULTI. MULTI's module provides this (a weak
 * reference: until it exists there is no such state to clear). */
extern void multi_reset_client(client *c) __attribute__((weak));

enum client_type { CLIENT_TYPE_NORMAL, CLIENT_TYPE_REPLICA, CLIENT_TYPE_PUBSUB, CLIENT_TYPE_MASTER };

/* Every command here needs the calling connection; they are CMD_CONNECTION commands, so
 * this only guards against being called from elsewhere (scripts, internal calls). */
static client *caller(exec_ctx *c)
{
    if (!c->client)
        resp_write_error(c->w, "ERR This command can only be used by a connected client");
    return c->client;
}

/* Redis's validateClientName / validateClientAttr: printable ASCII without spaces, so
 * CLIENT LIST stays splittable on spaces. */
static int printable_word(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < '!' || ch > '~')
            return 0;
    }
    return 1;
}

static void set_owned_string(char **slot, const char *s, size_t len)
{
    rd_free(*slot);
    *slot = len ? rd_strndup(s, len) : NULL; /* "" clears */
}

static enum client_type type_of(const client *cl)
{
    return (cl->flags & CLIENT_PUBSUB) ? CLIENT_TYPE_PUBSUB : CLIENT_TYPE_NORMAL;
}

static int type_by_name(const char *s, size_t len)
{
    if (rd_strcaseeq(s, len, "normal"))
        return CLIENT_TYPE_NORMAL;
    if (rd_strcaseeq(s, len, "slave") || rd_strcaseeq(s, len, "replica"))
        return CLIENT_TYPE_REPLICA;
    if (rd_strcaseeq(s, len, "pubsub"))
        return CLIENT_TYPE_PUBSUB;
    if (rd_strcaseeq(s, len, "master"))
        return CLIENT_TYPE_MASTER;
    return -1;
}

static int arg_equals(const rd_arg *a, const char *s)
{
    size_t n = strlen(s);
    return a->len == n && memcmp(a->ptr, s, n) == 0;
}

/* ---- PING / ECHO / QUIT / SELECT ----------------------------------------------------- */

void cmd_ping(exec_ctx *c)
{
    if (c->argc > 2) {
        reply_wrong_arity(c);
        return;
    }
    /* RESP2 subscribed connections get PING as a pub/sub-shaped reply */
    if (c->client && (c->client->flags & CLIENT_PUBSUB) && c->client->resp == 2) {
        resp_write_array_len(c->w, 2);
        resp_write_bulk(c->w, "pong", 4);
        if (c->argc == 1)
            resp_write_bulk(c->w, "", 0);
        else
            resp_write_bulk(c->w, c->argv[1].ptr, c->argv[1].len);
        return;
    }
    if (c->argc == 1)
        resp_write_simple(c->w, "PONG", 4);
    else
        resp_write_bulk(c->w, c->argv[1].ptr, c->argv[1].len);
}

void cmd_echo(exec_ctx *c)
{
    resp_write_bulk(c->w, c->argv[1].ptr, c->argv[1].len);
}

void cmd_quit(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    resp_write_ok(c->w);
    cl->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void cmd_select(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    long long id;
    if (!rd_str2ll(c->argv[1].ptr, c->argv[1].len, &id)) {
        reply_not_integer(c);
        return;
    }
    if (id < INT_MIN || id > INT_MAX) {
        resp_write_errorf(c->w, "ERR value is out of range, value must between %d and %d", INT_MIN, INT_MAX);
        return;
    }
    if (c->srv->cfg.cluster_enabled && id != 0) { /* Redis checks this before the range */
        resp_write_error(c->w, "ERR SELECT is not allowed in cluster mode");
        return;
    }
    if (id < 0 || id >= c->srv->cfg.databases || id >= SERVER_DBNUM_MAX) {
        resp_write_error(c->w, "ERR DB index is out of range");
        return;
    }
    cl->db_index = (int)id;
    c->db = &c->srv->dbs[id];
    resp_write_ok(c->w);
}

/* ---- AUTH / HELLO -------------------------------------------------------------------- */

static void reply_wrongpass(exec_ctx *c)
{
    resp_write_error(c->w, "WRONGPASS invalid username-password pair or user is disabled.");
}

void cmd_auth(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    if (c->argc > 3) {
        reply_syntax_error(c);
        return;
    }
    if (c->argc == 2 && !auth_password_required(&c->srv->cfg)) {
        auth_redact_arg(cl, c->argv, 1);
        resp_write_error(c->w, "ERR AUTH <password> called without any password configured for the "
                               "default user. Are you sure your configuration is correct?");
        return;
    }
    rd_arg user = {"default", 7}, pass = c->argv[c->argc - 1];
    if (c->argc == 3)
        user = c->argv[1];
    int ok = auth_check(&c->srv->cfg, cl, user.ptr, user.len, pass.ptr, pass.len);
    for (int i = 1; i < c->argc; i++)
        auth_redact_arg(cl, c->argv, i);
    if (ok)
        resp_write_ok(c->w);
    else
        reply_wrongpass(c);
}

static const char *server_mode(void)
{
    if (g_server.sentinel_mode)
        return "sentinel";
    return g_server.cfg.cluster_enabled ? "cluster" : "standalone";
}

static const char *server_role(void)
{
    return repl_role_name(); /* the shard leader is the master, followers are replicas */
}

void cmd_hello(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (!rd_str2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
            resp_write_error(c->w, "ERR Protocol version is not an integer or out of range");
            return;
        }
        next = 2;
        if (ver < 2 || ver > 3) {
            resp_write_error(c->w, "NOPROTO unsupported protocol version");
            return;
        }
    }

    int user_i = -1, name_i = -1;
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        const rd_arg *opt = &c->argv[j];
        if (rd_strcaseeq(opt->ptr, opt->len, "auth") && more >= 2) {
            user_i = j + 1;
            j += 2;
        } else if (rd_strcaseeq(opt->ptr, opt->len, "setname") && more >= 1) {
            name_i = j + 1;
            if (!printable_word(c->argv[name_i].ptr, c->argv[name_i].len)) {
                if (user_i >= 0) {
                    auth_redact_arg(cl, c->argv, user_i);
                    auth_redact_arg(cl, c->argv, user_i + 1);
                }
                resp_write_error(c->w, "ERR Client names cannot contain spaces, newlines or special characters.");
                return;
            }
            j++;
        } else {
            if (user_i >= 0) {
                auth_redact_arg(cl, c->argv, user_i);
                auth_redact_arg(cl, c->argv, user_i + 1);
            }
            resp_write_errorf(c->w, "ERR Syntax error in HELLO option '%.*s'", (int)opt->len, opt->ptr);
            return;
        }
    }

    if (user_i >= 0) {
        const rd_arg *u = &c->argv[user_i], *p = &c->argv[user_i + 1];
        int ok = auth_check(&c->srv->cfg, cl, u->ptr, u->len, p->ptr, p->len);
        auth_redact_arg(cl, c->argv, user_i);
        auth_redact_arg(cl, c->argv, user_i + 1);
        if (!ok) {
            reply_wrongpass(c); /* the protocol is left as it was */
            return;
        }
    }
    if (auth_client_needs_auth(&c->srv->cfg, cl)) {
        resp_write_error(c->w, "NOAUTH HELLO must be called with the client already authenticated, "
                               "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                               "authenticate the client and select the RESP protocol version at the "
                               "same time");
        return;
    }
    if (name_i >= 0)
        set_owned_string(&cl->name, c->argv[name_i].ptr, c->argv[name_i].len);

    /* Switch first: the HELLO reply itself is in the new protocol. */
    if (ver) {
        cl->resp = (int)ver;
        cl->w.proto = (int)ver;
        c->w->proto = (int)ver;
    }
    /* A sentinel has no role: its HELLO map has 6 fields (Redis Sentinel). */
    resp_write_map_len(c->w, g_server.sentinel_mode ? 6 : 7);
    resp_write_bulk_cstr(c->w, "server");
    resp_write_bulk_cstr(c->w, "redis");
    resp_write_bulk_cstr(c->w, "version");
    resp_write_bulk_cstr(c->w, REDIS_COMPAT_VERSION);
    resp_write_bulk_cstr(c->w, "proto");
    resp_write_int(c->w, cl->resp);
    resp_write_bulk_cstr(c->w, "id");
    resp_write_int(c->w, (long long)cl->id);
    resp_write_bulk_cstr(c->w, "mode");
    resp_write_bulk_cstr(c->w, server_mode());
    if (!g_server.sentinel_mode) {
        resp_write_bulk_cstr(c->w, "role");
        resp_write_bulk_cstr(c->w, server_role());
    }
    resp_write_bulk_cstr(c->w, "modules");
    resp_write_array_len(c->w, 0);
}

/* ---- RESET --------------------------------------------------------------------------- */

void cmd_reset(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    if (cl->flags & CLIENT_MONITOR) {
        cl->flags &= ~(uint32_t)CLIENT_MONITOR;
        if (c->srv->monitor_count > 0)
            c->srv->monitor_count--;
    }
    if (multi_reset_client)
        multi_reset_client(cl);
    pubsub_client_unsubscribe_all(cl); /* silently, as Redis's RESET */
    cl->db_index = 0;
    c->db = &c->srv->dbs[0];
    cl->resp = 2;
    cl->w.proto = 2;
    c->w->proto = 2;
    set_owned_string(&cl->name, NULL, 0);
    /* lib-name and lib-ver stay: they still describe the library behind the connection */
    auth_client_reset(&c->srv->cfg, cl);
    cl->flags &= ~(uint32_t)(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT | CLIENT_NO_TOUCH | CLIENT_NO_EVICT);
    resp_write_simple_cstr(c->w, "RESET");
}

/* ---- CLIENT -------------------------------------------------------------------------- */

void cmd_client_id(exec_ctx *c)
{
    client *cl = caller(c);
    if (cl)
        resp_write_int(c->w, (long long)cl->id);
}

void cmd_client_setname(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    const rd_arg *name = &c->argv[2];
    if (!printable_word(name->ptr, name->len)) {
        resp_write_error(c->w, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    set_owned_string(&cl->name, name->ptr, name->len);
    resp_write_ok(c->w);
}

void cmd_client_getname(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    if (cl->name)
        resp_write_bulk_cstr(c->w, cl->name);
    else
        resp_write_null(c->w);
}

static int by_id(const void *a, const void *b)
{
    const client *x = *(client *const *)a, *y = *(client *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The server's clients, oldest first (as Redis lists them). Caller frees the array. */
static client **clients_by_id(server *s, size_t *n)
{
    size_t count = 0;
    for (client *cl = s->clients; cl; cl = cl->next)
        count++;
    client **v = rd_malloc((count ? count : 1) * sizeof *v);
    size_t i = 0;
    for (client *cl = s->clients; cl; cl = cl->next)
        v[i++] = cl;
    qsort(v, count, sizeof *v, by_id);
    *n = count;
    return v;
}

static void describe_line(const client *cl, bytebuf *out, int64_t now_ms)
{
    client_describe(cl, out, now_ms);
    bytebuf_append_char(out, '\n');
}

void cmd_client_list(exec_ctx *c)
{
    int type = -1;
    bytebuf out;
    bytebuf_init(&out);
    if (c->argc == 4 && rd_strcaseeq(c->argv[2].ptr, c->argv[2].len, "type")) {
        type = type_by_name(c->argv[3].ptr, c->argv[3].len);
        if (type < 0) {
            resp_write_errorf(c->w, "ERR Unknown client type '%.*s'", (int)c->argv[3].len, c->argv[3].ptr);
            return;
        }
    } else if (c->argc > 3 && rd_strcaseeq(c->argv[2].ptr, c->argv[2].len, "id")) {
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!rd_str2ll(c->argv[j].ptr, c->argv[j].len, &id)) {
                resp_write_error(c->w, "ERR Invalid client ID");
                bytebuf_free(&out);
                return;
            }
            for (client *cl = c->srv->clients; cl; cl = cl->next) {
                if ((long long)cl->id == id) {
                    describe_line(cl, &out, c->now_ms);
                    break;
                }
            }
        }
        resp_write_verbatim(c->w, "txt", out.data ? out.data : "", out.len);
        bytebuf_free(&out);
        return;
    } else if (c->argc != 2) {
        reply_syntax_error(c);
        return;
    }
    size_t n;
    client **all = clients_by_id(c->srv, &n);
    for (size_t i = 0; i < n; i++)
        if (type < 0 || (int)type_of(all[i]) == type)
            describe_line(all[i], &out, c->now_ms);
    rd_free(all);
    resp_write_verbatim(c->w, "txt", out.data ? out.data : "", out.len);
    bytebuf_free(&out);
}

void cmd_client_info(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    bytebuf out;
    bytebuf_init(&out);
    describe_line(cl, &out, c->now_ms);
    resp_write_verbatim(c->w, "txt", out.data, out.len);
    bytebuf_free(&out);
}

/* CLIENT KILL <ip:port>  (old form: +OK or "No such client"; may kill the caller)
 * CLIENT KILL <filter> <value> ...  (ID, ADDR, LADDR, TYPE, USER, SKIPME, MAXAGE; all
 * must match; replies the number killed; SKIPME defaults to yes). */
void cmd_client_kill(exec_ctx *c)
{
    client *self = c->client;
    const rd_arg *addr = NULL, *laddr = NULL;
    int type = -1, skipme = 1;
    long long id = 0, max_age = 0;

    if (c->argc == 3) {
        addr = &c->argv[2];
        skipme = 0; /* with the old form a client can kill itself */
    } else {
        if ((c->argc - 2) % 2) {
            reply_syntax_error(c);
            return;
        }
        for (int i = 2; i < c->argc; i += 2) {
            const rd_arg *opt = &c->argv[i], *val = &c->argv[i + 1];
            if (rd_strcaseeq(opt->ptr, opt->len, "id")) {
                if (!rd_str2ll(val->ptr, val->len, &id) || id < 1) {
                    resp_write_error(c->w, "ERR client-id should be greater than 0");
                    return;
                }
            } else if (rd_strcaseeq(opt->ptr, opt->len, "maxage")) {
                if (!rd_str2ll(val->ptr, val->len, &max_age)) {
                    resp_write_error(c->w, "ERR maxage is not an integer or out of range");
                    return;
                }
                if (max_age <= 0) {
                    resp_write_error(c->w, "ERR maxage should be greater than 0");
                    return;
                }
            } else if (rd_strcaseeq(opt->ptr, opt->len, "type")) {
                type = type_by_name(val->ptr, val->len);
                if (type < 0) {
                    resp_write_errorf(c->w, "ERR Unknown client type '%.*s'", (int)val->len, val->ptr);
                    return;
                }
            } else if (rd_strcaseeq(opt->ptr, opt->len, "addr")) {
                addr = val;
            } else if (rd_strcaseeq(opt->ptr, opt->len, "laddr")) {
                laddr = val;
            } else if (rd_strcaseeq(opt->ptr, opt->len, "user")) {
                if (!arg_equals(val, "default")) { /* the only user until ACLs */
                    resp_write_errorf(c->w, "ERR No such user '%.*s'", (int)val->len, val->ptr);
                    return;
                }
            } else if (rd_strcaseeq(opt->ptr, opt->len, "skipme")) {
                if (rd_strcaseeq(val->ptr, val->len, "yes"))
                    skipme = 1;
                else if (rd_strcaseeq(val->ptr, val->len, "no"))
                    skipme = 0;
                else {
                    reply_syntax_error(c);
                    return;
                }
            } else {
                reply_syntax_error(c);
                return;
            }
        }
    }

    long long killed = 0;
    int close_self = 0;
    client *next;
    for (client *cl = c->srv->clients; cl; cl = next) {
        next = cl->next; /* client_close unlinks cl */
        if (cl->flags & CLIENT_CLOSING)
            continue;
        if (addr && !arg_equals(addr, cl->addr))
            continue;
        if (laddr && !arg_equals(laddr, cl->laddr))
            continue;
        if (type >= 0 && (int)type_of(cl) != type)
            continue;
        if (id && (long long)cl->id != id)
            continue;
        if (max_age && (c->now_ms - cl->ctime_ms) / 1000 < max_age)
            continue;
        if (cl == self && skipme)
            continue;
        if (cl == self)
            close_self = 1; /* after the reply is queued */
        else
            client_close(cl);
        killed++;
    }

    if (c->argc == 3) {
        if (killed == 0)
            resp_write_error(c->w, "ERR No such client");
        else
            resp_write_ok(c->w);
    } else {
        resp_write_int(c->w, killed);
    }
    if (close_self)
        self->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void client_on_off_flag(exec_ctx *c, uint32_t flag)
{
    client *cl = caller(c);
    if (!cl)
        return;
    const rd_arg *v = &c->argv[2];
    if (rd_strcaseeq(v->ptr, v->len, "on"))
        cl->flags |= flag;
    else if (rd_strcaseeq(v->ptr, v->len, "off"))
        cl->flags &= ~flag;
    else {
        reply_syntax_error(c);
        return;
    }
    resp_write_ok(c->w);
}

void cmd_client_no_evict(exec_ctx *c)
{
    client_on_off_flag(c, CLIENT_NO_EVICT);
}

void cmd_client_no_touch(exec_ctx *c)
{
    client_on_off_flag(c, CLIENT_NO_TOUCH);
}

/* ON replies +OK; OFF and SKIP have no reply (the dispatcher drops what a command in
 * those modes writes, and arms SKIP for the next command). */
void cmd_client_reply(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    const rd_arg *v = &c->argv[2];
    if (rd_strcaseeq(v->ptr, v->len, "on")) {
        cl->flags &= ~(uint32_t)(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
        resp_write_ok(c->w);
    } else if (rd_strcaseeq(v->ptr, v->len, "off")) {
        cl->flags |= CLIENT_REPLY_OFF;
    } else if (rd_strcaseeq(v->ptr, v->len, "skip")) {
        if (!(cl->flags & CLIENT_REPLY_OFF))
            cl->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_syntax_error(c);
    }
}

void cmd_client_setinfo(exec_ctx *c)
{
    client *cl = caller(c);
    if (!cl)
        return;
    const rd_arg *attr = &c->argv[2], *val = &c->argv[3];
    char **slot;
    if (rd_strcaseeq(attr->ptr, attr->len, "lib-name"))
        slot = &cl->lib_name;
    else if (rd_strcaseeq(attr->ptr, attr->len, "lib-ver"))
        slot = &cl->lib_ver;
    else {
        resp_write_errorf(c->w, "ERR Unrecognized option '%.*s'", (int)attr->len, attr->ptr);
        return;
    }
    if (!printable_word(val->ptr, val->len)) {
        resp_write_errorf(c->w, "ERR %.*s cannot contain spaces, newlines or special characters.",
                          (int)attr->len, attr->ptr);
        return;
    }
    set_owned_string(slot, val->ptr, val->len);
    resp_write_ok(c->w);
}

void cmd_client_help(exec_ctx *c)
{
    static const char *const lines[] = {
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        NULL,
    };
    reply_help(c, lines);
}
