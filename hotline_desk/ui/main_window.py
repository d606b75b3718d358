"""The main window: navigation on the left, the chosen view on the right, a home view with today's numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.db import Database
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.overview import overview
from hotline_desk.services.permissions import Actor

NAV_ITEMS = ("首页", "工单登记", "工单查询", "待审核", "交办跟踪", "回访", "考核评分", "月度简报", "设置")


class HomeView(QWidget):
    """Today's work at a glance."""

    def __init__(self, db: Database, clock: Clock) -> None:
        super().__init__()
        self._db = db
        self._clock = clock
        layout = QGridLayout(self)
        self._labels: dict[str, QLabel] = {}
        tiles = (("today", "今日登记"), ("pending_approval", "待审核"), ("near_deadline", "临期"),
                 ("overdue", "超期"), ("followups_due", "待回访"))
        for i, (key, title) in enumerate(tiles):
            box = QVBoxLayout()
            caption = QLabel(title)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            value = QLabel("0")
            value.setObjectName(f"tile_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            value.setStyleSheet("font-size: 28pt; font-weight: bold;")
            box.addWidget(value)
            box.addWidget(caption)
            layout.addLayout(box, 0, i)
            self._labels[key] = value
        layout.setRowStretch(1, 1)
        self.refresh()

    def refresh(self) -> None:
        with self._db.reader() as session:
            numbers = overview(session, self._clock())
        for key, label in self._labels.items():
            label.setText(str(getattr(numbers, key)))


class MainWindow(QMainWindow):
    def __init__(self, db: Database, actor: Actor, clock: Clock = office_now) -> None:
        super().__init__()
        self.setWindowTitle(f"12345热线工作台 — {actor.display_name}（{actor.role_label}）")
        self.resize(1200, 760)
        central = QWidget()
        row = QHBoxLayout(central)
        self.nav = QListWidget()
        self.nav.addItems(list(NAV_ITEMS))
        self.nav.setFixedWidth(140)
        self.pages = QStackedWidget()
        self.home = HomeView(db, clock)
        self.pages.addWidget(self.home)
        for title in NAV_ITEMS[1:]:
            placeholder = QLabel(f"{title}：功能建设中")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.pages.addWidget(placeholder)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)
