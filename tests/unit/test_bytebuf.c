/* Unit tests for proto/bytebuf.c (growable byte buffer) and the rd_* allocation
 * counter it relies on. */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "bytebuf.h"
#include "mem.h"

Test(bytebuf, init_is_empty)
{
    bytebuf b;
    bytebuf_init(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    bytebuf_free(&b);
    cr_assert_null(b.data);
}

Test(bytebuf, append_variants)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append(&b, "abc", 3);
    bytebuf_append(&b, NULL, 0);
    bytebuf_append_char(&b, '-');
    bytebuf_append_str(&b, "xyz");
    bytebuf_append_ll(&b, -42);
    bytebuf_append_ll(&b, LLONG_MIN);
    bytebuf_appendf(&b, "|%d|%s|", 7, "s");
    const char *want = "abc-xyz-42-9223372036854775808|7|s|";
    cr_assert_eq(b.len, strlen(want));
    cr_assert(memcmp(b.data, want, b.len) == 0);
    cr_assert_geq(b.cap, b.len);
    bytebuf_free(&b);
}

Test(bytebuf, binary_data)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append(&b, "a\0b\0", 4);
    cr_assert_eq(b.len, 4);
    cr_assert(memcmp(b.data, "a\0b\0", 4) == 0);
    bytebuf_free(&b);
}

Test(bytebuf, appendf_long_output)
{
    bytebuf b;
    bytebuf_init(&b);
    char big[2000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bytebuf_append_str(&b, "<");
    bytebuf_appendf(&b, "%s%s", big, big);
    bytebuf_append_str(&b, ">");
    cr_assert_eq(b.len, 2 + 2 * 1999);
    cr_assert_eq(b.data[0], '<');
    cr_assert_eq(b.data[1], 'q');
    cr_assert_eq(b.data[b.len - 2], 'q');
    cr_assert_eq(b.data[b.len - 1], '>');
    bytebuf_free(&b);
}

Test(bytebuf, reserve_and_growth)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_reserve(&b, 10);
    cr_assert_geq(b.cap, 10);
    char *before = b.data;
    size_t cap = b.cap;
    bytebuf_reserve(&b, cap); /* already enough: no reallocation */
    cr_assert_eq(b.data, before);
    for (int i = 0; i < 100000; i++)
        bytebuf_append_char(&b, (char)('a' + i % 26));
    cr_assert_eq(b.len, 100000);
    for (int i = 0; i < 100000; i++)
        cr_assert_eq(b.data[i], (char)('a' + i % 26));
    bytebuf_reserve(&b, 5u << 20);
    cr_assert_geq(b.cap - b.len, 5u << 20);
    bytebuf_free(&b);
}

Test(bytebuf, clear_keeps_allocation)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "hello");
    char *p = b.data;
    bytebuf_clear(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.data, p);
    bytebuf_append_str(&b, "x");
    cr_assert_eq(b.data, p);
    bytebuf_free(&b);
}

Test(bytebuf, consume)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "0123456789");
    bytebuf_consume(&b, 0);
    cr_assert_eq(b.len, 10);
    bytebuf_consume(&b, 3);
    cr_assert_eq(b.len, 7);
    cr_assert(memcmp(b.data, "3456789", 7) == 0);
    bytebuf_consume(&b, 7);
    cr_assert_eq(b.len, 0);
    bytebuf_append_str(&b, "ab");
    bytebuf_consume(&b, 100); /* more than len: empties */
    cr_assert_eq(b.len, 0);
    bytebuf_free(&b);
}

Test(bytebuf, insert)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_insert(&b, 0, "mid", 3);
    bytebuf_insert(&b, 0, "<", 1);
    bytebuf_insert(&b, b.len, ">", 1);
    bytebuf_insert(&b, 2, "**", 2);
    bytebuf_insert(&b, 1, "", 0);
    cr_assert_eq(b.len, 7);
    cr_assert(memcmp(b.data, "<m**id>", 7) == 0);
    /* insert into a full buffer forces growth */
    bytebuf_shrink(&b);
    while (b.len < b.cap)
        bytebuf_append_char(&b, '.');
    size_t len = b.len;
    bytebuf_insert(&b, 1, "INSERTED", 8);
    cr_assert_eq(b.len, len + 8);
    cr_assert(memcmp(b.data, "<INSERTEDm**id>", 15) == 0);
    cr_assert_eq(b.data[b.len - 1], '.');
    bytebuf_free(&b);
}

Test(bytebuf, shrink)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_reserve(&b, 1 << 20);
    bytebuf_append_str(&b, "small");
    size_t big = b.cap;
    bytebuf_shrink(&b);
    cr_assert_lt(b.cap, big);
    cr_assert_geq(b.cap, 5);
    cr_assert(memcmp(b.data, "small", 5) == 0);
    bytebuf_clear(&b);
    bytebuf_shrink(&b); /* empty: releases the allocation */
    cr_assert_null(b.data);
    cr_assert_eq(b.cap, 0);
    /* a mostly-full buffer is left alone */
    bytebuf_append(&b, "0123456789", 10);
    char *p = b.data;
    bytebuf_shrink(&b);
    cr_assert_eq(b.data, p);
    bytebuf_free(&b);
}

Test(bytebuf, detach_transfers_ownership)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "owned");
    size_t len = 0;
    char *p = bytebuf_detach(&b, &len);
    cr_assert_eq(len, 5);
    cr_assert(memcmp(p, "owned", 5) == 0);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    rd_free(p);
    cr_assert_null(bytebuf_detach(&b, NULL));
}

Test(bytebuf, memory_accounting_balances)
{
    size_t before = rd_used_memory();
    bytebuf b;
    bytebuf_init(&b);
    for (int i = 0; i < 1000; i++)
        bytebuf_appendf(&b, "%d,", i);
    cr_assert_gt(rd_used_memory(), before);
    cr_assert_eq(rd_used_memory() - before, rd_alloc_size(b.data));
    bytebuf_free(&b);
    cr_assert_eq(rd_used_memory(), before);
}
