"""A notice's last day (a lockdown "until the 20th"): kept through the editor in both
languages, refused when past or more than a year away (naming the field), moved on a
published notice with the audit's before/after, gone from the compound's page after it, and
its own page (a poster's QR code outlives it) saying that it ended."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from shequ.core.errors import ValidationError
from shequ.core.models import AuditEvent
from shequ.notices import selectors, services
from shequ.notices.models import Notice

pytestmark = pytest.mark.django_db


def _notice(actor, place, **kw):
    fields = {"title": "封控告知书", "body": "小区封控管理，请居家。"} | kw
    return services.notice_create(actor=actor, place=place, **fields)


def _pass_days(notice: Notice, days: int) -> None:
    """Time passes: the last day is now `days` ago (the services refuse a past day)."""
    Notice.objects.filter(pk=notice.pk).update(until=timezone.localdate() - dt.timedelta(days=days))


@pytest.mark.parametrize(("offset", "words"), [(-1, "before today"), (367, "more than a year")])
def test_a_last_day_in_the_past_or_too_far_is_refused_naming_the_field(
    personas, city, offset, words
):
    day = timezone.localdate() + dt.timedelta(days=offset)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _notice(personas.staff_a, city.a, until=day)
    assert set(caught.value.errors) == {"until"}
    assert words in caught.value.errors["until"]
    assert not Notice.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_editor_keeps_the_last_day_as_the_browser_sends_it(personas, city, login, language):
    client = login(personas.staff_a)
    day = timezone.localdate() + dt.timedelta(days=10)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        "/notices/new/",
        {"place": city.a.pk, "title": "封控告知书", "body": "请居家。", "to_public": "on",
         "until": day.isoformat()},
    )  # fmt: skip
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert notice.until == day
    # Shown again as the date input reads it (ISO), so saving the page keeps it.
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert f'name="until" type="date" value="{day.isoformat()}"' in page
    client.post(
        f"/notices/{notice.pk}/",
        {"action": "edit", "title": "封控告知书", "body": "请居家，谢谢。", "to_public": "on",
         "until": day.isoformat()},
    )  # fmt: skip
    notice.refresh_from_db()
    assert (notice.body, notice.until) == ("请居家，谢谢。", day)


def test_a_bad_date_keeps_what_the_writer_typed_and_names_the_field(personas, city, login):
    client = login(personas.staff_a)
    response = client.post(
        "/notices/new/",
        {"place": city.a.pk, "title": "封控告知书", "body": "请居家。", "until": "20号"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="20号"' in page
    assert "封控告知书" in page
    assert "sq-field-error" in page.split('for="until"')[0].rsplit("<div", 1)[1]
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", ("标题", "渠道", "截止日期")), ("en", ("title", "channel", "last day"))],
)
def test_a_bad_date_is_named_with_every_other_mistake_at_once(
    personas, city, login, language, words
):
    """The writer sees all that is wrong in one return, not the date first and the rest on
    the next try; on the new notice's editor and on an existing draft's."""
    client = login(personas.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    bad = {"place": city.a.pk, "title": "", "body": "请居家。", "until": "1985/03/12"}
    response = client.post("/notices/new/", bad)
    assert response.status_code == 400
    assert _shown_errors(response.content.decode(), words) == words
    assert 'value="1985/03/12"' in response.content.decode()
    assert not Notice.objects.exists()
    draft = _notice(personas.staff_a, city.a)
    response = client.post(f"/notices/{draft.pk}/", {"action": "edit", **bad})
    assert _shown_errors(response.content.decode(), words) == words
    draft.refresh_from_db()
    assert (draft.title, draft.until) == ("封控告知书", None)
    with translation.override(language), pytest.raises(ValidationError) as caught:
        services.notice_create(
            actor=personas.staff_a, place=city.a, title="", body="x", to_public=False,
            until="1985/03/12",
        )  # fmt: skip
    text = " ".join(caught.value.errors.values()).lower()
    assert all(w in text for w in words), text


def _shown_errors(page: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """Which of `words` the page's box of errors says (in the order asked)."""
    box = page.split('data-testid="errors"', 1)[1].split("</div>", 1)[0].lower()
    return tuple(w for w in words if w in box)


def test_an_ended_notice_s_text_can_still_be_corrected_keeping_its_day(personas, city):
    notice = _notice(personas.staff_a, city.a, until=timezone.localdate())
    services.notice_publish(actor=personas.staff_a, notice=notice)
    _pass_days(notice, 2)
    ended = Notice.objects.get(pk=notice.pk).until
    services.notice_edit(
        actor=personas.staff_a, notice=notice, title=notice.title, body="更正：请居家。",
        until=ended.isoformat(),
    )  # fmt: skip
    notice.refresh_from_db()
    assert (notice.body, notice.until) == ("更正：请居家。", ended)


def test_a_published_notice_s_last_day_is_moved_and_the_audit_says_from_what(personas, city):
    first = timezone.localdate() + dt.timedelta(days=3)
    later = first + dt.timedelta(days=7)
    notice = _notice(personas.staff_a, city.a, until=first)
    services.notice_publish(actor=personas.staff_a, notice=notice)
    services.notice_edit(
        actor=personas.staff_a, notice=notice, title=notice.title, body=notice.body, until=later
    )
    notice.refresh_from_db()
    assert notice.until == later
    event = AuditEvent.objects.filter(action="notices.notice_edit").latest("pk")
    assert event.changes["until"] == [first.isoformat(), later.isoformat()]
    # Saving the text alone (KEEP) leaves the day as it is.
    services.notice_edit(actor=personas.staff_a, notice=notice, title="封控延长", body="请居家。")
    notice.refresh_from_db()
    assert (notice.title, notice.until) == ("封控延长", later)


def test_after_its_last_day_residents_no_longer_see_it_listed_and_its_page_says_it_ended(
    personas, city
):
    notice = _notice(personas.staff_a, city.a, until=timezone.localdate())
    services.notice_publish(actor=personas.staff_a, notice=notice)
    assert "封控告知书" in Client().get(f"/h/{city.ka.code}/").content.decode()  # the last day
    _pass_days(notice, 1)
    assert "封控告知书" not in Client().get(f"/h/{city.ka.code}/").content.decode()
    with translation.override("en"):
        page = Client(headers={"accept-language": "en"}).get(f"/n/{notice.token}/")
    assert page.status_code == 200
    assert 'data-testid="notice-ended"' in page.content.decode()
    # The writer's list: the "ended" filter finds it, the "published" one still does.
    assert list(selectors.notices_for(personas.staff_a, selectors.ENDED)) == [notice]
    assert list(selectors.notices_for(personas.staff_a, "published")) == [notice]
    assert selectors.notices_for(personas.staff_b, selectors.ENDED).count() == 0


def test_the_api_sets_keeps_and_clears_the_last_day(personas, city, api, client):
    day = timezone.localdate() + dt.timedelta(days=5)
    staff = api(personas.staff_a)
    created = staff.post(
        "/api/v1/notices/notices",
        {
            "place_id": city.a.pk,
            "title": "封控告知书",
            "body": "请居家。",
            "until": day.isoformat(),
        },
    )
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["until"], body["ended"]) == (day.isoformat(), False)
    url = f"/api/v1/notices/notices/{body['id']}"

    def patch(fields):
        return client.patch(
            url, json.dumps(fields), content_type="application/json", headers=staff.headers
        )

    assert patch({"title": "封控告知书", "body": "请居家。"}).json()["until"] == day.isoformat()
    assert patch({"title": "封控告知书", "body": "请居家。", "until": None}).json()["until"] is None
    refused = patch({"title": "封控告知书", "body": "请居家。", "until": "2000-01-01"})
    assert refused.status_code == 400
    assert "until" in refused.content.decode()
