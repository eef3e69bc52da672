/* config: the `sentinel ...` configuration lines of redraft-sentinel, and their defaults.
 *
 * node/config.c parses the file and `--directive value` flags as for a node and hands
 * every `sentinel <words...>` line here (config_sentinel_directive). The words follow
 * Redis Sentinel's sentinel.conf (sentinelHandleConfiguration) with its error texts;
 * redraft adds `spare`, `repair-after-milliseconds`, `ping-period-milliseconds`,
 * `info-period-milliseconds` and a one-argument `auth-pass <password>` that applies to
 * every master without its own. Lines Redis itself writes into sentinel.conf (myid,
 * current-epoch, known-replica ...) are accepted and ignored: here they are discovered
 * or replicated, and the sentinel's id is its Raft node id.
 *
 * The other way round, config_sentinel_rewrite_lines writes the current state back as
 * such lines for node/config.c's CONFIG REWRITE, which sentinel_flush_config runs after
 * every runtime change (Redis's sentinelFlushConfig), so a restart keeps them. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "bytebuf.h"
#include "config.h"
#include "mem.h"
#include "sentinel.h"
#include "sentinel_internal.h"
#include "server.h"
#include "strutil.h"

sentinel_config g_sentinel_cfg;
sentinel_options g_sentinel_opts;

#define ERR_UNRECOGNIZED "Unrecognized sentinel configuration statement."

static char *cstr(const rd_arg *a)
{
    return rd_strndup(a->ptr, a->len);
}

static char *dup_msg(const char *s)
{
    return rd_strndup(s, strlen(s));
}

void sentinel_config_defaults(void)
{
    sentinel_config_free();
    g_sentinel_cfg.repair_after_ms = 60000;
    g_sentinel_cfg.ping_period_ms = 250;
    g_sentinel_cfg.info_period_ms = 250;
    g_sentinel_cfg.default_name = dup_msg("mymaster");
    g_sentinel_opts.resolve_hostnames = 0;
    g_sentinel_opts.announce_hostnames = 0;
    g_sentinel_opts.announce_ip = dup_msg("");
    g_sentinel_opts.announce_port = 0;
    g_sentinel_opts.sentinel_user = dup_msg("");
    g_sentinel_opts.sentinel_pass = dup_msg("");
    g_sentinel_opts.deny_scripts_reconfig = 1;
}

void sentinel_config_free(void)
{
    for (int i = 0; i < g_sentinel_cfg.spare_count; i++)
        rd_free(g_sentinel_cfg.spares[i]);
    rd_free(g_sentinel_cfg.spares);
    rd_free(g_sentinel_cfg.auth_pass);
    rd_free(g_sentinel_cfg.default_name);
    memset(&g_sentinel_cfg, 0, sizeof g_sentinel_cfg);
    rd_free(g_sentinel_opts.announce_ip);
    rd_free(g_sentinel_opts.sentinel_user);
    rd_free(g_sentinel_opts.sentinel_pass);
    memset(&g_sentinel_opts, 0, sizeof g_sentinel_opts);
}

int sentinel_valid_host(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1)
        return 1;
    if (!g_sentinel_opts.resolve_hostnames)
        return 0; /* as Redis with resolve-hostnames no: addresses only */
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return 0;
    freeaddrinfo(res);
    return 1;
}

static int is_word(const rd_arg *a, const char *w)
{
    return rd_strcaseeq(a->ptr, a->len, w);
}

/* A positive millisecond value, as Redis's atoi() > 0 check (but strict). */
static int parse_ms(const rd_arg *a, long long *out)
{
    return rd_str2ll(a->ptr, a->len, out) && *out > 0;
}

static int parse_yesno(const rd_arg *a, int *out)
{
    if (is_word(a, "yes"))
        *out = 1;
    else if (is_word(a, "no"))
        *out = 0;
    else
        return 0;
    return 1;
}

static void set_owned(char **slot, const rd_arg *a)
{
    rd_free(*slot);
    *slot = cstr(a);
}

/* `monitor <name> <host> <port> <quorum>` */
static const char *directive_monitor(const rd_arg *argv)
{
    long long quorum, port;
    if (!rd_str2ll(argv[4].ptr, argv[4].len, &quorum) || quorum <= 0)
        return "Quorum must be 1 or greater.";
    if (!rd_str2ll(argv[3].ptr, argv[3].len, &port) || port < 0 || port > 65535)
        return "Invalid port number.";
    char *name = cstr(&argv[1]), *host = cstr(&argv[2]);
    const char *err = NULL;
    if (sentinel_master_by_name(argv[1].ptr, argv[1].len))
        err = "Duplicate master name.";
    else if (argv[1].len == 0 || argv[1].len > SENTINEL_NAME_MAX || memchr(argv[1].ptr, '\0', argv[1].len))
        err = "Invalid master name.";
    else if (argv[2].len > SENTINEL_HOST_MAX || !sentinel_valid_host(host))
        err = "Can't resolve instance hostname.";
    else if (!sentinel_master_add(name, host, (int)port, (unsigned)quorum))
        err = "Duplicate master name.";
    rd_free(name);
    rd_free(host);
    return err;
}

/* Options whose second word is a master name. */
static const char *directive_per_master(int argc, const rd_arg *argv)
{
    sentinel_master *m = sentinel_master_by_name(argv[1].ptr, argv[1].len);
    if (!m)
        return "No such master with specified name.";
    long long v;
    if (is_word(&argv[0], "down-after-milliseconds") && argc == 3) {
        if (!parse_ms(&argv[2], &v))
            return "negative or zero time parameter.";
        m->down_after_ms = v;
    } else if (is_word(&argv[0], "failover-timeout") && argc == 3) {
        if (!parse_ms(&argv[2], &v))
            return "negative or zero time parameter.";
        m->failover_timeout_ms = v;
    } else if (is_word(&argv[0], "parallel-syncs") && argc == 3) {
        if (!rd_str2ll(argv[2].ptr, argv[2].len, &v) || v < 0 || v > 1000000)
            return "Invalid parallel-syncs value.";
        m->parallel_syncs = (int)v;
    } else if (is_word(&argv[0], "auth-pass") && argc == 3) {
        set_owned(&m->auth_pass, &argv[2]);
    } else if ((is_word(&argv[0], "config-epoch") || is_word(&argv[0], "leader-epoch") ||
                is_word(&argv[0], "known-replica") || is_word(&argv[0], "known-slave") ||
                is_word(&argv[0], "known-sentinel") || is_word(&argv[0], "auth-user") ||
                is_word(&argv[0], "master-reboot-down-after-period") ||
                is_word(&argv[0], "rename-command")) && argc >= 3) {
        /* Redis's saved state: discovered or replicated here. */
    } else if ((is_word(&argv[0], "notification-script") || is_word(&argv[0], "client-reconfig-script")) &&
               argc == 3) {
        server_log(LL_WARNING, "sentinel %.*s: scripts are not supported by redraft-sentinel, ignored",
                   (int)argv[0].len, argv[0].ptr);
    } else {
        return ERR_UNRECOGNIZED;
    }
    return NULL;
}

static const char *directive(int argc, const rd_arg *argv)
{
    long long v;
    if (argc < 1)
        return ERR_UNRECOGNIZED;
    const rd_arg *opt = &argv[0];
    if (is_word(opt, "monitor"))
        return argc == 5 ? directive_monitor(argv) : ERR_UNRECOGNIZED;
    if (is_word(opt, "auth-pass") && argc == 2) {
        set_owned(&g_sentinel_cfg.auth_pass, &argv[1]);
        return NULL;
    }
    if (is_word(opt, "spare") && argc == 3) {
        long long port;
        if (!rd_str2ll(argv[2].ptr, argv[2].len, &port) || port <= 0 || port > 65535)
            return "Invalid port number.";
        if (argv[1].len == 0 || argv[1].len > SENTINEL_HOST_MAX)
            return "Can't resolve instance hostname.";
        char addr[SENTINEL_HOST_MAX + 16];
        snprintf(addr, sizeof addr, "%.*s:%lld", (int)argv[1].len, argv[1].ptr, port);
        for (int i = 0; i < g_sentinel_cfg.spare_count; i++)
            if (strcmp(g_sentinel_cfg.spares[i], addr) == 0)
                return NULL; /* listed twice: once is enough */
        g_sentinel_cfg.spares = rd_realloc(g_sentinel_cfg.spares,
                                           (size_t)(g_sentinel_cfg.spare_count + 1) * sizeof(char *));
        g_sentinel_cfg.spares[g_sentinel_cfg.spare_count++] = dup_msg(addr);
        return NULL;
    }
    if (is_word(opt, "repair-after-milliseconds") && argc == 2) {
        if (!rd_str2ll(argv[1].ptr, argv[1].len, &v) || v < 0)
            return "negative time parameter.";
        g_sentinel_cfg.repair_after_ms = v;
        return NULL;
    }
    if ((is_word(opt, "ping-period-milliseconds") || is_word(opt, "info-period-milliseconds")) && argc == 2) {
        if (!parse_ms(&argv[1], &v))
            return "negative or zero time parameter.";
        if (is_word(opt, "ping-period-milliseconds"))
            g_sentinel_cfg.ping_period_ms = v;
        else
            g_sentinel_cfg.info_period_ms = v;
        return NULL;
    }
    if ((is_word(opt, "resolve-hostnames") || is_word(opt, "announce-hostnames") ||
         is_word(opt, "deny-scripts-reconfig")) && argc == 2) {
        int yes, ok = parse_yesno(&argv[1], &yes);
        if (is_word(opt, "resolve-hostnames")) {
            if (!ok)
                return "Please specify yes or no for the resolve-hostnames option.";
            g_sentinel_opts.resolve_hostnames = yes;
        } else if (is_word(opt, "announce-hostnames")) {
            if (!ok)
                return "Please specify yes or no for the announce-hostnames option.";
            g_sentinel_opts.announce_hostnames = yes;
        } else {
            if (!ok)
                return "Please specify yes or no for the deny-scripts-reconfig option.";
            g_sentinel_opts.deny_scripts_reconfig = yes;
        }
        return NULL;
    }
    if (is_word(opt, "announce-ip") && argc == 2) {
        set_owned(&g_sentinel_opts.announce_ip, &argv[1]);
        return NULL;
    }
    if (is_word(opt, "announce-port") && argc == 2) {
        if (!rd_str2ll(argv[1].ptr, argv[1].len, &v) || v < 0 || v > 65535)
            return "Invalid port number.";
        g_sentinel_opts.announce_port = (int)v;
        return NULL;
    }
    if (is_word(opt, "sentinel-user") && argc == 2) {
        set_owned(&g_sentinel_opts.sentinel_user, &argv[1]);
        return NULL;
    }
    if (is_word(opt, "sentinel-pass") && argc == 2) {
        set_owned(&g_sentinel_opts.sentinel_pass, &argv[1]);
        return NULL;
    }
    if ((is_word(opt, "myid") || is_word(opt, "current-epoch")) && argc == 2)
        return NULL; /* Redis's saved state; the id here is the Raft node id */
    if (argc >= 3)
        return directive_per_master(argc, argv);
    return ERR_UNRECOGNIZED;
}

int config_sentinel_directive(int argc, const rd_arg *argv, char **err)
{
    *err = NULL;
    const char *msg = directive(argc, argv);
    if (!msg)
        return 0;
    *err = dup_msg(msg);
    return -1;
}

const char *sentinel_master_auth_pass(const sentinel_master *m)
{
    if (m && m->auth_pass)
        return m->auth_pass;
    return g_sentinel_cfg.auth_pass;
}

/* ---- writing the state back (CONFIG REWRITE) --------------------------------------- */

/* A word as the config parser reads it back: bare when it is plain, else quoted. */
static void append_word(bytebuf *out, const char *w)
{
    int plain = w[0] != '\0';
    for (const char *p = w; *p && plain; p++)
        plain = *p > ' ' && *p < 127 && *p != '"' && *p != '\'' && *p != '\\';
    bytebuf_append_char(out, ' ');
    if (plain)
        bytebuf_append_str(out, w);
    else
        bytebuf_append_repr(out, w, strlen(w));
}

static void line1(bytebuf *out, const char *opt, const char *a)
{
    bytebuf_append_str(out, "sentinel ");
    bytebuf_append_str(out, opt);
    append_word(out, a);
    bytebuf_append_char(out, '\n');
}

static void line_ll(bytebuf *out, const char *opt, const char *name, long long v)
{
    bytebuf_append_str(out, "sentinel ");
    bytebuf_append_str(out, opt);
    if (name)
        append_word(out, name);
    bytebuf_appendf(out, " %lld\n", v);
}

/* Redis's order (rewriteConfigSentinelOption): global switches, then per master its
 * `monitor` line and its non-default options, then the announce and sentinel-auth
 * options; redraft's own lines last. A master's address is where its shard is led now
 * (Redis writes the current master's), the seed when that is unknown or not usable. */
void config_sentinel_rewrite_lines(bytebuf *out)
{
    if (!g_sentinel_opts.deny_scripts_reconfig)
        line1(out, "deny-scripts-reconfig", "no");
    if (g_sentinel_opts.resolve_hostnames)
        line1(out, "resolve-hostnames", "yes");
    if (g_sentinel_opts.announce_hostnames)
        line1(out, "announce-hostnames", "yes");
    for (int i = 0; i < sentinel_master_count(); i++) {
        const sentinel_master *m = sentinel_master_at(i);
        const char *host;
        int port;
        sentinel_master_report_addr(m, &host, &port);
        if (!host || !host[0] || port <= 0 || strlen(host) > SENTINEL_HOST_MAX || !sentinel_valid_host(host)) {
            host = m->seed_host;
            port = m->seed_port;
        }
        bytebuf_append_str(out, "sentinel monitor");
        append_word(out, m->name);
        append_word(out, host);
        bytebuf_appendf(out, " %d %u\n", port, m->quorum);
        if (m->down_after_ms != 5000)
            line_ll(out, "down-after-milliseconds", m->name, m->down_after_ms);
        if (m->failover_timeout_ms != 180000)
            line_ll(out, "failover-timeout", m->name, m->failover_timeout_ms);
        if (m->parallel_syncs != 1)
            line_ll(out, "parallel-syncs", m->name, m->parallel_syncs);
        if (m->auth_pass) {
            bytebuf_append_str(out, "sentinel auth-pass");
            append_word(out, m->name);
            append_word(out, m->auth_pass);
            bytebuf_append_char(out, '\n');
        }
    }
    if (g_sentinel_opts.announce_ip && g_sentinel_opts.announce_ip[0])
        line1(out, "announce-ip", g_sentinel_opts.announce_ip);
    if (g_sentinel_opts.announce_port)
        line_ll(out, "announce-port", NULL, g_sentinel_opts.announce_port);
    if (g_sentinel_opts.sentinel_user && g_sentinel_opts.sentinel_user[0])
        line1(out, "sentinel-user", g_sentinel_opts.sentinel_user);
    if (g_sentinel_opts.sentinel_pass && g_sentinel_opts.sentinel_pass[0])
        line1(out, "sentinel-pass", g_sentinel_opts.sentinel_pass);
    if (g_sentinel_cfg.auth_pass)
        line1(out, "auth-pass", g_sentinel_cfg.auth_pass);
    for (int i = 0; i < g_sentinel_cfg.spare_count; i++) {
        const char *colon = strrchr(g_sentinel_cfg.spares[i], ':');
        if (!colon)
            continue;
        char host[SENTINEL_HOST_MAX + 1];
        snprintf(host, sizeof host, "%.*s", (int)(colon - g_sentinel_cfg.spares[i]), g_sentinel_cfg.spares[i]);
        bytebuf_append_str(out, "sentinel spare");
        append_word(out, host);
        bytebuf_appendf(out, " %s\n", colon + 1);
    }
    if (g_sentinel_cfg.repair_after_ms != 60000)
        line_ll(out, "repair-after-milliseconds", NULL, g_sentinel_cfg.repair_after_ms);
    if (g_sentinel_cfg.ping_period_ms != 250)
        line_ll(out, "ping-period-milliseconds", NULL, g_sentinel_cfg.ping_period_ms);
    if (g_sentinel_cfg.info_period_ms != 250)
        line_ll(out, "info-period-milliseconds", NULL, g_sentinel_cfg.info_period_ms);
}

int sentinel_flush_config(void)
{
    static int warned_no_file;
    if (!g_server.cfg.config_file) {
        /* Redis Sentinel refuses to start without a file; this one runs, unsaved. */
        if (!warned_no_file)
            server_log(LL_WARNING, "Sentinel was started without a config file: changes to its configuration "
                                   "will not survive a restart");
        warned_no_file = 1;
        return -1;
    }
    char *err = NULL;
    if (config_rewrite(&g_server.cfg, &err) != 0) {
        server_log(LL_WARNING, "WARNING: Sentinel was not able to save the new configuration on disk!!!: %s",
                   err ? err : "unknown error");
        rd_free(err);
        return -1;
    }
    return 0;
}
