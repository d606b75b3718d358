"""常用操作: the everyday tasks of a clerk's first days as short numbered steps, for the person's own role and with
this office's own limits, so that what the help tells is what the program does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AppealType
from hotline_desk.services.cases.deadlines import HOUR_LIMIT_NEAR_SHARE
from hotline_desk.services.office import settings as limits
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import Action, Permission


@dataclass(frozen=True)
class HowTo:
    title: str
    steps: tuple[str, ...]


def how_tos(session: Session, can: Callable[[str], bool]) -> list[HowTo]:
    """The tasks this person does, in the order a day brings them; ``can`` tells a right of theirs (``Actor.can``)."""
    s = Settings(session)
    tasks: list[HowTo] = []
    if can("register"):
        tasks.append(_register())
    tasks.append(_earlier_cases(can("review"), registers=can("register")))
    if can("approve"):
        tasks.append(_approve())
    elif can("register"):
        tasks.append(_rejected())
    if can(Action.SIGN):
        tasks.append(_tracking(supervises=can(Action.SUPERVISE)))
    if can(Action.FOLLOWUP):
        tasks.append(_followups(s))
    if can(Action.WITHDRAW):
        tasks.append(_corrections())
    if can(Action.REVIEW):
        tasks.append(_review())
    if can(Permission.BONUS):
        tasks.append(_scores())
    if can(Permission.BULLETIN_FINALIZE):
        tasks.append(_bulletin())
    if can(Permission.MANAGE_USERS):
        tasks.append(_accounts())
    if can(Permission.MANAGE_SETTINGS):
        tasks.append(_office_lists())
    if can(Permission.READ_AUDIT):
        tasks.append(_audit())
    tasks += [_states(s), _deadlines(session, s)]
    return tasks


def _tracking(*, supervises: bool) -> HowTo:
    steps = [
        "按 Ctrl+5 到“交办跟踪”：已交给单位、还没有回复的工单，写有承办单位、是否已签收、办理期限和待审批的申请；"
        "超期的浅红色。",
        "单位来电说已签收的：选中工单点“登记签收”，填单位签收的时间后确定（默认现在；单位早已签收、现在才登记的，"
        "填当时的时间，按它计响应率）。",
        "单位回复的：点“登记回复”，填回复内容、办理结果、经办人和联系电话，以及单位办结的时间；工单转“待回访”。",
        "单位要退回或延期的：点“登记退单申请”或“登记延期申请”，写明理由和单位提出的时间，由审核员审批。",
        "与单位交换 Excel：点“导出交办单…”，为所选工单的单位（或所有有在办工单的单位）各存一份交办单（Excel 和 PDF）；"
        "单位在交办单上填好签收和回复发回后，点“导入单位回复…”选择文件，先列出将登记的内容，核对后再导入。",
    ]
    if supervises:
        steps.append("单位迟迟不办的，选中后点“督办”，工单标为督办。")
    return HowTo("登记单位的签收、回复和申请", tuple(steps))


def _followups(s: Settings) -> HowTo:
    return HowTo("回访来电人", (
        "按 Ctrl+6 到“回访”，“待回访”页签列出单位已回复的和协调办理的工单，写有上次回访、办理结果、回复内容和"
        f"回访时限（单位回复后 {s.int(limits.FOLLOWUP_DAYS)} 个工作日内）。",
        "选中一件，打电话问来电人对办理是否满意，按回答按 Alt+1 满意、Alt+2 基本满意、Alt+3 不满意、Alt+4 未接通"
        "（或点这几个按钮），再确认。",
        "不满意的写明群众意见，工单转“待甄别”，由审核员甄别。未接通的可选几件一并登记；同一件 "
        f"{s.int(limits.FOLLOWUP_MAX_ATTEMPTS)} 次未接通的记为“未回访”并办结。",
        f"结果点错了的，{s.int(limits.UNDO_MINUTES)} 分钟内点结果旁出现的“撤销”；过了时间请审核员撤销并写明原因。",
        "Ctrl+Tab 在“待回访”和“待甄别”两个页签之间切换。保密工单由审核员回访。",
    ))


def _accounts() -> HowTo:
    return HowTo("管理用户和密码", (
        "按 Ctrl+9 到“设置”，选“用户”页签。",
        "新来的工作人员：点“添加用户”，填登录名、姓名和角色（话务员、审核员、管理员、督查员）；程序给出一次性密码，"
        "只显示这一次，请当面告知，首次登录时须改为自己的密码。",
        "忘记密码的：选中后点“重置密码”，得到新的一次性密码。调岗的点“修改姓名或角色”。",
        "离职的：选中后点“停用所选”，不能再登录，办过的工单和记录仍在其名下；需要时选中点“重新启用”。",
    ))


def _office_lists() -> HowTo:
    return HowTo("维护单位、节假日和设置", (
        "按 Ctrl+9 到“设置”。",
        "“承办单位”页签：点“添加单位”“修改所选”（改名、分组、考核表顺序、停用）；本地的整张单位表可点“从 Excel "
        "导入单位表…”一次导入，先列出将做的改动再问。",
        "“工作日历”页签：每年年底按国务院公布的下一年放假安排，点“批量录入节假日和调休…”把通知中的安排贴入一次录完"
        "（单个日子在日历上选日期、类型和说明，点“设置所选日期”）；办理期限按它计算工作日。",
        "“时限与简报模板”页签：交办、签收、回访的时限和简报的报头、编发单位等；改后按 Ctrl+S 保存。“考核规则”页签改"
        "各项满分和计法，点“保存考核规则”。",
        "“数据库与备份”页签：备份的文件夹和保留份数，点“立即备份”；每天首次打开、一直开着时每满一天和关闭程序时也"
        "自动备份。",
    ))


def _audit() -> HowTo:
    return HowTo("查看审计记录（谁在何时做了什么）", (
        "按 Ctrl+0 到“审计记录”：最新的在前，列出编号、时间（录入的时间）、谁、做了什么、对象和改动。",
        "只看一件工单：在“工单”栏输入编号，按 Enter；只看一个人：在“人员”中选；限定日期：勾选“录入时间”并选起止日期，"
        "再点“查询”。补录的步骤按录入的时间列出，“改动”中写明它算作的时间。",
        "回访写明结果（如 结果：不满意），甄别写明结论和理由，撤销、作废写明理由；工单的步骤点“工单查询”打开工单，"
        "在办理历史中看全文。",
        "“导出 Excel…”把当前所列的写成工作簿，供督查存档；核验记录是否被改动，可运行 hotline-desk verify。",
    ))


def _corrections() -> HowTo:
    return HowTo("改正办理中的错误", (
        "打开工单：在列表中选中按 Enter（或在“工单查询”中查到后按 Enter）。工单窗口下方列出现在能做的办理步骤。",
        "派错单位、单位还没有回复的：点“收回改派”，写明原因，可同时填改派单位；工单回到“待审核”等审核，原单位不计"
        "这件工单。已过办理期限的不能收回改派（承办单位已停用或并入别的单位的除外），也不能再交回原单位。",
        "单位的回复登记错了（记到了别的工单上、导入了草稿）：点“撤销回复”，写明原因；工单回到单位办理中，再登记正确的"
        "回复。已有回访结果的，先点“撤销回访结果”。",
        "被撤销的一步在所属月份的统计截止之前、现在撤销的，该月的数字不随之改变，撤销前会先问；要改正该月，在表单的撤销时间"
        "中填截止之前、不早于被撤销的一步的时间，再把正确的回复或回访结果也记在截止之前。",
    ))


def _review() -> HowTo:
    return HowTo("甄别不满意的回访", (
        "按 Ctrl+6 到“回访”，“待甄别”页签列出回访不满意的工单，写有群众意见和单位回复。",
        "选中一件，点“承办单位责任（重办）”：工单回到该单位重新办理；点“非承办单位责任”：工单办结，不计入该单位的"
        "满意率。写明甄别意见后确定。",
        "所属月份的统计截止已过的，该月的数字按截止时的回访结果计算，不随甄别改变；月底前请把不满意的回访甄别完。",
    ))


def _scores() -> HowTo:
    return HowTo("考核评分和附加分", (
        "按 Ctrl+7 到“考核评分”，选择月份；两个页签是乡镇街道和市直单位的考核表。",
        "选中单位按 Enter（或双击某一项得分），列出计分工单，扣分的排在前面；点“导出Excel（发给单位核对）…”可把该单位"
        "的计分工单、各项件数和附加分理由发给单位。",
        "加减分：选中单位，点“添加加减分”，写明分数和理由；录错的选中后点“撤销所选”并写明理由。简报定稿后不能再改。",
    ))


def _bulletin() -> HowTo:
    return HowTo("月度简报定稿", (
        "按 Ctrl+8 到“月度简报”，选择月份，填写期号、印发日期、话务量、办理较好和较差的单位、正文和典型案例。",
        "统计截止默认为月末：数字按那一刻的办理情况计算。要按别的时刻（如次月3日下班）计算的，定稿前点“修改统计截止…”。",
        "点“生成预览”查看PDF；数字由工单算出，不必填写。",
        "点“核对…”列出定稿前需要核对的情况（如尚未甄别的不满意回访、截止后补录的步骤、期号不接续），逐项处理或确认。",
        "点“定稿”：再列出一次需要核对的情况，确认后该月的数字和PDF冻结，以后重印完全相同。",
    ))


def _register() -> HowTo:
    return HowTo("登记来电，选择协调办理或交办处理", (
        "按 Ctrl+2 到“工单登记”，光标在“来电人”；来电时间已填好，是现在。",
        "边听边填：联系电话（填完整号码后右侧列出该号码以往的工单）、地址、所属乡镇街道、诉求类型、问题分类"
        "（可输入拼音首字母，如 wygl）、诉求内容。Tab 或 Enter 到下一项（诉求内容中 Enter 换行），带 * 的必须填写。",
        "到“办理方式”，用 ←/→ 选择协调办理或交办处理：",
        "协调办理：当场答复或打电话协调解决的，在“答复内容”写明答复或协调情况；保存后工单为“待回访”。",
        "交办处理：要由单位办理的，在“承办单位”选择单位（需要时再选一个协办单位）；保存后工单为“拟交办”，"
        "审核员审核通过后交给单位。",
        "按 Ctrl+S 保存，“保存”旁写出工单编号和状态；有漏填或填错的，红字写在该项右侧，改正后再按 Ctrl+S。",
        "下一个来电直接填写；要放弃已填写的内容重新开始，按 Ctrl+N（先询问）。",
    ))


def _earlier_cases(sees_confidential: bool, *, registers: bool = True) -> HowTo:
    steps = [
        "登记时：在“联系电话”输入完整号码，右侧“来电人以往工单”列出该号码的工单；按 Ctrl+L 到这个列表，↑↓ 选择，"
        "Enter 打开。",
        "其他时候：按 Ctrl+3 到“工单查询”，在搜索框输入电话号码：完整号码或开头几位（如 1390375）。电话和工单编号"
        "都按开头查找，只输入末尾几位（如 1234）找不到。按 Enter 或 ↓ 到结果列表，再按 Enter 打开工单。",
        "同一诉求再次来电、原工单还没有办结的：打开原工单，点“登记再次来电”记下来电人说了什么，不另登记新工单。",
    ]
    if not registers:  # one who reads only (督查员) finds cases; the registration form is not theirs
        steps = [steps[1].replace("其他时候：", "")]
    if not sees_confidential:
        steps.append("保密工单按电话查不到，来电人和电话也不显示，只有审核员和管理员能看到。")
    return HowTo("按电话查找来电人以往的工单", tuple(steps))


def _rejected() -> HowTo:
    return HowTo("改正被驳回的工单", (
        "审核员不同意您的拟交办时，工单退回给您：左侧“被驳回”和首页显示件数（其他工作站驳回的几秒内出现）。",
        "按 Ctrl+4 到“被驳回”，列表写明驳回理由、驳回人和时间。",
        "选中一件按 Enter（或点“打开工单”）。",
        "按驳回理由办理：能当场答复或协调的，点“协调办理”写明情况；应交其他单位的，点“拟交办”重新选择承办单位；"
        "登记内容有误的，先点“修改登记内容”更正。",
        "办理后工单离开“被驳回”列表。重复登记的工单由审核员作废。",
    ))


def _approve() -> HowTo:
    return HowTo("审核拟交办", (
        "按 Ctrl+4 到“待审核”，“待审核交办”页签列出话务员拟交办的工单，紧急的排在最前面。",
        "核对拟交单位、诉求类型和问题分类；有误的选中后按 Enter 打开工单，点“修改登记内容”更正。",
        "选中一件（或按住 Ctrl、Shift 选几件）点“审核通过”；换单位的点“改派单位并通过”。",
        "不同意的点“驳回”，写明理由：工单回到拟办人的“被驳回”页（拟办人已停用的，回到每位话务员的“被驳回”页）。重复登记的点“作废…”。",
        "单位的退单和延期申请在“退单和延期申请”页签中，点“同意”或“不同意”。",
    ))


def _states(s: Settings) -> HowTo:
    dispatch, urgent = s.int(limits.DISPATCH_HOURS), s.int(limits.DISPATCH_HOURS_URGENT)
    attempts = s.int(limits.FOLLOWUP_MAX_ATTEMPTS)
    return HowTo("工单状态是什么意思", (
        "登记：已登记，还没有协调办理或拟交办。登记（被驳回）：拟交办被审核员驳回，等拟办人改正。",
        f"拟交办：已提出承办单位，等审核员审核（登记后 {dispatch} 小时内，紧急工单 {urgent} 小时内）。",
        "已交办：审核通过，已交给承办单位，等单位签收，即“待签收”。",
        "办理中：单位已签收，即“已签收”，正在办理。",
        "待回访：协调办理的，或单位已回复的，等打电话问来电人是否满意。",
        "待甄别：回访不满意，等审核员判断是否单位的责任；是单位责任的重新交该单位办理（重办）。",
        f"已办结：回访满意或基本满意；或回访 {attempts} 次未接通（记为“未回访”）；或甄别为非单位责任。",
        "已作废：误登记、重复登记的，由审核员作废，不计入统计，可以撤销作废。",
    ))


def _deadlines(session: Session, s: Settings) -> HowTo:
    dispatch, urgent = s.int(limits.DISPATCH_HOURS), s.int(limits.DISPATCH_HOURS_URGENT)
    types = session.execute(select(AppealType.name, AppealType.finish_days).where(AppealType.active)
                            .order_by(AppealType.display_order, AppealType.id)).all()
    per_type = "、".join(f"{name} {days} 个" for name, days in types)
    near_hours = dispatch * HOUR_LIMIT_NEAR_SHARE
    if s.get(limits.HOURS_ON_WORKDAYS):
        rest = ("周末和节假日不计时（周末、节假日登记的从下一个工作日零时起计），紧急工单照常计时",
                "周末和节假日同样不计时（周五 16:00 交办的，到下周一 16:00）")
    else:
        rest = "周末和节假日也计时", "周末和节假日也计时"
    return HowTo("时限怎样计算", (
        f"交办时限按钟点计算：登记后 {dispatch} 小时内（紧急工单 {urgent} 小时内），{rest[0]}；"
        "单位退单、审核员同意后，从同意时重新计算。",
        f"签收时限也按钟点：交办后 {s.int(limits.SIGN_HOURS)} 小时内，{rest[1]}（管理员可在设置中"
        "选定节假日是否计时）。",
        f"办理期限按工作日：从交办的时刻起加上诉求类型的工作日数（{per_type}），到那一天的同一时刻为止。"
        "周末和节假日不算，调休上班的日子算（见设置中的工作日历）；周末或节假日交办的，从下一个工作日零时数起，"
        "到第 N 个工作日结束为止（期限显示为那一天的 23:59）；零点交办的（台账只写了日期）也按整天算。"
        "同意延期的，从原期限再往后加工作日。",
        f"回访时限：单位回复后 {s.int(limits.FOLLOWUP_DAYS)} 个工作日内。",
        f"临期：离期限不到 {s.int(limits.NEAR_DEADLINE_DAYS)} 个工作日（交办时限为最后四分之一，"
        f"{dispatch} 小时的即最后 {near_hours:g} 小时），列表中浅黄色。",
        "超期：过了期限还没有办完，列表中浅红色，写“超期N天”。N 按自然日计算：从期限起每满 24 小时算 1 天，"
        "周末和节假日照算，不满的不算；过期不到 24 小时的写“超期N小时”，同样不满的不算"
        "（不到 1 小时的写“超期不足1小时”）。",
    ))
