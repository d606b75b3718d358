"""Rates and shares as the office prints them: exact fractions, rounded half-up, with set decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def ratio(numerator: int, denominator: int) -> Fraction:
    """numerator/denominator exactly; an empty denominator counts as complete (1)."""
    return Fraction(numerator, denominator) if denominator else Fraction(1)


def round_half_up(value: Fraction | Decimal | float, decimals: int = 0) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)
    quantum = Decimal(1).scaleb(-decimals)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)


def percent(numerator: int, denominator: int, decimals: int) -> Decimal:
    """The percentage, rounded half-up to ``decimals`` places (29.4 for 1318/4480 at one decimal)."""
    return round_half_up(ratio(numerator, denominator) * 100, decimals)


def format_percent(value: Decimal, *, trim_whole: bool = False) -> str:
    """``95.1%``; with ``trim_whole`` a whole number drops its decimals (``100%`` beside ``95.1%``)."""
    if trim_whole and value == value.to_integral_value():
        return f"{int(value)}%"
    return f"{value}%"


NO_RATE = "—"  # a rate over no cases: printed as a dash in a table, never as 100%
# In running text the dash reads as 一 (办结率—，满意率— as 办结率一): the bulletin's sentences say 无.
NO_RATE_IN_TEXT = "无"


def largest_remainder(counts: list[int], base: int, decimals: int) -> list[Decimal]:
    """Shares of ``base`` rounded so that they add up exactly (to 100% when the counts make up the base).

    Each share is first cut down to ``decimals`` places; the units still missing go one each to the largest
    remainders (ties to the earlier row).
    """
    if not base:
        return [Decimal(0).scaleb(-decimals) for _ in counts]
    scale = 100 * 10 ** decimals
    exact = [Fraction(n * scale, base) for n in counts]
    floors = [int(q) for q in exact]
    target = int(round_half_up(Fraction(sum(counts) * scale, base), 0))
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(0, target - sum(floors))]:
        floors[i] += 1
    return [Decimal(units).scaleb(-decimals) for units in floors]
