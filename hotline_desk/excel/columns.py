"""Which column is which: the usual names and synonyms in the office's and upper platforms' workbooks."""

from __future__ import annotations

import re
from typing import Any

FIELD_LABELS = {
    "number": "工单编号", "registered_at": "来电时间", "channel": "渠道", "caller_name": "来电人", "phone": "联系电话",
    "address": "地址", "township": "所属乡镇街道", "appeal_type": "诉求类型", "category": "问题分类",
    "category1": "一级分类", "category2": "二级分类", "title": "标题", "content": "诉求内容",
    "upstream_deadline": "办理时限", "confidential": "是否保密", "handling": "办理方式", "unit": "承办单位",
    "dispatched_at": "交办时间", "signed_at": "签收时间", "replied_at": "回复时间", "finished_at": "办结时间",
    "reply_text": "回复内容", "result": "办理结果", "followup": "回访结果", "followup_at": "回访时间",
    "review": "甄别结果", "reviewed_at": "甄别时间", "upstream_number": "上级工单号", "deadline": "办理期限",
    "remark": "备注",
    "extension_days": "延期天数", "extended_deadline": "延期后期限", "urgent": "紧急程度",
    "state": "状态",
    # a step's time of day where a register keeps it apart from its date (受理日期 beside 受理时间)
    "registered_clock": "来电时刻", "dispatched_clock": "交办时刻", "signed_clock": "签收时刻",
    "replied_clock": "回复时刻", "finished_clock": "办结时刻", "followup_clock": "回访时刻",
}

# A step's moment → the field of its time of day, read from a column of its own beside a 日期 column.
STEP_CLOCKS = {"registered_at": "registered_clock", "dispatched_at": "dispatched_clock", "signed_at": "signed_clock",
               "replied_at": "replied_clock", "finished_at": "finished_clock", "followup_at": "followup_clock"}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("工单编号", "工单号", "编号", "受理编号", "事项编号", "工单编码"),
    # A county's register heads its first column of times plainly 日期: the day the call came.
    "registered_at": ("来电时间", "登记时间", "受理时间", "来件时间", "创建时间", "诉求时间", "来电日期", "登记日期",
                      "受理日期", "日期"),
    "channel": ("渠道", "来源", "来源渠道", "交办渠道", "受理渠道", "来电渠道", "诉求渠道", "工单来源"),
    "caller_name": ("来电人", "诉求人", "来电人姓名", "姓名", "反映人"),
    "phone": ("联系电话", "来电号码", "电话", "手机号", "联系方式", "来电人电话"),
    "address": ("地址", "诉求地址", "事发地址", "事发地点"),
    "township": ("所属乡镇街道", "乡镇街道", "所属乡镇", "属地"),
    "appeal_type": ("诉求类型", "来电类型", "工单类型", "类型", "事项类型"),  # …类型: 咨询、投诉、求助
    "category": ("问题分类", "诉求分类", "事项分类", "分类", "问题类别", "诉求类别", "事项类别"),  # …分类, …类别
    "category1": ("一级分类",),
    "category2": ("二级分类",),
    "title": ("标题", "诉求标题", "主题", "工单标题"),
    "content": ("诉求内容", "来电内容", "问题描述", "反映内容", "内容", "反映问题", "问题内容"),
    "upstream_deadline": ("办理时限", "截止时间", "办结时限", "要求办结时间", "上级办理时限"),
    "confidential": ("是否保密", "保密"),
    "handling": ("办理方式", "处理方式"),
    "unit": ("承办单位", "责任单位", "主办单位", "交办单位", "承办部门", "责任部门", "主办部门", "办理单位"),
    "dispatched_at": ("交办时间", "交办日期", "派发时间", "派发日期", "派单时间", "转办时间"),
    "signed_at": ("签收时间", "签收日期"),
    "replied_at": ("回复时间", "答复时间", "回复日期", "答复日期"),
    "finished_at": ("办结时间", "办结日期"),
    # …情况 is what the unit wrote (办结情况: 已为群众更换路灯…), …结果 the word it chose (已解决): a result word in
    # the reply's text still reads right, a paragraph as the 办理结果 would not.
    "reply_text": ("回复内容", "答复内容", "处理情况", "办理情况", "办结情况"),
    "result": ("办理结果", "处理结果"),
    "followup": ("回访结果", "满意度", "回访满意度", "回访情况", "满意度评价"),
    "followup_at": ("回访时间", "回访日期"),
    "review": ("甄别结果", "甄别"),
    "reviewed_at": ("甄别时间", "甄别日期"),
    "upstream_number": ("上级工单号", "上级工单编号", "上级编号", "平台工单号", "上级平台工单号"),
    "deadline": ("办理期限", "办结期限", "承办期限"),
    "remark": ("备注", "说明", "备忘"),
    "extension_days": ("延期天数", "延期（工作日）", "延期工作日"),
    "extended_deadline": ("延期后期限", "延期至", "延期后办理期限"),
    "urgent": ("紧急程度", "是否紧急", "紧急"),
    # read only to leave out a case voided where it came from (an export of this program lists them)
    "state": ("状态", "工单状态", "当前状态"),
}

# The columns of this program's own case list that are for reading only (worked out at the export, or the office's
# view of a case): its import reads them as no field, and says so as such, not as columns it does not know.
EXPORT_ONLY = ("本级/上级", "时限情况（截至导出时）", "退单", "延期", "协办单位", "拟交单位", "督办", "补录和更正")

HEADER_SCAN_ROWS = 20
NOT_IMPORTED = ""  # a mapping's field for a column the user chose not to import (“不导入”)


def clean(text: Any) -> str:
    """A header as typed, without spaces, line breaks, asterisks or bracketed notes (工单编号（必填） → 工单编号)."""
    value = re.sub(r"[\s*＊:：]", "", str(text or ""))
    return re.sub(r"[（(][^）)]*[）)]$", "", value)


def field_for(header: str) -> str | None:
    name = clean(header)
    for field, names in SYNONYMS.items():
        if name in names:
            return field
    return None


def _filled_header(rows: list[list[Any]], index: int, merged: list[tuple[tuple[int, int], tuple[int, int]]]
                   ) -> list[str]:
    """The header row's names; a blank cell under a merged group title takes the title above it."""
    header = [str(c).strip() if c is not None else "" for c in rows[index]]
    for (r1, c1), (r2, c2) in merged:
        if r1 <= index <= r2:
            for col in range(c1, min(c2, len(header) - 1) + 1):
                if not header[col] and r1 < len(rows) and c1 < len(rows[r1]):
                    header[col] = str(rows[r1][c1] or "").strip()
    return header


def find_header(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]],
                known: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """The row (below any title rows) whose cells name the most known columns, and its names.

    ``known`` adds the names of a saved or hand-made mapping (cleaned header → field).
    """
    best, best_count = -1, 0
    extra = known or {}
    for index in range(min(HEADER_SCAN_ROWS, len(rows))):
        header = _filled_header(rows, index, merged)
        count = len({f for f in (extra.get(clean(h)) or field_for(h) for h in header) if f})
        if count > best_count:
            best, best_count = index, count
    if best < 0 or best_count < 2:
        return -1, []
    return best, _filled_header(rows, best, merged)


def auto_mapping(header: list[str], saved: dict[str, str] | None = None,
                 hidden: frozenset[int] = frozenset()) -> dict[int, str]:
    """Column index → field: a saved mapping for this kind of file first (NOT_IMPORTED: a column chosen not to be
    imported, whatever its name), then the usual names. Of two columns for one field, a visible one before one Excel
    hides (an old number kept out of sight)."""
    mapping: dict[int, str] = {}
    taken: dict[str, int] = {}
    given = saved or {}
    for col, name in sorted(enumerate(header), key=lambda item: item[0] in hidden):
        key = clean(name)
        field = given[key] if key in given else field_for(name)
        if field in STEP_CLOCKS and field in taken and STEP_CLOCKS[field] not in taken:
            # 受理日期 and 受理时间 (派发日期 and 派发时间…) side by side: the step's date, and its time of day
            dated = next((c for c in (taken[field], col) if "日期" in clean(header[c])), None)
            timed = next((c for c in (taken[field], col) if clean(header[c]).endswith("时间")), None)
            if dated is not None and timed is not None and dated != timed:
                mapping[dated], mapping[timed] = field, STEP_CLOCKS[field]
                taken.update({field: dated, STEP_CLOCKS[field]: timed})
            continue
        if field and field in FIELD_LABELS and field not in taken:
            mapping[col] = field
            taken[field] = col
    return mapping
