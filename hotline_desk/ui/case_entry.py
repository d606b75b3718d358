"""工单登记: the form an operator fills while on the phone, in the order of the call, keyboard first."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import DatabaseError, HotlineError, ValidationError
from hotline_desk.services.accounts.users import user_rows
from hotline_desk.services.cases.case_query import categories_used_for
from hotline_desk.services.cases.queues import dispatch_due, may_see_confidential
from hotline_desk.services.cases.records import (
    SHORTEST_PHONE,
    CaseDraft,
    CaseSummary,
    case_view,
    cases_by_phone,
    clock_set_back_words,
    name_in_confidential,
    phone_problem,
    read_upstream_limit,
    recent_call,
    register_case,
    same_call,
    validate_draft,
)
from hotline_desk.services.cases.step_runner import month_notice
from hotline_desk.services.clock import month_of, span_words
from hotline_desk.services.office import reference
from hotline_desk.ui.accessible_names import SpokenLabel, spoken
from hotline_desk.ui.changes import Change, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.drafts import entry_draft
from hotline_desk.ui.entry_widgets import (
    CallTimeEdit,
    ChoiceCombo,
    EnterMovesOn,
    ErrorLabel,
    RadioStop,
    TypedNowhere,
    close_popups,
)
from hotline_desk.ui.feedback import read
from hotline_desk.ui.widgets import SearchCombo, confirm, refill, run_modal
from hotline_desk.vocabulary import Action

ERROR_STYLE = "color: #B00020; font-size: 11px;"
ERROR_WIDTH = 230
# On a screen under 1100 logical pixels wide (1366×768 at 150% display scaling gives 910) the errors' column is
# narrower, its words on more lines: at 230 the form needed 806 pixels where the window gave 751 and scrolled sideways.
NARROW_ERROR_WIDTH = 160
NARROW_SCREEN = 1100
ERROR_ROW_HEIGHT = 28  # two lines of an error beside a one-line field, kept free so nothing moves when one shows
HANDLING_MISSING = "请选择办理方式：协调办理或交办处理。"
# A call time this far from now is probably a slip of the keyboard (or a draft from yesterday): ask before saving.
TIME_WARNING = timedelta(hours=1)
HISTORY_HINT = "重复来电：输入联系电话后显示"
# The draft is written (and synced to disk) at most this often while the operator types, not on every keystroke; at
# once when the form is closed or hidden, or the program quits.
DRAFT_DELAY_MS = 500
# Draft writes refused in a row before the operator is told: one is a scanner holding the file for a moment.
DRAFT_REFUSALS_SAID = 2


class CaseEntryView(QWidget):
    """Fields in call order, one Tab stop each, Enter going on as Tab does; Ctrl+S saves, Ctrl+N starts anew;
    drafts survive a crash.

    Esc only closes an open list or calendar: clearing the form is a button that asks, with 否 as the default.
    """

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.store = entry_draft(ctx.state_dir, ctx.actor.username, ctx.db.identity)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._write_draft)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.flush_draft)
        self._time_from_reset = False  # 来电时间 as the cleared form set it, not yet by the call or the operator
        # The status line's words about the form as it stood (未保存：与 RZ… 内容相同; 有 2 处需要补充): they go
        # with the next change, so they never speak of a call typed since.
        self._said_of_form = ""
        self._drafts_refused = 0  # draft writes refused in a row (see _write_draft)
        self._saved_said = ""  # 已登记 RZ… beside 保存, until the next call is typed (then 上一件已登记 RZ…)
        # The call last saved, and its state as the line beside 保存 gives it: a rejection, an approval or a proposal
        # made since (here or on another station) is said there, rather than the state it had when saved.
        self._saved_case: tuple[int, tuple[str, str]] | None = None
        self._told_of_saved = ""
        # Filling the pickers fires change signals; until the saved draft is back, none may touch the draft file.
        self._restoring = True
        self.errors: dict[str, ErrorLabel] = {}
        self._hints: dict[str, str] = {}  # a 问题分类 typed that names none → where such cases were filed
        self._left_in: QWidget | None = None  # the field the cursor was in when another page was shown
        self._before_history: QWidget | None = None  # the field Ctrl+L was pressed in
        self._build()
        self._load_choices()
        self.reference_follower = follow(self, ctx.signals, Change.REFERENCE, self._reload_choices)
        self.cases_follower = follow(self, ctx.signals, Change.CASES, self._cases_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self._shortcuts()
        self._restoring = False
        self.restore_draft()

    # --- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.registered_at = CallTimeEdit()
        self.channel = QComboBox()
        self.upstream_number = QLineEdit()
        self.upstream_number.setPlaceholderText("上级平台的工单编号")
        self.upstream_deadline = QLineEdit()
        self.upstream_deadline.setPlaceholderText("可不填，如 2022-08-05 18:00（只写日期即当天 23:59）")
        self.caller = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("输入号码后显示该来电人以往工单")
        self.address = QLineEdit()
        self.township = SearchCombo()
        self.appeal_type = ChoiceCombo()
        self.category = SearchCombo(placeholder="输入分类名称或拼音首字母，如 物业 或 wygl")
        self.title = QLineEdit()
        self.title.setPlaceholderText("可不填，默认取诉求内容开头")
        self.content = QPlainTextEdit()
        self.content.setTabChangesFocus(True)
        self.content.setMinimumHeight(88)  # four lines, and more as the window is taller
        self.confidential = QCheckBox("保密（交办单不显示来电人）")
        TypedNowhere(self.confidential)
        self.urgent = ChoiceCombo()  # yb 一般, jj 紧急, as the other lists take initials
        self.urgent.addItems(["一般", "紧急"])
        self.coordinate = QRadioButton("协调办理（当场答复或协调）")
        self.dispatch = QRadioButton("交办处理（拟交承办单位）")
        # One Tab stop for the pair, the arrow keys choose; apart, so that none is chosen until the operator does.
        self.handling_stop = RadioStop([self.coordinate, self.dispatch])
        self.answer = QPlainTextEdit()
        self.answer.setTabChangesFocus(True)
        self.answer.setPlaceholderText("协调办理：写明答复或协调情况")
        self.answer.setMaximumHeight(80)
        self.unit = SearchCombo(placeholder="承办单位：输入名称或拼音首字母，如 城管 或 csgl")
        self.assist = SearchCombo(placeholder="协办单位（可不选）")
        self.save_button = QPushButton("保存（Ctrl+S）")
        self.save_button.setDefault(True)
        self.new_button = QPushButton("新建（Ctrl+N）")
        self.new_button.setToolTip("登记下一个来电：清空表单（有未保存的内容时先询问），光标回到来电人")
        self.clear_button = QPushButton("清空…")
        self.clear_button.setToolTip("清空已填写的内容，在本表单重新填写（先询问，清空后不能恢复）")
        self.status = SpokenLabel()  # saved, or what is wrong: said as it shows
        self.status.setWordWrap(True)
        # Two lines kept for it: a result that wraps (拟交住房和城乡建设局…) no longer squeezes the form's rows into
        # one another where the page scrolls (125% display scaling).
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        self.history = QListWidget()
        self.history.setWordWrap(True)
        self.history.setToolTip("双击或按 Enter 打开该工单")
        self.history.setAccessibleName("来电人以往工单")
        self.history_title = QLabel(HISTORY_HINT)
        self.history_title.setWordWrap(True)

        form = QFormLayout()
        # Rows close together: the form fits a 1366×768 screen at 125% display scaling (a Windows laptop), where
        # with the style's spacing 诉求内容 was squeezed to one line and 保存 went below the screen's foot.
        form.setVerticalSpacing(4)
        rows: list[tuple[str, str, QWidget]] = [
            ("registered_at", "来电时间 *", self.registered_at), ("channel_id", "渠道/来源 *", self.channel),
            ("upstream_number", "上级工单号", self.upstream_number),
            ("upstream_deadline", "上级办理时限", self.upstream_deadline), ("caller_name", "来电人", self.caller),
            ("phone", "联系电话", self.phone), ("address", "地址", self.address),
            ("township_id", "所属乡镇街道", self.township), ("appeal_type_id", "诉求类型 *", self.appeal_type),
            ("category_id", "问题分类 *", self.category), ("title", "标题", self.title),
            ("content", "诉求内容 *", self.content),
        ]
        self.fields: dict[str, QWidget] = {key: widget for key, _label, widget in rows}
        self.fields.update(answer=self.answer, unit_id=self.unit, assist_unit_ids=self.assist, handling=self.coordinate)
        for key, label, widget in rows:
            holder = self._with_error(key, widget)
            form.addRow(label, holder)
            widget.setAccessibleName(spoken(label))  # the label names the holder, not the field a reader is in
            words = form.labelForField(holder)
            if isinstance(words, QLabel):  # a drop-down list is said by its label only through this, on Linux
                words.setBuddy(widget)
        for chooser, name in ((self.urgent, "紧急程度"), (self.unit, "承办单位"), (self.assist, "协办单位")):
            chooser.setAccessibleName(name)
        flags = QHBoxLayout()
        flags.addWidget(self.confidential)
        flags.addSpacing(16)
        urgency = QLabel("紧急程度")
        urgency.setBuddy(self.urgent)  # a drop-down list is said by its label only through this, on Linux
        flags.addWidget(urgency)
        flags.addWidget(self.urgent)
        flags.addStretch()
        form.addRow("", flags)
        how = QHBoxLayout()
        how.addWidget(self.coordinate)
        how.addWidget(self.dispatch)
        how.addStretch()
        choice = _wrap(how)
        choice.setAccessibleName(spoken("办理方式 *"))  # a reader says the pair's name with each button
        form.addRow("办理方式 *", self._with_error("handling", choice, self.coordinate, self.dispatch))
        self.answer_label = QLabel("答复内容 *")
        self.unit_label = QLabel("承办单位 *")
        form.addRow(self.answer_label, self._with_error("answer", self.answer))
        form.addRow(self.unit_label, self._with_error("unit_id", self.unit))
        assisting = QLabel("协办单位")
        form.addRow(assisting, self._with_error("assist_unit_ids", self.assist))
        for words, field in ((self.answer_label, self.answer), (self.unit_label, self.unit), (assisting, self.assist)):
            words.setBuddy(field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.status, 1)
        form.addRow("", buttons)
        keys = QLabel("带 * 的为必填项；Tab 或 Enter 到下一项（诉求内容中 Enter 换行），←/→ 选择办理方式，"
                      "Ctrl+S 保存，Ctrl+N 新建。")
        keys.setWordWrap(True)
        keys.setStyleSheet("color: #555;")

        side = QGroupBox("来电人以往工单")
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.history_title)
        side_layout.addWidget(self.history, 1)
        side_layout.addWidget(keys)  # beside the form, not a row of it: the form keeps to the screen's height
        side.setMaximumWidth(320)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(side, 1)

        order = [self.registered_at, self.channel, self.upstream_number, self.upstream_deadline, self.caller,
                 self.phone, self.address,
                 self.township, self.appeal_type, self.category, self.title, self.content, self.confidential,
                 self.urgent, self.coordinate, self.dispatch, self.answer, self.unit, self.assist, self.save_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        EnterMovesOn(self)  # Enter goes on along the same order; in 诉求内容 and 答复内容 it starts a new line

        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.new_case)
        self.clear_button.clicked.connect(self.ask_clear)
        self.history.itemActivated.connect(self._open_earlier)  # a double-click, or Enter on the case chosen
        self.phone.editingFinished.connect(self.show_history)
        self.phone.editingFinished.connect(self._phone_said)
        self.phone.textChanged.connect(self._phone_typed)
        self.channel.currentIndexChanged.connect(self._channel_changed)
        self.coordinate.toggled.connect(lambda on: self._handling_chosen(self.coordinate, on))
        self.dispatch.toggled.connect(lambda on: self._handling_chosen(self.dispatch, on))
        for widget in (self.upstream_number, self.upstream_deadline, self.caller, self.phone, self.address,
                       self.title):
            widget.textChanged.connect(self._changed)
        for combo in (self.channel, self.appeal_type, self.urgent):
            combo.currentIndexChanged.connect(self._changed)
        for combo in (self.township, self.category, self.unit, self.assist):
            combo.currentTextChanged.connect(self._changed)
        for key, label, picker in self._pickers():
            picker.editor.textEdited.connect(
                lambda _text, k=key, p=picker, name=label: self._picker_said(k, p, name, settled=False))
            picker.editor.editingFinished.connect(
                lambda k=key, p=picker, name=label: self._picker_said(k, p, name, settled=True))
        for box in (self.content, self.answer):
            box.textChanged.connect(self._changed)
        self.confidential.toggled.connect(self._changed)
        self.registered_at.dateTimeChanged.connect(self._changed)

    def _with_error(self, key: str, widget: QWidget, *within: QWidget) -> QWidget:
        """The field with its error beside it; the error's place is kept empty, so nothing moves when it shows.
        ``within``: the fields a reader is in, where ``widget`` holds several."""
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(widget, 1)
        label = ErrorLabel(widget, *within)
        label.setObjectName(f"error_{key}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        screen = QApplication.primaryScreen()
        narrow = screen is not None and screen.availableGeometry().width() < NARROW_SCREEN
        label.setFixedWidth(NARROW_ERROR_WIDTH if narrow else ERROR_WIDTH)
        label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Ignored)
        # Never below the field's own least height: set lower, the form squeezed 诉求内容 to a line and a half.
        holder.setMinimumHeight(max(ERROR_ROW_HEIGHT, widget.minimumSizeHint().height(), widget.minimumHeight()))
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(label, 0, Qt.AlignmentFlag.AlignTop if isinstance(widget, QPlainTextEdit)
                      else Qt.AlignmentFlag.AlignVCenter)
        self.errors[key] = label
        return holder

    @staticmethod
    def _choices_fetch(s: Any) -> tuple[Any, ...]:
        channels = [(c.name, c.id, False) for c in reference.list_channels(s, upper=False)]
        channels += [(c.name + "（上级交办）", c.id, True) for c in reference.list_channels(s, upper=True)]
        return (channels, [(u.name, u.id) for u in reference.list_units(s, "township")],
                [(a.name, a.id) for a in reference.list_appeal_types(s)],
                [(c.label, c.id) for c in reference.list_categories(s)],
                [(u.name, u.id) for u in reference.list_units(s)],
                reference.aliases_of(s, "unit"), reference.aliases_of(s, "category"))

    def _load_choices(self) -> None:
        self._reload_choices()
        self.reset_fields()

    def _reload_choices(self) -> None:
        """The lists, filled again after a unit, category, channel or type was added, renamed or stopped (here or on
        another station, the window open all day): what the form holds is kept as it is."""
        channels, towns, types, categories, units, unit_aliases, category_aliases = read(self.ctx,
                                                                                         self._choices_fetch)
        self._upper_channels = {cid for _n, cid, upper in channels if upper}
        refill(self.channel, [(name, cid) for name, cid, _upper in channels])
        refill(self.appeal_type, types)
        self.township.replace_items(towns, unit_aliases)
        self.category.replace_items(categories, category_aliases)
        self.unit.replace_items(units, unit_aliases)
        self.assist.replace_items(units, unit_aliases)

    def _shortcuts(self) -> None:
        # The keys work wherever the focus is while this view shows (the earlier-cases list, a button, an open
        # suggestion list, which a window-wide shortcut would not reach), not only inside the form's fields.
        # A hidden view's shortcuts do not fire, and a modal dialog above the window blocks them.
        for keys, slot in ((QKeySequence("Ctrl+S"), self.save), (QKeySequence("Ctrl+N"), self.new_case),
                           (QKeySequence("Ctrl+L"), self.go_to_earlier)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(slot)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.history, context=Qt.ShortcutContext.WidgetShortcut)
        back.activated.connect(self.back_from_earlier)

    def showEvent(self, event: QShowEvent) -> None:
        """Arriving at the form by the navigation, the cursor goes back to the field it left (来电人 the first time);
        a cursor already in the form stays."""
        super().showEvent(event)
        focused = QApplication.focusWidget()
        if focused is None or not self.isAncestorOf(focused):
            self.resume_focus()

    def focus_first(self) -> None:
        """The form's shortcut (Ctrl+2) from within the form: the cursor goes to 来电人, the first field to type in
        (来电时间 is already now). Nothing typed is touched."""
        self._put_cursor(self.caller)

    def resume_focus(self) -> None:
        """Back at the form from another page (Ctrl+2, a click on the navigation): the cursor returns to the field it
        was in, so the operator on a call goes on where they were; 来电人 when it was in none."""
        left = self._left_in
        if left is not None and shiboken6.isValid(left) and self.isAncestorOf(left) and left.isVisible() \
                and left.isEnabled() and not isinstance(left, QPushButton):  # 保存 takes no typing
            self._put_cursor(left)
        else:
            self.focus_first()

    def _top_in_sight(self) -> None:
        """A new call starts at the top of the form: where the page scrolls (1366×768 at 125%), 来电时间 and 渠道
        above 来电人 had stayed scrolled out of sight after the last call's 保存."""
        if (area := self._scroll_area()) is not None:
            area.verticalScrollBar().setValue(0)

    def _scroll_area(self) -> QScrollArea | None:
        """What scrolls the page the form is on, where the window is smaller than the form."""
        holder = self.parentWidget()
        while holder is not None and not isinstance(holder, QScrollArea):
            holder = holder.parentWidget()
        return holder if isinstance(holder, QScrollArea) else None

    @staticmethod
    def _put_cursor(field: QWidget) -> None:
        """The cursor into a field with nothing in it selected: the next key adds to what is there. (Focus given
        by a shortcut selected a field's whole text, and the caller's words replaced the name typed before.)"""
        close_popups()
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        editor = field if isinstance(field, QLineEdit) else field.lineEdit() if isinstance(field, QComboBox) else None
        if editor is not None:
            editor.deselect()

    # --- behaviour ----------------------------------------------------------------------------------
    def _channel_changed(self) -> None:
        upper = self.channel.currentData() in self._upper_channels
        for field in (self.upstream_number, self.upstream_deadline):
            field.setEnabled(upper)
            field.setToolTip("" if upper else "渠道选上级平台（如平顶山市“民呼必应”平台）时填写")

    def _handling_chosen(self, radio: QRadioButton, on: bool) -> None:
        other = self.dispatch if radio is self.coordinate else self.coordinate
        if on and other.isChecked():
            other.setChecked(False)
        self._handling_changed()
        if on:  # a change of the form like any other: kept in the draft, and a fixed 办理方式 loses its message
            self._changed()

    def _handling_changed(self) -> None:
        dispatch = self.dispatch.isChecked()
        self.answer.setEnabled(not dispatch)
        self.unit.setEnabled(dispatch)
        self.assist.setEnabled(dispatch)
        why = "" if dispatch else "办理方式选“交办处理”后选择承办单位（←/→ 在办理方式中选择）"
        for picker in (self.unit, self.assist):  # greyed, it says why, as a greyed button does
            picker.setToolTip(why)
        self.answer.setToolTip("办理方式选“交办处理”时由承办单位答复，这里不填" if dispatch else "")
        self.answer_label.setText("答复内容 *" if self.coordinate.isChecked() else "答复内容")
        self.unit_label.setText("承办单位 *" if dispatch else "承办单位")
        for label, field in ((self.answer_label, self.answer), (self.unit_label, self.unit)):
            field.setAccessibleName(spoken(label.text()))  # a screen reader says whether it is required now

    def _phone_typed(self, text: str) -> None:
        if len(text.strip()) >= 7:
            self.show_history()
        elif self.history.count() or self.history_title.text() != HISTORY_HINT:  # a number typed anew: what was
            self.history.clear()  # said of the last one (its cases, or that it had none) goes at once
            self.history_title.setText(HISTORY_HINT)

    def go_to_earlier(self) -> None:
        """Ctrl+L: to the caller's earlier cases, the latest chosen, for Enter to open (it was 14 Tabs away); from
        the list, Ctrl+L (or Esc) goes back to the field it was pressed in."""
        if self.history.hasFocus():
            self.back_from_earlier()
            return
        if self.history.count() == 0:
            self._say_of_form("该号码没有以往工单。" if self.phone.text().strip() else "请先输入联系电话。")
            return
        focused = QApplication.focusWidget()
        self._before_history = focused if focused is not None and self.form_holds(focused) else None
        if self.history.currentRow() < 0:
            self.history.setCurrentRow(0)
        self.history.setFocus()
        if (area := self._scroll_area()) is not None:  # from low in a scrolled form the heading went out of sight
            area.ensureWidgetVisible(self.history_title, 0, 3 * self.fontMetrics().lineSpacing())

    def back_from_earlier(self) -> None:
        """Esc in the earlier cases: back to the field the call was being typed in (诉求内容 when none)."""
        target = self._before_history
        if target is None or not shiboken6.isValid(target) or not target.isVisible():
            target = self.fields["content"]
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def form_holds(self, widget: QWidget) -> bool:
        """Whether ``widget`` is one of the form's fields (or inside one, as a combo's line edit)."""
        return any(field is widget or field.isAncestorOf(widget) for field in self.fields.values())

    def show_history(self) -> None:
        phone = self.phone.text().strip()
        private = not may_see_confidential(self.ctx.actor)
        try:
            earlier = (read(self.ctx, lambda s: cases_by_phone(s, phone, private=private))
                       if len(phone) >= SHORTEST_PHONE else [])
        except DatabaseError as exc:  # said here, quietly: a box on each digit typed took the digits that followed
            self.history.clear()
            self.history_title.setText(f"未能查找该号码的以往工单：{exc.message.rstrip('。')}。恢复后按 F5 重新查找。")
            return
        self.history.clear()
        for c in earlier:
            item = QListWidgetItem(f"{c.number}  {c.registered_at:%Y-%m-%d}  {c.state_label}\n{c.title}")
            item.setToolTip(f"{c.number}  {c.state_label}  {c.unit}\n{c.category}\n{c.title}\n（双击打开）")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.history.addItem(item)
        whole = not phone_problem(phone)  # a number half typed (10 digits of a mobile) has no cases of its own
        self.history_title.setText(f"重复来电：该号码以往有 {len(earlier)} 件工单（Ctrl+L 到此，双击或回车打开；"
                                   "同一诉求再次来电的，在原工单中点“登记再次来电”，不另登记）" if earlier
                                   else "该号码没有以往工单" if phone and whole else HISTORY_HINT)

    def _phone_said(self) -> None:
        """A number that cannot be a phone number is said as the field is left, while the caller can still repeat
        it, not only at 保存; a corrected one loses the message."""
        if self._restoring:
            return
        said = ""
        if self.phone.text().strip():
            draft = self.draft()
            found = read(self.ctx, lambda s: validate_draft(s, draft, self.ctx.clock()))
            said = next((message for key, message in found if key == "phone"), "")
        self.errors["phone"].say(said)

    def _open_earlier(self, item: QListWidgetItem) -> None:
        from hotline_desk.ui.case_list import CaseDetailDialog

        detail = CaseDetailDialog(self, self.ctx, int(item.data(Qt.ItemDataRole.UserRole)))
        run_modal(detail)
        if Action.RECALL in detail.steps_taken:
            self._after_recall(detail.view.number)

    def _after_recall(self, number: str) -> None:
        """The call was a 再次来电 of an earlier case, recorded there: the form's caller and words need no case of
        their own. Cleared at once if the operator says so; kept as typed otherwise (否 is the default), with how
        to clear it later."""
        said = f"已在 {number} 登记再次来电"
        if not self.is_dirty():
            self.status.setText(f"{said}。")
        elif confirm(self, "登记再次来电", f"{said}，这通来电不必另登记工单。\n\n清空登记表单，接下一个来电？"
                                           "（选“否”保留所填内容）"):
            self._discard_draft()
            self.reset_fields()
            self.caller.setFocus()
            self.status.setText(f"{said}，表单已清空。")
        else:
            self.status.setText(f"{said}。表单内容保留；不必另登记的，按 Ctrl+N 清空。")

    def values(self) -> dict[str, Any]:
        """The form as plain values (what the draft file keeps)."""
        return {
            "registered_at": self.registered_at.dateTime().toString("yyyy-MM-dd HH:mm"),
            "channel": self.channel.currentData(), "upstream_number": self.upstream_number.text(),
            "upstream_deadline": self.upstream_deadline.text(),
            "caller": self.caller.text(), "phone": self.phone.text(), "address": self.address.text(),
            "township": self.township.currentText(), "appeal_type": self.appeal_type.currentData(),
            "category": self.category.currentText(), "title": self.title.text(),
            "content": self.content.toPlainText(), "confidential": self.confidential.isChecked(),
            "urgent": self.urgent.currentIndex() == 1,
            "handling": "coordinate" if self.coordinate.isChecked() else "dispatch" if self.dispatch.isChecked()
            else "", "answer": self.answer.toPlainText(), "unit": self.unit.currentText(),
            "assist": self.assist.currentText(),
        }

    def is_dirty(self) -> bool:
        v = self.values()
        return any(v[k] for k in ("caller", "phone", "address", "content", "title", "answer", "category", "unit"))

    def _changed(self) -> None:
        if self._restoring:
            return
        if self.sender() is self.registered_at or not self.registered_at.hasAcceptableInput():
            # the operator set the call's time (or began to type one, which Qt signals only once it is whole):
            # it stays as typed
            self._time_from_reset = False
        elif self._time_from_reset:
            # The first keystroke of a call on a form cleared a while ago: the call came in now, not when the
            # form was cleared (a blank form may wait half an hour for the next call).
            self._time_from_reset = False
            self._set_call_time(self.ctx.clock())
        if not self._draft_timer.isActive():  # the keystrokes of the next half second go with this one
            self._draft_timer.start()
        if any(label.full for label in self.errors.values()):
            self._recheck()
        elif self._said_of_form and self.status.text() == self._said_of_form:
            self._say_of_form("")
        if self._saved_said and self.status.text() == self._saved_said:  # the next call: the number stays, told
            self.status.setText(f"上一件{self._saved_said}")  # apart from the call now typed, which is not saved
        self._saved_said = ""

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Tabbed into a field whose error is cut short beside it (问题分类's suggestions): the whole of it under the
        form, for the keyboard has no tooltip to open."""
        if new is None or not shiboken6.isValid(self) or not self.isVisible():
            return
        for key, label in self.errors.items():
            field = self.fields.get(key)
            if field is not None and (field is new or field.isAncestorOf(new)):
                if label.full and label.text() != label.full:
                    self._say_of_form(label.full)
                return

    def _cases_changed(self) -> None:
        self._saved_case_moved()
        if self.phone.text().strip():  # another station may have registered this caller while the call is typed
            chosen = self.history.currentItem()
            kept = chosen.data(Qt.ItemDataRole.UserRole) if chosen is not None else None
            self.show_history()
            for row in range(self.history.count()):
                if self.history.item(row).data(Qt.ItemDataRole.UserRole) == kept:
                    self.history.setCurrentRow(row)

    def _saved_case_moved(self) -> None:
        """Cases changed: the line about the call last saved, while it still shows, says the state it has now."""
        saved, text = self._saved_case, self.status.text()
        if saved is None or not text.endswith(self._told_of_saved):
            return
        case_id, told = saved
        view = read(self.ctx, lambda s: case_view(s, case_id))
        if (view.state_label, view.unit) == told:
            return
        self._saved_case = (case_id, (view.state_label, view.unit))
        said = f"已登记 {view.number}，现为{_state_words(view.state_label, view.unit, view.assisting)}。"
        self.status.setText(f"上一件{said}" if text.startswith("上一件") else said)
        if self._saved_said:
            self._saved_said = said
        self._told_of_saved = said

    def _say_of_form(self, text: str) -> None:
        self.status.setText(text)
        self._said_of_form = text

    def _write_draft(self) -> None:
        """The form to its draft file, or the file gone when nothing is typed. A file system that refuses just now
        (a scanner holding the file on Windows) is logged by the store; the next change tries again. Refused again
        (a read-only or full disk), the operator is told that a crash would lose the call, until a draft is kept."""
        if not self.is_dirty():
            self.store.clear()
            return
        if self.store.save(self.values()):
            if self._drafts_refused >= DRAFT_REFUSALS_SAID and self.status.text() == self._draft_unsaved():
                self._say_of_form("草稿又能保存了。")
            self._drafts_refused = 0
            return
        self._drafts_refused += 1
        if self._drafts_refused == DRAFT_REFUSALS_SAID:  # kept while typing on, unlike what is said of the form
            self.status.setText(self._draft_unsaved())
            self.ctx.signals.notice.emit(self._draft_unsaved())

    def _draft_unsaved(self) -> str:
        return (f"注意：正在输入的内容无法存为草稿（{self.store.path.parent} 不能写入，详见日志），程序意外关闭时"
                "会丢失：请尽快保存工单，并告诉电脑维护人员。")

    def flush_draft(self) -> None:
        """Write what is still waiting for the timer: the last keystrokes are kept when the form goes away."""
        if self._draft_timer.isActive():
            self._draft_timer.stop()
            self._write_draft()

    def _discard_draft(self) -> None:
        self._draft_timer.stop()
        self.store.clear()

    def hideEvent(self, event: QHideEvent) -> None:
        self.flush_draft()  # the window closed, or another page shown
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):  # where to come back to (Qt moves it once hidden)
            self._left_in = focused
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush_draft()
        super().closeEvent(event)

    def _pickers(self) -> tuple[tuple[str, str, SearchCombo], ...]:
        return (("township_id", "乡镇街道", self.township), ("category_id", "问题分类", self.category),
                ("unit_id", "单位", self.unit), ("assist_unit_ids", "单位", self.assist))

    def _picker_said(self, key: str, combo: SearchCombo, label: str, *, settled: bool) -> None:
        """A picker's own message as it is typed in or left: a text that matches nothing is flagged at once (and a
        text matching several when the field is left), instead of waiting for 保存; a fixed one loses its message."""
        if self._restoring:
            return
        message = combo.unresolved(label, settled=settled) if combo.isEnabled() else ""
        if settled and key == "category_id":
            message = self._with_filed(message)
        shown = self.errors[key]
        if message or shown.full.startswith("“"):  # only the picker's own message is taken back here
            shown.say(message)

    def _with_filed(self, message: str) -> str:
        """A 问题分类 message with where such cases were filed, that first: the two lines beside the field (the
        whole in its tooltip) show the office's usual choice rather than how to use the list."""
        filed = self._categories_hint(message)
        return f"“{self.category.currentText().strip()}”不在列表中，{filed}" if filed else message

    def _categories_hint(self, message: str) -> str:
        """For a 问题分类 typed that names none (路灯): where the office filed its latest cases holding those words."""
        typed = self.category.currentText().strip()
        if not typed or not message or self.category.matching(typed):
            return ""
        if typed not in self._hints:  # read once per text: the form is checked again at each keystroke elsewhere
            used = read(self.ctx, lambda s: categories_used_for(s, typed, self.ctx.clock()))
            filed = "、".join(f"{label}（{n}件）" for label, n in used)
            self._hints[typed] = f"以往多归入：{filed}。" if used else ""
        return self._hints[typed]

    def _recheck(self) -> None:
        """While errors show, a fixed field loses its message at once; no new message appears before saving."""
        found: dict[str, str] = {}
        for key, message in self.problems():
            found.setdefault(key, message)  # the first of a field's messages, as saving shows it
        for key, label in self.errors.items():
            if label.full:
                label.say(found.get(key, ""))
        if self._said_of_form and self.status.text() == self._said_of_form:  # the count as it now stands
            before = self._said_of_form
            self._say_of_form(_errors_said(sum(1 for label in self.errors.values() if label.full)))
            if self._said_of_form != before:  # the window's status bar said the old count too
                self.ctx.signals.notice.emit(f"未保存：{self._said_of_form}" if self._said_of_form else "")

    def problems(self) -> list[tuple[str, str]]:
        """Every problem with the form as (field, message), the way the save would see them."""
        draft = self.draft()
        # A picker's typed text that names nothing in its list is never dropped in silence (an optional town would be)
        found = [(key, self._with_filed(message) if key == "category_id" else message)
                 for key, label, combo in self._pickers() if combo.isEnabled() and (message := combo.unresolved(label))]
        if unfinished := self.registered_at.unfinished("来电时间"):  # the time it would save is not the one shown
            found.append(("registered_at", unfinished))
        if self.upstream_deadline.isEnabled():  # a limit that is no time is said, not saved as none
            try:
                read_upstream_limit(self.upstream_deadline.text())
            except ValidationError as exc:
                found.append(("upstream_deadline", exc.message))
        found += read(self.ctx, lambda s: validate_draft(s, draft, self.ctx.clock()))
        if not draft.handling:
            found.append(("handling", HANDLING_MISSING))
        return found

    def _left_behind(self) -> tuple[str, dict[str, Any]] | None:
        """A draft on this machine of someone no longer in service (a call half typed when she left, her account
        since disabled): taken over, moved to this user's own draft, so the call is not lost. Who left it, and it."""
        if not self.ctx.actor.can("register"):
            return None
        gone = [row for row in read(self.ctx, user_rows) if not row.active and row.username != self.ctx.actor.username]
        for row in gone:
            theirs = entry_draft(self.ctx.state_dir, row.username, self.ctx.db.identity)
            if (saved := theirs.load()) and self.store.save(saved):
                theirs.clear()
                return row.display_name, saved
        return None

    def restore_draft(self) -> None:
        saved = self.store.load()
        taken_from = ""
        if not saved and (left := self._left_behind()) is not None:
            taken_from, saved = left
        if not saved:
            return
        self._restoring = True
        try:
            self.registered_at.setDateTime(QDateTime.fromString(saved.get("registered_at", ""), "yyyy-MM-dd HH:mm"))
            self.channel.setCurrentIndex(max(self.channel.findData(saved.get("channel")), 0))
            self.upstream_number.setText(saved.get("upstream_number", ""))
            self.upstream_deadline.setText(saved.get("upstream_deadline", ""))
            self.caller.setText(saved.get("caller", ""))
            self.phone.setText(saved.get("phone", ""))
            self.address.setText(saved.get("address", ""))
            self.township.setCurrentText(saved.get("township", ""))
            self.appeal_type.setCurrentIndex(self.appeal_type.findData(saved.get("appeal_type")))
            self.category.setCurrentText(saved.get("category", ""))
            self.title.setText(saved.get("title", ""))
            self.content.setPlainText(saved.get("content", ""))
            self.confidential.setChecked(bool(saved.get("confidential")))
            self.urgent.setCurrentIndex(1 if saved.get("urgent") else 0)
            self.handling_stop.choose({"coordinate": self.coordinate, "dispatch": self.dispatch}.get(
                saved.get("handling", "")))
            self.answer.setPlainText(saved.get("answer", ""))
            self.unit.setCurrentText(saved.get("unit", ""))
            self.assist.setCurrentText(saved.get("assist", ""))
            self._time_from_reset = False  # the draft's call came in when the draft says
        finally:
            self._restoring = False
        age = _call_age(saved.get('registered_at', ''), self.ctx.clock())
        if taken_from:  # her account was disabled with a call half typed on this machine
            said = f"已接手{taken_from}（已停用）在本机未保存的登记内容{age}。"
            self.status.setText(said)
            self.ctx.signals.notice.emit(f"{said}这是{taken_from}没有保存的来电，请核对后保存，或按 Ctrl+N 清空。")
            return
        said = f"已恢复上次未保存的登记内容{age}。"
        self.status.setText(said)
        # also below the page: a call half typed before is not taken for the one now on the line
        self.ctx.signals.notice.emit(f"{said}这是上次关闭前没有保存的来电，请核对后保存，或按 Ctrl+N 清空。")

    def _set_call_time(self, now: datetime) -> None:
        was_restoring, self._restoring = self._restoring, True
        try:
            self.registered_at.setDateTime(QDateTime(now.year, now.month, now.day, now.hour, now.minute, 0))
        finally:
            self._restoring = was_restoring

    def reset_fields(self) -> None:
        was_restoring, self._restoring = self._restoring, True
        try:
            self._set_call_time(self.ctx.clock())
            self._time_from_reset = True  # until the operator types: set again at the call's first keystroke
            self.channel.setCurrentIndex(0)
            for widget in (self.upstream_number, self.upstream_deadline, self.caller, self.phone, self.address,
                           self.title):
                widget.clear()
            for box in (self.content, self.answer):
                box.clear()
            for combo in (self.township, self.category, self.unit, self.assist):
                combo.set_value(None)
            self.appeal_type.setCurrentIndex(-1)
            self.confidential.setChecked(False)
            self.urgent.setCurrentIndex(0)
            self.handling_stop.choose(None)
            self.history.clear()
            self.history_title.setText(HISTORY_HINT)
            self._show_errors([])
        finally:
            self._restoring = was_restoring
        self._handling_changed()
        self._channel_changed()
        self._blank = self.values()  # the form as nobody has touched it yet

    def new_case(self) -> None:
        close_popups()
        if self.is_dirty() and not confirm(self, "新建工单", "当前登记内容尚未保存，确定放弃并新建？"):
            return
        self._discard_draft()
        self.reset_fields()
        self.status.clear()
        self.ctx.signals.notice.emit("")  # what the status bar said of the call cleared away goes with it
        self.caller.setFocus()
        self._top_in_sight()

    def ask_clear(self) -> None:
        close_popups()
        # words typed are asked about first; choices alone (办理方式, 保密) are only cleared: 清空 did nothing to them
        if not self.is_dirty() or confirm(self, "清空表单", "确定清空已填写的内容？清空后不能恢复。"):
            self._discard_draft()
            self.reset_fields()
            self.status.setText("已清空。")
            self.ctx.signals.notice.emit("")  # what the status bar said of the call cleared away goes with it
            self.caller.setFocus()
            self._top_in_sight()

    def _upstream_limit(self) -> datetime | None:
        try:
            return read_upstream_limit(self.upstream_deadline.text())
        except ValidationError:  # said by ``problems`` before anything is saved
            return None

    def draft(self) -> CaseDraft:
        v = self.values()
        moment = self.registered_at.dateTime().toPython()
        assert isinstance(moment, datetime)
        assist = self.assist.value()
        upper = v["channel"] in self._upper_channels
        return CaseDraft(
            content=v["content"], registered_at=moment.replace(second=0, microsecond=0),
            source="upper" if upper else "local", channel_id=v["channel"],
            # the greyed field of a call on the city's own line keeps its text for a channel changed back, unsaved
            upstream_number=v["upstream_number"] if upper else "", caller_name=v["caller"], phone=v["phone"],
            upstream_deadline=self._upstream_limit() if upper else None,
            address=v["address"],
            township_id=self.township.value(), appeal_type_id=v["appeal_type"], category_id=self.category.value(),
            title=v["title"], confidential=v["confidential"], urgent=v["urgent"], handling=v["handling"],
            answer=v["answer"], unit_id=self.unit.value() if v["handling"] == "dispatch" else None,
            assist_unit_ids=[assist] if assist and v["handling"] == "dispatch" else [],
        )

    def _show_errors(self, errors: list[tuple[str, str]]) -> None:
        found: dict[str, str] = {}
        for key, message in errors:
            found.setdefault(key if key in self.errors else "content", message)
        for key, label in self.errors.items():
            label.say(found.get(key, ""))

    def _refuse(self, errors: list[tuple[str, str]]) -> None:
        self._show_errors(errors)
        order = list(self.errors)
        first = min((key for key, _m in errors), key=lambda k: order.index(k) if k in order else len(order))
        field = self.fields.get(first)
        if field is not None:
            field.setFocus()
        said = _errors_said(len({key for key, _m in errors}))
        shown = self.errors.get(first)
        if shown is not None and shown.text() != shown.full:  # cut short beside its field: whole here, mouse or not
            count = len({key for key, _m in errors})
            said = shown.full + (f"（另有 {count - 1} 处，见各栏右侧的红字）" if count > 1 else "")
        self._say_of_form(said)
        self.ctx.signals.notice.emit(f"未保存：{said}")  # where the line beside 保存 is scrolled out of sight

    def _time_confirmed(self, draft: CaseDraft) -> bool:
        now, at = self.ctx.clock(), draft.registered_at
        if at is None:
            return True
        final = read(self.ctx, lambda s: month_notice(s, month_of(at), at, "这次登记"))
        far = abs(now - at) >= TIME_WARNING
        if not far and not final:
            return True
        # How far off only when it is (a call a minute ago in a finalised month read “比现在早 0 小时”).
        said = [f"来电时间 {at:%Y-%m-%d %H:%M} 比现在{'早' if at < now else '晚'} {span_words(abs(now - at))}。"
                if far else f"来电时间 {at:%Y-%m-%d %H:%M}。", *([f"注意：{final}"] if final else [])]
        if confirm(self, "来电时间", "\n".join(said) + "\n确定按这个时间登记？选“否”返回修改。"):
            return True
        self.registered_at.setFocus()
        return False

    def _not_registered_already(self, draft: CaseDraft) -> bool:
        """Whether to go on when the call looks registered already: this number's call with the same words this
        week (saved twice by habit, or a draft restored after it was saved), or one another operator registered
        minutes ago in other words (put through to both, or rung again on another line). 否, the default, keeps
        the form as it is."""
        now = self.ctx.clock()
        private = not may_see_confidential(self.ctx.actor)

        def look(s: Session) -> tuple[CaseSummary | None, CaseSummary | None]:
            if (same := same_call(s, draft, now, private=private)) is not None:
                return same, None
            return None, recent_call(s, draft, now, registering=self.ctx.actor.id, private=private)

        same, recent = read(self.ctx, look)
        if same is not None:
            question = (f"该号码 {same.registered_at:%Y-%m-%d %H:%M} 已登记工单 {same.number}（{same.state_label}），"
                        "诉求内容与这次相同。\n")
            kept = f"未保存：与 {same.number} 内容相同。如是同一诉求再次来电"
        elif recent is not None:
            question = (f"该号码 {recent.registered_at:%H:%M} 的来电刚由别的话务员登记为工单 {recent.number}"
                        f"（{recent.state_label}）：{recent.title}\n\n是同一个电话吗？")
            kept = f"未保存：该号码刚登记了 {recent.number}。如是同一诉求"
        else:
            return True
        if confirm(self, "可能重复登记", f"{question}确定再登记一件新工单？选“否”不保存，表单内容保留。"):
            return True
        said = f"{kept}，请在右侧以往工单中双击打开，点“登记再次来电”。"
        self._say_of_form(said)
        self.ctx.signals.notice.emit(said)  # the status bar said the last call's 已登记 RZ…
        self.fields["content"].setFocus()
        return False

    def _caller_kept_out(self, draft: CaseDraft) -> bool:
        """A 保密 case whose words name its caller is asked about once (否, the default, goes back to the words)."""
        named = name_in_confidential(draft)
        if not named or confirm(self, "保密工单", f"{named}\n\n仍按现在的内容保存？选“否”返回修改。"):
            return True
        said = "未保存：保密工单的诉求内容或标题中写有来电人的姓名或电话，请改写。"
        self._say_of_form(said)
        self.ctx.signals.notice.emit(said)  # the status bar still spoke of red marks an earlier 保存 had shown
        self.fields["content"].setFocus()
        return False

    def save(self) -> None:
        close_popups()  # a list left open would take the next click, and digits would land in the wrong field
        if self.values() == self._blank:
            # Ctrl+S pressed again on the form just cleared: no call to save, and 已登记 … stays on screen, instead
            # of every required field turning red.
            if not self.status.text():
                self.status.setText("表单还没有填写，没有要保存的内容。")
            return
        draft = self.draft()
        errors = self.problems()
        if errors:
            self._refuse(errors)
            return
        self._show_errors([])
        try:
            # The checks before saving read the database too: a server restarting is said once, as a save's is.
            if not self._time_confirmed(draft) or not self._not_registered_already(draft) \
                    or not self._caller_kept_out(draft):
                return
            with self.ctx.writing() as session:
                set_back = clock_set_back_words(session, self.ctx.clock())
                view = register_case(session, self.ctx.actor, draft, clock=self.ctx.clock)
                due = dispatch_due(session, view.id) if draft.urgent else None
        except ValidationError as exc:
            self._refuse(exc.errors or [(exc.field or "content", exc.message)])
            return
        except HotlineError as exc:
            # The line beside 保存 spoke of the call before (已登记 RZ…): it now says that this one is not saved.
            self._say_of_form(f"未保存：{exc.message}")
            self.ctx.signals.notice.emit(f"未保存：{exc.message}")  # not the last call's 已登记 RZ… left below
            QMessageBox.warning(self, "无法保存", exc.message)
            return
        assisting = self.assist.currentText().strip() if draft.assist_unit_ids else ""
        self._discard_draft()
        self.reset_fields()
        # The state as the lists name it (拟交办, not 待审核), with the unit proposed.
        how = "协调办理，" if view.state == "pending_followup" else ""
        said = f"已登记 {view.number}（{how}{_state_words(view.state_label, view.unit, assisting)}）。"
        if due is not None:  # at night no supervisor may be in the room: the operator is to call one
            said += f"紧急工单须在 {due:%m-%d %H:%M} 前审核交办，请立即告知审核员。"
        saved = said
        if set_back:
            said += "注意：本机时钟可能被调回了，请告诉电脑维护人员。"
        self.status.setText(said)
        self._saved_said = said
        self._saved_case, self._told_of_saved = (view.id, (view.state_label, view.unit)), said
        self.ctx.signals.notice.emit(said)  # in the status bar too: seen where the form scrolls (125% scaling)
        self.ctx.signals.cases_changed.emit()
        if set_back:  # saved all the same: the call is taken, and the clock is for someone else to put right
            QMessageBox.warning(self, "请核对本机时钟", f"{saved}\n\n{set_back}")
        self.caller.setFocus()  # the next call: 来电时间 is already now, the caller's name comes first
        self._top_in_sight()


def _call_age(written: str, now: datetime) -> str:
    """A restored draft's call, by its time and how long ago: （来电时间 08-05 09:02，6 小时前）; "" when unread."""
    try:
        at = datetime.strptime(written, "%Y-%m-%d %H:%M")
    except ValueError:
        return ""
    ago = f"，{span_words(now - at)}前" if now - at >= timedelta(minutes=1) else ""
    return f"（来电时间 {at:%m-%d %H:%M}{ago}）"


def _state_words(label: str, unit: str, assisting: str) -> str:
    """A case's state as the lists name it, with the unit it is with or proposed to (已交办：自来水公司)."""
    if not unit:
        return label
    return f"{label}：{unit}" + (f"，协办{assisting}" if assisting else "")


def _errors_said(count: int) -> str:
    return f"有 {count} 处需要补充或更正，光标已在第一处（各栏右侧的红字写明原因）。" if count else ""



def _wrap(layout: QHBoxLayout) -> QWidget:
    holder = QWidget()
    holder.setLayout(layout)
    layout.setContentsMargins(0, 0, 0, 0)
    return holder

