"""The reference data the office starts with: the seed's units in its order, types, channels, categories."""

from __future__ import annotations

import re
from pathlib import Path

from hotline_desk.db import Database
from hotline_desk.services.office import reference

SEED = Path(__file__).resolve().parent / "data" / "ruzhou-2022-07-bulletin.txt"
SCORE_ROW = re.compile(r"^(\S+) \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|$")
SEED_CATEGORIES = (
    "疾病控制—疫情防控", "文体科教—教育管理", "社会保障—工资薪金", "社会保险—养老保险", "城市管理—市容市政",
    "农村建设—村容村貌", "水利水电—用水困难", "优抚救助—低保资金", "农村管理—耕地保护", "城市管理—物业管理",
)


def test_units_in_the_seed_attachment_order(db: Database) -> None:
    with db.reader() as s:
        towns = [u.name for u in reference.list_units(s, "township")]
        depts = [u.name for u in reference.list_units(s, "department")]
    assert len(towns) == 21 and len(depts) == 22
    assert towns[:3] == ["煤山街道", "陵头镇", "骑岭乡"] and towns[-1] == "纸坊镇"
    assert depts[0] == "公安局" and depts[-1] == "住房和城乡建设局"
    rows = [m.group(1) for line in SEED.read_text(encoding="utf-8").splitlines() if (m := SCORE_ROW.match(line))]
    assert rows == towns + depts


def test_appeal_types_channels_and_seed_categories(db: Database) -> None:
    with db.reader() as s:
        types = {(a.name, a.finish_days) for a in reference.list_appeal_types(s)}
        upper = [c.name for c in reference.list_channels(s, upper=True)]
        labels = {c.label for c in reference.list_categories(s)}
    assert types == {("咨询类", 3), ("问题处理类", 5), ("投诉举报类", 10), ("建议类", 5), ("其它", 5)}
    assert upper[:3] == ["平顶山市“民呼必应”平台", "平观新闻APP", "国家政务服务平台"]
    assert set(SEED_CATEGORIES) <= labels
    assert len(labels) >= 60


def test_loading_twice_adds_nothing(db: Database) -> None:
    with db.session() as s:
        again = reference.load_defaults(s)
    assert again == reference.InitSummary(units=0, categories=0, appeal_types=0, channels=0)
