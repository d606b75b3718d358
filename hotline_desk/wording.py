"""How a message names many things without running on: the first few, then how many in all."""

from __future__ import annotations

from collections.abc import Sequence


def first_few(names: Sequence[str], shown: int, unit: str = "件") -> str:
    """The first ``shown`` names joined by 、, then 等 N 件 (N all of them) when there are more:
    RZ2207-00001、RZ2207-00002 等 12 件."""
    listed = "、".join(names[:shown])
    return listed + (f" 等 {len(names)} {unit}" if len(names) > shown else "")
