"""What a case-list or register import would do, as the preview shows it: the rows ready to write, every problem
by row and column, and the summary that words it all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline_desk.excel.columns import clean
from hotline_desk.services.cases.history import CaseStatus
from hotline_desk.services.exchange.bulk import Step
from hotline_desk.services.exchange.hints import WINDOW, ImportHints
from hotline_desk.services.exchange.import_columns import UnreadColumn, unread_note
from hotline_desk.services.exchange.import_values import UnknownValue, ValueChoices
from hotline_desk.services.exchange.register_history import SIGN_INFERRED
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel numbers it
    column: str
    reason: str


@dataclass
class PreparedRow:
    row: int
    key: str
    values: dict[str, Any]
    # The history as checked by the preview (taken by stand-ins for the importer and the proposer), and the case's
    # status after it, so committing need neither check nor replay it again; None for a row naming an entry still to
    # be created, checked when committed.
    steps: list[Step] | None = None
    status: CaseStatus | None = None


@dataclass
class CasePreview:
    """What an import would do: counts, every problem (row, column, reason), and the rows ready to write."""

    file_name: str
    sha256: str
    sheet: str
    header_row: int
    columns: list[tuple[str, str]]  # header, field label ("" when not imported)
    total_rows: int = 0
    duplicates: int = 0
    imported_keys: list[str] = field(default_factory=list)  # the rows counted as imported before, by their keys
    problems: list[Problem] = field(default_factory=list)
    ready: list[PreparedRow] = field(default_factory=list)
    seen_before: str = ""
    # in a workbook of several sheets, those imported before (by the batches' notes): name → when first
    sheets_imported: dict[str, datetime] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # required columns not found
    final_months: list[str] = field(default_factory=list)  # months the rows fall in whose bulletin is finalised
    past_months: dict[str, int] = field(default_factory=dict)  # rows of months past their cut-off, in a file of now
    unknown: list[UnknownValue] = field(default_factory=list)  # distinct values on no list, most rows first
    choices: ValueChoices = field(default_factory=dict)  # what to do with such values (given, or suggestions taken)
    left_out: int = 0  # rows left out by choice
    # The workbook's other sheets with content: name, rows, whether Excel shows it
    other_sheets: list[tuple[str, int, bool]] = field(default_factory=list)
    formulas: str = ""  # formulas without results (their rows are problems), hidden columns: what the file hides
    aside: list[tuple[int, str]] = field(default_factory=list)  # 合计, 注：… rows under the table: row, first words
    renumbered: list[int] = field(default_factory=list)  # rows whose number another call at another time has
    blank_types: dict[str, int] = field(default_factory=dict)  # 诉求类型 given to rows that leave it blank: rows
    merged: list[str] = field(default_factory=list)  # cells merged down over rows, read for each row
    readings: dict[str, int] = field(default_factory=dict)  # how a 办理方式 written otherwise was read: rows
    # a merged unit's old name read as the unit it was merged into: (old, now) → cells
    read_as_merged: dict[tuple[str, str], int] = field(default_factory=dict)
    changed: list[tuple[int, str, list[str]]] = field(default_factory=list)  # imported before, since changed
    unread: list[UnreadColumn] = field(default_factory=list)  # columns read as no field (named, or with content)
    # values whose suggestion was not taken: several close, or a unit of another kind (UnknownValue.not_taken)
    ties: list[UnknownValue] = field(default_factory=list)
    channel_note: str = ""  # where the whole file is taken to come from, when that is not what the clerk chose
    # rows whose platform's number is a case here already, not imported from a file: (row, number, cases)
    upstream_registered: list[tuple[int, str, str]] = field(default_factory=list)
    listed_twice: list[tuple[int, int]] = field(default_factory=list)  # a row repeated whole in the file: (row, first)
    no_calendar: list[int] = field(default_factory=list)  # years of rows ready whose holidays are not entered
    voided: list[tuple[int, str]] = field(default_factory=list)  # rows whose 状态 says 作废 or 撤销: row, as written
    # such rows already a case here and not voided here: (row, as written, the cases)
    voided_here: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.problems})

    def causes(self) -> list[tuple[str, int]]:
        """The problems grouped by cause, most rows first: (“〔渠道〕渠道“热线”不在列表中”, 4480)."""
        rows: dict[str, set[int]] = {}
        for p in self.problems:
            rows.setdefault(f"〔{p.column}〕{p.reason}", set()).add(p.row)
        return sorted(((cause, len(r)) for cause, r in rows.items()), key=lambda item: -item[1])

    def inferred_signs(self) -> int:
        """Rows ready whose 签收 the register does not date (placed after the dispatch, marked)."""
        return sum(1 for row in self.ready if row.steps and any(step.note == SIGN_INFERRED for step in row.steps))

    def _register_facts(self) -> str:
        """What the rows ready to go in become beyond their cells: steps from 备注, and cases still open."""
        extended = sum(1 for row in self.ready if row.values.get("extension"))
        returned = sum(1 for row in self.ready if row.values.get("returned_from"))
        remarks = sum(1 for row in self.ready if row.values.get("remark"))
        states = [row.status.state for row in self.ready if row.status is not None]
        open_ = sum(state in OPEN_DISPATCH_STATES for state in states)
        waiting = sum(state == CaseState.PENDING_FOLLOWUP for state in states)
        unjudged = sum(state == CaseState.IN_REVIEW for state in states)
        steps = [words for n, words in ((extended, f"延期 {extended} 行"), (returned, f"退单 {returned} 行")) if n]
        after = [words for n, words in (
            (open_, f"{open_} 件仍由承办单位办理（台账没有回复或办结时间），会出现在交办跟踪和该单位的交办单上"),
            (waiting, f"{waiting} 件待回访（台账没有回访结果），会出现在回访页"),
            (unjudged, f"{unjudged} 件回访不满意、台账没有甄别结果，会出现在回访页的“待甄别”，甄别之前不算办结"
                       "（拉低该月的办结率；台账另有一列记着甄别结果的，请把它对应为“甄别结果”）")) if n]
        return ((f"备注中的{'、'.join(steps)}作为批准的延期、退单改派导入。" if steps else "")
                + (f"{remarks} 行的备注原话记在该工单登记一步的说明中。" if remarks else "")
                + (f"导入后，{'，'.join(after)}。" if after else ""))

    def summary(self, hints: ImportHints = WINDOW) -> str:
        others = ""
        waiting = [sheet for sheet in self.other_sheets if sheet[0] not in self.sheets_imported]
        if waiting:  # a register kept a sheet a month: one sentence, not twelve
            listed = _some([f"{'' if shown else '隐藏的'}“{name}”（连表头 {rows} 行）"
                            for name, rows, shown in waiting], SHEETS_SHOWN, counted="个工作表")
            others = f"文件中另有工作表{listed}未读取，{hints.other_sheet}"
        if done := [(name, self.sheets_imported[name]) for name, _rows, _shown in self.other_sheets
                    if name in self.sheets_imported]:
            others += "、".join(f"工作表“{name}”已于{at:%Y-%m-%d %H:%M}" for name, at in done) + "导入过。"
        if self.other_sheets:
            others = f"这次读的是工作表“{self.sheet}”。{others}"
        others += self.formulas
        if self.aside:
            aside = _some([f"第 {row} 行（{words}）" for row, words in self.aside], ASIDE_SHOWN)
            others += f"{aside}不是工单行，未读取。"
        unread = unread_note(self.unread, hints)
        if self.missing:
            return (f"工作表“{self.sheet}”中没有找到必需的列：{'、'.join(self.missing)}。{hints.map_columns}{unread}"
                    f"{others}")
        labels = {label for _header, label in self.columns}
        if "工单编号" not in labels and any(clean(h) == "序号" and not label for h, label in self.columns):
            others += ("“序号”一列没有导入：序号常随排序、插行而变，不能用来认出同一件工单（这时按来电时间和诉求内容"
                       f"认出导入过的行）。如果序号就是台账给每件工单编的号，从不改变，{hints.serial_as_number}")
        text = (f"共 {self.total_rows} 行：可导入 {len(self.ready)} 行，已导入过 {self.duplicates} 行，"
                f"有问题 {self.invalid_rows} 行" + (f"，按选择不导入 {self.left_out} 行" if self.left_out else "")
                + (f"，已作废（撤销）不导入 {len(self.voided)} 行（{_voided_rows(self.voided)}）"
                   if self.voided else "")
                + "。" + self.channel_note + unread)
        if asking := [f"第 {row.row} 行“{row.values['state_said']}”" for row in self.ready
                      if row.values.get("state_said")]:
            text += (f"{_some(asking, 10)}的状态提到撤销或作废，但不是已撤销、已作废，照常导入：上级确已撤销的，请在"
                     "本软件中作废。")
        if self.voided_here:
            shown = _some([f"第 {row} 行（{written}）已导入为 {cases}" for row, written, cases in self.voided_here], 5,
                          "；")
            text += (f"注意：{shown}，本库中仍未作废：如确已撤销，请在本软件中作废（写明上级已撤销），"
                     "否则它仍计入统计和考核。")
        if self.renumbered:
            text += (f"{_rows(self.renumbered)}的编号已用于来电时间不同的另一件工单（台账每月从 1 起编号时常见），"
                     "各作为一件新工单导入，原台账编号照样保留。")
        if self.merged:
            more = "等" if len(self.merged) > 5 else ""
            text += f"{'、'.join(self.merged[:5])}{more}是合并的一格，每一行都按它导入。"
        if self.changed:
            shown = _some([f"第 {row} 行（{number}）的{'、'.join(parts)}" for row, number, parts in self.changed], 10,
                          "；")
            text += (f"注意：{shown}与导入时不同。已导入的工单不按表格更新：这些变化请在本软件中登记"
                     "（签收、回复、回访）或修改登记内容。")
            if any(part in ("上级办理时限", "紧急程度") for _row, _number, parts in self.changed for part in parts):
                text += ("上级平台改了办理时限或紧急程度的，请用 case edit 编号 --upstream-deadline 新时限 "
                         "或 --urgent 是（窗口中“修改登记内容”）更正。")
        if self.listed_twice:
            shown = _some([f"第 {row} 行与第 {first} 行" for row, first in self.listed_twice], 5, "、")
            text += f"{shown}是同一件（编号、来电时间和诉求内容都相同），只导入一次。"
        if self.upstream_registered:
            shown = _some([f"第 {row} 行（{number}）已登记为 {cases}"
                           for row, number, cases in self.upstream_registered], 5, "；")
            text += (f"{shown}：上级工单号相同，计为已导入过，不再登记（上级再次交办的，请在原工单上办理）。")
        if self.readings:
            text += "办理方式的读法：" + "、".join(f"{how}（{n} 行）" for how, n in self.readings.items()) + "。"
        for (old, now), cells in self.read_as_merged.items():
            text += f"“{old}”已并入“{now}”：写着“{old}”的 {cells} 处按“{now}”导入。"
        text += self._register_facts()
        for name, rows in self.blank_types.items():
            text += f"诉求类型为空的 {rows} 行按选定或已保存的对应关系记为“{name}”。"
        if signs := self.inferred_signs():
            text += f"其中 {signs} 行有回复而没有签收时间，签收按交办后一分钟记（据台账）。"
        if called := sum(1 for row in self.ready if row.values.get("call_day_alone")):
            text += f"其中 {called} 行的来电时间只写了日期，按当日 0:00 记（办理历史中注明据台账）。"
        if alone := sum(1 for row in self.ready if row.values.get("days_alone")):
            text += f"其中 {alone} 行的时间只写了日期且与上一步同日，按当日上一步后一分钟记（据台账）。"
        if self.unknown:
            said = []
            if missing := [u for u in self.unknown if not u.not_in_use]:
                said.append(f"有 {len(missing)} 个取值不在列表中")
            if stopped := [u for u in self.unknown if u.not_in_use]:
                more = f"等 {len(stopped)} 个单位" if len(stopped) > TIES_SHOWN else ""
                said.append("、".join(f"{u.label}“{u.shown}”{u.not_in_use}" for u in stopped[:TIES_SHOWN]) + more
                            + f"，此后写着它的 {sum(u.count for u in stopped)} 行不能导入（此前的行照常导入）")
            text += "；".join(said) + f"，{hints.choose_values}"
        if self.ties:
            listed = _some([f"{u.label}“{u.shown}”（{u.not_taken}）" for u in self.ties], TIES_SHOWN, counted="个取值")
            text += f"其中{listed}没有按建议对应，须逐个选定。"
        text += f"（{self.seen_before}。）" if self.seen_before else ""
        text += others
        if self.no_calendar:
            years = "、".join(str(year) for year in self.no_calendar)
            text += (f"注意：{years} 年的节假日和调休还没有录入工作日历：导入的这些年的工单，办理期限和超期只按周一至"
                     "周五计算，节后录入也不再改变。要按当年的放假安排计算的，请先录入（命令行 calendar import，窗口中"
                     "在“设置”的“工作日历”页）再导入。")
        if self.past_months:
            past = "、".join(f"{month} {n} 行" for month, n in self.past_months.items())
            text += (f"注意：其中 {past}的来电时间在统计截止已过的月份：计入那个月（简报定稿前的核对会列出），"
                     "不计入本月。上级平台按交办时间计入本月的，两边的件数会不同。")
        if self.final_months:
            text += (f"注意：{'、'.join(self.final_months)} 的简报已定稿，数字已冻结；导入这些月份的工单不会改变已定稿"
                     "的简报，但此后的统计和考核会与之不一致。")
        return text


TIES_SHOWN = 5  # values whose suggestion was not taken, named in the summary
SHEETS_SHOWN = 6  # a workbook's other sheets with content, named in the summary
ASIDE_SHOWN = 10  # rows read aside (合计, 十一月份…), named in the summary


def _voided_rows(voided: list[tuple[int, str]]) -> str:
    """第 2 行“已撤销”、第 4 行“作废” (the first ten, and how many more), as the file wrote each state."""
    return _some([f"第 {row} 行“{written}”" for row, written in voided], 10)


def _some(said: list[str], shown: int, between: str = "、", *, counted: str = "行") -> str:
    """The first ``shown`` of what is said (of rows, sheets, values), and how many in all when there are more: …等
    40 行."""
    return between.join(said[:shown]) + (f"等 {len(said)} {counted}" if len(said) > shown else "")


def _rows(rows: list[int], shown: int = 10) -> str:
    """第 3、5、9 行 (the first ``shown`` of them, and how many more)."""
    listed = "、".join(str(r) for r in rows[:shown])
    return f"第 {listed} 行" + (f"等 {len(rows)} 行" if len(rows) > shown else "")
