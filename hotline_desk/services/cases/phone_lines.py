"""One caller's landline, kept as typed: with the office's own 区号 on one call (0375-6012345) and without it on the
next (6012345). The repeat-caller look-ups take them for one line."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from hotline_desk.services.office.settings import Settings


def area_code(session: Session) -> str:
    return Settings(session).str("office.area_code")


LOCAL_LINE = re.compile(r"[2-9]\d{6,7}(转\d+)?")  # a landline as kept without its 区号 (6012345, 6012345转8001)


def same_line(phone: str, area: str) -> list[str]:
    """A number as kept and, for a landline, how it is kept with or without the office's own 区号 ``area`` (the
    setting; "" for none): 6012345 and 0375-6012345 are one line to a caller in the county, typed one way on one
    call and the other on the next."""
    if area and LOCAL_LINE.fullmatch(phone):
        return [phone, f"{area}-{phone}"]
    if area and phone.startswith(f"{area}-") and LOCAL_LINE.fullmatch(phone[len(area) + 1:]):
        return [phone, phone[len(area) + 1:]]
    return [phone]


def lines_of(session: Session, *phones: str) -> list[str]:
    """Every number as kept that is one of these phones' lines (see ``same_line``), for a look-up by phone."""
    area = area_code(session)
    return sorted({line for phone in phones for line in same_line(phone, area)})
