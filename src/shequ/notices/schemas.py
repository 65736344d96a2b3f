"""The notices API's bodies and answers."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class NoticeIn(Schema):
    place_id: int
    title: str
    body: str
    to_public: bool = True
    to_staff: bool = False
    to_sms: bool = False
    until: dt.date | None = None


class NoticePatch(Schema):
    title: str
    body: str
    to_public: bool | None = None
    to_staff: bool | None = None
    to_sms: bool | None = None
    # Left out: the last day stays as it is; null: until withdrawn.
    until: dt.date | None = None


class NoticeOut(Schema):
    id: int
    token: str
    place_id: int
    place: str = Field(..., alias="place.name")
    title: str
    body: str
    status: str
    to_public: bool
    to_staff: bool
    to_sms: bool
    published_at: dt.datetime | None
    until: dt.date | None
    ended: bool
    opens: int
    staff_told: int
    texts_queued: int
    texts_sent: int = 0


class NoticeVersionOut(Schema):
    number: int
    title: str
    body: str
    by: str = Field(..., alias="by.username")
    at: dt.datetime


class NoticeAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class PolicyAnswerIn(Schema):
    city_id: int
    topic: str
    question: str
    answer: str = ""
    checked: bool = False


class PolicyAnswerOut(Schema):
    id: int
    city_id: int
    topic: str
    question: str
    answer: str
    status: str
    checked_on: dt.date | None
    stale: bool = False


class HotlineCallIn(Schema):
    place_id: int
    question: str
    answer_given: str = ""
    answer_id: int | None = None
    follow_up: bool = False
    taken_at: dt.datetime | None = None


class HotlineCallOut(Schema):
    id: int
    place_id: int
    taken_at: dt.datetime
    question: str
    answer_given: str
    answer_id: int | None
    taken_by: str = Field(..., alias="taken_by.username")
    follow_up: bool
