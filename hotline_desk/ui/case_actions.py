"""Carrying out one workflow step on a case from any view, built from the transition table.

A step the user may not take now is refused before any dialog opens (its reason is shown instead); a dialog checks
what is typed as it is typed and keeps 确定 disabled until the step would pass, so nothing typed is lost to a refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.steps import STEPS, Gate, Problem, Step
from hotline_desk.services.office import reference
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.operations import Operation
from hotline_desk.ui.widgets import ActionDialog, FieldSpec
from hotline_desk.vocabulary import Action


def unit_choices(ctx: UiContext) -> list[tuple[str, int]]:
    return read(ctx, lambda s: [(u.name, u.id) for u in reference.list_units(s)])


def field_specs(ctx: UiContext, chosen: Step[Any], situation: wf.Situation) -> list[FieldSpec]:
    """The dialog's inputs, from the step's form fields (unit lists and day limits filled in from the office)."""
    specs = []
    for f in chosen.form:
        choices: Sequence[tuple[str, Any]] = f.choices
        if f.kind == "unit":
            choices = [(info.name, uid) for uid, info in situation.context.units.items() if info.active]
        maximum = f.maximum
        if chosen.action == Action.EXTENSION_REQUEST and f.key == "days":
            maximum = situation.context.limits.extension_max_days
        specs.append(FieldSpec(f.key, f.label, "check" if f.kind == "bool" else f.kind, choices, f.default,
                               f.required, f.minimum, maximum))
    return specs


class StepDialog(ActionDialog):
    """The form of one step; every change is checked against the step, and 确定 stays off until it would pass."""

    def __init__(self, parent: QWidget | None, ctx: UiContext, chosen: Step[Any], situation: wf.Situation,
                 fields: Sequence[FieldSpec], intro: str = "") -> None:
        # The case is named inside the dialog too: a screen without title bars still shows which case it is.
        super().__init__(parent, f"{chosen.label}：{situation.number} {situation.title}", fields,
                         intro or f"工单 {situation.number}：{situation.title}")
        self.ctx, self.step, self.situation = ctx, chosen, situation
        self.touched: set[str] = set()
        box = self.findChild(QDialogButtonBox)
        assert box is not None
        ok = box.button(QDialogButtonBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        self.ok = ok
        for key, editor in self.editors.items():
            self._watch(key, editor)
        self.revalidate()

    def _watch(self, key: str, editor: QWidget) -> None:
        def changed(*_: object) -> None:
            self.touched.add(key)
            self.revalidate()

        if isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(changed)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(changed)
            if editor.isEditable():
                editor.editTextChanged.connect(changed)
        elif isinstance(editor, QAbstractSpinBox):
            editor.editingFinished.connect(changed)
            getattr(editor, "valueChanged").connect(changed)  # noqa: B009 (QSpinBox and friends)
        elif isinstance(editor, QLineEdit):
            editor.textChanged.connect(changed)

    def problems(self) -> list[Problem]:
        payload = self.step.payload_from(self.values())
        found = self.situation
        return self.step.check(found.context, found.status, self.ctx.actor, payload, self.ctx.clock())

    def revalidate(self) -> list[Problem]:
        found = self.problems()
        shown = [p.message for p in found
                 if p.gate is not Gate.INPUT or not p.field or p.field in self.touched or p.field not in self.editors]
        self.error.setText("\n".join(dict.fromkeys(shown)))
        self.ok.setEnabled(not found)
        return found

    def _accept(self) -> None:
        self.touched |= set(self.editors)
        if not self.revalidate():
            self.accept()


def refuse_before_typing(parent: QWidget, chosen: Step[Any], reasons: list[Problem]) -> None:
    QMessageBox.information(parent, f"不能{chosen.label}", "\n".join(p.message for p in reasons))


def confirm_final(parent: QWidget, chosen: Step[Any]) -> bool:
    """A step that cannot be undone is asked once more, with 否 as the default."""
    answer = QMessageBox.question(parent, f"确定{chosen.label}？", chosen.warning,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def perform(parent: QWidget, ctx: UiContext, case_id: int, key: str, preset: dict[str, Any] | None = None,
            expected_version: int | None = None, intro: str = "", said: str = "", at: datetime | None = None) -> bool:
    """Ask for what the step needs (unless ``preset`` gives it) and carry it out; True if done.

    With ``expected_version`` (the version the screen shows) a case changed meanwhile elsewhere is refused.
    ``said`` goes to the status bar when it is done (by default: the step and the case's number); ``at`` is when
    the step was taken, if not now (a unit's signing phoned in later).
    """
    action = Action(key)
    chosen = STEPS[action]
    now: datetime = ctx.clock()
    situation = read(ctx, lambda s: wf.situation(s, case_id, now))
    blocked = chosen.check(situation.context, situation.status, ctx.actor, None, now)
    if blocked:
        refuse_before_typing(parent, chosen, blocked)
        return False
    if preset is not None:
        payload = chosen.payload_from(preset)
    elif chosen.form:
        dialog = StepDialog(parent, ctx, chosen, situation, field_specs(ctx, chosen, situation), intro)
        if dialog.exec() != StepDialog.DialogCode.Accepted:
            return False
        payload = chosen.payload_from(dialog.values())
    else:  # a step that needs nothing (签收, 审核交办) is done on the button press
        payload = chosen.payload_from({})
    if chosen.warning and not confirm_final(parent, chosen):
        return False

    def work(s: Session) -> object:
        return wf.take(s, ctx.actor, case_id, action, payload, clock=ctx.clock, at=at,
                       expected_version=expected_version)

    notice = said or f"已{chosen.label}：{situation.number}"
    return Operation(parent, ctx, work, changes=Change.CASES).notify(notice).run_here() is not None
