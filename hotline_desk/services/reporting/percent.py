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


def format_percent(value: Decimal) -> str:
    return f"{value}%"
