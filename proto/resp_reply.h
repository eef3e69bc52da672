/* resp_reply: an incremental RESP2 + RESP3 *reply* parser producing a reply tree.
 *
 * Owns the client side of the wire format (protocol-reference.md 1.1): what a server
 * sends back. It is used by proto/resp_client.c and by anything else that reads
 * replies (tests, scripts). The request side lives in resp_parser.c / resp_writer.c.
 *
 * Ownership: a resp_reply_reader owns its input buffer and every partially built node.
 * A reply handed out by resp_reply_reader_next belongs to the caller, who releases the
 * whole tree with resp_reply_free (children and attributes included). Strings inside
 * a node are owned by that node, NUL-terminated for convenience (len is authoritative:
 * bulks may contain NULs).
 *
 * Hostile servers: every count and length is checked against resp_reply_limits before
 * anything is allocated; aggregates grow their element arrays as elements actually
 * arrive (a "*2147483647" header allocates nothing); nesting is bounded and parsed
 * without recursion; the total number of nodes in one reply is bounded; header and
 * simple lines are bounded. After a protocol error the reader is dead (every later
 * call reports the same error): the connection must be dropped. */
#ifndef REDRAFT_RESP_REPLY_H
#define REDRAFT_RESP_REPLY_H

#include <stddef.h>

typedef enum resp_reply_type {
    RESP_REPLY_STRING = 1,  /* +simple */
    RESP_REPLY_ERROR,       /* -simple error (str = "ERR ...") */
    RESP_REPLY_INTEGER,     /* :n  (integer) */
    RESP_REPLY_BULK,        /* $n  (str, len) */
    RESP_REPLY_NULL,        /* _, $-1, *-1 */
    RESP_REPLY_ARRAY,       /* *n  (element) */
    RESP_REPLY_MAP,         /* %n  (element holds 2n entries: k0 v0 k1 v1 ...) */
    RESP_REPLY_SET,         /* ~n */
    RESP_REPLY_PUSH,        /* >n  (element[0] names the kind) */
    RESP_REPLY_DOUBLE,      /* ,d  (dval; str keeps the text) */
    RESP_REPLY_BOOL,        /* #t / #f (integer = 1 / 0) */
    RESP_REPLY_BIGNUM,      /* (digits (str) */
    RESP_REPLY_VERBATIM,    /* =n fmt:text (vformat = "txt", str = text without prefix) */
    RESP_REPLY_BULK_ERROR,  /* !n (str) */
} resp_reply_type;

typedef struct resp_reply {
    resp_reply_type type;
    long long integer;            /* INTEGER, BOOL */
    double dval;                  /* DOUBLE */
    char *str;                    /* owned; NULL for types without text */
    size_t len;
    char vformat[4];              /* VERBATIM: 3-letter format + NUL */
    size_t elements;              /* aggregates: number of entries in element[] */
    struct resp_reply **element;  /* owned array of owned children */
    struct resp_reply *attr;      /* owned: RESP3 attribute (a MAP) that preceded this
                                     value, or NULL */
} resp_reply;

typedef struct resp_reply_limits {
    int max_depth;            /* nesting of aggregates (attributes count); default 64 */
    long long max_bulk_len;   /* $ = ! payload; default 512 MiB */
    long long max_elements;   /* nodes in one reply, and any single count; default 2^24 */
    size_t max_line_len;      /* header and simple lines (+ - : , ( # _); default 64 KiB */
} resp_reply_limits;

void resp_reply_limits_default(resp_reply_limits *l);

/* Frees a reply tree (NULL is fine). */
void resp_reply_free(resp_reply *r);
/* 1 if r is an error reply (simple or bulk error). */
int resp_reply_is_error(const resp_reply *r);

typedef struct resp_reply_reader resp_reply_reader;

enum {
    RESP_REPLY_ERR = -1,        /* protocol error: *err set, reader is dead */
    RESP_REPLY_INCOMPLETE = 0,  /* need more bytes */
    RESP_REPLY_OK = 1,          /* *out holds one complete top-level reply */
};

/* lim NULL = defaults. The limits are copied. */
resp_reply_reader *resp_reply_reader_new(const resp_reply_limits *lim);
void resp_reply_reader_free(resp_reply_reader *rd);
/* Appends bytes to the reader's input buffer (copied). */
void resp_reply_reader_feed(resp_reply_reader *rd, const void *p, size_t n);
/* Zero-copy input: returns a pointer to at least `want` writable bytes at the end of
 * the input buffer (*avail is how many); after writing n <= *avail bytes there, call
 * resp_reply_reader_commit(rd, n). The pointer is valid until the next call on rd. */
char *resp_reply_reader_space(resp_reply_reader *rd, size_t want, size_t *avail);
void resp_reply_reader_commit(resp_reply_reader *rd, size_t n);
/* Parses the next complete reply. On RESP_REPLY_OK *out is set and owned by the caller.
 * On RESP_REPLY_ERR *err (if err != NULL) points to a static message. */
int resp_reply_reader_next(resp_reply_reader *rd, resp_reply **out, const char **err);
/* 1 when nothing is buffered and no reply is half-parsed (a connection closing now
 * loses no data), else 0. */
int resp_reply_reader_idle(const resp_reply_reader *rd);

#endif
