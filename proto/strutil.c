/* strutil: number <-> string conversions and glob matching with Redis's exact rules.
 *
 * Owns the acceptance rules every command uses for numeric arguments (Redis util.c
 * string2ll / string2d / string2ld), the textual form of doubles in replies (Redis 7.2
 * d2string: integers via ll2string, otherwise the shortest round-trip digits laid out
 * like its fpconv_dtoa), the INCRBYFLOAT long double form (ld2string "human" mode) and
 * glob matching (stringmatchlen, including its nesting guard). All inputs are
 * length-delimited and never read past their length. */
#include "strutil.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Redis LONG_STR_SIZE: "-9223372036854775808" plus one. */
#define LONG_STR_SIZE 21
/* Redis MAX_LONG_DOUBLE_CHARS: longest accepted long double string. */
#define MAX_LONG_DOUBLE_CHARS (5 * 1024)

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* ---- integers ---------------------------------------------------------------- */

/* Parses the digits of a canonical non-negative decimal (first digit 1-9, or exactly
 * "0") into *out, failing on overflow of `limit`. */
static int parse_canonical_digits(const char *p, size_t len, unsigned long long limit,
                                  unsigned long long *out)
{
    if (len == 0)
        return 0;
    if (len == 1 && p[0] == '0') {
        *out = 0;
        return 1;
    }
    if (p[0] < '1' || p[0] > '9')
        return 0;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        unsigned digit = (unsigned)(p[i] - '0');
        if (v > (limit - digit) / 10)
            return 0;
        v = v * 10 + digit;
    }
    *out = v;
    return 1;
}

int rd_str2ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len >= LONG_STR_SIZE)
        return 0;
    int negative = 0;
    if (s[0] == '-') {
        negative = 1;
        s++;
        len--;
        if (len == 1 && s[0] == '0')
            return 0; /* "-0" is not canonical (Redis string2ll rejects it) */
    }
    unsigned long long limit = negative ? (unsigned long long)LLONG_MAX + 1ULL
                                        : (unsigned long long)LLONG_MAX;
    unsigned long long v;
    if (!parse_canonical_digits(s, len, limit, &v))
        return 0;
    if (negative)
        *out = v == (unsigned long long)LLONG_MAX + 1ULL ? LLONG_MIN : -(long long)v;
    else
        *out = (long long)v;
    return 1;
}

int rd_str2ull(const char *s, size_t len, unsigned long long *out)
{
    if (len == 0 || len >= LONG_STR_SIZE)
        return 0;
    return parse_canonical_digits(s, len, ULLONG_MAX, out);
}

size_t rd_ll2str(char *buf, long long v)
{
    char tmp[LONG_STR_SIZE];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

/* ---- floating point parsing ---------------------------------------------------- */

int rd_str2d(const char *s, size_t len, double *out)
{
    if (len == 0 || is_space((unsigned char)s[0]))
        return 0;
    char small[128];
    char *copy = len < sizeof small ? small : rd_malloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(copy, &end);
    int ok = (size_t)(end - copy) == len &&
             !(errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) &&
             !isnan(v);
    if (copy != small)
        rd_free(copy);
    if (ok)
        *out = v;
    return ok;
}

int rd_str2ld(const char *s, size_t len, long double *out)
{
    char buf[MAX_LONG_DOUBLE_CHARS];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (is_space((unsigned char)buf[0]) || (size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) ||
        errno == EINVAL || isnan(v))
        return 0;
    *out = v;
    return 1;
}

/* ---- double formatting ---------------------------------------------------------- */

/* Redis double2ll: integral doubles within +-LLONG_MAX/2 print as integers. */
static int double_as_ll(double d, long long *out)
{
    if (d < (double)(-LLONG_MAX / 2) || d > (double)(LLONG_MAX / 2))
        return 0;
    long long ll = (long long)d;
    if ((double)ll != d)
        return 0;
    *out = ll;
    return 1;
}

/* Correctly rounded `prec` significant digits of |v| (finite, non-zero): writes the
 * digits (no dot) to digits, the decimal exponent of the first digit to *exp10, and
 * returns the digit count; *roundtrips tells whether they read back as v. */
static int sig_digits(double v, int prec, char *digits, int *exp10, int *roundtrips)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    *roundtrips = strtod(tmp, NULL) == v;
    const char *p = tmp;
    if (*p == '-')
        p++;
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    *exp10 = (*p == 'e') ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    return nd;
}

/* Shortest digit string that reads back as v (finite, non-zero), correctly rounded.
 * Returns the number of digits; *K is the decimal exponent of the last digit
 * (v = digits * 10^K). Redis 7.2 gets its digits from Grisu2, which agrees with this
 * except for some values needing 16-17 digits: on an exact tie in the last digit it may
 * round the other way, and now and then it emits one digit more than necessary. Both
 * forms read back as the same double. */
static int shortest_digits(double v, char *digits, int *K)
{
    int exp10 = 0, ok = 0, nd = 0;
    if (fabs(v) >= DBL_MIN) {
        /* Any decimal of <= 15 significant digits survives decimal->double->15
         * digits (DBL_DIG), so when 15 digits round-trip, the shortest form is those
         * digits without trailing zeros; otherwise it has 16 or 17 digits. */
        for (int prec = 15; prec <= 17; prec++) {
            nd = sig_digits(v, prec, digits, &exp10, &ok);
            if (ok)
                break;
        }
    } else {
        /* Subnormals have fewer significant bits: search upwards. */
        for (int prec = 1; prec <= 17; prec++) {
            nd = sig_digits(v, prec, digits, &exp10, &ok);
            if (ok)
                break;
        }
    }
    *K = exp10 - (nd - 1);
    return nd;
}

/* Lays out digits*10^K the way Redis's fpconv_dtoa does (plain integer, plain
 * decimal, or d.ddde[+-]x). dest needs room for 26 bytes. */
static size_t layout_digits(const char *digits, int nd, int K, char *dest)
{
    int first_exp = K + nd - 1;
    int exp = first_exp < 0 ? -first_exp : first_exp;

    if (K >= 0 && exp < nd + 7) { /* plain integer */
        memcpy(dest, digits, (size_t)nd);
        memset(dest + nd, '0', (size_t)K);
        return (size_t)(nd + K);
    }
    if (K < 0 && (K > -7 || exp < 4)) { /* plain decimal */
        int int_digits = nd + K;
        if (int_digits <= 0) {
            int zeros = -int_digits;
            dest[0] = '0';
            dest[1] = '.';
            memset(dest + 2, '0', (size_t)zeros);
            memcpy(dest + 2 + zeros, digits, (size_t)nd);
            return (size_t)(nd + 2 + zeros);
        }
        memcpy(dest, digits, (size_t)int_digits);
        dest[int_digits] = '.';
        memcpy(dest + int_digits + 1, digits + int_digits, (size_t)(nd - int_digits));
        return (size_t)(nd + 1);
    }
    size_t i = 0; /* scientific */
    dest[i++] = digits[0];
    if (nd > 1) {
        dest[i++] = '.';
        memcpy(dest + i, digits + 1, (size_t)(nd - 1));
        i += (size_t)(nd - 1);
    }
    dest[i++] = 'e';
    dest[i++] = first_exp < 0 ? '-' : '+';
    if (exp >= 100)
        dest[i++] = (char)('0' + exp / 100);
    if (exp >= 10)
        dest[i++] = (char)('0' + exp / 10 % 10);
    dest[i++] = (char)('0' + exp % 10);
    return i;
}

size_t rd_d2str(char *buf, size_t size, double v)
{
    char out[40];
    size_t len;
    if (isnan(v)) {
        memcpy(out, "nan", 3);
        len = 3;
    } else if (isinf(v)) {
        len = v < 0 ? 4 : 3;
        memcpy(out, v < 0 ? "-inf" : "inf", len);
    } else if (v == 0) {
        len = signbit(v) ? 2 : 1;
        memcpy(out, signbit(v) ? "-0" : "0", len);
    } else {
        long long ll;
        if (double_as_ll(v, &ll)) {
            len = rd_ll2str(out, ll);
        } else {
            char digits[24];
            int K;
            int nd = shortest_digits(v, digits, &K);
            len = 0;
            if (v < 0)
                out[len++] = '-';
            len += layout_digits(digits, nd, K, out + len);
        }
    }
    if (size == 0)
        return 0;
    if (len >= size)
        len = size - 1;
    memcpy(buf, out, len);
    buf[len] = '\0';
    return len;
}

size_t rd_ld2str(char *buf, size_t size, long double v)
{
    size_t len;
    if (size == 0)
        return 0;
    if (isinf(v)) {
        if (size < 5)
            goto no_room;
        len = v > 0 ? 3 : 4;
        memcpy(buf, v > 0 ? "inf" : "-inf", len);
    } else if (isnan(v)) {
        if (size < 4)
            goto no_room;
        memcpy(buf, "nan", 3);
        len = 3;
    } else {
        int n = snprintf(buf, size, "%.17Lf", v);
        if (n < 0 || (size_t)n + 1 > size)
            goto no_room;
        len = (size_t)n;
        if (memchr(buf, '.', len)) {
            while (buf[len - 1] == '0')
                len--;
            if (buf[len - 1] == '.')
                len--;
        }
        if (len == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            len = 1;
        }
    }
    buf[len] = '\0';
    return len;
no_room:
    buf[0] = '\0';
    return 0;
}

/* ---- comparisons and glob --------------------------------------------------------- */

int rd_strcaseeq(const char *s, size_t len, const char *cstr)
{
    for (size_t i = 0; i < len; i++) {
        if (cstr[i] == '\0')
            return 0;
        if (ascii_lower((unsigned char)s[i]) != ascii_lower((unsigned char)cstr[i]))
            return 0;
    }
    return cstr[len] == '\0';
}

/* Redis compares pattern and string bytes as (signed) char, and lowercases with the C
 * locale's tolower, which only touches ASCII letters. */
static int glob_char(const char *p)
{
    return (int)(signed char)*p;
}

static int glob_fold(int c, int nocase)
{
    return nocase ? ascii_lower(c) : c;
}

/* Redis stringmatchlen_impl, bounds-checked. skip_longer: once a '*' has failed to
 * place the rest of the pattern anywhere in the rest of the string, no earlier '*'
 * can do better, so every pending level gives up (avoids exponential time). Nesting
 * beyond 1000 '*' levels is treated as no match, as Redis does. */
static int glob_impl(const char *pattern, size_t plen, const char *str, size_t slen, int nocase,
                     int *skip_longer, int nesting)
{
    if (nesting > 1000)
        return 0;

    while (plen && slen) {
        switch (pattern[0]) {
        case '*':
            while (plen > 1 && pattern[1] == '*') {
                pattern++;
                plen--;
            }
            if (plen == 1)
                return 1;
            while (slen) {
                if (glob_impl(pattern + 1, plen - 1, str, slen, nocase, skip_longer, nesting + 1))
                    return 1;
                if (*skip_longer)
                    return 0;
                str++;
                slen--;
            }
            *skip_longer = 1;
            return 0;
        case '?':
            str++;
            slen--;
            break;
        case '[': {
            int negate, match = 0;
            pattern++;
            plen--;
            negate = plen > 0 && pattern[0] == '^';
            if (negate) {
                pattern++;
                plen--;
            }
            for (;;) {
                if (plen == 0) {
                    /* Unterminated class: Redis steps back so the loop's common
                     * advance below lands exactly at the end of the pattern. */
                    pattern--;
                    plen++;
                    break;
                } else if (pattern[0] == '\\' && plen >= 2) {
                    pattern++;
                    plen--;
                    if (pattern[0] == str[0])
                        match = 1;
                } else if (pattern[0] == ']') {
                    break;
                } else if (plen >= 3 && pattern[1] == '-') {
                    int start = glob_char(pattern), end = glob_char(pattern + 2);
                    int c = glob_char(str);
                    if (start > end) {
                        int t = start;
                        start = end;
                        end = t;
                    }
                    start = glob_fold(start, nocase);
                    end = glob_fold(end, nocase);
                    c = glob_fold(c, nocase);
                    pattern += 2;
                    plen -= 2;
                    if (c >= start && c <= end)
                        match = 1;
                } else if (glob_fold(glob_char(pattern), nocase) == glob_fold(glob_char(str), nocase)) {
                    match = 1;
                }
                pattern++;
                plen--;
            }
            if (negate)
                match = !match;
            if (!match)
                return 0;
            str++;
            slen--;
            break;
        }
        case '\\':
            if (plen >= 2) {
                pattern++;
                plen--;
            }
            /* fall through */
        default:
            if (glob_fold(glob_char(pattern), nocase) != glob_fold(glob_char(str), nocase))
                return 0;
            str++;
            slen--;
            break;
        }
        pattern++;
        plen--;
        if (slen == 0) {
            while (plen && *pattern == '*') {
                pattern++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

int rd_glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase)
{
    int skip_longer = 0;
    return glob_impl(pattern, plen, str, slen, nocase, &skip_longer, 0);
}
