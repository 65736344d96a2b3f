"""What a role that may not see a resident's numbers in full can learn, and the audit trail of
those who may: no search oracle, a mask that the other shown fields cannot undo, one audit
row per disclosure, and names that cannot turn the page around."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from shequ.core import services as core_services
from shequ.core.models import AuditEvent
from shequ.residents.models import Resident
from shequ.residents.picker import picked_of
from tests.duty.conftest import duty  # noqa: F401 - a gate of community A
from tests.residents.factories import ResidentFactory, id_number, phone

ZHANG = id_number(dt.date(1980, 5, 17), seq=13)
LI = id_number(dt.date(1952, 11, 2), seq=24)
RLO = "\u202e"


@pytest.fixture
def zhang(city):
    return ResidentFactory(household=city.ha1, name="张三", document_number=ZHANG, phone=phone(1))


@pytest.fixture
def li(city):
    return ResidentFactory(
        household=city.ha1,
        name="李四",
        birth_date=dt.date(1952, 11, 2),
        document_number=LI,
        phone=phone(2),
    )


@pytest.fixture
def call(client):
    class _Call:
        def __init__(self, secret: str):
            self.headers = {"Authorization": f"Bearer {secret}"}

        def get(self, path, **params):
            return client.get(path, params, headers=self.headers)

        def patch(self, path, body):
            return client.patch(
                path, json.dumps(body), content_type="application/json", headers=self.headers
            )

    def _for(user):
        _token, secret = core_services.api_token_create(actor=None, user=user, name="test")
        return _Call(secret)

    return _for


def results(html: str) -> str:
    return html.split('id="results"', 1)[1]


def pii_events(action: str | None = None):
    qs = AuditEvent.objects.filter(action__startswith="residents.pii.")
    return qs.filter(action=action) if action else qs


# --- no oracle for masked roles ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["street", "district"])
@pytest.mark.parametrize("query", [ZHANG, phone(1), "100 0000 0001"])
def test_a_masked_role_cannot_confirm_a_number_by_searching_the_list(
    personas, zhang, login, who, query
):
    html = login(getattr(personas, who)).get("/residents/", {"q": query}).content.decode()
    assert "张三" not in results(html)
    assert 'data-testid="names-only"' in html


@pytest.mark.parametrize("query", [ZHANG, phone(1)])
def test_the_api_refuses_a_number_search_to_a_masked_role(personas, zhang, call, query):
    response = call(personas.street).get("/api/v1/residents", q=query)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "q"
    assert "按姓名搜索" in error["message"]  # the street officer's language: search by name


def test_a_masked_role_still_searches_names(personas, zhang, login, call):
    html = login(personas.street).get("/residents/", {"q": "张"}).content.decode()
    assert "张三" in results(html)
    assert 'data-testid="names-only"' not in html
    body = call(personas.street).get("/api/v1/residents", q="张").json()
    assert [i["name"] for i in body["items"]] == ["张三"]


def test_roles_with_full_view_still_find_a_resident_by_number(personas, zhang, login, call):
    for who in (personas.staff_a, personas.hq):
        html = login(who).get("/residents/", {"q": ZHANG}).content.decode()
        assert "张三" in results(html)
        body = call(who).get("/api/v1/residents", q=phone(1)).json()
        assert [i["name"] for i in body["items"]] == ["张三"]


def test_a_number_search_looks_only_where_the_user_sees_numbers_in_full(personas, city, zhang):
    """A street officer who is also staff of community A searches numbers in A only."""
    from shequ.core.roles import Role
    from shequ.residents import selectors

    other = ResidentFactory(household=city.hb1, name="王五", document_number=LI)
    core_services.role_grant(
        actor=None, user=personas.street, role=Role.COMMUNITY_STAFF, place=city.a
    )
    core_services.role_grant(
        actor=None, user=personas.street, role=Role.STREET_OFFICER, place=city.s2
    )
    found = selectors.residents_for(personas.street, text=ZHANG)
    assert [r.name for r in found] == ["张三"]
    assert not selectors.residents_for(personas.street, text=LI).exists()
    assert selectors.residents_for(personas.street, text="王").get() == other


# --- what a masked role sees ------------------------------------------------------------------


def _testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def test_a_masked_id_number_keeps_only_its_last_four_characters(personas, zhang, login, call):
    html = login(personas.street).get(f"/residents/{zhang.pk}/").content.decode()
    shown = _testid(html, "document")
    assert shown == "*" * 14 + ZHANG[-4:]
    assert ZHANG[:3] not in html.replace("1980", "")  # no region digits
    listed = login(personas.street).get("/residents/").content.decode()
    assert "*" * 14 + ZHANG[-4:] in listed
    item = call(personas.street).get(f"/api/v1/residents/{zhang.pk}").json()
    assert item["document_number"] == "*" * 14 + ZHANG[-4:]


def test_a_masked_role_sees_the_birth_year_not_the_birth_date(personas, zhang, login, call):
    html = login(personas.street).get(f"/residents/{zhang.pk}/").content.decode()
    assert "1980-05-17" not in html
    assert "05-17" not in html
    assert _testid(html, "born") == "1980"
    item = call(personas.street).get(f"/api/v1/residents/{zhang.pk}").json()
    assert item["birth_date"] is None
    assert item["birth_year"] == 1980
    listed = call(personas.street).get("/api/v1/residents").json()["items"][0]
    assert (listed["birth_date"], listed["birth_year"]) == (None, 1980)


def test_a_full_view_role_sees_the_birth_date(personas, zhang, login, call):
    html = login(personas.staff_a).get(f"/residents/{zhang.pk}/").content.decode()
    assert _testid(html, "born") == "1980-05-17"
    item = call(personas.staff_a).get(f"/api/v1/residents/{zhang.pk}").json()
    assert (item["birth_date"], item["birth_year"]) == ("1980-05-17", 1980)


def test_the_edit_form_hides_the_birth_date_from_a_masked_editor(personas, zhang, login):
    html = login(personas.street).get(f"/residents/{zhang.pk}/edit/").content.decode()
    assert "张三" in html
    assert "1980-05-17" not in html
    assert 'name="birth_date"' not in html


@pytest.mark.parametrize(
    "change",
    [{"birth_date": "1990-01-01"}, {"document_number": LI}, {"phone": phone(9)}],
)
def test_a_masked_editor_cannot_change_or_probe_what_they_may_not_see(
    personas, zhang, call, change
):
    response = call(personas.street).patch(f"/api/v1/residents/{zhang.pk}", change)
    assert response.status_code == 400
    body = response.json()
    assert [e["field"] for e in body["errors"]] == list(change)
    assert "1980-05-17" not in response.content.decode()
    fresh = Resident.objects.get(pk=zhang.pk)
    assert (fresh.birth_date, fresh.document_number, fresh.phone) == (
        dt.date(1980, 5, 17),
        ZHANG,
        phone(1),
    )


def test_a_masked_editor_still_edits_the_other_fields(personas, zhang, call, login):
    response = call(personas.street).patch(f"/api/v1/residents/{zhang.pk}", {"notes": "每周送药"})
    assert response.status_code == 200
    form = {
        "name": "张叁",
        "gender": "male",
        "document_type": "resident_id",
        **picked_of(zhang.household),
        "relation": "head",
        "occupancy": "owner",
        "notes": "x",
    }
    assert login(personas.street).post(f"/residents/{zhang.pk}/edit/", form).status_code == 302
    fresh = Resident.objects.get(pk=zhang.pk)
    assert (fresh.name, fresh.birth_date, fresh.phone) == ("张叁", dt.date(1980, 5, 17), phone(1))


# --- the privacy audit ------------------------------------------------------------------------


def test_viewing_full_numbers_in_the_list_writes_one_audit_row_naming_everyone_shown(
    personas, zhang, li, login
):
    login(personas.staff_a).get("/residents/")
    [event] = pii_events()
    assert event.action == "residents.pii.view"
    assert event.actor == personas.staff_a
    assert sorted(event.changes["residents"]) == sorted([zhang.pk, li.pk])
    assert event.changes["where"] == "residents.list"


def test_a_masked_view_writes_no_privacy_audit(personas, zhang, li, login, call):
    login(personas.street).get("/residents/")
    login(personas.street).get(f"/residents/{zhang.pk}/")
    call(personas.street).get("/api/v1/residents")
    assert not pii_events().exists()


def test_the_resident_page_audits_the_resident_and_the_members_shown(personas, zhang, li, login):
    login(personas.staff_a).get(f"/residents/{zhang.pk}/", {"why": "核酸漏检回访"})
    [event] = pii_events()
    assert sorted(event.changes["residents"]) == sorted([zhang.pk, li.pk])
    assert event.changes["why"] == "核酸漏检回访"


def test_the_edit_form_with_full_numbers_is_audited(personas, zhang, login):
    login(personas.staff_a).get(f"/residents/{zhang.pk}/edit/")
    [event] = pii_events()
    assert event.changes["residents"] == [zhang.pk]


def test_an_exact_search_is_audited_with_whom_it_found_and_why(personas, zhang, li, login):
    login(personas.hq).get("/residents/", {"q": ZHANG, "why": "流调"})
    [event] = pii_events()
    assert event.action == "residents.pii.search"
    assert event.actor == personas.hq
    assert event.changes["residents"] == [zhang.pk]
    assert event.changes["by"] == "document"
    assert event.changes["why"] == "流调"
    assert ZHANG not in json.dumps(event.changes)
    assert event.changes["query"].endswith(ZHANG[-4:])


def test_an_exact_search_that_finds_nobody_is_audited_too(personas, zhang, login):
    login(personas.hq).get("/residents/", {"q": phone(99)})
    [event] = pii_events("residents.pii.search")
    assert event.changes["residents"] == []
    assert event.changes["by"] == "phone"


def test_the_api_audits_full_numbers_once_per_page_and_per_resident(personas, zhang, li, call):
    client = call(personas.staff_a)
    client.get("/api/v1/residents")
    client.get(f"/api/v1/residents/{zhang.pk}", why="回访")
    first, second = pii_events().order_by("id")
    assert sorted(first.changes["residents"]) == sorted([zhang.pk, li.pk])
    assert first.changes["where"] == "api.residents.list"
    assert second.changes["residents"] == [zhang.pk]
    assert second.changes["why"] == "回访"
    client.get("/api/v1/residents", q=ZHANG)
    assert pii_events("residents.pii.search").get().changes["residents"] == [zhang.pk]


# --- names shown neutralised ------------------------------------------------------------------


def test_a_name_with_a_right_to_left_override_is_kept_but_shown_neutralised(personas, city, login):
    typed = f"张三{RLO}7936-检阳"
    resident = ResidentFactory(household=city.ha1, name=typed)
    assert Resident.objects.get(pk=resident.pk).name == typed  # stored as typed
    client = login(personas.staff_a)
    for url in ("/residents/", f"/residents/{resident.pk}/", f"/residents/{resident.pk}/edit/"):
        html = client.get(url).content.decode()
        shown = html.replace('value="' + typed + '"', "")  # the form field keeps what was typed
        assert RLO not in shown, url
        assert "<bdi>张三7936-检阳</bdi>" in html, url


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067",
                                     "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"])  # fmt: skip
def test_every_bidi_control_is_removed_from_shown_names(control):
    from shequ.core.bidi import neutral

    assert neutral(f"张{control}三") == "张三"


# --- exports, printed passes and offline data -------------------------------------------------


def test_the_missed_list_export_is_audited_and_shows_names_neutral(personas, city, login):
    import io

    from django.utils import timezone
    from openpyxl import load_workbook

    from shequ.testing import services as testing_services

    today = timezone.localdate()
    round_ = testing_services.round_create(
        actor=personas.staff_a, name="第一轮", places=[city.a], starts_on=today, ends_on=today,
        pool_size=10,
    )  # fmt: skip
    spoof = ResidentFactory(household=city.ha1, name=f"张三{RLO}阴性")
    plain = ResidentFactory(household=city.ha1, name="李四")
    response = login(personas.staff_a).get(
        f"/outreach/rounds/{round_.pk}/missed.xlsx", {"building": city.ka1.pk}
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    names = sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["张三阴性", "李四"]
    [event] = pii_events()
    assert event.changes["where"] == "testing.missed.xlsx"
    assert event.changes["fields"] == ["phone"]  # the sheet shows phones, no ID numbers
    assert sorted(event.changes["residents"]) == sorted([spoof.pk, plain.pk])
    login(personas.street).get(f"/outreach/rounds/{round_.pk}/missed.xlsx")
    assert pii_events().count() == 1  # masked phones: nothing disclosed


def test_printed_passes_and_the_gate_data_show_names_neutral(personas, city, duty):  # noqa: F811
    from shequ.checkpoints import pdf
    from shequ.checkpoints import services as pass_services
    from shequ.checkpoints.models import EntryPass
    from shequ.checkpoints.snapshot import gate_snapshot

    ResidentFactory(household=city.ha1, name=f"张三{RLO}0317")
    today = dt.date.today()
    issued = pass_services.pass_issue(
        actor=personas.staff_a,
        household=city.ha1,
        valid_from=today,
        valid_until=today + dt.timedelta(days=7),
    )
    card = pdf.card_fields(
        EntryPass.objects.select_related("community", "household__parent__parent")
        .prefetch_related("holders")
        .get(pk=issued.pk)
    )
    assert card.holders == "张三0317"
    snapshot = gate_snapshot(duty.gate)
    assert [r["name"] for r in snapshot["residents"]] == ["张三0317"]
