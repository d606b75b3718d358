"""Sample wording for demo cases: callers, places and what they ask, made up for the demo."""

from __future__ import annotations

import random

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
STREETS = ("利民街", "南关街", "永安街", "丹阳中路", "广成路", "朝阳路", "向阳路", "望嵩路", "米庙路", "洗耳河路")
COMMUNITIES = ("烟厂家属院", "向阳公租房", "丹阳小区", "锦绣花园", "东关新村", "城南花苑", "广成小区", "实验中学家属院")
VILLAGES = ("安洼村", "苏楼村", "杨楼沟村", "双郭楼村", "下程村", "后营村", "刘庄村", "北店村", "东村", "西街村")

DETAILS: dict[str, tuple[str, ...]] = {
    "疾病控制": ("询问从外地返回需要落实哪些防疫要求", "反映核酸检测点排队时间长，希望增加采样点",
             "咨询居家健康监测期间能否外出就医"),
    "文体科教": ("反映孩子入学报名材料提交后一直没有回复", "咨询学生资助申请的时间和条件", "反映学校周边培训班收费后不退费"),
    "社会保障": ("反映在工地干活几个月工资一直没有结清", "咨询灵活就业人员如何办理就业登记", "反映公司未签劳动合同"),
    "社会保险": ("咨询养老保险断缴后如何补缴", "反映医疗保险异地报销材料提交后进度不明", "咨询社保卡丢失后如何补办"),
    "城市管理": ("反映路边摊占道经营影响通行", "反映小区物业不作为，楼道垃圾长期无人清理", "反映道路井盖破损存在安全隐患",
             "反映下水道堵塞，污水外溢"),
    "农村建设": ("反映村内垃圾堆放多日无人清运", "反映村道破损严重雨天无法通行", "反映村里路灯损坏多时未修"),
    "水利水电": ("反映四楼以上住户长期水压不足用水困难", "反映小区频繁停电影响生活", "反映自来水发黄有异味"),
    "优抚救助": ("咨询低保申请的条件和办理流程", "反映低保资金本月没有按时发放", "咨询残疾人两项补贴如何申请"),
    "农村管理": ("反映有人在基本农田上挖土取土", "反映土地承包合同到期后纠纷", "咨询宅基地申请审批需要哪些材料"),
    "住房建设": ("反映新房交付后墙体开裂漏水", "咨询公租房申请条件", "反映房产证迟迟办不下来", "反映老旧小区改造施工扰民"),
    "交通运输": ("反映公交车到站不停", "反映出租车拒载绕路", "反映国道路面坑洼较多"),
    "市场监管": ("反映购买的商品质量有问题商家拒绝退换", "反映饭店卫生条件差", "反映超市商品价格标签与结算价不一致"),
    "生态环境": ("反映养殖场粪污直排气味难闻", "反映夜间施工噪音扰民", "反映河道有人倾倒垃圾"),
    "公共安全": ("反映小区门口经常有车辆乱停乱放", "咨询户口迁移需要哪些材料", "反映接到疑似诈骗电话"),
    "医疗卫生": ("反映医院收费不明细", "咨询医保报销比例", "反映诊所无证行医"),
    "通信服务": ("反映手机信号差经常掉线", "反映宽带故障报修后无人上门", "反映套餐资费被擅自变更"),
    "政务服务": ("反映窗口办事需要多次往返", "咨询营业执照办理流程", "反映不动产登记预约难"),
    "自然资源": ("反映有人私自采砂", "反映林地被占用", "咨询规划调整的公示情况"),
    "商贸流通": ("反映加油站油品质量问题", "咨询农贸市场摊位租赁政策", "反映市场内商户强买强卖"),
    "其它事项": ("咨询12345热线的受理范围", "反映小区邻里纠纷希望协调", "对热线工作人员热情服务表示感谢"),
}


# Where a category's first level holds unlike topics (water and power), a case under one of its own second level says
# what that one is about: a 用水困难 case that read “频繁停电” stood beside 自来水公司 in the typical cases.
SPECIFIC: dict[str, tuple[str, ...]] = {
    "水利水电—用水困难": ("反映四楼以上住户长期水压不足用水困难", "反映小区二次供水设备故障，高峰时段停水"),
    "水利水电—供水质量": ("反映自来水发黄有异味", "反映自来水中有沉淀物"),
    "水利水电—水费水价": ("反映水费账单金额明显偏高", "咨询阶梯水价如何计算"),
    "水利水电—停电故障": ("反映小区频繁停电影响生活", "反映村里变压器故障停电多时"),
    "水利水电—电费电价": ("反映电费扣费异常", "咨询峰谷电价如何申请"),
    "城市管理—物业管理": ("反映小区物业不作为，楼道垃圾长期无人清理", "反映物业擅自提高停车费"),
    "城市管理—市容市政": ("反映路边摊占道经营影响通行", "反映道路井盖破损存在安全隐患", "反映下水道堵塞，污水外溢"),
}


def caller(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(("先生", "女士"))


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "151", "155", "158", "186", "187")) + f"{rng.randrange(10**8):08d}"


def place(rng: random.Random, township: str) -> str:
    if township.endswith("街道") and rng.random() < 0.7:
        return f"{township}{rng.choice(STREETS)}{rng.choice(COMMUNITIES)}"
    return f"{township}{rng.choice(VILLAGES)}"


def content(rng: random.Random, category: str, where: str) -> str:
    level1 = category.split("—", 1)[0]
    general = DETAILS.get(level1, DETAILS["其它事项"])
    picked = rng.randrange(len(general))  # drawn as from the first level's words: the month's other draws stay as they were
    specific = SPECIFIC.get(category)
    detail = specific[picked % len(specific)] if specific else general[picked]
    return f"来电人称{where}，{detail}，希望有关部门尽快处理。"
