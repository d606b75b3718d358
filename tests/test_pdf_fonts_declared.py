"""With embeddable CJK TrueType fonts on the machine, a PDF the office prints declares no other font: nothing a
printer host would have to substitute (pdffonts lists every font the file names, used or not)."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from hotline_desk.db import Database
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import find_fonts
from hotline_desk.reports.table_pdf import build_tables
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.reporting import bulletin


def _declared_fonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(name, type, embedded) for every font pdffonts lists."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    report = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in report.splitlines()[2:] if line.strip()]
    # name type [encoding…] emb sub uni object-id generation: emb is the fifth column from the end
    return [(cells[0], cells[1], cells[-5]) for cells in rows]


def test_the_bulletin_declares_only_embedded_fonts(demo_db: Database, tmp_path: Path) -> None:
    assert find_fonts().embedded  # the machine has the free TrueType CJK fonts the app prefers
    with demo_db.session() as s:
        built = bulletin.build(s, "2022-07", clock=fixed_clock(datetime(2022, 8, 2, 9, 0)))
    fonts = _declared_fonts(built.pdf, tmp_path)
    assert fonts and all(emb == "yes" and kind == "TrueType" for _name, kind, emb in fonts), fonts
    assert not any(name.endswith("Helvetica") for name, _kind, _emb in fonts)


def test_table_pdfs_declare_only_embedded_fonts(tmp_path: Path) -> None:
    pdf = build_tables([Table("乡镇街道考核评分表", ("单位", "合计"), (("纸坊镇", "83"), ("煤山街道", "100")))],
                       find_fonts(), "考核评分表")
    fonts = _declared_fonts(pdf, tmp_path)
    assert fonts and all(emb == "yes" for _name, _kind, emb in fonts), fonts
