/* Unit tests for proto/strutil.c (Redis number parsing/formatting rules and glob
 * matching), proto/prng.c and proto/hash.c. */
#include <criterion/criterion.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "mem.h"
#include "prng.h"
#include "strutil.h"

/* ---- rd_str2ll / rd_str2ull / rd_ll2str ---------------------------------------- */

static int ll_ok(const char *s, long long *v)
{
    return rd_str2ll(s, strlen(s), v);
}

Test(str2ll, accepts_canonical)
{
    struct { const char *s; long long v; } cases[] = {
        {"0", 0},
        {"1", 1},
        {"-1", -1},
        {"123", 123},
        {"-987654321", -987654321},
        {"9223372036854775807", LLONG_MAX},
        {"-9223372036854775808", LLONG_MIN},
        {"9223372036854775806", LLONG_MAX - 1},
        {"-9223372036854775807", -LLONG_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long long v = 42;
        cr_assert(ll_ok(cases[i].s, &v), "rejected %s", cases[i].s);
        cr_assert_eq(v, cases[i].v, "%s -> %lld", cases[i].s, v);
    }
}

Test(str2ll, rejects_non_canonical)
{
    const char *bad[] = {"",    "-",   "-0",  "+1",  " 1",  "1 ",  "01",  "00",   "-01",
                         "1a",  "a1",  "0x10", "1.0", "1e3", "--1", "\t1", "9223372036854775808",
                         "-9223372036854775809", "18446744073709551616", "99999999999999999999",
                         "000000000000000000001", "1-", "-+1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long v = 42;
        cr_assert_not(ll_ok(bad[i], &v), "accepted '%s'", bad[i]);
        cr_assert_eq(v, 42, "wrote output for '%s'", bad[i]);
    }
}

Test(str2ll, length_delimited)
{
    long long v;
    cr_assert(rd_str2ll("123abc", 3, &v));
    cr_assert_eq(v, 123);
    cr_assert_not(rd_str2ll("1\0002", 3, &v)); /* embedded NUL */
    cr_assert(rd_str2ll("7\0", 1, &v));
    cr_assert_eq(v, 7);
    cr_assert_not(rd_str2ll("", 0, &v));
}

Test(str2ull, rules)
{
    unsigned long long v;
    cr_assert(rd_str2ull("18446744073709551615", 20, &v));
    cr_assert_eq(v, ULLONG_MAX);
    cr_assert(rd_str2ull("0", 1, &v));
    cr_assert_eq(v, 0);
    cr_assert(rd_str2ull("9223372036854775808", 19, &v));
    cr_assert_eq(v, 9223372036854775808ULL);
    const char *bad[] = {"18446744073709551616", "-1", "+1", "01", " 1", "", "1x", "-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(rd_str2ull(bad[i], strlen(bad[i]), &v), "accepted '%s'", bad[i]);
}

Test(ll2str, values_and_roundtrip)
{
    char buf[32];
    cr_assert_eq(rd_ll2str(buf, 0), 1);
    cr_assert_str_eq(buf, "0");
    cr_assert_eq(rd_ll2str(buf, -1), 2);
    cr_assert_str_eq(buf, "-1");
    cr_assert_eq(rd_ll2str(buf, LLONG_MIN), 20);
    cr_assert_str_eq(buf, "-9223372036854775808");
    cr_assert_eq(rd_ll2str(buf, LLONG_MAX), 19);
    cr_assert_str_eq(buf, "9223372036854775807");
    prng r;
    prng_seed(&r, 7);
    for (int i = 0; i < 20000; i++) {
        long long v = (long long)prng_next(&r) >> (prng_below(&r, 64));
        char ref[32];
        snprintf(ref, sizeof ref, "%lld", v);
        size_t n = rd_ll2str(buf, v);
        cr_assert_str_eq(buf, ref);
        long long back;
        cr_assert(rd_str2ll(buf, n, &back));
        cr_assert_eq(back, v);
    }
}

/* ---- rd_str2d / rd_str2ld ------------------------------------------------------- */

Test(str2d, accepts)
{
    struct { const char *s; double v; } cases[] = {
        {"1.5", 1.5}, {"-1.5", -1.5}, {"+1.5", 1.5}, {"0", 0.0}, {"1e10", 1e10},
        {"1E-5", 1e-5}, {".5", 0.5}, {"5.", 5.0}, {"0x10", 16.0}, {"007", 7.0},
        {"inf", INFINITY}, {"+inf", INFINITY}, {"-inf", -INFINITY}, {"Infinity", INFINITY},
        {"INF", INFINITY}, {"1.7976931348623157e308", DBL_MAX}, {"4.9e-324", 4.9e-324},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = 42;
        cr_assert(rd_str2d(cases[i].s, strlen(cases[i].s), &v), "rejected %s", cases[i].s);
        cr_assert(v == cases[i].v, "%s -> %.17g", cases[i].s, v);
    }
    double v;
    cr_assert(rd_str2d("-0", 2, &v));
    cr_assert(v == 0 && signbit(v));
}

Test(str2d, rejects)
{
    const char *bad[] = {"", " 1", "\t1", "1 ", "nan", "NaN", "-nan", "1e400", "-1e400",
                         "1e-400", "abc", "1.5x", "--1", "1,5", "\n1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 42;
        cr_assert_not(rd_str2d(bad[i], strlen(bad[i]), &v), "accepted '%s'", bad[i]);
        cr_assert(v == 42);
    }
    double v;
    cr_assert_not(rd_str2d("1\0", 2, &v)); /* embedded NUL */
    cr_assert(rd_str2d("2.5junk", 3, &v)); /* length-delimited */
    cr_assert(v == 2.5);
}

Test(str2d, long_input)
{
    /* longer than the stack copy: goes through the heap path */
    char s[600];
    memset(s, '0', sizeof s);
    memcpy(s, "0.5", 3);
    double v;
    cr_assert(rd_str2d(s, sizeof s, &v));
    cr_assert(v == 0.5);
    s[sizeof s - 1] = 'x';
    cr_assert_not(rd_str2d(s, sizeof s, &v));
    /* a long run of digits that underflows to zero is rejected (ERANGE) */
    memset(s, '0', sizeof s);
    memcpy(s, "0.", 2);
    s[sizeof s - 1] = '1';
    cr_assert_not(rd_str2d(s, sizeof s, &v));
}

Test(str2ld, rules)
{
    long double v;
    cr_assert(rd_str2ld("10.5", 4, &v));
    cr_assert(v == 10.5L);
    cr_assert(rd_str2ld("-3", 2, &v));
    cr_assert(v == -3.0L);
    cr_assert(rd_str2ld("inf", 3, &v));
    cr_assert(isinf(v) && v > 0);
    cr_assert(rd_str2ld("-inf", 4, &v));
    cr_assert(isinf(v) && v < 0);
    const char *bad[] = {"", " 1", "1 ", "nan", "1e99999", "1e-99999", "x", "1.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(rd_str2ld(bad[i], strlen(bad[i]), &v), "accepted '%s'", bad[i]);
    /* Redis refuses strings of MAX_LONG_DOUBLE_CHARS (5k) or more */
    char *big = rd_malloc(6000);
    memset(big, '1', 6000);
    memset(big, '0', 6000);
    memcpy(big, "1.", 2);
    cr_assert_not(rd_str2ld(big, 5120, &v));
    cr_assert(rd_str2ld(big, 5119, &v));
    cr_assert(v == 1.0L);
    memset(big, '1', 6000);
    cr_assert_not(rd_str2ld(big, 5119, &v)); /* 1.1e5118 overflows */
    cr_assert(rd_str2ld(big, 20, &v));
    rd_free(big);
}

/* ---- rd_d2str / rd_ld2str ---------------------------------------------------------- */

static const char *d2s(double v)
{
    static char buf[64];
    size_t n = rd_d2str(buf, sizeof buf, v);
    cr_assert_eq(n, strlen(buf));
    return buf;
}

Test(d2str, redis_7_2_forms)
{
    struct { double v; const char *s; } cases[] = {
        {1.5, "1.5"},
        {0.1, "0.1"},
        {-2.5, "-2.5"},
        {3.0, "3"},
        {-3.0, "-3"},
        {0.0, "0"},
        {-0.0, "-0"},
        {1e18, "1000000000000000000"},
        {4611686018427387904.0, "4611686018427387904"}, /* LLONG_MAX/2 as a double */
        {1e19, "1e+19"},
        {1e100, "1e+100"},
        {1.2345678901234569e+23, "123456789012345690000000"},
        {1.25e+23, "1.25e+23"},
        {1.25e+19, "1.25e+19"},
        {-1.2345678e+19, "-1.2345678e+19"},
        {1e22, "1e+22"},
        {1.5e300, "1.5e+300"},
        {1e-7, "1e-7"},
        {1.5e-7, "1.5e-7"},
        {0.000001, "0.000001"},
        {1.234e-5, "1.234e-5"},
        {123.456, "123.456"},
        {0.3, "0.3"},
        {2.0 / 3, "0.6666666666666666"},
        {100.0 / 3, "33.333333333333336"},
        {123456789012.5, "123456789012.5"},
        {1e-300, "1e-300"},
        {5e-324, "5e-324"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {-DBL_MAX, "-1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {NAN, "nan"},
        {3.14159, "3.14159"},
        {1e-5, "0.00001"},
        {0.5e-6, "5e-7"},
        {9007199254740993.0, "9007199254740992"},
        {1e15 + 0.5, "1000000000000000.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(d2s(cases[i].v), cases[i].s, "%.17g", cases[i].v);
}

/* Number of significant digits of a formatted double. */
static int sig_digit_count(const char *s)
{
    char digits[64];
    int n = 0, leading = 1;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (leading && *s == '0')
            continue;
        leading = 0;
        digits[n++] = *s;
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    return n;
}

Test(d2str, shortest_roundtrip_random)
{
    prng r;
    prng_seed(&r, 12345);
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = prng_next(&r);
        double v;
        if (i % 3 == 0) {
            memcpy(&v, &bits, sizeof v);
            if (isnan(v) || isinf(v))
                continue;
        } else if (i % 3 == 1) {
            v = (double)(int64_t)(bits >> prng_below(&r, 40)) / pow(10, (double)prng_below(&r, 12));
        } else {
            v = prng_double(&r) * pow(10, (double)prng_below(&r, 40) - 20);
        }
        size_t n = rd_d2str(buf, sizeof buf, v);
        cr_assert_lt(n, 32);
        double back = strtod(buf, NULL);
        cr_assert(back == v, "%.17g printed as %s", v, buf);
        int digits = sig_digit_count(buf);
        if (digits > 1 && !strchr(buf, 'e') && fabs(v) <= 4611686018427387904.0 && v == floor(v))
            continue; /* integers are printed whole */
        if (digits > 1) {
            /* one digit fewer must not round-trip */
            char shorter[64];
            snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
            cr_assert(strtod(shorter, NULL) != v, "%.17g: %s is not the shortest (%s)", v, buf,
                      shorter);
        }
    }
}

Test(d2str, small_buffer_truncates)
{
    char buf[4];
    size_t n = rd_d2str(buf, sizeof buf, 123456.0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(buf, "123");
}

static const char *ld2s(long double v)
{
    static char buf[5200];
    size_t n = rd_ld2str(buf, sizeof buf, v);
    cr_assert_eq(n, strlen(buf));
    return buf;
}

Test(ld2str, human_friendly)
{
    cr_assert_str_eq(ld2s(3.0L), "3");
    cr_assert_str_eq(ld2s(1.5L), "1.5");
    cr_assert_str_eq(ld2s(0.1L), "0.1");
    cr_assert_str_eq(ld2s(-0.0L), "0");
    cr_assert_str_eq(ld2s(-1.25L), "-1.25");
    cr_assert_str_eq(ld2s(10.5L + 0.1L), "10.6"); /* INCRBYFLOAT 10.50 0.1 */
    cr_assert_str_eq(ld2s(5.0e3L), "5000");
    cr_assert_str_eq(ld2s(1e20L), "100000000000000000000");
    cr_assert_str_eq(ld2s(1.7e-17L), "0.00000000000000002");
    cr_assert_str_eq(ld2s(1e-18L), "0"); /* below %.17Lf resolution */
    cr_assert_str_eq(ld2s(-1e-18L), "0");
    cr_assert_str_eq(ld2s(INFINITY), "inf");
    cr_assert_str_eq(ld2s(-INFINITY), "-inf");
    cr_assert_str_eq(ld2s(NAN), "nan");
    long double v;
    cr_assert(rd_str2ld("3.0e3", 5, &v));
    cr_assert_str_eq(ld2s(v), "3000");
    cr_assert(rd_str2ld("17179869184", 11, &v));
    cr_assert_str_eq(ld2s(v + 1.5L), "17179869185.5");
}

Test(ld2str, no_room)
{
    char buf[8];
    cr_assert_eq(rd_ld2str(buf, sizeof buf, 123456789.0L), 0);
    cr_assert_str_eq(buf, "");
    cr_assert_eq(rd_ld2str(buf, 4, -INFINITY), 0);
    cr_assert_eq(rd_ld2str(buf, 5, -INFINITY), 4);
    cr_assert_str_eq(buf, "-inf");
    /* the largest long doubles need about 4.9k characters */
    char *big = rd_malloc(5200);
    cr_assert_gt(rd_ld2str(big, 5200, LDBL_MAX), 4900);
    rd_free(big);
}

/* ---- rd_strcaseeq ---------------------------------------------------------------- */

Test(strcaseeq, basic)
{
    cr_assert(rd_strcaseeq("GET", 3, "get"));
    cr_assert(rd_strcaseeq("gEt", 3, "GeT"));
    cr_assert_not(rd_strcaseeq("GET", 3, "gets"));
    cr_assert_not(rd_strcaseeq("GETS", 4, "get"));
    cr_assert(rd_strcaseeq("GETX", 3, "get"));
    cr_assert(rd_strcaseeq("", 0, ""));
    cr_assert_not(rd_strcaseeq("a\0b", 3, "a"));
    cr_assert_not(rd_strcaseeq("[", 1, "{")); /* not a bit-5 fold */
}

/* ---- rd_glob_match ------------------------------------------------------------------- */

static int gm(const char *pat, const char *str, int nocase)
{
    return rd_glob_match(pat, strlen(pat), str, strlen(str), nocase);
}

Test(glob, basics)
{
    cr_assert(gm("*", "anything", 0));
    cr_assert_not(gm("*", "", 0)); /* Redis: KEYS/SCAN special-case a lone '*' */
    cr_assert(gm("", "", 0));
    cr_assert_not(gm("", "a", 0));
    cr_assert(gm("h?llo", "hello", 0));
    cr_assert(gm("h?llo", "hallo", 0));
    cr_assert_not(gm("h?llo", "hllo", 0));
    cr_assert(gm("h*llo", "hllo", 0));
    cr_assert(gm("h*llo", "heeeello", 0));
    cr_assert(gm("h[ae]llo", "hello", 0));
    cr_assert(gm("h[ae]llo", "hallo", 0));
    cr_assert_not(gm("h[ae]llo", "hillo", 0));
    cr_assert(gm("h[^e]llo", "hallo", 0));
    cr_assert_not(gm("h[^e]llo", "hello", 0));
    cr_assert(gm("h[a-b]llo", "hbllo", 0));
    cr_assert_not(gm("h[a-b]llo", "hcllo", 0));
    cr_assert(gm("h[b-a]llo", "hallo", 0)); /* reversed range */
    cr_assert(gm("a*", "a", 0));
    cr_assert(gm("a**", "a", 0));
    cr_assert(gm("a*b*c", "aXXbYYc", 0));
    cr_assert_not(gm("a*b*c", "aXXbYYcd", 0));
    cr_assert(gm("*.txt", "file.txt", 0));
    cr_assert(gm("user:*:name", "user:42:name", 0));
    cr_assert(gm("__keyspace@*__:*", "__keyspace@0__:foo", 0));
}

Test(glob, escapes)
{
    cr_assert(gm("\\*", "*", 0));
    cr_assert_not(gm("\\*", "a", 0));
    cr_assert(gm("a\\?b", "a?b", 0));
    cr_assert_not(gm("a\\?b", "axb", 0));
    cr_assert(gm("\\", "\\", 0)); /* trailing backslash is literal */
    cr_assert(gm("a\\", "a\\", 0));
    cr_assert(gm("[\\]]", "]", 0));
    cr_assert(gm("[\\-]", "-", 0));
    cr_assert_not(gm("[\\-]", "a", 0));
    cr_assert(gm("\\[a]", "[a]", 0));
}

Test(glob, class_edge_cases)
{
    cr_assert(gm("[-+]", "-", 0));
    cr_assert(gm("[-+]", "+", 0));
    cr_assert_not(gm("[-+]", "a", 0));
    /* "[a-]" is the range a..']' in an unterminated class (Redis reads it that way) */
    cr_assert(gm("[a-]", "a", 0));
    cr_assert(gm("[a-]", "_", 0));
    cr_assert_not(gm("[a-]", "-", 0));
    cr_assert(gm("[a-]]", "]", 0));
    cr_assert_not(gm("[]a]", "a", 0)); /* ']' right after '[' closes an empty class */
    cr_assert(gm("[^]a]", "x", 0) == 0); /* "[^]" matches any one char, then 'a]' */
    cr_assert(gm("[^]a]", "xa]", 0));
    cr_assert(gm("[abc", "a", 0)); /* unterminated class: what was seen counts */
    cr_assert(gm("[abc", "c", 0));
    cr_assert_not(gm("[abc", "d", 0));
    cr_assert_not(gm("[", "a", 0));
    cr_assert(gm("[^", "a", 0));
    cr_assert(gm("x[", "x", 0) == 0);
    cr_assert(gm("[a-z][0-9]", "q7", 0));
    cr_assert_not(gm("[a-z][0-9]", "Q7", 0));
}

Test(glob, nocase)
{
    cr_assert(gm("HELLO", "hello", 1));
    cr_assert_not(gm("HELLO", "hello", 0));
    cr_assert(gm("h[A-C]llo", "hbllo", 1));
    cr_assert(gm("h[a-c]llo", "hBllo", 1));
    cr_assert_not(gm("h[a-c]llo", "hBllo", 0));
    cr_assert(gm("[XY]*", "xylophone", 1));
    cr_assert(gm("\\A", "a", 1));
    cr_assert(gm("[\\A]", "A", 1));
    cr_assert_not(gm("[\\A]", "a", 1)); /* Redis compares escaped class chars exactly */
}

Test(glob, binary_and_length_delimited)
{
    cr_assert(rd_glob_match("a\0*", 3, "a\0zz", 4, 0));
    cr_assert_not(rd_glob_match("a\0*", 3, "a\1zz", 4, 0));
    cr_assert(rd_glob_match("a?c", 3, "a\xff" "c", 3, 0));
    cr_assert(rd_glob_match("[\x80-\xff]", 5, "\x90", 1, 0)); /* signed char compares */
    cr_assert(rd_glob_match("abcXYZ", 3, "abc", 3, 0));
}

static double seconds_since(struct timespec t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

Test(glob, pathological_patterns_are_fast)
{
    /* "a*a*a*...*b" against "aaaa...": exponential without the skip-longer rule */
    char pat[200], str[200];
    size_t pl = 0;
    for (int i = 0; i < 30; i++) {
        pat[pl++] = 'a';
        pat[pl++] = '*';
    }
    pat[pl++] = 'b';
    memset(str, 'a', 150);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_not(rd_glob_match(pat, pl, str, 150, 0));
    cr_assert_lt(seconds_since(t0), 1.0);

    /* Redis's own regression: "*a*a*a*...*" with a long miss */
    char *p2 = rd_malloc(4096), *s2 = rd_malloc(4096);
    size_t n2 = 0;
    for (int i = 0; i < 900; i++) {
        p2[n2++] = '*';
        p2[n2++] = 'a';
    }
    p2[n2++] = '*';
    p2[n2++] = 'z';
    memset(s2, 'a', 3000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_not(rd_glob_match(p2, n2, s2, 3000, 0));
    cr_assert_lt(seconds_since(t0), 2.0);
    rd_free(p2);
    rd_free(s2);
}

Test(glob, nesting_limit)
{
    /* More than 1000 nested '*' levels: treated as no match (no stack overflow). */
    size_t levels = 5000;
    char *pat = rd_malloc(levels * 2 + 1), *str = rd_malloc(levels);
    for (size_t i = 0; i < levels; i++) {
        pat[2 * i] = '*';
        pat[2 * i + 1] = 'a';
    }
    memset(str, 'a', levels);
    cr_assert_not(rd_glob_match(pat, levels * 2, str, levels, 0));
    /* within the limit the same shape matches */
    cr_assert(rd_glob_match(pat, 2 * 900, str, 900, 0));
    rd_free(pat);
    rd_free(str);
}

Test(glob, random_inputs_do_not_crash)
{
    prng r;
    prng_seed(&r, 99);
    char pat[32], str[32];
    const char alphabet[] = "ab*?[]^-\\\0xyz";
    int matches = 0;
    for (int i = 0; i < 300000; i++) {
        size_t pl = prng_below(&r, sizeof pat), sl = prng_below(&r, sizeof str);
        for (size_t j = 0; j < pl; j++)
            pat[j] = alphabet[prng_below(&r, sizeof alphabet - 1)];
        for (size_t j = 0; j < sl; j++)
            str[j] = alphabet[prng_below(&r, sizeof alphabet - 1)];
        matches += rd_glob_match(pat, pl, str, sl, (int)(i & 1));
    }
    cr_assert_gt(matches, 0);
}

/* ---- prng ------------------------------------------------------------------------------ */

Test(prng, deterministic_and_reference_vector)
{
    prng a, b;
    prng_seed(&a, 1);
    prng_seed(&b, 1);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(prng_next(&a), prng_next(&b));
    prng_seed(&b, 2);
    cr_assert_neq(prng_next(&a), prng_next(&b));

    /* xoshiro256** reference: state {1,2,3,4} gives 11520, 0, 1509978240, 1215971899390074240 */
    prng ref = {{1, 2, 3, 4}};
    cr_assert_eq(prng_next(&ref), 11520ULL);
    cr_assert_eq(prng_next(&ref), 0ULL);
    cr_assert_eq(prng_next(&ref), 1509978240ULL);
    cr_assert_eq(prng_next(&ref), 1215971899390074240ULL);
}

Test(prng, below_is_in_range_and_uniform)
{
    prng r;
    prng_seed(&r, 42);
    cr_assert_eq(prng_below(&r, 1), 0);
    uint64_t counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t v = prng_below(&r, 7);
        cr_assert_lt(v, 7);
        counts[v]++;
    }
    for (int i = 0; i < 7; i++)
        cr_assert(counts[i] > 9400 && counts[i] < 10600, "bucket %d: %lu", i,
                  (unsigned long)counts[i]);
    uint64_t big = (1ULL << 63) + 12345;
    for (int i = 0; i < 1000; i++)
        cr_assert_lt(prng_below(&r, big), big);
    for (int i = 0; i < 1000; i++)
        (void)prng_below(&r, UINT64_MAX);
}

Test(prng, double_range)
{
    prng r;
    prng_seed(&r, 5);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double d = prng_double(&r);
        cr_assert(d >= 0.0 && d < 1.0);
        sum += d;
    }
    cr_assert(sum / 100000 > 0.49 && sum / 100000 < 0.51);
}

/* ---- hash -------------------------------------------------------------------------------- */

Test(hash, deterministic_seeded_and_spread)
{
    rd_hash_set_seed(1);
    uint64_t h1 = rd_hash("hello", 5);
    cr_assert_eq(h1, rd_hash("hello", 5));
    cr_assert_neq(h1, rd_hash("hellp", 5));
    cr_assert_neq(rd_hash("", 0), rd_hash("\0", 1));
    rd_hash_set_seed(2);
    cr_assert_neq(h1, rd_hash("hello", 5));

    /* every length 0..200 from an unaligned pointer; a one-bit flip changes the hash */
    char buf[260];
    for (int i = 0; i < 260; i++)
        buf[i] = (char)(i * 7);
    for (size_t len = 1; len <= 200; len++) {
        uint64_t h = rd_hash(buf + 3, len);
        for (size_t bit = 0; bit < len * 8; bit += 5) {
            buf[3 + bit / 8] ^= (char)(1 << (bit % 8));
            cr_assert_neq(rd_hash(buf + 3, len), h, "len %zu bit %zu", len, bit);
            buf[3 + bit / 8] ^= (char)(1 << (bit % 8));
        }
    }

    /* bucket distribution of sequential keys */
    enum { BUCKETS = 64, KEYS = 64000 };
    int counts[BUCKETS] = {0};
    for (int i = 0; i < KEYS; i++) {
        char key[32];
        int n = snprintf(key, sizeof key, "key:%d", i);
        counts[rd_hash(key, (size_t)n) % BUCKETS]++;
    }
    for (int i = 0; i < BUCKETS; i++)
        cr_assert(counts[i] > 800 && counts[i] < 1200, "bucket %d: %d", i, counts[i]);

    /* avalanche: flipping one input bit flips about half the output bits */
    double total = 0;
    int trials = 0;
    prng r;
    prng_seed(&r, 3);
    for (int t = 0; t < 2000; t++) {
        size_t len = 1 + prng_below(&r, 64);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)prng_next(&r);
        uint64_t h = rd_hash(buf, len);
        size_t bit = prng_below(&r, len * 8);
        buf[bit / 8] ^= (char)(1 << (bit % 8));
        total += __builtin_popcountll(h ^ rd_hash(buf, len));
        trials++;
    }
    double avg = total / trials;
    cr_assert(avg > 29 && avg < 35, "average flipped bits %f", avg);
}
