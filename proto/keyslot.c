/* keyslot: CRC16 (XMODEM) and Redis's hash-tag rule (keyslot.h). */
#include "keyslot.h"

#include <string.h>

/* CRC16-CCITT/XMODEM, table-driven (the table Redis's crc16.c uses), built once from
 * the polynomial so there is no 256-entry literal to get wrong. */
static uint16_t crc_table[256];
static int crc_table_ready;

static void crc_table_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t)(i << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        crc_table[i] = crc;
    }
    crc_table_ready = 1;
}

uint16_t crc16_xmodem(const char *buf, size_t len)
{
    if (!crc_table_ready)
        crc_table_init(); /* idempotent: a race would only compute the same table twice */
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ crc_table[((crc >> 8) ^ (unsigned char)buf[i]) & 0xFF]);
    return crc;
}

unsigned keyslot(const char *key, size_t len)
{
    const char *open = len ? memchr(key, '{', len) : NULL;
    if (open) {
        size_t s = (size_t)(open - key);
        const char *close = memchr(open + 1, '}', len - s - 1);
        /* "{}" (nothing between) hashes the whole key, as Redis */
        if (close && close > open + 1)
            return crc16_xmodem(open + 1, (size_t)(close - open - 1)) & (CLUSTER_SLOTS - 1);
    }
    return crc16_xmodem(key, len) & (CLUSTER_SLOTS - 1);
}
