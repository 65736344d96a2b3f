"""A campaign's questions edited after it started: freely before any door answered; after,
the answered ones stay readable (kept, same type, every choice kept — each refusal names the
question), new ones are asked at the next doors; the page keeps the builder's input on error;
only the community's staff edit; a testing round's door lists have no questions."""

from __future__ import annotations

import copy
import json

import pytest
from django.utils import translation

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent
from shequ.outreach import services
from shequ.outreach.models import TaskStatus
from tests.outreach.conftest import SCREENING, task_of

pytestmark = pytest.mark.django_db

DONE = {"present": True, "symptoms": "无", "people": 3}


def _answer_one_door(door, city, personas):
    task = task_of(door.campaign, city.ha1)
    services.outcome_record(
        actor=personas.staff_a, task=task, outcome=TaskStatus.DONE, answers=DONE
    )


def _set(door, personas, questions):
    return services.campaign_questions_set(
        actor=personas.staff_a, campaign=door.campaign, questions=questions
    )


def test_before_any_answer_the_questions_change_freely(door, personas):
    questions = [{"key": "present", "label": "是否在家", "type": "text"}]
    campaign = _set(door, personas, questions)
    assert [(q["key"], q["type"]) for q in campaign.questions] == [("present", "text")]
    event = AuditEvent.objects.filter(action="outreach.campaign_questions_set").get()
    assert event.changes["questions"][1] == ["present"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda qs: [q for q in qs if q["key"] != "symptoms"], "keep it"),
        (lambda qs: [q | {"type": "text"} if q["key"] == "present" else q for q in qs],
         "keep its answer type"),
        (lambda qs: [q | {"choices": ["无", "咳嗽"]} if q["key"] == "symptoms" else q
                     for q in qs], "keep the choice “发热”"),
    ],
)  # fmt: skip
def test_an_answered_question_stays_readable(door, city, personas, change, words):
    _answer_one_door(door, city, personas)
    before = copy.deepcopy(door.campaign.questions)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _set(door, personas, change(copy.deepcopy(before)))
    assert words in caught.value.errors["questions"]
    door.campaign.refresh_from_db()
    assert door.campaign.questions == before


def test_after_answers_wording_new_choices_and_new_questions_are_fine(door, city, personas):
    _answer_one_door(door, city, personas)
    questions = copy.deepcopy(SCREENING)
    questions[0]["label"] = {"zh": "目前是否在家居住", "en": "Living here now"}
    questions[2]["choices"].append("乏力")
    # "new_arrivals" was never answered at a door: it may go. A new one is asked from now on.
    questions = [q for q in questions if q["key"] != "new_arrivals"]
    questions.append(
        {"key": "vaccinated", "label": "是否已接种", "type": "yes_no", "required": True}
    )
    _set(door, personas, questions)
    door.campaign.refresh_from_db()
    task = task_of(door.campaign, city.ha2)
    with pytest.raises(ValidationError) as caught:
        services.outcome_record(
            actor=personas.staff_a, task=task, outcome=TaskStatus.DONE, answers=DONE
        )
    assert "answers.vaccinated" in caught.value.errors
    services.outcome_record(
        actor=personas.staff_a, task=task, outcome=TaskStatus.DONE,
        answers={"present": True, "symptoms": "乏力", "vaccinated": True},
    )  # fmt: skip
    assert task_of(door.campaign, city.ha1).answers == DONE  # the earlier door, as it was


def test_another_community_s_staff_and_a_cadre_cannot_edit(door, personas, login):
    with pytest.raises(PermissionDenied):
        services.campaign_questions_set(
            actor=personas.staff_b, campaign=door.campaign, questions=SCREENING
        )
    url = f"/outreach/c/{door.campaign.pk}/questions/"
    assert login(personas.cadre).get(url).status_code in (403, 404)


def test_the_page_keeps_what_was_typed_when_it_refuses(door, city, personas, login):
    _answer_one_door(door, city, personas)
    client = login(personas.staff_a)
    url = f"/outreach/c/{door.campaign.pk}/questions/"
    page = client.get(url).content.decode()
    assert "是否在家" in page
    assert 'data-testid="answered-note"' in page
    data = {"q-TOTAL_FORMS": "2", "q-INITIAL_FORMS": "0"}
    # The answered "present" row turned into text: refused, both rows shown as typed.
    data |= {"q-0-key": "present", "q-0-label": "在家吗", "q-0-type": "text"}
    data |= {"q-1-key": "", "q-1-label": "新问题：是否需要代购", "q-1-type": "yes_no"}
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "在家吗" in body
    assert "新问题：是否需要代购" in body
    assert 'data-testid="errors"' in body
    before = door.campaign.questions
    door.campaign.refresh_from_db()
    assert door.campaign.questions == before


def test_the_api_replaces_the_questions_and_names_a_refusal(door, city, personas, api, client):
    _answer_one_door(door, city, personas)
    staff = api(personas.staff_a)
    url = f"/api/v1/outreach/campaigns/{door.campaign.pk}/questions"

    def put(questions):
        return client.put(
            url, json.dumps({"questions": questions}), content_type="application/json",
            headers=staff.headers,
        )  # fmt: skip

    assert put([SCREENING[0]]).status_code == 400
    ok = put([*SCREENING, {"key": "needs", "label": "需要帮助", "type": "text"}])
    assert ok.status_code == 200, ok.content
    door.campaign.refresh_from_db()
    assert [q["key"] for q in door.campaign.questions][-1] == "needs"
