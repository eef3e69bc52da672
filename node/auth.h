/* auth: the default user's password (requirepass) and a connection's authentication.
 *
 * The password is never kept in plaintext. Two hashes stand for it in server_config:
 *   - requirepass_hash: libsodium crypto_pwhash_str (Argon2id, salted, self-describing).
 *     It is what CONFIG GET requirepass shows and what CONFIG REWRITE writes, and a
 *     value of that form given to `requirepass` (file, flag or CONFIG SET) is taken as
 *     an already hashed password, so the three round-trip.
 *   - requirepass_digest: keyed BLAKE2b (crypto_generichash) of the password under a
 *     random key made once per process. AUTH compares against it in constant time
 *     (sodium_memcmp): Argon2id costs ~140 ms and 64 MiB per check, which on the event
 *     loop would stall every client and make redis-benchmark -a crawl.
 * When the password arrived only as a hash (a rewritten config file), the digest is
 * unknown until the first successful AUTH, which checks with crypto_pwhash_str_verify
 * (slow) and then records the digest. Plaintext copies made here are wiped with
 * sodium_memzero.
 *
 * Users: only "default" exists until ACLs arrive. With no password the default user is
 * "nopass": AUTH default <anything> succeeds, the one-argument AUTH is refused. */
#ifndef REDRAFT_AUTH_H
#define REDRAFT_AUTH_H

#include <stddef.h>

#include "client.h"
#include "server.h"

#define AUTH_DIGEST_BYTES 32

/* Is a password configured for the default user? */
int auth_password_required(const server_config *cfg);
/* Must this connection authenticate before running commands (other than CMD_NO_AUTH
 * ones)? The dispatcher answers "NOAUTH Authentication required." when so, and the
 * reader applies the unauthenticated request limits. */
int auth_client_needs_auth(const server_config *cfg, const client *c);
/* Authentication state of a new connection, and after RESET: authenticated exactly
 * when no password is required (a later CONFIG SET requirepass does not log out
 * connections that were open before it, as in Redis). */
void auth_client_reset(const server_config *cfg, client *c);

/* Checks user/password for the default user; on success marks c authenticated (c may
 * be NULL). Returns 1 when accepted, 0 otherwise (the caller replies WRONGPASS). */
int auth_check(server_config *cfg, client *c, const char *user, size_t user_len,
               const char *pass, size_t pass_len);

/* Hashes a plaintext password: *pwhash_out (rd_malloc'd crypto_pwhash_str string) and
 * digest. Returns 0, or -1 if libsodium failed (out of memory for Argon2id). */
int auth_hash_password(const char *pass, size_t len, char **pwhash_out,
                       unsigned char digest[AUTH_DIGEST_BYTES]);
/* Is s a crypto_pwhash_str string this libsodium can verify ("$argon2id$v=19$...")? */
int auth_is_password_hash(const char *s, size_t len);

/* Points argv[i] of a connection's request at "(redacted)" so logs (slowlog, MONITOR)
 * never show a password, and wipes the original bytes when they belong to a request
 * the dispatcher is running for c (CLIENT_IN_COMMAND: they are in its read buffers, or
 * in owned copies) or lie in c's query/parser buffers. */
void auth_redact_arg(client *c, rd_arg *argv, int i);

#endif
