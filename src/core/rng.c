/* rng.c — counter-based random numbers: value = f(seed, index).
 *
 * Why counter-based: a cell's initial state must not depend on which thread,
 * backend or rank filled it, so there is no sequential state to share. The
 * function is two rounds of the SplitMix64 finaliser over (seed, index); it is
 * not cryptographic, only well mixed and cheap. Changing it changes every
 * published hash, so it is frozen (docs/CLI.md documents it).
 */
#include "corun/core.h"

static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t corun_rng_u64(uint64_t seed, uint64_t index) {
    uint64_t k = mix64(seed + UINT64_C(0x9e3779b97f4a7c15));
    return mix64(k ^ (index * UINT64_C(0x9e3779b97f4a7c15) + UINT64_C(0x632be59bd9b4e019)));
}
