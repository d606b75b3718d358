"""设置 → 渠道、诉求类型与别名: channels, appeal types, aliases, merges, a category list from Excel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.ui.changes import Change, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.models import Column, RowsModel
from hotline_desk.ui.operations import Operation, show_refusal
from hotline_desk.ui.widgets import FieldSpec, ask, confirm
from hotline_desk.ui.window_state import remember_fitted_columns

# How many of the categories an import would add its question lists.
SHOWN_NEW = 15

IN_USE = [("在用", True), ("停用", False)]
# The day a merge took effect, entered later (an old register to import spans it).
SINCE_HINT = "可不填（现在起生效）。补记以前的合并时填那天，如 2021-07-01：导入的旧台账和各月考核表从那天起按合并后计"

SOURCES = [("本级", False), ("上级交办", True)]


class ReferenceListsView(QTabWidget):
    """The lists a new office adapts first, each change audited."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.addTab(ChannelsTab(ctx), "渠道")
        self.addTab(AppealTypesTab(ctx), "诉求类型")
        self.addTab(AliasesTab(ctx), "别名")
        self.addTab(MergeTab(ctx), "合并与导入")


def _row_of_buttons(*pairs: tuple[str, Callable[[], None]]) -> QHBoxLayout:
    row = QHBoxLayout()
    for text, slot in pairs:
        button = QPushButton(text)
        button.clicked.connect(slot)
        row.addWidget(button)
    row.addStretch()
    return row


def _table(model: Any, name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setTabKeyNavigation(False)  # Tab goes on to the next control, arrows move in the list
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class _ListTab(QWidget):
    """A table of one list with its buttons; subclasses say what the rows are and what the list is called."""

    LIST_NAME = ""

    def __init__(self, ctx: UiContext, model: RowsModel[Any], intro: str,
                 buttons: list[tuple[str, Callable[[], None]]]) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = model
        self.table = _table(model, self.LIST_NAME)
        layout = QVBoxLayout(self)
        note = QLabel(intro)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addLayout(_row_of_buttons(*buttons))
        self.refresh()
        remember_fitted_columns(ctx.window_state(), f"reference_{type(self).__name__}", self.table)
        self.follower = follow(self, ctx.signals, Change.REFERENCE, self.refresh)

    def refresh(self) -> None:
        raise NotImplementedError

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def act(self, work: Callable[[Session], Any], said: str = "") -> bool:
        """Do the change; ``said``: what it did beyond what the list shows, said when done."""
        operation = Operation(self, self.ctx, work, changes=Change.REFERENCE)
        done = (operation.notify(said) if said else operation).run_here() is not None
        if done:
            self.refresh()
        return done


def _old_name_kept(old: str, new: str) -> str:
    """Said of a rename: the old name is kept as an alias (what imports and registration still read)."""
    return f"原名称“{old}”保留为别名。" if new.strip() != old else ""


def _alias_column(aliases: Callable[[], dict[int, list[str]]]) -> Column[Any]:
    return Column("别名", lambda row: "、".join(aliases().get(row.id, [])))


class ChannelsTab(_ListTab):
    LIST_NAME = "渠道"

    def __init__(self, ctx: UiContext) -> None:
        self.aliases: dict[int, list[str]] = {}
        model: RowsModel[ra.ChannelView] = RowsModel([
            Column("渠道", lambda c: c.name), Column("来源", lambda c: c.source_label),
            Column("简报用语", lambda c: c.noun), Column("顺序", lambda c: c.display_order),
            Column("在用", lambda c: "是" if c.active else "停用"), _alias_column(lambda: self.aliases)])
        super().__init__(ctx, model, "工单的来源（本级/上级交办）随渠道而定；简报中上级渠道的工单称为其“简报用语”"
                                    "（交办事项、留言……）。改名后旧名称自动成为别名。",
                         [("添加渠道", self.add), ("修改所选", self.edit), ("添加别名", self.alias)])

    def refresh(self) -> None:
        rows, self.aliases = read(self.ctx, lambda s: (ra.list_channels(s), _aliases(s, "channel")))
        self.model.set_rows(rows)

    def add(self) -> None:
        def store(v: dict[str, Any]) -> bool:  # refused (a name taken): the dialog opens again as typed
            return self.act(lambda s: ra.add_channel(s, self.ctx.actor, v["name"], upper=v["upper"], noun=v["noun"]),
                            said=f"已添加渠道“{v['name'].strip()}”。")

        ask(self, "添加渠道", [FieldSpec("name", "渠道名称", required=True),
                             FieldSpec("upper", "来源", "choice", SOURCES, default=True),
                             FieldSpec("noun", "简报用语", default="交办事项")], then=store)

    def edit(self) -> None:
        c = self.selected()
        if c is None:
            return

        def store(v: dict[str, Any]) -> bool:
            return self.act(lambda s: ra.update_channel(s, self.ctx.actor, c.name, new_name=v["name"], upper=v["upper"],
                                                        noun=v["noun"], display_order=v["order"], active=v["active"]),
                            said=f"已修改渠道“{v['name'].strip()}”。" + _old_name_kept(c.name, v["name"]))

        ask(self, "修改渠道", [FieldSpec("name", "渠道名称", default=c.name, required=True),
                             FieldSpec("upper", "来源", "choice", SOURCES, default=c.upper),
                             FieldSpec("noun", "简报用语", default=c.noun, required=True),
                             FieldSpec("order", "顺序", "int", minimum=0, maximum=999, default=c.display_order),
                             FieldSpec("active", "在用", "choice", IN_USE, default=c.active)], then=store)

    def alias(self) -> None:
        c = self.selected()
        if c is not None:
            _ask_alias(self, "channel", c.name)


class AppealTypesTab(_ListTab):
    LIST_NAME = "诉求类型"

    def __init__(self, ctx: UiContext) -> None:
        self.aliases: dict[int, list[str]] = {}
        model: RowsModel[ra.AppealTypeView] = RowsModel([
            Column("诉求类型", lambda t: t.name), Column("办理时限（工作日）", lambda t: t.finish_days),
            Column("顺序", lambda t: t.display_order), Column("在用", lambda t: "是" if t.active else "停用"),
            _alias_column(lambda: self.aliases)])
        super().__init__(ctx, model, "已登记工单保留登记时的诉求类型；改名后旧名称自动成为别名。"
                                    "统计表和简报按“顺序”排列（数字小的在前）。",
                         [("添加诉求类型", self.add), ("修改所选", self.edit), ("添加别名", self.alias)])

    def refresh(self) -> None:
        rows, self.aliases = read(self.ctx, lambda s: (ra.list_appeal_types(s), _aliases(s, "appeal_type")))
        self.model.set_rows(rows)

    def add(self) -> None:
        def store(v: dict[str, Any]) -> bool:
            return self.act(lambda s: ra.add_appeal_type(s, self.ctx.actor, v["name"], v["days"]),
                            said=f"已添加诉求类型“{v['name'].strip()}”（{v['days']} 个工作日）。")

        ask(self, "添加诉求类型", [FieldSpec("name", "名称", required=True),
                               FieldSpec("days", "办理时限（工作日）", "int", minimum=1, maximum=60, default=5)],
            then=store)

    def edit(self) -> None:
        t = self.selected()
        if t is None:
            return

        def store(v: dict[str, Any]) -> bool:
            effect = f"：{ra.FINISH_DAYS_EFFECT}" if v["days"] != t.finish_days else "。"
            return self.act(lambda s: ra.update_appeal_type(s, self.ctx.actor, t.name, new_name=v["name"],
                                                            finish_days=v["days"], active=v["active"],
                                                            display_order=v["order"]),
                            said=f"已修改诉求类型“{v['name'].strip()}”{effect}" + _old_name_kept(t.name, v["name"]))

        ask(self, "修改诉求类型", [FieldSpec("name", "名称", default=t.name, required=True),
                               FieldSpec("days", "办理时限（工作日）", "int", minimum=1, maximum=60,
                                         default=t.finish_days),
                               FieldSpec("order", "顺序（统计表中）", "int", minimum=0, maximum=999,
                                         default=t.display_order),
                               FieldSpec("active", "在用", "choice", IN_USE, default=t.active)], then=store)

    def alias(self) -> None:
        t = self.selected()
        if t is not None:
            _ask_alias(self, "appeal_type", t.name)


class AliasesTab(_ListTab):
    LIST_NAME = "别名"

    def __init__(self, ctx: UiContext) -> None:
        model: RowsModel[ra.AliasView] = RowsModel([
            Column("清单", lambda a: a.kind_label), Column("别名（文件中的写法）", lambda a: a.shown),
            Column("指向", lambda a: a.target)])
        super().__init__(ctx, model, "导入文件中写作别名的值按其所指的项处理。导入时在“核对取值”中选择的对应"
                                    "也保存在这里。",
                         [("添加别名", self.add), ("删除所选", self.remove)])

    def refresh(self) -> None:
        self.model.set_rows(read(self.ctx, ra.list_aliases))

    def add(self) -> None:
        kinds = [(label, kind) for kind, label in ra.KIND_LABELS.items()]

        def store(v: dict[str, Any]) -> bool:
            return self.act(lambda s: ra.add_alias(s, self.ctx.actor, v["kind"], v["alias"], v["target"]))

        ask(self, "添加别名", [FieldSpec("kind", "清单", "choice", kinds, default="unit"),
                             FieldSpec("alias", "别名（文件中的写法）", required=True),
                             FieldSpec("target", "指向（现有名称）", required=True)], then=store)

    def remove(self) -> None:
        a = self.selected()
        if a is not None and QMessageBox.question(self, "删除别名", f"删除别名“{a.alias}”？") \
                == QMessageBox.StandardButton.Yes:
            self.act(lambda s: ra.remove_alias(s, self.ctx.actor, a.kind, a.alias))


class MergeTab(QWidget):
    """Merging units and categories, deleting a category added by mistake, adding a category list from Excel."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.result = QLabel("")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        note = QLabel("合并后被并入的单位或分类停用，其名称成为别名；已有工单的办理历史和当月考核仍记在工单当时的"
                      "单位和分类上。有工单使用的分类不能删除，只能停用或合并。")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(_row_of_buttons(("合并单位…", self.merge_units), ("合并分类…", self.merge_categories),
                                         ("删除分类…", self.delete_category),
                                         ("从 Excel 导入分类表…", self.import_categories)))
        layout.addWidget(self.result)
        layout.addStretch()

    def _done(self, message: str, work: Callable[[Session], str | None]) -> None:
        """Do ``work``; say ``message``, or what the work says of itself when it says something."""
        def run(session: Session) -> str:
            return work(session) or message

        said = Operation(self, self.ctx, run, changes=Change.REFERENCE).run_here()
        if said:
            self.result.setText(said)

    def merge_units(self) -> None:
        units = [(u.name, u.name) for u in read(self.ctx, reference.list_units)]
        v = ask(self, "合并单位", [FieldSpec("source", "被并入的单位", "unit", units, required=True),
                                 FieldSpec("target", "并入到", "unit", units, required=True),
                                 FieldSpec("since", "生效日期", hint=SINCE_HINT)])
        if v:
            try:
                since = ra.effective_day(v["since"])
            except HotlineError as exc:
                show_refusal(self, "合并单位", exc.message)
                return
            question = read(self.ctx, lambda s: ra.stopping_question(
                s, reference.find_unit(s, v["source"]).id, self.ctx.clock(), merged_into=v["target"]))
            if question and not confirm(self, "合并单位", question):
                return
            def merge(s: Session) -> str:  # with the finalised months the day reaches, which keep their tables
                ra.merge_units(s, self.ctx.actor, v["source"], v["target"], since=since)
                return f"已把“{v['source']}”并入“{v['target']}”{ra.effect_words(s, since)}。"

            self._done("", merge)

    def merge_categories(self) -> None:
        labels = [(c.label, c.label) for c in read(self.ctx, reference.list_categories)]
        v = ask(self, "合并分类", [FieldSpec("source", "被并入的分类", "unit", labels, required=True),
                                 FieldSpec("target", "并入到", "unit", labels, required=True)])
        if v:
            self._done(f"已把“{v['source']}”并入“{v['target']}”。",
                       lambda s: ra.merge_categories(s, self.ctx.actor, v["source"], v["target"]))

    def delete_category(self) -> None:
        labels = [(c.label, c.label) for c in read(self.ctx, lambda s: reference.list_categories(
            s, include_inactive=True))]
        v = ask(self, "删除分类", [FieldSpec("label", "分类", "choice", labels)],
                intro="只能删除没有工单使用的分类。")
        if v:
            self._done(f"已删除“{v['label']}”。",
                       lambda s: ra.delete_category(s, self.ctx.actor, v["label"]))

    def import_categories(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择分类表", str(Path.home()), "Excel 工作簿 (*.xlsx *.xls)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """What the list would add is shown first and asked about (否 by default); nothing is added before."""
        preview = Operation(self, self.ctx, lambda s: ra.preview_categories(s, path), read_only=True,
                            title="无法导入分类表").run_here()
        if preview is None:
            return
        if not preview.new:
            self.result.setText(f"{path.name} 中的 {preview.existing} 个分类都已有，不需添加。")
            return
        shown = "\n".join(preview.new[:SHOWN_NEW])
        more = f"\n……共 {len(preview.new)} 个" if len(preview.new) > SHOWN_NEW else ""
        there = f"；已有 {preview.existing} 个，不重复添加" if preview.existing else ""
        asked = (f"将从 {path.name} 添加 {ra.import_words(preview)}{there}：\n\n{shown}{more}\n\n"
                 f"{preview.near_words}确定添加？")
        answer = QMessageBox.question(self, "导入分类表", asked,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            self.result.setText(f"未导入 {path.name}（选了“否”），没有添加分类。")
            return
        found = Operation(self, self.ctx, lambda s: ra.import_categories(s, self.ctx.actor, path, expected=preview),
                          changes=Change.REFERENCE).run_here()
        if found is not None:
            added = ra.import_words(found)
            self.result.setText(f"已从 {path.name} 添加 {added}；已有 {found.existing} 个，未重复添加。")


def _aliases(session: Session, kind: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for a in ra.list_aliases(session, kind):
        found.setdefault(a.target_id, []).append(a.shown)
    return found


def _ask_alias(tab: _ListTab, kind: str, target: str) -> None:
    v = ask(tab, "添加别名", [FieldSpec("alias", "别名（文件中的写法）", required=True)],
            intro=f"导入文件中写作该别名的值按“{target}”处理。")
    if v:
        tab.act(lambda s: ra.add_alias(s, tab.ctx.actor, kind, v["alias"], target))
