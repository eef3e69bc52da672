/* t_string.c: the string commands -- GET/SET and their variants, MGET/MSET[NX], the
 * counters (INCR ... INCRBYFLOAT), APPEND/STRLEN/GETRANGE/SETRANGE and LCS.
 *
 * Replies and errors are Redis 7.2's, byte for byte. Every handler runs inside the
 * Raft FSM's apply (shared/DESIGN.md, "The log entry and determinism"), so:
 *   - c->now_ms is the only clock: relative TTLs (EX/PX) become absolute from it, and a
 *     deadline that is not after it means the key is gone;
 *   - read commands (GET, MGET, STRLEN, GETRANGE, LCS) only use keyspace_lookup_read
 *     and never change the keyspace;
 *   - every change calls string_changed() (keyspace_modified: WATCH, events, dirty).
 * Values are written to the reply straight from the kv (no copies), and SET allocates
 * nothing but the new kv. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "exec.h"
#include "keyspace.h"
#include "kv.h"
#include "mem.h"
#include "resp_writer.h"
#include "server.h"
#include "strutil.h"

/* The largest string a write may produce. Redis checks proto-max-bulk-len here, but
 * that is a per-process setting and this check runs on every replica during apply: a
 * node configured differently would diverge. So the limit is Redis's default, the
 * same everywhere. */
#define STRING_MAX_LEN (512LL * 1024 * 1024)
/* Room for rd_ld2str of any finite long double ("%.17Lf" of LDBL_MAX is ~4950 chars);
 * Redis uses the same bound (MAX_LONG_DOUBLE_CHARS). */
#define LONG_DOUBLE_STR_MAX (5 * 1024)
/* A kv's ENC_INT value renders into this many bytes at most ("-9223372036854775808"). */
#define INTBUF_SIZE 32

/* ---- small helpers ------------------------------------------------------------------ */

/* Records a change of key argv[i]. keyspace_modified is the one hook for WATCH,
 * keyspace events and the dirty counter (it counts c->dirty itself, once per key). */
static void string_changed(exec_ctx *c, int i)
{
    keyspace_modified(c, c->argv[i].ptr, c->argv[i].len);
}

/* Replies v's string value as a bulk, straight out of the kv. */
static void reply_string_value(exec_ctx *c, const kv *v)
{
    char intbuf[INTBUF_SIZE];
    const char *p;
    size_t len = kv_string(v, intbuf, &p);
    resp_write_bulk(c->w, p, len);
}

/* The commands that reply the old value (GETSET, GETDEL, GETEX, SET ... GET) read it in
 * Redis through lookupKeyRead, which counts keyspace hits/misses; the write lookup here
 * does not, so they count it themselves. */
static void count_value_read(exec_ctx *c, const kv *v)
{
    if (!c->srv)
        return;
    if (v)
        c->srv->stats.keyspace_hits++;
    else
        c->srv->stats.keyspace_misses++;
}

static void reply_string_too_long(exec_ctx *c)
{
    resp_write_error(c->w, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
}

/* Would a string of `size` bytes grown by `extra` exceed the limit? */
static int string_too_long(long long size, long long extra)
{
    return extra > STRING_MAX_LEN || size > STRING_MAX_LEN - extra;
}

/* Stores nv, a new kv for a key whose live kv is `old` (NULL: the key is absent, as
 * keyspace_lookup_write just said). keep_ttl keeps old's TTL. */
static void store_new(exec_ctx *c, kv *old, kv *nv, int keep_ttl)
{
    if (old)
        keyspace_set(c, nv, keep_ttl);
    else
        keyspace_add(c, nv);
}

/* ---- SET / GETEX options ------------------------------------------------------------ */

enum string_opt {
    OPT_NX = 1 << 0,
    OPT_XX = 1 << 1,
    OPT_GET = 1 << 2,
    OPT_KEEPTTL = 1 << 3,
    OPT_PERSIST = 1 << 4,
    OPT_EX = 1 << 5,      /* relative seconds */
    OPT_PX = 1 << 6,      /* relative milliseconds */
    OPT_EXAT = 1 << 7,    /* absolute unix seconds */
    OPT_PXAT = 1 << 8,    /* absolute unix milliseconds */
};
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

enum string_cmd_kind { KIND_GET, KIND_SET };

/* Parses SET's options (from argv[3]) or GETEX's (from argv[2]) with Redis's rules:
 * NX/XX exclude each other, the four expire forms and KEEPTTL/PERSIST exclude each other
 * (the same form twice is accepted, the last value wins), GET and a repeated NX/XX are
 * accepted. *expire_i is the argv index of the expire value, 0 if none. Replies
 * "ERR syntax error" and returns 0 on anything else. */
static int parse_string_opts(exec_ctx *c, enum string_cmd_kind kind, int *flags_out, int *expire_i)
{
    int flags = 0;
    *expire_i = 0;
    for (int j = kind == KIND_SET ? 3 : 2; j < c->argc; j++) {
        int has_next = j + 1 < c->argc;
        int expire_flag = 0;
        if (kind == KIND_SET && arg_is(c, j, "nx") && !(flags & OPT_XX)) {
            flags |= OPT_NX;
        } else if (kind == KIND_SET && arg_is(c, j, "xx") && !(flags & OPT_NX)) {
            flags |= OPT_XX;
        } else if (kind == KIND_SET && arg_is(c, j, "get")) {
            flags |= OPT_GET;
        } else if (kind == KIND_SET && arg_is(c, j, "keepttl") &&
                   !(flags & (OPT_PERSIST | OPT_ANY_EXPIRE))) {
            flags |= OPT_KEEPTTL;
        } else if (kind == KIND_GET && arg_is(c, j, "persist") &&
                   !(flags & (OPT_KEEPTTL | OPT_ANY_EXPIRE))) {
            flags |= OPT_PERSIST;
        } else if (arg_is(c, j, "ex")) {
            expire_flag = OPT_EX;
        } else if (arg_is(c, j, "px")) {
            expire_flag = OPT_PX;
        } else if (arg_is(c, j, "exat")) {
            expire_flag = OPT_EXAT;
        } else if (arg_is(c, j, "pxat")) {
            expire_flag = OPT_PXAT;
        } else {
            reply_syntax_error(c);
            return 0;
        }
        if (expire_flag) {
            if (!has_next || (flags & (OPT_KEEPTTL | OPT_PERSIST | (OPT_ANY_EXPIRE & ~expire_flag)))) {
                reply_syntax_error(c);
                return 0;
            }
            flags |= expire_flag;
            *expire_i = ++j;
        }
    }
    *flags_out = flags;
    return 1;
}

/* Turns the expire argument argv[i] into an absolute deadline in ms (relative forms
 * count from c->now_ms). Values <= 0 and overflows get Redis's "invalid expire time in
 * '<cmd>' command" (non-integers: "value is not an integer or out of range"). */
static int expire_deadline(exec_ctx *c, int i, int flags, const char *cmdname, int64_t *out)
{
    long long v;
    if (!arg_ll(c, i, &v))
        return 0;
    int in_seconds = (flags & (OPT_EX | OPT_EXAT)) != 0;
    if (v <= 0 || (in_seconds && v > LLONG_MAX / 1000))
        goto invalid;
    if (in_seconds)
        v *= 1000;
    if (flags & (OPT_EX | OPT_PX)) {
        if (c->now_ms > 0 && v > LLONG_MAX - c->now_ms)
            goto invalid;
        v += c->now_ms;
        if (v <= 0)
            goto invalid;
    }
    *out = v;
    return 1;
invalid:
    resp_write_errorf(c->w, "ERR invalid expire time in '%s' command", cmdname);
    return 0;
}

/* ---- SET family --------------------------------------------------------------------- */

enum set_reply { SET_REPLY_OK, SET_REPLY_INT }; /* +OK / $-1 (SET) or :1 / :0 (SETNX) */

static void reply_set_outcome(exec_ctx *c, enum set_reply reply, int done)
{
    if (reply == SET_REPLY_INT)
        resp_write_int(c->w, done);
    else if (done)
        resp_write_ok(c->w);
    else
        resp_write_null(c->w);
}

/* SET, SETEX, PSETEX, SETNX: sets argv[1] to argv[val_i] under `flags`, with the expire
 * value at argv[expire_i] (0: none). */
static void set_generic(exec_ctx *c, int flags, int val_i, int expire_i, const char *cmdname,
                        enum set_reply reply)
{
    const rd_arg *key = &c->argv[1], *val = &c->argv[val_i];
    int64_t deadline = -1;

    if (expire_i && !expire_deadline(c, expire_i, flags, cmdname, &deadline))
        return;

    /* Fast path (plain SET, SETEX, PSETEX, SET EX/PX): no need to look at the old
     * value; keyspace_set adds the key or overwrites it, dropping any old TTL. */
    if (!(flags & (OPT_NX | OPT_XX | OPT_GET | OPT_KEEPTTL)) &&
        (deadline < 0 || deadline > c->now_ms)) {
        keyspace_set(c, kv_new_string(key->ptr, key->len, val->ptr, val->len, deadline), 0);
        string_changed(c, 1);
        reply_set_outcome(c, reply, 1);
        return;
    }

    kv *old = keyspace_lookup_write(c, key->ptr, key->len);
    if (flags & OPT_GET) {
        count_value_read(c, old);
        if (old && kv_type(old) != OBJ_STRING) {
            reply_wrong_type(c);
            return;
        }
        if (old)
            reply_string_value(c, old);
        else
            resp_write_null(c->w);
    }

    if (((flags & OPT_NX) && old) || ((flags & OPT_XX) && !old)) {
        if (!(flags & OPT_GET)) /* with GET the old value was the reply */
            reply_set_outcome(c, reply, 0);
        return;
    }

    if (deadline >= 0 && deadline <= c->now_ms) {
        /* EXAT/PXAT in the past: the key would be expired at once. Redis stores it and
         * lets it expire; the observable result is the same as not storing it and
         * deleting the old value, which is what happens here. */
        if (old) {
            keyspace_delete(c, key->ptr, key->len);
            string_changed(c, 1);
        }
    } else {
        kv *nv = kv_new_string(key->ptr, key->len, val->ptr, val->len, deadline);
        store_new(c, old, nv, (flags & OPT_KEEPTTL) != 0);
        string_changed(c, 1);
    }

    if (!(flags & OPT_GET))
        reply_set_outcome(c, reply, 1);
}

/* SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL] */
void cmd_set(exec_ctx *c)
{
    int flags, expire_i;
    if (!parse_string_opts(c, KIND_SET, &flags, &expire_i))
        return;
    set_generic(c, flags, 2, expire_i, "set", SET_REPLY_OK);
}

/* SETEX key seconds value */
void cmd_setex(exec_ctx *c)
{
    set_generic(c, OPT_EX, 3, 2, "setex", SET_REPLY_OK);
}

/* PSETEX key milliseconds value */
void cmd_psetex(exec_ctx *c)
{
    set_generic(c, OPT_PX, 3, 2, "psetex", SET_REPLY_OK);
}

/* SETNX key value: :1 if set, :0 if the key existed. */
void cmd_setnx(exec_ctx *c)
{
    set_generic(c, OPT_NX, 2, 0, "setnx", SET_REPLY_INT);
}

/* ---- GET family --------------------------------------------------------------------- */

/* GET key */
void cmd_get(exec_ctx *c)
{
    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (!v)
        resp_write_null(c->w);
    else if (kv_type(v) != OBJ_STRING)
        reply_wrong_type(c);
    else
        reply_string_value(c, v);
}

/* For the write commands that reply the old value first (GETSET, GETDEL, GETEX): looks
 * up argv[1], replies null (returns NULL, *ok = 1) or WRONGTYPE (NULL, *ok = 0), else
 * returns the live string kv without replying. */
static kv *lookup_string_for_write(exec_ctx *c, int *ok)
{
    kv *v = keyspace_lookup_write(c, c->argv[1].ptr, c->argv[1].len);
    count_value_read(c, v);
    *ok = 1;
    if (!v) {
        resp_write_null(c->w);
        return NULL;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        *ok = 0;
        return NULL;
    }
    return v;
}

/* GETSET key value: replies the old value (or null), sets the new one, drops the TTL. */
void cmd_getset(exec_ctx *c)
{
    int ok;
    kv *old = lookup_string_for_write(c, &ok);
    if (!ok)
        return;
    if (old)
        reply_string_value(c, old);
    const rd_arg *key = &c->argv[1], *val = &c->argv[2];
    store_new(c, old, kv_new_string(key->ptr, key->len, val->ptr, val->len, -1), 0);
    string_changed(c, 1);
}

/* GETDEL key */
void cmd_getdel(exec_ctx *c)
{
    int ok;
    kv *v = lookup_string_for_write(c, &ok);
    if (!v)
        return;
    reply_string_value(c, v);
    keyspace_delete(c, c->argv[1].ptr, c->argv[1].len);
    string_changed(c, 1);
}

/* GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST] */
void cmd_getex(exec_ctx *c)
{
    int flags, expire_i, ok;
    if (!parse_string_opts(c, KIND_GET, &flags, &expire_i))
        return;
    kv *v = lookup_string_for_write(c, &ok);
    if (!v)
        return;
    int64_t deadline = -1;
    if (expire_i && !expire_deadline(c, expire_i, flags, "getex", &deadline))
        return;

    reply_string_value(c, v); /* before the TTL change, which may free or move v */

    if (expire_i && deadline <= c->now_ms) {
        keyspace_delete(c, c->argv[1].ptr, c->argv[1].len); /* EXAT/PXAT in the past */
        string_changed(c, 1);
    } else if (expire_i) {
        keyspace_set_expire(c, v, deadline);
        string_changed(c, 1);
    } else if ((flags & OPT_PERSIST) && kv_expire(v) >= 0) {
        keyspace_set_expire(c, v, -1);
        string_changed(c, 1);
    }
}

/* MGET key [key ...]: null for missing keys and for keys of other types. */
void cmd_mget(exec_ctx *c)
{
    resp_write_array_len(c->w, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        const kv *v = keyspace_lookup_read(c, c->argv[j].ptr, c->argv[j].len);
        if (v && kv_type(v) == OBJ_STRING)
            reply_string_value(c, v);
        else
            resp_write_null(c->w);
    }
}

/* ---- MSET / MSETNX ------------------------------------------------------------------ */

static void mset_all(exec_ctx *c)
{
    for (int j = 1; j + 1 < c->argc; j += 2) {
        const rd_arg *key = &c->argv[j], *val = &c->argv[j + 1];
        /* keyspace_set adds or overwrites (a key may repeat within one MSET). */
        keyspace_set(c, kv_new_string(key->ptr, key->len, val->ptr, val->len, -1), 0);
        string_changed(c, j);
    }
}

/* MSET key value [key value ...] */
void cmd_mset(exec_ctx *c)
{
    if (c->argc % 2 == 0) {
        reply_wrong_arity(c);
        return;
    }
    mset_all(c);
    resp_write_ok(c->w);
}

/* MSETNX key value [key value ...]: all or nothing, :1 if set, :0 if any key exists. */
void cmd_msetnx(exec_ctx *c)
{
    if (c->argc % 2 == 0) {
        reply_wrong_arity(c);
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        if (keyspace_lookup_write(c, c->argv[j].ptr, c->argv[j].len)) {
            resp_write_int(c->w, 0);
            return;
        }
    }
    mset_all(c);
    resp_write_int(c->w, 1);
}

/* ---- APPEND / STRLEN / GETRANGE / SETRANGE ------------------------------------------ */

/* Writes val at offset off of v's string (APPEND/SETRANGE: RAW encoding, zero padding,
 * TTL and position kept). Returns the new length. */
static size_t write_string_at(exec_ctx *c, kv *v, size_t off, const rd_arg *val)
{
    kv *nv = kv_string_write_at(v, off, val->ptr, val->len);
    if (nv != v)
        keyspace_replaced(c, v, nv);
    return kv_string_len(nv);
}

/* APPEND key value: the new length. */
void cmd_append(exec_ctx *c)
{
    const rd_arg *key = &c->argv[1], *app = &c->argv[2];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    if (!v) {
        keyspace_add(c, kv_new_string(key->ptr, key->len, app->ptr, app->len, -1));
        string_changed(c, 1);
        resp_write_int(c->w, (long long)app->len);
        return;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return;
    }
    size_t olen = kv_string_len(v);
    if (string_too_long((long long)olen, (long long)app->len)) {
        reply_string_too_long(c);
        return;
    }
    size_t total = write_string_at(c, v, olen, app);
    string_changed(c, 1);
    resp_write_int(c->w, (long long)total);
}

/* STRLEN key */
void cmd_strlen(exec_ctx *c)
{
    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (!v)
        resp_write_int(c->w, 0);
    else if (kv_type(v) != OBJ_STRING)
        reply_wrong_type(c);
    else
        resp_write_int(c->w, (long long)kv_string_len(v));
}

/* GETRANGE key start end (also SUBSTR): inclusive, negative indexes from the end. */
void cmd_getrange(exec_ctx *c)
{
    long long start, end;
    if (!arg_ll(c, 2, &start) || !arg_ll(c, 3, &end))
        return;
    const kv *v = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    if (!v) {
        resp_write_bulk(c->w, "", 0);
        return;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return;
    }
    char intbuf[INTBUF_SIZE];
    const char *s;
    long long len = (long long)kv_string(v, intbuf, &s);

    if (start < 0 && end < 0 && start > end) {
        resp_write_bulk(c->w, "", 0);
        return;
    }
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= len)
        end = len - 1;
    if (len == 0 || start > end)
        resp_write_bulk(c->w, "", 0);
    else
        resp_write_bulk(c->w, s + start, (size_t)(end - start + 1));
}

/* SETRANGE key offset value: overwrites from offset, zero-padding; the new length. */
void cmd_setrange(exec_ctx *c)
{
    const rd_arg *key = &c->argv[1], *val = &c->argv[3];
    long long offset;
    if (!arg_ll(c, 2, &offset))
        return;
    if (offset < 0) {
        resp_write_error(c->w, "ERR offset is out of range");
        return;
    }
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    if (!v) {
        if (val->len == 0) { /* nothing to set on a missing key */
            resp_write_int(c->w, 0);
            return;
        }
        if (string_too_long(offset, (long long)val->len)) {
            reply_string_too_long(c);
            return;
        }
        /* A new key: an empty string written at the offset, so it gets the RAW
         * encoding Redis gives SETRANGE's result. */
        kv *nv = kv_new_string(key->ptr, key->len, "", 0, -1);
        keyspace_add(c, nv);
        size_t total = write_string_at(c, nv, (size_t)offset, val);
        string_changed(c, 1);
        resp_write_int(c->w, (long long)total);
        return;
    }
    if (kv_type(v) != OBJ_STRING) {
        reply_wrong_type(c);
        return;
    }
    size_t olen = kv_string_len(v);
    if (val->len == 0) { /* nothing to set: the current length */
        resp_write_int(c->w, (long long)olen);
        return;
    }
    if (string_too_long(offset, (long long)val->len)) {
        reply_string_too_long(c);
        return;
    }
    size_t total = write_string_at(c, v, (size_t)offset, val);
    string_changed(c, 1);
    resp_write_int(c->w, (long long)total);
}

/* ---- counters ----------------------------------------------------------------------- */

/* INCR/DECR/INCRBY/DECRBY: adds incr to argv[1] (0 if missing), keeping its TTL. */
static void incr_decr(exec_ctx *c, long long incr)
{
    const rd_arg *key = &c->argv[1];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    long long value = 0;
    if (v) {
        if (kv_type(v) != OBJ_STRING) {
            reply_wrong_type(c);
            return;
        }
        if (!kv_string_ll(v, &value)) {
            reply_not_integer(c);
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        resp_write_error(c->w, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    if (v) {
        kv *nv = kv_string_set_ll(v, value);
        if (nv != v)
            keyspace_replaced(c, v, nv);
    } else {
        keyspace_add(c, kv_new_string_ll(key->ptr, key->len, value, -1));
    }
    string_changed(c, 1);
    resp_write_int(c->w, value);
}

void cmd_incr(exec_ctx *c)
{
    incr_decr(c, 1);
}

void cmd_decr(exec_ctx *c)
{
    incr_decr(c, -1);
}

void cmd_incrby(exec_ctx *c)
{
    long long incr;
    if (arg_ll(c, 2, &incr))
        incr_decr(c, incr);
}

void cmd_decrby(exec_ctx *c)
{
    long long decr;
    if (!arg_ll(c, 2, &decr))
        return;
    if (decr == LLONG_MIN) { /* -decr would overflow */
        resp_write_error(c->w, "ERR decrement would overflow");
        return;
    }
    incr_decr(c, -decr);
}

/* INCRBYFLOAT key increment: long double arithmetic; the stored value is the formatted
 * result ("%.17Lf" without trailing zeros), which is also the reply. TTL is kept. */
void cmd_incrbyfloat(exec_ctx *c)
{
    const rd_arg *key = &c->argv[1], *arg = &c->argv[2];
    kv *v = keyspace_lookup_write(c, key->ptr, key->len);
    long double value = 0, incr;
    if (v) {
        if (kv_type(v) != OBJ_STRING) {
            reply_wrong_type(c);
            return;
        }
        char intbuf[INTBUF_SIZE];
        const char *s;
        size_t len = kv_string(v, intbuf, &s);
        if (!rd_str2ld(s, len, &value)) {
            reply_not_float(c);
            return;
        }
    }
    if (!rd_str2ld(arg->ptr, arg->len, &incr)) {
        reply_not_float(c);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        resp_write_error(c->w, "ERR increment would produce NaN or Infinity");
        return;
    }
    char buf[LONG_DOUBLE_STR_MAX];
    size_t len = rd_ld2str(buf, sizeof buf, value);
    /* Redis stores the result with createStringObject: embstr or raw, never int (OBJECT
     * ENCODING shows it). The text layout is the same for both names. */
    int enc = len <= KV_EMBSTR_MAX ? ENC_EMBSTR : ENC_RAW;
    if (v) {
        kv *nv = kv_string_set(v, buf, len, 1);
        kv_set_encoding(nv, enc);
        if (nv != v)
            keyspace_replaced(c, v, nv);
    } else {
        kv *nv = kv_string_set(kv_new_string(key->ptr, key->len, "", 0, -1), buf, len, 1);
        kv_set_encoding(nv, enc);
        keyspace_add(c, nv);
    }
    string_changed(c, 1);
    resp_write_bulk(c->w, buf, len);
}

/* ---- LCS ---------------------------------------------------------------------------- */

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
 *
 * The classic dynamic-programming table of LCS lengths, then a walk back from the end
 * that rebuilds the subsequence and the matching ranges (latest first). The walk's
 * tie-break (move in `a` only when that keeps a strictly longer LCS) is Redis's, so
 * the string and the ranges are the same as redis-server's. Missing keys are "". */
void cmd_lcs(exec_ctx *c)
{
    const kv *va = keyspace_lookup_read(c, c->argv[1].ptr, c->argv[1].len);
    const kv *vb = keyspace_lookup_read(c, c->argv[2].ptr, c->argv[2].len);
    if ((va && kv_type(va) != OBJ_STRING) || (vb && kv_type(vb) != OBJ_STRING)) {
        resp_write_error(c->w, "ERR The specified keys must contain string values");
        return;
    }

    int getlen = 0, getidx = 0, withmatchlen = 0;
    long long minmatchlen = 0;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c, j, "idx")) {
            getidx = 1;
        } else if (arg_is(c, j, "len")) {
            getlen = 1;
        } else if (arg_is(c, j, "withmatchlen")) {
            withmatchlen = 1;
        } else if (arg_is(c, j, "minmatchlen") && j + 1 < c->argc) {
            if (!arg_ll(c, j + 1, &minmatchlen))
                return;
            if (minmatchlen < 0)
                minmatchlen = 0;
            j++;
        } else {
            reply_syntax_error(c);
            return;
        }
    }
    if (getidx && getlen) {
        resp_write_error(c->w, "ERR If you want both the length and indexes, please just use IDX.");
        return;
    }

    char intbuf_a[INTBUF_SIZE], intbuf_b[INTBUF_SIZE];
    const char *a = "", *b = "";
    size_t alen_sz = va ? kv_string(va, intbuf_a, &a) : 0;
    size_t blen_sz = vb ? kv_string(vb, intbuf_b, &b) : 0;
    if (alen_sz >= UINT32_MAX - 1 || blen_sz >= UINT32_MAX - 1) {
        resp_write_error(c->w, "ERR String too long for LCS");
        return;
    }
    uint32_t alen = (uint32_t)alen_sz, blen = (uint32_t)blen_sz;

    /* lcs[i * (blen + 1) + j] = LCS length of a[0..i) and b[0..j). The transient table
     * is capped like Redis caps it: at proto-max-bulk-len. */
    unsigned long long cells = (unsigned long long)(alen + 1ULL) * (blen + 1ULL);
    unsigned long long bytes = cells * sizeof(uint32_t);
    long long cap = c->srv ? c->srv->cfg.proto_max_bulk_len : STRING_MAX_LEN;
    if (bytes / sizeof(uint32_t) != cells || bytes >= SIZE_MAX || bytes > (unsigned long long)cap) {
        resp_write_error(c->w, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    /* Redis's ztrymalloc: a table that cannot be allocated is an error reply, not a
     * process abort (rd_malloc aborts). */
    uint32_t *lcs = rd_try_malloc((size_t)bytes);
    if (!lcs) {
        resp_write_error(c->w, "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
    const size_t row = (size_t)blen + 1;
#define LCS_AT(i, j) lcs[(size_t)(i) * row + (j)]
    for (uint32_t j = 0; j <= blen; j++)
        LCS_AT(0, j) = 0;
    for (uint32_t i = 1; i <= alen; i++) {
        uint32_t *cur = &LCS_AT(i, 0), *prev = &LCS_AT(i - 1, 0);
        const unsigned char ai = (unsigned char)a[i - 1];
        cur[0] = 0;
        for (uint32_t j = 1; j <= blen; j++) {
            if (ai == (unsigned char)b[j - 1])
                cur[j] = prev[j - 1] + 1;
            else
                cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
    }
    const uint32_t total = LCS_AT(alen, blen);

    /* The walk back: rebuilds the subsequence (when it is wanted) and emits ranges. */
    int compute = getidx || !getlen;
    char *result = compute ? rd_malloc(total ? total : 1) : NULL;
    size_t matches_handle = 0;
    long long nmatches = 0;
    if (getidx) {
        resp_write_map_len(c->w, 2);
        resp_write_bulk_cstr(c->w, "matches");
        matches_handle = resp_write_deferred_len(c->w);
    }
    uint32_t idx = total, i = alen, j = blen;
    /* The current range: a[astart..aend] matches b[bstart..bend]; astart == alen means
     * no range is open. */
    uint32_t astart = alen, aend = 0, bstart = 0, bend = 0;
    while (compute && i > 0 && j > 0) {
        int emit = 0;
        if (a[i - 1] == b[j - 1]) {
            result[idx - 1] = a[i - 1];
            if (astart == alen) {
                astart = aend = i - 1;
                bstart = bend = j - 1;
            } else if (astart == i && bstart == j) {
                astart--; /* contiguous: extend the range backwards */
                bstart--;
            } else {
                emit = 1;
            }
            if (astart == 0 || bstart == 0)
                emit = 1; /* reached the start of a string: the walk ends here */
            idx--;
            i--;
            j--;
        } else {
            if (LCS_AT(i - 1, j) > LCS_AT(i, j - 1))
                i--;
            else
                j--;
            if (astart != alen)
                emit = 1;
        }
        if (emit) {
            uint32_t matchlen = aend - astart + 1;
            if (getidx && (minmatchlen == 0 || matchlen >= minmatchlen)) {
                resp_write_array_len(c->w, 2 + withmatchlen);
                resp_write_array_len(c->w, 2);
                resp_write_int(c->w, astart);
                resp_write_int(c->w, aend);
                resp_write_array_len(c->w, 2);
                resp_write_int(c->w, bstart);
                resp_write_int(c->w, bend);
                if (withmatchlen)
                    resp_write_int(c->w, matchlen);
                nmatches++;
            }
            astart = alen;
        }
    }
#undef LCS_AT

    if (getidx) {
        resp_set_deferred_array_len(c->w, matches_handle, nmatches);
        resp_write_bulk_cstr(c->w, "len");
        resp_write_int(c->w, total);
    } else if (getlen) {
        resp_write_int(c->w, total);
    } else {
        resp_write_bulk(c->w, result, total);
    }
    rd_free(result);
    rd_free(lcs);
}
