/* Deterministic PRNG (xoshiro256**) for everything random inside command execution.
 *
 * Command execution must be a pure function of (state, log entry): the entry carries a
 * 64-bit seed and every random choice (RANDOMKEY, SPOP, eviction sampling on apply, Lua
 * math.random) draws from a prng seeded with it, never from rand() or the clock. */
#ifndef REDRAFT_PRNG_H
#define REDRAFT_PRNG_H

#include <stdint.h>

typedef struct prng {
    uint64_t s[4];
} prng;

void prng_seed(prng *r, uint64_t seed);
uint64_t prng_next(prng *r);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t prng_below(prng *r, uint64_t bound);
/* Uniform double in [0, 1). */
double prng_double(prng *r);

#endif
