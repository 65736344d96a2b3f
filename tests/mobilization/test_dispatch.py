"""Batches, rotation with handover, pairing, and the history of who was where."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.mobilization import dispatch, selectors, services


@pytest.fixture
def on_duty(personas, mob):
    return [
        services.report_in(actor=personas.staff_a, enlistment=mob.e[name]).staff
        for name in ("甲一", "甲二")
    ]


def test_a_batch_goes_to_a_compound_and_the_next_takes_over(personas, city, mob, on_duty):
    start = timezone.now()
    first = dispatch.batch_dispatch(
        actor=personas.staff_a,
        order=mob.order,
        name="第一批",
        place=city.ka,
        staff=[on_duty[0]],
        starts_at=start,
        ends_at=start + dt.timedelta(days=3),
    )
    second = dispatch.batch_rotate(
        actor=personas.staff_a,
        current=first,
        name="第二批",
        staff=[on_duty[1]],
        ends_at=start + dt.timedelta(days=6),
        handover_note="3号楼独居老人每日送药",
    )
    assert second.starts_at == first.ends_at
    assert second.previous == first
    assert first.next == second
    places = [p.place for p in selectors.history_of(on_duty[0])]
    assert places == [city.ka, city.a]  # newest first: the compound, after reporting in at A
    with pytest.raises(ValidationError) as exc:
        dispatch.batch_rotate(
            actor=personas.staff_a,
            current=first,
            name="又一批",
            staff=[on_duty[0]],
            ends_at=start + dt.timedelta(days=9),
            handover_note="x",
        )
    assert "previous" in exc.value.errors


def test_rotation_needs_a_handover_note(personas, city, mob, on_duty):
    start = timezone.now()
    first = dispatch.batch_dispatch(
        actor=personas.staff_a,
        order=mob.order,
        name="第一批",
        place=city.a,
        staff=on_duty,
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        dispatch.batch_rotate(
            actor=personas.staff_a,
            current=first,
            name="第二批",
            staff=on_duty,
            ends_at=start + dt.timedelta(days=2),
            handover_note=" ",
        )
    assert "handover_note" in exc.value.errors


def test_a_batch_takes_only_people_on_duty_and_places_in_scope(personas, city, mob, on_duty):
    start = timezone.now()
    with pytest.raises(ValidationError) as exc:
        dispatch.batch_dispatch(
            actor=personas.staff_a,
            order=mob.order,
            name="第一批",
            place=city.a,
            staff=[mob.b1],
            starts_at=start,
            ends_at=start + dt.timedelta(days=1),
        )
    assert "staff" in exc.value.errors
    with pytest.raises(PermissionDenied):
        dispatch.batch_dispatch(
            actor=personas.staff_a,
            order=mob.order,
            name="第一批",
            place=city.kb,
            staff=on_duty,
            starts_at=start,
            ends_at=start + dt.timedelta(days=1),
        )


def test_pairing_an_agency_with_a_compound(personas, city, mob):
    today = timezone.localdate()
    dispatch.pairing_create(actor=personas.hq, agency=mob.agency, place=city.ka, starts_on=today)
    assert [p.place for p in selectors.pairings_for(personas.hq)] == [city.ka]
    with pytest.raises(ValidationError):
        dispatch.pairing_create(
            actor=personas.hq, agency=mob.agency, place=city.ka, starts_on=today
        )
    with pytest.raises(ValidationError):
        dispatch.pairing_create(actor=personas.hq, agency=mob.agency, place=city.a, starts_on=today)
    with pytest.raises(PermissionDenied):
        dispatch.pairing_create(
            actor=personas.staff_a, agency=mob.agency, place=city.kb, starts_on=today
        )


def test_history_through_the_api(personas, city, mob, on_duty, api):
    body = api(personas.coordinator).get(f"/api/v1/mobilization/staff/{on_duty[0].pk}/history")
    assert body.status_code == 200
    assert [p["place"] for p in body.json()] == ["甲社区"]
    assert (
        api(personas.staff_b).get(f"/api/v1/mobilization/staff/{on_duty[0].pk}/history").status_code
        == 404
    )


def test_a_self_registered_volunteer_is_vetted_by_their_community(personas, city, api):
    from tests.mobilization.conftest import make_staff

    volunteer = make_staff(None, None, city.a, "自愿者", kind="volunteer")
    pending = api(personas.staff_a).get("/api/v1/mobilization/volunteers/pending").json()
    assert [v["name"] for v in pending] == ["自愿者"]
    assert api(personas.staff_b).get("/api/v1/mobilization/volunteers/pending").json() == []
    denied = api(personas.staff_b).post(
        f"/api/v1/mobilization/volunteers/{volunteer.pk}/vet", {"approve": True}
    )
    assert denied.status_code == 404
    ok = api(personas.staff_a).post(
        f"/api/v1/mobilization/volunteers/{volunteer.pk}/vet", {"approve": True}
    )
    assert ok.json()["vetting"] == "approved"


def test_sending_and_relieving_a_batch_on_the_page(personas, city, mob, on_duty, login):
    client = login(personas.staff_a)
    url = f"/mobilization/batches/?order={mob.order.pk}"
    form = {
        "name": "第一批",
        "place": city.ka.pk,
        "starts_at": "2026-12-01T08:00",
        "ends_at": "2026-12-03T08:00",
        "staff": [on_duty[0].pk],
    }
    assert client.post(url, form).status_code == 302
    first = mob.order.batches.get()
    relieve = {
        "name": "第二批",
        "current": first.pk,
        "ends_at": "2026-12-05T08:00",
        "handover_note": "门岗登记本在保安室",
        "staff": [on_duty[1].pk],
    }
    assert client.post(url, relieve).status_code == 302
    page = client.get(url).content.decode()
    assert "第二批" in page
    assert "门岗登记本在保安室" in page
    missing_note = {**relieve, "name": "第三批", "handover_note": ""}
    again = client.post(url, {**missing_note, "current": mob.order.batches.get(name="第二批").pk})
    assert _field_has_error(again, "handover_note")  # next to the field it is about
    bad_place = client.post(url, {**form, "name": "别批", "place": "NOPE"})
    assert _field_has_error(bad_place, "place")
    bad_date = client.post(url, {**form, "name": "别批", "ends_at": "12/03/2026"})
    assert _field_has_error(bad_date, "ends_at")
    assert mob.order.batches.count() == 2


def _field_has_error(response, name: str) -> bool:
    html = response.content.decode()
    return "sq-field-error" in html.split(f'for="{name}"', 1)[0].rsplit("<div", 1)[1]


def test_moving_people_on_the_page(personas, city, mob, on_duty, login):
    from shequ.mobilization.models import Enlistment

    client = login(personas.district)
    url = f"/mobilization/moves/?order={mob.order.pk}&from={city.a.pk}"
    page = client.get(url).content.decode()
    assert "甲一" in page
    e = Enlistment.objects.get(staff=on_duty[0], order=mob.order)
    done = client.post(url, {"enlistment": [e.pk], "to": city.b.pk, "note": "乙社区缺人"})
    assert done.status_code == 302
    assert Enlistment.objects.get(pk=e.pk).community == city.b
    nobody = client.post(url, {"to": city.b.pk}).content.decode()
    assert 'data-testid="error"' in nobody
    assert login(personas.coordinator).get(url).status_code == 403


def _page_error(response) -> str:
    html = response.content.decode()
    assert 'data-testid="error"' in html, response.status_code
    return html.split('data-testid="error">', 1)[1].split("</p>", 1)[0]


def _api_error(response, field: str) -> str:
    assert response.status_code == 400, response.content
    return next(e["message"] for e in response.json()["errors"] if e["field"] == field)


def test_the_batches_page_and_the_api_refuse_the_same_people_in_the_same_words(
    personas, city, mob, on_duty, login, api
):
    from shequ.mobilization.models import Batch

    # 甲一 and 甲二 are on duty at A; 外一 lives in A but never reported in.
    chosen = [on_duty[0].pk, mob.x1.pk]
    page = login(personas.staff_a).post(
        f"/mobilization/batches/?order={mob.order.pk}",
        {
            "name": "第一批",
            "place": city.ka.pk,
            "starts_at": "2026-12-01T08:00",
            "ends_at": "2026-12-03T08:00",
            "staff": chosen,
        },
    )
    by_api = api(personas.staff_a).post(
        f"/api/v1/mobilization/orders/{mob.order.pk}/batches",
        {
            "name": "第一批",
            "place_id": city.ka.pk,
            "staff_ids": chosen,
            "starts_at": "2026-12-01T08:00:00+08:00",
            "ends_at": "2026-12-03T08:00:00+08:00",
        },
    )
    refusal = _api_error(by_api, "staff")  # not on duty here, naming who
    assert "外一" in refusal
    assert _page_error(page) == refusal
    # Someone the user does not know at all: the same refusal on both, too.
    stranger = [on_duty[0].pk, mob.b1.pk]
    page = login(personas.staff_a).post(
        f"/mobilization/batches/?order={mob.order.pk}",
        {
            "name": "第一批",
            "place": city.ka.pk,
            "starts_at": "2026-12-01T08:00",
            "ends_at": "2026-12-03T08:00",
            "staff": stranger,
        },
    )
    by_api = api(personas.staff_a).post(
        f"/api/v1/mobilization/orders/{mob.order.pk}/batches",
        {
            "name": "第一批",
            "place_id": city.ka.pk,
            "staff_ids": stranger,
            "starts_at": "2026-12-01T08:00:00+08:00",
            "ends_at": "2026-12-03T08:00:00+08:00",
        },
    )
    assert _page_error(page) == _api_error(by_api, "staff_ids")
    assert not Batch.objects.exists()  # nobody was sent without the people left out


def test_the_moves_page_shows_a_missing_target_next_to_its_field(
    personas, city, mob, on_duty, login
):
    from shequ.mobilization.models import Enlistment

    e = Enlistment.objects.get(staff=on_duty[0], order=mob.order)
    url = f"/mobilization/moves/?order={mob.order.pk}&from={city.a.pk}"
    html = login(personas.district).post(url, {"enlistment": [e.pk], "to": ""}).content.decode()
    field = html.split('for="to"', 1)[0].rsplit("<div", 1)[1]
    assert "sq-field-error" in field
    assert Enlistment.objects.get(pk=e.pk).community == city.a


def test_a_batch_with_a_tampered_person_is_refused_not_sent_without_them(
    personas, city, mob, on_duty, login
):
    client = login(personas.staff_a)
    url = f"/mobilization/batches/?order={mob.order.pk}"
    form = {
        "name": "第一批",
        "place": city.ka.pk,
        "starts_at": "2026-12-01T08:00",
        "ends_at": "2026-12-03T08:00",
        "staff": [on_duty[0].pk, "1; drop"],
    }
    response = client.post(url, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error"' in html
    assert "不是有效的编号：“1; drop”。" in html
    assert 'value="第一批"' in html
    assert not mob.order.batches.exists()


def test_the_batches_page_picks_a_place_in_scope_from_a_list(personas, city, mob, on_duty, login):
    client = login(personas.staff_a)
    url = f"/mobilization/batches/?order={mob.order.pk}"
    html = client.get(url).content.decode()
    picker = html.split('name="place"')[1].split("</select>")[0]
    assert f'value="{city.a.pk}">甲社区' in picker
    assert f'value="{city.ka.pk}">' in picker
    assert "甲小区" in picker
    assert "乙小区" not in picker  # community B is not staff A's
    form = {
        "name": "第一批",
        "place": city.kb.pk,  # tampered: a compound outside the user's places
        "starts_at": "2026-12-01T08:00",
        "ends_at": "2026-12-03T08:00",
        "staff": [on_duty[0].pk],
    }
    refused = client.post(url, form)
    assert _field_has_error(refused, "place")
    assert f'value="{on_duty[0].pk}" checked' in refused.content.decode()  # still ticked
    assert not mob.order.batches.exists()


def test_the_batches_page_search_narrows_batches_and_people(personas, city, mob, on_duty, login):
    start = timezone.now() - dt.timedelta(hours=1)
    for name, who in (("第一批", on_duty[0]), ("第二批", on_duty[1])):
        dispatch.batch_dispatch(
            actor=personas.staff_a,
            order=mob.order,
            name=name,
            place=city.ka,
            staff=[who],
            starts_at=start,
            ends_at=start + dt.timedelta(days=2),
        )
    client = login(personas.staff_a)
    url = f"/mobilization/batches/?order={mob.order.pk}"
    everything = client.get(url).content.decode()
    listed = everything.split('data-testid="batches"')[1].split("</section>")[0]
    assert "第一批" in listed
    assert "第二批" in listed
    assert 'data-testid="section-now"' in listed  # sections: on duty now …
    people = everything.split('data-testid="who-goes"')[1]
    assert "甲一" in people
    assert "甲二" in people
    assert 'data-testid="people-group"' in people  # … and people by community
    narrowed = client.get(url, {"q": "甲二"}).content.decode()
    listed = narrowed.split('data-testid="batches"')[1].split("</section>")[0]
    assert "第二批" in listed  # 甲二 went with the second batch
    assert "第一批" not in listed
    people = narrowed.split('data-testid="who-goes"')[1]
    assert f'name="staff" value="{on_duty[1].pk}"' in people
    assert f'name="staff" value="{on_duty[0].pk}"' not in people
    assert "甲一" not in people
    by_name = client.get(url, {"q": "第一"}).content.decode()
    assert "第二批" not in by_name.split('data-testid="batches"')[1].split("</section>")[0]
