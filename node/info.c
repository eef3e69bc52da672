/* info.c: INFO's text, errorstats and latencystats (info.h).
 *
 * Every section is one function that appends `# Name\r\n` and its `key:value\r\n`
 * lines; info_generate() picks the sections and puts a blank line between them,
 * always in Redis's order whatever the order of the arguments. Values come from the
 * server state at the moment of the call; nothing here is cached except facts that
 * cannot change while the process runs (uname, executable path). */
#include "evict.h"
#include "expire.h"
#include "info.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <sodium.h>

#include "command.h"
#include "keyspace.h"
#include "mem.h"
#include "pubsub.h"
#include "repl_cmds.h"
#include "slowlog.h"
#include "strutil.h"

#ifdef HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* ---- small helpers ---------------------------------------------------------------- */

void info_bytes_to_human(char *buf, size_t size, unsigned long long n)
{
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(buf, size, "%lluB", n);
        return;
    }
    double d = (double)n / 1024;
    for (int i = 0; units[i]; i++, d /= 1024) {
        if (d < 1024 || !units[i + 1]) {
            if (d >= 1024) /* beyond P: Redis prints the raw byte count */
                snprintf(buf, size, "%lluB", n);
            else
                snprintf(buf, size, "%.2f%c", d, units[i]);
            return;
        }
    }
}

int64_t info_last_save_time(const server *s)
{
    return s->start_ms / 1000;
}

#define STR2(x) #x
#define STR(x) STR2(x)

const char *info_allocator_name(void)
{
#ifdef HAVE_JEMALLOC
    return "jemalloc-" STR(JEMALLOC_VERSION_MAJOR) "." STR(JEMALLOC_VERSION_MINOR) "." STR(JEMALLOC_VERSION_BUGFIX);
#else
    return "libc";
#endif
}

static int64_t wall_usec(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---- start-up facts ----------------------------------------------------------------- */

static size_t startup_memory;
static char repl_id[41];

static void draw_repl_id(void)
{
    if (repl_id[0])
        return;
    unsigned char raw[20];
    randombytes_buf(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(repl_id + 2 * i, 3, "%02x", raw[i]);
}

void info_init(server *s)
{
    (void)s;
    startup_memory = rd_used_memory();
    draw_repl_id();
}

/* ---- errorstats ------------------------------------------------------------------- */

#define ERRORSTATS_MAX 128 /* distinct codes tracked, as Redis */
#define ERROR_CODE_MAX 32

typedef struct error_stat {
    char code[ERROR_CODE_MAX];
    long long count;
} error_stat;

static error_stat error_stats[ERRORSTATS_MAX]; /* sorted by code */
static int error_stat_count;
static int error_stats_full_logged;

/* Counts one error whose text (code first, no leading '-') is msg[0..len). */
static void count_error_text(const char *msg, size_t len)
{
    const char *space = memchr(msg, ' ', len < ERROR_CODE_MAX ? len : ERROR_CODE_MAX);
    size_t clen;
    if (space)
        clen = (size_t)(space - msg);
    else if (len > 0 && len < ERROR_CODE_MAX && !memchr(msg, '\r', len))
        clen = len;            /* just the code */
    else
        msg = "ERR", clen = 3; /* no code to be found: Redis's fallback */
    if (clen == 0)
        msg = "ERR", clen = 3;

    int lo = 0, hi = error_stat_count;
    while (lo < hi) { /* binary search for the code or its insertion point */
        int mid = (lo + hi) / 2;
        int cmp = strncmp(error_stats[mid].code, msg, clen);
        if (cmp == 0 && error_stats[mid].code[clen] != '\0')
            cmp = 1;
        if (cmp == 0) {
            error_stats[mid].count++;
            return;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (error_stat_count == ERRORSTATS_MAX) {
        if (!error_stats_full_logged) {
            server_log(LL_WARNING, "Errorstats stopped adding new errors: %d different error codes are tracked already",
                       ERRORSTATS_MAX);
            error_stats_full_logged = 1;
        }
        return;
    }
    memmove(&error_stats[lo + 1], &error_stats[lo], (size_t)(error_stat_count - lo) * sizeof *error_stats);
    memcpy(error_stats[lo].code, msg, clen);
    error_stats[lo].code[clen] = '\0';
    error_stats[lo].count = 1;
    error_stat_count++;
}

void info_count_error(const char *msg)
{
    if (!msg)
        return;
    if (*msg == '-')
        msg++;
    count_error_text(msg, strlen(msg));
}

void info_count_error_reply(const char *reply, size_t len)
{
    const char *text = NULL;
    if (len >= 1 && reply[0] == '-') {
        text = reply + 1;
    } else if (len >= 1 && reply[0] == '!') { /* RESP3 bulk error: !<len>\r\n<text>\r\n */
        const char *nl = memchr(reply, '\n', len);
        if (nl)
            text = nl + 1;
    }
    if (!text)
        return;
    size_t rest = len - (size_t)(text - reply);
    const char *cr = memchr(text, '\r', rest);
    count_error_text(text, cr ? (size_t)(cr - text) : rest);
}

/* ---- latencystats: one log-linear histogram per command --------------------------- */

/* Values below LAT_LINEAR microseconds get a bucket each; above, every power of two
 * is split in LAT_SUB buckets (about 3% resolution), up to 2^LAT_MAX_EXP us. */
#define LAT_SUB_BITS 5
#define LAT_SUB (1 << LAT_SUB_BITS)
#define LAT_LINEAR (2 * LAT_SUB)
#define LAT_MAX_EXP 40
#define LAT_BUCKETS (LAT_LINEAR + (LAT_MAX_EXP - LAT_SUB_BITS) * LAT_SUB)

typedef struct latency_histogram {
    const struct command *cmd;
    uint64_t total;
    uint64_t counts[LAT_BUCKETS];
} latency_histogram;

static latency_histogram **lat_table; /* open addressing by command pointer */
static size_t lat_cap, lat_count;

static size_t lat_slot(const struct command *cmd, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)cmd * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (cap - 1);
}

static latency_histogram *lat_find(const struct command *cmd, int create)
{
    if (lat_cap) {
        for (size_t i = lat_slot(cmd, lat_cap);; i = (i + 1) & (lat_cap - 1)) {
            if (!lat_table[i])
                break;
            if (lat_table[i]->cmd == cmd)
                return lat_table[i];
        }
    }
    if (!create)
        return NULL;
    if ((lat_count + 1) * 2 > lat_cap) { /* keep the load under 1/2 */
        size_t ncap = lat_cap ? lat_cap * 2 : 256;
        latency_histogram **nt = rd_calloc(ncap, sizeof *nt);
        for (size_t i = 0; i < lat_cap; i++) {
            if (!lat_table[i])
                continue;
            size_t j = lat_slot(lat_table[i]->cmd, ncap);
            while (nt[j])
                j = (j + 1) & (ncap - 1);
            nt[j] = lat_table[i];
        }
        rd_free(lat_table);
        lat_table = nt;
        lat_cap = ncap;
    }
    latency_histogram *h = rd_calloc(1, sizeof *h);
    h->cmd = cmd;
    size_t j = lat_slot(cmd, lat_cap);
    while (lat_table[j])
        j = (j + 1) & (lat_cap - 1);
    lat_table[j] = h;
    lat_count++;
    return h;
}

static int lat_bucket(uint64_t v)
{
    if (v < LAT_LINEAR)
        return (int)v;
    if (v >= (UINT64_C(1) << (LAT_MAX_EXP + 1)))
        v = (UINT64_C(1) << (LAT_MAX_EXP + 1)) - 1;
    int e = 63 - __builtin_clzll(v); /* >= LAT_SUB_BITS + 1 */
    int shift = e - LAT_SUB_BITS;
    int m = (int)(v >> shift);       /* in [LAT_SUB, 2 * LAT_SUB) */
    return LAT_LINEAR + (e - LAT_SUB_BITS - 1) * LAT_SUB + (m - LAT_SUB);
}

/* Highest value that falls in bucket b (what HdrHistogram reports for a percentile). */
static uint64_t lat_bucket_high(int b)
{
    if (b < LAT_LINEAR)
        return (uint64_t)b;
    int e = (b - LAT_LINEAR) / LAT_SUB + LAT_SUB_BITS + 1;
    int m = (b - LAT_LINEAR) % LAT_SUB + LAT_SUB;
    int shift = e - LAT_SUB_BITS;
    return ((uint64_t)(m + 1) << shift) - 1;
}

void info_command_latency(const struct command *cmd, long long usec)
{
    if (!cmd)
        return;
    latency_histogram *h = lat_find(cmd, 1);
    h->counts[lat_bucket(usec < 0 ? 0 : (uint64_t)usec)]++;
    h->total++;
}

static uint64_t lat_percentile(const latency_histogram *h, double pct)
{
    uint64_t want = (uint64_t)(pct / 100.0 * (double)h->total + 0.5);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= want)
            return lat_bucket_high(b);
    }
    return lat_bucket_high(LAT_BUCKETS - 1);
}

void info_reset_stats(void)
{
    error_stat_count = 0;
    error_stats_full_logged = 0;
    for (size_t i = 0; i < lat_cap; i++)
        rd_free(lat_table[i]);
    rd_free(lat_table);
    lat_table = NULL;
    lat_cap = lat_count = 0;
}

void info_free_all(void)
{
    info_reset_stats();
}

/* ---- memory figures ---------------------------------------------------------------- */

static size_t process_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, resident = 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    if (n != 2)
        return 0;
    return (size_t)(resident * (unsigned long long)sysconf(_SC_PAGESIZE));
}

static void allocator_stats(size_t *allocated, size_t *active, size_t *resident)
{
    *allocated = *active = *resident = 0;
#ifdef HAVE_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    mallctl("epoch", &epoch, &sz, &epoch, sz); /* refresh the cached statistics */
    sz = sizeof(size_t);
    if (mallctl("stats.allocated", allocated, &sz, NULL, 0) != 0)
        *allocated = 0;
    sz = sizeof(size_t);
    if (mallctl("stats.active", active, &sz, NULL, 0) != 0)
        *active = 0;
    sz = sizeof(size_t);
    if (mallctl("stats.resident", resident, &sz, NULL, 0) != 0)
        *resident = 0;
#endif
}

static size_t client_memory(const client *c)
{
    return sizeof *c + rd_alloc_size(c->query.data) + rd_alloc_size(c->out.data) +
           rd_alloc_size(c->sending.data) + rd_alloc_size(c->parser.scratch.data);
}

void info_memory_collect(server *s, info_memory *m)
{
    memset(m, 0, sizeof *m);
    m->used = rd_used_memory();
    if (m->used > s->peak_used_memory)
        s->peak_used_memory = m->used;
    m->peak = s->peak_used_memory;
    m->startup = startup_memory <= m->used ? startup_memory : m->used;
    m->rss = process_rss();
    for (const client *c = s->clients; c; c = c->next)
        m->clients_normal += client_memory(c);
    m->overhead_total = m->startup + m->clients_normal;
    int dbs = s->cfg.databases > 0 && s->cfg.databases <= SERVER_DBNUM_MAX ? s->cfg.databases : SERVER_DBNUM_MAX;
    for (int i = 0; i < dbs; i++) {
        m->db_overhead[i] = kvtable_overhead(&s->dbs[i].table);
        m->overhead_total += m->db_overhead[i];
        m->keys += db_size(&s->dbs[i]);
    }
    for (size_t i = 0; i < s->slowlog_len; i++) {
        const slowlog_entry *e = slowlog_newest(s, i);
        m->monitor_overhead += sizeof *e + (size_t)e->argc * sizeof(bytebuf);
        for (int j = 0; j < e->argc; j++)
            m->monitor_overhead += rd_alloc_size(e->argv[j].data);
    }
    m->monitor_overhead += s->latency_event_count * sizeof(struct latency_event);
    m->overhead_total += m->monitor_overhead;
    m->dataset = m->used > m->overhead_total ? m->used - m->overhead_total : 0;
    allocator_stats(&m->allocator_allocated, &m->allocator_active, &m->allocator_resident);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    m->total_system = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

/* ---- sections --------------------------------------------------------------------- */

enum {
    SEC_SERVER = 1 << 0, SEC_CLIENTS = 1 << 1, SEC_MEMORY = 1 << 2, SEC_PERSISTENCE = 1 << 3,
    SEC_STATS = 1 << 4, SEC_REPLICATION = 1 << 5, SEC_CPU = 1 << 6, SEC_MODULES = 1 << 7,
    SEC_COMMANDSTATS = 1 << 8, SEC_ERRORSTATS = 1 << 9, SEC_LATENCYSTATS = 1 << 10,
    SEC_CLUSTER = 1 << 11, SEC_KEYSPACE = 1 << 12, SEC_RAFT = 1 << 13,
};
#define SEC_ALL ((1 << 14) - 1)
#define SEC_DEFAULT (SEC_ALL & ~(SEC_COMMANDSTATS | SEC_LATENCYSTATS))

static const struct {
    const char *name;
    int bits;
} section_names[] = {
    {"server", SEC_SERVER}, {"clients", SEC_CLIENTS}, {"memory", SEC_MEMORY},
    {"persistence", SEC_PERSISTENCE}, {"stats", SEC_STATS}, {"replication", SEC_REPLICATION},
    {"cpu", SEC_CPU}, {"modules", SEC_MODULES}, {"module_list", SEC_MODULES},
    {"commandstats", SEC_COMMANDSTATS}, {"errorstats", SEC_ERRORSTATS},
    {"latencystats", SEC_LATENCYSTATS}, {"cluster", SEC_CLUSTER}, {"keyspace", SEC_KEYSPACE},
    {"raft", SEC_RAFT},
    {"default", SEC_DEFAULT}, {"all", SEC_ALL}, {"everything", SEC_ALL},
};

static void section_server(server *s, bytebuf *o)
{
    static struct utsname uts;
    static int have_uts;
    static char exe[4096];
    if (!have_uts) {
        if (uname(&uts) != 0)
            memset(&uts, 0, sizeof uts);
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        have_uts = 1;
    }
    int64_t now_us = wall_usec();
    int64_t uptime = (now_us / 1000 - s->start_ms) / 1000;
    if (uptime < 0)
        uptime = 0;
    bytebuf_appendf(o,
                    "# Server\r\n"
                    "redis_version:%s\r\n"
                    "redraft_version:%s\r\n"
                    "redis_git_sha1:00000000\r\n"
                    "redis_git_dirty:0\r\n"
                    "redis_build_id:0\r\n"
                    "redis_mode:%s\r\n"
                    "os:%s %s %s\r\n"
                    "arch_bits:%d\r\n"
                    "monotonic_clock:POSIX clock_gettime\r\n"
                    "multiplexing_api:epoll\r\n"
                    "atomicvar_api:c11-builtin\r\n"
                    "gcc_version:%d.%d.%d\r\n"
                    "process_id:%ld\r\n"
                    "process_supervised:no\r\n"
                    "run_id:%s\r\n"
                    "tcp_port:%d\r\n"
                    "server_time_usec:%lld\r\n"
                    "uptime_in_seconds:%lld\r\n"
                    "uptime_in_days:%lld\r\n"
                    "hz:%d\r\n"
                    "configured_hz:%d\r\n"
                    "lru_clock:%u\r\n"
                    "executable:%s\r\n"
                    "config_file:%s\r\n"
                    "io_threads_active:0\r\n",
                    REDIS_COMPAT_VERSION, REDRAFT_VERSION,
                    s->sentinel_mode ? "sentinel" : s->cfg.cluster_enabled ? "cluster" : "standalone", uts.sysname, uts.release, uts.machine,
                    (int)(sizeof(void *) * 8),
#if defined(__GNUC__)
                    __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                    0, 0, 0,
#endif
                    (long)getpid(), s->run_id, s->cfg.port, (long long)now_us, (long long)uptime,
                    (long long)(uptime / 86400), s->cfg.hz, s->cfg.hz,
                    (unsigned)keyspace_lru_clock(now_us / 1000), exe,
                    s->cfg.config_file ? s->cfg.config_file : "");
    bytebuf_append_str(o, "listener0:name=tcp");
    if (s->cfg.bind_count == 0)
        bytebuf_append_str(o, ",bind=*,bind=-::*");
    for (int i = 0; i < s->cfg.bind_count; i++)
        bytebuf_appendf(o, ",bind=%s", s->cfg.bind[i] ? s->cfg.bind[i] : "");
    bytebuf_appendf(o, ",port=%d\r\n", s->cfg.port);
}

static void section_clients(server *s, bytebuf *o)
{
    size_t max_in = 0, max_out = 0;
    for (const client *c = s->clients; c; c = c->next) {
        if (c->query.cap > max_in)
            max_in = c->query.cap;
        size_t out = client_output_len(c);
        if (out > max_out)
            max_out = out;
    }
    bytebuf_appendf(o,
                    "# Clients\r\n"
                    "connected_clients:%zu\r\n"
                    "cluster_connections:0\r\n"
                    "maxclients:%lld\r\n"
                    "client_recent_max_input_buffer:%zu\r\n"
                    "client_recent_max_output_buffer:%zu\r\n"
                    "blocked_clients:0\r\n"
                    "tracking_clients:0\r\n"
                    "clients_in_timeout_table:0\r\n"
                    "total_blocking_keys:0\r\n"
                    "total_blocking_keys_on_nokey:0\r\n",
                    s->client_count, s->cfg.maxclients, max_in, max_out);
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static void section_memory(server *s, bytebuf *o)
{
    info_memory m;
    info_memory_collect(s, &m);
    char used_h[32], rss_h[32], peak_h[32], sys_h[32], max_h[32];
    info_bytes_to_human(used_h, sizeof used_h, m.used);
    info_bytes_to_human(rss_h, sizeof rss_h, m.rss);
    info_bytes_to_human(peak_h, sizeof peak_h, m.peak);
    info_bytes_to_human(sys_h, sizeof sys_h, m.total_system);
    info_bytes_to_human(max_h, sizeof max_h, s->cfg.maxmemory);
    size_t net = m.used > m.startup ? m.used - m.startup : 0;
    bytebuf_appendf(o,
                    "# Memory\r\n"
                    "used_memory:%zu\r\n"
                    "used_memory_human:%s\r\n"
                    "used_memory_rss:%zu\r\n"
                    "used_memory_rss_human:%s\r\n"
                    "used_memory_peak:%zu\r\n"
                    "used_memory_peak_human:%s\r\n"
                    "used_memory_peak_perc:%.2f%%\r\n"
                    "used_memory_overhead:%zu\r\n"
                    "used_memory_startup:%zu\r\n"
                    "used_memory_dataset:%zu\r\n"
                    "used_memory_dataset_perc:%.2f%%\r\n"
                    "allocator_allocated:%zu\r\n"
                    "allocator_active:%zu\r\n"
                    "allocator_resident:%zu\r\n"
                    "total_system_memory:%zu\r\n"
                    "total_system_memory_human:%s\r\n"
                    "maxmemory:%llu\r\n"
                    "maxmemory_human:%s\r\n"
                    "maxmemory_policy:%s\r\n"
                    "allocator_frag_ratio:%.2f\r\n"
                    "allocator_frag_bytes:%lld\r\n"
                    "allocator_rss_ratio:%.2f\r\n"
                    "allocator_rss_bytes:%lld\r\n"
                    "rss_overhead_ratio:%.2f\r\n"
                    "rss_overhead_bytes:%lld\r\n"
                    "mem_fragmentation_ratio:%.2f\r\n"
                    "mem_fragmentation_bytes:%lld\r\n"
                    "mem_not_counted_for_evict:0\r\n"
                    "mem_replication_backlog:0\r\n"
                    "mem_total_replication_buffers:0\r\n"
                    "mem_clients_slaves:0\r\n"
                    "mem_clients_normal:%zu\r\n"
                    "mem_cluster_links:0\r\n"
                    "mem_aof_buffer:0\r\n"
                    "mem_allocator:%s\r\n"
                    "active_defrag_running:0\r\n"
                    "lazyfree_pending_objects:0\r\n"
                    "lazyfreed_objects:0\r\n",
                    m.used, used_h, m.rss, rss_h, m.peak, peak_h, ratio(m.used, m.peak) * 100,
                    m.overhead_total, m.startup, m.dataset, ratio(m.dataset, net) * 100,
                    m.allocator_allocated, m.allocator_active, m.allocator_resident,
                    m.total_system, sys_h, s->cfg.maxmemory, max_h,
                    evict_policy_name(s->cfg.maxmemory_policy),
                    ratio(m.allocator_active, m.allocator_allocated),
                    (long long)m.allocator_active - (long long)m.allocator_allocated,
                    ratio(m.allocator_resident, m.allocator_active),
                    (long long)m.allocator_resident - (long long)m.allocator_active,
                    ratio(m.rss, m.allocator_resident),
                    m.allocator_resident ? (long long)m.rss - (long long)m.allocator_resident : 0,
                    ratio(m.rss, m.used), (long long)m.rss - (long long)m.used,
                    m.clients_normal, info_allocator_name());
}

static void section_persistence(server *s, bytebuf *o)
{
    bytebuf_appendf(o,
                    "# Persistence\r\n"
                    "loading:0\r\n"
                    "async_loading:0\r\n"
                    "current_cow_peak:0\r\n"
                    "current_cow_size:0\r\n"
                    "current_cow_size_age:0\r\n"
                    "current_fork_perc:0.00\r\n"
                    "current_save_keys_processed:0\r\n"
                    "current_save_keys_total:0\r\n"
                    "rdb_changes_since_last_save:%lld\r\n"
                    "rdb_bgsave_in_progress:0\r\n"
                    "rdb_last_save_time:%lld\r\n"
                    "rdb_last_bgsave_status:ok\r\n"
                    "rdb_last_bgsave_time_sec:-1\r\n"
                    "rdb_current_bgsave_time_sec:-1\r\n"
                    "rdb_saves:0\r\n"
                    "rdb_last_cow_size:0\r\n"
                    "rdb_last_load_keys_expired:0\r\n"
                    "rdb_last_load_keys_loaded:0\r\n"
                    "aof_enabled:0\r\n"
                    "aof_rewrite_in_progress:0\r\n"
                    "aof_rewrite_scheduled:0\r\n"
                    "aof_last_rewrite_time_sec:-1\r\n"
                    "aof_current_rewrite_time_sec:-1\r\n"
                    "aof_last_bgrewrite_status:ok\r\n"
                    "aof_rewrites:0\r\n"
                    "aof_rewrites_consecutive_failures:0\r\n"
                    "aof_last_write_status:ok\r\n"
                    "aof_last_cow_size:0\r\n"
                    "module_fork_in_progress:0\r\n"
                    "module_fork_last_cow_size:0\r\n",
                    s->stats.dirty, (long long)info_last_save_time(s));
}

static long long instantaneous_ops(const server *s)
{
    const int n = (int)(sizeof s->stats.ops_samples / sizeof s->stats.ops_samples[0]);
    long long sum = 0;
    for (int i = 0; i < n; i++)
        sum += s->stats.ops_samples[i];
    return sum / n;
}

static void section_stats(server *s, bytebuf *o)
{
    const server_stats *st = &s->stats;
    bytebuf_appendf(o,
                    "# Stats\r\n"
                    "total_connections_received:%lld\r\n"
                    "total_commands_processed:%lld\r\n"
                    "instantaneous_ops_per_sec:%lld\r\n"
                    "total_net_input_bytes:%lld\r\n"
                    "total_net_output_bytes:%lld\r\n"
                    "total_net_repl_input_bytes:0\r\n"
                    "total_net_repl_output_bytes:0\r\n"
                    "rejected_connections:%lld\r\n"
                    "sync_full:0\r\n"
                    "sync_partial_ok:0\r\n"
                    "sync_partial_err:0\r\n"
                    "expired_keys:%lld\r\n"
                    "evicted_keys:%lld\r\n"
                    "evicted_clients:0\r\n"
                    "keyspace_hits:%lld\r\n"
                    "keyspace_misses:%lld\r\n"
                    "pubsub_channels:%lld\r\n"
                    "pubsub_patterns:%lld\r\n"
                    "pubsubshard_channels:%lld\r\n"
                    "latest_fork_usec:0\r\n"
                    "total_forks:0\r\n"
                    "unexpected_error_replies:0\r\n"
                    "total_error_replies:%lld\r\n"
                    "dump_payload_sanitizations:0\r\n"
                    "client_query_buffer_limit_disconnections:%lld\r\n"
                    "client_output_buffer_limit_disconnections:%lld\r\n",
                    st->total_connections_received, st->total_commands_processed,
                    instantaneous_ops(s), st->total_net_input_bytes, st->total_net_output_bytes,
                    st->rejected_connections, st->expired_keys, st->evicted_keys,
                    st->keyspace_hits, st->keyspace_misses, pubsub_channel_count(), pubsub_pattern_count(),
                    pubsub_shard_channel_count(), st->total_error_replies,
                    st->client_qbuf_limit_disconnections, st->client_obuf_limit_disconnections);
}

/* Replication and Raft: repl_cmds.c renders them from the shard's Raft state. */
static void section_replication(server *s, bytebuf *o)
{
    repl_info_replication(s, o);
}

static void section_raft(server *s, bytebuf *o)
{
    repl_info_raft(s, o);
}

static void section_cpu(server *s, bytebuf *o)
{
    (void)s;
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    bytebuf_appendf(o,
                    "# CPU\r\n"
                    "used_cpu_sys:%ld.%06ld\r\n"
                    "used_cpu_user:%ld.%06ld\r\n"
                    "used_cpu_sys_children:%ld.%06ld\r\n"
                    "used_cpu_user_children:%ld.%06ld\r\n",
                    (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec,
                    (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec,
                    (long)children.ru_stime.tv_sec, (long)children.ru_stime.tv_usec,
                    (long)children.ru_utime.tv_sec, (long)children.ru_utime.tv_usec);
#ifdef RUSAGE_THREAD
    struct rusage thread; /* INFO runs on the loop thread: this is the main thread */
    getrusage(RUSAGE_THREAD, &thread);
    bytebuf_appendf(o,
                    "used_cpu_sys_main_thread:%ld.%06ld\r\n"
                    "used_cpu_user_main_thread:%ld.%06ld\r\n",
                    (long)thread.ru_stime.tv_sec, (long)thread.ru_stime.tv_usec,
                    (long)thread.ru_utime.tv_sec, (long)thread.ru_utime.tv_usec);
#endif
}

static void section_modules(server *s, bytebuf *o)
{
    (void)s;
    bytebuf_append_str(o, "# Modules\r\n"); /* redraft loads no modules */
}

/* Command names are plain ASCII from our own table; Redis still maps the characters
 * that would break the format, and so do we. */
static void append_safe_name(bytebuf *o, const char *name)
{
    for (const char *p = name; *p; p++)
        bytebuf_append_char(o, (*p == ':' || *p == '#' || *p == '\r' || *p == '\n') ? '_' : *p);
}

static void commandstats_of(bytebuf *o, command *cmd)
{
    const command_stats *st = &cmd->stats;
    if (st->calls || st->failed_calls || st->rejected_calls) {
        bytebuf_append_str(o, "cmdstat_");
        append_safe_name(o, cmd->fullname);
        bytebuf_appendf(o, ":calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,failed_calls=%lld\r\n",
                        st->calls, st->usec, st->calls ? (double)st->usec / (double)st->calls : 0.0,
                        st->rejected_calls, st->failed_calls);
    }
    if (cmd->subcommands)
        for (command *sub = cmd->subcommands; sub->name; sub++)
            commandstats_of(o, sub);
}

static void section_commandstats(server *s, bytebuf *o)
{
    (void)s;
    bytebuf_append_str(o, "# Commandstats\r\n");
    for (int i = 0; i < command_table_count(); i++)
        commandstats_of(o, command_table_at(i));
}

static void section_errorstats(server *s, bytebuf *o)
{
    (void)s;
    bytebuf_append_str(o, "# Errorstats\r\n");
    for (int i = 0; i < error_stat_count; i++) {
        bytebuf_append_str(o, "errorstat_");
        append_safe_name(o, error_stats[i].code);
        bytebuf_appendf(o, ":count=%lld\r\n", error_stats[i].count);
    }
}

static void latencystats_of(bytebuf *o, command *cmd)
{
    static const struct {
        double pct;
        const char *label;
    } pcts[] = {{50.0, "p50"}, {99.0, "p99"}, {99.9, "p99.9"}};
    const latency_histogram *h = lat_find(cmd, 0);
    if (h && h->total) {
        bytebuf_append_str(o, "latency_percentiles_usec_");
        append_safe_name(o, cmd->fullname);
        bytebuf_append_char(o, ':');
        for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
            bytebuf_appendf(o, "%s%s=%.3f", i ? "," : "", pcts[i].label,
                            (double)lat_percentile(h, pcts[i].pct));
        bytebuf_append(o, "\r\n", 2);
    }
    if (cmd->subcommands)
        for (command *sub = cmd->subcommands; sub->name; sub++)
            latencystats_of(o, sub);
}

static void section_latencystats(server *s, bytebuf *o)
{
    (void)s;
    bytebuf_append_str(o, "# Latencystats\r\n");
    for (int i = 0; i < command_table_count(); i++)
        latencystats_of(o, command_table_at(i));
}

static void section_cluster(server *s, bytebuf *o)
{
    bytebuf_appendf(o, "# Cluster\r\ncluster_enabled:%d\r\n", s->cfg.cluster_enabled ? 1 : 0);
}

static void section_keyspace(server *s, bytebuf *o)
{
    bytebuf_append_str(o, "# Keyspace\r\n");
    int dbs = s->cfg.databases > 0 && s->cfg.databases <= SERVER_DBNUM_MAX ? s->cfg.databases : SERVER_DBNUM_MAX;
    for (int i = 0; i < dbs; i++) {
        const db *d = &s->dbs[i];
        size_t keys = db_size(d);
        if (keys == 0 && d->expires == 0)
            continue;
        /* avg_ttl: the active expiry cycle's running estimate, as in Redis */
        bytebuf_appendf(o, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys, d->expires,
                        expire_avg_ttl(i));
    }
}

static const struct {
    int bit;
    void (*render)(server *s, bytebuf *o);
} sections[] = {
    {SEC_SERVER, section_server}, {SEC_CLIENTS, section_clients}, {SEC_MEMORY, section_memory},
    {SEC_PERSISTENCE, section_persistence}, {SEC_STATS, section_stats},
    {SEC_REPLICATION, section_replication}, {SEC_CPU, section_cpu}, {SEC_MODULES, section_modules},
    {SEC_COMMANDSTATS, section_commandstats}, {SEC_ERRORSTATS, section_errorstats},
    {SEC_LATENCYSTATS, section_latencystats}, {SEC_CLUSTER, section_cluster},
    {SEC_KEYSPACE, section_keyspace},
    {SEC_RAFT, section_raft}, /* a redraft section: last, where Redis puts module sections */
};

void info_generate(server *s, int nargs, const rd_arg *args, bytebuf *out)
{
    int want = nargs > 0 ? 0 : SEC_DEFAULT;
    for (int i = 0; i < nargs; i++)
        for (size_t j = 0; j < sizeof section_names / sizeof section_names[0]; j++)
            if (rd_strcaseeq(args[i].ptr, args[i].len, section_names[j].name))
                want |= section_names[j].bits;
    int emitted = 0;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        if (!(want & sections[i].bit))
            continue;
        if (emitted++)
            bytebuf_append(out, "\r\n", 2);
        sections[i].render(s, out);
    }
}
