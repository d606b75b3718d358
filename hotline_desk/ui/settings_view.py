"""设置 (admin): units, categories, users, the working-day calendar, scoring rules and the bulletin template."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.models.reference import UNIT_GROUP_LABELS
from hotline_desk.models.system import ROLE_LABELS
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.maintenance import backups
from hotline_desk.services.office import admin, reference, settings
from hotline_desk.services.office.reference import UnitView
from hotline_desk.services.reporting.rules import load_rules
from hotline_desk.ui.connection import ConnectionDialog
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read, run_action
from hotline_desk.ui.models import Column, RowsModel
from hotline_desk.ui.reference_lists import ReferenceListsView
from hotline_desk.ui.widgets import FieldSpec, ask


class SettingsView(QTabWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.addTab(UnitsTab(ctx), "承办单位")
        self.addTab(CategoriesTab(ctx), "问题分类")
        self.addTab(ReferenceListsView(ctx), "渠道、诉求类型与别名")
        self.addTab(UsersTab(ctx), "用户")
        self.addTab(CalendarTab(ctx), "工作日历")
        self.addTab(RulesTab(ctx), "考核规则")
        self.addTab(TemplateTab(ctx), "简报模板与时限")
        self.addTab(BackupTab(ctx), "数据库与备份")


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
    return None


def _table(model: Any) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setDefaultSectionSize(24)
    return table


class UnitsTab(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model: RowsModel[UnitView] = RowsModel([
            Column("分组", lambda u: u.group_label), Column("考核表顺序", lambda u: u.display_order),
            Column("单位名称", lambda u: u.name), Column("在用", lambda u: "是" if u.active else "停用")])
        self.table = _table(self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(_buttons(("添加单位", self.add), ("修改所选", self.edit)))
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(read(self.ctx, lambda s: reference.list_units(s, include_inactive=True)))

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
        v = ask(self, "承办单位", self._fields(unit))
        if v and run_action(self, self.ctx, lambda s: admin.save_unit(
                s, self.ctx.actor, unit.id if unit else None, v["name"], v["group"], v["order"], v["active"],
                v["needs_caller"]),
                changes_cases=False):
            self.refresh()


class CategoriesTab(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["问题分类", "在用"])
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addLayout(_buttons(("添加一级分类", lambda: self._save(None, None)), ("添加二级分类", self.add_child),
                                  ("改名或停用", self.edit)))
        self.refresh()

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
        if v and run_action(self, self.ctx, lambda s: admin.save_category(s, self.ctx.actor, cid, v["name"], parent,
                                                                          v["active"]), changes_cases=False):
            self.refresh()


class UsersTab(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model: RowsModel[Actor] = RowsModel([Column("登录名", lambda u: u.username),
                                                  Column("姓名", lambda u: u.display_name),
                                                  Column("角色", lambda u: u.role_label)])
        self.table = _table(self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(_buttons(("添加用户", self.add), ("修改角色", self.change_role), ("重置密码", self.reset),
                                  ("停用所选", self.disable)))
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(read(self.ctx, users.list_users))

    def _selected(self) -> Actor | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def add(self) -> None:
        roles = [(label, code) for code, label in ROLE_LABELS.items()]
        v = ask(self, "添加用户", [FieldSpec("username", "登录名", required=True),
                                 FieldSpec("name", "姓名", required=True), FieldSpec("role", "角色", "choice", roles)])
        if v and run_action(self, self.ctx, lambda s: users.add_user(s, self.ctx.actor, v["username"], v["name"],
                                                                     v["role"]), changes_cases=False):
            self.refresh()

    def change_role(self) -> None:
        user = self._selected()
        if user is None:
            return
        roles = [(label, code) for code, label in ROLE_LABELS.items()]
        v = ask(self, f"修改 {user.display_name} 的角色",
                [FieldSpec("role", "角色", "choice", roles, default=user.role)])
        if v and run_action(self, self.ctx, lambda s: admin.set_user(s, self.ctx.actor, user.username, role=v["role"]),
                            changes_cases=False):
            self.refresh()

    def reset(self) -> None:
        user = self._selected()
        if user is None:
            return
        v = ask(self, f"重置 {user.display_name} 的密码", [FieldSpec("password", "新密码（至少6位）", required=True)],
                intro="重置后该用户的锁定同时解除；请当面告知新密码。")
        if v:
            run_action(self, self.ctx, lambda s: accounts.set_password(s, self.ctx.actor, user.username,
                                                                       v["password"], clock=self.ctx.clock),
                       changes_cases=False)

    def disable(self) -> None:
        user = self._selected()
        if user and run_action(self, self.ctx, lambda s: admin.set_user(s, self.ctx.actor, user.username,
                                                                        active=False), changes_cases=False):
            self.refresh()


class CalendarTab(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model: RowsModel[tuple[Any, bool, str]] = RowsModel([
            Column("日期", lambda d: f"{d[0]:%Y-%m-%d}"), Column("类型", lambda d: "调休上班" if d[1] else "节假日"),
            Column("说明", lambda d: d[2])])
        self.table = _table(self.model)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.kind = QComboBox()
        self.kind.addItem("节假日", False)
        self.kind.addItem("调休上班", True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("如：国庆节")
        row = QHBoxLayout()
        for widget in (self.day, self.kind, self.note):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addLayout(_buttons(("设置该日", self.set_day), ("恢复所选为平常日", self.clear_day)))
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(read(self.ctx, admin.calendar_days))

    def set_day(self) -> None:
        day = self.day.date().toPython()
        if run_action(self, self.ctx, lambda s: admin.set_day(s, self.ctx.actor, day, self.kind.currentData(),  # type: ignore[arg-type]
                                                              self.note.text()), changes_cases=False) is not None:
            self.refresh()

    def clear_day(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            day = self.model.row(rows[0].row())[0]
            run_action(self, self.ctx, lambda s: admin.set_day(s, self.ctx.actor, day, None), changes_cases=False)
            self.refresh()


class RulesTab(QWidget):
    """The scoring rule set as a form; the 汝州 rule is the default."""

    CHOICES: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {
        "finish_denominator": (("全部交办工单", "all"), ("应办结工单（期限已到）", "due")),
        "case_finished": (("回访后办结", "closed"), ("办理完毕即办结", "handled")),
        "unit_finished": (("单位回复即办结", "handled"), ("回访后办结", "closed")),
        "sources": (("本级和上级交办", "all"), ("仅本级", "local")),
    }
    LABELS: ClassVar[dict[str, str]] = {
        "bonus_base": "附加分基数", "bonus_min": "附加分下限", "bonus_max": "附加分上限", "decimals": "得分小数位",
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
            weight.setRange(0, 200)
            weight.setValue(column["weight"])
            mode = QComboBox()
            mode.addItem("按比例", "linear")
            mode.addItem("达标得满分", "threshold")
            mode.setCurrentIndex(mode.findData(column["mode"]))
            threshold = QLineEdit(str(column["threshold"]))
            row = QHBoxLayout()
            for widget in (QLineEdit(column["label"]), weight, mode, threshold):
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
            else:
                spin = QSpinBox()
                spin.setRange(-100, 200)
                spin.setValue(int(value))
                editor = spin
            self.editors[key] = editor
            self.form.addRow(label, editor)
        save = QPushButton("保存考核规则")
        save.clicked.connect(self.save)
        self.form.addRow("", save)

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

    def save(self) -> None:
        values = self.values()
        if run_action(self, self.ctx, lambda s: admin.update_rules(s, self.ctx.actor, values, clock=self.ctx.clock),
                      changes_cases=False) is not None:
            self.ctx.signals.scores_changed.emit()


class TemplateTab(QWidget):
    """Every declared bulletin and time-limit setting, each with its label."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        current = read(ctx, settings.Settings)
        for key, definition in settings.SETTING_DEFS.items():
            if not key.startswith(("bulletin.", "limits.", "case_number.")):
                continue
            value = current.get(key)
            editor: QWidget
            if definition.choices:
                combo = QComboBox()
                for choice in definition.choices:
                    combo.addItem(str(choice), choice)
                combo.setCurrentIndex(combo.findData(value))
                editor = combo
            elif definition.kind is bool:
                box = QCheckBox()
                box.setChecked(bool(value))
                editor = box
            elif definition.kind is int:
                spin = QSpinBox()
                spin.setRange(0, 99999)
                spin.setValue(int(value))
                editor = spin
            elif definition.kind in (list, dict):  # edited as JSON, which is how it is saved back
                editor = QLineEdit(json.dumps(value, ensure_ascii=False))
            else:
                editor = QLineEdit(str(value))
            self.editors[key] = editor
            form.addRow(definition.label, editor)
        save = QPushButton("保存")
        save.clicked.connect(self.save)
        form.addRow("", save)

    def save(self) -> None:
        values = {key: _editor_value(editor) for key, editor in self.editors.items()}

        def store(s: Any) -> int:
            for key, value in values.items():
                admin.update_setting(s, self.ctx.actor, key, value, clock=self.ctx.clock)
            return len(values)

        if run_action(self, self.ctx, store, changes_cases=False) is not None:
            self.ctx.signals.settings_changed.emit()


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
        if ctx.db.path is not None:  # a server is backed up on the server
            layout.addLayout(_buttons(("立即备份", self.backup_now)))
        layout.addStretch()
        self.refresh()

    def change_connection(self) -> None:
        dialog = ConnectionDialog(self, self.ctx.db.url)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            QMessageBox.information(self, "已保存", "新的数据库连接已保存，重新启动本程序后生效。")

    def refresh(self) -> None:
        path = self.ctx.db.path
        if path is None:
            self.info.setText("服务器数据库由服务器统一备份（pg_dump，见说明书）；"
                              "也可用 migrate-db 命令复制成一个 SQLite 文件留存。")
            return
        last, (folder, keep) = read(self.ctx, lambda s: (backups.last_backup(s, path),
                                                          backups.backup_location(s, path)))
        when = f"{last.made_at:%Y-%m-%d %H:%M}（{last.path.name}）" if last else "还没有备份"
        self.info.setText(f"上次备份：{when}\n备份目录：{folder}\n"
                          f"保留最近 {keep} 份；每天首次启动和每次关闭程序时自动备份。")

    def backup_now(self) -> None:
        path = self.ctx.db.path
        if path is None:
            return
        made = run_action(self, self.ctx, lambda s: backups.make_backup(s, path, self.ctx.clock()),
                          changes_cases=False)
        if made is not None:
            self.refresh()
