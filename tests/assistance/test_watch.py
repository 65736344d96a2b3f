"""The watch list: everyone at risk in a lockdown or control zone gets a check every day,
given to a cadre of their building, compound or grid (else the community's staff); reached /
not reached / needs help (a help request); those still open in the evening are told to the
community's staff once (the clock is given, never the machine's); a cadre sees only their own
community's list; the page in Chinese and English, its Excel and the API."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import openpyxl
import pytest
from django.http import Http404
from django.utils import timezone
from typer.testing import CliRunner

from shequ.assistance import watch, watch_jobs
from shequ.assistance.models import Channel, HelpKind, HelpRequest, WatchCheck, WatchOutcome
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent, Notification
from shequ.core.roles import Role
from shequ.places import services as place_services
from shequ.residents.models import tags_to_bits
from tests.conftest import make_user
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 7)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def zone(personas, place, level, start=None):
    return place_services.zone_set(
        actor=personas.hq,
        place=place,
        level=level,
        starts_at=start or timezone.now() - dt.timedelta(days=10),
    )


def person(household, *tags, name=None):
    kw = {"name": name} if name else {}
    return ResidentFactory(household=household, tags=tags_to_bits(tags), **kw)


@pytest.fixture
def world(personas, city):
    """KA (community A) under lockdown, KB (community B) under control; at risk: an old man
    living alone and an immobile woman in A, an infant in B; a foreigner in A (no watch tag)."""
    zone(personas, city.ka, "lockdown")
    zone(personas, city.kb, "control")
    return type(
        "World",
        (),
        {
            "old": person(city.ha1, "elderly_alone", "chronic_illness", name="王大爷"),
            "bedridden": person(city.ha2, "immobile", name="李阿姨"),
            "infant": person(city.hb1, "infant", name="赵宝宝"),
            "foreigner": person(city.ha1, "foreigner", name="外籍甲"),
        },
    )


def _checks(**kw):
    return {c.resident_id: c for c in WatchCheck.objects.filter(**kw)}


# --- who gets a check --------------------------------------------------------------------------


def test_everyone_at_risk_in_lockdown_and_control_zones_gets_one_check_a_day(
    personas, city, world
) -> None:
    assert watch_jobs.watch_checks_create() == 3
    checks = _checks(day=timezone.localdate())
    assert set(checks) == {world.old.pk, world.bedridden.pk, world.infant.pk}  # no foreigner
    assert checks[world.old.pk].zone == "lockdown"
    assert checks[world.infant.pk].zone == "control"
    assert checks[world.old.pk].community == city.a
    assert (checks[world.old.pk].compound, checks[world.old.pk].building) == (city.ka, city.ka1)
    assert checks[world.old.pk].outcome == WatchOutcome.PENDING
    assert watch_jobs.watch_checks_create() == 0  # whoever runs it again, however often
    assert WatchCheck.objects.count() == 3
    assert AuditEvent.objects.filter(action="assistance.watch.create").count() == 3


def test_a_precaution_zone_or_no_zone_gives_no_check(personas, city) -> None:
    zone(personas, city.ka, "precaution")
    person(city.ha1, "elderly_alone")
    person(city.hb1, "immobile")  # KB: no zone at all
    assert watch_jobs.watch_checks_create() == 0


def test_a_lifted_zone_gives_no_new_check(personas, city) -> None:
    designation = zone(personas, city.ka, "lockdown", start=at(0) - dt.timedelta(days=3))
    person(city.ha1, "pregnant")
    assert watch_jobs.watch_checks_create(now=at(9)) == 1
    place_services.zone_lift(actor=personas.hq, place=designation.place, at=at(10))
    assert watch_jobs.watch_checks_create(now=at(9) + dt.timedelta(days=1)) == 0


def test_a_cadre_of_the_building_then_the_grid_is_given_the_check_else_community_staff(
    personas, city, world
) -> None:
    from tests.conftest import make_place

    other = person(make_place("household", "KA-2-101", "101室", city.ka2), "disabled")
    grid_cadre = make_user("grid_cadre", Role.CADRE, city.ga)
    building_cadre = make_user("building_cadre", Role.VOLUNTEER, city.ka1)
    watch_jobs.watch_checks_create()
    checks = _checks()
    assert checks[world.old.pk].assigned_to == building_cadre  # KA-1 has its own
    assert checks[world.bedridden.pk].assigned_to == building_cadre
    assert checks[other.pk].assigned_to == grid_cadre  # KA-2: nobody nearer than the grid
    assert checks[world.infant.pk].assigned_to == personas.staff_b  # B: no grid cadre


# --- outcomes ----------------------------------------------------------------------------------


@pytest.fixture
def checks(world):
    watch_jobs.watch_checks_create()
    return _checks()


def test_reached_is_recorded_with_who_and_when(personas, world, checks) -> None:
    done = watch.watch_record(
        actor=personas.cadre, check=checks[world.old.pk], outcome="reached", note="一切正常"
    )
    assert (done.outcome, done.checked_by, done.note) == ("reached", personas.cadre, "一切正常")
    assert done.checked_at is not None
    assert done.help_request is None
    assert AuditEvent.objects.filter(action="assistance.watch.record", object_id=str(done.pk))
    with pytest.raises(ValidationError) as refused:
        watch.watch_record(actor=personas.cadre, check=done, outcome="not_reached")
    assert "outcome" in refused.value.errors


def test_not_reached_may_be_tried_again_later(personas, world, checks) -> None:
    check = checks[world.bedridden.pk]
    watch.watch_record(actor=personas.cadre, check=check, outcome="not_reached", note="敲门无人")
    assert WatchCheck.objects.get(pk=check.pk).outcome == "not_reached"
    done = watch.watch_record(actor=personas.staff_a, check=check, outcome="reached")
    assert (done.outcome, done.checked_by) == ("reached", personas.staff_a)


def test_needs_help_opens_a_help_request_for_the_household(personas, city, world, checks) -> None:
    done = watch.watch_record(
        actor=personas.cadre,
        check=checks[world.old.pk],
        outcome="needs_help",
        kind=HelpKind.MEDICINE,
        details="降压药吃完了",
    )
    request = HelpRequest.objects.get()
    assert done.help_request == request
    assert (request.household, request.resident, request.kind) == (city.ha1, world.old, "medicine")
    assert (request.channel, request.details, request.created_by) == (
        Channel.DOOR,
        "降压药吃完了",
        personas.cadre,
    )
    # A second cadre at the same door opens no second request.
    with pytest.raises(ValidationError):
        watch.watch_record(actor=personas.staff_a, check=done, outcome="needs_help")
    assert HelpRequest.objects.count() == 1


def test_needs_help_in_one_tap_takes_the_note_or_a_default(personas, world, checks) -> None:
    watch.watch_record(actor=personas.cadre, check=checks[world.bedridden.pk], outcome="needs_help")
    request = HelpRequest.objects.get()
    assert request.kind == HelpKind.OTHER
    assert request.details


def test_a_wrong_outcome_or_too_long_note_is_refused_naming_the_field(
    personas, world, checks
) -> None:
    check = checks[world.old.pk]
    with pytest.raises(ValidationError) as bad:
        watch.watch_record(actor=personas.cadre, check=check, outcome="pending", note="x" * 201)
    assert set(bad.value.errors) == {"outcome", "note"}
    assert WatchCheck.objects.get(pk=check.pk).outcome == "pending"


def test_yesterdays_check_cannot_be_recorded(personas, world, checks) -> None:
    check = checks[world.old.pk]
    WatchCheck.objects.filter(pk=check.pk).update(day=check.day - dt.timedelta(days=1))
    check.refresh_from_db()
    with pytest.raises(ValidationError) as old:
        watch.watch_record(actor=personas.cadre, check=check, outcome="reached")
    assert "day" in old.value.errors


# --- the evening -------------------------------------------------------------------------------


def test_not_reached_by_evening_tells_the_community_staff_once(
    personas, city, world, monkeypatch, settings
) -> None:
    settings.WATCH_EVENING_HOUR = 18
    for designation in city.ka.zone_designations.all():
        designation.starts_at = at(0) - dt.timedelta(days=3)
        designation.save()
    for designation in city.kb.zone_designations.all():
        designation.starts_at = at(0) - dt.timedelta(days=3)
        designation.save()
    assert watch_jobs.watch_checks_create(now=at(8)) == 3
    checks = _checks(day=DAY)
    monkeypatch.setattr(watch.timezone, "now", lambda: at(10))
    watch.watch_record(actor=personas.cadre, check=checks[world.old.pk], outcome="reached")
    watch.watch_record(
        actor=personas.cadre, check=checks[world.bedridden.pk], outcome="not_reached"
    )

    assert watch_jobs.escalate_unreached(now=at(17, 59)) == 0
    assert not Notification.objects.filter(kind="watch_unreached").exists()

    assert watch_jobs.escalate_unreached(now=at(18, 1)) == 2  # A's bedridden, B's infant
    told = Notification.objects.filter(kind="watch_unreached").order_by("user__username")
    assert [n.user.username for n in told] == ["staff_a", "staff_b"]  # not the street, not HQ
    mine = told[0]
    assert "李阿姨" in mine.body
    assert "王大爷" not in mine.body
    assert "赵宝宝" not in mine.body
    assert mine.url == "/help/watch/?outcome=open"
    assert WatchCheck.objects.get(pk=checks[world.old.pk].pk).escalated_at is None

    assert watch_jobs.escalate_unreached(now=at(19)) == 0  # each check once
    assert watch_jobs.escalate_unreached(now=at(23)) == 0
    assert Notification.objects.filter(kind="watch_unreached").count() == 2


def test_the_evening_hour_is_configurable(personas, city, world, settings) -> None:
    settings.WATCH_EVENING_HOUR = 20
    for designation in city.ka.zone_designations.all():
        designation.starts_at = at(0) - dt.timedelta(days=3)
        designation.save()
    watch_jobs.watch_checks_create(now=at(8))
    assert watch_jobs.escalate_unreached(now=at(19, 59)) == 0
    assert watch_jobs.escalate_unreached(now=at(20, 0)) == 3


def test_the_worker_and_the_cli_run_the_watch_list(personas, city, world) -> None:
    from shequ.cli import app
    from shequ.core.workers import PERIODIC

    assert watch_jobs.watch_run in PERIODIC
    result = CliRunner().invoke(app, ["watch-run"])
    assert result.exit_code == 0, result.output
    assert "3 checks made" in result.output
    assert "0 checks made" in CliRunner().invoke(app, ["watch-run"]).output


# --- scope -------------------------------------------------------------------------------------


def test_a_cadre_sees_only_their_own_communitys_watch_list(personas, city, world, checks) -> None:
    cadre_b = make_user("cadre_b", Role.CADRE, city.b)
    mine = set(watch.watch_list(personas.cadre).values_list("resident_id", flat=True))
    assert mine == {world.old.pk, world.bedridden.pk}
    theirs = set(watch.watch_list(cadre_b).values_list("resident_id", flat=True))
    assert theirs == {world.infant.pk}
    with pytest.raises(Http404):
        watch.get_check_for(cadre_b, checks[world.old.pk].pk)
    with pytest.raises(PermissionDenied):
        watch.watch_record(actor=cadre_b, check=checks[world.old.pk], outcome="reached")
    assert not watch.watch_list(personas.outsider).exists()


def test_the_page_of_another_community_shows_nothing_of_ours(
    personas, city, world, checks, login
) -> None:
    client = login(personas.staff_b)
    html = client.get("/help/watch/").content.decode()
    assert "赵宝宝" in html
    assert "王大爷" not in html
    assert "李阿姨" not in html
    response = client.post("/help/watch/", {"check": checks[world.old.pk].pk, "outcome": "reached"})
    assert response.status_code == 404
    assert WatchCheck.objects.get(pk=checks[world.old.pk].pk).outcome == "pending"


def test_someone_without_help_roles_is_refused_the_page(personas, login) -> None:
    assert login(personas.outsider).get("/help/watch/").status_code == 403


# --- page, Excel, API --------------------------------------------------------------------------


def test_the_page_in_chinese_lists_todays_checks_with_their_tags(
    personas, world, checks, login
) -> None:
    client = login(personas.cadre)
    client.cookies["shequ_language"] = "zh-hans"
    html = client.get("/help/watch/").content.decode()
    assert "关注名单" in html
    assert "王大爷" in html
    assert "李阿姨" in html
    assert 'data-testid="tag">独居老人<' in html  # the tag, not only the name
    assert "行动不便" in html
    assert 'value="reached"' in html  # one-tap buttons for whoever records


def test_the_page_in_english_and_one_tap_records_the_outcome(
    personas, world, checks, login
) -> None:
    client = login(personas.cadre)
    client.cookies["shequ_language"] = "en"
    html = client.get("/help/watch/").content.decode()
    assert "Watch list" in html
    assert "Elderly living alone" in html
    assert "Immobile" in html
    check = checks[world.bedridden.pk]
    response = client.post("/help/watch/?outcome=open", {"check": check.pk, "outcome": "reached"})
    assert response.status_code == 302
    assert WatchCheck.objects.get(pk=check.pk).outcome == "reached"
    html = client.get("/help/watch/?outcome=open").content.decode()
    assert f'data-testid="watch-{check.pk}"' not in html
    assert f'data-testid="watch-{checks[world.old.pk].pk}"' in html
    bad = client.post("/help/watch/", {"check": checks[world.old.pk].pk, "outcome": "maybe"})
    assert bad.status_code == 400
    assert "Choose reached, not reached or needs help." in bad.content.decode()


def test_the_page_filters_by_compound_and_mine(personas, city, world, checks, login) -> None:
    grid_cadre = make_user("grid_cadre", Role.CADRE, city.ga)
    WatchCheck.objects.filter(resident=world.old).update(assigned_to=grid_cadre)
    client = login(grid_cadre)
    html = client.get("/help/watch/?mine=1").content.decode()
    assert "王大爷" in html
    assert "李阿姨" not in html
    html = client.get(f"/help/watch/?compound={city.kb.pk}").content.decode()
    assert "王大爷" not in html
    assert "赵宝宝" not in html


def test_the_excel_opens_with_a_row_per_check(personas, world, checks, login) -> None:
    client = login(personas.staff_a)
    client.cookies["shequ_language"] = "en"
    response = client.get("/help/watch/?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Day", "Name", "Address", "Special populations")
    names = {r[1]: r for r in rows[1:]}
    assert set(names) == {"王大爷", "李阿姨"}
    assert "Elderly living alone" in names["王大爷"][3]
    assert names["王大爷"][6] == "Not checked yet"


def test_the_api_lists_and_records(personas, city, world, checks, api) -> None:
    client = api(personas.cadre)
    rows = client.get("/api/v1/help/watch").json()
    assert {r["name"] for r in rows} == {"王大爷", "李阿姨"}
    old = next(r for r in rows if r["name"] == "王大爷")
    assert old["tags"] == ["elderly_alone", "chronic_illness"]
    assert old["zone"] == "lockdown"
    done = client.post(
        f"/api/v1/help/watch/{old['id']}/outcome",
        {"outcome": "needs_help", "kind": "food", "details": "米面油"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["outcome"] == "needs_help"
    assert done.json()["help_request_id"]
    assert HelpRequest.objects.get().kind == "food"
    assert client.get("/api/v1/help/watch", outcome="open").json()[0]["name"] == "李阿姨"
    again = client.post(f"/api/v1/help/watch/{old['id']}/outcome", {"outcome": "reached"})
    assert again.status_code == 400
    infant = checks[world.infant.pk].pk
    other = client.post(f"/api/v1/help/watch/{infant}/outcome", {"outcome": "reached"})
    assert other.status_code == 404
    assert api(personas.outsider).get("/api/v1/help/watch").status_code == 403
