"""Record identifiers: a prefix and a zero-padded sequence number sized to the scale."""

import numpy as np
import polars as pl


def id_width(largest: int, minimum: int) -> int:
    """Digits needed to write numbers up to ``largest``, never fewer than ``minimum``."""
    return max(minimum, len(str(max(int(largest), 0))))


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Write ``numbers`` as identifiers such as ``OL00000001``.

    Parameters
    ----------
    prefix
        Text in front of the number, e.g. ``"SO"``.
    numbers
        Non-negative integers.
    width
        Digits of the zero-padded number.
    """
    digits = pl.Series(np.asarray(numbers, dtype=np.int64)).cast(pl.String).str.zfill(width)
    return (prefix + digits).alias("id")
