"""Named, independent random streams derived from the one seed."""

import zlib

import numpy as np


def random_stream(seed: int, name: str, *index: int) -> np.random.Generator:
    """Return the random generator of one named stream (e.g. ``"orders"`` for month 3).

    Streams are independent of each other and of the order in which they are created, so a
    table or month can be generated on its own and still give the same values.

    Parameters
    ----------
    seed
        The generator's root seed.
    name
        Stream name; mapped to an integer with CRC-32 because ``hash()`` of strings is salted
        per process.
    *index
        Optional non-negative integers, e.g. the month number.
    """
    key = [seed, zlib.crc32(name.encode("utf-8")), *index]
    return np.random.default_rng(np.random.SeedSequence(key))
