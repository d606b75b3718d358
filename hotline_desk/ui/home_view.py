"""首页: the supervisor's dashboard — today, this month, the queues, the last 30 days as bars, the units holding the
most overdue cases. Every figure opens the list behind it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.services.cases.overview import Overview, overview
from hotline_desk.services.cases.queues import approval_alert, queue
from hotline_desk.services.cases.records import find_case
from hotline_desk.services.maintenance.opening import zone_notice
from hotline_desk.services.office.admin import lone_admin_words, setup_words
from hotline_desk.services.office.calendar import ASK_FOR_HOLIDAYS, ENTER_HOLIDAYS_ADMIN, missing_years_notice
from hotline_desk.services.reporting.monthdata import last_month_unfinalised
from hotline_desk.ui.accessible_names import announce
from hotline_desk.ui.changes import Change, each_minute, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.drafts import drafts_unwritable, kept_steps, step_label
from hotline_desk.ui.feedback import read, read_or_warn
from hotline_desk.ui.plain_text import shown as plain_shown
from hotline_desk.ui.widgets import WARNING_STYLE, clear_layout, run_modal
from hotline_desk.vocabulary import Permission

OVERDUE_COLOUR = "#B00020"
NEAR_COLOUR = "#B26A00"


class DayBars(QWidget):
    """Cases registered per day as bars; a click on a bar opens that day's cases. From the keyboard too: Tab reaches
    the chart, ←/→ (Home, End) choose a day, said to a screen reader, and Enter opens it."""

    day_clicked = Signal(object)  # a date

    def __init__(self) -> None:
        super().__init__()
        self.days: tuple[tuple[date, int], ...] = ()
        self.rest_days: frozenset[date] = frozenset()  # shaded as the calendar has them (a 调休 Saturday is worked)
        self.chosen: int | None = None  # the bar the keyboard is on
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(110)  # room for the home page's notices on a laptop at 125% display scaling
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(600, 180)

    def set_days(self, days: tuple[tuple[date, int], ...], rest_days: frozenset[date] = frozenset()) -> None:
        day = self.days[self.chosen][0] if self.chosen is not None and self.chosen < len(self.days) else None
        self.days, self.rest_days = days, rest_days
        # the day the keyboard was on stays chosen as the days move on (each minute reads them again)
        self.chosen = next((i for i, (d, _n) in enumerate(days) if d == day), None)
        peak = max((n for _d, n in days), default=0)
        total = sum(n for _d, n in days)
        self.setToolTip(f"近{len(days)}天共登记 {total} 件，单日最多 {peak} 件。点击柱子查看当天的工单。")
        self.setAccessibleDescription(f"近{len(days)}天共登记 {total} 件，单日最多 {peak} 件。"
                                      "←/→ 逐日选择，Enter 查看当天的工单。")
        self.update()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()  # the day the keyboard is on, framed

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, last = event.key(), len(self.days) - 1
        now = last if self.chosen is None else self.chosen
        moves = {Qt.Key.Key_Left: max(now - 1, 0), Qt.Key.Key_Right: min(now + 1, last), Qt.Key.Key_Home: 0,
                 Qt.Key.Key_End: last}
        if not self.days or (key not in moves and key not in self.OPEN_KEYS):
            super().keyPressEvent(event)
            return
        if key in self.OPEN_KEYS:
            if self.chosen is not None:
                self.day_clicked.emit(self.days[self.chosen][0])
            return
        # the first arrow lands on the latest day; later ones move from the day chosen
        at = last if self.chosen is None and key in (Qt.Key.Key_Left, Qt.Key.Key_Right) else moves[Qt.Key(key)]
        self.chosen = at
        day, n = self.days[at]
        rest = "，周末或节假日" if day in self.rest_days else ""
        announce(self, f"{day:%m-%d} 登记 {n} 件{rest}")
        self.update()

    def _bar_rects(self) -> list[QRect]:
        if not self.days:
            return []
        area = self.rect().adjusted(8, 20, -8, -24)  # room for the tallest bar's number and the dates
        peak = max(max(n for _d, n in self.days), 1)
        step = area.width() / len(self.days)
        rects = []
        for i, (_day, n) in enumerate(self.days):
            height = int(area.height() * n / peak)
            left = area.left() + int(i * step) + 1
            rects.append(QRect(left, area.bottom() - height, max(int(step) - 2, 1), height))
        return rects

    def bar_at(self, point: QPoint) -> date | None:
        rects = self._bar_rects()
        for (day, _n), rect in zip(self.days, rects, strict=True):
            if rect.left() <= point.x() <= rect.right():
                return day
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        bar = QColor("#2F6DB5")
        weekend = QColor("#8FA9C9")
        rects = self._bar_rects()
        small = painter.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.8, 6.0))
        painter.setFont(small)
        metrics = painter.fontMetrics()
        for (day, _n), rect in zip(self.days, rects, strict=True):
            painter.fillRect(rect, weekend if day in self.rest_days else bar)
        if self.hasFocus() and self.chosen is not None and self.chosen < len(rects):  # the day the keyboard is on
            column = rects[self.chosen]
            painter.setPen(QColor("#E65100"))
            painter.drawRect(column.left() - 1, self.rect().top() + 4, column.width() + 1, self.height() - 8)
        painter.setPen(palette.text().color())
        for place, text in self.number_labels(metrics.horizontalAdvance):
            painter.drawText(place, Qt.AlignmentFlag.AlignCenter, text)
        painter.setPen(palette.text().color())
        if not any(n for _day, n in self.days):  # a blank box read as a chart that failed to draw
            painter.setFont(self.font())
            painter.drawText(self.rect().adjusted(0, 0, 0, -24), Qt.AlignmentFlag.AlignCenter,
                             f"近{len(self.days)}天没有登记工单" if self.days else "")
            painter.setFont(small)
        for left, text in self.date_labels(metrics.horizontalAdvance):
            painter.drawText(QRect(left, self.height() - 20, metrics.horizontalAdvance(text) + 2, 18),
                             Qt.AlignmentFlag.AlignLeft, text)
        painter.end()

    def number_labels(self, width_of: Callable[[str], int]) -> list[tuple[QRect, str]]:
        """Each day's count above its bar; a number wider than its bar (a narrow chart at a larger screen setting)
        where its neighbour's leaves room, every other bar: they were left out, all but the two-digit ones."""
        said: list[tuple[QRect, str]] = []
        last_right = -1
        for (_day, n), rect in zip(self.days, self._bar_rects(), strict=True):
            wide = width_of(str(n)) + 2
            left = rect.center().x() - wide // 2
            if n and (rect.width() + 6 >= wide or left > last_right):
                said.append((QRect(left, rect.top() - 16, wide, 14), str(n)))
                last_right = left + wide
        return said

    def date_labels(self, width_of: Callable[[str], int]) -> list[tuple[int, str]]:
        """Where the dates under the bars go: each Monday and each month's first day, each centred under its bar,
        never two on top of each other (a month's first day wins over the Monday beside it)."""
        kept: list[tuple[int, str, bool]] = []
        for (day, _n), rect in zip(self.days, self._bar_rects(), strict=True):
            if day.day != 1 and day.weekday() != 0:
                continue
            text, first = f"{day.month}/{day.day}", day.day == 1
            # centred under its own bar: “1/1” set from the bar's left sat under 12/31's
            left = min(max(rect.center().x() - width_of(text) // 2, 0), max(self.width() - width_of(text), 0))
            if kept and left < kept[-1][0] + width_of(kept[-1][1]) + 4:
                if first and not kept[-1][2]:
                    kept[-1] = (left, text, first)
                continue
            kept.append((left, text, first))
        return [(left, text) for left, text, _first in kept]

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        day = self.bar_at(event.position().toPoint())
        if day is not None:
            self.day_clicked.emit(day)


def _notice(layout: QVBoxLayout, name: str, style: str) -> QLabel:
    """A line of the home page shown only while there is something to say."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    reached_by_tab(label)
    label.hide()
    layout.addWidget(label)
    return label


def reached_by_tab(label: QLabel) -> None:
    """A line Tab stops at, its words then said by a screen reader (a notice shown in colour alone was never heard:
    no focus went there); its text can be selected and copied from the keyboard too."""
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # after: the flags set a label to take a click's focus alone
    # where the keyboard is, seen: a label shows no focus of its own (a border kept, so nothing moves)
    label.setStyleSheet(f"QLabel {{ {label.styleSheet()} border: 1px solid transparent; }} "
                        "QLabel:focus { border-color: #1565C0; }")


# The unfinished step forms named on the home page, each a button; the rest counted.
KEPT_NAMED = 4

# The queues' tiles for one who works none of them (督查), as 工单查询 lists them by state.
READING_LISTS = {"pending_approval": "proposed", "followups_due": "pending_followup"}


class HomeView(QWidget):
    """Each figure is a button that opens its list."""

    TILES = (("today", "今日登记", "list"), ("month_total", "本月登记", "list"),
             ("month_finished", "本月已办结", "list"),
             ("pending_approval", "待审核", "approval"), ("near_deadline", "办理临期", "tracking"),
             ("overdue", "办理超期", "list"), ("followups_due", "待回访", "followup"))
    # What each figure counts, on its tooltip (the words themselves are explained in 帮助, F1).
    TILE_TIPS: ClassVar[dict[str, str]] = {
        "today": "今天登记的工单", "month_total": "本月登记的工单（不含作废的）",
        "month_finished": "本月登记、已经办结的工单", "pending_approval": "话务员拟交办、等待审核员审核的工单",
        "rejected": "审核员驳回、退给您修改后重新提交的工单", "near_deadline": "快到办理期限、单位还没有回复的工单",
        "overdue": "过了办理期限、单位还没有回复的工单", "followups_due": "已回复或已协调办理、等待回访的工单",
    }

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.numbers: Overview | None = None
        layout = QVBoxLayout(self)
        greeting = QLabel(f"{ctx.actor.display_name}（{ctx.actor.role_label}），您好。")
        greeting.setStyleSheet("font-size: 14pt;")
        layout.addWidget(greeting)
        self.tile_grid = QGridLayout()
        self._tile_columns = 0
        self.tiles: dict[str, QPushButton] = {}
        tiles = self.TILES if ctx.actor.can("approve") else tuple(
            ("rejected", "被驳回", "rejected") if key == "pending_approval" else (key, title, page)
            for key, title, page in self.TILES)  # an operator's proposals wait on others; those sent back are theirs
        if not ctx.actor.can("register") and not ctx.actor.can("approve"):  # 督查: the queues are not theirs
            tiles = tuple((key, title, "list" if key in READING_LISTS else page)
                          for key, title, page in self.TILES if key != "near_deadline")
        self._titles = {key: title for key, title, _page in tiles}
        for i, (key, _title, page) in enumerate(tiles):
            button = QPushButton()
            button.setObjectName(f"tile_{key}")
            button.setToolTip(f"{self.TILE_TIPS[key]}，点击查看")
            button.setMinimumSize(110, 84)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, k=key, p=page: self._open(k, p))
            self.tile_grid.addWidget(button, 0, i)
            self.tiles[key] = button
        layout.addLayout(self.tile_grid)
        self.rate = QLabel()
        self.rate.setWordWrap(True)  # the month, then what is late on a line of its own
        reached_by_tab(self.rate)
        layout.addWidget(self.rate)
        # This station itself amiss (not on Beijing time, no draft can be kept), in words whole: the status bar's
        # red line has only room for its title.
        self.station_notice = _notice(layout, "station_notice", WARNING_STYLE)
        station = "\n".join(filter(None, (zone_notice(), drafts_unwritable(ctx.state_dir))))
        self.station_notice.setText(station)
        self.station_notice.setVisible(bool(station))
        # A new database as it was made (汝州's name, units, bulletin): where an administrator sets up the office.
        self.setup_notice = _notice(layout, "setup_notice", WARNING_STYLE)
        # Next year's holidays not entered in December: deadlines would count them as working days.
        self.calendar_notice = _notice(layout, "calendar_notice", WARNING_STYLE)
        # A supervisor coming in after the night: urgent proposals and those past their time to be dispatched.
        self.approval_notice = _notice(layout, "approval_notice", f"color: {OVERDUE_COLOUR}; font-weight: bold;")
        self.month_notice = _notice(layout, "month_notice", WARNING_STYLE)
        # Step forms left with words in them when the program last ended: each case a button that opens it.
        self.kept_said = _notice(layout, "kept_steps", WARNING_STYLE)
        self.kept_layout = QHBoxLayout()
        layout.addLayout(self.kept_layout)
        lower = QHBoxLayout()
        chart_box = QGroupBox("近30天每日登记（浅色为周末和节假日，点击柱子查看当天工单）")
        chart_layout = QVBoxLayout(chart_box)
        self.chart = DayBars()
        self.chart.day_clicked.connect(lambda day: self.ctx.signals.navigate.emit("list", {"day": day}))
        chart_layout.addWidget(self.chart)
        lower.addWidget(chart_box, 3)
        units_box = QGroupBox("超期工单最多的单位")
        self.units_layout = QVBoxLayout(units_box)
        self.unit_buttons: list[QPushButton] = []
        lower.addWidget(units_box, 2)
        layout.addLayout(lower, 1)
        # (BULLETIN: a month finalised on another station takes its notice away)
        self.follower = follow(self, ctx.signals, Change.CASES | Change.REFERENCE | Change.SETTINGS | Change.BULLETIN,
                               self.refresh)
        # 临期, 超期, 今日 and 本月 move with the clock, not only with saves (a quiet night passes the month's end).
        self.ticker = each_minute(self, self.refresh)
        self.refresh()

    def count(self, key: str) -> int:
        return int(self.tiles[key].property("count") or 0)

    def refresh(self) -> None:
        def fetch(s: Session) -> tuple[Overview, int, str, str, str, int, int, str]:
            sent_back = len(queue(s, "rejected", self.ctx.clock(), viewer=self.ctx.actor)) if "rejected" in self.tiles \
                else 0
            alert = approval_alert(queue(s, "approval", self.ctx.clock(), viewer=self.ctx.actor)) \
                if "pending_approval" in self.tiles else ""
            how = ENTER_HOLIDAYS_ADMIN if self.ctx.actor.can(Permission.MANAGE_SETTINGS) else ASK_FOR_HOLIDAYS
            setup = "\n".join(filter(None, (setup_words(s), lone_admin_words(s)))) \
                if self.ctx.actor.can(Permission.MANAGE_SETTINGS) else ""
            # the calls past their time (the 回访 page's 超期): beside 办理超期, which is the units', it read as none
            late_calls = sum(1 for r in queue(s, "followup", self.ctx.clock(), viewer=self.ctx.actor)
                             if r.flag == "overdue") if "followups_due" in self.tiles else 0
            # units past their time to sign (交办跟踪's 超时): a signing then costs 响应率, and 办理超期 is not it
            late_signs = sum(1 for r in queue(s, "tracking", self.ctx.clock(), viewer=self.ctx.actor)
                             if r.signing_overdue(self.ctx.clock())) if "near_deadline" in self.tiles else 0
            month = last_month_unfinalised(s, self.ctx.clock()) \
                if self.ctx.actor.can(Permission.BULLETIN_FINALIZE) else ""
            return (overview(s, self.ctx.clock()), sent_back, missing_years_notice(s, self.ctx.clock(), how), alert,
                    setup, late_calls, late_signs, month)

        numbers, sent_back, calendar_said, alert, setup, late_calls, late_signs, month = read(self.ctx, fetch)
        self.month_notice.setText(month)
        self.month_notice.setVisible(bool(month))
        self.setup_notice.setText(setup)
        self.setup_notice.setVisible(bool(setup))
        self.calendar_notice.setText(calendar_said)
        self.calendar_notice.setVisible(bool(calendar_said))
        self.approval_notice.setText(alert)
        self.approval_notice.setVisible(bool(alert))
        self.numbers = numbers
        colours = {"overdue": OVERDUE_COLOUR, "near_deadline": NEAR_COLOUR, "rejected": OVERDUE_COLOUR}
        for key, button in self.tiles.items():
            value = sent_back if key == "rejected" else int(getattr(numbers, key))
            button.setProperty("count", value)
            button.setText(f"{value}\n{self._titles[key]}")
            if key == "pending_approval":
                button.setToolTip(f"待审核交办 {value - numbers.pending_requests} 件，"
                                  f"退单和延期申请 {numbers.pending_requests} 件")
            colour = colours.get(key) if value else None
            if key == "pending_approval" and alert:
                colour = OVERDUE_COLOUR
            if key == "followups_due":
                late = f"，其中 {late_calls} 件已过回访时限" if late_calls else ""
                button.setToolTip(f"{self.TILE_TIPS[key]}{late}，点击查看")
                colour = OVERDUE_COLOUR if late_calls else None
            button.setStyleSheet(f"font-size: 18pt; {'color: ' + colour + ';' if colour else ''}")
        late = "".join((
            f"已交办、单位过了签收时限仍未签收的 {late_signs} 件（在“交办跟踪”页催办或登记签收）。"
            if late_signs else "",
            f"待回访的 {numbers.followups_due} 件中 {late_calls} 件已过回访时限。" if late_calls else ""))
        self.rate.setText(f"本月（{numbers.month}）登记 {numbers.month_total} 件，"
                          f"其中上级交办 {numbers.month_upper} 件；"
                          f"已办结 {numbers.month_finished} 件，办结率 {numbers.month_finish_rate}。"
                          + (f"\n{late}" if late else ""))
        self.chart.set_days(numbers.days, numbers.rest_days)
        self._show_units(numbers)
        self._show_kept()
        self._wrap_tiles(self.width())  # a figure grown by a digit may no longer fit its row

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show_kept()  # a form just set aside (稍后再填) is listed as the page is come back to, not a minute on

    def _show_kept(self) -> None:
        """The case step forms this person left unfinished (a reply typed when the program was ended): named, so
        that none waits unknown in a case nobody opens again."""
        clear_layout(self.kept_layout)
        kept = kept_steps(self.ctx.state_dir, self.ctx.actor.username, self.ctx.db.identity)
        self.kept_said.setText(f"您有 {len(kept)} 张表单填写了内容还没有提交（如程序上次意外关闭时正在填写的）："
                               "点工单打开，再点同一步骤继续填写。" if kept else "")
        self.kept_said.setVisible(bool(kept))
        for _store, form in kept[:KEPT_NAMED]:
            button = QPushButton(f"{form['number']} {step_label(form['action'])}")
            button.setObjectName(f"kept_{form['number']}")
            button.clicked.connect(lambda _=False, number=form["number"]: self._open_kept(number))
            self.kept_layout.addWidget(button)
        if len(kept) > KEPT_NAMED:
            self.kept_layout.addWidget(QLabel(f"等 {len(kept)} 张"))
        self.kept_layout.addStretch(1)

    def _open_kept(self, number: str) -> None:
        from hotline_desk.ui.case_list import CaseDetailDialog  # the page's import of the lists would go round

        case_id = read_or_warn(self, self.ctx, lambda s: find_case(s, number).id, title="无法打开工单")
        if case_id is not None:
            run_modal(CaseDetailDialog(self, self.ctx, case_id))
        self._show_kept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._wrap_tiles(event.size().width())

    def _wrap_tiles(self, width: int) -> None:
        """The figures in one row where they fit whole, else in rows as even as can be (at 150% display scaling on
        1366×768, four and three): in one row they were cut (本月已办结), 待回访 went behind a sideways scroll bar."""
        tiles = list(self.tiles.values())
        outer = self.layout()
        margins = outer.contentsMargins() if outer is not None else QMargins()
        need = max(tile.sizeHint().width() for tile in tiles) + max(self.tile_grid.horizontalSpacing(), 0)
        fit = max(1, (width - margins.left() - margins.right()) // need)
        rows = -(-len(tiles) // fit)
        columns = -(-len(tiles) // rows)
        if columns == self._tile_columns:
            return
        self._tile_columns = columns
        for i, tile in enumerate(tiles):
            self.tile_grid.addWidget(tile, i // columns, i % columns)

    def _show_units(self, numbers: Overview) -> None:
        clear_layout(self.units_layout)  # the unit buttons with what else it held
        self.unit_buttons = []
        if not numbers.worst_units:
            self.units_layout.addWidget(QLabel("目前没有超期工单。"))
        for unit in numbers.worst_units:
            # & in a name would be taken for a keyboard shortcut's mark (水&电 showed as 水电): doubled, it shows
            button = QPushButton(f"{plain_shown(unit.name).replace('&', '&&')}　超期 {unit.overdue} 件")
            button.setObjectName(f"unit_overdue_{unit.unit_id}")
            button.setStyleSheet(f"text-align: left; color: {OVERDUE_COLOUR};")
            button.clicked.connect(lambda _=False, u=unit.unit_id: self.ctx.signals.navigate.emit(
                "list", {"overdue": True, "unit_id": u}))
            self.units_layout.addWidget(button)
            self.unit_buttons.append(button)
        if numbers.other_units:
            more = QLabel(f"另有 {numbers.other_units} 个单位有超期工单，点“超期”查看全部。")
            more.setObjectName("other_units")
            self.units_layout.addWidget(more)
        self.units_layout.addStretch()

    def _open(self, key: str, page: str) -> None:
        numbers = self.numbers
        values: dict[str, Any] = {}
        if page == "list" and key in READING_LISTS:  # one who reads only: the queue's cases in 工单查询
            values = {"state": READING_LISTS[key]}
        elif key == "today":
            values = {"day": self.ctx.clock().date()}
        elif key == "month_total" and numbers is not None:
            values = {"month": numbers.month}
        elif key == "month_finished" and numbers is not None:
            values = {"month": numbers.month, "state": "finished"}
        elif key == "overdue":
            values = {"overdue": True}
        elif key == "near_deadline":  # 交办跟踪 narrowed to them: its 办理期限 column says 临期
            values = {"filter": "临期"}
        self.ctx.signals.navigate.emit(page, values)
