/* Incremental RESP request parser (multibulk and inline), as redis-server parses them.
 *
 * The parser reads requests out of a caller-owned query buffer without copying
 * multibulk arguments: on success argv[i] points into that buffer and stays valid until
 * the caller changes the buffer. Input may be split at any byte: state between calls is
 * kept as offsets so the caller may grow (realloc) the buffer between calls; if the
 * caller drops a consumed prefix it calls resp_parser_shift(). Inline arguments that
 * need unquoting are written to the parser's own scratch buffer.
 *
 * Limits and errors follow Redis 7 (protocol-reference.md 1.2): the error text is the
 * full reply line without the leading '-', e.g. "ERR Protocol error: invalid bulk
 * length"; after an error the connection must be closed once the reply is sent. */
#ifndef REDRAFT_RESP_PARSER_H
#define REDRAFT_RESP_PARSER_H

#include <stddef.h>

#include "bytebuf.h"

typedef struct rd_arg {
    const char *ptr;
    size_t len;
} rd_arg;

typedef struct resp_limits {
    long long max_bulk_len;      /* proto-max-bulk-len, default 512 MiB */
    long long max_multibulk_len; /* default INT_MAX */
    size_t max_inline_len;       /* 64 KiB: inline request and *N / $N header lines */
    int unauthenticated;         /* set by resp_limits_unauthenticated: counts/lengths above
                                    the limits (but within the defaults) get the
                                    "unauthenticated ..." error texts */
} resp_limits;

/* Redis 7 defaults; and the stricter ones for an unauthenticated connection
 * (10 arguments, 16384-byte bulks). */
void resp_limits_default(resp_limits *l);
void resp_limits_unauthenticated(resp_limits *l);

enum {
    RESP_PARSE_ERROR = -1,      /* *err set; close the connection after replying */
    RESP_PARSE_INCOMPLETE = 0,  /* need more bytes */
    RESP_PARSE_OK = 1,          /* p->argc / p->argv hold one request */
    RESP_PARSE_EMPTY = 2,       /* an empty request (*0, *-1, empty inline line): skip it */
};

typedef struct resp_parser {
    /* output of the last RESP_PARSE_OK */
    int argc;
    rd_arg *argv;
    /* internal state (offsets relative to the buffer start) */
    int kind;              /* 0 none, 1 multibulk, 2 inline */
    long long multibulk_left;
    long long bulk_len;    /* -1 when the next thing is a $ header */
    size_t scan;           /* where parsing continues */
    size_t line_scan;      /* how far the current header/inline line was searched for its
                              terminator (no rescanning on slow input) */
    size_t wanted;         /* see resp_parser_bytes_wanted */
    size_t *arg_off;       /* offsets of collected multibulk args */
    size_t *arg_len;
    int arg_cap;
    bytebuf scratch;       /* unquoted inline arguments */
} resp_parser;

void resp_parser_init(resp_parser *p);
void resp_parser_free(resp_parser *p);
/* Parses at most one request from buf[*pos .. len). On OK/EMPTY, *pos moves past the
 * request; on INCOMPLETE *pos is unchanged (progress is kept inside p). */
int resp_parse_request(resp_parser *p, const char *buf, size_t len, size_t *pos,
                       const resp_limits *lim, const char **err);
/* The caller removed the first n bytes of the buffer (n <= the *pos last returned). */
void resp_parser_shift(resp_parser *p, size_t n);
/* Bytes the current partial request still needs, when known (a large bulk), else 0:
 * lets the caller size its read buffer. */
size_t resp_parser_bytes_wanted(const resp_parser *p);
/* Splits a line the way redis-server splits inline requests and config lines
 * (sdssplitargs: spaces, "..." with \n \r \t \b \a \xHH escapes, '...' literal).
 * Unquoted args are written into out (cleared first) back to back. Returns an
 * rd_malloc'd argv (caller frees it with rd_free) whose entries point into out, and sets
 * *argc; returns NULL with *argc = -1 on unbalanced quotes (NULL with *argc = 0 for a
 * blank line). */
rd_arg *resp_split_args(const char *line, size_t len, bytebuf *out, int *argc);

#endif
