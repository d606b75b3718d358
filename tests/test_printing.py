"""Printing the bulletin through a real CUPS queue (cups-pdf), the way the 打印… button does, and reading back
what the printer was given: as many pages as the app's PDF, each looking like its own page."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.bulletin_view import BulletinView
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context

PRINTER = os.environ.get("HOTLINE_DESK_TEST_PRINTER", "")
OUT = Path(os.environ.get("HOTLINE_DESK_TEST_PRINT_OUT", "/nonexistent"))
# cups-pdf files a job of a user the system does not know under its folder for anonymous jobs.
PRINT_USER = "hotline-print-test"
DPI = 40  # both PDFs are rasterised at this resolution
COMPARED = (60, 90)  # each page's inked area is scaled to this size
# Mean grey-level difference (0…255) that two renderings of the same page stay under (seen: 3 to 9); another page
# of the bulletin differs by 14 or more, a blank page by 16 or more.
SAME_PAGE = 12.0

pytestmark = pytest.mark.skipif(
    not PRINTER or not os.environ.get("CUPS_SERVER"),
    reason="没有测试用打印服务器：scripts/test.sh 用 scripts/cups-server.sh 启动一个（需要 root 和 cups-pdf）")


def _use_test_server() -> None:
    """Point this process's CUPS client at the test server, also if an earlier test already asked the default one
    (libcups keeps the first server and user it saw)."""
    name = ctypes.util.find_library("cups")
    if name is None:
        pytest.skip("没有 libcups")
    cups = ctypes.CDLL(name)
    cups.cupsSetServer(os.environ["CUPS_SERVER"].encode())
    cups.cupsSetUser(PRINT_USER.encode())


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _page_image(pdf: Path, page: int, folder: Path) -> Image.Image:
    """One page rasterised at a low resolution (the same for the app's PDF and for what the printer got)."""
    stem = folder / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), "-gray", "-singlefile", "-png",
                    str(pdf), str(stem)], check=True)
    return Image.open(stem.with_suffix(".png")).convert("L")


def _inked(image: Image.Image) -> Image.Image:
    """What is printed on the page, cropped to its inked area and scaled to one size: the printer's margins shrink
    and shift the page. Ink is taken as ink whatever its grey (a 300 dpi picture prints thin lines lighter), and
    softened, so the comparison is of the page's layout and text, not of single pixels."""
    box = image.point(lambda v: 255 if v < 230 else 0).getbbox()
    assert box is not None, "a blank page"
    ink = image.crop(box).point(lambda v: 0 if v < 200 else 255)
    return ink.filter(ImageFilter.GaussianBlur(2)).resize(COMPARED, Image.Resampling.BOX)


def _proportions(image: Image.Image) -> float:
    """Width over height of the page's inked area."""
    box = image.point(lambda v: 255 if v < 230 else 0).getbbox()
    assert box is not None, "a blank page"
    return (box[2] - box[0]) / (box[3] - box[1])


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean grey-level difference (0…255) of two inked areas."""
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def _wait_for_output(job: str, seconds: float = 180) -> bytes:
    """The PDF cups-pdf wrote for the job, once complete; the file is removed from the shared folder."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in OUT.glob(f"{job}*.pdf"):
            data = path.read_bytes()
            if b"%%EOF" in data[-1024:]:
                time.sleep(0.5)
                if path.read_bytes() == data:
                    path.unlink()
                    return data
        time.sleep(0.5)
    raise AssertionError(f"cups-pdf wrote nothing complete for {job} in {OUT}")


def test_the_bulletin_prints_through_a_cups_queue_page_for_page(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    _use_test_server()
    assert PRINTER in QPrinterInfo.availablePrinterNames()  # the app sees the queue as any installed printer
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    clock.set(clock.now.replace(month=8, day=3))
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.built, timeout=120_000):
        view.start_preview()
    app_pdf = tmp_path / "app.pdf"
    app_pdf.write_bytes(view.pdf_bytes)

    printer = QPrinter(QPrinterInfo.printerInfo(PRINTER), QPrinter.PrinterMode.HighResolution)
    job = f"hotline-print-{uuid.uuid4().hex[:10]}"
    printer.setDocName(job)
    assert printer.printerName() == PRINTER and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    said: list[str] = []
    view.ctx.signals.notice.connect(said.append)
    printed_pages = view.print_to(printer)  # what 打印… does after the print dialog
    assert said == [f"已将 2022-07 简报（{printed_pages} 页）送到打印机 {PRINTER}"]
    assert printed_pages == _pages(app_pdf)

    printed = tmp_path / "printed.pdf"
    printed.write_bytes(_wait_for_output(job))

    pages = _pages(app_pdf)
    assert _pages(printed) == pages
    app_pages = [_page_image(app_pdf, n, tmp_path) for n in range(1, pages + 1)]
    paper_pages = [_page_image(printed, n, tmp_path) for n in range(1, pages + 1)]
    for n, (page, paper) in enumerate(zip(app_pages, paper_pages, strict=True)):  # scaled to fit, never stretched
        assert abs(_proportions(paper) / _proportions(page) - 1) < 0.01, f"page {n + 1} printed out of proportion"
    ours = [_inked(page) for page in app_pages]
    theirs = [_inked(paper) for paper in paper_pages]
    for n, page in enumerate(ours):
        # The printer gets the pages as 300 dpi images (no text to read back): each printed page, rasterised at
        # the same low resolution as the app's page, must look like it (a blank, shifted or other page does not),
        # and more like it than like any other page.
        distances = [_difference(page, paper) for paper in theirs]
        assert distances[n] <= SAME_PAGE, f"page {n + 1} differs from the PDF by {distances[n]:.1f}: {distances}"
        assert min(range(pages), key=distances.__getitem__) == n, f"page {n + 1}: {distances}"
