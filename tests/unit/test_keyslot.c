/* Unit tests for proto/keyslot.c: CRC16 XMODEM and hash tags, against values checked
 * with redis-server's CLUSTER KEYSLOT. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "keyslot.h"

static unsigned ks(const char *s)
{
    return keyslot(s, strlen(s));
}

Test(keyslot, crc16_check_value)
{
    cr_assert_eq(crc16_xmodem("123456789", 9), 0x31C3);
    cr_assert_eq(crc16_xmodem("", 0), 0);
}

Test(keyslot, known_slots)
{
    cr_assert_eq(ks("foo"), 12182);
    cr_assert_eq(ks("bar"), 5061);
    cr_assert_eq(ks("hello"), 866);
    cr_assert_eq(ks("a"), 15495);
    cr_assert_eq(ks(""), 0);
    cr_assert_eq(ks("{user1000}.following"), 3443);
    cr_assert_eq(ks("user1000"), 3443);
}

Test(keyslot, hash_tags)
{
    cr_assert_eq(ks("{user1000}.following"), ks("{user1000}.followers"));
    /* empty tag: whole key */
    cr_assert_eq(ks("foo{}{bar}"), crc16_xmodem("foo{}{bar}", 10) & 16383);
    cr_assert_eq(ks("foo{}{bar}"), 8363);
    /* first '{', first '}' after it */
    cr_assert_eq(ks("foo{{bar}}zap"), ks("{bar"));
    cr_assert_eq(ks("foo{{bar}}zap"), 4015);
    cr_assert_eq(ks("foo{bar}{zap}"), ks("bar"));
    cr_assert_eq(ks("foo{bar}{zap}"), 5061);
    /* no closing brace / only a closing brace: whole key */
    cr_assert_eq(ks("foo{bar"), crc16_xmodem("foo{bar", 7) & 16383);
    cr_assert_eq(ks("foo}bar{"), crc16_xmodem("foo}bar{", 8) & 16383);
    cr_assert_eq(ks("{"), crc16_xmodem("{", 1) & 16383);
    cr_assert_eq(ks("{}"), crc16_xmodem("{}", 2) & 16383);
    cr_assert_eq(ks("}{a}"), ks("a"));
}

Test(keyslot, binary_keys)
{
    const char k[] = {'a', '\0', 'b', '{', 'x', '\0', '}'};
    cr_assert_eq(keyslot(k, sizeof k), crc16_xmodem("x\0", 2) & 16383);
    const char k2[] = {'\xff', '\x00', '\x80'};
    cr_assert_lt(keyslot(k2, sizeof k2), CLUSTER_SLOTS);
}

Test(keyslot, always_in_range)
{
    char buf[16];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "key:%d", i);
        cr_assert_lt(keyslot(buf, (size_t)n), CLUSTER_SLOTS);
    }
}
