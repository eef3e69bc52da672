/* auth.c: requirepass hashing and checking, and a connection's authenticated state.
 * See auth.h for why there are two hashes and none of them is the plaintext. */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "mem.h"

/* Argon2id cost of the stored hash: libsodium's "interactive" limits. Paid once per
 * CONFIG SET / startup, and by AUTH only while the fast digest is not known yet. */
#define PWHASH_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PWHASH_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

static unsigned char digest_key[crypto_generichash_KEYBYTES];
static int digest_key_ready;

static int sodium_ready(void)
{
    if (sodium_init() < 0)
        return 0;
    if (!digest_key_ready) {
        randombytes_buf(digest_key, sizeof digest_key);
        digest_key_ready = 1;
    }
    return 1;
}

static void password_digest(const char *pass, size_t len, unsigned char out[AUTH_DIGEST_BYTES])
{
    crypto_generichash(out, AUTH_DIGEST_BYTES, (const unsigned char *)pass, len, digest_key,
                       sizeof digest_key);
}

int auth_password_required(const server_config *cfg)
{
    return cfg->requirepass_hash != NULL;
}

int auth_client_needs_auth(const server_config *cfg, const client *c)
{
    return auth_password_required(cfg) && !(c->flags & CLIENT_AUTHENTICATED);
}

void auth_client_reset(const server_config *cfg, client *c)
{
    if (auth_password_required(cfg))
        c->flags &= ~(uint32_t)CLIENT_AUTHENTICATED;
    else
        c->flags |= CLIENT_AUTHENTICATED;
}

int auth_hash_password(const char *pass, size_t len, char **pwhash_out,
                       unsigned char digest[AUTH_DIGEST_BYTES])
{
    *pwhash_out = NULL;
    if (!sodium_ready())
        return -1;
    char str[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(str, pass, len, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0)
        return -1;
    password_digest(pass, len, digest);
    *pwhash_out = rd_strndup(str, strlen(str));
    return 0;
}

int auth_is_password_hash(const char *s, size_t len)
{
    static const char prefix[] = "$argon2id$";
    if (len < sizeof prefix - 1 || len >= crypto_pwhash_STRBYTES ||
        memcmp(s, prefix, sizeof prefix - 1) != 0 || memchr(s, '\0', len))
        return 0;
    char str[crypto_pwhash_STRBYTES];
    memcpy(str, s, len);
    str[len] = '\0';
    /* -1 = not a string libsodium can parse; 0/1 = valid (maybe with other limits) */
    return crypto_pwhash_str_needs_rehash(str, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != -1;
}

int auth_check(server_config *cfg, client *c, const char *user, size_t user_len,
               const char *pass, size_t pass_len)
{
    /* user names are case-sensitive, as in Redis; no other users until ACLs */
    if (user_len != 7 || memcmp(user, "default", 7) != 0)
        return 0;
    if (!auth_password_required(cfg)) {
        /* the default user is "nopass": any password is accepted */
        if (c)
            c->flags |= CLIENT_AUTHENTICATED;
        return 1;
    }
    if (!sodium_ready())
        return 0;

    int ok;
    unsigned char digest[AUTH_DIGEST_BYTES];
    password_digest(pass, pass_len, digest);
    if (cfg->requirepass_digest_set) {
        ok = sodium_memcmp(digest, cfg->requirepass_digest, AUTH_DIGEST_BYTES) == 0;
    } else {
        /* Known only as an Argon2id string: verify the slow way once, then remember
         * the digest so later checks are fast. */
        ok = crypto_pwhash_str_verify(cfg->requirepass_hash, pass, pass_len) == 0;
        if (ok) {
            memcpy(cfg->requirepass_digest, digest, AUTH_DIGEST_BYTES);
            cfg->requirepass_digest_set = 1;
        }
    }
    sodium_memzero(digest, sizeof digest);
    if (ok && c)
        c->flags |= CLIENT_AUTHENTICATED;
    return ok;
}

static int within(const char *p, size_t len, const char *base, size_t base_len)
{
    return base && p >= base && len <= base_len && (size_t)(p - base) <= base_len - len;
}

void auth_redact_arg(client *c, rd_arg *argv, int i)
{
    static const char redacted[] = "(redacted)";
    const char *p = argv[i].ptr;
    size_t len = argv[i].len;
    /* Only a request read from a connection may be overwritten: one being run by the
     * dispatcher (its arguments point into the connection's read buffers, or into owned
     * copies for queued commands), or bytes inside this client's own buffers. */
    if (c && len && ((c->flags & CLIENT_IN_COMMAND) || within(p, len, c->query.data, c->query.len) ||
                     within(p, len, c->parser.scratch.data, c->parser.scratch.len)))
        sodium_memzero((void *)(uintptr_t)p, len);
    argv[i].ptr = redacted;
    argv[i].len = sizeof redacted - 1;
}
