"""The `shequ` command and the demo scenario."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shequ import scenarios
from shequ.cli import app
from shequ.core.models import AuditEvent, RoleAssignment, User
from shequ.core.roles import Role
from shequ.core.services import user_for_token
from shequ.places.models import Place, PlaceKind, ZoneDesignation
from shequ.residents.models import Resident

runner = CliRunner()


@pytest.fixture
def demo_city(db):
    return scenarios.demo(seed=42, residents=300, cadres=100)


def test_the_demo_city_has_the_shape_the_articles_describe(demo_city):
    counts = demo_city.counts
    assert counts[PlaceKind.DISTRICT] == 2
    assert counts[PlaceKind.STREET] == 6
    assert counts[PlaceKind.COMMUNITY] >= 20
    assert Place.objects.filter(kind=PlaceKind.GRID).count() >= 20
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND)
    assert 0 < compounds.filter(no_property_management=True).count() < compounds.count()
    assert Place.objects.filter(kind=PlaceKind.HOUSEHOLD).count() > 1000
    assert ZoneDesignation.objects.filter(ends_at__isnull=True, level="lockdown").exists()


def test_every_place_path_matches_its_parent(demo_city):
    for place in Place.objects.select_related("parent").exclude(kind=PlaceKind.CITY)[:500]:
        assert place.path == f"{place.parent.path}{place.pk}/"
        assert place.depth == place.parent.depth + 1


def test_the_demo_has_a_login_for_every_role(demo_city):
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert {login.role for login in demo_city.logins} == set(Role.values)
    assert User.objects.get(username="hq").check_password(scenarios.DEMO_PASSWORD)


def test_the_demo_has_entry_passes_and_a_day_at_the_gates(demo_city):
    from shequ.checkpoints.models import EntryPass, Passage

    with_residents = Place.objects.filter(kind=PlaceKind.HOUSEHOLD, residents__isnull=False)
    assert EntryPass.objects.count() == with_residents.distinct().count() > 0
    assert demo_city.counts["passage"] == Passage.objects.count() > 100
    gates = set(Passage.objects.values_list("gate__name", flat=True))
    assert gates == {"北门卡口", "南门卡口"}
    assert Passage.objects.filter(decision="refuse").exists()
    assert Passage.objects.filter(subject="visitor").exists()


def test_seeding_twice_adds_nothing(demo_city):
    before = (Place.objects.count(), User.objects.count(), ZoneDesignation.objects.count())
    again = scenarios.demo(seed=42, residents=300, cadres=100)
    assert not again.created
    after = (Place.objects.count(), User.objects.count(), ZoneDesignation.objects.count())
    assert after == before
    assert len(again.logins) == len(demo_city.logins)


def _snapshot():
    return list(
        Place.objects.order_by("code").values_list("code", "name", "no_property_management")
    )


def _wipe():
    from django.db import connection

    from shequ.assistance.models import HelpRequest, WatchCheck
    from shequ.checkpoints import models as c
    from shequ.duty import models as d
    from shequ.inspections import models as ins
    from shequ.mobilization import models as m
    from shequ.notices import models as nt
    from shequ.outreach import models as door
    from shequ.patrols import models as pt
    from shequ.reports import models as r
    from shequ.supplies import models as s
    from shequ.testing import models as t

    # The passage log refuses deletes (ORM, and a trigger on PostgreSQL); a wipe goes under it.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE wants no pending checks
            cursor.execute("TRUNCATE checkpoints_passage")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DELETE FROM checkpoints_passage")
    for model in (
        pt.MissedSlot,
        pt.Round,
        pt.Finding,
        pt.Area,
        nt.HotlineCall,
        nt.Answer,
        nt.Notice,
        door.Proposal,
        door.Visit,
        door.Task,
        door.Assignment,
        door.Campaign,
        ins.FollowUp,
        ins.Rectification,
        ins.Finding,
        ins.Visit,
        ins.Premises,
        ins.Plan,
        ins.ChecklistItem,
        ins.Checklist,
        s.StockAlert,
        s.PointOfUse,
        s.PurchaseLine,
        s.Purchase,
        s.DonationLine,
        s.Donation,
        s.Donor,
        s.RequisitionLine,
        s.Requisition,
        s.Movement,
        s.Transfer,
        s.Stock,
        s.Batch,
        s.Warehouse,
        s.Item,
        r.FigureCorrection,
        r.ReportFigure,
        r.DailyReport,
        r.AgencyDailyReport,
        r.CompileRun,
        WatchCheck,
        HelpRequest,
        t.Recall,
        t.Sample,
        t.Tube,
        t.Transfer,
        t.Exemption,
        t.Site,
        t.Round,
        t.DaySampled,
        t.SampledTally,
        t.ResidentTally,
        c.EntryPass,
        c.GateRules,
        d.UrgentAnswer,
        d.UrgentCall,
        d.ShiftChange,
        d.AttendanceEvent,
        d.Attendance,
        d.Assignment,
        d.Roster,
        d.DutyRequest,
        d.ShiftRequirement,
        d.Shift,
        d.Post,
        d.DutyRules,
        m.TeamMember,
        m.Team,
        m.TeamDraft,
        m.Pairing,
        m.Batch,
        m.ReportInEvent,
        m.Posting,
        m.Enlistment,
        m.Need,
        m.Order,
        m.Staff,
    ):
        model.objects.all().delete()
    Resident.objects.all().delete()
    RoleAssignment.objects.all().delete()
    m.Agency.objects.all().delete()
    ZoneDesignation.objects.all().delete()
    RoleAssignment.objects.all().delete()
    AuditEvent.objects.all().delete()
    User.objects.all().delete()
    for kind in reversed(list(PlaceKind)):  # protected foreign keys: leaves first
        Place.objects.filter(kind=kind).delete()


def test_the_same_seed_builds_the_same_city(db):
    scenarios.demo(seed=7, residents=50, cadres=20)
    first = _snapshot()
    _wipe()
    scenarios.demo(seed=7, residents=50, cadres=20)
    assert _snapshot() == first


def test_a_different_seed_builds_a_different_city(db):
    scenarios.demo(seed=1, residents=0, cadres=0)
    first = _snapshot()
    _wipe()
    scenarios.demo(seed=2, residents=0, cadres=0)
    assert _snapshot() != first


def test_cli_createuser_with_a_role(city):
    result = runner.invoke(
        app,
        [
            "createuser",
            "wang",
            "--role",
            "street_officer",
            "--place",
            "S1",
            "--password",
            "pw-long-enough-1",
        ],
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="wang")
    assert user.role_assignments.get().place == city.s1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "mayor", "--place", "S1"], "role"),
        (["--role", "street_officer", "--place", "NOPE"], "place"),
        (["--role", "street_officer"], "place"),
    ],
)
def test_cli_createuser_refuses_bad_input_and_creates_nobody(city, args, message):
    result = runner.invoke(app, ["createuser", "wang", *args, "--password", "pw-long-enough-1"])
    assert result.exit_code == 2
    assert message in result.output
    assert not User.objects.filter(username="wang").exists()


def test_cli_token_create_prints_a_working_token_once(personas):
    result = runner.invoke(app, ["token", "create", "street", "--name", "gate scanner"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert user_for_token(secret) == personas.street


def test_cli_token_for_an_unknown_user_fails(db):
    result = runner.invoke(app, ["token", "create", "nobody"])
    assert result.exit_code == 2
    assert "nobody" in result.output


def test_cli_seed_refuses_an_unknown_scenario(db):
    result = runner.invoke(app, ["seed", "--scenario", "atlantis"])
    assert result.exit_code == 2
    assert "atlantis" in result.output


def test_demo_residents_look_like_a_real_community(db):
    from shequ.residents.idcard import id_number_problem
    from shequ.residents.models import DocumentType

    scenarios.demo(seed=42, residents=3000, cadres=0)
    residents = list(Resident.objects.all())
    assert len(residents) == 3000
    special = sum(1 for r in residents if r.tags)
    assert 0.06 <= special / len(residents) <= 0.11  # "about 8 %"
    for r in residents:
        if r.document_type == DocumentType.RESIDENT_ID:
            assert r.document_number.startswith("629999")  # a region that does not exist
            assert id_number_problem(r.document_number, birth_date=r.birth_date) is None
        assert not r.phone or r.phone.startswith("100")  # not a mobile range
    ages = sorted(r.birth_date.year for r in residents)
    assert ages[0] >= 1925
    assert Resident.objects.exclude(health_status="normal").count() == 40


def test_seeding_says_each_step_and_what_it_added(db):
    heard: list[str] = []
    scenarios.demo(seed=3, residents=40, cadres=10, say=heard.append)
    steps = [line.strip() for line in heard if line.endswith("…")]
    assert steps[:3] == ["places …", "logins …", "zones …"]
    assert "residents (40) …" in steps
    assert any(s.startswith("testing") for s in steps)
    assert any(line.strip().startswith("40 resident (") for line in heard)
    assert heard[-1].strip().startswith("seeded in")
    # Again: every step says it found its data already there.
    heard.clear()
    scenarios.demo(seed=3, residents=40, cadres=10, say=heard.append)
    assert "already there" in heard[1]


def test_the_seed_command_prints_progress_before_the_summary(db):
    result = runner.invoke(app, ["seed", "--residents", "20", "--cadres", "5", "--seed", "4"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Seeding scenario demo")
    assert any(line.strip() == "residents (20) …" for line in lines)
    assert lines[-1].startswith("scenario demo: built")


def test_the_demo_reports_cadres_in_batches_a_device_may_send(db, monkeypatch):
    # `make demo`'s 3,000 cadres bring ~1,350 report-ins, more than one batch may hold: the
    # demo sends them as a device would, in batches of at most core.batches.MAX_ITEMS.
    from shequ.core import batches
    from shequ.mobilization.demo import add_demo_mobilization
    from shequ.mobilization.models import Enlistment

    scenarios.demo(seed=5, residents=0, cadres=0)
    monkeypatch.setattr(batches, "MAX_ITEMS", 10)
    add_demo_mobilization(seed=5, hq=User.objects.get(username="hq"), cadres=60)
    assert Enlistment.objects.filter(reported_at__isnull=False).count() > 10


def test_the_demo_has_open_claimed_delivered_and_overdue_help_requests(demo_city):
    from django.utils import timezone

    from shequ.assistance.models import OPEN_STATES, HelpRequest

    assert demo_city.counts["help request"] == 72
    assert HelpRequest.objects.count() == 72 + 1  # and the watch list's "needs help"
    states = set(HelpRequest.objects.values_list("status", flat=True))
    assert {"new", "claimed", "delivered", "confirmed"} <= states
    assert HelpRequest.objects.filter(status__in=OPEN_STATES, due_at__lt=timezone.now()).exists()
    mine = HelpRequest.objects.filter(claimed_by__username="cadre", status="claimed")
    assert mine.count() >= 2
    assert mine.values("building").distinct().count() == 1  # one trip, several doors


def test_the_demo_has_a_watch_list_the_cadre_sees(demo_city):
    from shequ.assistance.models import WatchCheck
    from shequ.assistance.watch import watch_list

    assert demo_city.counts["watch-list check"] == WatchCheck.objects.count() >= 4
    outcomes = set(WatchCheck.objects.values_list("outcome", flat=True))
    assert {"reached", "not_reached", "needs_help", "pending"} <= outcomes
    assert watch_list(User.objects.get(username="cadre")).count() >= 4


def test_the_demo_has_residents_isolated_at_home_one_feverish(demo_city):
    from shequ.assistance.models import IsolationReport
    from shequ.residents.models import Resident

    at_home = ("home_isolation", "home_monitoring")
    assert demo_city.counts["isolated at home"] == 6
    assert Resident.objects.filter(health_status__in=at_home).count() >= 6
    assert IsolationReport.objects.filter(fever=True).count() == 1


def test_the_demo_has_a_week_of_disinfection_with_two_missed_rounds(demo_city):
    from shequ.patrols import selectors
    from shequ.patrols.models import Area, Finding, Round

    assert demo_city.counts["disinfection area"] == Area.objects.count() == 3
    assert demo_city.counts["disinfection round"] == Round.objects.count() > 30
    assert demo_city.counts["patrol finding"] == Finding.objects.count() == 3
    [community] = {a.community for a in Area.objects.all()}
    assert sum(d.missed for d in selectors.week(community)) == 2
    cadre = User.objects.get(username="cadre")
    assert selectors.first_community(cadre) == community  # the cadre's own checklist


def test_the_demo_has_a_notice_policy_answers_and_hotline_calls(demo_city):
    from shequ.notices.models import Answer, HotlineCall, Notice

    assert demo_city.counts["notice"] == Notice.objects.count() == 1
    assert demo_city.counts["policy answer"] == Answer.objects.count() == 10
    assert demo_city.counts["hotline call"] == HotlineCall.objects.count() == 4


def test_the_demo_has_a_screening_campaign_half_done_and_a_vaccination_drive(demo_city):
    from shequ.outreach import selectors as outreach
    from shequ.outreach.models import Campaign, Proposal

    screening = Campaign.objects.get(kind="screening")
    totals = outreach.progress_totals(screening)
    assert totals["total"] > 10
    assert totals["finished"] + totals["nobody_home"] == totals["total"] // 2
    assert totals["refused"] == 1
    assert totals["moved"] == 1
    assert totals["nobody_home"] >= 1
    assert Proposal.objects.filter(status="proposed").count() == 2
    cadre = User.objects.get(username="cadre")
    assert next(b.assignment.campaign for b in outreach.my_buildings(cadre)) == screening
    drive = Campaign.objects.get(kind="vaccination")
    assert [q["key"] for q in drive.questions] == ["doses", "willing", "reason"]
    assert drive.unit == "resident"
    assert outreach.progress_totals(drive)["done"] == 6
    assert demo_city.counts["campaign"] == 2
