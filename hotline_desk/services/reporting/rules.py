"""The scoring rule set as data (weights, linear or threshold, rounding, 附加分 base and cap, what counts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.services.cases.history import HANDLED_STATES
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.facts import Facts

# What a change of the rules does, said where they are changed.
RULES_EFFECT = "尚未定稿的月份（包括刚结束的月份）按新规则计分，已定稿的月份不变。"


@dataclass(frozen=True)
class RateColumn:
    """One rate column of the score table: ``linear`` gives weight × rate; ``threshold`` all or nothing."""

    key: str
    label: str
    weight: int
    mode: str = "linear"
    threshold: float = 0.0


@dataclass(frozen=True)
class ScoringRules:
    """The 汝州 rule by default; another city's rule is the same fields with other values."""

    columns: tuple[RateColumn, ...] = field(default_factory=lambda: (
        RateColumn("finish", "办结率", 40),
        RateColumn("response", "响应率", 20),
        RateColumn("satisfaction", "满意率", 20),
    ))
    bonus_label: str = "附加分"
    bonus_base: int = 20
    bonus_min: int = 0
    bonus_max: int = 25
    decimals: int = 0  # points rounded half-up to this many places
    basic_counts: bool = True  # 基本满意 counts as satisfied
    finish_denominator: str = "all"  # "all" cases of the group, or only those "due" (应办结) by the cut-off
    case_finished: str = "closed"  # bulletin: a case is 已办结 when "closed" (after follow-up) or "handled"
    unit_finished: str = "handled"  # scoring: the unit has finished when it replied ("handled") or "closed"
    sources: str = "all"  # which cases a unit is scored on: "all" (本级 + 上级) or "local" (本级)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoringRules:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValidationError(f"考核规则中有无法识别的项：{'、'.join(sorted(unknown))}")
        values = dict(data)
        if "columns" in values:
            try:
                values["columns"] = tuple(RateColumn(**c) for c in values["columns"])
            except TypeError as exc:
                raise ValidationError("考核规则的评分列格式不正确。") from exc
        rules = cls(**values)
        rules.validate()
        return rules

    def validate(self) -> None:
        """Every field of the right kind and in its range: a value that is no number (NaN, text) or a list of columns
        left empty was stored before, and every score and bulletin then failed."""
        if not isinstance(self.columns, tuple) or not self.columns:
            raise ValidationError("考核规则至少要有一个评分列（办结率、响应率或满意率）。")
        if len({c.key for c in self.columns}) != len(self.columns):
            raise ValidationError("考核规则的评分列不能重复。")
        for column in self.columns:
            _whole(column.weight, f"{column.label}的分值", *WHOLE_RANGES["weight"])
            threshold = column.threshold
            if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
                    or not 0 <= threshold <= 1:  # NaN fails the comparison too
                raise ValidationError(f"考核规则中{column.label}的达标线应为 0 至 1 之间的数（0.9 即 90%）。")
        for name, label in (("bonus_base", "附加分基础分"), ("bonus_min", "附加分下限"), ("bonus_max", "附加分上限"),
                            ("decimals", "得分保留的小数位数")):
            _whole(getattr(self, name), label, *WHOLE_RANGES[name])
        if not isinstance(self.basic_counts, bool):
            raise ValidationError("考核规则“基本满意是否计为满意”只能是 true 或 false。")
        if not isinstance(self.bonus_label, str) or not 0 < len(self.bonus_label.strip()) <= 10:
            raise ValidationError("附加分一列的名称应为 1 至 10 个字。")
        if {c.key for c in self.columns} - {"finish", "response", "satisfaction"}:
            raise ValidationError("评分列只能是 finish（办结率）、response（响应率）、satisfaction（满意率）。")
        if any(c.mode not in ("linear", "threshold") for c in self.columns):
            raise ValidationError("评分方式只能是 linear（按比例）或 threshold（达标得满分）。")
        if self.bonus_min > self.bonus_max:
            raise ValidationError("附加分下限不能高于上限。")
        if not self.bonus_min <= self.bonus_base <= self.bonus_max:  # else every unit's 附加分 is the cap or floor
            raise ValidationError(f"附加分基础分（{self.bonus_base}）应在附加分下限（{self.bonus_min}）与上限"
                                  f"（{self.bonus_max}）之间：否则每个单位的附加分都被截成同一个数，加减分不起作用。")
        choices = {"finish_denominator": ("all", "due"), "case_finished": ("closed", "handled"),
                   "unit_finished": ("closed", "handled"), "sources": ("all", "local")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValidationError(f"考核规则“{name}”只能是：{'、'.join(allowed)}")

    def is_finished(self, facts: Facts, *, for_unit: bool) -> bool:
        mode = self.unit_finished if for_unit else self.case_finished
        return facts.state == "finished" if mode == "closed" else facts.state in HANDLED_STATES

    def satisfied_results(self) -> frozenset[str]:
        return frozenset({"satisfied", "basic"} if self.basic_counts else {"satisfied"})


# The whole-number rules and what each may be (a column's weight, the 附加分 range, the decimals): checked here and
# offered so by the window's boxes.
WHOLE_RANGES: dict[str, tuple[int, int]] = {"weight": (0, 100), "bonus_base": (0, 100), "bonus_min": (-100, 100),
                                            "bonus_max": (-100, 100), "decimals": (0, 2)}


def _whole(value: Any, label: str, lowest: int, highest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise ValidationError(f"考核规则中{label}应为 {lowest} 至 {highest} 的整数，“{value}”不行。")


# The rule fields that change printed numbers, with their Chinese labels and what each value means (shown by
# ``template show``, ``rules show`` and the README).
RULES_SHOWN: tuple[tuple[str, str, dict[Any, str]], ...] = (
    ("case_finished", "简报“已办结”的口径", {
        "closed": "回访后才算已办结（含三次未回访、甄别为非单位责任）",
        "handled": "办理完毕（协调答复或单位回复）即算已办结"}),
    ("finish_denominator", "办结率的分母", {
        "all": "该组全部工单", "due": "截至统计截止时间应办结的工单（期限已到或已办结）"}),
    ("basic_counts", "满意率中“基本满意”", {True: "计为满意", False: "不计为满意"}),
    ("unit_finished", "考核中单位“办结”的口径", {
        "handled": "单位回复即算办结", "closed": "回访后才算办结"}),
    ("sources", "考核计入的工单", {"all": "本级和上级交办", "local": "仅本级"}),
)


def rule_meaning(key: str, value: Any) -> str:
    """What a rule's value means, as ``RULES_SHOWN`` words it (unit_finished, handled → 单位回复即算办结)."""
    return next((meanings.get(value, str(value)) for shown, _label, meanings in RULES_SHOWN if shown == key), "")


def load_rules(session: Session) -> ScoringRules:
    return ScoringRules.from_dict(Settings(session).get("scoring.rules") or {})


def followup_outcome(facts: Facts) -> str:
    """The case's latest follow-up result: satisfied, basic, dissatisfied, unreachable (未回访) or "" (none yet)."""
    return facts.followup_result


def exempt_by_review(facts: Facts) -> bool:
    """A dissatisfied result that 甄别 judged not the unit's fault leaves the unit's 满意率."""
    return facts.followup_result == "dissatisfied" and facts.followup_review == "not_fault"
