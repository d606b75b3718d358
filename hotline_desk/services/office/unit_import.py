"""A county's list of its units (承办单位) read from a workbook: the units it names that the office lacks are added,
in the list's order, and, asked for, the units it does not name are stopped, so that an office setting up starts
from its own list instead of the default one, unit by unit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.models import Unit
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office import admin
from hotline_desk.services.office.reference import name_key
from hotline_desk.services.office.reference_admin import clean_name, open_cases_words, resolve, set_unit_active
from hotline_desk.vocabulary import UnitGroup

# A 类别 cell's words for each group, as county lists write them.
GROUP_WORDS = {
    UnitGroup.TOWNSHIP: frozenset({"乡镇街道", "乡镇", "街道", "乡镇（街道）", "乡镇(街道)", "乡", "镇", "township"}),
    UnitGroup.DEPARTMENT: frozenset({"市直单位", "市直", "县直单位", "县直", "区直单位", "区直", "部门", "直属单位",
                                     "department"}),
}
NAME_HEADERS = frozenset({"单位名称", "名称", "单位", "承办单位", "责任单位", "单位全称"})
GROUP_HEADERS = frozenset({"类别", "分组", "分类", "单位类别", "单位类型", "类型", "所属类别", "考核分组"})
SERIAL_HEADERS = frozenset({"序号", "编号", "位次", "顺序"})
# A row that is the table's note or total, not a unit: “注：本表由县政府办公室提供”, “合计 共2个单位”.
NOT_A_UNIT = re.compile(r"^(?:注|备注|说明|附注|合计|小计|总计|共计|共\d|制表|填表|审核)|[：:]")
# A name that is a township's by its ending, when the list has no 类别 column.
TOWNSHIP_NAME = re.compile(r".+(?:镇|乡|街道|街道办事处)")
HOW = "单位表第一列写单位名称，第二列写类别（乡镇街道或市直单位，可不写，按名称判断）。未作任何改动。"


@dataclass(frozen=True)
class UnitImport:
    """What importing a unit list would do: the units it adds (name and group, in the list's order), the stopped
    units it names and starts again, the units it names that are there, the groups judged by a name, and the
    units in use that it does not name (stopped only when asked)."""

    file_name: str
    new: tuple[tuple[str, str], ...]
    restarted: tuple[str, ...]
    existing: tuple[str, ...]
    guessed: tuple[str, ...]
    unnamed: tuple[str, ...]
    listed: tuple[tuple[str, str], ...]  # every unit of the list as the office will call it, with its group
    repeated: tuple[tuple[int, str], ...] = ()  # rows naming a unit an earlier row names: (row, name), taken once
    # units of the list the office has under another spelling or an old name: (as written, as the office calls it)
    read_as: tuple[tuple[str, str], ...] = ()
    # new names that look like a unit the office has, written the county's way (县公安局 beside 公安局): (new, there)
    alike: tuple[tuple[str, str], ...] = ()
    # what becomes of the cases still open with the units the list does not name, were they stopped (words of the
    # moment: not what a commit compares with the preview agreed to)
    still_open: tuple[str, ...] = field(default=(), compare=False)
    passed: tuple[tuple[int, str, str], ...] = ()  # rows not read as units: (row, what it says, why)
    # 类别 words read as one of the program's two groups: (as written, the group's name)
    group_read: tuple[tuple[str, str], ...] = ()

    def emptied(self) -> list[str]:
        """The groups (乡镇街道, 市直单位) the list names no unit of: with --stop-others each would be left with none
        in use, as a 说明 sheet read for the list left the office (a list of one group only is another file)."""
        listed = {group for _name, group in self.listed}
        return [UnitGroup(group).label for group in UnitGroup if group not in listed]

    def new_words(self) -> str:
        """The units added, by group, as the preview and the result both say them."""
        counts = [f"{UnitGroup(group).label} {sum(1 for _n, g in self.new if g == group)} 个"
                  for group in UnitGroup if any(g == group for _n, g in self.new)]
        return f"{len(self.new)} 个单位（{'，'.join(counts)}）" if self.new else "0 个单位"

    def summary(self, stop_others: bool, *, done: bool) -> str:
        """What the import does (``done`` False: its preview) or did, in one paragraph; the groups judged by a
        name are named after it."""
        will = "已" if done else "将"
        parts = [f"{will}添加 {self.new_words()}"]
        if self.restarted:
            parts.append(f"{will}重新启用 {len(self.restarted)} 个")
        if stop_others and self.unnamed:
            parts.append(f"{will}停用表中没有的 {len(self.unnamed)} 个（已有工单仍在它们名下），考核表按表中顺序排列")
        parts.append(f"表中另有 {len(self.existing)} 个已有的单位")
        said = f"{self.file_name}：{'；'.join(parts)}。"
        if self.read_as:
            said += "\n按已有单位读的：" + "、".join(f"“{typed}”即“{name}”" for typed, name in self.read_as[:10]) + "。"
        if self.alike and not done:
            said += ("\n像是已有单位的：" + "、".join(f"“{new}”与“{there}”" for new, there in self.alike[:10])
                     + (f"等 {len(self.alike)} 对" if len(self.alike) > 10 else "")
                     + "。是同一个单位的，请先把已有的改名（unit rename 旧名 新名，或“修改所选”），它的工单和别名"
                     "随之保留，再导入；否则会作为另一个单位添加，"
                     + ("已有的那个被停用，它的工单留在它名下：两个单位各计各的工单和分数。" if stop_others
                        else "两个单位都在用，各计各的工单和分数。"))
        if stop_others and self.still_open:
            said += "\n" + "\n".join(f"注意：{words}" for words in self.still_open[:10])
        if self.passed:
            said += "\n没有作为单位导入的行：" + "；".join(f"第 {row} 行“{text}”（{why}）"
                                                 for row, text, why in self.passed[:5]) \
                + ("等" if len(self.passed) > 5 else "") + "。"
        if self.repeated:
            rows = "、".join(f"第 {row} 行（{name}）" for row, name in self.repeated[:5])
            said += f"\n表中重复列出的 {len(self.repeated)} 行只算一次：{rows}。"
        if self.group_read:
            said += ("\n类别" + "、".join(f"“{written}”按{label}" for written, label in self.group_read)
                     + f"读（考核表、简报和各列表中这两组称{'、'.join(g.label for g in UnitGroup)}）。")
        if self.guessed:
            names = "、".join(self.guessed[:10]) + ("等" if len(self.guessed) > 10 else "")
            said += (f"\n{len(self.guessed)} 个单位的类别表中没写，按名称判断（{names}）"
                     f"{'：分组不对的，可在“设置—承办单位”中修改。' if done else '。'}")
        return said


UNIT_NAME_MAX: int = Unit.__table__.c.name.type.length  # type: ignore[attr-defined]
# More rows than any county has units: a case list or a log taken for a unit list, refused before anything is done.
MOST_UNITS = 1000


def _unit_sheet(file_name: str, sheets: list[Any]) -> Any:
    """The sheet holding the list: the one whose header names 单位名称 (an office's workbook often has a 说明 sheet
    first), or the only sheet with anything in it. Several and none with that header is refused, naming them: read
    from a 说明 sheet, the list's units were never seen and every unit was stopped."""
    if not sheets:
        raise ValidationError(f"“{file_name}”中没有内容（所有工作表都是空的）。{HOW}")
    headed = [sheet for sheet in sheets
              if any(norm.text(c) in NAME_HEADERS for row in sheet.rows[:5] for c in row)]
    if len(headed) > 1:
        names = "、".join(f"“{sheet.name}”" for sheet in headed)
        raise ValidationError(f"“{file_name}”中有几个工作表都像单位表（{names}）：请只留下要导入的那一个。"
                              "未作任何改动。")
    if headed:
        sheet = headed[0]
    elif len(sheets) > 1:
        names = "、".join(f"“{sheet.name}”" for sheet in sheets)
        raise ValidationError(f"“{file_name}”有几个工作表（{names}），哪一个都没有“单位名称”表头：请在单位表的"
                              "第一行写上“单位名称”“类别”，或只留下单位表一个工作表。未作任何改动。")
    else:
        sheet = sheets[0]
    filled = sum(1 for row in sheet.rows if any(norm.text(c) for c in row))
    if filled > MOST_UNITS:
        raise ValidationError(f"“{file_name}”的工作表“{sheet.name}”有 {filled} 行，不像单位表（一个县的承办单位"
                              f"通常几十个，最多读 {MOST_UNITS} 个）：请核对选的文件。未作任何改动。")
    return sheet


def _group_of(cell: str) -> UnitGroup | None:
    typed = cell.strip()
    return next((group for group, words in GROUP_WORDS.items() if typed in words), None)


UnitRow = tuple[int, str, UnitGroup | None, str]
# The audit record of an imported unit list (the file's name after it): a note of the import, no row's state.
UNIT_LIST_ENTITY = "unit_list:"


def read_unit_list(path: Path) -> tuple[list[UnitRow], list[tuple[int, str, str]]]:
    """(row, name, group or None when not written, the 类别 as written) for each unit of the workbook's unit sheet
    (a header row naming 单位名称 and 类别, and 序号, passed over, where there is one, else the name first and the
    group beside it); and
    the rows passed by, with why: hidden in Excel (an abolished unit, as offices keep them), a table's note or total.
    A case list, a cell that is a number or a date, or a group word not known, is refused with its row."""
    from hotline_desk.excel.columns import field_for, find_header
    from hotline_desk.excel.reader import (  # the reader only for this command
        UNSAVED_FORMULA_CELL,
        data_sheets,
        read_workbook,
    )

    book = read_workbook(path)
    sheet = _unit_sheet(book.file_name, data_sheets(book))
    where = f"“{book.file_name}”"
    if cells := sorted(sheet.unreadable):  # a name Excel never computed would read as empty and be passed by
        why = sheet.unreadable[cells[0]]
        lines = "、".join(str(r + 1) for r in sorted({r for r, _c in cells})[:3])
        if why == UNSAVED_FORMULA_CELL:
            why = "这一格是公式，而 Excel 没有保存它的结果（读出来是空的）：请在 Excel 中打开这个文件，保存后再导入"
        raise ValidationError(f"{where}第 {lines} 行的单位读不出来：{why}。未作任何改动。")
    at, header = find_header(sheet.rows, sheet.merged)
    if at >= 0 and {"category1", "category2"} & {field_for(h) for h in header}:
        raise ValidationError(f"{where}是问题分类表（第 {at + 1} 行有“一级分类”“二级分类”），不是单位表：分类表请用 "
                              f"category import 导入（窗口中在“渠道、诉求类型与别名”的“合并与导入”页）。{HOW}")
    case_columns = [h for h in header if field_for(h) not in (None, "unit", "category", "appeal_type", "number")]
    if at >= 0 and len(case_columns) >= 2:
        shown = "、".join(f"“{h}”" for h in case_columns[:3])
        raise ValidationError(f"{where}的工作表“{sheet.name}”不是单位表：第 {at + 1} 行有{shown}等工单清单的列。{HOW}")
    rows = [(number, [norm.text(c) for c in row]) for number, row in enumerate(sheet.rows, 1)]
    rows = [(number, cells) for number, cells in rows if any(cells)]
    name_at, group_at, start = 0, 1, 0
    for index, (_number, cells) in enumerate(rows[:5]):
        if any(c in NAME_HEADERS for c in cells):
            name_at = next(i for i, c in enumerate(cells) if c in NAME_HEADERS)
            group_at = next((i for i, c in enumerate(cells) if c in GROUP_HEADERS), -1)
            start = index + 1
            break
    else:
        if rows and (rows[0][1][0] in SERIAL_HEADERS or rows[0][1][0].isdigit()):
            raise ValidationError(f"{where}的第一列是序号，不是单位名称：请写上表头“单位名称”“类别”，"
                                  f"或删去序号列后再导入。{HOW}")
    found: list[UnitRow] = []
    passed: list[tuple[int, str, str]] = []
    wrong: list[str] = []
    for number, cells in rows[start:]:
        name = cells[name_at] if name_at < len(cells) else ""
        written = cells[group_at] if 0 <= group_at < len(cells) else ""
        if not name:
            continue
        if number - 1 in sheet.hidden_rows:  # hidden in Excel: not read as a unit, and said
            passed.append((number, name, "在 Excel 中隐藏"))
            continue
        if NOT_A_UNIT.search(name) or NOT_A_UNIT.search(" ".join(cells[:name_at])):
            passed.append((number, name, "像是表的说明或合计"))
            continue
        if name.replace(".", "").isdigit() or re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.*", name):
            wrong.append(f"第 {number} 行“{name}”是数字或日期，不是单位名称")
            continue
        group = _group_of(written) if written else None
        if written and group is None:
            wrong.append(f"第 {number} 行“{name}”的类别“{written}”（应为乡镇街道或市直单位，也可写乡镇、街道、"
                         "县直单位、部门；供电、通信等企业请写市直单位）")
            continue
        found.append((number, name, group, written))
    if wrong:
        more = f"等 {len(wrong)} 行" if len(wrong) > 3 else ""
        how = HOW if start == 0 else "请改正后再导入。未作任何改动。"  # a header was read: its columns are not in doubt
        raise ValidationError(f"{where}中{'；'.join(wrong[:3])}{more}。{how}")
    if not found:
        raise ValidationError(f"{where}中没有找到单位名称。{HOW}")
    return found, passed


def preview_units(session: Session, path: Path, now: datetime | None = None) -> UnitImport:
    """A unit list read and compared with the office's units, writing nothing (see ``read_unit_list``); ``now``
    for what becomes of the open cases of the units it does not name."""
    rows, passed = read_unit_list(path)
    problems: list[str] = []
    seen: set[str] = set()
    restarted: list[str] = []
    existing: list[str] = []
    guessed: list[str] = []
    new: list[tuple[str, str]] = []
    listed: list[tuple[str, str]] = []
    repeated: list[tuple[int, str]] = []
    read_as: list[tuple[str, str]] = []
    # 类别 written otherwise than the program's group (县直单位: the score tables say 市直单位), said once each
    group_read = {written: group.label for _n, _t, group, written in rows
                  if group is not None and written != group.label}
    for number, typed, group, _written in rows:
        try:
            name = clean_name(typed, "单位名称")
        except ValidationError as exc:
            problems.append(f"第 {number} 行：{exc.message.rstrip('。')}")
            continue
        if len(name) > UNIT_NAME_MAX:  # refused by the commit: said here, with its row
            problems.append(f"第 {number} 行的单位名称太长：最多 {UNIT_NAME_MAX} 个字，现在是 {len(name)} 个字")
            continue
        there = resolve(session, "unit", name)
        unit = session.get(Unit, there) if there is not None else None
        shown = unit.name if unit is not None else name
        if name_key(shown) in seen:  # written twice (ＡＢＣ局 and ABC局 are one name): taken once, and said
            repeated.append((number, typed))
            continue
        seen.add(name_key(shown))
        if unit is not None and unit.name != name:
            read_as.append((name, unit.name))
        if unit is not None:
            (existing if unit.active else restarted).append(unit.name)
            listed.append((unit.name, unit.group))
            continue
        if group is None:
            group = UnitGroup.TOWNSHIP if TOWNSHIP_NAME.fullmatch(name) else UnitGroup.DEPARTMENT
            guessed.append(name)
        new.append((name, group.value))
        listed.append((name, group.value))
    if problems:
        more = f"（共 {len(problems)} 行）" if len(problems) > 3 else ""
        rest = "等" if len(problems) > 3 else ""
        raise ValidationError(f"“{path.name}”中有不能添加的单位名称{more}：{'；'.join(problems[:3])}{rest}。"
                              "未作任何改动。")
    named = {name for name, _group in listed}
    groups = [str(group) for group in UnitGroup]  # as the score tables come: 乡镇街道, then 市直单位
    unnamed = tuple(u.name for u in sorted(session.scalars(select(Unit).where(Unit.active.is_(True))),
                                           key=lambda u: (groups.index(u.group), u.display_order, u.id))
                    if u.name not in named)
    active = list(session.scalars(select(Unit).where(Unit.active.is_(True))))
    alike = tuple((name, like.name) for name, _group in new
                  if (like := next((u for u in active if u.name not in named and _alike(u.name, name)),
                                   None)) is not None)
    moment = now or office_now()
    still_open = tuple(words for u in active if u.name in unnamed
                       and (words := open_cases_words(session, u.id, moment)))
    return UnitImport(path.name, tuple(new), tuple(restarted), tuple(existing), tuple(guessed), unnamed,
                      tuple(listed), tuple(repeated), tuple(read_as), alike, still_open, tuple(passed),
                      tuple(group_read.items()))


# How a county's list writes a unit the default list names plainly: 县公安局 or 宝丰县城市管理局 (a place before
# it), 煤山街道办事处 (an office after it).
PLACE_BEFORE = re.compile(r"\w{0,3}[县市区]")
OFFICE_AFTER = ("办事处", "人民政府", "政府")


def _alike(there: str, typed: str) -> bool:
    """Whether ``typed`` may write the unit called ``there`` the county's way, for a question, not a match: with a
    place before it (县公安局), an office after it (煤山街道办事处, 陵头镇人民政府), spelt out (县卫生健康委员会 for
    卫生健康委), shortened (县自然资源局 for 自然资源和规划局), or without the company's owner (县供电公司 for
    国网汝州市供电公司)."""
    there, typed = name_key(there), name_key(typed)
    if len(there) < 2 or there == typed:
        return False
    for core in _without_place(typed):
        core = next((core[:-len(end)] for end in OFFICE_AFTER if core.endswith(end) and len(core) > len(end)), core)
        if core == there:
            return True
        if core.startswith(there) and len(core) - len(there) <= 2:  # 卫生健康委员会, 卫生健康委
            return True
        if len(core) >= 4 and there.endswith(core):  # 供电公司, 国网汝州市供电公司
            return True
        shared = next((i for i, (a, b) in enumerate(zip(core, there, strict=False)) if a != b), min(len(core),
                                                                                                    len(there)))
        if shared >= 4 and core[-1] == there[-1]:  # 自然资源局, 自然资源和规划局
            return True
    return False


def _without_place(typed: str) -> list[str]:
    """The name as written, and without each place it may begin with (宝丰县城市管理局: 城市管理局)."""
    return [typed] + [typed[k:] for k in range(1, min(5, len(typed) - 1))
                      if PLACE_BEFORE.fullmatch(typed[:k])]


def import_units(session: Session, actor: Actor, path: Path, *, stop_others: bool = False,
                 expected: UnitImport | None = None, clock: Clock = office_now) -> UnitImport:
    """Add the list's new units and start its stopped ones again; with ``stop_others`` the list is the office's
    whole list: the units it does not name are stopped (their cases stay with them) and each group's score table
    follows the list's order. With ``expected`` (the preview agreed to), a list or office changed since is refused.
    All in the caller's one transaction: on any refusal nothing is changed."""
    require(actor, "manage_reference")
    preview = preview_units(session, path, clock())
    if expected is not None and preview != expected:
        raise ValidationError(f"“{path.name}”或单位列表在预览之后有了变化，未作任何改动；请重新导入并核对。")
    if stop_others and (emptied := "和".join(preview.emptied())):
        raise ValidationError(f"“{path.name}”中没有{emptied}：作为本地的全部单位，停用其他单位后{emptied}就一个在用的"
                              "也没有了。请核对选的文件（或工作表）；只添加表中的单位，请不要选停用其他单位。未作任何改动。")
    for name in preview.restarted:
        set_unit_active(session, actor, name, True, clock=clock)
    # a whole list's new units go straight to their place in its order (added last, then moved, each was recorded
    # twice: 顺序：22, then 顺序：22 → 4)
    place = {name: position for group in UnitGroup for position, name in
             enumerate((n for n, g in preview.listed if g == group), 1)} if stop_others else {}
    for name, group in preview.new:
        admin.save_unit(session, actor, None, name, group, place.get(name), clock=clock)
    moved = 0
    if stop_others:
        for name in preview.unnamed:
            set_unit_active(session, actor, name, False, clock=clock)
        moved = _in_list_order(session, actor, [name for name, _group in preview.listed], clock())
    stopped = len(preview.unnamed) if stop_others else 0
    if preview.new or preview.restarted or stopped or moved:
        # one record of the list after the units' own: an inspector reading 43 units stopped one morning sees why
        audit.record(session, "import", f"{UNIT_LIST_ENTITY}{path.name}",
                     {"file": path.name, "added": len(preview.new), "restarted": len(preview.restarted),
                      "stopped": stopped, "reordered": moved, "whole_list": stop_others},
                     user_id=actor.id, at=clock())
    session.flush()
    return preview


def _in_list_order(session: Session, actor: Actor, names: list[str], at: datetime) -> int:
    """Each group's score table in the list's order (考核表顺序 1, 2, 3…), the units it does not name after them;
    how many units moved."""
    moved = 0
    for group in UnitGroup:
        units = list(session.scalars(select(Unit).where(Unit.group == group).order_by(Unit.display_order, Unit.id)))
        place = {name: i for i, name in enumerate(names)}
        units.sort(key=lambda u: (u.name not in place, place.get(u.name, 0)))  # stable: the rest as they were
        for position, unit in enumerate(units, 1):
            if unit.display_order != position:
                unit.display_order = position
                audit.record_row(session, unit, user_id=actor.id, at=at)
                moved += 1
    return moved
