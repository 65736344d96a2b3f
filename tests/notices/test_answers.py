"""Policy answers and the hotline log: search on a phone (public and staff), stale answers
flagged for the HQ, suggestions while logging a call, a call with no answer turned into a
draft answer, who may do what, every bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.notices import answers, selectors
from shequ.notices.models import Answer, AnswerStatus, HotlineCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(personas, city):
    def write(topic, question, text, checked=True):
        return answers.answer_save(
            actor=personas.hq, city=city.c, topic=topic, question=question, text=text,
            checked=checked,
        )  # fmt: skip

    return {
        "test": write("核酸检测", "封控期间还要做核酸吗？", "要做，每天一次。"),
        "old": write("核酸检测", "老人怎么做核酸？", "打社区电话，上门采样。"),
        "travel": write("出行", "外地返回要报备吗？", "要，提前一天报备。"),
        "draft": write("物资", "缺药怎么办？", "", checked=False),
    }


def test_the_public_page_finds_answers_by_words_and_shows_only_current_ones(qa, city):
    page = Client().get(f"/n/q/{city.c.code}/", {"q": "做核酸"}).content.decode()
    assert "封控期间还要做核酸吗" in page
    assert "老人怎么做核酸" in page
    assert "外地返回" not in page
    everything = Client().get(f"/n/q/{city.c.code}/").content.decode()
    assert "外地返回要报备吗" in everything
    assert "缺药怎么办" not in everything  # a draft
    assert Client().get("/n/q/NOPE/").status_code == 404


def test_the_staff_page_searches_without_javascript(qa, personas, login):
    page = login(personas.staff_a).get("/notices/answers/", {"q": "报备"}).content.decode()
    assert "外地返回要报备吗" in page
    assert "封控期间" not in page


def test_only_the_hq_writes_answers(personas, city):
    with pytest.raises(PermissionDenied):
        answers.answer_save(
            actor=personas.street, city=city.c, topic="t", question="q", text="a", checked=True
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"question": " "}, "question"),
        ({"text": "", "checked": True}, "answer"),
        ({"text": "长" * 3001}, "answer"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(personas, city, fields, field):
    data = {"topic": "核酸", "question": "要做吗", "text": "要", "checked": False} | fields
    with pytest.raises(ValidationError) as exc:
        answers.answer_save(actor=personas.hq, city=city.c, **data)
    assert field in exc.value.errors
    assert not Answer.objects.exists()


def test_stale_answers_are_flagged_for_the_hq(qa, personas, login):
    Answer.objects.filter(pk=qa["travel"].pk).update(
        checked_on=timezone.localdate() - dt.timedelta(days=45)
    )
    assert list(selectors.stale_answers(personas.hq)) == [qa["travel"]]
    page = login(personas.hq).get("/notices/answers/").content.decode()
    assert 'data-testid="stale"' in page
    answers.answer_check(actor=personas.hq, answer=qa["travel"])
    assert not selectors.stale_answers(personas.hq).exists()


def test_logging_a_call_suggests_the_matching_answer(qa, personas, city, login):
    assert selectors.suggestions(city.ka, "家里老人要做核酸怎么办")[0] == qa["old"]
    client = login(personas.staff_a)
    page = client.post(
        "/notices/hotline/",
        {"place": city.ka.pk, "question": "外地回来要报备吗", "action": "suggest"},
    )
    assert 'data-testid="suggested"' in page.content.decode()
    assert "提前一天报备" in page.content.decode()
    assert not HotlineCall.objects.exists()  # finding answers logs nothing
    logged = client.post(
        "/notices/hotline/",
        {"place": city.ka.pk, "question": "外地回来要报备吗", "answer": qa["travel"].pk,
         "action": "log"},
    )  # fmt: skip
    assert logged.status_code == 302
    assert HotlineCall.objects.get().answer == qa["travel"]


def test_a_call_from_an_answer_keeps_its_text_so_the_same_question_gets_the_same_answer(
    qa, personas, city
):
    call = answers.hotline_log(
        actor=personas.staff_a, place=city.ka, question="外地回来要报备吗", answer=qa["travel"]
    )
    assert call.answer_given == "要，提前一天报备。"


def test_a_call_with_no_answer_becomes_a_draft_for_the_hq(personas, city, login):
    call = answers.hotline_log(
        actor=personas.staff_a, place=city.a, question="快递能送到楼下吗", answer_given="稍后回复"
    )
    response = login(personas.staff_a).post(f"/notices/hotline/{call.pk}/")
    assert response.status_code == 302
    draft = Answer.objects.get()
    assert (draft.status, draft.question, draft.answer) == (
        AnswerStatus.DRAFT, "快递能送到楼下吗", "稍后回复",
    )  # fmt: skip
    call.refresh_from_db()
    assert call.answer == draft
    with pytest.raises(ValidationError):  # once
        answers.answer_from_call(actor=personas.staff_a, call=call)


def test_calls_are_logged_only_from_one_s_own_places_and_seen_only_there(personas, city):
    with pytest.raises(PermissionDenied):
        answers.hotline_log(actor=personas.staff_a, place=city.b, question="问")
    answers.hotline_log(actor=personas.staff_b, place=city.b, question="乙社区的问题")
    assert not selectors.calls_for(personas.staff_a).exists()
    assert selectors.calls_for(personas.street).count() == 0  # s1 only
    assert selectors.calls_for(personas.hq).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"question": ""}, "question"),
        ({"place": None}, "place"),
        ({"taken_at": "future"}, "taken_at"),
    ],
)
def test_bad_calls_are_refused_naming_the_field(personas, city, fields, field):
    data = {"place": city.a, "question": "问题"} | fields
    if data.get("taken_at") == "future":
        data["taken_at"] = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        answers.hotline_log(actor=personas.staff_a, **data)
    assert field in exc.value.errors
    assert not HotlineCall.objects.exists()


def test_a_draft_answer_is_not_given_on_the_phone(qa, personas, city):
    with pytest.raises(ValidationError) as exc:
        answers.hotline_log(
            actor=personas.staff_a, place=city.a, question="缺药", answer=qa["draft"]
        )
    assert "answer" in exc.value.errors


def test_the_hotline_page_keeps_the_input_on_error(personas, city, login):
    response = login(personas.staff_a).post(
        "/notices/hotline/", {"place": "", "question": "保留的问题", "action": "log"}
    )
    assert response.status_code == 400
    assert "保留的问题" in response.content.decode()


def test_the_lists_have_their_excel(qa, personas, city, login):
    answers.hotline_log(actor=personas.staff_a, place=city.a, question="=1+1")
    client = login(personas.hq)
    for url in ("/notices/answers/?format=xlsx", "/notices/hotline/?format=xlsx"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.content[:2] == b"PK"


def test_the_api_searches_logs_and_proposes(qa, personas, city, api):
    staff = api(personas.staff_a)
    found = staff.get("/api/v1/notices/answers", q="报备").json()
    assert [a["id"] for a in found] == [qa["travel"].pk]
    suggested = staff.get(
        "/api/v1/notices/hotline/suggestions", place_id=city.a.pk, question="要做核酸吗"
    ).json()
    assert suggested[0]["id"] in (qa["test"].pk, qa["old"].pk)
    call = staff.post(
        "/api/v1/notices/hotline/calls", {"place_id": city.a.pk, "question": "新问题"}
    ).json()
    proposed = staff.post(f"/api/v1/notices/hotline/calls/{call['id']}/propose").json()
    assert proposed["status"] == "draft"
    assert (
        staff.post(
            "/api/v1/notices/answers",
            {"city_id": city.c.pk, "topic": "t", "question": "q", "answer": "a"},
        ).status_code
        == 403
    )
