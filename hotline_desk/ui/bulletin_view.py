"""月度简报: the draft's numbers and narrative, typical cases from the month, a live preview of the real PDF,
saving, printing through the system dialog, and 定稿 for supervisors. Long work runs off the UI thread."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError, cannot_write
from hotline_desk.services.accounts.permissions import ROLE_ACTIONS
from hotline_desk.services.cases.case_query import CaseFilter
from hotline_desk.services.files import write_file
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bulletin_changes import (
    DraftConflict,
    contents,
    differences,
    finalised_by,
    reloaded_words,
    unsaved_parts,
)
from hotline_desk.services.reporting.bulletin_checks import early_cutoff_words
from hotline_desk.services.reporting.bulletin_compose import NarrativeSection, TypicalCase
from hotline_desk.services.reporting.frozen import cutoff_words, month_scores, month_stats
from hotline_desk.services.reporting.monthdata import report_months
from hotline_desk.ui.case_list import unit_and_category_choices
from hotline_desk.ui.changes import Change, each_minute, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.drafts import bulletin_draft
from hotline_desk.ui.feedback import read, read_or_warn
from hotline_desk.ui.models import CASE_COLUMN_HOLDS, CASE_COLUMN_WIDTHS, CaseTableModel
from hotline_desk.ui.month_box import MonthBox
from hotline_desk.ui.operations import Operation, Task, show_refusal
from hotline_desk.ui.plain_text import shown
from hotline_desk.ui.text_widths import set_column_widths
from hotline_desk.ui.widgets import (
    DateBox,
    FieldSpec,
    SearchCombo,
    ask,
    choose,
    fit_size,
    ok_cancel,
    run_modal,
    save_first,
)
from hotline_desk.ui.window_state import remember_columns, remember_splitter
from hotline_desk.vocabulary import Permission, Role

PRINT_DPI = 300
POLARITY = (("正面", "positive"), ("反面", "negative"))
# A field that cannot be changed looks it: grey, and a number without its arrows.
READ_ONLY_STYLE = "background: #ECECEC; color: #333333;"
NOTE_STYLE = "background: #FFF4E0; color: #6B4500; padding: 4px 8px; border-radius: 3px;"


def editors_named() -> str:
    """The roles that may change a bulletin, as a sentence names them: 审核员和管理员."""
    names = [Role(role).label for role, rights in ROLE_ACTIONS.items() if Permission.BULLETIN_EDIT in rights]
    return "和".join(names) if len(names) < 3 else "、".join(names[:-1]) + "和" + names[-1]


class BulletinView(QWidget):
    keeps_draft = True  # unsaved edits stay on this station for the person to take up again (see ``store``)

    built = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.pdf_bytes = b""
        self.pdf_month = ""  # the month the preview shows
        self.final = False
        self._building: Operation[Any] | None = None
        self._finalising = False  # this page's own 定稿 is under way: its end shows it, not as done elsewhere
        self._loaded: dict[str, Any] = {}  # the draft as loaded or saved, to tell unsaved edits
        self._base: bulletin.BulletinDraft | None = None  # the stored draft this page started from
        self._shown_month = ""
        self._preview_note = ""
        self._previewed: dict[str, Any] | None = None  # what the page held when the preview shown was built
        self._previewed_cutoff: datetime | None = None  # and the cut-off its numbers were taken at
        self._saved_first = ""  # what 生成预览 saved before building, to be said when it is shown
        self.month = MonthBox()
        self.read_only_note = QLabel()  # why the fields cannot be changed, when they cannot
        self.read_only_note.setObjectName("bulletin_read_only")
        self.read_only_note.setStyleSheet(NOTE_STYLE)
        self.read_only_note.setWordWrap(True)
        self.read_only_note.hide()
        self.status = QLabel()
        self.status.setObjectName("bulletin_status")
        # What was just done may name a long folder: it wraps in the room there is and never widens the form,
        # so the preview beside it keeps its place; it has a line of its own, two lines high whatever it says,
        # so the buttons above it never move (the whole text is in its tooltip).
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.cutoff = QLabel()  # the moment the month's numbers are taken at
        self.cutoff.setObjectName("bulletin_cutoff")
        self.cutoff.setWordWrap(True)
        self.year_issue = QSpinBox()
        self.year_issue.setRange(1, 99)
        self.total_issue = QSpinBox()
        self.total_issue.setRange(1, 99999)
        self.issue_date = DateBox()
        self.issue_date.setDisplayFormat("yyyy-MM-dd")
        self.issue_date.setCalendarPopup(True)
        self.call_volume = QLineEdit()
        self.call_volume.setPlaceholderText("如：约1.1万人次（来自话务系统）")
        self.good_units = QLineEdit()
        self.bad_units = QLineEdit()
        suggest = QPushButton("按得分建议")
        suggest.clicked.connect(self.suggest)
        # The cut-off was settable by command alone: a new clerk took the month's end for fixed.
        self.change_cutoff_button = QPushButton("修改统计截止…")
        self.change_cutoff_button.setObjectName("change_cutoff")
        self.change_cutoff_button.clicked.connect(self.change_cutoff)
        self.edit_buttons: list[QPushButton] = [suggest, self.change_cutoff_button]
        self.sections = QListWidget()
        self.sections.setAccessibleName("简报正文的各部分")
        self.section_title = QLineEdit()
        self.section_text = QPlainTextEdit()
        self.section_text.setPlaceholderText("每段一行；以“（一）”开头的段落，首句按楷体小标题排印。")
        self.section_text.setTabChangesFocus(True)  # Tab goes on to the next field; it is no character of a paragraph
        self.section_typical = QCheckBox("本部分列出典型案例")
        self._section_data: list[dict[str, Any]] = []
        self.typical = QTableWidget(0, 3)
        self.typical.setAccessibleName("典型案例")
        self.typical.setHorizontalHeaderLabels(["工单编号", "类型", "案例简介"])
        self.typical.horizontalHeader().setStretchLastSection(True)
        self.typical.setTabKeyNavigation(False)  # Tab leaves the table for its buttons; the arrows move in it
        remember_columns(ctx.window_state(), "bulletin_typical", self.typical.horizontalHeader())
        self.preview_doc = QPdfDocument(self)
        self._buffer: QBuffer | None = None  # what the preview reads the PDF from
        self.preview = QPdfView()
        self.preview.setAccessibleName("简报预览")
        self.preview.setDocument(self.preview_doc)
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.buttons: dict[str, QPushButton] = {}
        self._build(suggest)
        offered = read(ctx, lambda s: report_months(s, ctx.clock()))
        self.month.offer(offered.months, offered.opening)
        self.month.currentIndexChanged.connect(self._month_chosen)
        # Left open over a month's end, the page opens next on the month just ended (not while it is read).
        self._opening = offered.opening
        self.month_turner = each_minute(self, self._month_turned, in_sight=False)
        self.load()
        # Unsaved edits kept on disk as they are typed (looked at every few seconds), offered again on opening
        self.store = bulletin_draft(ctx.state_dir, ctx.actor.username, ctx.db.identity)
        self._kept: dict[str, Any] | None = None
        self._restore_kept()
        self.keeper = QTimer(self)
        self.keeper.setInterval(KEEP_MS)
        self.keeper.timeout.connect(self.keep_draft)
        self.keeper.start()
        self.follower = follow(self, ctx.signals, Change.BULLETIN | Change.SETTINGS, self._changed_elsewhere)
        # A month given cases, 附加分 or a bulletin elsewhere (another station, a command) is offered here too.
        self.months_follower = follow(self, ctx.signals, Change.CASES | Change.BONUS | Change.BULLETIN,
                                      self.offer_months)

    def keep_draft(self) -> None:
        """The page's unsaved edits written to disk (removed once there are none: saved, or dropped); and the
        preview said to be out of date once the page differs from it."""
        self.mark_stale_preview()
        if self.final or not self._shown_month or not self.ctx.actor.can(Permission.BULLETIN_EDIT):
            return
        if self.is_dirty():
            kept = {"month": self._shown_month, "changes": _as_json(self.changes())}
            if kept != self._kept and self.store.save(kept):
                self._kept = kept
        elif self._kept is not None:
            self.store.clear()
            self._kept = None

    def _restore_kept(self) -> None:
        """Edits kept on disk when the program last ended without saving them: put back on their month, said."""
        kept = self.store.load()
        month = kept.get("month") if kept else None
        if not kept or not isinstance(month, str) or not self.ctx.actor.can(Permission.BULLETIN_EDIT):
            return
        if self.month.findText(month) < 0:
            return
        if month != self._shown_month:
            self.month.blockSignals(True)
            self.month.setCurrentText(month)
            self.month.blockSignals(False)
            self.load(month)
        if self.final:  # finalised since: nothing could be saved, and the page says what is stored
            self.store.clear()
            return
        try:
            self._put(kept["changes"])
        except (KeyError, TypeError, ValueError):  # written by another version, or damaged: not half applied
            self.load(month)
            return
        self._kept = kept
        said = f"已恢复上次未保存的 {month} 简报修改（上次关闭前没有保存），请核对后保存。"
        self.status.setText(said)
        self.ctx.signals.notice.emit(said)

    def _put(self, kept: dict[str, Any], *, same_month: bool = False) -> None:
        """The editors set to a draft in ``_as_json``'s form: one loaded, or what ``keep_draft`` wrote."""
        self.year_issue.setValue(int(kept["year_issue"]))
        self.total_issue.setValue(int(kept["total_issue"]))
        issued = date.fromisoformat(kept["issue_date"])
        self.issue_date.setDate(QDate(issued.year, issued.month, issued.day))
        for line, key in ((self.call_volume, "call_volume"), (self.good_units, "good_units"),
                          (self.bad_units, "bad_units")):
            # The month's own text read back (after a save or a preview) is left as it is, so Ctrl+Z in the field
            # still undoes what was done before (setText forgets it); another month's text starts afresh.
            if not same_month or line.text() != str(kept[key]):
                line.setText(str(kept[key]))
        self._section_data = [{"title": str(s["title"]), "text": str(s["text"]), "typical": bool(s["typical"])}
                              for s in kept["sections"]]
        # read back after a save or a preview, the month's page stays on the part being written (it went back to
        # the first, and the next words typed went into 热点问题)
        was = max(self.sections.currentRow(), 0) if same_month else 0
        self.sections.clear()
        self.sections.addItems([s["title"] for s in self._section_data])
        if self._section_data:
            self.sections.setCurrentRow(min(was, len(self._section_data) - 1))
        self.typical.setRowCount(0)
        for t in kept["typical_cases"]:
            self._add_typical(str(t["number"]), str(t["polarity"]), str(t["text"]))

    def _month_turned(self) -> None:
        offered = read(self.ctx, lambda s: report_months(s, self.ctx.clock()))
        before, self._opening = self._opening, offered.opening
        self.month.turn(offered.months, offered.opening, before, may_move=not self.is_dirty())

    def offer_months(self) -> None:
        self.month.offer(read(self.ctx, lambda s: report_months(s, self.ctx.clock())).months)

    def _build(self, suggest: QPushButton) -> None:
        form = QFormLayout()
        numbers = QHBoxLayout()
        pairs: tuple[tuple[str, QWidget], ...] = (("当年期号", self.year_issue), ("总期号", self.total_issue),
                                                  ("印发日期", self.issue_date))
        for label, widget in pairs:
            numbers.addWidget(QLabel(label))
            numbers.addWidget(widget)
            widget.setAccessibleName(label)  # the label stands before it in a row, not as its form label
        numbers.addStretch()
        form.addRow("月份", self.month)
        form.addRow("期号", _wrap(numbers))
        cutoff = QHBoxLayout()
        cutoff.addWidget(self.cutoff, 1)
        cutoff.addWidget(self.change_cutoff_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow(_wrap(cutoff))
        form.addRow("话务量", self.call_volume)
        remarks = QHBoxLayout()
        self.good_units.setAccessibleName("办理较好的单位")  # wrapped with its button, the form label is not its own
        remarks.addWidget(self.good_units)
        remarks.addWidget(suggest)
        form.addRow("办理较好的单位", _wrap(remarks))
        form.addRow("办理较差的单位", self.bad_units)

        # The list of section titles is narrow (a few words each), its buttons two by two under it; the paragraphs
        # being written get the width.
        section_buttons = QGridLayout()
        for i, (text, slot) in enumerate((("添加部分", self.add_section), ("删除部分", self.remove_section),
                                          ("上移", lambda: self.move_section(-1)),
                                          ("下移", lambda: self.move_section(1)))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            section_buttons.addWidget(button, i // 2, i % 2)
            self.edit_buttons.append(button)
        listing = QWidget()
        left = QVBoxLayout(listing)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(QLabel("正文各部分\n（一、二部分由数据生成）"))
        left.addWidget(self.sections)
        left.addLayout(section_buttons)
        writing = QWidget()
        right = QFormLayout(writing)
        right.setContentsMargins(0, 0, 0, 0)
        right.addRow("标题", self.section_title)
        right.addRow("段落", self.section_text)
        right.addRow("", self.section_typical)
        inner = QSplitter()
        inner.addWidget(listing)
        inner.addWidget(writing)
        inner.setStretchFactor(1, 1)
        inner.setSizes([170, 430])
        remember_splitter(self.ctx.window_state(), "bulletin_sections", inner)
        sections = QWidget()
        s_layout = QHBoxLayout(sections)
        s_layout.addWidget(inner)
        self.sections.currentRowChanged.connect(self._show_section)
        self.section_title.textEdited.connect(self._store_section)
        self.section_text.textChanged.connect(self._store_section)
        self.section_typical.toggled.connect(self._store_section)

        typical = QWidget()
        t_layout = QVBoxLayout(typical)
        t_layout.addWidget(self.typical)
        t_buttons = QHBoxLayout()
        pick = QPushButton("从本月工单选择…")
        pick.clicked.connect(self.pick_case)
        drop = QPushButton("删除所选")
        drop.clicked.connect(self._drop_typical)
        t_buttons.addWidget(pick)
        t_buttons.addWidget(drop)
        self.edit_buttons += [pick, drop]
        t_buttons.addStretch()
        t_layout.addLayout(t_buttons)

        tabs = QTabWidget()
        tabs.addTab(sections, "正文")
        tabs.addTab(typical, "典型案例")
        actions = QHBoxLayout()
        for key, text, slot in (("save", "保存草稿", self.save_clicked),
                                ("preview", "生成预览", lambda: self.start_preview()),
                                ("check", "核对…", self.show_checks),
                                ("pdf", "保存PDF…", self.save_pdf), ("print", "打印…", self.print_pdf),
                                ("finalize", "定稿", self.finalize)):
            button = QPushButton(text)
            button.setObjectName(f"bulletin_{key}")
            if key == "preview":
                button.setToolTip("先保存草稿，再按保存的内容生成PDF")
            if key == "check":
                button.setToolTip("列出定稿前需要核对的情况（定稿时也会列出）")
            button.clicked.connect(slot)
            self.buttons[key] = button
            actions.addWidget(button)
        actions.addStretch()
        editor = QWidget()
        e_layout = QVBoxLayout(editor)
        # Close together: with the note a clerk sees (只有审核员…可以修改简报) the page fits a 1366×768 screen at
        # 125% display scaling without scrolling.
        e_layout.setSpacing(4)
        e_layout.setContentsMargins(2, 2, 2, 2)
        e_layout.addWidget(self.read_only_note)
        e_layout.addLayout(form)
        e_layout.addWidget(tabs, 1)
        e_layout.addLayout(actions)
        e_layout.addWidget(self.status)
        # Ctrl+S saves the draft, as it saves a case on the registration form, wherever the focus is on this page.
        save_keys = QShortcut(QKeySequence("Ctrl+S"), self)
        save_keys.setContext(Qt.ShortcutContext.ApplicationShortcut)  # a hidden page's keys do not fire
        save_keys.activated.connect(self.save_clicked)
        self.buttons["save"].setToolTip("保存草稿（Ctrl+S）")
        # Said over the preview once the page differs from what it was built from (按得分建议 and a save left it
        # showing the units before, unsaid)
        self.preview_stale = QLabel("生成预览之后又有修改，预览还是修改之前的：按“生成预览”更新。")
        self.preview_stale.setObjectName("preview_stale")
        self.preview_stale.setStyleSheet("color: #B71C1C;")
        self.preview_stale.setWordWrap(True)
        self.preview_stale.hide()
        shown = QWidget()
        shown_layout = QVBoxLayout(shown)
        shown_layout.setContentsMargins(0, 0, 0, 0)
        shown_layout.addWidget(self.preview_stale)
        shown_layout.addWidget(self.preview, 1)
        splitter = QSplitter()
        splitter.addWidget(editor)
        splitter.addWidget(shown)
        splitter.setSizes([640, 560])
        remember_splitter(self.ctx.window_state(), "bulletin", splitter)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # --- draft --------------------------------------------------------------------------------------
    def _month_chosen(self) -> None:
        """Another month: unsaved edits of the shown one are saved, dropped, or the switch is cancelled (the
        default); the preview of the previous month is cleared, never shown under the new month."""
        if not self.may_leave(f"切换到 {self.month.currentText()} "):
            self.month.blockSignals(True)
            self.month.setCurrentText(self._shown_month)
            self.month.blockSignals(False)
            return
        self.load()

    def may_leave(self, going: str) -> bool:
        """Before ``going`` (another month, closing the program): unsaved edits are saved, dropped, or the move is
        cancelled, which is the default, so Enter and Esc keep them; True if the move may go ahead."""
        if not self.is_dirty():
            return True
        answer = save_first(self, f"{self._shown_month} 的简报有未保存的修改。{going}前是否保存？")
        if answer is None:  # 取消
            return False
        if not answer:  # 不保存: the copy kept on disk goes too, not to come back at the next opening
            self.store.clear()
            self._kept = None
            return True
        return self.save(self._shown_month)

    def is_dirty(self) -> bool:
        return bool(self._loaded) and not self.final and self.changes() != self._loaded

    def _changed_elsewhere(self) -> None:
        """Another station saved or finalised a bulletin: reload, unless this person is editing; a month finalised
        meanwhile is shown final even then (nothing typed could be saved any more: it is shown to be copied)."""
        if self._finalising or (self._building is not None and not self._building.done):
            return
        dirty = self.is_dirty()
        if not self._finalised_meanwhile(self._shown_month, self.changes() if dirty else None) and not dirty:
            shown, month = self._base, self._shown_month
            self.load()
            if shown is not None and self._base is not None and month == self._shown_month \
                    and (changed := differences(contents(shown), contents(self._base))):
                # What this person saw (and maybe saved) was replaced: said, not only shown, before they finalise it
                who, at = read(self.ctx, lambda s: bulletin.last_saved(s, month))
                said = reloaded_words(changed, who, at, self.ctx.clock())
                self.status.setText(said)
                self.ctx.signals.notice.emit(said)

    def _finalised_meanwhile(self, month: str, typed: dict[str, Any] | None) -> bool:
        """When ``month``, shown here as a draft, has been finalised meanwhile (on another station or by a command):
        show it as it now is, read-only with its frozen PDF ready to save or print, say who finalised it and when,
        and show what was ``typed`` here and not saved, to be copied. True when that happened."""
        if self.final or not month:
            return False
        stored = read_or_warn(self, self.ctx, lambda s: bulletin.get_draft(s, month))
        if stored is None or not stored.final:
            return False
        unsaved = unsaved_parts(self._loaded, typed) if typed is not None else ""
        self.load(month)
        self._show_frozen(month)
        said = finalised_by(stored, self.ctx.clock())
        self._done(said)
        if unsaved:
            box = QMessageBox(QMessageBox.Icon.Warning, "简报已定稿",
                              f"{said}，内容不能再修改。您在本页的修改没有保存（可选中复制）：\n\n{unsaved}",
                              QMessageBox.StandardButton.Ok, self)
            box.setObjectName("bulletin_finalised_meanwhile")
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.exec()
        return True

    def _show_frozen(self, month: str) -> None:
        """The finalised month's frozen PDF in the preview, ready to save or print."""
        frozen = read_or_warn(self, self.ctx, lambda s: bulletin.build(s, month, clock=self.ctx.clock).pdf)
        if frozen:
            self._show_pdf(month, frozen)

    def _clear_preview(self) -> None:
        self.pdf_bytes, self.pdf_month = b"", ""
        self.preview_doc.close()
        self._previewed = None
        self.mark_stale_preview()

    def mark_stale_preview(self) -> None:
        """Say over the preview when the page no longer holds what it was built from."""
        stale = self._previewed is not None and not self.final and self.pdf_month == self._shown_month \
            and (self.changes() != self._previewed
                 or (self._base is not None and self._base.cutoff != self._previewed_cutoff))
        self.preview_stale.setVisible(stale)

    def load(self, month: str = "") -> None:
        month = month or self.month.currentText()
        draft = read_or_warn(self, self.ctx, lambda s: bulletin.get_draft(s, month))
        if draft is None:
            return
        if month != self.pdf_month:
            self._clear_preview()
        same_month, self._shown_month = month == self._shown_month, month
        self.cutoff.setText(self._cutoff_said(draft.cutoff))
        self._put(_as_json(contents(draft)), same_month=same_month)
        self.final = draft.final
        allowed = self.ctx.actor.can(Permission.BULLETIN_EDIT)
        self._set_editable(allowed and not draft.final)
        if not allowed:
            self.read_only_note.setText(f"只有{editors_named()}可以修改简报。您可以查看、生成预览、保存PDF和打印。")
        elif draft.final:
            # What the live data now gives otherwise (a step entered late, a void): said here as on the score page.
            figures = read(self.ctx, lambda s: (month_stats(s, month, clock=self.ctx.clock).figures,
                                                month_scores(s, month, clock=self.ctx.clock).figures))
            # the cases changed since are the same for both: said once
            drift = [f.drift for f in figures if f.drift] + [next((f.changed for f in figures if f.changed), "")]
            self.read_only_note.setText("\n".join([f"{month} 简报已定稿，内容不能再修改。可以生成预览、保存PDF和打印。",
                                                   *filter(None, drift)]))
        self.read_only_note.setVisible(not allowed or draft.final)
        self.buttons["finalize"].setEnabled(self.ctx.actor.can("bulletin_finalize") and not draft.final)
        self.status.setText(f"已定稿（{draft.finalized_by} {draft.finalized_at:%Y-%m-%d %H:%M}）"
                            if draft.final and draft.finalized_at else ("已定稿" if draft.final else "草稿"))
        self._loaded = self.changes()
        self._base = draft

    def _set_editable(self, editable: bool) -> None:
        """A finalised bulletin (or a reader's view) is shown read-only, and looks it: its numbers and text are
        frozen and greyed, the numbers without their arrows."""
        look = "" if editable else READ_ONLY_STYLE
        for line in (self.call_volume, self.good_units, self.bad_units, self.section_title):
            line.setReadOnly(not editable)
            line.setStyleSheet(look)
        self.section_text.setReadOnly(not editable)
        self.section_text.setStyleSheet(look)
        for spin in (self.year_issue, self.total_issue, self.issue_date):
            spin.setReadOnly(not editable)
            spin.setStyleSheet(look)
            spin.setButtonSymbols(QSpinBox.ButtonSymbols.UpDownArrows if editable
                                  else QSpinBox.ButtonSymbols.NoButtons)
        self.issue_date.setCalendarPopup(editable)  # no calendar to pick a date from that cannot change
        for widget in (self.section_typical, self.typical, *self.edit_buttons):
            widget.setEnabled(editable)
        self.buttons["save"].setEnabled(editable)

    def _show_section(self, row: int) -> None:
        if not 0 <= row < len(self._section_data):
            return
        data = self._section_data[row]
        for widget in (self.section_title, self.section_text, self.section_typical):
            widget.blockSignals(True)
        self.section_title.setText(data["title"])
        self.section_text.setPlainText(data["text"])
        self.section_typical.setChecked(bool(data["typical"]))
        for widget in (self.section_title, self.section_text, self.section_typical):
            widget.blockSignals(False)

    def _store_section(self) -> None:
        row = self.sections.currentRow()
        if not 0 <= row < len(self._section_data):
            return
        self._section_data[row] = {"title": self.section_title.text(), "text": self.section_text.toPlainText(),
                                   "typical": self.section_typical.isChecked()}
        item = self.sections.item(row)
        if item is not None:
            item.setText(self.section_title.text())

    def add_section(self) -> None:
        self._section_data.append({"title": "新的部分", "text": "", "typical": False})
        self.sections.addItem("新的部分")
        self.sections.setCurrentRow(len(self._section_data) - 1)
        self.section_title.setFocus()
        self.section_title.selectAll()

    def remove_section(self) -> None:
        row = self.sections.currentRow()
        if 0 <= row < len(self._section_data):
            del self._section_data[row]
            self.sections.takeItem(row)

    def move_section(self, step: int) -> None:
        row = self.sections.currentRow()
        target = row + step
        if 0 <= row < len(self._section_data) and 0 <= target < len(self._section_data):
            data = self._section_data
            data[row], data[target] = data[target], data[row]
            self.sections.clear()
            self.sections.addItems([s["title"] for s in data])
            self.sections.setCurrentRow(target)

    def _add_typical(self, number: str, polarity: str, text: str) -> None:
        row = self.typical.rowCount()
        self.typical.insertRow(row)
        self.typical.setItem(row, 0, QTableWidgetItem(number))
        kind = QComboBox()
        for label, code in POLARITY:
            kind.addItem(label, code)
        kind.setCurrentIndex(max(kind.findData(polarity), 0))
        self.typical.setCellWidget(row, 1, kind)
        self.typical.setItem(row, 2, QTableWidgetItem(text))

    def _drop_typical(self) -> None:
        """删除所选: every row chosen (or the one the keyboard is on), not only the current one."""
        rows = {index.row() for index in self.typical.selectionModel().selectedIndexes()}
        if not rows and self.typical.currentRow() >= 0:
            rows = {self.typical.currentRow()}
        for row in sorted(rows, reverse=True):
            self.typical.removeRow(row)

    def pick_case(self) -> None:
        dialog = CasePicker(self, self.ctx, self.month.currentText())
        if run_modal(dialog) == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            row = dialog.chosen
            # The start of the write-up, for the editor to go on with: who handled what. A 保密 case's title may
            # name where its caller lives: its 问题分类 stands in, for a bulletin that is published.
            what = (row.category.split("—")[-1] or "来电") if row.confidential else row.title
            opening = f"{row.unit}承办的“{what}”问题，" if row.unit else f"群众反映的“{what}”问题，"
            self._add_typical(row.number, "positive", opening)
            self.typical.setCurrentCell(self.typical.rowCount() - 1, 2)

    def changes(self) -> dict[str, Any]:
        sections = [NarrativeSection(title=s["title"], paragraphs=tuple(p for p in s["text"].splitlines() if p.strip()),
                                     typical=bool(s["typical"])) for s in self._section_data]
        typical = []
        for row in range(self.typical.rowCount()):
            kind = self.typical.cellWidget(row, 1)
            number, text = self.typical.item(row, 0), self.typical.item(row, 2)
            typical.append(TypicalCase(number=number.text() if number else "",
                                       polarity=kind.currentData() if isinstance(kind, QComboBox) else "positive",
                                       text=text.text() if text else ""))
        issued = self.issue_date.date().toPython()
        assert isinstance(issued, date)
        return {"year_issue": self.year_issue.value(), "total_issue": self.total_issue.value(), "issue_date": issued,
                "call_volume": self.call_volume.text().strip(), "good_units": self.good_units.text().strip(),
                "bad_units": self.bad_units.text().strip(), "sections": sections, "typical_cases": typical}

    def _cutoff_said(self, cutoff: datetime) -> str:
        """The cut-off, and that it has not come yet where it has not (a preview's numbers are of now then): the
        score page said so, this page not."""
        ahead = f"。尚未到截止时间：现在生成的数字截至此刻（{self.ctx.clock():%m-%d %H:%M}）" \
            if self.ctx.clock() < cutoff else ""
        return cutoff_words(cutoff) + ahead

    def change_cutoff(self) -> None:
        """Set the month's cut-off, saved at once on its own (what else the page holds stays as typed, unsaved)."""
        month, base = self._shown_month, self._base
        if not month or base is None or self.final:
            return
        field = FieldSpec("cutoff", "统计截止时间", "datetime", default=base.cutoff, required=True,
                          hint=bulletin.CUTOFF_RULE)

        def take(values: dict[str, Any]) -> bool:
            early = early_cutoff_words(month, values["cutoff"])
            if early and QMessageBox.question(
                    self, "统计截止早于月末", f"{early}\n\n仍要这样设置吗？",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
                return False  # the form opens again as typed, for the month's end
            refused: list[str] = []
            saved = Operation(self, self.ctx, lambda s: bulletin.update_draft(
                s, self.ctx.actor, month, clock=self.ctx.clock, expected=base, cutoff=values["cutoff"]),
                title="无法修改统计截止").failure(lambda exc: refused.append(exc.message)).run_here()
            if saved is None:
                if refused:
                    show_refusal(self, "无法修改统计截止", refused[0])
                return False  # the form opens again as typed
            self._base = saved  # before it is announced: the page's own change is no other station's news
            self.cutoff.setText(self._cutoff_said(saved.cutoff))
            self.mark_stale_preview()
            self.ctx.signals.announce(Change.BULLETIN)
            said = f"{month} 简报的统计截止已改为 {saved.cutoff:%Y-%m-%d %H:%M}"
            self.status.setText(f"{said}。")
            self.ctx.signals.notice.emit(f"{said}，该月的统计和考核按此时刻计算。")
            return True

        ask(self, f"{month} 简报的统计截止", [field], intro=f"{month} 简报现在的统计截止：{base.cutoff:%Y-%m-%d %H:%M}",
            then=take)

    def save_clicked(self) -> None:
        if self.buttons["save"].isEnabled():  # not while finalised, read-only or being built
            self.save()
        elif self.final:  # Ctrl+S said nothing at all (and “未保存” read as if something was lost)
            self.ctx.signals.notice.emit(f"无需保存：{self.month.currentText()} 简报已定稿，内容不能再修改。")
        elif not self.ctx.actor.can(Permission.BULLETIN_EDIT):
            self.ctx.signals.notice.emit("无需保存：本页的简报您只能查看。")

    def save(self, month: str = "") -> bool:
        """Save the page's draft. If another station saved the month's draft since this page loaded it, nothing is
        written and the person chooses: overwrite with this page's content, load theirs, or keep editing."""
        month, changes = month or self._shown_month or self.month.currentText(), self.changes()
        expected = self._base
        while True:
            saved, refused, error = self._save_once(month, changes, expected)
            if error:
                # Finalised meanwhile elsewhere: the page shows it so, and what was typed, instead of a bare refusal.
                if not self._finalised_meanwhile(month, changes):
                    show_refusal(self, "无法保存简报", error)
                return False
            if saved is not None:
                self._loaded, self._base = changes, saved
                self.keep_draft()  # nothing unsaved now: the kept copy goes
                said = f"草稿已保存（{self.ctx.clock():%H:%M}）"
                self._done(f"{month} 简报{said}", said)
                return True
            if refused is None:
                return False
            mine = differences(contents(expected), changes) if expected is not None else ()
            theirs = unsaved_parts(contents(expected), contents(refused.theirs)) if expected is not None else ""
            choice = ask_stale(self, month, refused, mine, theirs)
            if choice == OVERWRITE:
                expected = refused.theirs  # what is stored now; a yet newer save is asked about again
                continue
            if choice == RELOAD:
                self.load(month)
                self.status.setText("已载入对方保存的内容，请核对。")
            else:
                self.status.setText("未保存：对方已保存了不同的内容。")
            return False

    def _save_once(self, month: str, changes: dict[str, Any], expected: bulletin.BulletinDraft | None
                   ) -> tuple[bulletin.BulletinDraft | None, DraftConflict | None, str]:
        """The saved draft, or the refusal because another station saved first, or any other refusal's words."""
        refused: list[DraftConflict] = []
        other: list[str] = []

        def failed(exc: HotlineError) -> None:
            if isinstance(exc, DraftConflict):
                refused.append(exc)
            else:
                other.append(exc.message)

        saved = Operation(self, self.ctx, lambda s: bulletin.update_draft(s, self.ctx.actor, month,
                                                                          clock=self.ctx.clock, expected=expected,
                                                                          **changes),
                          changes=Change.BULLETIN, title="无法保存简报").failure(failed).run_here()
        return saved, (refused[0] if refused else None), (other[0] if other else "")

    def suggest(self) -> None:
        """Fill 办理较好/较差的单位 with the scores' suggestion. Units the editor typed that differ from it are replaced
        only when the editor says so (the default, and Esc, keep them); a replacement is undone with Ctrl+Z in its
        field, as typing is (the preview saves the draft, so a silent replacement was saved with the next preview)."""
        month = self._shown_month or self.month.currentText()
        suggested = read(self.ctx, lambda s: bulletin.suggest_remarks(s, month, clock=self.ctx.clock))
        ties = "".join(suggested.ties)  # a tie the table's order settled is said, for the editor to weigh
        fields = [(label, line, new) for label, line, new in
                  (("办理较好的单位", self.good_units, suggested.good),
                   ("办理较差的单位", self.bad_units, suggested.bad))
                  if new and line.text().strip() != new]  # no suggestion (no units with cases): nothing to put
        if not fields:
            self.status.setText(("填写的单位与按得分建议的相同。" + ties) if suggested.good else
                                f"{month} 没有交办到单位的工单，无法按得分建议。")
            return
        typed = [(label, line, new) for label, line, new in fields if line.text().strip()]
        if typed and not ask_replace(self, typed):
            fields = [field for field in fields if field not in typed]
            self.status.setText("已保留您填写的单位。" + ("空着的一栏已按得分建议填写。" if fields else "") + ties)
        else:
            self.status.setText("已按得分建议填写单位（在该栏按 Ctrl+Z 可恢复原来的内容）。" + ties)
        for _label, line, new in fields:
            line.selectAll()
            line.insert(new)  # unlike setText, kept in the field's undo history
        if suggested.ties:  # two long sentences do not read in the status line's two lines: asked to be weighed
            QMessageBox.information(self, "并列的单位", "\n".join(suggested.ties))

    # --- building, preview, printing ----------------------------------------------------------------
    def start_preview(self, finalize: bool = False) -> None:
        """Save what is typed, then build. The PDF is built from the stored draft, in a session of its own off the
        UI thread, so the preview shows what will be printed and what 定稿 freezes; the page then says it saved."""
        self._saved_first = ""
        if self.buttons["save"].isEnabled():
            if not self.save():
                return
            self._saved_first = f"草稿已保存（{self.ctx.clock():%H:%M}）"
        self._run_build(finalize)

    def _run_build(self, finalize: bool) -> None:
        """Build (or finalise) in a session of its own on a worker thread; a preview only reads, so other
        stations keep saving meanwhile."""
        month, actor, clock, base = self._shown_month, self.ctx.actor, self.ctx.clock, self._base

        def work(session: Session) -> tuple[str, bytes, str]:
            # the supervisor saw the warnings in the question before 定稿
            built = (bulletin.finalize(session, actor, month, clock=clock, accept_warnings=True, expected=base)
                     if finalize else bulletin.build(session, month, clock=clock))
            return month, built.pdf, built.warning

        self.status.setText("正在定稿……" if finalize else "正在生成……")
        op = Operation(self, self.ctx, work, read_only=not finalize, title="无法生成简报",
                       changes=Change.BULLETIN if finalize else Change.NONE)
        op.busy([*self.buttons.values(), self.month]).with_progress("正在生成简报……")
        if finalize:  # the status bar says so, not the draft's save that went before it
            op.notify(lambda _built: f"{month} 简报已定稿（{clock():%H:%M}），数字和PDF已冻结")
        op.success(self._built).always(lambda: self._build_ended(finalize))
        self._building, self._finalising = op, finalize
        op.start()

    def wait_for_build(self, timeout_ms: int = 60_000) -> None:
        Task.wait_all(timeout_ms)

    def _build_ended(self, finalize: bool) -> None:
        self._finalising = False
        # A finalised bulletin shows as such at once, a failed 定稿 as it is stored; what was typed while a
        # preview was being made stays on the page.
        if finalize or not self.is_dirty():
            self.load()
            if not finalize and self._saved_first:  # the preview saved the draft first: the page says so
                self.status.setText(self._saved_first)
        else:
            self.status.setText("草稿（有未保存的修改）")
        if self._preview_note:
            self.status.setText(f"{self.status.text()}　{self._preview_note}")
            self._preview_note = ""
        if finalize and self.final and self.isVisible():
            # 定稿 is greyed now: the keyboard goes on to what a finalised month is for, not to the preview
            self.buttons["pdf"].setFocus(Qt.FocusReason.OtherFocusReason)
        self.built.emit()

    def _built(self, result: tuple[str, bytes, str]) -> None:
        month, pdf, warning = result
        if month != self.month.currentText():  # the person moved on: never show one month under another
            return
        self._show_pdf(month, pdf)
        self._previewed = self.changes()  # built from the draft saved just before: what the page holds now
        self._previewed_cutoff = self._base.cutoff if self._base is not None else None
        self.mark_stale_preview()
        self._preview_note = (f"已生成 {month}，共 {self.preview_doc.pageCount()} 页。"
                              + ("（字体未嵌入）" if warning else ""))
        if warning:
            QMessageBox.warning(self, "字体提示", warning)

    def _show_pdf(self, month: str, pdf: bytes) -> None:
        self.pdf_bytes, self.pdf_month = pdf, month
        earlier = self._buffer
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.preview_doc.load(self._buffer)
        if earlier is not None:  # the document reads the new one now: each preview kept every earlier PDF
            earlier.close()
            earlier.deleteLater()

    def show_checks(self) -> None:
        """What 定稿 would ask about, before it is pressed: the page saved first, as for 定稿."""
        month = self._shown_month
        if self.is_dirty() and not self.final and not self.save():
            return
        notices = read(self.ctx, lambda s: bulletin.warnings(s, month, clock=self.ctx.clock))
        if self.final:
            said = f"{month} 简报已定稿，不再核对。"
        elif notices:
            said = f"{month} 简报定稿前请核对以下 {len(notices)} 项：\n" + "".join(f"\n· {n}" for n in notices)
        else:
            said = f"{month} 简报没有需要核对的情况。"
        QMessageBox.information(self, "核对", shown(said))

    def finalize(self) -> None:
        month = self._shown_month
        if self._finalised_meanwhile(month, self.changes() if self.is_dirty() else None):
            return  # finalised elsewhere since the page was loaded: nothing to ask
        # What is on the page is what would be frozen: saved first, so that the points to check are of it (they
        # were of the draft as last saved, and a 期号 typed wrong just before 定稿 went unquestioned).
        typed = differences(contents(self._base), self.changes()) if self.is_dirty() and self._base else ()
        if self.is_dirty() and not self.save():
            return
        notices = read(self.ctx, lambda s: bulletin.warnings(s, month, clock=self.ctx.clock))
        check = shown("".join(f"\n· {n}" for n in notices))  # a typical case's words, a unit's name
        # what was typed and not yet saved goes into the frozen bulletin: said (it was, unsaid)
        saved = f"本页未保存的修改（{'、'.join(typed)}）已先保存，将一并定稿。\n" if typed else ""
        answer = QMessageBox.question(
            self, "定稿", (f"请先核对：{check}\n\n" if notices else "") + saved
            + (f"{cutoff_words(self._base.cutoff)}。\n" if self._base is not None else "")
            + f"定稿后 {month} 简报的数字和PDF将冻结，不能再修改。确定定稿？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes and self.save():
            self._run_build(finalize=True)

    def save_pdf(self) -> None:
        if not self.pdf_bytes and self.final:
            self._show_frozen(self._shown_month)
        if not self.pdf_bytes:
            QMessageBox.information(self, "请先生成", "请先点击“生成预览”。")
            return
        default = str(Path.home() / f"{self.month.currentText()}工作简报.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "保存简报", default, "PDF (*.pdf)")
        if path:
            try:
                write_file(Path(path), self.pdf_bytes)
            except OSError as exc:
                QMessageBox.warning(self, "无法保存", cannot_write(path, exc))
                return
            self._done(f"已保存 {self.pdf_month} 简报：{path}", f"已保存：{path}")

    def print_pdf(self) -> None:
        if not self.pdf_bytes and self.final:
            self._show_frozen(self._shown_month)
        if not self.pdf_bytes:
            QMessageBox.information(self, "请先生成", "请先点击“生成预览”。")
            return
        if not QPrinterInfo.availablePrinterNames():  # the dialog would offer a file only, and say nothing
            QMessageBox.information(self, "没有打印机", NO_PRINTER)
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setResolution(PRINT_DPI)
        printer.setDocName(f"{self.pdf_month} 工作简报")  # its name in a shared printer's queue
        dialog = QPrintDialog(printer, self)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setMinMax(1, self.preview_doc.pageCount())
        if run_modal(dialog) == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Render each page at the printer's resolution (300 dpi, not Qt's 1200 dpi default); pages printed."""
        printer.setResolution(PRINT_DPI)
        # The whole sheet, at the PDF's own size: its margins are the bulletin's. Within the printer's margins the
        # pages came out shrunk by about 3% and shifted, unlike the PDF printed from a viewer at actual size.
        printer.setFullPage(True)
        first, last = chosen_pages(printer, self.preview_doc.pageCount())
        pages = last - first + 1
        progress = QProgressDialog("正在打印……", "取消", 0, pages, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, "无法打印", "打印机无法开始打印，请检查打印机设置。")
            return 0
        printed = 0
        try:
            for page in range(first - 1, last):
                if progress.wasCanceled():
                    break
                if printed:
                    printer.newPage()
                points = self.preview_doc.pagePointSize(page)
                size = QSize(int(points.width() / 72 * PRINT_DPI), int(points.height() / 72 * PRINT_DPI))
                image = self.preview_doc.render(page, size)
                painter.drawImage(_fitted(painter.viewport(), size), image)
                printed += 1
                progress.setValue(printed)
        finally:
            painter.end()
            progress.close()
        # a file chosen in the dialog is no printer: said as a file, so nobody walks to an empty tray
        where = f"打印到文件 {printer.outputFileName()}" if printer.outputFileName() \
            else f"送到打印机 {printer.printerName() or ''}".rstrip()
        which = f"第 {first}–{last} 页，" if pages < self.preview_doc.pageCount() else ""
        if printed == pages:
            self._done(f"已将 {self.pdf_month} 简报（{which}{printed} 页）{where}")
        else:
            self._done(f"打印已取消：{printed} / {pages} 页已{where}")
        return printed

    def _done(self, said: str, short: str = "") -> None:
        """What was just done: in the window's status bar, and (shortly, the whole in its tooltip) beside the
        buttons, whose row a long folder name must not widen."""
        self.status.setText(short or said)
        self.status.setToolTip(said)
        self.ctx.signals.notice.emit(said)


NO_PRINTER = ("本机没有找到可用的打印机（没有安装打印机，或打印服务没有运行）。请管理员安装打印机；也可以点“保存PDF…”，"
              "把 PDF 拿到有打印机的电脑上打印。")


def chosen_pages(printer: QPrinter, count: int) -> tuple[int, int]:
    """The first and last page to print, from 1: those the print dialog's 页数 asked for, within the bulletin's."""
    if printer.printRange() != QPrinter.PrintRange.PageRange or printer.fromPage() < 1:
        return 1, count
    first = min(printer.fromPage(), count)
    return first, max(first, min(printer.toPage() or count, count))


KEEP_MS = 3000  # how often unsaved edits are written to disk


def _as_json(changes: dict[str, Any]) -> dict[str, Any]:
    """``BulletinView.changes`` (or a stored draft's ``contents``) as JSON keeps it: sections and typical cases as
    plain objects, the issue date as text (anything else it holds, a stored cutoff, is left as it is)."""
    return {**changes, "issue_date": changes["issue_date"].isoformat(),
            "sections": [{"title": s.title, "text": "\n".join(s.paragraphs), "typical": s.typical}
                         for s in changes["sections"]],
            "typical_cases": [{"number": t.number, "polarity": t.polarity, "text": t.text}
                              for t in changes["typical_cases"]]}


def ask_replace(parent: QWidget, typed: list[tuple[str, QLineEdit, str]]) -> bool:
    """Whether the units typed in these fields are to be replaced by the suggested ones; keeping them is the default
    and Esc's answer, so a hurried Enter loses nothing."""
    lines = "".join(f"\n\n{label}\n　现在：{line.text().strip()}\n　建议：{new}" for label, line, new in typed)
    box = QMessageBox(QMessageBox.Icon.Question, "按得分建议",
                      f"按得分建议将替换您填写的单位：{lines}\n\n替换后，可在该栏按 Ctrl+Z 恢复原来的内容。",
                      parent=parent)
    box.setObjectName("bulletin_replace_units")
    replace = box.addButton("替换为建议", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("保留我填写的", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is replace


OVERWRITE, RELOAD, KEEP_EDITING = "overwrite", "reload", "keep"
THEIR_WORDS_SHOWN = 300  # characters of the other side's changed parts shown in the question


def ask_stale(parent: QWidget, month: str, refused: DraftConflict, mine: tuple[str, ...], their_words: str = ""
              ) -> str:
    """Another station saved the month's draft since this page loaded it: say what each side changed (with what
    the other side wrote, so that it can be weighed, or copied in, without first giving up one's own) and let the
    person choose OVERWRITE, RELOAD or KEEP_EDITING (the default, and Esc's answer: nothing typed is lost)."""
    theirs = "、".join(refused.changed) or "（内容与本页打开时不同）"
    both = [part for part in refused.changed if part in mine]
    shown_words = their_words if len(their_words) <= THEIR_WORDS_SHOWN else their_words[:THEIR_WORDS_SHOWN] + "……"
    text = (f"{month} 的简报草稿{refused.saved}，与本页打开时不同，您的修改尚未保存。\n\n"
            f"对方改了：{theirs}\n您改了：{'、'.join(mine) or '（无）'}"
            + (f"\n双方都改了：{'、'.join(both)}" if both else "")
            + (f"\n\n对方保存的内容（可选中复制）：\n{shown(shown_words)}" if their_words else "")
            + "\n\n· 用我的内容覆盖：保存本页显示的全部内容，对方的上述修改将被替换；"
              "\n· 载入对方保存的内容：显示对方保存的简报，放弃您在本页的修改；"
              "\n· 取消：什么都不保存，回到本页继续编辑。")
    chosen = choose(parent, "简报已被他人修改", text, "用我的内容覆盖", "载入对方保存的内容（放弃我的修改）",
                    icon=QMessageBox.Icon.Warning, name="bulletin_stale", wide=True)
    return OVERWRITE if chosen is True else RELOAD if chosen is False else KEEP_EDITING


class CasePicker(QDialog):
    """Pick a finished case of the month as a typical case."""

    def __init__(self, parent: QWidget, ctx: UiContext, month: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("选择典型案例")
        fit_size(self, 900, 520)
        self.chosen: Any = None
        self.model = CaseTableModel(ctx)
        self.month = month
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入诉求内容中的词语筛选")
        self.search.setAccessibleName("筛选工单")
        # A case's words may not hold its topic's name (供水 where they say 自来水): its 问题分类 and unit find it.
        self.category = SearchCombo(placeholder="问题分类（全部）")
        self.unit = SearchCombo(placeholder="承办单位（全部）")
        self.category.setAccessibleName("问题分类")
        self.unit.setAccessibleName("承办单位")
        units, categories = read(ctx, unit_and_category_choices)  # as 工单查询 offers them
        self.category.set_items(categories)
        self.unit.set_items(units)
        self._labels = {value: text for text, value in categories}
        self.table = QTableView()
        self.table.setAccessibleName("本月工单")
        self.table.setTabKeyNavigation(False)  # Tab goes on to the buttons, arrows move in the list
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        if not remember_columns(ctx.window_state(), "case_picker", self.table.horizontalHeader()):
            set_column_widths(self.table, CASE_COLUMN_WIDTHS, CASE_COLUMN_HOLDS)  # as 工单查询 shows them
        self.table.doubleClicked.connect(self._accept)
        buttons = ok_cancel(self, "选用", self._accept)
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.category, 2)
        filters.addWidget(self.unit, 2)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.refresh)
        for picker in (self.category, self.unit):
            picker.currentTextChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        category = self.category.value() if self.category.currentText().strip() else None
        unit = self.unit.value() if self.unit.currentText().strip() else None
        self.model.load(CaseFilter(text=self.search.text().strip(), month=self.month, state="finished",
                                   category=self._labels.get(category, "") if category is not None else "",
                                   unit_id=unit))

    def _accept(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.chosen = self.model.row(rows[0].row())
            self.accept()


def _fitted(area: QRect, page: QSize) -> QRect:
    """The page scaled into the printable area with its proportions kept (never stretched), centred."""
    scaled = page.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    return QRect(area.left() + (area.width() - scaled.width()) // 2,
                 area.top() + (area.height() - scaled.height()) // 2, scaled.width(), scaled.height())


def _wrap(layout: QHBoxLayout) -> QWidget:
    holder = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    holder.setLayout(layout)
    return holder
