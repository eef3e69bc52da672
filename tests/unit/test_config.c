/* Unit tests for node/config.c (directive table: defaults, value parsing, config files
 * and flags, CONFIG SET atomicity, CONFIG GET, CONFIG REWRITE) and node/auth.c (the
 * requirepass hashes). */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "bytebuf.h"
#include "config.h"
#include "evict.h"
#include "mem.h"
#include "resp_writer.h"

/* ---- helpers ------------------------------------------------------------------------- */

static rd_arg A(const char *s)
{
    rd_arg a = {s, strlen(s)};
    return a;
}

/* config_apply with words given as C strings; returns rc and the error (or NULL). */
static int apply(server_config *cfg, int at_runtime, char **err, int n, ...)
{
    rd_arg argv[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        argv[i] = A(va_arg(ap, const char *));
    va_end(ap);
    return config_apply(cfg, n, argv, at_runtime, err);
}

static void expect_apply_error(server_config *cfg, const char *name, const char *value, const char *want)
{
    char *err = NULL;
    int rc = apply(cfg, 0, &err, 2, name, value);
    cr_assert_eq(rc, -1, "%s %s accepted", name, value);
    cr_assert_str_eq(err, want);
    rd_free(err);
}

/* CONFIG GET <pattern> in RESP2, returned as "name=value;name=value;" */
static char *get_flat(const server_config *cfg, const char *pattern)
{
    bytebuf out;
    bytebuf_init(&out);
    resp_writer w;
    resp_writer_init(&w, &out, 2);
    rd_arg p = A(pattern);
    config_get_reply(cfg, 1, &p, &w);
    /* decode the flat array of bulks */
    bytebuf flat;
    bytebuf_init(&flat);
    const char *s = out.data;
    cr_assert_eq(s[0], '*');
    long n = strtol(s + 1, NULL, 10);
    s = strstr(s, "\r\n") + 2;
    for (long i = 0; i < n; i++) {
        cr_assert_eq(s[0], '$');
        long len = strtol(s + 1, NULL, 10);
        s = strstr(s, "\r\n") + 2;
        bytebuf_append(&flat, s, (size_t)len);
        bytebuf_append_char(&flat, i % 2 ? ';' : '=');
        s += len + 2;
    }
    bytebuf_append_char(&flat, '\0');
    bytebuf_free(&out);
    return bytebuf_detach(&flat, NULL);
}

static void expect_get(const server_config *cfg, const char *name, const char *want_value)
{
    char *got = get_flat(cfg, name);
    char want[1024];
    snprintf(want, sizeof want, "%s=%s;", name, want_value);
    cr_assert_str_eq(got, want);
    rd_free(got);
}

static char *write_temp(const char *content)
{
    char *path = strdup("/tmp/redraft-test-config-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ---- defaults ------------------------------------------------------------------------ */

Test(config, defaults_are_redis7s)
{
    server_config cfg;
    config_defaults(&cfg);
    cr_assert_eq(cfg.port, 6379);
    cr_assert_eq(cfg.bind_count, 2);
    cr_assert_str_eq(cfg.bind[0], "*");
    cr_assert_str_eq(cfg.bind[1], "-::*");
    cr_assert_eq(cfg.protected_mode, 1);
    cr_assert_eq(cfg.tcp_backlog, 511);
    cr_assert_eq(cfg.tcp_keepalive, 300);
    cr_assert_eq(cfg.timeout, 0);
    cr_assert_eq(cfg.maxclients, 10000);
    cr_assert_eq(cfg.databases, 16);
    cr_assert_eq(cfg.proto_max_bulk_len, 512LL * 1024 * 1024);
    cr_assert_eq(cfg.client_query_buffer_limit, 1024LL * 1024 * 1024);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_NORMAL].hard, 0);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_REPLICA].hard, 256ULL * 1024 * 1024);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_REPLICA].soft, 64ULL * 1024 * 1024);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_REPLICA].soft_seconds, 60);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_PUBSUB].hard, 32ULL * 1024 * 1024);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_PUBSUB].soft, 8ULL * 1024 * 1024);
    cr_assert_eq(cfg.maxmemory, 0);
    cr_assert_eq(cfg.maxmemory_policy, MAXMEMORY_NOEVICTION);
    cr_assert_eq(cfg.maxmemory_samples, 5);
    cr_assert_eq(cfg.maxmemory_eviction_tenacity, 10);
    cr_assert_eq(cfg.lfu_log_factor, 10);
    cr_assert_eq(cfg.lfu_decay_time, 1);
    cr_assert_eq(cfg.hz, 10);
    cr_assert_eq(cfg.active_expire_effort, 1);
    cr_assert_null(cfg.requirepass_hash);
    cr_assert_eq(cfg.slowlog_log_slower_than, 10000);
    cr_assert_eq(cfg.slowlog_max_len, 128);
    cr_assert_eq(cfg.latency_monitor_threshold, 0);
    cr_assert_eq(cfg.loglevel, LL_NOTICE);
    cr_assert_eq(cfg.daemonize, 0);
    cr_assert_eq(cfg.appendonly, 0);
    cr_assert_str_eq(cfg.logfile, "");
    cr_assert_str_eq(cfg.pidfile, "");
    cr_assert_null(cfg.config_file);
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_str_eq(cfg.dir, cwd);
    config_free(&cfg);
}

Test(config, get_formats_like_redis)
{
    server_config cfg;
    config_defaults(&cfg);
    expect_get(&cfg, "client-output-buffer-limit",
               "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    expect_get(&cfg, "bind", "* -::*");
    expect_get(&cfg, "save", "");
    expect_get(&cfg, "appendonly", "no");
    expect_get(&cfg, "maxmemory-policy", "noeviction");
    expect_get(&cfg, "proto-max-bulk-len", "536870912");
    expect_get(&cfg, "requirepass", "");
    config_free(&cfg);
}

/* ---- value parsing ------------------------------------------------------------------- */

Test(config, memory_units)
{
    server_config cfg;
    config_defaults(&cfg);
    static const struct {
        const char *text;
        unsigned long long bytes;
    } cases[] = {
        {"0", 0}, {"100", 100}, {"1b", 1}, {"1k", 1000}, {"1kb", 1024}, {"1K", 1000},
        {"1KB", 1024}, {"2m", 2000000}, {"2mb", 2 * 1048576ULL}, {"3g", 3000000000ULL},
        {"3gb", 3 * 1073741824ULL}, {"3Gb", 3 * 1073741824ULL}, {"", 0},
        {"18446744073709551615", ULLONG_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        cr_assert_eq(apply(&cfg, 0, &err, 2, "maxmemory", cases[i].text), 0, "%s", cases[i].text);
        cr_assert_eq(cfg.maxmemory, cases[i].bytes, "%s -> %llu", cases[i].text, cfg.maxmemory);
    }
    const char *bad[] = {"-1", "10x", "1kbb", "k1", "1.5mb", "18446744073709551616", "17179869184gb", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_apply_error(&cfg, "maxmemory", bad[i], "argument must be a memory value");
    /* long long memory directives with a minimum */
    expect_apply_error(&cfg, "proto-max-bulk-len", "10",
                       "argument must be between 1048576 and 9223372036854775807 inclusive");
    char *err = NULL;
    cr_assert_eq(apply(&cfg, 0, &err, 2, "proto-max-bulk-len", "1mb"), 0);
    cr_assert_eq(cfg.proto_max_bulk_len, 1048576);
    config_free(&cfg);
}

Test(config, integers_bools_enums)
{
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(apply(&cfg, 0, &err, 2, "timeout", "300"), 0);
    cr_assert_eq(cfg.timeout, 300);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "slowlog-log-slower-than", "-1"), 0);
    cr_assert_eq(cfg.slowlog_log_slower_than, -1);
    expect_apply_error(&cfg, "hz", "abc", "argument couldn't be parsed into an integer");
    expect_apply_error(&cfg, "hz", "+1", "argument couldn't be parsed into an integer");
    expect_apply_error(&cfg, "maxmemory-samples", "0", "argument must be between 1 and 2147483647 inclusive");
    expect_apply_error(&cfg, "timeout", "-1", "argument must be between 0 and 2147483647 inclusive");
    expect_apply_error(&cfg, "databases", "17", "argument must be between 1 and 16 inclusive");
    expect_apply_error(&cfg, "port", "65536", "argument must be between 0 and 65535 inclusive");

    cr_assert_eq(apply(&cfg, 0, &err, 2, "protected-mode", "NO"), 0);
    cr_assert_eq(cfg.protected_mode, 0);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "appendonly", "yes"), 0);
    cr_assert_eq(cfg.appendonly, 1);
    expect_apply_error(&cfg, "protected-mode", "maybe", "argument must be 'yes' or 'no'");
    expect_apply_error(&cfg, "protected-mode", "1", "argument must be 'yes' or 'no'");
    cr_assert_eq(apply(&cfg, 0, &err, 2, "daemonize", "no"), 0);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "daemonize", "yes"), -1);
    rd_free(err);
    err = NULL;

    cr_assert_eq(apply(&cfg, 0, &err, 2, "maxmemory-policy", "ALLKEYS-LFU"), 0);
    cr_assert_eq(cfg.maxmemory_policy, MAXMEMORY_ALLKEYS_LFU);
    cr_assert_str_eq(evict_policy_name(cfg.maxmemory_policy), "allkeys-lfu");
    expect_apply_error(&cfg, "maxmemory-policy", "lru",
                       "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                       "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                       "noeviction");
    cr_assert_eq(apply(&cfg, 0, &err, 2, "loglevel", "warning"), 0);
    cr_assert_eq(cfg.loglevel, LL_WARNING);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "loglevel", "nothing"), 0);
    cr_assert_eq(cfg.loglevel, LL_NOTHING);

    /* hz is clamped to 1..500 as Redis does */
    cr_assert_eq(apply(&cfg, 0, &err, 2, "hz", "0"), 0);
    cr_assert_eq(cfg.hz, 1);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "hz", "100000"), 0);
    cr_assert_eq(cfg.hz, 500);
    config_free(&cfg);
}

Test(config, names_arity_and_runtime_flags)
{
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(apply(&cfg, 0, &err, 2, "no-such-thing", "1"), -1);
    cr_assert_str_eq(err, "Bad directive or wrong number of arguments");
    rd_free(err);
    cr_assert_eq(apply(&cfg, 0, &err, 1, "port"), -1);
    cr_assert_str_eq(err, "wrong number of arguments");
    rd_free(err);
    cr_assert_eq(apply(&cfg, 0, &err, 3, "port", "1", "2"), -1);
    cr_assert_str_eq(err, "wrong number of arguments");
    rd_free(err);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "MaxMemory", "5"), 0); /* names are case-insensitive */
    cr_assert_eq(cfg.maxmemory, 5);
    cr_assert_eq(apply(&cfg, 1, &err, 2, "port", "7000"), -1);
    cr_assert_str_eq(err, "can't set immutable config");
    rd_free(err);
    cr_assert_eq(apply(&cfg, 1, &err, 2, "dir", "/tmp"), -1);
    cr_assert_str_eq(err, "can't set protected config");
    rd_free(err);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "port", "7000"), 0);
    cr_assert_eq(cfg.port, 7000);
    config_free(&cfg);
}

Test(config, multi_word_directives)
{
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(apply(&cfg, 0, &err, 3, "bind", "127.0.0.1", "-::1"), 0);
    cr_assert_eq(cfg.bind_count, 2);
    cr_assert_str_eq(cfg.bind[1], "-::1");
    cr_assert_eq(apply(&cfg, 0, &err, 2, "bind", "10.0.0.1 10.0.0.2 10.0.0.3"), 0); /* one quoted word */
    cr_assert_eq(cfg.bind_count, 3);
    expect_get(&cfg, "bind", "10.0.0.1 10.0.0.2 10.0.0.3");
    rd_arg many[18];
    many[0] = A("bind");
    for (int i = 1; i < 18; i++)
        many[i] = A("1.2.3.4");
    cr_assert_eq(config_apply(&cfg, 18, many, 0, &err), -1);
    cr_assert_str_eq(err, "Too many bind addresses specified.");
    rd_free(err);

    cr_assert_eq(apply(&cfg, 0, &err, 5, "client-output-buffer-limit", "pubsub", "64mb", "16mb", "90"), 0);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "client-output-buffer-limit", "normal 1k 2kb 3 replica 1gb 0 0"), 0);
    expect_get(&cfg, "client-output-buffer-limit",
               "normal 1000 2048 3 slave 1073741824 0 0 pubsub 67108864 16777216 90");
    expect_apply_error(&cfg, "client-output-buffer-limit", "master 1 2 3",
                       "Invalid client class specified in buffer limit configuration.");
    expect_apply_error(&cfg, "client-output-buffer-limit", "normal 1 2",
                       "Wrong number of arguments in buffer limit configuration.");
    expect_apply_error(&cfg, "client-output-buffer-limit", "normal 1x 2 3",
                       "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    expect_apply_error(&cfg, "client-output-buffer-limit", "normal 1 2 3 pubsub -1 2 3",
                       "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    /* a refused setting changes nothing, not even its valid groups */
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_NORMAL].hard, 1000);

    cr_assert_eq(apply(&cfg, 0, &err, 2, "save", ""), 0);
    cr_assert_eq(apply(&cfg, 0, &err, 5, "save", "3600", "1", "300", "100"), 0);
    cr_assert_eq(apply(&cfg, 0, &err, 2, "save", "60 10000"), 0);
    expect_get(&cfg, "save", "");
    expect_apply_error(&cfg, "save", "1 2 3", "Invalid save parameters");
    expect_apply_error(&cfg, "save", "0 1", "Invalid save parameters");
    expect_apply_error(&cfg, "save", "x 1", "Invalid save parameters");
    config_free(&cfg);
}

/* ---- requirepass --------------------------------------------------------------------- */

Test(config, requirepass_is_only_hashed)
{
    server_config cfg;
    config_defaults(&cfg);
    cr_assert_not(auth_password_required(&cfg));
    char *err = NULL;
    cr_assert_eq(apply(&cfg, 0, &err, 2, "requirepass", "s3cret pass"), 0);
    cr_assert(auth_password_required(&cfg));
    cr_assert_not_null(cfg.requirepass_hash);
    cr_assert_eq(strncmp(cfg.requirepass_hash, "$argon2id$", 10), 0);
    cr_assert_null(strstr(cfg.requirepass_hash, "s3cret"));
    cr_assert(cfg.requirepass_digest_set);
    cr_assert(auth_is_password_hash(cfg.requirepass_hash, strlen(cfg.requirepass_hash)));

    /* CONFIG GET shows the hash, never the password */
    char *got = get_flat(&cfg, "requirepass");
    cr_assert_null(strstr(got, "s3cret"));
    cr_assert(strstr(got, "$argon2id$") != NULL);
    rd_free(got);

    cr_assert(auth_check(&cfg, NULL, "default", 7, "s3cret pass", 11));
    cr_assert_not(auth_check(&cfg, NULL, "default", 7, "s3cret", 6));
    cr_assert_not(auth_check(&cfg, NULL, "DEFAULT", 7, "s3cret pass", 11));
    cr_assert_not(auth_check(&cfg, NULL, "bob", 3, "s3cret pass", 11));

    /* the hash itself, given back (as CONFIG REWRITE writes it), means the same password;
     * the first successful check is the slow one and records the fast digest */
    server_config other;
    config_defaults(&other);
    cr_assert_eq(apply(&other, 0, &err, 2, "requirepass", cfg.requirepass_hash), 0);
    cr_assert_str_eq(other.requirepass_hash, cfg.requirepass_hash);
    cr_assert_not(other.requirepass_digest_set);
    cr_assert_not(auth_check(&other, NULL, "default", 7, "wrong", 5));
    cr_assert_not(other.requirepass_digest_set);
    cr_assert(auth_check(&other, NULL, "default", 7, "s3cret pass", 11));
    cr_assert(other.requirepass_digest_set);
    cr_assert(auth_check(&other, NULL, "default", 7, "s3cret pass", 11));
    cr_assert_not(auth_check(&other, NULL, "default", 7, "s3cret pas", 10));

    /* "" removes the password; then the default user takes any password */
    cr_assert_eq(apply(&cfg, 0, &err, 2, "requirepass", ""), 0);
    cr_assert_null(cfg.requirepass_hash);
    cr_assert(auth_check(&cfg, NULL, "default", 7, "anything", 8));
    cr_assert_not(auth_check(&cfg, NULL, "nobody", 6, "anything", 8));
    /* a malformed $argon2id$ string is just a password */
    cr_assert_not(auth_is_password_hash("$argon2id$nope", 14));
    config_free(&cfg);
    config_free(&other);
}

/* ---- CONFIG SET ---------------------------------------------------------------------- */

static int set_pairs(server_config *cfg, bytebuf *err, int n, ...)
{
    rd_arg args[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < 2 * n; i++)
        args[i] = A(va_arg(ap, const char *));
    va_end(ap);
    bytebuf_clear(err);
    int rc = config_set_pairs(cfg, n, args, err);
    bytebuf_append_char(err, '\0');
    return rc;
}

Test(config, set_is_all_or_nothing)
{
    server_config cfg;
    config_defaults(&cfg);
    bytebuf err;
    bytebuf_init(&err);
    cr_assert_eq(set_pairs(&cfg, &err, 3, "maxmemory", "10mb", "maxmemory-policy", "allkeys-lru", "timeout", "5"), 0);
    cr_assert_eq(cfg.maxmemory, 10ULL * 1024 * 1024);
    cr_assert_eq(cfg.maxmemory_policy, MAXMEMORY_ALLKEYS_LRU);
    cr_assert_eq(cfg.timeout, 5);

    cr_assert_eq(set_pairs(&cfg, &err, 2, "maxmemory", "1gb", "maxmemory-policy", "foo"), -1);
    cr_assert_str_eq(err.data, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
                               "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                               "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                               "noeviction");
    cr_assert_eq(cfg.maxmemory, 10ULL * 1024 * 1024, "maxmemory changed by a failed CONFIG SET");

    cr_assert_eq(set_pairs(&cfg, &err, 1, "maxmemory", "10x"), -1);
    cr_assert_str_eq(err.data, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
                               "argument must be a memory value");
    cr_assert_eq(set_pairs(&cfg, &err, 2, "maxmemory", "1", "MAXMEMORY", "2"), -1);
    cr_assert_str_eq(err.data, "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - "
                               "duplicate parameter");
    cr_assert_eq(set_pairs(&cfg, &err, 2, "timeout", "1", "foo", "bar"), -1);
    cr_assert_str_eq(err.data, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    cr_assert_eq(set_pairs(&cfg, &err, 2, "daemonize", "no", "foo", "bar"), -1);
    cr_assert_str_eq(err.data, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - "
                               "can't set immutable config");
    cr_assert_eq(set_pairs(&cfg, &err, 1, "dir", "/tmp"), -1);
    cr_assert_str_eq(err.data, "ERR CONFIG SET failed (possibly related to argument 'dir') - "
                               "can't set protected config");
    cr_assert_eq(set_pairs(&cfg, &err, 1, "Timeout", "abc"), -1);
    cr_assert_str_eq(err.data, "ERR CONFIG SET failed (possibly related to argument 'timeout') - "
                               "argument couldn't be parsed into an integer");
    cr_assert_eq(cfg.timeout, 5);

    /* multi-word values come as one string */
    cr_assert_eq(set_pairs(&cfg, &err, 1, "client-output-buffer-limit", "pubsub 1mb 512kb 5"), 0);
    cr_assert_eq(cfg.obuf_limits[CLIENT_CLASS_PUBSUB].hard, 1048576);
    cr_assert_eq(set_pairs(&cfg, &err, 1, "save", ""), 0);
    bytebuf_free(&err);
    config_free(&cfg);
}

Test(config, get_patterns)
{
    server_config cfg;
    config_defaults(&cfg);
    char *got = get_flat(&cfg, "maxmemory-*");
    cr_assert_str_eq(got, "maxmemory-policy=noeviction;maxmemory-samples=5;maxmemory-eviction-tenacity=10;");
    rd_free(got);
    got = get_flat(&cfg, "MAXMEMORY"); /* an exact name is echoed as asked */
    cr_assert_str_eq(got, "MAXMEMORY=0;");
    rd_free(got);
    got = get_flat(&cfg, "nothing-like-this*");
    cr_assert_str_eq(got, "");
    rd_free(got);

    /* several patterns: each directive once; RESP3 is a map */
    bytebuf out;
    bytebuf_init(&out);
    resp_writer w;
    resp_writer_init(&w, &out, 3);
    rd_arg pats[3] = {A("hz"), A("h?"), A("timeout")};
    config_get_reply(&cfg, 3, pats, &w);
    bytebuf_append_char(&out, '\0');
    cr_assert_str_eq(out.data, "%2\r\n$2\r\nhz\r\n$2\r\n10\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
    bytebuf_free(&out);
    config_free(&cfg);
}

/* ---- files and flags ----------------------------------------------------------------- */

Test(config, file_with_comments_quotes_and_include)
{
    char *inc = write_temp("maxmemory-policy allkeys-random\n");
    char text[512];
    snprintf(text, sizeof text,
             "# a comment\n"
             "\n"
             "   port 7001   \n"
             "bind 127.0.0.1 ::1\r\n"
             "logfile \"/tmp/with space.log\"\n"
             "pidfile '/tmp/x.pid'\n"
             "include %s\n"
             "maxmemory 2mb\n",
             inc);
    char *path = write_temp(text);
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(config_load_file(&cfg, path, &err), 0, "%s", err ? err : "");
    cr_assert_eq(cfg.port, 7001);
    cr_assert_eq(cfg.bind_count, 2);
    cr_assert_str_eq(cfg.bind[1], "::1");
    cr_assert_str_eq(cfg.logfile, "/tmp/with space.log");
    cr_assert_str_eq(cfg.pidfile, "/tmp/x.pid");
    cr_assert_eq(cfg.maxmemory_policy, MAXMEMORY_ALLKEYS_RANDOM);
    cr_assert_eq(cfg.maxmemory, 2ULL * 1024 * 1024);
    config_free(&cfg);
    unlink(path);
    unlink(inc);
    free(path);
    free(inc);
}

static void expect_file_error(const char *content, const char *want)
{
    char *path = write_temp(content);
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(config_load_file(&cfg, path, &err), -1, "accepted: %s", content);
    cr_assert_str_eq(err, want);
    rd_free(err);
    config_free(&cfg);
    unlink(path);
    free(path);
}

Test(config, file_errors_name_the_line)
{
    expect_file_error("# hi\nport 1234\nmaxmemory 10x\n",
                                            "Reading the configuration file, at line 3\n"
                      ">>> 'maxmemory 10x'\n"
                      "argument must be a memory value");
    expect_file_error("port 1\n  frobnicate yes  \n",
                                            "Reading the configuration file, at line 2\n"
                      ">>> 'frobnicate yes'\n"
                      "Bad directive or wrong number of arguments");
    expect_file_error("bind \"unbalanced\n",
                                            "Reading the configuration file, at line 1\n"
                      ">>> 'bind \"unbalanced'\n"
                      "Unbalanced quotes in configuration line");
    expect_file_error("port\n",
                                            "Reading the configuration file, at line 1\n"
                      ">>> 'port'\n"
                      "wrong number of arguments");

    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(config_load_file(&cfg, "/nonexistent/redraft.conf", &err), -1);
    cr_assert_str_eq(err, "Fatal error, can't open config file '/nonexistent/redraft.conf': "
                          "No such file or directory");
    rd_free(err);
    config_free(&cfg);
}

Test(config, flags_after_the_file)
{
    char *path = write_temp("port 7001\nmaxmemory 1mb\n");
    char a0[] = "redraft-node", a2[] = "--port", a3[] = "7002", a4[] = "--bind", a5[] = "127.0.0.1",
         a6[] = "::1", a7[] = "--requirepass", a8[] = "--not-an-option", a9[] = "--save",
         a10[] = "--logfile", a11[] = "/tmp/a log";
    char *argv[] = {a0, path, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, NULL};
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(config_from_args(&cfg, 12, argv, &err), 0, "%s", err ? err : "");
    cr_assert_eq(cfg.port, 7002, "flags come after the file");
    cr_assert_eq(cfg.maxmemory, 1048576);
    cr_assert_eq(cfg.bind_count, 2);
    cr_assert_str_eq(cfg.logfile, "/tmp/a log");
    cr_assert(auth_check(&cfg, NULL, "default", 7, "--not-an-option", 15),
              "a value may start with --");
    cr_assert_str_eq(a8, "", "the password was not wiped from argv");
    char *real = realpath(path, NULL);
    cr_assert_str_eq(cfg.config_file, real);
    free(real);
    config_free(&cfg);

    /* an error in a flag is reported on the line it became */
    char b0[] = "redraft-node", b1[] = "--port", b2[] = "1", b3[] = "--foo", b4[] = "bar";
    char *bargv[] = {b0, b1, b2, b3, b4, NULL};
    config_defaults(&cfg);
    cr_assert_eq(config_from_args(&cfg, 5, bargv, &err), -1);
    cr_assert_str_eq(err,                           "Reading the configuration file, at line 3\n"
                          ">>> 'foo \"bar\"'\n"
                          "Bad directive or wrong number of arguments");
    rd_free(err);
    cr_assert_null(cfg.config_file);
    config_free(&cfg);
    unlink(path);
    free(path);
}

/* ---- CONFIG REWRITE ------------------------------------------------------------------ */

static void load_from(const char *path, server_config *cfg)
{
    config_defaults(cfg);
    char a0[] = "redraft-node";
    char *argv[] = {a0, (char *)path, NULL};
    char *err = NULL;
    cr_assert_eq(config_from_args(cfg, 2, argv, &err), 0, "%s", err ? err : "");
}

Test(config, rewrite_round_trip)
{
    char *path = write_temp("# Redraft test config\n"
                            "\n"
                            "port 7001\n"
                            "  # indented comment\n"
                            "maxmemory 1mb\n"
                            "timeout 10\n"
                            "timeout 20\n"
                            "save 900 1\n"
                            "hz 10\n");

    server_config cfg;
    load_from(path, &cfg);
    cr_assert_eq(cfg.timeout, 20);
    bytebuf err;
    bytebuf_init(&err);
    cr_assert_eq(set_pairs(&cfg, &err, 5, "maxmemory", "3gb", "timeout", "0", "maxmemory-policy", "allkeys-lru",
                           "client-output-buffer-limit", "pubsub 64mb 16mb 90", "requirepass", "p@ss word"),
                 0, "%s", err.data);
    bytebuf_free(&err);
    char *rerr = NULL;
    cr_assert_eq(config_rewrite(&cfg, &rerr), 0, "%s", rerr ? rerr : "");

    char *text = read_all(path);
    /* comments and untouched lines stay where they were; changed directives are rewritten
     * in place, duplicates dropped, new ones appended after the signature */
    const char *head = "# Redraft test config\n"
                       "\n"
                       "port 7001\n"
                       "  # indented comment\n"
                       "maxmemory 3gb\n"
                       "timeout 0\n"
                       "save 900 1\n"
                       "hz 10\n"
                       "# Generated by CONFIG REWRITE\n";
    cr_assert_eq(strncmp(text, head, strlen(head)), 0, "got:\n%s", text);
    cr_assert(strstr(text, "\nmaxmemory-policy allkeys-lru\n"), "got:\n%s", text);
    cr_assert(strstr(text, "\nclient-output-buffer-limit pubsub 64mb 16mb 90\n"), "got:\n%s", text);
    cr_assert_null(strstr(text, "client-output-buffer-limit normal"), "default class written:\n%s", text);
    cr_assert(strstr(text, "\nrequirepass \"$argon2id$"), "got:\n%s", text);
    cr_assert_null(strstr(text, "p@ss"), "plaintext password in the file:\n%s", text);
    cr_assert_null(strstr(text, "\nbind "), "default bind written:\n%s", text);
    cr_assert_null(strstr(text, "\nprotected-mode"), "default written:\n%s", text);

    /* reading it back gives the same configuration */
    server_config back;
    load_from(path, &back);
    cr_assert_eq(back.port, 7001);
    cr_assert_eq(back.maxmemory, 3ULL * 1024 * 1024 * 1024);
    cr_assert_eq(back.timeout, 0);
    cr_assert_eq(back.maxmemory_policy, MAXMEMORY_ALLKEYS_LRU);
    cr_assert_eq(back.obuf_limits[CLIENT_CLASS_PUBSUB].soft_seconds, 90);
    cr_assert_str_eq(back.requirepass_hash, cfg.requirepass_hash);
    cr_assert(auth_check(&back, NULL, "default", 7, "p@ss word", 9));
    char *all_before = get_flat(&cfg, "*");
    char *all_after = get_flat(&back, "*");
    cr_assert_str_eq(all_after, all_before);
    rd_free(all_before);
    rd_free(all_after);

    /* a second rewrite with nothing changed is stable */
    cr_assert_eq(config_rewrite(&back, &rerr), 0);
    char *again = read_all(path);
    cr_assert_str_eq(again, text);
    free(again);
    free(text);
    config_free(&back);
    config_free(&cfg);
    unlink(path);
    free(path);
}

Test(config, rewrite_without_file)
{
    server_config cfg;
    config_defaults(&cfg);
    char *err = NULL;
    cr_assert_eq(config_rewrite(&cfg, &err), -1);
    cr_assert_str_eq(err, "The server is running without a config file");
    rd_free(err);

    /* a config file removed since startup is created again */
    config_free(&cfg);
    char *path = write_temp("port 7001\n");
    load_from(path, &cfg);
    unlink(path);
    cr_assert_eq(config_rewrite(&cfg, &err), 0, "%s", err ? err : "");
    char *text = read_all(path);
    cr_assert(strstr(text, "port 7001\n"), "got:\n%s", text);
    free(text);
    config_free(&cfg);
    unlink(path);
    free(path);
}
