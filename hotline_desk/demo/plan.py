"""The demo month's allocation: how many cases of each kind, type, category and unit, and each unit's outcomes.

These are the demo's own targets (a July like 汝州's July 2022). Statistics and scoring never read this
module; they compute from the cases the demo registers through the ordinary workflow services.
"""

from __future__ import annotations

from dataclasses import dataclass

APPEAL_TYPE_COUNTS = {"咨询类": 1318, "问题处理类": 955, "投诉举报类": 841, "建议类": 21, "其它": 1345}

HOT_TOPICS = {
    "疾病控制—疫情防控": 505, "文体科教—教育管理": 182, "社会保障—工资薪金": 152, "社会保险—养老保险": 135,
    "城市管理—市容市政": 124, "农村建设—村容村貌": 103, "水利水电—用水困难": 88, "优抚救助—低保资金": 87,
    "农村管理—耕地保护": 69, "城市管理—物业管理": 66,
}
OTHER_CATEGORY_MAX = 60  # every other category stays below the tenth hot topic

LOCAL_TOTAL = 4480
COORDINATE_TOTAL = 3267
UPPER_CHANNELS = {"平顶山市“民呼必应”平台": 190, "平观新闻APP": 4, "国家政务服务平台": 3}

# Outcomes of the 1213 本级 cases dispatched to units, as of the end of the month.
LOCAL_DISPATCH = {"pending_followup": 40, "exempt": 117, "unreachable": 24}
# The 197 上级 cases: all closed.
UPPER_DISPATCH = {"exempt": 15, "unreachable": 4}
# The 3267 协调办理 cases: all closed.
COORDINATE = {"exempt": 128, "unreachable": 67}
REDO_CASES = 8  # dissatisfied, judged the unit's fault, redone and then satisfied
RETURNED_CASES = 4  # first sent to the wrong unit, returned, re-dispatched
REJECTED_PROPOSALS = 5
EXTENSIONS = 10
BASIC_SHARE = 6  # one in this many satisfied results is 基本满意


@dataclass(frozen=True)
class UnitPlan:
    """One unit's month: cases dispatched to it and the outcomes that shape its scores."""

    name: str
    cases: int
    unreplied: int = 0  # signed but not replied by the cut-off (lowers 办结率)
    late_signs: int = 0  # signed after the 24-hour limit (lowers 响应率)
    pending_review: int = 0  # dissatisfied, 甄别 not yet done (lowers 满意率)
    bonus: tuple[tuple[int, str], ...] = ()


UNITS: tuple[UnitPlan, ...] = (
    UnitPlan("煤山街道", 48, bonus=((3, "协调化解疑难诉求成效明显"), (2, "群众来电致谢两次"))),
    UnitPlan("陵头镇", 30, bonus=((4, "主动认领跨部门诉求并办结"), (3, "违规建房问题集中整治见效"))),
    UnitPlan("骑岭乡", 28), UnitPlan("小屯镇", 22), UnitPlan("蟒川镇", 18), UnitPlan("寄料镇", 24),
    UnitPlan("杨楼镇", 20), UnitPlan("米庙镇", 22), UnitPlan("温泉镇", 16), UnitPlan("临汝镇", 20),
    UnitPlan("庙下镇", 18), UnitPlan("紫云路街道", 30), UnitPlan("洗耳河街道", 34), UnitPlan("夏店镇", 16),
    UnitPlan("大峪镇", 14), UnitPlan("汝南街道", 32),
    UnitPlan("焦村镇", 40, unreplied=2, bonus=((-1, "回复内容过于简单，未说明办理依据"),)),
    UnitPlan("风穴路街道", 40, unreplied=1, pending_review=1, bonus=((-1, "签收后未及时联系诉求人"),)),
    UnitPlan("钟楼街道", 40, pending_review=1, bonus=((-2, "同一诉求两次回复不一致"),)),
    UnitPlan("王寨乡", 20, pending_review=1, bonus=((-2, "未按要求反馈现场核实照片"),)),
    UnitPlan("纸坊镇", 40, unreplied=8, bonus=((-5, "超期未办结工单较多"), (-4, "重复诉求未能有效解决"))),
    UnitPlan("公安局", 80, bonus=((5, "快速处置涉众诉求，群众书面表扬"),)),
    UnitPlan("市场监督管理局", 60, bonus=((3, "消费纠纷调解成效好"),)),
    UnitPlan("煤矿安全监察局", 12, bonus=((3, "协助追回农民工工资"),)),
    UnitPlan("自来水公司", 60), UnitPlan("教育体育局(教育)", 70), UnitPlan("交通运输局", 24),
    UnitPlan("移动公司", 16), UnitPlan("医疗保障局", 30), UnitPlan("国网汝州市供电公司", 40), UnitPlan("商务局", 8),
    UnitPlan("生态环境局", 30), UnitPlan("公路管理局", 10), UnitPlan("教育体育局(体育)", 6), UnitPlan("财政局", 12),
    UnitPlan("水利局", 14), UnitPlan("自然资源和规划局", 36), UnitPlan("国资局", 6), UnitPlan("联通公司", 10),
    UnitPlan("城市管理局", 80, bonus=((-2, "占道经营问题反复交办"),)),
    UnitPlan("卫生健康委", 40, unreplied=1, bonus=((-1, "回复未附核查情况"),)),
    UnitPlan("人力资源和社会保障局", 60, late_signs=3, bonus=((-2, "欠薪诉求回复不及时"),)),
    UnitPlan("住房和城乡建设局", 134, pending_review=4, bonus=((-2, "二次供水问题久拖未决"),)),
)

# A withdrawn item shows that removed items no longer count.
WITHDRAWN_BONUS = ("公安局", -1, "误录：应为交通运输局的扣分", "重复录入，撤销")

# Which categories a unit usually receives (level-1 names; a few level-2 labels).
UNIT_TOPICS: dict[str, tuple[str, ...]] = {
    "公安局": ("公共安全",), "市场监督管理局": ("市场监管",), "煤矿安全监察局": ("社会保障—工资薪金",),
    "自来水公司": ("水利水电—用水困难", "水利水电—供水质量", "水利水电—水费水价"),
    "教育体育局(教育)": ("文体科教",), "教育体育局(体育)": ("文体科教—文化体育",), "交通运输局": ("交通运输",),
    "公路管理局": ("交通运输—道路修护",), "移动公司": ("通信服务",), "联通公司": ("通信服务",),
    "医疗保障局": ("社会保险—医疗保险", "医疗卫生—医保报销"), "国网汝州市供电公司": ("水利水电—停电故障", "水利水电—电费电价"),
    "商务局": ("商贸流通",), "生态环境局": ("生态环境",), "财政局": ("政务服务",), "水利局": ("水利水电",),
    "自然资源和规划局": ("自然资源", "农村管理—耕地保护"), "国资局": ("政务服务",), "城市管理局": ("城市管理",),
    "卫生健康委": ("疾病控制", "医疗卫生"), "人力资源和社会保障局": ("社会保障", "社会保险"),
    "住房和城乡建设局": ("住房建设", "城市管理—物业管理"),
}
TOWNSHIP_TOPICS = ("农村建设", "农村管理", "优抚救助", "城市管理—市容市政", "生态环境—养殖污染")

NARRATIVE_HOT = (
    "本月群众反映较集中的问题有：一是高层住户用水难。部分老旧小区加压设备老化，用水高峰时段楼上住户水压不足，"
    "已督促供水企业和属地逐一排查。二是农村环境卫生。个别村庄垃圾清运不及时、养殖粪污处理不规范，群众反映较多。"
    "三是雨季排水不畅。城区部分背街小巷排水管网淤堵，降雨后积水外溢。四是培训费用退还。部分校外培训机构停课后"
    "退费纠纷增多。五是农村建房管理。个别村组未批先建、占用耕地建房的问题时有反映。"
)
NARRATIVE_WORK = (
    "（一）完善考核机制。结合本月办理情况，对各承办单位的签收、回复、回访满意情况进行量化排名，"
    "对超期未办结的工单逐件督办，推动承办单位压实责任。",
    "（二）做好疫情防控咨询服务。设立防疫咨询专席，及时更新政策口径，统一答复群众关于出行、隔离和核酸检测的咨询。",
    "（三）协调疑难事项。对涉及多个部门的疑难诉求，由热线办牵头召集相关单位现场会商，明确责任主体和办理时限。",
)
# The seed's four typical cases, by unit, with a word of their topic and what each did: the demo writes each up on a
# finished case of that unit about that topic, under the case's own words (a write-up of its own topic beside a case
# about something else misled the reader).
TYPICAL_UNITS = (
    ("市场监督管理局", "质量", "执法人员深入调查，督促商家妥善处理，诉求人对处理结果表示满意。"),
    ("煤矿安全监察局", "工资", "工作人员约谈企业负责人，协调解决诉求人反映的问题，诉求人来电致谢。"),
    ("教育体育局(教育)", "培训", "当天安排工作人员现场核实，约谈相关负责人，问题得到解决。"),
    ("自来水公司", "水", "迅速安排人员现场勘查、排查隐患，其优质高效的作风得到群众称赞。"),
)
