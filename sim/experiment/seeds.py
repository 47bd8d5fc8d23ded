"""Run seeds: 64 bits of each run's own child of the root `SeedSequence`, for many runs at once.

The seed of key i is `SeedSequence(root, spawn_key=(i,)).generate_state(1, numpy.uint64)[0]`:
the first 64-bit word of the i-th child of `SeedSequence(root)`, as `.spawn(n)[i]` gives it.
The 32 bits of `generate_state(1)`, this word's low half, are distinct within one root (the
hash is one-to-one on a 32-bit key) but not across sweeps: two sweeps of 50,000 runs shared a
seed with probability 44% (1 - exp(-n1 n2 / 2^32)). With 64 bits any million runs share one
with probability 3e-8. One SeedSequence per run costs some 15 us in the parent, so the same
arithmetic (NumPy's hash of the entropy into a pool of four words, after O'Neill's seed_seq)
is done here on arrays of keys; the tests check it against NumPy's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MASK = 0xFFFFFFFF
POOL = 4  # words of a SeedSequence's pool
INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875  # mixing the entropy into the pool
INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED  # drawing the state out of the pool
MIX_L, MIX_R = 0xCA01F9DD, 0x4973F715


def _hashmix(value, const: int, mult: int):
    """One word hashed with the running constant; returns it and the next constant."""
    value = (value ^ const) & MASK
    const = (const * mult) & MASK
    value = (value * const) & MASK
    return value ^ (value >> 16), const


def _mix(x, y):
    result = (MIX_L * x - MIX_R * y) & MASK
    return result ^ (result >> 16)


def _absorb(pool: list, word, const: int) -> tuple[list, int]:
    """A word of entropy beyond the pool's size, mixed into every word of the pool."""
    pool = list(pool)
    for dst in range(POOL):
        hashed, const = _hashmix(word, const, MULT_A)
        pool[dst] = _mix(pool[dst], hashed)
    return pool, const


def _root_pool(root_seed: int) -> tuple[list[int], int]:
    """The pool after the root's words (padded to the pool's size, as a child's are)."""
    words = [(root_seed >> (32 * k)) & MASK for k in range(max(1, -(-root_seed.bit_length() // 32)))]
    words += [0] * (POOL - len(words))
    const, pool = INIT_A, []
    for word in words[:POOL]:
        hashed, const = _hashmix(word, const, MULT_A)
        pool.append(hashed)
    for src in range(POOL):
        for dst in range(POOL):
            if src != dst:
                hashed, const = _hashmix(pool[src], const, MULT_A)
                pool[dst] = _mix(pool[dst], hashed)
    for word in words[POOL:]:
        pool, const = _absorb(pool, word, const)
    return pool, const


def run_seeds(root_seed: int, keys: Sequence[int] | np.ndarray) -> np.ndarray:
    """The 64-bit seeds (uint64) of the children `keys` (0 or more) of SeedSequence(root_seed)."""
    if root_seed < 0:
        raise ValueError(f"a root seed is 0 or more (got {root_seed})")
    keys = np.asarray(keys, dtype=np.uint64)
    root, const = _root_pool(root_seed)
    low, high = keys & np.uint64(MASK), keys >> np.uint64(32)  # a key of 2^32 or more is two words
    pool, const = _absorb([np.full(keys.shape, w, dtype=np.uint64) for w in root], low, const)
    if high.any():
        longer, _ = _absorb(pool, high, const)
        pool = [np.where(high > 0, b, a) for a, b in zip(pool, longer, strict=True)]
    const, state = INIT_B, []
    for word in pool[:2]:
        drawn, const = _hashmix(word, const, MULT_B)
        state.append(drawn)
    return state[0] | (state[1] << np.uint64(32))


def run_seed(root_seed: int, key: int) -> int:
    """The 64-bit seed of child `key` of SeedSequence(root_seed)."""
    return int(run_seeds(root_seed, [key])[0])
