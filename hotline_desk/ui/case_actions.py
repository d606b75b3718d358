"""Carrying out one workflow action on a case from any view: ask for what it needs, call the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.actions import ACTION_LABELS
from hotline_desk.services.cases.history import FOLLOWUP_RESULTS
from hotline_desk.services.office import reference
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read, run_action
from hotline_desk.ui.widgets import FieldSpec, ask


def unit_choices(ctx: UiContext) -> list[tuple[str, int]]:
    return read(ctx, lambda s: [(u.name, u.id) for u in reference.list_units(s)])


def _fields(ctx: UiContext, key: str) -> list[FieldSpec] | None:
    units = unit_choices(ctx)
    decision = [("同意", True), ("不同意", False)]
    specs: dict[str, list[FieldSpec]] = {
        "coordinate": [FieldSpec("answer", "答复或协调情况", "text", required=True)],
        "propose": [FieldSpec("unit", "主办单位", "unit", units, required=True)],
        "approve": [],
        "reject": [FieldSpec("reason", "驳回理由", "text", required=True)],
        "sign": [],
        "reply": [FieldSpec("text", "回复内容", "text", required=True), FieldSpec("result", "办理结果"),
                  FieldSpec("handler", "经办人"), FieldSpec("handler_phone", "联系电话")],
        "return_request": [FieldSpec("reason", "退单理由", "text", required=True)],
        "return_rule": [FieldSpec("accept", "审批意见", "choice", decision),
                        FieldSpec("new_unit", "改派单位（同意时）", "unit", units), FieldSpec("note", "意见", "text")],
        "extension_request": [FieldSpec("days", "延期工作日", "int", minimum=1, maximum=10, default=3),
                              FieldSpec("reason", "延期理由", "text", required=True)],
        "extension_rule": [FieldSpec("accept", "审批意见", "choice", decision), FieldSpec("note", "意见", "text")],
        "supervise": [FieldSpec("note", "督办说明", "text")],
        "followup": [FieldSpec("result", "回访结果", "choice", [(v, k) for k, v in FOLLOWUP_RESULTS.items()]),
                     FieldSpec("note", "回访记录", "text")],
        "review": [FieldSpec("at_fault", "甄别结论", "choice", [("承办单位责任，重办", True),
                                                              ("非承办单位责任，不计入满意率", False)]),
                   FieldSpec("note", "甄别意见", "text", required=True)],
    }
    return specs.get(key)


def _call(ctx: UiContext, key: str, case_id: int, v: dict[str, Any]) -> Callable[[Session], object]:
    a, c = ctx.actor, ctx.clock
    calls: dict[str, Callable[[Session], object]] = {
        "coordinate": lambda s: wf.coordinate(s, a, case_id, v["answer"], clock=c),
        "propose": lambda s: wf.propose(s, a, case_id, v["unit"], clock=c),
        "approve": lambda s: wf.approve(s, a, case_id, unit_id=v.get("unit"), clock=c),
        "reject": lambda s: wf.reject(s, a, case_id, v["reason"], clock=c),
        "sign": lambda s: wf.sign(s, a, case_id, clock=c),
        "reply": lambda s: wf.reply(s, a, case_id, wf.Reply(text=v["text"], result=v["result"], handler=v["handler"],
                                                            handler_phone=v["handler_phone"]), clock=c),
        "return_request": lambda s: wf.request_return(s, a, case_id, v["reason"], clock=c),
        "return_rule": lambda s: wf.rule_return(s, a, case_id, v["accept"], new_unit_id=v["new_unit"],
                                                note=v["note"], clock=c),
        "extension_request": lambda s: wf.request_extension(s, a, case_id, v["days"], v["reason"], clock=c),
        "extension_rule": lambda s: wf.rule_extension(s, a, case_id, v["accept"], note=v["note"], clock=c),
        "supervise": lambda s: wf.supervise(s, a, case_id, v["note"], clock=c),
        "followup": lambda s: wf.follow_up(s, a, case_id, v["result"], v["note"], clock=c),
        "review": lambda s: wf.review(s, a, case_id, v["at_fault"], v["note"], clock=c),
    }
    return calls[key]


def perform(parent: QWidget, ctx: UiContext, case_id: int, key: str, preset: dict[str, Any] | None = None,
            expected_version: int | None = None) -> bool:
    """Ask for what the action needs (unless ``preset`` gives it all) and carry it out; True if done.

    With ``expected_version`` (the version the screen shows) a case changed meanwhile elsewhere is refused.
    """
    fields = _fields(ctx, key)
    if fields is None:
        return False
    values: dict[str, Any] | None = dict(preset or {})
    if preset is None and fields:  # a step that needs nothing (签收, 审核通过) is done on the button press
        values = ask(parent, ACTION_LABELS[key], fields)
    if values is None:
        return False
    call = _call(ctx, key, case_id, values)

    def guarded(s: Session) -> object:
        if expected_version is not None:
            wf.ensure_version(s, case_id, expected_version)
        return call(s)

    return run_action(parent, ctx, guarded) is not None
