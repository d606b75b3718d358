"""What a supervisor types for a 附加分 item: points (full-width too); whether the month is frozen."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.services.reporting.monthdata import final_months
from hotline_desk.services.reporting.rules import load_rules

PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def point_decimals(session: Session) -> int:
    """How many decimals an item may have: as many as the rules round points to, and at least one (half points)."""
    return max(1, load_rules(session).decimals)


def parse_points(session: Session, typed: str) -> float:
    """The points typed, as an input method gives them too (－３, ＋２, １．５): a plain number with at most
    ``point_decimals`` decimals; anything else (1e1, 0.333333, 二) is refused saying what is accepted."""
    # NFKC makes full-width digits, signs and the full stop ASCII, as imported Excel cells are read; − is a minus too.
    text = unicodedata.normalize("NFKC", typed).strip().replace("−", "-").replace("。", ".")
    decimals = point_decimals(session)
    allowed = f"最多 {decimals} 位小数" if decimals else "整数"
    if not PLAIN_NUMBER.fullmatch(text):
        raise ValidationError(f"分值“{typed.strip()}”无法识别：请写数字，减分写负号，{allowed}，例如 2 或 -1.5。",
                              field="points")
    fraction = text.partition(".")[2].rstrip("0")
    if len(fraction) > decimals:
        raise ValidationError(f"分值“{typed.strip()}”的小数位太多：附加分{allowed}，例如 2 或 -1.5。",
                              field="points")
    return float(text)


def bonus_frozen(session: Session, month: str) -> str:
    """Why the month's 附加分 items can no longer change ("" while they can): its bulletin is final."""
    if final_months(session, {month}):
        return f"{month}的简报已定稿，考核得分已冻结，不能再增减附加分。"
    return ""
