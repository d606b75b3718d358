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
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
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


def _page_image(pdf: Path, page: int, folder: Path) -> QImage:
    stem = folder / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", "30", "-gray", "-singlefile", "-png",
                    str(pdf), str(stem)], check=True)
    image = QImage(str(stem.with_suffix(".png")))
    assert not image.isNull()
    return image.convertToFormat(QImage.Format.Format_Grayscale8)


def _ink_box(image: QImage) -> QImage:
    """The part of the page that carries ink, scaled to one size: a printer's margins shrink and shift the page,
    so pages are compared by what is printed on them."""
    dark = [(x, y) for y in range(image.height()) for x in range(image.width()) if image.pixelColor(x, y).value() < 160]
    assert dark, "a blank page"
    xs, ys = [x for x, _y in dark], [y for _x, y in dark]
    box = image.copy(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
    return box.scaled(30, 42, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def _difference(a: QImage, b: QImage) -> float:
    """Mean grey-level difference (0…255) of two inked areas."""
    total = sum(abs(a.pixelColor(x, y).value() - b.pixelColor(x, y).value())
                for y in range(a.height()) for x in range(a.width()))
    return total / (a.width() * a.height())


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
    printed_pages = view.print_to(printer)  # what 打印… does after the print dialog
    assert printed_pages == _pages(app_pdf)

    printed = tmp_path / "printed.pdf"
    printed.write_bytes(_wait_for_output(job))

    pages = _pages(app_pdf)
    assert _pages(printed) == pages
    ours = [_ink_box(_page_image(app_pdf, n, tmp_path)) for n in range(1, pages + 1)]
    theirs = [_ink_box(_page_image(printed, n, tmp_path)) for n in range(1, pages + 1)]
    for n, page in enumerate(ours):
        # The printer gets the pages as 300 dpi images (no text to read back), so each page of the app's PDF is
        # compared with every printed page: its own printed page, in the same place, must look most like it.
        distances = [_difference(page, paper) for paper in theirs]
        assert min(range(pages), key=distances.__getitem__) == n, f"page {n + 1}: {distances}"
