/* Number <-> string conversions with Redis's exact acceptance rules.
 *
 * Redis is strict: "+1", " 1", "01" and "1 " are not integers; floats reject NaN and
 * trailing garbage. Clients rely on the errors these rules produce, so every command
 * parses numbers through here. */
#ifndef REDRAFT_STRUTIL_H
#define REDRAFT_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 and sets *out if s[0..len) is a canonical signed 64-bit decimal
 * (optional '-', no leading zeros except "0", no spaces, no '+'), else 0. */
int rd_str2ll(const char *s, size_t len, long long *out);
/* Same for unsigned 64 bit. */
int rd_str2ull(const char *s, size_t len, unsigned long long *out);
/* Writes v in decimal to buf (size >= 21); returns the length. */
size_t rd_ll2str(char *buf, long long v);
/* Parses a double as Redis does for ZADD/INCRBYFLOAT arguments: strtod over the whole
 * string, no leading space, "inf"/"-inf"/"+inf" accepted, NaN rejected. */
int rd_str2d(const char *s, size_t len, double *out);
/* Long double variant (INCRBYFLOAT, HINCRBYFLOAT). */
int rd_str2ld(const char *s, size_t len, long double *out);
/* Shortest representation that reads back as the same double ("inf", "-inf", "nan",
 * integers without ".0"). buf >= 32 bytes; returns the length. */
size_t rd_d2str(char *buf, size_t size, double v);
/* INCRBYFLOAT style: "%.17Lf" with trailing zeros (and a trailing '.') removed. */
size_t rd_ld2str(char *buf, size_t size, long double v);
/* Case-insensitive comparison of a length-delimited string with a C string. */
int rd_strcaseeq(const char *s, size_t len, const char *cstr);
/* Redis glob matching (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET): * ? [abc] [^a] [a-z] \x. */
int rd_glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase);

#endif
