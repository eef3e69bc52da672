/* keyslot: Redis Cluster's key -> hash slot mapping.
 *
 * slot = CRC16(key) mod 16384, where CRC16 is the XMODEM variant Redis uses (poly
 * 0x1021, init 0, no reflection, no final xor: crc16("123456789") == 0x31C3) and "key"
 * is only the hash tag when the key has one: the bytes between the first '{' and the
 * first '}' after it, provided that span is not empty. Shared by node (slot checks,
 * CLUSTER KEYSLOT) and sentinel. */
#ifndef REDRAFT_KEYSLOT_H
#define REDRAFT_KEYSLOT_H

#include <stddef.h>
#include <stdint.h>

#define CLUSTER_SLOTS 16384

uint16_t crc16_xmodem(const char *buf, size_t len);
/* The hash slot of a key (bytes need not be NUL-terminated), 0..CLUSTER_SLOTS-1. */
unsigned keyslot(const char *key, size_t len);

#endif
