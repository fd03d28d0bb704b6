"""The one percentile rule of the app's figures: the nearest rank."""

import math


def nearest_rank(counts, percent):
    """The nearest-rank percentile of ``counts``, ascending ``(value, how many)`` pairs: the
    smallest value with at least ``percent`` % of values at or below it, i.e. the value at rank
    ⌈percent/100 × n⌉ (``None`` when empty). The median is the 50th percentile by this rule (the
    lower middle value when n is even)."""
    total = sum(count for _value, count in counts)
    if not total:
        return None
    rank = max(1, math.ceil(percent / 100 * total))
    seen = 0
    for value, count in counts:
        seen += count
        if seen >= rank:
            return value
    raise AssertionError(rank)
