"""What differs between two readings of a bulletin draft, in Chinese, and the refusal of a save or 定稿 made from a
screen that shows a draft another station has saved over since."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hotline_desk.errors import ConflictError

if TYPE_CHECKING:
    from hotline_desk.services.reporting.bulletin import BulletinDraft

# The editor's parts of a draft, in the order the page shows them, with the names the page gives them.
LABELS = {"year_issue": "当年期号", "total_issue": "总期号", "issue_date": "印发日期", "cutoff": "统计截止时间",
          "call_volume": "话务量", "good_units": "办理较好的单位", "bad_units": "办理较差的单位",
          "sections": "正文", "typical_cases": "典型案例"}


def contents(draft: BulletinDraft) -> dict[str, Any]:
    """The editor's parts of a draft, comparable with what a form holds (``update_draft``'s keyword names)."""
    issue = draft.issue
    return {"year_issue": issue.year_issue, "total_issue": issue.total_issue, "issue_date": issue.issue_date,
            "cutoff": draft.cutoff, "call_volume": issue.call_volume, "good_units": issue.good_units,
            "bad_units": issue.bad_units, "sections": tuple(issue.sections),
            "typical_cases": tuple(issue.typical_cases)}


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """What changed from ``before`` to ``after``, as the page names it: 话务量, 正文“热点问题”, 新增正文“业务工作”,
    删去正文“典型案例”, 正文各部分的顺序, 典型案例. Only parts both readings hold are compared."""
    said: list[str] = []
    for key, label in LABELS.items():
        if key not in before or key not in after:
            continue
        if key == "sections":
            said += _section_changes(tuple(before[key]), tuple(after[key]))
        elif _plain(before[key]) != _plain(after[key]):
            said.append(label)
    return tuple(said)


def unsaved_parts(loaded: Mapping[str, Any], typed: Mapping[str, Any]) -> str:
    """What a page holds and did not save, part by part in the words typed (to be copied once it can no longer be
    saved): 话务量：约1.2万人次, each changed 正文 section with its paragraphs, 典型案例."""
    lines = [f"{label}：{typed[key]}" for key, label in LABELS.items() if key not in ("sections", "typical_cases")
             and key in typed and _plain(typed[key]) != _plain(loaded.get(key))]
    before = {s.title: s for s in loaded.get("sections", ())}
    lines += [f"正文“{s.title}”：\n" + "\n".join(s.paragraphs) for s in typed.get("sections", ())
              if before.get(s.title) != s]
    if _plain(typed.get("typical_cases", ())) != _plain(loaded.get("typical_cases", ())):
        lines.append("典型案例：\n" + "\n".join(f"{t.number} {t.text}" for t in typed.get("typical_cases", ())))
    return "\n".join(lines)


def _when(at: datetime, now: datetime) -> str:
    """A moment as a sentence says it: the time today, else the date and time."""
    return f"{at:%H:%M}" if at.date() == now.date() else f"{at:%Y-%m-%d %H:%M}"


def reloaded_words(changed: tuple[str, ...], saved_by: str, saved_at: datetime | None, now: datetime) -> str:
    """What a page showing the month's draft says when it takes another station's save in its place."""
    when = "" if saved_at is None else f"于 {_when(saved_at, now)} "
    return f"{saved_by}{when}保存了简报的修改（{'、'.join(changed)}），本页已换成其保存的内容，请核对。"


def finalised_by(stored: BulletinDraft, now: datetime) -> str:
    """Who finalised the month and when: 2022-07 简报已由王芳于09:30定稿."""
    when = "" if stored.finalized_at is None else f"于{_when(stored.finalized_at, now)}"
    return f"{stored.month} 简报已由{stored.finalized_by or '他人'}{when}定稿"


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _section_changes(before: Sequence[Any], after: Sequence[Any]) -> list[str]:
    """Sections are told apart by their titles: a renamed one reads as one taken out and another added."""
    old = {s.title: s for s in reversed(before)}
    new = {s.title: s for s in reversed(after)}
    said = [f"删去正文“{title}”" for title in old if title not in new]
    said += [f"新增正文“{s.title}”" for s in after if s.title not in old]
    said += [f"正文“{s.title}”" for s in after if s.title in old and old[s.title] != s and new[s.title] is s]
    if not said and [s.title for s in before] != [s.title for s in after]:
        said.append("正文各部分的顺序")
    return said


class DraftConflict(ConflictError):
    """A save or 定稿 from a screen whose draft another station saved over since: ``theirs`` is the draft as stored
    now, ``changed`` what differs from the draft the screen started from (see ``differences``), ``saved`` who saved
    it and when, as a sentence says it (已被赵敏于 09:30 保存)."""

    def __init__(self, message: str, *, theirs: BulletinDraft, changed: tuple[str, ...], saved: str) -> None:
        super().__init__(message)
        self.theirs = theirs
        self.changed = changed
        self.saved = saved


def conflict(month: str, expected: BulletinDraft, theirs: BulletinDraft, *, saved_by: str,
             saved_at: datetime | None, now: datetime, doing: str) -> DraftConflict:
    """The refusal: who saved the month's draft and when, what they changed; ``doing`` is what was refused."""
    changed = differences(contents(expected), contents(theirs))
    when = "" if saved_at is None else f"于 {_when(saved_at, now)} "
    saved = f"已被{saved_by}{when}保存"
    what = f"（改了{'、'.join(changed)}）" if changed else ""
    message = (f"{month}的简报草稿{saved}{what}，与您打开时不同，{doing}未进行。"
               "请先载入对方保存的内容，或确认用您的内容覆盖。")
    return DraftConflict(message, theirs=theirs, changed=changed, saved=saved)
