"""The office's words explained, with this office's own time limits and scoring rules: what the window's help shows a
new clerk (响应率, 临期, 甄别…), so that what it says is what the program does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AppealType, Channel
from hotline_desk.services.office import settings as limits
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.rules import RateColumn, ScoringRules, load_rules


@dataclass(frozen=True)
class Term:
    word: str
    meaning: str
    key: str = ""  # a score column's: a rate's key (finish, response, satisfaction), bonus, total or counted


def workflow_terms(session: Session) -> list[Term]:
    """The steps of a case and the marks on it, each with the limit this office set for it."""
    s = Settings(session)
    dispatch, urgent = s.int(limits.DISPATCH_HOURS), s.int(limits.DISPATCH_HOURS_URGENT)
    types = session.execute(select(AppealType.name, AppealType.finish_days).where(AppealType.active)
                            .order_by(AppealType.display_order, AppealType.id)).all()
    per_type = "、".join(f"{name} {days} 个" for name, days in types)
    uppers = "、".join(session.scalars(select(Channel.name).where(Channel.upper, Channel.active)
                                       .order_by(Channel.display_order, Channel.id)))
    rest = "（周末和节假日不计时）" if s.get(limits.HOURS_ON_WORKDAYS) else ""
    return [
        Term("协调办理", "话务员当场答复或打电话协调解决，不交给承办单位；登记后直接等待回访。"),
        Term("交办处理（拟交办）", f"话务员提出承办单位（拟交办），审核员审核通过后交办。交办时限：登记后 {dispatch} "
                           f"小时内{rest}，紧急工单 {urgent} 小时内。"),
        Term("驳回", "审核员不同意拟交办，写明原因退回登记的话务员（见“被驳回”页），改正后重新提交。"),
        Term("签收", f"承办单位确认收到交办，应在交办后 {s.int(limits.SIGN_HOURS)} 小时内{rest}；按时签收计入单位的"
                     "响应率。"),
        Term("办理期限", f"交办后按诉求类型给的工作日数：{per_type}工作日；节假日和调休按工作日历计算。"
                         "从交办的时刻数起，到第N个工作日的同一时刻；周末和节假日交办的，从下一个工作日零时数起，"
                         "到第N个工作日结束（当天 23:59）。"),
        Term("临期、超期", f"离办理期限不足 {s.int(limits.NEAR_DEADLINE_DAYS)} 个工作日为临期（浅黄色），"
                       "过了期限还没有回复为超期（浅红色）。"),
        Term("退单", f"单位认为不属于本单位职责，在交办后 {s.int(limits.RETURN_DAYS)} 个工作日内申请；审核员同意的，"
                   "改派其他单位（回到拟交办），不同意的仍由该单位办理。派错了单位的，审核员在工单详情中“收回改派”，"
                   "不记作单位退单，单位也不计这件工单。"),
        Term("延期", f"单位在办理期限前申请延长期限，一次最多 {s.int(limits.EXTENSION_MAX_DAYS)} 个工作日，"
                   "由审核员审批。"),
        Term("督办", "审核员对临期、超期工单的催办标记，工单的状态不变。"),
        Term("再次来电", "群众就尚未办结的工单再次来电（催问、补充）时，在原工单中点“登记再次来电”记下说了什么，"
                     "不另登记新工单，不计入工单数；列表的标题前标出【再次来电】。已办结的工单再次反映的，登记新工单。"),
        Term("回复", "单位办结后的答复：办理结果、回复内容和办结时间，按单位发回的交办单录入或导入。登记错的回复"
                   "（记错了工单、导入了错的文件）由审核员在工单详情中“撤销回复”并写明原因，工单回到办理中，"
                   "再登记正确的回复；已有回访结果的，先撤销回访结果。"),
        Term("回访", f"回复后 {s.int(limits.FOLLOWUP_DAYS)} 个工作日内打电话问来电人是否满意；"
                   f"{s.int(limits.FOLLOWUP_MAX_ATTEMPTS)} 次未接通按“未回访”办结，不计入满意率。登记错的回访结果，"
                   f"登记人在 {s.int(limits.UNDO_MINUTES)} 分钟内可以撤销，此后由审核员撤销并写明原因。"),
        Term("甄别", "回访不满意时审核员判断：属于单位责任的，重新交该单位办理（重办）；不属于的，工单办结，"
                   "这一件不计入该单位的满意率（考核表中的“甄别免计”）。"),
        Term("作废", "误登记、重复登记的工单由审核员作废：不计入统计和考核，办理历史保留，可以撤销作废。"),
        Term("保密", "来电人要求保密的工单：交办单上不显示来电人，只有审核员和管理员能看到来电人和联系电话。"),
        Term("上级交办", f"从上级平台（{uppers or '设置中标为上级的渠道'}）转来的工单，统计为“上级交办事项”。"),
        Term("定稿", "审核员核对月度简报后定稿：数字和 PDF 从此固定，以后重印完全相同，也不能再增减该月的附加分。"),
    ]


def score_terms(session: Session) -> list[Term]:
    """How each column of the score table is worked out under this office's rules."""
    settings = Settings(session)
    rest_days = "（周末和节假日不计时）" if settings.get(limits.HOURS_ON_WORKDAYS) else ""
    return rule_terms(load_rules(session), f"{settings.int(limits.SIGN_HOURS)} 小时{rest_days}")


def rule_terms(rules: ScoringRules, sign_limit: str) -> list[Term]:
    counted = "本级和上级交办的工单" if rules.sources == "all" else "本级工单（上级交办的不计）"
    terms = [Term(column.label, _rate_words(column, rules, sign_limit), column.key) for column in rules.columns]
    floor = f"，不低于 {rules.bonus_min} 分" if rules.bonus_min else ""
    terms += [
        Term(rules.bonus_label, f"基础分 {rules.bonus_base} 分，审核员按月加减并写明原因，合计后不超过 "
                                f"{rules.bonus_max} 分{floor}。", "bonus"),
        Term("合计", f"以上各项得分（各自四舍五入到{_places(rules.decimals)}）相加，按合计排名。", "total"),
        Term("计入考核的工单", f"当月登记、截至统计截止时间交办给该单位（作为主办单位）的{counted}；协办单位不计。"
                         "本月没有交办工单的单位，各项按规则得满分；某项的分母为 0 时（例如没有一件有回访结果），"
                         "该项也得满分。", "counted"),
    ]
    return terms


def _rate_words(column: RateColumn, rules: ScoringRules, sign_limit: str) -> str:
    if column.key == "finish":
        done = "单位回复即算办结" if rules.unit_finished == "handled" else "回访后才算办结"
        base = "交办件数" if rules.finish_denominator == "all" else "截至统计截止时间应办结的件数（期限已到或已办结）"
        rate = f"办结件数 ÷ {base}；{done}"
    elif column.key == "response":
        rate = f"按时签收件数 ÷ 交办件数；第一次交办后 {sign_limit}内签收算按时"
    else:
        satisfied = "满意和基本满意" if rules.basic_counts else "满意（基本满意不算）"
        rate = f"回访结果为{satisfied}的件数 ÷ 有回访结果的件数；未回访、甄别为非单位责任的不计"
    if column.mode == "threshold":
        return f"{rate}。达到 {column.threshold:.0%} 得 {column.weight} 分，否则 0 分。"
    return f"{rate}。得分 = {column.weight} × 比率。"


def _places(decimals: int) -> str:
    return "整数" if decimals == 0 else f"{decimals} 位小数"
