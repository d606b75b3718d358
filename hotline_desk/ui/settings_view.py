"""设置 (admin): units, categories, users, the working-day calendar, scoring rules and the bulletin template."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFocusEvent, QFont, QKeySequence, QShortcut, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError
from hotline_desk.models.reference import UNIT_GROUP_LABELS
from hotline_desk.models.system import ROLE_LABELS
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.maintenance import backup, backups, half_imports
from hotline_desk.services.maintenance.opening import disk_room, room_words
from hotline_desk.services.office import admin, lookups, reference, settings, unit_import
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.office.calendar import (
    ShortDeadlines,
    calendar_page_notice,
    far_year_words,
    long_breaks,
    read_day_list,
    short_deadlines,
)
from hotline_desk.services.office.reference import UnitView
from hotline_desk.services.reporting.bulletin_compose import fields_words
from hotline_desk.services.reporting.rules import RULES_EFFECT, WHOLE_RANGES, load_rules
from hotline_desk.ui.accessible_names import name_form_rows
from hotline_desk.ui.changes import Change, follow
from hotline_desk.ui.connection import ConnectionDialog
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.entry_widgets import NumberBox
from hotline_desk.ui.feedback import read
from hotline_desk.ui.models import Column, RowsModel
from hotline_desk.ui.operations import Operation, show_refusal
from hotline_desk.ui.plain_text import rich_label
from hotline_desk.ui.reference_lists import ReferenceListsView
from hotline_desk.ui.text_widths import UNIT_NAME_MOST, widen_to_fit
from hotline_desk.ui.widgets import (
    WARNING_STYLE,
    FieldSpec,
    GuardedDialog,
    ask,
    choose,
    confirm,
    fit_size,
    ok_cancel,
    reading_box,
    run_modal,
    save_first,
)
from hotline_desk.ui.window_state import remember_fitted_columns


class SettingsView(QTabWidget):
    """Each page scrolls on its own, so none forces the window taller than a 768-pixel screen. The two forms saved
    by a button (考核规则, 时限与简报模板) ask before the window closes on unsaved edits."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.forms: dict[str, RulesTab | TemplateTab] = {"考核规则": RulesTab(ctx), "时限与简报模板": TemplateTab(ctx)}
        for page, title in ((UnitsTab(ctx), "承办单位"), (CategoriesTab(ctx), "问题分类"), (UsersTab(ctx), "用户"),
                            (ReferenceListsView(ctx), "渠道、诉求类型与别名"),
                            (CalendarTab(ctx), "工作日历"), (self.forms["考核规则"], "考核规则"),
                            (self.forms["时限与简报模板"], "时限与简报模板"), (BackupTab(ctx), "数据库与备份")):
            self.addTab(_scrolled(page), title)

    def is_dirty(self) -> bool:
        return any(form.is_dirty() for form in self.forms.values())

    def may_leave(self, going: str) -> bool:
        """Each form with unsaved edits is shown and asks 保存/不保存/取消 (the default); True if ``going`` may go."""
        for title, form in self.forms.items():
            if not form.is_dirty():
                continue
            self.setCurrentIndex(next(i for i in range(self.count()) if self.tabText(i) == title))
            answer = save_first(self, f"设置的“{title}”有未保存的修改。{going}前是否保存？")
            if answer is None or (answer and not form.save()):
                return False
        return True


def _scrolled(page: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no invisible Tab stop between the tabs and the page's first field
    area.setWidget(page)
    return area


def _buttons(*pairs: tuple[str, Any]) -> QHBoxLayout:
    row = QHBoxLayout()
    for text, slot in pairs:
        button = QPushButton(text)
        button.clicked.connect(slot)
        row.addWidget(button)
    row.addStretch()
    return row


def _editor_value(editor: QWidget) -> Any:
    """What a settings editor holds: a choice's data, a box's state, a number or text."""
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QSpinBox):
        return editor.value()
    if isinstance(editor, QLineEdit):
        return editor.text()
    if isinstance(editor, QPlainTextEdit):
        return editor.toPlainText()
    return None


def _set_editor_value(editor: QWidget, value: Any) -> None:
    """Show ``value`` (as ``_editor_value`` gives it) in a settings editor."""
    if isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(editor.findData(value), 0))
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QSpinBox):
        editor.setValue(int(value))
    elif isinstance(editor, QLineEdit):
        editor.setText(str(value))
    elif isinstance(editor, QPlainTextEdit):
        editor.setPlainText(str(value))


def _own_edits(parent: QWidget, loaded: dict[str, Any], typed: dict[str, Any], stored: dict[str, Any],
               labels: dict[str, str]) -> dict[str, Any] | None:
    """What a settings form stores: only the items changed in it, so what another station saved meanwhile in other
    items stands. Where both changed the same item, the person chooses (None: 取消, nothing is stored)."""
    mine = {key: value for key, value in typed.items() if value != loaded.get(key)}
    both = [key for key in mine if stored.get(key) != loaded.get(key) and stored.get(key) != mine[key]]
    if both:
        listed = "\n".join(f"· {labels.get(key, key)}：对方改为“{_short(stored.get(key))}”，您改为“{_short(mine[key])}”"
                           for key in both)
        chosen = choose(parent, "设置已被他人修改", f"在您修改期间，其他工作站也保存了以下各项：\n{listed}\n\n"
                        "这些项用您的值覆盖，还是采用对方的值？（您改动的其他项照常保存，对方改动的其他项保留。）",
                        "用我的值覆盖", "采用对方的值", icon=QMessageBox.Icon.Warning, wide=True)
        if chosen is None:
            return None
        if chosen is False:
            for key in both:
                del mine[key]
    return mine


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _reload(table: QTableView, model: RowsModel[Any], rows: list[Any], key: Callable[[Any], object]) -> None:
    """New rows (after a save here or on another station) without losing the row the person had selected."""
    chosen = {key(model.row(index.row())) for index in table.selectionModel().selectedRows()}
    model.set_rows(rows)
    for number, row in enumerate(rows):
        if key(row) in chosen:
            table.selectRow(number)


class _ChosenOnEntry(QObject):
    """A list reached by Tab with no row chosen has its first (or current) row chosen: its buttons all wanted a row,
    and stayed grey until a further ↓."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (isinstance(watched, QTableView) and event.type() == QEvent.Type.FocusIn
                and isinstance(event, QFocusEvent) and event.reason() in KEYBOARD_REASONS
                and not watched.selectionModel().hasSelection() and watched.model().rowCount() > 0):
            watched.selectRow(max(watched.currentIndex().row(), 0))
        return super().eventFilter(watched, event)


KEYBOARD_REASONS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)


def _table(model: Any, name: str) -> QTableView:
    table = QTableView()
    table.installEventFilter(_ChosenOnEntry(table))
    table.setAccessibleName(name)
    table.setTabKeyNavigation(False)  # Tab goes on to the next control, arrows move in the list
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setDefaultSectionSize(24)
    return table


# Rules are read by every month not finalised yet: the month just over changes with them.
RULES_SAVED = f"已保存考核规则：{RULES_EFFECT}"


class UnitsTab(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model: RowsModel[UnitView] = RowsModel([
            Column("分组", lambda u: u.group_label), Column("考核表顺序", lambda u: u.display_order),
            Column("单位名称", lambda u: u.name),
            Column("在用", lambda u: "是" if u.active else f"已并入{self.merged[u.id]}" if u.id in self.merged
                   else "停用")])
        self.merged: dict[int, str] = {}
        self.table = _table(self.model, "承办单位")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(_buttons(("添加单位", self.add), ("修改所选", self.edit),
                                  ("从 Excel 导入单位表…", self.import_list)))
        self.refresh()
        remember_fitted_columns(ctx.window_state(), "settings_units", self.table)
        self.follower = follow(self, ctx.signals, Change.REFERENCE, self.refresh)

    def refresh(self) -> None:
        units, self.merged = read(self.ctx, lambda s: (reference.list_units(s, include_inactive=True),
                                                       lookups.merged_into(s)))
        _reload(self.table, self.model, units, lambda unit: unit.id)
        widen_to_fit(self.table, 2, [unit.name for unit in units], UNIT_NAME_MOST)

    def _fields(self, unit: UnitView | None) -> list[FieldSpec]:
        groups = [(label, code) for code, label in UNIT_GROUP_LABELS.items()]
        return [FieldSpec("name", "单位名称", default=unit.name if unit else "", required=True),
                FieldSpec("group", "分组", "choice", groups, default=unit.group if unit else "township"),
                FieldSpec("order", "考核表顺序", "int", minimum=1, maximum=999,
                          default=unit.display_order if unit else 99),
                FieldSpec("active", "在用", "choice", [("在用", True), ("停用", False)],
                          default=unit.active if unit else True),
                FieldSpec("needs_caller", "交办单显示来电人", "choice", [("显示姓名和电话", True), ("不显示", False)],
                          default=unit.needs_caller if unit else True)]

    def add(self) -> None:
        self._save(None)

    def edit(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._save(self.model.row(rows[0].row()))

    def _save(self, unit: UnitView | None) -> None:
        def store(v: dict[str, Any]) -> bool:  # refused (a name taken): the dialog opens again as typed
            if unit is not None and unit.active and not v["active"]:  # being stopped: its open cases named first
                question = read(self.ctx, lambda s: ra.stopping_question(s, unit.id, self.ctx.clock()))
                if question and not confirm(self, "停用单位", question):
                    return True  # 否: nothing stored, and the dialog is not asked again
            renamed = _old_name_kept(unit.name) if unit is not None and unit.name != v["name"].strip() else ""
            return Operation(self, self.ctx, lambda s: admin.save_unit(
                s, self.ctx.actor, unit.id if unit else None, v["name"], v["group"], v["order"], v["active"],
                v["needs_caller"]), changes=Change.REFERENCE).notify(f"已保存承办单位“{v['name'].strip()}”。{renamed}"
                                                                    ).run_here() is not None

        if ask(self, "修改承办单位" if unit is not None else "添加承办单位", self._fields(unit), then=store):
            self.refresh()


    def import_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择单位表", str(Path.home()), "Excel 工作簿 (*.xlsx *.xls)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """A county's own unit list: what it would change is shown and asked about first (否 by default), with
        whether the units it does not name are stopped (not by default); nothing is changed before."""
        preview = Operation(self, self.ctx, lambda s: unit_import.preview_units(s, path, self.ctx.clock()),
                            read_only=True,
                            title="无法导入单位表").run_here()
        if preview is None:
            return
        lines = [*(f"新增　{name}（{UNIT_GROUP_LABELS[group]}）" for name, group in preview.new),
                 *(f"重新启用　{name}" for name in preview.restarted)]
        # A county's list is forty units and more: the box shows counts, the first names and what to look at, and
        # fits a 1366×768 screen (its tick and 是/否 were below the screen's foot); every name under 显示详情….
        shown = "\n".join(lines[:SHOWN_UNITS]) + (f"\n……共 {len(lines)} 项" if len(lines) > SHOWN_UNITS else "")
        example = f"（如“{preview.alike[0][0]}”与“{preview.alike[0][1]}”）" if preview.alike else ""
        alike = (f"\n\n其中 {len(preview.alike)} 个像是已有的单位{example}：是同一个单位的，请先在本页用“修改所选”"
                 "把已有的改名，再导入。") if preview.alike else ""
        busy = f"，其中 {len(preview.still_open)} 个还有在办工单" if preview.still_open else ""
        others = (f"\n\n表中没有的在用单位有 {len(preview.unnamed)} 个{busy}：勾选下面一项才停用。"
                  if preview.unnamed else "")
        box = QMessageBox(QMessageBox.Icon.Question, "导入单位表",
                          f"{preview.summary(False, done=False).splitlines()[0]}\n\n{shown}{alike}{others}\n\n"
                          "全部名单和说明见“显示详情”。确定导入？",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("unit_import_question")
        box.setDetailedText("\n".join([preview.summary(True, done=False), "", *lines,
                                        *(f"停用（勾选时）　{name}" for name in preview.unnamed)]))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        # the list as the office's whole list: the default units it does not name stopped (made as the box's child,
        # so that the box owns it: setCheckBox alone leaves it to Python, which deleted it under the box)
        whole = QCheckBox(f"这是本地的全部单位：停用表中没有的 {len(preview.unnamed)} 个单位（已有工单仍在它们名下），"
                          "考核表按表中顺序排列", box)
        if preview.unnamed:
            box.setCheckBox(whole)
        box.exec()
        if box.clickedButton() is not box.button(QMessageBox.StandardButton.Yes):
            return
        stop_others = bool(preview.unnamed) and whole.isChecked()
        done = Operation(self, self.ctx, lambda s: unit_import.import_units(
            s, self.ctx.actor, path, stop_others=stop_others, expected=preview, clock=self.ctx.clock),
                         changes=Change.REFERENCE,
                         title="无法导入单位表").run_here()
        if done is not None:
            said = done.summary(stop_others, done=True)
            self.ctx.signals.notice.emit(said.splitlines()[0])
            QMessageBox.information(self, "导入单位表", said)
            self.refresh()


SHOWN_UNITS = 12  # lines of a unit list's preview shown in the question (the rest under 显示详情…)


def _old_name_kept(old: str) -> str:
    return (f"原名称“{old}”保留为别名：导入和查找时仍指这个单位。若它并不是这个单位（例如把默认列表中别处的单位"
            "改成本地的单位），请在“渠道、诉求类型与别名”的“别名”页删除它。")


class CategoriesTab(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["问题分类", "在用"])
        self.tree.setAccessibleName("问题分类")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(_buttons(("添加一级分类", lambda: self._save(None, None)), ("添加二级分类", self.add_child),
                                  ("改名或停用", self.edit)))
        self.refresh()
        self.follower = follow(self, ctx.signals, Change.REFERENCE, self.refresh)

    def refresh(self) -> None:
        rows = read(self.ctx, reference.category_tree)
        self.tree.clear()
        parents: dict[int, QTreeWidgetItem] = {}
        for cid, name, parent, active in rows:
            if parent is None:
                parents[cid] = QTreeWidgetItem(self.tree, [name, "" if active else "停用"])
                parents[cid].setData(0, 256, (cid, None, active))
        for cid, name, parent, active in rows:
            if parent is not None and parent in parents:
                item = QTreeWidgetItem(parents[parent], [name, "" if active else "停用"])
                item.setData(0, 256, (cid, parent, active))

    def add_child(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        cid, parent, _active = item.data(0, 256)
        self._save(None, parent or cid)

    def edit(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            cid, parent, active = item.data(0, 256)
            self._save(cid, parent, item.text(0), active)

    def _save(self, cid: int | None, parent: int | None, name: str = "", active: bool = True) -> None:
        in_use = [("在用", True), ("停用", False)]
        v = ask(self, "问题分类", [FieldSpec("name", "名称", default=name, required=True),
                                FieldSpec("active", "在用", "choice", in_use, default=active)],
                intro="已登记工单保留登记时的分类名称，统计按登记时的分类计算。")
        if v and Operation(self, self.ctx, lambda s: admin.save_category(s, self.ctx.actor, cid, v["name"], parent,
                                                                         v["active"]),
                           changes=Change.REFERENCE).notify(f"已保存问题分类“{v['name']}”。").run_here():
            self.refresh()


CHANGED = {"display_name": "姓名", "role": "角色"}


# What each button of the users' page needs chosen (any user, one in use, one stopped), said on it while it cannot be
# used: 重新启用 with a user in use chosen did nothing and said nothing.
USER_BUTTON_NEEDS: tuple[tuple[str, bool | None, str], ...] = (
    ("修改姓名或角色", None, "先在列表中选中一个用户"), ("重置密码", None, "先在列表中选中一个用户"),
    ("停用所选", True, "先在列表中选中一个在用的用户"), ("重新启用", False, "先在列表中选中一个已停用的用户"))


class UsersTab(QWidget):
    """工作人员: everyone who may sign in, and those deactivated (who can be enabled again); a person's name and role
    corrected, a one-time password given, an account deactivated after a question."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model: RowsModel[users.UserRow] = RowsModel([
            Column("登录名", lambda u: u.username), Column("姓名", lambda u: u.display_name),
            Column("角色", lambda u: u.role_label), Column("状态", lambda u: u.state_label(ctx.clock()))])
        self.table = _table(self.model, "用户")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        row = _buttons(("添加用户", self.add), ("修改姓名或角色", self.change_role),
                       ("重置密码", self.reset), ("停用所选", self.disable), ("重新启用", self.enable))
        layout.addLayout(row)
        self.buttons = {button.text(): button for i in range(row.count())
                        if (item := row.itemAt(i)) is not None and isinstance(button := item.widget(), QPushButton)}
        self.table.selectionModel().selectionChanged.connect(self._name_buttons)
        self.refresh()
        remember_fitted_columns(ctx.window_state(), "settings_users", self.table)
        self.follower = follow(self, ctx.signals, Change.REFERENCE, self.refresh)

    def _name_buttons(self) -> None:
        user = self._selected()
        for text, active, why in USER_BUTTON_NEEDS:
            usable = user is not None and (active is None or user.active == active)
            self.buttons[text].setEnabled(usable)
            self.buttons[text].setToolTip("" if usable else f"{why}。")

    def refresh(self) -> None:
        _reload(self.table, self.model, read(self.ctx, users.user_rows), lambda user: user.username)
        for column in range(self.model.columnCount() - 1):  # a longer name added since: never cut (登录名 zha…)
            if self.table.sizeHintForColumn(column) > self.table.columnWidth(column):
                self.table.resizeColumnToContents(column)
        self._name_buttons()  # the row kept chosen may have been stopped or started again

    def _selected(self) -> users.UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def add(self) -> None:
        roles = [(label, code) for code, label in ROLE_LABELS.items()]
        v = ask(self, "添加用户", [FieldSpec("username", "登录名", required=True),
                                 FieldSpec("name", "姓名", required=True), FieldSpec("role", "角色", "choice", roles)],
                intro="新用户得到一个一次性密码，首次登录时须改为自己的密码。")
        if not v:
            return
        new = Operation(self, self.ctx, lambda s: users.add_account(s, self.ctx.actor, v["username"], v["name"],
                                                                     v["role"]), changes=Change.REFERENCE).run_here()
        if new is not None:
            self.refresh()
            QMessageBox.information(self, "已添加用户",
                                    f"已添加 {new.actor.display_name}（{new.actor.username}）。\n\n"
                                    f"一次性密码：{new.one_time_password}\n\n"
                                    "只显示这一次，请当面告知；首次登录时须改为自己的密码。"
                                    + (f"\n\n{new.same_name_words}可在本页“修改姓名或角色”中更改。"
                                       if new.same_name_words else ""))

    def change_role(self) -> None:
        user = self._selected()
        if user is None:
            return
        roles = [(label, code) for code, label in ROLE_LABELS.items()]

        def carry_out(v: dict[str, Any]) -> bool:
            # Only what was changed here: a role another admin changed meanwhile is not put back unseen.
            changes = {name: value for name, value, shown in (("display_name", v["name"].strip(), user.display_name),
                                                               ("role", v["role"], user.role)) if value != shown}
            if not changes:
                return True
            return self._set(user, f"已修改 {user.username} 的{'、'.join(CHANGED[c] for c in changes)}。", **changes)

        ask(self, f"修改 {user.display_name}（{user.username}）",
            [FieldSpec("name", "姓名", default=user.display_name, required=True),
             FieldSpec("role", "角色", "choice", roles, default=user.role)],
            intro="登录名不能修改。更正姓名后，此人以往办理的步骤在历史中也显示更正后的姓名。", then=carry_out)

    def reset(self) -> None:
        user = self._selected()
        if user is None:
            return
        if user.username == self.ctx.actor.username:
            show_refusal(self, "重置密码", accounts.OWN_PASSWORD)
            return
        if QMessageBox.question(self, "重置密码", f"为 {user.display_name}（{user.username}）生成一个一次性密码？\n\n"
                                "其原来的密码随即失效，锁定同时解除；该用户下次登录时须改为自己的密码。",
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        given = Operation(self, self.ctx, lambda s: accounts.reset_password(s, self.ctx.actor, user.username,
                                                                             clock=self.ctx.clock),
                          changes=Change.REFERENCE).run_here()
        if given is not None:
            self.refresh()
            QMessageBox.information(self, "已重置密码",
                                    f"{user.display_name}（{user.username}）的一次性密码：{given}\n\n只显示这一次，请当面告知；下次登录时须改为自己的密码。")

    def disable(self) -> None:
        user = self._selected()
        if user is None or not user.active:
            return
        if user.username == self.ctx.actor.username:
            show_refusal(self, "停用用户", admin.NOT_ONESELF)
            return
        if QMessageBox.question(self, "停用用户", f"停用 {user.display_name}（{user.username}）？\n\n"
                                "停用后不能登录，已在工作的也不能再保存；其办理过的工单和历史不变。"
                                "可随时“重新启用”。",
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        self._set(user, f"已停用 {user.display_name}（{user.username}）。", active=False)

    def enable(self) -> None:
        user = self._selected()
        if user is None or user.active:
            return
        self._set(user, f"已重新启用 {user.display_name}（{user.username}）。", active=True)

    def _set(self, user: users.UserRow, said: str, **changes: Any) -> bool:
        def work(session: Session) -> str:
            admin.set_user(session, self.ctx.actor, user.username, clock=self.ctx.clock, **changes)
            return users.namesakes_words(session, user.username) if "display_name" in changes else ""

        done = Operation(self, self.ctx, work, changes=Change.REFERENCE).notify(said).run_here()
        self.refresh()  # shown or not: the list is what the next click acts on
        if done:  # renamed to a name another person has: said, as when a person is added so
            QMessageBox.information(self, "同名的工作人员", done)
        return done is not None


# A day's background in the calendar and its digits, dark on the pastel whatever the palette: a 调休 Saturday in the
# dark of a workday, not the weekend's red; a holiday in a dark red.
HOLIDAY = ("#F8D7DA", "#8B0000")
WORKDAY = ("#D6E4FF", "#1A1A1A")


class CalendarTab(QWidget):
    """The working-day calendar as months: holidays in red, 调休 workdays in blue; a day is set by clicking it, a
    year's announcement is pasted in at once (批量录入)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.days: dict[date, tuple[bool, str]] = {}
        self.calendar = QCalendarWidget()
        self.calendar.setAccessibleDescription("选择要设为节假日或调休上班日的日期（PageUp、PageDown 换月）")
        self.calendar.setAccessibleName("工作日历")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMinimumHeight(260)
        today = ctx.clock().date()
        self.calendar.setSelectedDate(QDate(today.year, today.month, today.day))
        self.calendar.selectionChanged.connect(self._show_day)
        self.day_label = QLabel()
        self.kind = QComboBox()
        self.kind.addItem("节假日（不上班）", False)
        self.kind.addItem("调休上班", True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("说明，如：国庆节")
        self.legend = rich_label(f"<span style='background:{HOLIDAY[0]}; color:{HOLIDAY[1]}'>　红底　</span> 节假日　"
                                 f"<span style='background:{WORKDAY[0]}; color:{WORKDAY[1]}'>　蓝底　</span> 调休上班"
                                 "　周末默认休息。")
        form = QFormLayout()
        form.addRow("所选日期", self.day_label)
        form.addRow("类型", self.kind)
        form.addRow("说明", self.note)
        name_form_rows(form)
        self.year_notice = QLabel()  # this year's or next year's holidays not entered: said where they are entered
        self.year_notice.setObjectName("calendar_notice")
        self.year_notice.setWordWrap(True)
        self.year_notice.setStyleSheet(WARNING_STYLE)
        self.year_notice.hide()
        side = QVBoxLayout()
        side.addWidget(self.year_notice)
        side.addLayout(form)
        side.addLayout(_buttons(("设置所选日期", self.set_day), ("恢复为平常日", self.clear_day)))
        side.addLayout(_buttons(("批量录入节假日和调休…", self.bulk)))
        side.addWidget(self.legend)
        side.addStretch()
        layout = QHBoxLayout(self)
        layout.addWidget(self.calendar, 3)
        layout.addLayout(side, 2)
        self.follower = follow(self, ctx.signals, Change.REFERENCE, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        for day in self.days:
            self.calendar.setDateTextFormat(QDate(day.year, day.month, day.day), QTextCharFormat())
        listed, said = read(self.ctx, lambda s: (admin.calendar_days(s), calendar_page_notice(s, self.ctx.clock())))
        self.days = {day: (workday, note) for day, workday, note in listed}
        self.year_notice.setText(said)
        self.year_notice.setVisible(bool(said))
        for day, (workday, note) in self.days.items():
            shown = QTextCharFormat()
            background, digits = WORKDAY if workday else HOLIDAY
            shown.setBackground(QColor(background))
            shown.setForeground(QColor(digits))
            shown.setFontWeight(QFont.Weight.Bold)
            shown.setToolTip(f"{'调休上班' if workday else '节假日'}{'：' + note if note else ''}")
            self.calendar.setDateTextFormat(QDate(day.year, day.month, day.day), shown)
        self._show_day()

    def selected_day(self) -> date:
        chosen = self.calendar.selectedDate().toPython()
        assert isinstance(chosen, date)
        return chosen

    def _show_day(self) -> None:
        day = self.selected_day()
        known = self.days.get(day)
        if known is None:
            plain = "工作日" if day.weekday() < 5 else "周末（休息）"
            self.day_label.setText(f"{day:%Y-%m-%d}：平常的{plain}")
            self.kind.setCurrentIndex(1 if day.weekday() >= 5 else 0)
            self.note.clear()
        else:
            self.day_label.setText(f"{day:%Y-%m-%d}：{'调休上班' if known[0] else '节假日'}")
            self.kind.setCurrentIndex(self.kind.findData(known[0]))
            self.note.setText(known[1])

    def set_day(self) -> None:
        day, workday, note = self.selected_day(), bool(self.kind.currentData()), self.note.text().strip()
        if not far_year_meant(self, [day], self.ctx.clock().date()):
            return

        def set_it(s: Session) -> ShortDeadlines:
            made_holiday = admin.set_day(s, self.ctx.actor, day, workday, note)
            return short_deadlines(s, [day] if made_holiday else [], self.ctx.clock())

        moved = Operation(self, self.ctx, set_it, changes=Change.REFERENCE | Change.CASES).notify(
            lambda short: f"已把 {day:%Y-%m-%d} 设为{'调休上班' if workday else '节假日'}。{short.message()}"
        ).run_here()
        if moved:
            tell_short_deadlines(self, "已设置", moved)

    def clear_day(self) -> None:
        day = self.selected_day()
        Operation(self, self.ctx, lambda s: admin.set_day(s, self.ctx.actor, day, None),
                   changes=Change.REFERENCE | Change.CASES).notify(f"{day:%Y-%m-%d} 已恢复默认。").run_here()

    def bulk(self) -> None:
        run_modal(BulkDaysDialog(self, self.ctx))


class BulkDaysDialog(GuardedDialog):
    """A year's holidays and 调休 days typed or pasted as lines, checked before anything is stored; closing it
    with lines typed asks first."""

    EXAMPLE = ("2024-10-01 至 2024-10-07 节假日 国庆节\n2024-09-29 调休 国庆节调休\n2024-10-12 调休 国庆节调休")

    def __init__(self, parent: QWidget | None, ctx: UiContext) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("批量录入节假日和调休")
        self.saved = 0
        intro = QLabel("可整段粘贴国务院办公厅的放假通知（连同标题，以便知道年份）；或每行一个日期或一段日期，"
                       "再写“节假日”或“调休”（调休即周末上班），可加说明。例如：")
        intro.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("节假日和调休，每行一个日期或一段日期")
        self.text.setPlaceholderText(self.EXAMPLE)
        # Six lines at the least, more where the screen has room: at 150% display scaling a least height of 220 was
        # more than the screen left it, and the dialog laid 保存 and 取消 over the text box.
        self.text.setMinimumSize(480, 6 * self.text.fontMetrics().lineSpacing() + 12)
        self.text.setTabChangesFocus(True)
        # What is wrong, every line of it: a box that scrolls, not a label that grows past the dialog's foot.
        self.message = reading_box("message", 5)
        self.message.setStyleSheet("color: #B00020;")
        self.message.hide()
        buttons = ok_cancel(self, "保存", self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(rich_label(self.EXAMPLE.replace("\n", "<br>")))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        fit_size(self, 640, 560)

    def typed(self) -> object:
        return self.text.toPlainText().strip()

    def save(self) -> None:
        try:
            read = read_day_list(self.text.toPlainText())
        except HotlineError as exc:
            self.message.setPlainText(exc.message)
            self.message.show()
            return
        entries = read.entries
        if not far_year_meant(self, [entry.day for entry in entries], self.ctx.clock().date()):
            return

        def set_them(s: Session) -> tuple[int, ShortDeadlines, str]:
            entered = admin.set_days(s, self.ctx.actor, entries)
            return (entered.count, short_deadlines(s, entered.new_holidays, self.ctx.clock()),
                    long_breaks(s, entered.new_holidays))

        saved = Operation(self, self.ctx, set_them, changes=Change.REFERENCE | Change.CASES).notify(
            lambda done: f"已录入 {done[0]} 天：节假日 {sum(not e.workday for e in entries)} 天、"
                         f"调休上班 {sum(e.workday for e in entries)} 天。{read.repeated_words()}"
                         f"{done[1].message()}").run_here()
        if saved is not None:
            self.saved, moved, too_long = saved
            if too_long:  # a range typed wrong: asked to be looked at, not passed by in the status bar
                QMessageBox.warning(self, "请核对录入的日期", too_long)
            if moved:  # a passing note in the status bar would be missed: the deadlines to look after are named
                tell_short_deadlines(self, "已录入", moved)
            self.accept()


def far_year_meant(parent: QWidget, days: list[date], today: date) -> bool:
    """Whether days of a year far ahead are meant (asked, 否 the default); True when there are none."""
    said = far_year_words(days, today)
    return not said or confirm(parent, "年份是否写错了", f"{said}\n\n确实要录入吗？")


SEE_ALL_IN_BOX = "全部编号：点下方的“显示详情”"


def tell_short_deadlines(parent: QWidget, title: str, short: ShortDeadlines) -> None:
    """The cases counted short, in a box that holds every number below its message (it scrolls, however many)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, short.message(SEE_ALL_IN_BOX), parent=parent)
    box.setDetailedText("\n".join(short.numbers))
    box.exec()


class RulesTab(QWidget):
    """The scoring rule set as a form; the 汝州 rule is the default."""

    CHOICES: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {
        "finish_denominator": (("全部交办工单", "all"), ("应办结工单（期限已到）", "due")),
        "case_finished": (("回访后办结", "closed"), ("办理完毕即办结", "handled")),
        "unit_finished": (("单位回复即办结", "handled"), ("回访后办结", "closed")),
        "sources": (("本级和上级交办", "all"), ("仅本级", "local")),
    }
    LABELS: ClassVar[dict[str, str]] = {
        "bonus_label": "附加分一列的名称", "bonus_base": "附加分基数", "bonus_min": "附加分下限",
        "bonus_max": "附加分上限", "decimals": "得分小数位",
        "basic_counts": "基本满意计入满意", "finish_denominator": "办结率分母", "case_finished": "简报“已办结”",
        "unit_finished": "单位“办结”", "sources": "考核计入工单",
    }

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.editors: dict[str, QWidget] = {}
        self.form = QFormLayout(self)
        rules = read(ctx, load_rules).to_dict()
        for i, column in enumerate(rules["columns"]):
            weight = QSpinBox()
            weight.setRange(*WHOLE_RANGES["weight"])  # as the rules take it: 150 was offered, then refused at 保存
            weight.setValue(column["weight"])
            mode = QComboBox()
            mode.addItem("按比例", "linear")
            mode.addItem("达标得满分", "threshold")
            mode.setCurrentIndex(mode.findData(column["mode"]))
            threshold = QLineEdit(str(column["threshold"]))
            threshold.setPlaceholderText("0～1")
            threshold.setToolTip("达标线：0 至 1 之间的数，0.9 即 90%（计分方式为“达标得满分”时才用到）")
            row = QHBoxLayout()
            name = QLineEdit(column["label"])
            for widget, said in ((name, "名称"), (weight, "满分"), (mode, "计分方式"), (threshold, "达标线")):
                widget.setAccessibleName(f"{column['label']}的{said}")  # four fields behind one label
                row.addWidget(widget)
            holder = QWidget()
            holder.setLayout(row)
            self.editors[f"column{i}"] = holder
            self.form.addRow(f"{column['label']}（名称、满分、方式、达标线）", holder)
        for key, label in self.LABELS.items():
            value = rules[key]
            editor: QWidget
            if key in self.CHOICES:
                combo = QComboBox()
                for text, code in self.CHOICES[key]:
                    combo.addItem(text, code)
                combo.setCurrentIndex(combo.findData(value))
                editor = combo
            elif isinstance(value, bool):
                box = QCheckBox()
                box.setChecked(value)
                editor = box
            elif isinstance(value, str):
                editor = QLineEdit(value)
                editor.setToolTip("考核表中这一列的标题，1 至 10 个字，如 附加分、加减分")
            else:
                spin = QSpinBox()
                spin.setRange(*WHOLE_RANGES[key])
                spin.setValue(int(value))
                editor = spin
            self.editors[key] = editor
            self.form.addRow(label, editor)
        save = QPushButton("保存考核规则")
        save.clicked.connect(self.save)
        self.form.addRow("", save)
        reach = QLabel("改动对尚未定稿的每个月都生效（包括刚结束、还没定稿的月份），已定稿的月份保持定稿时的得分。")
        reach.setWordWrap(True)
        reach.setObjectName("rules_reach")
        self.form.addRow("", reach)
        name_form_rows(self.form)
        self._saved = self.values()

    def is_dirty(self) -> bool:
        return self.values() != self._saved

    @classmethod
    def shown(cls, rules: dict[str, Any]) -> dict[str, Any]:
        """A stored rule set as this form's values give it."""
        columns = [{"key": c["key"], "label": c["label"], "weight": c["weight"], "mode": c["mode"],
                    "threshold": float(c["threshold"])} for c in rules["columns"]]
        return {"columns": columns, **{key: rules[key] if key in cls.CHOICES or isinstance(rules[key], bool | str)
                                      else int(rules[key]) for key in cls.LABELS}}

    def fill(self, values: dict[str, Any]) -> None:
        """Show a rule set (as ``shown`` gives it) in the form."""
        for i, column in enumerate(values["columns"]):
            layout = self.editors[f"column{i}"].layout()
            assert layout is not None
            label, weight, mode, threshold = [item.widget() if (item := layout.itemAt(j)) else None for j in range(4)]
            assert isinstance(label, QLineEdit) and isinstance(weight, QSpinBox)
            assert isinstance(mode, QComboBox) and isinstance(threshold, QLineEdit)
            label.setText(column["label"])
            weight.setValue(column["weight"])
            mode.setCurrentIndex(mode.findData(column["mode"]))
            threshold.setText(str(column["threshold"]))
        for key in self.LABELS:
            _set_editor_value(self.editors[key], values[key])

    def values(self) -> dict[str, Any]:
        rules = read(self.ctx, load_rules).to_dict()
        columns = []
        for i, column in enumerate(rules["columns"]):
            layout = self.editors[f"column{i}"].layout()
            assert layout is not None
            widgets = [item.widget() if (item := layout.itemAt(j)) else None for j in range(4)]
            label, weight, mode, threshold = widgets
            assert isinstance(label, QLineEdit) and isinstance(weight, QSpinBox)
            assert isinstance(mode, QComboBox) and isinstance(threshold, QLineEdit)
            try:
                limit = float(threshold.text() or 0)
            except ValueError:
                limit = -1.0
            columns.append({"key": column["key"], "label": label.text().strip() or column["label"],
                            "weight": weight.value(), "mode": mode.currentData(), "threshold": limit})
        values: dict[str, Any] = {"columns": columns}
        values.update({key: _editor_value(self.editors[key]) for key in self.LABELS})
        return values

    def save(self) -> bool:
        """Stores the items changed here (see ``_own_edits``), then shows the rule set as now stored."""
        stored = self.shown(read(self.ctx, load_rules).to_dict())
        mine = _own_edits(self, self._saved, self.values(), stored, {"columns": "各项得分（名称、满分、方式、达标线）",
                                                                      **self.LABELS})
        if mine is None:
            return False
        done = not mine or Operation(
            self, self.ctx, lambda s: admin.update_rules(s, self.ctx.actor, mine, clock=self.ctx.clock),
            changes=Change.SETTINGS).notify(RULES_SAVED).run_here() is not None
        if done:
            self.fill(self.shown(read(self.ctx, load_rules).to_dict()))
            self._saved = self.values()
        return done


class TemplateTab(QWidget):
    """Every declared setting with its label, grouped; choices by their Chinese labels, numbers within their range.
    All are checked together when saved: one bad value stores none."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        current = read(ctx, settings.Settings)
        for group, title in settings.GROUP_LABELS.items():
            box = QGroupBox(title)
            form = QFormLayout(box)
            for key, definition in settings.SETTING_DEFS.items():
                if definition.group != group:
                    continue
                editor = _setting_editor(definition, current.get(key))
                editor.setObjectName(f"setting_{key}")
                self.editors[key] = editor
                label = QLabel(definition.label)
                if tip := "\n".join(filter(None, (definition.note, fields_words(key)))):
                    label.setToolTip(tip)
                    editor.setToolTip(tip)
                if definition.kind is bool and definition.note:  # a box has no words: what it means beside it
                    said = QLabel(definition.note)
                    said.setWordWrap(True)
                    said.setStyleSheet("color: #555555;")
                    editor.setAccessibleName(definition.label)
                    editor.setAccessibleDescription(definition.note)
                    label.setBuddy(editor)
                    beside = QWidget()
                    row = QHBoxLayout(beside)
                    row.setContentsMargins(0, 0, 0, 0)
                    row.addWidget(editor)
                    row.addWidget(said, 1)
                    form.addRow(label, beside)
                else:
                    form.addRow(label, editor)
            name_form_rows(form)
            layout.addWidget(box)
        layout.addLayout(_buttons(("保存（Ctrl+S）", self.save)))
        # the page scrolls past forty fields: 保存 is reached from any of them, as 工单登记 saves
        QShortcut(QKeySequence.StandardKey.Save, self, self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        layout.addStretch()
        self._saved = self.values()

    def values(self) -> dict[str, Any]:
        return {key: _editor_value(editor) for key, editor in self.editors.items()}

    def is_dirty(self) -> bool:
        return self.values() != self._saved

    def stored(self) -> dict[str, Any]:
        """Every setting as now stored, as this form's editors give it."""
        current = read(self.ctx, settings.Settings)
        return {key: _editor_value(_setting_editor(settings.SETTING_DEFS[key], current.get(key)))
                for key in self.editors}

    def save(self) -> bool:
        """Stores the settings changed here (see ``_own_edits``), then shows them all as now stored."""
        labels = {key: settings.SETTING_DEFS[key].label for key in self.editors}
        mine = _own_edits(self, self._saved, self.values(), self.stored(), labels)
        if mine is None:
            return False

        def store(s: Any) -> int:
            for key, value in mine.items():
                admin.update_setting(s, self.ctx.actor, key, value, clock=self.ctx.clock)
            return len(mine)

        done = not mine or Operation(self, self.ctx, store, changes=Change.SETTINGS, title="无法保存设置") \
            .notify(lambda n: f"已保存 {n} 项设置。" + "".join(dict.fromkeys(
                settings.SETTING_DEFS[key].effect for key in mine))).run_here() is not None
        if done:
            for key, value in self.stored().items():
                _set_editor_value(self.editors[key], value)
            self._saved = self.values()
        return done


def _setting_editor(definition: settings.SettingDef[Any], value: Any) -> QWidget:
    if definition.choices:
        combo = QComboBox()
        for code, label in definition.choices:
            combo.addItem(label, code)
        combo.setCurrentIndex(max(combo.findData(value), 0))
        return combo
    if definition.kind is bool:
        box = QCheckBox()
        box.setChecked(bool(value))
        return box
    if definition.kind is int:  # out of range is said at 保存, by the setting's own check
        return NumberBox(definition.minimum if definition.minimum is not None else 0,
                         definition.maximum if definition.maximum is not None else 99_999, int(value))
    if definition.kind is list:
        return _lines_box(_as_typed(value), definition.note)
    line = QLineEdit(_as_typed(value) if definition.kind is dict else str(value))
    if definition.note:
        line.setPlaceholderText(definition.note)
    return line


def _lines_box(text: str, note: str) -> QPlainTextEdit:
    """A list of paragraphs (第一部分另加的条目), one a line: a few lines high, Tab going on to the next field."""
    box = QPlainTextEdit(text)
    box.setTabChangesFocus(True)
    box.setPlaceholderText(note)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * LIST_LINES_SHOWN + 2 * box.frameWidth() + 8)
    return box


LIST_LINES_SHOWN = 3


def _as_typed(value: Any) -> str:
    """A list (第一部分另加的条目) as it is typed back: each paragraph on its own line, none as nothing (the field's
    example shows). A list that would not read back so (an entry of several lines, or a first one that opens as JSON
    does) is shown as JSON, which the setting takes too."""
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() == v and v and "\n" not in v
                                       for v in value) and not (value and settings.json_list_typed(value[0])):
        return "\n".join(value)
    return json.dumps(value, ensure_ascii=False)


class BackupTab(QWidget):
    """Where the data is (and changing that for this station), the last backup, and a button for one now
    (automatic ones happen daily and on close)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.where = QLabel(f"本工作站的数据库：{ctx.db.display_name}")
        self.where.setWordWrap(True)
        self.info = QLabel()
        self.info.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addLayout(_buttons(("更改连接…", self.change_connection)))
        layout.addWidget(self.info)
        self.backup_button = QPushButton("立即备份")
        self.backup_button.clicked.connect(self.backup_now)
        if ctx.db.path is not None:  # a server is backed up on the server
            row = QHBoxLayout()
            row.addWidget(self.backup_button)
            row.addStretch()
            layout.addLayout(row)
        layout.addStretch()
        self.refresh()

    def change_connection(self) -> None:
        if run_modal(ConnectionDialog(self, self.ctx.db.url)) == QDialog.DialogCode.Accepted:
            QMessageBox.information(self, "已保存", "新的数据库连接已保存，重新启动本程序后生效。")

    def refresh(self) -> None:
        path = self.ctx.db.path
        if path is None:
            self.info.setText("服务器数据库由服务器统一备份（pg_dump，见说明书）；"
                              "也可用 migrate-db 命令复制成一个 SQLite 文件留存。")
            return
        last, (folder, keep), room = read(self.ctx, lambda s: (backups.last_backup(s, path),
                                                                backups.backup_location(s, path),
                                                                backups.room_words(s, path)))
        when = f"{last.made_at:%Y-%m-%d %H:%M}（{last.path.name}）" if last else "还没有备份"
        disk = disk_room(path)
        free = f"\n数据库所在磁盘的可用空间：{disk.free_words}" + (f"\n{room_words(disk)}" if disk.low else "") \
            if disk is not None else ""
        self.info.setText(f"上次备份：{when}\n备份目录：{folder}" + (f"（{room}）" if room else "") + "\n"
                          f"{backups.retention_words(keep)}；每天首次启动、程序一直开着时每满一天、以及每次关闭程序时"
                          "自动备份（关闭时若自上次备份以来没有保存过任何内容，就不再备份）。" + free)

    def backup_now(self) -> None:
        path = self.ctx.db.path
        if path is None:
            return

        def made(info: backup.BackupInfo) -> None:
            self.refresh()
            self.ctx.signals.backed_up.emit()
            # Another station was importing: what a restore of this backup will do; an old backup open elsewhere
            # (on Windows it cannot be deleted): which were kept.
            said = [*map(half_imports.caught_words, info.half_imports), backup.not_removed_words(info),
                    backup.same_disk_words(info)]
            if any(said):
                QMessageBox.information(self, "已备份", "\n\n".join(text for text in said if text))

        # A large file takes a while to copy (20 s for ten years of cases): the window keeps painting meanwhile.
        Operation(self, self.ctx, lambda s: backups.make_backup(s, path, self.ctx.clock()), changes=Change.NONE) \
            .notify(lambda info: f"已备份到 {info.path}").busy(self.backup_button) \
            .with_progress("正在备份数据库……").success(made).start()
