/* hash: keyed 64-bit hash for in-memory table indexes (see hash.h).
 *
 * A multiply-fold design in the wyhash family, written for redraft: input is consumed
 * 16 bytes at a time, each pair of 64-bit words is mixed with the running state by one
 * 64x64->128 multiplication whose halves are xor-folded; the key (expanded from the
 * seed with splitmix64) enters every round so outputs are unpredictable without it.
 * Reads are done with memcpy, so unaligned keys are fine. */
#include "hash.h"

#include <string.h>

static uint64_t hash_key[4] = {
    0x2d358dccaa6c78a5ULL, 0x8bb84b93962eacc9ULL, 0x4b33a62ed433d4a3ULL, 0x4d5a2da51de1aa47ULL,
};

static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rd_hash_set_seed(uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        hash_key[i] = splitmix64_next(&sm) | 1; /* odd: never a zero multiplier */
}

static inline uint64_t mul_fold(uint64_t a, uint64_t b)
{
    unsigned __int128 m = (unsigned __int128)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* 1..3 bytes: first, middle and last byte (covers every byte for these lengths). */
static inline uint64_t load_small(const unsigned char *p, size_t len)
{
    return ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
}

uint64_t rd_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t state = hash_key[0] ^ mul_fold((uint64_t)len ^ hash_key[1], hash_key[2]);
    uint64_t a, b;

    if (len <= 16) {
        if (len >= 4) {
            /* Two overlapping 4-byte reads from each end cover 4..16 bytes. */
            size_t mid = (len >> 3) << 2;
            a = (load32(p) << 32) | load32(p + mid);
            b = (load32(p + len - 4) << 32) | load32(p + len - 4 - mid);
        } else if (len > 0) {
            a = load_small(p, len);
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t left = len;
        if (left > 48) {
            /* Three independent lanes keep the multiplier busy on long keys. */
            uint64_t lane1 = state, lane2 = state;
            do {
                state = mul_fold(load64(p) ^ hash_key[1], load64(p + 8) ^ state);
                lane1 = mul_fold(load64(p + 16) ^ hash_key[2], load64(p + 24) ^ lane1);
                lane2 = mul_fold(load64(p + 32) ^ hash_key[3], load64(p + 40) ^ lane2);
                p += 48;
                left -= 48;
            } while (left > 48);
            state ^= lane1 ^ lane2;
        }
        while (left > 16) {
            state = mul_fold(load64(p) ^ hash_key[1], load64(p + 8) ^ state);
            p += 16;
            left -= 16;
        }
        /* Last 16 bytes of the input (may overlap bytes already mixed). */
        a = load64(p + left - 16);
        b = load64(p + left - 8);
    }
    a ^= hash_key[1];
    b ^= state;
    uint64_t lo = mul_fold(a, b);
    return mul_fold(lo ^ hash_key[0] ^ (uint64_t)len, b ^ hash_key[3]);
}
