"""帮助 (F1): the everyday tasks step by step, the keys of this person's pages, the workflow's words and how the score
table is worked out, with this office's own limits and rules, for a clerk new to the office or to the program."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from hotline_desk.services.office.guide import Term, score_terms, workflow_terms
from hotline_desk.services.office.howto import HowTo, how_tos
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.widgets import fit_size
from hotline_desk.vocabulary import Permission

# The keys every page shares, then the registration form's and the lists' own (the pages' Ctrl+digit come first).
COMMON_KEYS: tuple[tuple[str, str], ...] = (
    ("F1", "打开本帮助"),
    ("F5", "重新读取数据（其他工作站刚办理的也显示出来）"),
    ("Tab / Shift+Tab", "到下一项 / 上一项"),
    ("Enter", "登记表中到下一项（诉求内容中换行）；列表中打开选中的工单；按钮上按下该按钮"),
    ("Esc", "收起候选列表并恢复刚才输入的文字；关闭对话框（已填写内容时先询问）"),
    ("Ctrl+Enter", "对话框中按“确定”（理由、意见等文字框中 Enter 是换行）"),
)
ENTRY_KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+N", "新建：清空登记表，登记下一个来电"),
    ("Ctrl+L", "到右侧的来电人以往工单（↑↓ 选择，回车打开；同一诉求再次来电的，在其中点“登记再次来电”）"),
    ("← / →", "在“办理方式”中选择协调办理或交办处理"),
    ("空格", "勾选或取消“保密”"),
    ("拼音首字母", "在单位、分类、乡镇等选择框中输入，如 csgl 找“城市管理”"),
)
LIST_KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+F", "回访、交办跟踪等列表中，到筛选框"),
    ("↓", "从搜索框或筛选框到下面的列表"),
    ("Home / End", "列表的第一件 / 最后一件"),
    ("Shift+↑/↓、Ctrl+空格", "列表中多选"),
    ("Shift+F10", "列表中选择显示哪些列（也可右键单击表头）"),
    ("Ctrl+Tab", "在一页的几个页签之间切换"),
    ("Alt+1～4", "回访中登记所选工单的结果：满意、基本满意、不满意、未接通"),
)
# Where Ctrl+Tab goes from tab to tab, by page: the examples named are of this person's pages.
TABBED: tuple[tuple[str, str], ...] = (
    ("回访", "回访中的待回访和待甄别"),
    ("待审核", "待审核中的待审核交办和退单和延期申请"),
    ("考核评分", "考核评分中的乡镇街道和市直单位两张表"),
)
# Where choosing several cases at once does something, by the page it is done on: the first of this person's pages
# named here gives the example (an operator has no 待审核, so approving several is no example of theirs).
SEVERAL_AT_ONCE: tuple[tuple[str, str], ...] = (
    ("待审核", "如待审核中选几件一并审核通过"),
    ("回访", "如回访中选几件未接通的一并登记"),
)
WORKFLOW_LEAD = "工单从登记到办结的各步和各种标记；其中的时限是本办在设置中定的。"
SCORES_LEAD = "每月考核各承办单位，各项得分按本办的考核规则计算："
SIZE = (760, 560)  # fits a 1366×768 screen beside the main window's own frame


class HelpDialog(QDialog):
    def __init__(self, ctx: UiContext, pages: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        """``pages``: (key, page name) of the pages this person has, in the navigation's order."""
        super().__init__(parent)
        self.setWindowTitle("帮助")
        fit_size(self, *SIZE)  # smaller where the screen is (1366×768 at 125% display scaling)
        tasks, workflow, scores = read(ctx, lambda s: (how_tos(s, ctx.actor.can), workflow_terms(s), score_terms(s)))
        self.tabs = QTabWidget()
        entry = any(name == "工单登记" for _key, name in pages)
        saved = [what for what, has in (("登记的工单", entry),
                                        ("月度简报的草稿", ctx.actor.can(Permission.BULLETIN_EDIT)),
                                        ("设置中的时限与简报模板", ctx.actor.can(Permission.MANAGE_SETTINGS))) if has]
        keys = keys_html(pages, has_entry=entry, saved=saved)
        for html, title in ((how_to_html(tasks), "常用操作"), (keys, "快捷键"),
                            (terms_html(workflow, WORKFLOW_LEAD), "办理流程与名词"),
                            (terms_html(scores, SCORES_LEAD), "考核评分")):
            page = _page(html)
            page.setAccessibleName(f"帮助：{title}")
            self.tabs.addTab(page, title)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)


def _page(html: str) -> QTextBrowser:
    page = QTextBrowser()
    page.setHtml(html)
    return page


def keys_html(pages: Sequence[tuple[str, str]], *, has_entry: bool, saved: Sequence[str] = ()) -> str:
    """The keys of this person's pages: a page, and what is done only on it, that the role has not is not named;
    ``saved``: what Ctrl+S saves for this person (the registration form, a bulletin's draft, settings' forms)."""
    names = {name for _key, name in pages}
    rows = [(key, f"打开“{name}”页，光标在它的第一项") for key, name in pages]
    rows += list(COMMON_KEYS) + ([("Ctrl+S", f"保存{'、'.join(saved)}")] if saved else [])
    rows += (list(ENTRY_KEYS) if has_entry else []) + list_keys(names)
    cells = "".join(f"<tr><td style='padding: 3px 16px 3px 0'><b>{escape(key)}</b></td><td>{escape(what)}</td></tr>"
                    for key, what in rows)
    return f"<table>{cells}</table>"


def list_keys(names: set[str]) -> list[tuple[str, str]]:
    """The list keys, each with its examples from this person's pages; one for a page the person has not (回访's
    Alt+1～4, Ctrl+Tab with no page of tabs) is left out."""
    several = next((words for page, words in SEVERAL_AT_ONCE if page in names), "")
    tabbed = "、".join(words for page, words in TABBED if page in names)
    examples = {"Shift+↑/↓、Ctrl+空格": several, "Ctrl+Tab": tabbed}
    rows = []
    for key, what in LIST_KEYS:
        if (key == "Ctrl+Tab" and not tabbed) or (key.startswith("Alt+") and "回访" not in names):
            continue
        rows.append((key, f"{what}（{examples[key]}）" if examples.get(key) else what))
    return rows


def how_to_html(tasks: Sequence[HowTo]) -> str:
    """Each task under its title, in numbered steps."""
    parts = [f"<h3>{escape(task.title)}</h3><ol>{''.join(f'<li>{escape(step)}</li>' for step in task.steps)}</ol>"
             for task in tasks]
    return "".join(parts)


def terms_html(terms: Sequence[Term], lead: str) -> str:
    items = "".join(f"<p><b>{escape(t.word)}</b>：{escape(t.meaning)}</p>" for t in terms)
    return f"<p>{escape(lead)}</p>{items}"
