"""Figures for guard messages, printed so that a measured value and its limit never look equal."""

MAX_DECIMALS = 6


def measured_and_limit(measured: float, limit: float, percent: bool) -> tuple[str, str]:
    """``measured`` and ``limit`` as text, with one more decimal each time they would print alike.

    Parameters
    ----------
    measured, limit
        The two numbers (shares when ``percent``).
    percent
        Print as percentages (one decimal) rather than plain numbers (three decimals).
    """
    decimals = 1 if percent else 3
    while True:
        pair = (_figure(measured, decimals, percent), _figure(limit, decimals, percent))
        if pair[0] != pair[1] or decimals >= MAX_DECIMALS or measured == limit:
            return pair
        decimals += 1


def percent(share: float) -> str:
    """A share as a percentage with one decimal."""
    return _figure(share, 1, percent=True)


def _figure(value: float, decimals: int, percent: bool) -> str:
    return f"{value:.{decimals}%}" if percent else f"{value:.{decimals}f}"
