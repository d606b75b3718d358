"""``hotline-desk demo``: fill a database with a realistic month of cases, each driven through the workflow."""

from __future__ import annotations

import calendar
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.demo import plan, text
from hotline_desk.demo.director import BulkDirector, CaseSpec, Director
from hotline_desk.errors import ValidationError
from hotline_desk.models import Bulletin, Case, CaseEvent
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases.records import CaseDraft
from hotline_desk.services.clock import Clock, fixed_clock, office_now
from hotline_desk.services.office import admin, reference
from hotline_desk.services.office.calendar import parse_day_list, years_not_entered
from hotline_desk.services.office.settings import Settings, set_setting
from hotline_desk.services.reporting.bulletin import new_numbers
from hotline_desk.services.reporting.monthdata import month_end, parse_month
from hotline_desk.services.reporting.scoring import add_bonus, remove_bonus

SEED = 20220731
COORDINATE_ANSWER = "已向来电人解释相关政策并告知办理渠道。"
DISPATCH_SCRIPTS = ("ok", "exempt", "unreachable", "redo", "pending_followup", "in_review", "unreplied")


@dataclass(frozen=True)
class DemoSummary:
    month: str
    cases: int
    events: int
    bonus_items: int


Progress = Callable[[int, int], None]


def _largest_remainder(total: int, weights: dict[str, int]) -> dict[str, int]:
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)[: total - sum(out.values())]:
        out[k] += 1
    return out


def _category_counts(rng: random.Random, labels: list[str]) -> dict[str, int]:
    """The seed's ten hot topics, and the rest of the month spread thinly over every other category."""
    counts = dict(plan.HOT_TOPICS)
    others = [label for label in labels if label not in counts]
    rest = plan.LOCAL_TOTAL - sum(counts.values())
    weights = {label: rng.randint(15, 55) for label in others}
    spread = _largest_remainder(rest, weights)
    overflow = 0
    for label in others:
        if spread[label] > plan.OTHER_CATEGORY_MAX:
            overflow += spread[label] - plan.OTHER_CATEGORY_MAX
            spread[label] = plan.OTHER_CATEGORY_MAX
    for label in sorted(others, key=lambda lab: spread[lab]):
        if overflow == 0:
            break
        room = min(plan.OTHER_CATEGORY_MAX - spread[label], overflow)
        spread[label] += room
        overflow -= room
    counts.update(spread)
    return counts


def _take(pool: list[tuple[str, str]], topics: tuple[str, ...]) -> tuple[str, str]:
    """The first spec in the pool fitting the unit's topics (a category, or all of a first-level one), preferring
    cases that are not mere enquiries."""
    wanted = frozenset(topics)
    fits: dict[str, bool] = {}
    for want_non_enquiry in (True, False):
        for i, (atype, label) in enumerate(pool):
            fit = fits.get(label)
            if fit is None:
                fit = fits[label] = label in wanted or label.partition("—")[0] in wanted
            if fit and (atype != "咨询类" or not want_non_enquiry):
                return pool.pop(i)
    for i, (atype, _label) in enumerate(pool):
        if atype != "咨询类":
            return pool.pop(i)
    return pool.pop()


def _unit_specs(rng: random.Random, pool: list[tuple[str, str]], upper_pool: list[tuple[str, str]],
                channels: list[str]) -> list[CaseSpec]:
    sizes = {u.name: u.cases for u in plan.UNITS}
    upper_total = sum(plan.UPPER_CHANNELS.values())
    upper_per_unit = _largest_remainder(upper_total, sizes)
    local_per_unit = {u: sizes[u] - upper_per_unit[u] for u in sizes}
    pools = {k: _largest_remainder(v, local_per_unit) for k, v in plan.LOCAL_DISPATCH.items()}
    upper_pools = {k: _largest_remainder(v, upper_per_unit) for k, v in plan.UPPER_DISPATCH.items()}
    specs: list[CaseSpec] = []
    for unit in plan.UNITS:
        topics = plan.UNIT_TOPICS.get(unit.name, plan.TOWNSHIP_TOPICS)
        local_scripts = (["unreplied"] * unit.unreplied + ["in_review"] * unit.pending_review
                         + ["pending_followup"] * pools["pending_followup"][unit.name]
                         + ["exempt"] * pools["exempt"][unit.name] + ["unreachable"] * pools["unreachable"][unit.name])
        local_scripts += ["ok"] * (local_per_unit[unit.name] - len(local_scripts))
        upper_scripts = ["exempt"] * upper_pools["exempt"][unit.name] + ["unreachable"] * upper_pools["unreachable"][
            unit.name]
        upper_scripts += ["ok"] * (upper_per_unit[unit.name] - len(upper_scripts))
        if min(local_scripts.count("ok"), len(upper_scripts)) < 0:
            raise ValidationError(f"演示数据分配有误：{unit.name}")
        unit_specs = []
        for script in local_scripts:
            atype, label = _take(pool, topics)
            unit_specs.append(CaseSpec("local", atype, label, "dispatch", script, unit=unit.name))
        for script in upper_scripts:
            atype, label = _take(upper_pool, topics)
            unit_specs.append(CaseSpec("upper", atype, label, "dispatch", script, unit=unit.name,
                                       channel=channels.pop()))
        ok_cases = [s for s in unit_specs if s.script == "ok"]
        for spec in ok_cases[: unit.late_signs]:
            spec.late_sign = True
        specs += unit_specs
    return specs


def build_specs(rng: random.Random, category_labels: list[str]) -> list[CaseSpec]:
    """Every case of the demo month with its type, category, unit and how far it gets."""
    counts = _category_counts(rng, category_labels)
    categories = [label for label, n in counts.items() for _ in range(n)]
    types = [atype for atype, n in plan.APPEAL_TYPE_COUNTS.items() for _ in range(n)]
    rng.shuffle(categories)
    rng.shuffle(types)
    pool = list(zip(types, categories, strict=True))
    upper_total = sum(plan.UPPER_CHANNELS.values())
    upper_pool = [(rng.choice(list(plan.APPEAL_TYPE_COUNTS)[:4]), rng.choice(category_labels))
                  for _ in range(upper_total)]
    channels = [name for name, n in plan.UPPER_CHANNELS.items() for _ in range(n)]
    rng.shuffle(channels)
    specs = _unit_specs(rng, pool, upper_pool, channels)
    coordinate_scripts = ["exempt"] * plan.COORDINATE["exempt"] + ["unreachable"] * plan.COORDINATE["unreachable"]
    coordinate_scripts += ["ok"] * (len(pool) - len(coordinate_scripts))
    rng.shuffle(coordinate_scripts)
    specs += [CaseSpec("local", atype, label, "coordinate", script)
              for (atype, label), script in zip(pool, coordinate_scripts, strict=True)]
    _mark_variants(rng, specs)
    return specs


def _mark_variants(rng: random.Random, specs: list[CaseSpec]) -> None:
    ok_local = [s for s in specs if s.handling == "dispatch" and s.script == "ok" and not s.late_sign]
    rng.shuffle(ok_local)
    chosen = iter(ok_local)
    for variant, count in (("redo", plan.REDO_CASES), ("returned", plan.RETURNED_CASES),
                           ("rejected", plan.REJECTED_PROPOSALS), ("extension", plan.EXTENSIONS)):
        for _ in range(count):
            spec = next(chosen)
            if variant == "redo":
                spec.script = "redo"
            else:
                spec.variant = variant
    for spec in [s for s in specs if s.script == "unreplied"][:3]:
        spec.variant = "supervise"


# Days of the month within which a case of each kind is registered, so its story ends by the cut-off.
WINDOWS = {"coordinate": (1, 31), "ok": (1, 22), "exempt": (1, 22), "unreachable": (1, 22), "redo": (1, 16),
           "pending_followup": (24, 29), "in_review": (18, 25), "unreplied": (24, 29)}


def _assign_times(rng: random.Random, specs: list[CaseSpec], month: str) -> None:
    year, mon = parse_month(month)
    last_day = calendar.monthrange(year, mon)[1]
    for spec in specs:
        key = "coordinate" if spec.handling == "coordinate" else spec.script
        first, last = WINDOWS[key]
        day = rng.randint(first, min(last, last_day))
        minute = rng.randint(8 * 60, 21 * 60 + 30)
        spec.registered_at = datetime(year, mon, day, minute // 60, minute % 60)


# The State Council's notice for the year of the seed bulletin, entered with the demo month as an office would have
# it: without it every dispatch said the year's holidays were not entered.
HOLIDAYS = {2022: """国务院办公厅关于2022年部分节假日安排的通知
一、元旦：2022年1月1日至3日放假，共3天。
二、春节：1月31日至2月6日放假调休，共7天。1月29日（星期六）、1月30日（星期日）上班。
三、清明节：4月3日至5日放假调休，共3天。4月2日（星期六）上班。
四、劳动节：4月30日至5月4日放假调休，共5天。4月24日（星期日）、5月7日（星期六）上班。
五、端午节：6月3日至5日放假，共3天。
六、中秋节：9月10日至12日放假，共3天。
七、国庆节：10月1日至7日放假调休，共7天。10月8日（星期六）、10月9日（星期日）上班。
"""}


def _enter_holidays(session: Session, by: Actor, year: int, clock: Clock) -> None:
    if year in HOLIDAYS and years_not_entered(session, {year}):
        admin.set_days(session, by, parse_day_list(HOLIDAYS[year]), clock=clock)


def _staff(session: Session) -> dict[str, list[Actor]]:
    admin = next((u for u in users.list_users(session) if u.role == "admin"), None)
    if admin is None:
        admin = users.add_user(session, None, "admin", "管理员", "admin")
    wanted = (("demo_op1", "张丽", "operator"), ("demo_op2", "王芳", "operator"), ("demo_op3", "刘洋", "operator"),
              ("demo_sup1", "李强", "supervisor"), ("demo_sup2", "赵敏", "supervisor"))
    known = {u.username: u for u in users.list_users(session)}
    staff: dict[str, list[Actor]] = {"operator": [], "supervisor": [], "admin": [admin]}
    for username, name, role in wanted:
        actor = known.get(username) or users.add_user(session, admin, username, name, role)
        staff[role].append(actor)
    return staff


def check_demo_month(month: str, *, clock: Clock = office_now) -> None:
    """Refuse a month the demo cannot fill: not a month, or one not over yet (its calls and steps run to the
    month's last evening, and would be dated after now). Checked before any database is opened or made."""
    parse_month(month)
    if month_end(month) > clock():
        raise ValidationError(f"{month}还没有结束：演示工单的来电和办理一直排到该月最后一天，会晚于现在。"
                              "请选一个已经结束的月份（如上个月）。")


def run_demo(session: Session, month: str = "2022-07", progress: Progress | None = None, *,
             through_services: bool = False, clock: Clock = office_now, sample: int = 1) -> DemoSummary:
    """Register the demo month's cases and tell each one's story; refuses a month that has cases, and one not over
    yet (its calls and steps run to the month's last evening, and would be dated after now).

    The stories are written through the bulk path (seconds); ``through_services`` drives every step through the
    guarded workflow services instead (minutes), which writes the same histories and checks every rule on the way.
    ``sample`` keeps only every so many calls of the month, in the order they came, and every one with a rarer story
    (returned, rejected, extended, supervised, handled again): a shorter month with stories of every kind, not the
    seed's numbers.
    """
    check_demo_month(month, clock=clock)
    if session.scalar(select(func.count(Case.id)).where(Case.month == month)):
        raise ValidationError(f"{month}已有工单，演示数据只能装入没有工单的月份。")
    reference.load_defaults(session)
    staff = _staff(session)
    _enter_holidays(session, staff["admin"][0], int(month[:4]), clock)
    rng = random.Random(SEED)
    labels = [c.label for c in reference.list_categories(session)]
    specs = build_specs(rng, labels)
    _assign_times(rng, specs, month)
    specs.sort(key=lambda s: s.registered_at or datetime.min)
    specs = [spec for i, spec in enumerate(specs) if i % sample == 0 or spec.variant or spec.script == "redo"]
    units = {u.name: u.id for u in reference.list_units(session, include_inactive=True)}
    types = {a.name: a.id for a in reference.list_appeal_types(session)}
    cats = {c.label: c.id for c in reference.list_categories(session)}
    channels = {c.name: c.id for c in reference.list_channels(session)}
    local_channel = reference.list_channels(session, upper=False)[0].id
    towns = [u for u in units if u.endswith(("镇", "乡", "街道"))]
    director = (Director if through_services else BulkDirector)(session, rng, staff, units, month_end(month))
    recent_phones: list[str] = []
    for i, spec in enumerate(specs):
        township = spec.unit if spec.unit in towns else rng.choice(towns)
        phone = rng.choice(recent_phones) if recent_phones and rng.random() < 0.06 else text.phone(rng)
        recent_phones = [*recent_phones, phone][-50:]
        where = text.place(rng, township)
        draft = CaseDraft(
            content=text.content(rng, spec.category, where), registered_at=spec.registered_at, source=spec.source,
            channel_id=channels[spec.channel] if spec.channel else local_channel,
            upstream_number=f"SJ{spec.registered_at:%y%m%d}{i:04d}" if spec.source == "upper" else "",
            caller_name=text.caller(rng), phone=phone, address=where, township_id=units[township],
            appeal_type_id=types[spec.appeal_type], category_id=cats[spec.category],
            handling=spec.handling, answer=COORDINATE_ANSWER if spec.handling == "coordinate" else "",
            unit_id=units[spec.unit] if spec.unit and spec.variant not in ("rejected", "returned") else None,
        )
        if spec.variant in ("rejected", "returned"):
            draft.unit_id = units[_wrong_unit(rng, spec.unit or "", list(units))]
        director.register(spec, draft)
        if spec.handling == "coordinate":
            director.coordinate_followup(spec)
        else:
            director.dispatch(spec)
        if progress and (i % 200 == 0 or i == len(specs) - 1):
            progress(i + 1, len(specs))
    director.finish()
    bonus_items = _bonus(session, month, staff, units, now=clock())
    _bulletin_draft(session, month, staff["admin"][0])
    events = session.scalar(select(func.count()).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
                            .where(Case.month == month)) or 0
    return DemoSummary(month=month, cases=len(specs), events=events, bonus_items=bonus_items)


def _wrong_unit(rng: random.Random, right: str, names: list[str]) -> str:
    return rng.choice([n for n in names if n != right])


def _bonus(session: Session, month: str, staff: dict[str, list[Actor]], units: dict[str, int], *,
           now: datetime) -> int:
    """The month's 附加分, entered the next morning (09:00, one taken back at 10:00), or earlier when the demo is
    built before then: never after now (a demo built at 08:30 told every station its clock was set back)."""
    year, mon = parse_month(month)
    entered_at = max(month_end(month), min(month_end(month) + timedelta(hours=9), now - timedelta(hours=1)))
    clock = fixed_clock(entered_at)
    supervisor = staff["supervisor"][0]
    count = 0
    for unit in plan.UNITS:
        for points, reason in unit.bonus:
            add_bonus(session, supervisor, month, units[unit.name], points, reason, clock=clock,
                      item_date=date(year, mon, 28), approved_by=staff["admin"][0].id)
            count += 1
    name, points, reason, why = plan.WITHDRAWN_BONUS
    item = add_bonus(session, supervisor, month, units[name], points, reason, clock=clock,
                     item_date=date(year, mon, 28))
    taken_back = min(entered_at + timedelta(hours=1), max(now, entered_at))
    remove_bonus(session, staff["supervisor"][1], item.id, why, clock=fixed_clock(taken_back))
    return count + 1


def _bulletin_draft(session: Session, month: str, admin: Actor) -> None:
    """The demo issue's editorial parts: call volume, unit remarks and narrative (sample wording)."""
    if not Settings(session).int("bulletin.last_total_issue"):  # the seed's issue before July 2022's, once
        set_setting(session, "bulletin.last_total_issue", 261, user_id=admin.id, at=month_end(month))
    existing = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if existing is not None:
        return
    # numbered as the office's next issue (July 2022 of a new office: 第7期, 总第262期, as the seed)
    year_issue, total_issue = new_numbers(session, month)
    typical = []
    for unit_name, topic, done in plan.TYPICAL_UNITS:
        unit_id = reference.find_unit(session, unit_name).id
        chosen = (select(Case.number, Case.title, Case.content).where(Case.month == month, Case.state == "finished",
                                                         Case.confidential.is_(False), Case.main_unit_id == unit_id)
                  .order_by(Case.id).limit(1))  # its words are printed: no 保密 case's
        found = session.execute(chosen.where(Case.title.contains(topic))).first() or session.execute(chosen).first()
        if found is not None:  # the topic as a bulletin words it: not the caller's village (来电人称…村，反映…),
            # whole, from the words (the title is cut short: “工资一直没有” was printed for “工资一直没有结清”)
            said = found.content.split("，", 1)[-1].split("，希望", 1)[0]
            words = said.split("反映", 1)[-1]
            typical.append({"number": found.number, "polarity": "positive",
                            "text": f"{unit_name}承办的“{words}”问题，{done}"})
    sections = [
        {"title": "热点问题", "paragraphs": [plan.NARRATIVE_HOT]},
        {"title": "典型案例", "paragraphs": [], "typical": True},
        {"title": "业务工作", "paragraphs": list(plan.NARRATIVE_WORK)},
    ]
    session.add(Bulletin(
        month=month, year_issue=year_issue, total_issue=total_issue,
        issue_date=month_end(month).date() + timedelta(days=1), call_volume="约1.1万人次",
        good_units="市场监督管理局、煤矿安全监察局", bad_units="纸坊镇人民政府、住房和城乡建设局",
        sections=json.dumps(sections, ensure_ascii=False), typical_cases=json.dumps(typical, ensure_ascii=False),
        status="draft", cutoff=month_end(month), updated_at=month_end(month),
    ))
