/* prng: xoshiro256** (Blackman & Vigna), seeded through splitmix64.
 *
 * Owns the deterministic randomness of command execution (see prng.h): the same seed
 * gives the same sequence on every replica and every platform, so only fixed-width
 * integer arithmetic is used here. */
#include "prng.h"

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* splitmix64 step: spreads one 64-bit seed over the 256-bit state, never all zero. */
static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void prng_seed(prng *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64_next(&sm);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1; /* unreachable with splitmix64, kept as the generator's invariant */
}

uint64_t prng_next(prng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Lemire's multiply-shift with rejection of the biased low region: the result is
 * exactly uniform and usually costs one multiplication. */
uint64_t prng_below(prng *r, uint64_t bound)
{
    if (bound <= 1)
        return 0;
    unsigned __int128 m = (unsigned __int128)prng_next(r) * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
        while (low < threshold) {
            m = (unsigned __int128)prng_next(r) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double prng_double(prng *r)
{
    return (double)(prng_next(r) >> 11) * 0x1.0p-53;
}
