/* exec_helpers: the shared error replies and argument parsers declared in exec.h.
 *
 * Every command reports the common errors through these so the texts are Redis 7's,
 * byte for byte, in one place. Argument helpers parse with strutil's Redis-exact rules
 * and reply the error themselves on failure (return 0), so a command can simply return.
 *
 * Messages given to arg_ll_range follow resp_write_error's convention (they start with
 * the error code, e.g. "ERR timeout is out of range"); a message without a code gets
 * "ERR " in front, as Redis's addReplyError does. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "exec.h"
#include "resp_writer.h"
#include "strutil.h"

#define SUBCOMMAND_ECHO_MAX 128 /* Redis prints at most this much of the subcommand */
#define CMDNAME_MAX 64

void reply_syntax_error(exec_ctx *c)
{
    resp_write_error(c->w, "ERR syntax error");
}

void reply_wrong_type(exec_ctx *c)
{
    resp_write_error(c->w, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_not_integer(exec_ctx *c)
{
    resp_write_error(c->w, "ERR value is not an integer or out of range");
}

void reply_not_float(exec_ctx *c)
{
    resp_write_error(c->w, "ERR value is not a valid float");
}

/* Lower-cased argv[0], for when no command is attached to the context. */
static void lower_name(const exec_ctx *c, char *out, size_t size)
{
    size_t n = 0;
    if (c->argc > 0 && c->argv) {
        n = c->argv[0].len < size - 1 ? c->argv[0].len : size - 1;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)tolower((unsigned char)c->argv[0].ptr[i]);
    }
    out[n] = '\0';
}

void reply_wrong_arity(exec_ctx *c)
{
    char name[CMDNAME_MAX];
    const char *fullname = c->cmd ? c->cmd->fullname : NULL;
    if (!fullname || !fullname[0]) {
        lower_name(c, name, sizeof(name));
        fullname = name;
    }
    resp_write_errorf(c->w, "ERR wrong number of arguments for '%s' command", fullname);
}

/* The parts Redis quotes in subcommand errors: argv[0] upper-cased into parent, and
 * argv[1] as "%.128s" would print it (cut at 128 bytes or a NUL). */
static int subcommand_echo(exec_ctx *c, char parent[CMDNAME_MAX], const char **sub)
{
    size_t n = 0;
    if (c->argc > 0) {
        n = c->argv[0].len < CMDNAME_MAX - 1 ? c->argv[0].len : CMDNAME_MAX - 1;
        for (size_t i = 0; i < n; i++)
            parent[i] = (char)toupper((unsigned char)c->argv[0].ptr[i]);
    }
    parent[n] = '\0';
    *sub = "";
    if (c->argc < 2)
        return 0;
    *sub = c->argv[1].ptr;
    size_t len = c->argv[1].len;
    const char *nul = memchr(*sub, '\0', len);
    if (nul)
        len = (size_t)(nul - *sub);
    return (int)(len < SUBCOMMAND_ECHO_MAX ? len : SUBCOMMAND_ECHO_MAX);
}

void reply_unknown_subcommand(exec_ctx *c)
{
    char parent[CMDNAME_MAX];
    const char *sub;
    int sublen = subcommand_echo(c, parent, &sub);
    resp_write_errorf(c->w, "ERR unknown subcommand '%.*s'. Try %s HELP.", sublen, sub, parent);
}

void reply_subcommand_syntax_error(exec_ctx *c)
{
    char parent[CMDNAME_MAX];
    const char *sub;
    int sublen = subcommand_echo(c, parent, &sub);
    resp_write_errorf(c->w, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                      sublen, sub, parent);
}

/* Does msg start with an error code (an upper-case word followed by a space)? */
static int has_error_code(const char *msg)
{
    size_t i = 0;
    while (msg[i] >= 'A' && msg[i] <= 'Z')
        i++;
    return i >= 2 && msg[i] == ' ';
}

static void reply_message(exec_ctx *c, const char *msg)
{
    if (msg[0] == '-')
        msg++;
    if (has_error_code(msg))
        resp_write_error(c->w, msg);
    else
        resp_write_errorf(c->w, "ERR %s", msg);
}

int arg_ll(exec_ctx *c, int i, long long *out)
{
    if (i >= c->argc || !rd_str2ll(c->argv[i].ptr, c->argv[i].len, out)) {
        reply_not_integer(c);
        return 0;
    }
    return 1;
}

int arg_ll_range(exec_ctx *c, int i, long long min, long long max, const char *msg, long long *out)
{
    long long v;
    if (i >= c->argc || !rd_str2ll(c->argv[i].ptr, c->argv[i].len, &v)) {
        if (msg)
            reply_message(c, msg);
        else
            reply_not_integer(c);
        return 0;
    }
    if (v < min || v > max) {
        if (msg)
            reply_message(c, msg);
        else
            resp_write_errorf(c->w, "ERR value is out of range, value must between %lld and %lld", min, max);
        return 0;
    }
    *out = v;
    return 1;
}

int arg_double(exec_ctx *c, int i, double *out)
{
    if (i >= c->argc || !rd_str2d(c->argv[i].ptr, c->argv[i].len, out)) {
        reply_not_float(c);
        return 0;
    }
    return 1;
}

int arg_is(const exec_ctx *c, int i, const char *lower)
{
    return i < c->argc && rd_strcaseeq(c->argv[i].ptr, c->argv[i].len, lower);
}

void reply_help(exec_ctx *c, const char *const *lines)
{
    size_t n = 0;
    while (lines[n])
        n++;
    char name[32];
    size_t len = c->argv[0].len < sizeof name - 1 ? c->argv[0].len : sizeof name - 1;
    for (size_t i = 0; i < len; i++) {
        char ch = c->argv[0].ptr[i];
        name[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
    }
    name[len] = '\0';
    char header[96];
    snprintf(header, sizeof header, "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", name);
    resp_write_array_len(c->w, (long long)n + 3);
    resp_write_simple_cstr(c->w, header);
    for (size_t i = 0; i < n; i++)
        resp_write_simple_cstr(c->w, lines[i]);
    resp_write_simple_cstr(c->w, "HELP");
    resp_write_simple_cstr(c->w, "    Prints this help.");
}
