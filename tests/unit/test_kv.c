/* Unit tests for node/kv.c: encoding choice (int / embstr / raw, as Redis names them),
 * string values, TTL add/remove (moves the key and value, may reallocate), in-place
 * value replacement including aliasing, collections with registered free/copy/usage
 * functions, header bits, and the memory target for small keys. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kv.h"
#include "mem.h"

static kv *str(const char *key, const char *val, int64_t expire)
{
    return kv_new_string(key, strlen(key), val, strlen(val), expire);
}

static void assert_value(const kv *v, const char *expect)
{
    char intbuf[32];
    const char *p;
    size_t n = kv_string(v, intbuf, &p);
    cr_assert_eq(n, strlen(expect), "length %zu, want %zu", n, strlen(expect));
    cr_assert(memcmp(p, expect, n) == 0, "value '%.*s', want '%s'", (int)n, p, expect);
    cr_assert_eq(kv_string_len(v), n);
}

static void assert_key(const kv *v, const char *expect)
{
    cr_assert_eq(kv_keylen(v), strlen(expect));
    cr_assert(memcmp(kv_key(v), expect, kv_keylen(v)) == 0);
}

Test(kv, encodings_follow_redis)
{
    struct { const char *val; int enc; } cases[] = {
        {"123", ENC_INT},
        {"-5", ENC_INT},
        {"0", ENC_INT},
        {"9223372036854775807", ENC_INT},
        {"-9223372036854775808", ENC_INT},
        {"9223372036854775808", ENC_EMBSTR}, /* overflows */
        {"0123", ENC_EMBSTR},                /* not canonical */
        {"+1", ENC_EMBSTR},
        {" 1", ENC_EMBSTR},
        {"1.5", ENC_EMBSTR},
        {"", ENC_EMBSTR},
        {"hello", ENC_EMBSTR},
        {"12345678901234567890123", ENC_EMBSTR}, /* digits, but > 20 chars */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ENC_EMBSTR},  /* 44 */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ENC_RAW},    /* 45 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv *v = str("k", cases[i].val, -1);
        cr_assert_eq(kv_type(v), OBJ_STRING);
        cr_assert_eq(kv_encoding(v), cases[i].enc, "'%s': encoding %s", cases[i].val,
                     kv_encoding_name(kv_encoding(v)));
        assert_value(v, cases[i].val);
        assert_key(v, "k");
        cr_assert_eq(kv_expire(v), -1);
        kv_free(v);
    }
}

Test(kv, integer_values)
{
    long long n;
    kv *v = kv_new_string_ll("n", 1, -42, -1);
    cr_assert_eq(kv_encoding(v), ENC_INT);
    cr_assert(kv_string_ll(v, &n));
    cr_assert_eq(n, -42);
    assert_value(v, "-42");
    v = kv_string_set_ll(v, LLONG_MIN);
    cr_assert(kv_string_ll(v, &n));
    cr_assert_eq(n, LLONG_MIN);
    kv_free(v);

    v = str("s", "77", -1);
    cr_assert(kv_string_ll(v, &n));
    cr_assert_eq(n, 77);
    v = kv_string_set(v, "77", 2, 1); /* raw: text that still parses */
    cr_assert_eq(kv_encoding(v), ENC_RAW);
    cr_assert(kv_string_ll(v, &n));
    cr_assert_eq(n, 77);
    v = kv_string_set(v, "x7", 2, 0);
    cr_assert_not(kv_string_ll(v, &n));
    kv_free(v);
}

Test(kv, string_set_changes_encoding_and_size)
{
    kv *v = str("key", "1", 5000);
    v = kv_string_set(v, "hello world", 11, 0);
    cr_assert_eq(kv_encoding(v), ENC_EMBSTR);
    assert_value(v, "hello world");
    char big[1000];
    memset(big, 'z', sizeof(big));
    v = kv_string_set(v, big, sizeof(big), 0);
    cr_assert_eq(kv_encoding(v), ENC_RAW);
    cr_assert_eq(kv_string_len(v), sizeof(big));
    v = kv_string_set(v, "12", 2, 0);
    cr_assert_eq(kv_encoding(v), ENC_INT);
    v = kv_string_set(v, "12", 2, 1); /* APPEND/SETRANGE mark RAW whatever the content */
    cr_assert_eq(kv_encoding(v), ENC_RAW);
    assert_value(v, "12");
    /* key and TTL survive every rewrite */
    assert_key(v, "key");
    cr_assert_eq(kv_expire(v), 5000);
    kv_free(v);
}

Test(kv, string_set_from_its_own_bytes)
{
    kv *v = str("key", "abcdefghijklmnopqrstuvwxyz0123456789abcdefghij-tail", -1);
    char intbuf[32];
    const char *p;
    size_t n = kv_string(v, intbuf, &p);
    /* A value that is a slice of the old one: the shrinking realloc must not lose it. */
    v = kv_string_set(v, p + 5, n - 5, 0);
    assert_value(v, "fghijklmnopqrstuvwxyz0123456789abcdefghij-tail");
    n = kv_string(v, intbuf, &p);
    v = kv_string_set(v, p, n, 1); /* the whole value onto itself */
    assert_value(v, "fghijklmnopqrstuvwxyz0123456789abcdefghij-tail");
    cr_assert_eq(kv_encoding(v), ENC_RAW);
    kv_free(v);
}

Test(kv, expire_add_and_remove)
{
    kv *v = str("mykey", "myvalue", -1);
    cr_assert_eq(kv_expire(v), -1);
    cr_assert_not(kv_flags(v) & KV_HAS_EXPIRE);
    kv_set_seq(v, 777);
    v->lru = 4242;

    v = kv_set_expire(v, 1700000000123LL);
    cr_assert(kv_flags(v) & KV_HAS_EXPIRE);
    cr_assert_eq(kv_expire(v), 1700000000123LL);
    assert_key(v, "mykey");
    assert_value(v, "myvalue");
    cr_assert_eq(kv_seq(v), 777);
    cr_assert_eq(v->lru, 4242);

    v = kv_set_expire(v, 0); /* change in place: 0 is a valid deadline */
    cr_assert_eq(kv_expire(v), 0);

    v = kv_set_expire(v, -1);
    cr_assert_eq(kv_expire(v), -1);
    assert_key(v, "mykey");
    assert_value(v, "myvalue");
    cr_assert_eq(kv_seq(v), 777);
    v = kv_set_expire(v, -1); /* no-op */
    kv_free(v);

    v = kv_new_string_ll("i", 1, 99, 12345);
    cr_assert_eq(kv_expire(v), 12345);
    v = kv_set_expire(v, -1);
    long long n;
    cr_assert(kv_string_ll(v, &n));
    cr_assert_eq(n, 99);
    kv_free(v);
}

Test(kv, header_bits_do_not_interfere)
{
    kv *v = kv_new_ptr("h", 1, OBJ_HASH, ENC_LISTPACK, NULL, 99);
    kv_set_seq(v, (UINT64_C(1) << 48) - 1);
    cr_assert_eq(kv_type(v), OBJ_HASH);
    cr_assert_eq(kv_encoding(v), ENC_LISTPACK);
    cr_assert(kv_flags(v) & KV_HAS_EXPIRE);
    kv_set_encoding(v, ENC_HASHTABLE);
    cr_assert_eq(kv_seq(v), (UINT64_C(1) << 48) - 1);
    cr_assert_eq(kv_type(v), OBJ_HASH);
    cr_assert_eq(kv_encoding(v), ENC_HASHTABLE);
    kv_set_seq(v, 5);
    cr_assert_eq(kv_seq(v), 5);
    cr_assert_eq(kv_encoding(v), ENC_HASHTABLE);
    cr_assert_eq(kv_expire(v), 99);
    kv_free(v);
}

/* A fake collection: a counted heap int. */
static int frees, copies;
static void fake_free(void *p)
{
    frees++;
    rd_free(p);
}
static void *fake_copy(const void *p)
{
    copies++;
    int *n = rd_malloc(sizeof(int));
    *n = *(const int *)p;
    return n;
}
static size_t fake_usage(const void *p)
{
    (void)p;
    return 1000;
}

Test(kv, collections_free_copy_and_usage)
{
    static const kv_type_ops fake_ops = {.free = fake_free, .memory_usage = fake_usage};
    kv_register_type(OBJ_LIST, &fake_ops);
    frees = copies = 0;
    int *payload = rd_malloc(sizeof(int));
    *payload = 5;
    kv *v = kv_new_ptr("list", 4, OBJ_LIST, ENC_QUICKLIST, payload, -1);
    cr_assert_eq(kv_ptr(v), payload);
    cr_assert_geq(kv_memory_usage(v), 1000 + rd_alloc_size(v));

    kv *c = kv_dup_with_key(v, "other", 5, fake_copy);
    cr_assert_eq(copies, 1);
    assert_key(c, "other");
    cr_assert_neq(kv_ptr(c), payload);
    cr_assert_eq(*(int *)kv_ptr(c), 5);
    cr_assert_eq(kv_seq(c), 0);

    kv *moved = kv_dup_with_key(v, "moved", 5, NULL); /* pointer handed over */
    cr_assert_eq(kv_ptr(moved), payload);
    kv_set_ptr(v, NULL); /* the source no longer owns it */
    kv_free(v);
    cr_assert_eq(frees, 0);
    kv_free(moved);
    kv_free(c);
    cr_assert_eq(frees, 2);
    kv_register_type(OBJ_LIST, NULL);
}

Test(kv, dup_string_keeps_value_and_ttl)
{
    kv *v = str("a", "some value", 777);
    v->lru = 9;
    kv *d = kv_dup_with_key(v, "bb", 2, NULL);
    assert_key(d, "bb");
    assert_value(d, "some value");
    cr_assert_eq(kv_expire(d), 777);
    cr_assert_eq(d->lru, 9);
    cr_assert_eq(kv_encoding(d), ENC_EMBSTR);
    kv_free(v);
    kv_free(d);
}

Test(kv, names)
{
    cr_assert_str_eq(kv_type_name(OBJ_STRING), "string");
    cr_assert_str_eq(kv_type_name(OBJ_LIST), "list");
    cr_assert_str_eq(kv_type_name(OBJ_SET), "set");
    cr_assert_str_eq(kv_type_name(OBJ_ZSET), "zset");
    cr_assert_str_eq(kv_type_name(OBJ_HASH), "hash");
    cr_assert_str_eq(kv_type_name(OBJ_STREAM), "stream");
    cr_assert_str_eq(kv_encoding_name(ENC_RAW), "raw");
    cr_assert_str_eq(kv_encoding_name(ENC_INT), "int");
    cr_assert_str_eq(kv_encoding_name(ENC_EMBSTR), "embstr");
    cr_assert_str_eq(kv_encoding_name(ENC_HASHTABLE), "hashtable");
    cr_assert_str_eq(kv_encoding_name(ENC_INTSET), "intset");
    cr_assert_str_eq(kv_encoding_name(ENC_SKIPLIST), "skiplist");
    cr_assert_str_eq(kv_encoding_name(ENC_QUICKLIST), "quicklist");
    cr_assert_str_eq(kv_encoding_name(ENC_LISTPACK), "listpack");
    cr_assert_str_eq(kv_encoding_name(ENC_STREAM), "stream");
}

Test(kv, small_key_fits_48_bytes)
{
    /* "key:0000001" -> 16-byte value: 16 header + 11 key + 4 len + 16 value = 47. */
    kv *v = kv_new_string("key:0000001", 11, "0123456789abcdef", 16, -1);
    cr_assert_eq(kv_encoding(v), ENC_EMBSTR);
#ifdef HAVE_JEMALLOC
    cr_assert_eq(rd_alloc_size(v), 48);
#else
    cr_assert_leq(rd_alloc_size(v), 56);
#endif
    cr_assert_eq(kv_memory_usage(v), rd_alloc_size(v));
    kv_free(v);
}

Test(kv, memory_is_returned)
{
    size_t before = rd_used_memory();
    kv *v = str("k", "v", -1);
    v = kv_set_expire(v, 5);
    v = kv_string_set(v, "a longer value that needs a bigger allocation than before", 57, 0);
    v = kv_set_expire(v, -1);
    v = kv_string_set_ll(v, 5);
    kv_free(v);
    cr_assert_eq(rd_used_memory(), before);
}
