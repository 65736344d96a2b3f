"""An inspection from the checklist to closed rectifications, overdue on a frozen clock, and
who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.inspections import selectors, services
from shequ.inspections.models import Rectification, TaskStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _visit(insp, place=None, premises=None, problem=True):
    results = {
        insp.ask.pk: ("ok", ""),
        insp.check.pk: ("problem", "登记缺页") if problem else ("ok", ""),
        insp.look.pk: ("ok", ""),
    }
    return services.visit_record(
        actor=insp.inspector, plan=insp.plan, place=place, premises=premises, results=results
    )


def test_a_problem_needs_a_note_and_every_item_a_result(insp, city):
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            actor=insp.inspector, plan=insp.plan, place=city.a,
            results={insp.ask.pk: ("problem", ""), insp.check.pk: ("ok", "")},
        )  # fmt: skip
    assert set(caught.value.errors) == {f"item_{insp.ask.pk}", f"item_{insp.look.pk}"}


def test_the_lifecycle_on_the_pages_with_an_overdue_task(login, personas, city, insp, frozen):
    t0 = timezone.now()
    frozen(t0)
    client = login(insp.inspector)
    page = client.get(f"/inspections/new/?plan={insp.plan.pk}").content.decode()
    assert "出入登记是否完整" in page
    assert "甲超市" in page
    answer = client.post(
        f"/inspections/new/?plan={insp.plan.pk}",
        {
            "target": f"premises:{insp.shop.pk}",
            f"item_{insp.ask.pk}": "ok",
            f"item_{insp.check.pk}": "problem",
            f"note_{insp.check.pk}": "登记缺页",
            f"item_{insp.look.pk}": "ok",
        },
    )
    assert answer.status_code == 302
    visit = selectors.visits_for(insp.inspector).get()
    assert (visit.place, visit.premises, visit.problems) == (city.ka, insp.shop, 1)
    deadline = timezone.localdate() + dt.timedelta(days=2)
    answer = client.post(
        answer["Location"],
        {
            "what": "补全出入登记",
            "owner": f"u:{personas.staff_a.pk}",
            "deadline": deadline.isoformat(),
        },
    )
    assert answer.status_code == 302
    task = Rectification.objects.get()
    assert task.owner == personas.staff_a.username
    # Three days on, it is overdue: listed for the inspector and the community's staff.
    frozen(t0 + dt.timedelta(days=3))
    client = login(insp.inspector)  # a new session: the old one has timed out by then
    assert "补全出入登记" in client.get("/inspections/").content.decode()
    summary = client.get("/inspections/summary/").content.decode()
    assert "东区" in summary
    assert selectors.summary(insp.inspector)[0].overdue == 1
    staff = login(personas.staff_a)
    listed = staff.get("/inspections/tasks/?overdue=1").content.decode()
    assert "补全出入登记" in listed
    assert "Overdue" in listed
    # The staff report it done; it stays overdue until an inspector closes it.
    url = f"/inspections/tasks/{task.pk}/"
    assert staff.post(url, {"action": "done", "note": "已补全"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
    assert staff.post(url, {"action": "close", "note": ""}).status_code == 403
    assert (
        login(insp.inspector).post(url, {"action": "close", "note": "复查合格"}).status_code == 302
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    staff = login(personas.staff_a)
    assert "补全出入登记" not in staff.get("/inspections/tasks/?overdue=1").content.decode()
    assert selectors.summary(insp.inspector)[0].closed == 1


def test_an_inspector_of_a_district_sees_only_it(login, personas, city, insp):
    visit = _visit(insp, place=city.a)
    other = login(insp.inspector2)
    assert other.get(f"/inspections/v/{visit.pk}/").status_code == 404
    assert "甲社区" not in other.get("/inspections/").content.decode()
    with pytest.raises(PermissionDenied):
        _ = services.visit_record(
            actor=insp.inspector2, plan=insp.plan, place=city.a,
            results={i.pk: ("ok", "") for i in (insp.ask, insp.check, insp.look)},
        )  # fmt: skip
    # The plan over 东区 is not the 西区 inspector's either.
    assert not selectors.plans_for(insp.inspector2).exists()
    assert login(insp.inspector).get(f"/inspections/v/{visit.pk}/").status_code == 200


def test_community_staff_see_only_their_rectifications(login, api, personas, city, insp):
    visit_a = _visit(insp, place=city.a)
    visit_b = _visit(insp, place=city.kb)
    deadline = timezone.localdate() + dt.timedelta(days=1)
    task_a = services.rectification_create(
        actor=insp.inspector, visit=visit_a, what="甲整改", deadline=deadline,
        owner_user=personas.staff_a,
    )  # fmt: skip
    task_b = services.rectification_create(
        actor=insp.inspector, visit=visit_b, what="乙整改", deadline=deadline,
        owner_user=personas.staff_b,
    )  # fmt: skip
    staff = login(personas.staff_a)
    listed = staff.get("/inspections/tasks/").content.decode()
    assert "甲整改" in listed
    assert "乙整改" not in listed
    assert staff.get(f"/inspections/tasks/{task_b.pk}/").status_code == 404
    assert staff.get(f"/inspections/v/{visit_a.pk}/").status_code == 404  # visits: inspectors
    assert staff.get("/inspections/new/").status_code == 403
    with pytest.raises(ValidationError):  # staff of B cannot own A's task
        services.rectification_create(
            actor=insp.inspector, visit=visit_a, what="x", deadline=deadline,
            owner_user=personas.staff_b,
        )  # fmt: skip
    client = api(personas.staff_a)
    assert [t["what"] for t in client.get("/api/v1/inspections/rectifications").json()] == [
        "甲整改"
    ]
    done = client.post(
        f"/api/v1/inspections/rectifications/{task_a.pk}/follow-ups",
        {"note": "已整改", "done": True},
    )
    assert done.json()["status"] == "reported"
    assert (
        client.post(
            f"/api/v1/inspections/rectifications/{task_b.pk}/follow-ups", {"note": "x"}
        ).status_code
        == 404
    )
    refused = client.post(f"/api/v1/inspections/rectifications/{task_a.pk}/close", {"accept": True})
    assert refused.status_code == 403
    closed = api(insp.inspector).post(
        f"/api/v1/inspections/rectifications/{task_a.pk}/close", {"accept": True}
    )
    assert closed.json()["status"] == "closed"


def test_a_posted_cadre_can_own_a_task_and_follow_it_up(login, personas, city, insp):
    from shequ.mobilization.models import Agency, Posting
    from tests.mobilization.conftest import make_staff

    agency = Agency.objects.create(code="AGI", name="督导厅", level="province")
    cadre = make_staff(personas.hq, agency, city.a, "下沉甲")
    Posting.objects.create(
        staff=cadre, place=city.ka, starts_at=timezone.now() - dt.timedelta(days=1), reason="派驻"
    )
    far = make_staff(personas.hq, agency, city.b, "下沉乙")
    Posting.objects.create(
        staff=far, place=city.kb, starts_at=timezone.now() - dt.timedelta(days=1), reason="派驻"
    )
    cadre.user = personas.cadre
    cadre.save(update_fields=["user"])
    visit = _visit(insp, place=city.a)
    client = login(insp.inspector)
    page = client.get(f"/inspections/v/{visit.pk}/").content.decode()
    assert "下沉甲" in page
    assert "下沉乙" not in page  # posted in another community
    deadline = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    answer = client.post(
        f"/inspections/v/{visit.pk}/",
        {"what": "补登记", "owner": f"s:{cadre.pk}", "deadline": deadline},
    )
    assert answer.status_code == 302
    task = Rectification.objects.get()
    assert task.owner == "下沉甲"
    refused = client.post(
        f"/inspections/v/{visit.pk}/", {"what": "x", "owner": f"s:{far.pk}", "deadline": deadline}
    )
    assert refused.status_code == 400  # not a choice: the form says so
    assert Rectification.objects.count() == 1
    mine = login(personas.cadre)
    assert "补登记" in mine.get("/inspections/tasks/").content.decode()
    done = mine.post(f"/inspections/tasks/{task.pk}/", {"action": "done", "note": "已补"})
    assert done.status_code == 302
