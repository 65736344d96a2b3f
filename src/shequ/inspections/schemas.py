"""The inspections API's bodies and answers."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class VisitOut(Schema):
    id: int
    plan: str
    place_id: int
    target: str
    inspector: str
    visited_at: dt.datetime
    problems: int


class TaskOut(Schema):
    id: int
    visit_id: int
    place_id: int
    place: str
    what: str
    owner: str
    deadline: dt.date
    status: str
    overdue: bool


class FollowUpIn(Schema):
    note: str
    done: bool = False


class CloseIn(Schema):
    accept: bool
    note: str = ""
