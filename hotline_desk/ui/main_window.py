"""The main window: navigation on the left, the chosen view on the right, a home view with today's work."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.services.cases.overview import overview
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read

PAGES = (
    ("home", "首页", ""), ("entry", "工单登记", "register"), ("list", "工单查询", ""),
    ("approval", "待审核", "approve"), ("tracking", "交办跟踪", "sign"), ("followup", "回访", "followup"),
    ("scoring", "考核评分", ""), ("bulletin", "月度简报", ""), ("settings", "设置", "manage_settings"),
)
NAV_ITEMS = tuple(label for _key, label, _need in PAGES)


class HomeView(QWidget):
    """Today's work at a glance; each tile opens its list."""

    TILES = (("today", "今日登记", "list"), ("pending_approval", "待审核", "approval"),
             ("near_deadline", "临期", "tracking"), ("overdue", "超期", "list"),
             ("followups_due", "待回访", "followup"))

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        greeting = QLabel(f"{ctx.actor.display_name}（{ctx.actor.role_label}），您好。")
        greeting.setStyleSheet("font-size: 14pt;")
        layout.addWidget(greeting)
        grid = QGridLayout()
        self.tiles: dict[str, QPushButton] = {}
        self._titles = {key: title for key, title, _page in self.TILES}
        for i, (key, _title, page) in enumerate(self.TILES):
            button = QPushButton()
            button.setObjectName(f"tile_{key}")
            button.setMinimumSize(150, 110)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, k=key, p=page: self._open(k, p))
            grid.addWidget(button, 0, i)
            self.tiles[key] = button
        layout.addLayout(grid)
        layout.addStretch()
        ctx.signals.cases_changed.connect(self.refresh)
        self.refresh()

    def count(self, key: str) -> int:
        return int(self.tiles[key].property("count") or 0)

    def refresh(self) -> None:
        numbers = read(self.ctx, lambda s: overview(s, self.ctx.clock()))
        colours = {"overdue": "#B00020", "near": "#B26A00"}
        for key, button in self.tiles.items():
            value = getattr(numbers, key)
            button.setProperty("count", value)
            button.setText(f"{value}\n{self._titles[key]}")
            colour = colours.get(key.split("_")[0]) if value else None
            button.setStyleSheet(f"font-size: 20pt; {'color: ' + colour + ';' if colour else ''}")

    def _open(self, key: str, page: str) -> None:
        values: dict[str, Any] = {}
        if key == "today":
            values = {"day": self.ctx.clock().date()}
        elif key == "overdue":
            values = {"overdue": True}
        self.ctx.signals.navigate.emit(page, values)


class MainWindow(QMainWindow):
    def __init__(self, ctx: UiContext, factories: dict[str, Callable[[UiContext], QWidget]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(f"12345热线工作台 — {ctx.actor.display_name}（{ctx.actor.role_label}）")
        self.resize(1280, 800)
        central = QWidget()
        row = QHBoxLayout(central)
        self.nav = QListWidget()
        self.nav.setFixedWidth(130)
        self.nav.setStyleSheet("QListWidget { font-size: 12pt; } QListWidget::item { padding: 8px; }")
        self.pages = QStackedWidget()
        self.page_keys: list[str] = []
        self.views: dict[str, QWidget] = {}
        self._makers = factories or default_factories()
        for key, label, need in PAGES:
            if need and not ctx.actor.can(need):
                continue
            self.page_keys.append(key)
            # Views are built the first time they are opened, so the window shows at once on a big database.
            holder = HomeView(ctx) if key == "home" else _placeholder("正在打开……")
            if key == "home":
                self.views[key] = holder
            self.pages.addWidget(holder)
            QListWidgetItem(label, self.nav)
        self.nav.currentRowChanged.connect(self._open_row)
        self.nav.setCurrentRow(0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.home = self.views["home"]
        ctx.signals.navigate.connect(self.show_page)
        self.statusBar().showMessage(f"数据库：{ctx.db.display_name}")

    def _open_row(self, row: int) -> None:
        if row < 0:
            return
        key = self.page_keys[row]
        if key not in self.views:
            labels = {k: label for k, label, _need in PAGES}
            view = self._makers[key](self.ctx) if key in self._makers else _placeholder(labels[key])
            old = self.pages.widget(row)
            self.pages.insertWidget(row, view)
            if old is not None:
                self.pages.removeWidget(old)
                old.deleteLater()
            self.views[key] = view
        self.pages.setCurrentIndex(row)

    def show_page(self, key: str, values: dict[str, Any] | None = None) -> None:
        if key not in self.page_keys:
            return
        self.nav.setCurrentRow(self.page_keys.index(key))
        view = self.views[key]
        apply = getattr(view, "apply", None)
        if values and apply is not None:
            apply(**values)


def _placeholder(label: str) -> QWidget:
    text = QLabel(f"{label}")
    text.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return text


VIEW_CLASSES = {
    "entry": ("hotline_desk.ui.case_entry", "CaseEntryView"), "list": ("hotline_desk.ui.case_list", "CaseListView"),
    "approval": ("hotline_desk.ui.queues", "ApprovalView"), "tracking": ("hotline_desk.ui.queues", "TrackingView"),
    "followup": ("hotline_desk.ui.queues", "FollowUpView"), "scoring": ("hotline_desk.ui.scoring_view", "ScoringView"),
    "bulletin": ("hotline_desk.ui.bulletin_view", "BulletinView"),
    "settings": ("hotline_desk.ui.settings_view", "SettingsView"),
}


def _lazy(module: str, name: str) -> Callable[[UiContext], QWidget]:
    """A view's constructor, imported when the view is first opened (ReportLab and QtPdf load only then)."""
    def make(ctx: UiContext) -> QWidget:
        view: QWidget = getattr(importlib.import_module(module), name)(ctx)
        return view

    return make


def default_factories() -> dict[str, Callable[[UiContext], QWidget]]:
    return {key: _lazy(module, name) for key, (module, name) in VIEW_CLASSES.items()}
