"""Carrying out one workflow step on a case from any view, built from the transition table.

A step the user may not take now is refused before any dialog opens (its reason is shown instead); a dialog checks
what is typed as it is typed and keeps 确定 disabled until the step would pass, so nothing typed is lost to a refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import ConflictError, HotlineError, ValidationError
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.queues import asked_of, deadline_unlike_shown, extension_moves
from hotline_desk.services.cases.records import CaseView
from hotline_desk.services.cases.step_runner import (
    step_month_notice,
    undo_question,
    undone_notice,
)
from hotline_desk.services.cases.steps import (
    STEPS,
    ExtensionRule,
    Gate,
    Problem,
    Reply,
    Step,
    asks_instead,
    asks_instead_words,
    reply_to_take_back,
    taken_at,
)
from hotline_desk.services.office import reference
from hotline_desk.ui.accessible_names import ERROR_SPOKEN
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.drafts import kept_steps, step_draft
from hotline_desk.ui.feedback import read
from hotline_desk.ui.operations import Operation, show_refusal
from hotline_desk.ui.plain_text import shown as plain_shown
from hotline_desk.ui.widgets import GO_ON, SET_ASIDE, ActionDialog, FieldSpec, SearchCombo, discard_or_set_aside
from hotline_desk.vocabulary import Action, CaseState, FollowUpResult


def unit_choices(ctx: UiContext) -> list[tuple[str, int]]:
    return read(ctx, lambda s: [(u.name, u.id) for u in reference.list_units(s)])


def unit_aliases(ctx: UiContext) -> dict[str, Any]:
    """A unit picker's extras: the office's aliases of each unit (市公安局, 住建局), found as its name is."""
    return {"aliases": read(ctx, lambda s: reference.aliases_of(s, "unit"))}


def field_specs(ctx: UiContext, chosen: Step[Any], situation: wf.Situation) -> list[FieldSpec]:
    """The dialog's inputs, from the step's form fields (unit lists and day limits filled in from the office)."""
    specs = []
    extra = unit_aliases(ctx) if any(f.kind == "unit" for f in chosen.form) else {}
    for f in chosen.form:
        choices: Sequence[tuple[str, Any]] = f.choices
        if f.kind == "unit":
            choices = [(info.name, uid) for uid, info in situation.context.units.items() if info.active]
        maximum = f.maximum
        if chosen.action == Action.EXTENSION_REQUEST and f.key == "days":
            maximum = situation.context.limits.extension_max_days
        main = situation.status.main_dispatch
        if chosen.action == Action.EXTENSION_RULE and f.key == "days" and main and main.extension_requested_days:
            specs.append(granted_days_field(main.extension_requested_days,
                                            extension_moves(situation.status, situation.context.calendar)))
            continue
        specs.append(FieldSpec(f.key, f.label, "check" if f.kind == "bool" else f.kind, choices, f.default,
                               f.required, f.minimum, maximum, dict(extra) if f.kind == "unit" else {}, f.hint))
    return specs


def granted_days_field(asked: int, moves: Sequence[str] = ()) -> FieldSpec:
    """批准天数 of an extension: the days the unit asked, or fewer (the case's 审批延期 and the queue's 同意); with
    ``moves`` (``queues.extension_moves``) the line under it says the 办理期限 the days chosen give."""
    said = {days: f"单位申请 {asked} 个工作日，可少批。批准 {days} 个工作日：办理期限延至 {moved}。"
            for days, moved in enumerate(moves, 1)}
    return FieldSpec("days", "批准天数", "int", default=asked, minimum=1, maximum=asked,
                     hint=said.get(asked, f"单位申请 {asked} 个工作日，可少批。"), extra={"said": said} if said else {})


@dataclass(frozen=True)
class StepTime:
    """A step whose time is asked for, since it is often phoned in later and its time counts in the figures."""

    label: str
    why: str


UNDO_WHY = "撤销记在什么时间（默认现在）：要改正统计截止已过的月份，填截止之前、不早于被撤销的一步的时间"
# The one definition of which steps ask when they happened: 交办跟踪 and 工单详情 both read it.
STEP_TIMES = {Action.SIGN: StepTime("签收时间", "单位签收的时间（不是现在登记的时间），计入响应率"),
              Action.REPLY: StepTime("办结时间", "单位办结的时间（不是现在登记的时间），计入办结率"),
              Action.RETURN_REQUEST: StepTime("申请时间", "单位提出退单的时间（不是现在登记的时间），"
                                                      "须在交办后规定的工作日内"),
              Action.EXTENSION_REQUEST: StepTime("申请时间", "单位申请延期的时间（不是现在登记的时间），"
                                                         "须在办理期限之前"),
              # a supervisor's correction of a month past its cut-off is dated before it, as the command line's --at
              Action.UNDO_REPLY: StepTime("撤销时间", UNDO_WHY),
              Action.UNDO_FOLLOWUP: StepTime("撤销时间", UNDO_WHY),
              # as the 待甄别 page asks it: a ruling made before the cut-off and typed in after it counts in its month
              Action.REVIEW: StepTime("甄别时间", "作出甄别的时间（默认现在）：截止前已作出、现在才录入的，"
                                                  "填作出甄别的时间，计入该月")}
# Those whose time only a supervisor gives: an operator's own undo of a follow-up is judged by the minutes since.
TIMED_BY_SUPERVISORS = frozenset({Action.UNDO_REPLY, Action.UNDO_FOLLOWUP})


def time_field(action: Action, now: datetime, last: datetime | None = None, *,
               verdict: Callable[[datetime], str] | None = None) -> FieldSpec | None:
    """The step's time input, or None for a step taken at the moment it is entered. It opens on now, or on the
    case's last step when that was dated a little ahead of now (another station's clock, a time typed ahead), so
    it does not open on a time the step would refuse. A time later than now is refused by the step's check,
    saying so, with the time kept as typed. ``verdict`` says under it what the time typed means (签收: in time?)."""
    asked = STEP_TIMES.get(action)
    if asked is None:
        return None
    return FieldSpec("at", asked.label, "datetime", default=opening_time(now, last), required=True,
                     extra={"verdict": verdict} if verdict is not None else {})


def opening_time(now: datetime, last: datetime | None) -> datetime:
    """The time a step's time field opens on: now, or the case's last step when that is dated ahead of now."""
    return last if last is not None and last > now else now


# The registration form's names of fields that a step's own form names otherwise.
FORM_FIELDS = {"unit_id": "unit", "assist_unit_ids": "assists"}


# A step form's typing is written to disk this long after the last key, not on every key.
STEP_DRAFT_DELAY_MS = 500


class StepDialog(ActionDialog):
    """The form of one step; every change is checked against the step. 确定 stays on, so that Tab reaches it and
    Enter in a field presses it: pressed too soon, it names what is missing and puts the cursor in that field."""

    def __init__(self, parent: QWidget | None, ctx: UiContext, chosen: Step[Any], situation: wf.Situation,
                 fields: Sequence[FieldSpec], intro: str = "") -> None:
        # The case is named inside the dialog too: a screen without title bars still shows which case it is.
        super().__init__(parent, f"{chosen.label}：{situation.number} {situation.title}", fields,
                         intro or f"工单 {situation.number}：{situation.title}")
        self.ctx, self.step, self.situation = ctx, chosen, situation
        # A time field opens filled in: a time too late for the step (a request typed in after its limit) is said at
        # once, so the clerk types the unit's own time before anything else.
        self.touched: set[str] = {"at"} & set(self.editors)
        box = self.findChild(QDialogButtonBox)
        assert box is not None
        ok = box.button(QDialogButtonBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        self.ok = ok
        ok.setDefault(True)  # Enter in a one-line field presses it, wherever the focus came from
        for key, editor in self.editors.items():
            self._watch(key, editor)
        # What is typed is kept on disk as it is typed, until the step is taken or the form given up: a long reply
        # phoned in was lost whole when the program was ended.
        self._draft = step_draft(ctx.state_dir, ctx.actor.username, ctx.db.identity, situation.number,
                                 str(chosen.action))
        self._as_opened = self._kept_values()  # what the form holds before anything is typed: not worth keeping
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(STEP_DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.keep_draft)
        self.restored = self._restore_draft()
        self.revalidate()

    def _watch(self, key: str, editor: QWidget) -> None:
        def changed(*_: object) -> None:
            self.touched.add(key)
            self.revalidate()
            if hasattr(self, "_draft_timer"):  # not while the form is being filled as it opens
                self._draft_timer.start()

        if isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(changed)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(changed)
            if editor.isEditable():
                editor.editTextChanged.connect(changed)
        elif isinstance(editor, QDateTimeEdit):
            editor.dateTimeChanged.connect(changed)
        elif isinstance(editor, QAbstractSpinBox):
            editor.editingFinished.connect(changed)
            getattr(editor, "valueChanged").connect(changed)  # noqa: B009 (QSpinBox and friends)
        elif isinstance(editor, QLineEdit):
            editor.textChanged.connect(changed)

    def follow_units(self) -> None:
        """The unit lists as they stand now (after a refusal: a unit stopped while the form was open), what is chosen
        or typed kept: a unit no longer in the list is said at its field, as the entry form does, not chosen again."""
        if not any(spec.kind == "unit" for spec in self.fields):
            return
        units, aliases = unit_choices(self.ctx), unit_aliases(self.ctx)["aliases"]
        for spec in self.fields:
            if spec.kind == "unit" and isinstance(picker := self.editors[spec.key], SearchCombo):
                picker.replace_items(units, aliases)
        self.revalidate()

    def _kept_values(self) -> dict[str, Any]:
        """The form's fields as written to disk: the words typed (a chosen item by its name), and the times, days
        and ticks set (a reply's 办结时间 came back as now, 延期 5 个工作日 as 3)."""
        kept: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QPlainTextEdit):
                kept[key] = editor.toPlainText()
            elif isinstance(editor, QLineEdit):
                kept[key] = editor.text()
            elif isinstance(editor, QComboBox):
                kept[key] = editor.currentText()
            elif isinstance(editor, QDateTimeEdit):
                kept[key] = editor.dateTime().toString("yyyy-MM-dd HH:mm")  # as it is shown, and read back
            elif isinstance(editor, QSpinBox | QCheckBox):
                kept[key] = editor.value() if isinstance(editor, QSpinBox) else editor.isChecked()
        return kept

    def keep_draft(self) -> None:
        """What is typed or set, written to disk (the form as it opened: nothing kept)."""
        kept = self._kept_values()
        if kept != self._as_opened:
            self._draft.save({"number": self.situation.number, "action": str(self.step.action), "words": kept,
                              "labels": {spec.key: spec.label for spec in self.fields}})
        else:  # all typed taken out again: nothing to give back
            self._draft.clear()

    def discard_draft(self) -> None:
        """The step taken, or the form given up: its kept words go."""
        self._draft_timer.stop()
        self._draft.clear()

    def _restore_draft(self) -> bool:
        """The words kept for this case's same step when the program last ended with the form open: put back, and
        said. A draft of another form stays for its own."""
        kept = self._draft.load()
        if kept is None:  # a form kept by a version that kept one at a time: taken over under its own case
            kept_steps(self.ctx.state_dir, self.ctx.actor.username, self.ctx.db.identity)
            kept = self._draft.load()
        if not kept or kept.get("number") != self.situation.number or kept.get("action") != str(self.step.action):
            return False
        words = kept.get("words")
        if not isinstance(words, dict):
            return False
        # what the form holds as it opens, before the words come back: an Esc asks before it throws them away
        self._opened, self._opened_with = True, self.typed()
        for key, value in words.items():
            if key in self.editors and value not in ("", None) and (value := _from_kept(self.editors[key], value)) \
                    is not None:
                self.set_value(key, value)
                self.touched.add(key)
        note = QLabel("已恢复上次未提交的内容（选“稍后再填”或程序意外关闭前在这张表单中填写的），请核对后提交。")
        note.setObjectName("step_draft_restored")
        note.setWordWrap(True)
        note.setStyleSheet("color: #8A5A00;")
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(0, note)
        return True

    def reject(self) -> None:
        """Esc, 取消 or ✕ with something typed: asked whether to give it up, set it aside for later (kept, and named
        by the home page and the case's window), or go on typing."""
        if self._opened and self.typed() != self._opened_with:
            choice = discard_or_set_aside(self, self.windowTitle())
            if choice == GO_ON:
                return
            if choice == SET_ASIDE:
                self._draft_timer.stop()
                self.keep_draft()
                self._set_aside = True
                self.ctx.signals.notice.emit(f"已保留“{self.step.label}”中填写的内容（{self.situation.number}）："
                                             "首页和工单窗口会提示，再点这一步即可接着填写。")
        QDialog.reject(self)  # (the question is asked above, not again by the guarded dialog's)

    def done(self, result: int) -> None:
        if result == QDialog.DialogCode.Rejected and not getattr(self, "_set_aside", False):
            self.discard_draft()  # given up (Esc, 取消, its ✕, once the words are let go)
        super().done(result)

    def when(self) -> datetime | None:
        """The time typed for the step, when its form asks for one."""
        at = self.values().get("at")
        return at if isinstance(at, datetime) else None

    def problems(self) -> list[Problem]:
        payload = self.step.payload_from(self.values())
        found = self.situation
        return self.step.check(found.context, found.status, self.ctx.actor, payload, self.when() or self.ctx.clock())

    def field_of(self, problem: Problem) -> str | None:
        """The form's field a problem is about: the step's checks name the registration form's fields (unit_id),
        the step's own form may call them otherwise (unit)."""
        field = FORM_FIELDS.get(problem.field or "", problem.field)
        return field if field in self.editors else problem.field

    def revalidate(self) -> list[Problem]:
        found = self.problems()
        # A field not yet touched is not blamed: 拟交办 from 被驳回 opened already red with “请选择在用的承办单位”.
        shown = [self._said(p) for p in found if p.gate is not Gate.INPUT or not p.field
                 or (field := self.field_of(p)) in self.touched or field not in self.editors]
        self.error.setText(plain_shown("\n".join(dict.fromkeys(shown))))
        self._say_to_readers(found)
        return found

    def _said(self, problem: Problem) -> str:
        """A problem's words; for a unit typed that is no longer in the list (stopped while the form was open), why
        it is not, rather than the step's 请选择在用的承办单位."""
        field = self.field_of(problem)
        if field in self.editors and isinstance(self.editors[field], SearchCombo):
            return self._field_fault(field) or problem.message
        return problem.message

    def _say_to_readers(self, found: list[Problem]) -> None:
        """A screen reader, tabbing, passes by the red words under the form: each field touched carries its own
        problem as its description, and 确定 says why it would not do yet."""
        if not hasattr(self, "_own_descriptions"):
            # (a field with no description of its own is described by its tooltip, which an error's would hide)
            self._own_descriptions = {key: editor.accessibleDescription() or editor.toolTip()
                                      for key, editor in self.editors.items()}
        for key, editor in self.editors.items():
            own = [self._said(p) for p in found if self.field_of(p) == key] if key in self.touched else []
            hint = self._own_descriptions[key]  # still said after the error (how to type a time)
            wrong = f"{ERROR_SPOKEN}{'；'.join(dict.fromkeys(own))}" + (f"。{hint}" if hint else "")
            editor.setAccessibleDescription(wrong if own else hint)
        self.ok.setAccessibleDescription(
            f"尚不能确定：{'；'.join(dict.fromkeys(p.message for p in found))}" if found else "")

    def _accept(self) -> None:
        self.touched |= set(self.editors)
        found = self.revalidate()
        at_fault = next((field for p in found if (field := self.field_of(p)) in self.editors), None)
        message = ""
        if not found:
            unfinished = self._unresolved()  # a picker's text naming nothing, a time in part
            if unfinished is None:
                self.accept()
                return
            at_fault, message = unfinished
        if at_fault is not None:  # the field to fix gets the cursor, so what is typed next goes there
            self.editors[at_fault].setFocus(Qt.FocusReason.OtherFocusReason)
        if message:  # said once the cursor has moved: the field it left checks the form again as it goes
            self.error.say(plain_shown(message))
        elif found:  # shown as the form was filled: said again for the press
            self.error.say(self.error.text())


def _from_kept(editor: QWidget, value: Any) -> Any:
    """A field's value as kept on disk, ready for the field; None when it does not fit it (a file of another
    version's form)."""
    if isinstance(editor, QDateTimeEdit):
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if isinstance(editor, QCheckBox):
        return value if isinstance(value, bool) else None
    if isinstance(editor, QSpinBox):
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


# After a request the case waits for someone else: the notice says for whom.
WAITS_FOR = {Action.RETURN_REQUEST: "，等待审核员审批", Action.EXTENSION_REQUEST: "，等待审核员审批"}


def done_notice(action: Action, numbers: str) -> str:
    """What was just done, in the step's own words: 已登记退单申请：RZ…，等待审核员审批。"""
    return f"已{STEPS[action].label}：{numbers}{WAITS_FOR.get(action, '')}。"


# Rulings whose outcome is not in their name: the status bar says where the case went.
RULINGS = frozenset({Action.RETURN_RULE, Action.EXTENSION_RULE, Action.REVIEW})


def ruling_notice(action: Action, number: str) -> Callable[[object], str]:
    """done_notice, and for a ruling the case as it left it: 已审批退单：RZ…。工单现为“拟交办”，尚未选定承办单位…;
    then what the step noted after 注意 (再次来电 on a case answered: how to record that it is not solved)."""
    def said(view: object) -> str:
        text = done_notice(action, number)
        if not isinstance(view, CaseView):
            return text
        if action in RULINGS:
            text += f"工单现为“{view.state_label}”"
            if view.state == CaseState.PROPOSED and not view.unit:
                text += "，尚未选定承办单位：请在“待审核”页用“改派单位并通过”选定。"
            else:
                text += f"，承办单位：{view.unit}。" if view.unit else "。"
        noted = " ".join(line for line in view.notice.splitlines() if line)
        return f"{text}注意：{noted}" if noted and action != Action.ERASE else text  # an erasure's is a box of its own

    return said


def blocked_now(ctx: UiContext, case_ids: Sequence[int], action: Action) -> list[Problem]:
    """Why some of these cases cannot take the step now, whatever is typed (已签收, not with this unit…): said before
    a time or a form is asked for."""
    return [problem for _number, problem in refused_at(ctx, case_ids, action, None)]


def refused_at(ctx: UiContext, case_ids: Sequence[int], action: Action, at: datetime | None
               ) -> list[tuple[str, Problem]]:
    """Why some of these cases cannot take the step at ``at`` (now when None), each with its number: asked of all
    before any is taken, so that a time before one case's dispatch does not leave the others taken at it."""
    chosen, now = STEPS[action], ctx.clock()

    def check(session: Session) -> list[tuple[str, Problem]]:
        found: list[tuple[str, Problem]] = []
        for case_id in case_ids:
            situation = wf.situation(session, case_id, now)
            found += [(situation.number, problem) for problem in
                      chosen.check(situation.context, situation.status, ctx.actor, None, at or now)]
        return found

    return read(ctx, check)


def refuse_before_typing(parent: QWidget, chosen: Step[Any], reasons: list[Problem]) -> None:
    QMessageBox.information(parent, f"不能{chosen.label}", "\n".join(p.message for p in reasons))


def confirm_final(parent: QWidget, chosen: Step[Any], number: str = "") -> bool:
    """A step that cannot be undone is asked once more, naming the case, with 否 as the default."""
    answer = QMessageBox.question(parent, f"确定{chosen.label}？",
                                  f"工单 {number}：{chosen.warning}" if number else chosen.warning,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def despite_final_month(parent: QWidget, ctx: UiContext, case_id: int, chosen: Step[Any], at: datetime) -> bool:
    """A step dated within a month whose bulletin is final is asked once more (否 is the default and Esc's answer):
    it changes that month's live figures, no longer those printed. True when the step may go ahead."""
    notice = read(ctx, lambda s: step_month_notice(s, case_id, chosen.action, at))
    # titled as it reads: a 作废 past a month's cut-off whose bulletin is still a draft was titled 简报已定稿
    title = "简报已定稿" if "简报已定稿" in notice else "该月统计已截止"
    return not notice or _asked_yes(parent, "final_month_question", title, f"注意：{notice}\n\n仍要{chosen.label}吗？")


def despite_month_kept(parent: QWidget, ctx: UiContext, case_id: int, chosen: Step[Any], at: datetime) -> bool:
    """Taking back a step that counted in a month whose cut-off has passed is asked once more (否 is the default):
    taken back now, the month keeps it, and the command line can date the taking back instead. True to go ahead."""
    dated = ctx.actor.can(Action.REVIEW)  # the form asks 撤销时间: the question says to fill it in
    question = read(ctx, lambda s: undo_question(s, case_id, chosen.action, at, in_form=dated))
    return not question or _asked_yes(parent, "month_kept_question", f"{chosen.label}：该月的数字不变",
                                      f"{plain_shown(question)}\n\n仍要现在{chosen.label}吗？")


def _asked_yes(parent: QWidget, name: str, title: str, text: str) -> bool:
    """A warning asked as a question with 否 as the default and Esc's answer: whether 是 was chosen."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setObjectName(name)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setEscapeButton(QMessageBox.StandardButton.No)
    box.exec()
    return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)


def perform(parent: QWidget, ctx: UiContext, case_id: int, key: str, preset: dict[str, Any] | None = None,
            expected_version: int | None = None, intro: str = "", said: str = "", at: datetime | None = None,
            *, notice_box: bool = True) -> bool:
    """Ask for what the step needs (unless ``preset`` gives it) and carry it out; True if done.

    With ``expected_version`` (the version the screen shows) a case changed meanwhile elsewhere is refused; after
    a refusal the form opens again as it was typed, to try again or to copy from, so nothing typed is lost.
    ``said`` goes to the status bar when it is done (by default: the step and the case's number); ``at`` is when
    the step was taken, if not now (a unit's signing phoned in later). What the step noted as it was recorded (a
    reply past its 办理期限, maybe dated wrongly) is said in a box too, unless ``notice_box`` is False (a page that
    says it of all the cases it took).
    """
    action = Action(key)
    chosen = STEPS[action]
    now: datetime = ctx.clock()
    situation, happened = read(ctx, lambda s: (
        wf.situation(s, case_id, now),
        wf.changed_since(s, case_id, expected_version, clock=ctx.clock) if expected_version is not None else ""))
    # A step whose time is asked is checked at the time its form opens on: after a step dated a little ahead of now
    # (a signature typed for 13:22 at 13:20), 登记回复 opens on that time instead of being refused before its form.
    opens_at = opening_time(now, situation.status.last_event_at) if at is None and action in STEP_TIMES \
        else taken_at(action, situation.status, now)
    blocked = chosen.check(situation.context, situation.status, ctx.actor, None, opens_at)
    if blocked and happened:  # the screen was stale: who did what, then why the step is gone
        show_refusal(parent, "无法完成操作", f"{happened}。{chosen.label}已不能进行：{blocked[0].message}")
        return False
    if blocked:
        refuse_before_typing(parent, chosen, blocked)
        return False
    dialog = step_dialog(parent, ctx, action, situation, now, ask_time=at is None, intro=intro) \
        if preset is None else None
    notice = said or ruling_notice(action, situation.number)
    # The case as this screen saw it: a step taken meanwhile on another station is not overridden unseen.
    version = expected_version if expected_version is not None else situation.version
    try:
        while True:
            if dialog is not None and dialog.exec() != StepDialog.DialogCode.Accepted:
                return False
            # a step that needs nothing (审核交办) is done on the button press
            payload = chosen.payload_from(dialog.values() if dialog is not None else preset or {})
            when = (dialog.when() if dialog is not None else None) or at
            if chosen.warning and not confirm_final(parent, chosen, situation.number):
                if dialog is None:
                    return False
                continue  # 否: its form opens again as typed (a reason typed in it was lost)
            if isinstance(payload, Reply) and (asked := asks_instead(payload)) and not _asked_yes(
                    parent, "asks_instead_question", "回复像是退单或延期",
                    f"{asks_instead_words(situation.number, asked)}\n\n仍要登记为回复吗？"):
                if dialog is None:
                    return False
                continue  # 否: the form opens again as typed, to give up (Esc) or to change the result
            if not despite_final_month(parent, ctx, case_id, chosen, when or ctx.clock()) \
                    or not despite_month_kept(parent, ctx, case_id, chosen, when or ctx.clock()):
                if dialog is None:
                    return False
                continue  # its form opens again as typed: to give up there, or to take it after all
            late_asked = action == Action.REPLY and bool(late := _late_reply(situation, when or ctx.clock()))
            if late_asked and not _asked_yes(parent, "late_reply_question", "回复晚于办理期限",
                                             f"{late}\n\n仍要按这个时间登记回复吗？"):
                if dialog is None:
                    return False
                continue  # the form again as typed, its 办结时间 to be put right (the time it went in by default)
            taken: list[Any] = []
            done, elsewhere = attempt(parent, ctx, _taking(ctx, case_id, action, payload, version, when, taken), notice)
            if done:
                if dialog is not None:  # taken: what was kept of its typing goes
                    dialog.discard_draft()
                if action == Action.ERASE:  # a bulletin chose it as a 典型案例; another station was reading
                    for store, kept in kept_steps(ctx.state_dir, ctx.actor.username, ctx.db.identity):
                        if kept["number"] == situation.number:  # words typed for the case, kept on this station
                            store.clear()
                    told = [taken[0].notice if taken else "", wf.erasure_kept_words(ctx.db.engine)]
                    if any(told):
                        QMessageBox.information(parent, chosen.label, "\n".join(text for text in told if text))
                elif notice_box and taken and isinstance(taken[0], CaseView) and (
                        new := _not_said_yet(ctx, case_id, action, taken[0], late_asked=late_asked)
                        + _unlike_form(situation, payload, taken[0], shown=dialog is not None)):
                    # said in the status bar alone, a warning went unseen by most, and unheard by a screen reader
                    QMessageBox.information(parent, f"{chosen.label}：请留意",
                                            "\n\n".join([done_notice(action, situation.number), *new]))
                return True
            if elsewhere:
                again, version = _after_a_change_elsewhere(parent, ctx, chosen, case_id, elsewhere,
                                                           again=dialog is not None,
                                                           typed=dialog.typed_words() if dialog is not None else "")
                if not again:
                    return False
            if dialog is None:
                return False
            dialog.follow_units()  # refused, shown again: with the lists as they now are (a unit stopped meanwhile)
    finally:
        if dialog is not None:  # the form is let go with the action (see ``run_modal``)
            dialog.deleteLater()


def _late_reply(situation: wf.Situation, at: datetime) -> str:
    """A reply about to be dated past the 主办 unit's 办理期限, in words ("" in time): asked before it is saved, the
    time it went in by default (now) being the usual slip."""
    main = situation.status.main_dispatch
    return wf.reply_time_words(at, main.deadline if main is not None else None)


def _not_said_yet(ctx: UiContext, case_id: int, action: Action, view: CaseView, *, late_asked: bool) -> list[str]:
    """The lines of what the step noted as it was recorded, less those its questions said before it was taken (its
    month finalised, the month keeping what is taken back, a reply past its 办理期限): not said a second time. (A
    回访 or 甄别 after the cut-off is asked about on its page, not in the case's window: said after it here.)"""
    if not view.notice:
        return []
    at = view.events[-1].at
    asked = read(ctx, lambda s: {step_month_notice(s, case_id, action, at), undone_notice(s, case_id, action, at)})
    if late_asked:
        asked.add(wf.replied_late_notice(view.events[-1].late))
    return [line for line in view.notice.splitlines() if line and line not in asked]


def _unlike_form(situation: wf.Situation, payload: object, view: CaseView, *, shown: bool) -> list[str]:
    """An extension granted whose 办理期限 is not the one its form showed (the calendar changed meanwhile)."""
    main = situation.status.main_dispatch
    if not shown or not isinstance(payload, ExtensionRule) or not payload.accept or main is None:
        return []
    moves = extension_moves(situation.status, situation.context.calendar)
    said = deadline_unlike_shown(moves, payload.days or main.extension_requested_days or 0, view.deadline)
    return [said] if said else []


def taken_back(action: Action, situation: wf.Situation, now: datetime) -> str:
    """What 撤销回复, 撤销回访结果 or 收回改派 would take back, in words, to be seen first; the units a 作废 is to be
    told to, and a 签收 past its limit ("" otherwise)."""
    status, name = situation.status, situation.context.unit_name
    if action == Action.UNDO_REPLY and (d := reply_to_take_back(status)) is not None and d.replied_at is not None:
        return (f"要撤销的回复：{name(d.unit_id)} {d.replied_at:%Y-%m-%d %H:%M}"
                f"{'（' + d.result + '）' if d.result else ''}：{d.reply_text[:80]}")
    if action == Action.UNDO_FOLLOWUP and status.followups:
        last = status.followups[-1]
        note = f"：{last.note[:80]}" if last.note else ""
        return f"要撤销的回访结果：{FollowUpResult(last.result).label}（{last.at:%Y-%m-%d %H:%M}）{note}"
    if action == Action.WITHDRAW and (main := status.main_dispatch) is not None:
        signed = f"，{main.signed_at:%m-%d %H:%M} 已签收" if main.signed_at else "，尚未签收"
        return (f"现在的承办单位：{name(main.unit_id)}（{main.dispatched_at:%m-%d %H:%M} 交办{signed}），"
                "收回后不计这件工单")
    if action == Action.VOID and (holding := wf.units_holding(status)):  # said before: a unit may be at work on it
        units = "、".join(f"{name(d.unit_id)}（{d.status.label}）" for d in holding)
        return f"本件已交办给{units}：作废后请告知{'该单位' if len(holding) == 1 else '这些单位'}不必再办"
    if action == Action.SIGN and (late := wf.late_signing_words(status, now)):
        return late.rstrip("。")
    return ""


def step_dialog(parent: QWidget | None, ctx: UiContext, action: Action, situation: wf.Situation, now: datetime, *,
                ask_time: bool = True, intro: str = "") -> StepDialog | None:
    """The form a step asks for, its time first where the step is often phoned in later (签收, 回复); None for a
    step that needs nothing typed (审核交办)."""
    chosen = STEPS[action]
    timed = ask_time and (action not in TIMED_BY_SUPERVISORS or ctx.actor.can(Action.REVIEW))
    main = situation.status.main_dispatch
    limits = [(situation.number, main.sign_deadline)] if main is not None and main.signed_at is None else []
    deadline = main.deadline if main is not None else None
    # a signing in time or not, a reply within its 办理期限 or not: said as the time is typed
    verdict = (lambda at: wf.signing_time_words(at, limits, ctx.clock())) if action == Action.SIGN else \
        (lambda at: wf.reply_time_words(at, deadline, ctx.clock())) if action == Action.REPLY else None
    asked = time_field(action, now, situation.status.last_event_at, verdict=verdict) if timed else None
    if not chosen.form and asked is None:
        return None
    fields = [*([asked] if asked is not None else []), *field_specs(ctx, chosen, situation)]
    why = STEP_TIMES[action].why if asked is not None else ""
    if not intro and (reason := situation.status.sent_back_reason):  # proposed anew, or answered, knowing why
        intro = f"审核员驳回的理由：{reason}"
    if not intro and (taken := taken_back(action, situation, now)):  # what is taken back, before it is
        intro = f"工单 {situation.number}：{situation.title}\n{taken}"
    request, ruled_by = asked_of(situation.status, situation.context.calendar)
    if not intro and request and ruled_by == action:  # ruled on knowing what the unit asked, and why
        unit = situation.context.unit_name(situation.status.main_dispatch.unit_id
                                           if situation.status.main_dispatch else None)
        intro = f"工单 {situation.number}：{situation.title}\n{unit}的{request}"
    return StepDialog(parent, ctx, chosen, situation, fields,
                      intro or (f"{why}：\n工单 {situation.number}：{situation.title}" if why else ""))


def attempt(parent: QWidget, ctx: UiContext, work: Callable[[Session], object],
            notice: str | Callable[[object], str], *,
            title: str = "无法完成操作", faults: list[tuple[str, str]] | None = None) -> tuple[bool, str]:
    """Carry a change to a case out; whether it was done, and what another station did to the case meanwhile when
    that refused it (other refusals are shown at once, under ``title``; ``faults`` gets the field a refusal names,
    with its message)."""
    elsewhere: list[str] = []

    def refused(exc: HotlineError) -> None:
        if isinstance(exc, ConflictError):
            elsewhere.append(exc.happened)
        else:
            show_refusal(parent, title, exc.message)
            if faults is not None and isinstance(exc, ValidationError) and exc.field:
                faults.append((exc.field, exc.message))

    done = Operation(parent, ctx, work, changes=Change.CASES).notify(notice).failure(refused).run_here() is not None
    return done, elsewhere[0] if elsewhere else ""


def _after_a_change_elsewhere(parent: QWidget, ctx: UiContext, chosen: Step[Any], case_id: int, happened: str, *,
                              again: bool, typed: str = "") -> tuple[bool, int]:
    """After a refusal because the case changed elsewhere: say what happened and whether the step can still be
    taken; returns whether its form opens again as typed, and the case's version as it now stands.

    A step that can no longer be taken (another station replied first) loses its form: what was typed into it (a
    long reply) is put on the clipboard and shown in the message, not lost with the form."""
    now = ctx.clock()
    situation = read(ctx, lambda s: wf.situation(s, case_id, now))
    blocked = chosen.check(situation.context, situation.status, ctx.actor, None, now)
    if blocked:
        said = f"{happened}。{chosen.label}已不能进行：{blocked[0].message}"
        if not typed:
            show_refusal(parent, "无法完成操作", said)
        else:
            QApplication.clipboard().setText(typed)
            box = QMessageBox(QMessageBox.Icon.Warning, "无法完成操作",
                              plain_shown(f"{said}\n\n您填写的内容没有保存，已复制到剪贴板（也可在“显示详情”中"
                                          "复制），需要时可粘贴。"), QMessageBox.StandardButton.Ok, parent)
            box.setDetailedText(typed)
            box.exec()
        return False, situation.version
    then = "您填写的内容已保留，请核对后再按确定。" if again else f"如仍需{chosen.label}，请再操作一次。"
    show_refusal(parent, "无法完成操作", f"{happened}。{then}")
    return again, situation.version


def _taking(ctx: UiContext, case_id: int, action: Action, payload: Any, expected_version: int | None,
            at: datetime | None, taken: list[Any] | None = None) -> Callable[[Session], object]:
    """The step as a save; ``taken`` gets the case as it left it."""
    def work(s: Session) -> object:
        view = wf.take(s, ctx.actor, case_id, action, payload, clock=ctx.clock, at=at,
                       expected_version=expected_version)
        if taken is not None:
            taken.append(view)
        return view

    return work
