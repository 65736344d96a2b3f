"""The world the access matrix runs in: a city with two mirrored sides, A and B, each with
every kind of object a page or an API path names, and one login per role bound to side A.

    city C ─ district D1 ─ street S1 ─ community A ─ grid ─ compound KA ─ building ─ household
           └ district D2 ─ street S3 ─ community B ─ grid ─ compound KB ─ building ─ household

Side A is "own" for every persona; side B lies outside every persona's places except the
city HQ's. Each side has its own agency (the coordinator's is side A's, paired with compound
KA), its own district lab operator and community staff (who own the side's import jobs and
messages).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shequ.assistance import services as help_services
from shequ.assistance.models import WatchCheck
from shequ.checkpoints import services as checkpoint_services
from shequ.checkpoints.ingest import passages_batch
from shequ.checkpoints.models import Passage
from shequ.checkpoints.passes import pass_token
from shequ.core.models import ImportJob, ImportRowError, ImportStatus, Notification, User
from shequ.core.roles import Role
from shequ.duty import calls, changes, planning
from shequ.duty import services as duty_services
from shequ.duty.models import PostKind, RosterJob, RosterJobStatus
from shequ.inspections import services as inspection_services
from shequ.inspections.models import Checklist, ChecklistItem, FindingPhoto, Section
from shequ.mobilization import dispatch, formation
from shequ.mobilization import services as mob_services
from shequ.mobilization.models import Agency, AgencyLevel, Rank, StaffKind
from shequ.notices import answers as answer_services
from shequ.notices import services as notice_services
from shequ.notices.models import NoticeAttachment
from shequ.outreach import rounds as outreach_rounds
from shequ.outreach import selectors as outreach_selectors
from shequ.outreach import services as outreach_services
from shequ.outreach.models import Task
from shequ.patrols import services as patrol_services
from shequ.places.models import Place, PlaceKind
from shequ.supplies import donations as donation_services
from shequ.supplies import requisitions
from shequ.supplies import services as supply_services
from shequ.supplies.models import Category, Item, PointOfUse, Stock, Warehouse
from shequ.testing import labwork as testing_labwork
from shequ.testing import services as testing_services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Recall
from tests.conftest import make_place, make_user
from tests.mobilization.conftest import make_staff
from tests.residents.factories import ResidentFactory

ROLES = ("anonymous", *Role.values)


@dataclass
class Side:
    """Every object of one side, by the name of the path parameter that names it."""

    district: Place
    street: Place
    community: Place
    compound: Place
    building: Place
    household: Place
    staff_user: User
    lab: User
    agency: Agency
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    users: dict[str, User | None]
    clients: dict[str, Any] = field(default_factory=dict)  # logged-in test clients by role
    tokens: dict[str, str] = field(default_factory=dict)  # API tokens by role

    def side(self, scope: str) -> Side:
        return self.a if scope == "own" else self.b


def _places(city: Place, tag: str, district_name: str) -> dict[str, Place]:
    district = make_place(PlaceKind.DISTRICT, f"D{tag}", district_name, city)
    street = make_place(PlaceKind.STREET, f"S{tag}", f"{tag}街道", district)
    community = make_place(PlaceKind.COMMUNITY, f"C{tag}", f"{tag}社区", street)
    grid = make_place(PlaceKind.GRID, f"G{tag}", f"{tag}网格", community)
    compound = make_place(PlaceKind.COMPOUND, f"K{tag}", f"{tag}小区", grid)
    building = make_place(PlaceKind.BUILDING, f"K{tag}-1", "1号楼", compound)
    household = make_place(PlaceKind.HOUSEHOLD, f"K{tag}-1-101", "101室", building)
    return {
        "district": district,
        "street": street,
        "community": community,
        "compound": compound,
        "building": building,
        "household": household,
    }


def _side(hq: User, city: Place, tag: str, today: dt.date) -> Side:
    places = _places(city, tag, f"{tag}区")
    community, household = places["community"], places["household"]
    staff_user = make_user(f"staff_{tag.lower()}", Role.COMMUNITY_STAFF, community)
    lab = make_user(f"lab_{tag.lower()}", Role.LAB_OPERATOR, places["district"])
    agency = Agency.objects.create(code=f"AG{tag}", name=f"{tag}厅", level=AgencyLevel.PROVINCE)
    side = Side(staff_user=staff_user, lab=lab, agency=agency, **places)
    o = side.objects

    # Mobilization: an order over the side's district, four people reported in, a draft, a batch.
    people = [
        make_staff(hq, agency, community, f"{tag}干部{i}", rank=Rank.CHU if i < 2 else Rank.KE,
                   party_member=i % 2 == 0, gender="female" if i % 2 else "male")
        for i in range(4)
    ]  # fmt: skip
    order = mob_services.order_issue(
        actor=hq, title=f"{tag}下沉", scope=places["district"],
        deadline=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    mob_services.enlist(actor=hq, order=order, staff=people)
    enlistments = list(order.enlistments.order_by("pk"))
    for e in enlistments:
        mob_services.report_in(actor=hq, enlistment=e, community=community)
    draft = formation.team_draft_create(
        actor=hq, order=order, rules=formation.rules_from(2, Rank.CHU, "any", 1.0)
    )
    batch = dispatch.batch_dispatch(
        actor=hq, order=order, name="第一批", place=places["compound"], staff=people[2:],
        starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip
    volunteer = make_staff(hq, None, community, f"{tag}志愿者", kind=StaffKind.VOLUNTEER)
    o.update(order=order, draft=draft, batch=batch, staff=people[0], enlistment=enlistments[0])
    o.update(people=people, volunteer=volunteer, token=enlistments[0].token)

    # Duty: a 24-hour gate and a day patrol, a published roster, an urgent call, a sick report.
    gate = duty_services.post_create(
        actor=hq, community=community, place=places["compound"], name="北门",
        kind=PostKind.CHECKPOINT, pattern="2x12",
    )  # fmt: skip
    duty_services.post_create(
        actor=hq, community=community, name="巡查", kind=PostKind.PATROL,
        opens=dt.time(9), closes=dt.time(17), pattern="day",
    )  # fmt: skip
    # From tomorrow: nobody is on a shift now, so offline data is refused to the cadre.
    roster = planning.roster_generate(
        actor=hq, place=community, starts_on=today + dt.timedelta(days=1), days=2, time_limit=1
    )
    planning.roster_publish(actor=hq, roster=roster)
    o["roster_job"] = RosterJob.objects.create(
        place=community, starts_on=roster.starts_on, days=2, created_by=hq,
        status=RosterJobStatus.DONE, percent=100, roster=roster,
    )  # fmt: skip
    # The solver decides who works when (and may decide differently on each engine): pick
    # by person. The first person (side A's cadre login) reports sick for one of their
    # shifts; the API bodies name a shift of someone else.
    first = roster.assignments.filter(staff=people[0]).order_by("pk").first()
    assert first is not None, "the roster gave the first person no shift"
    change = changes.sick_report(actor=hq, assignment=first, reason="发烧")
    call = calls.call_create(actor=hq, community=community, where="北门", needed=1)
    o.update(post=gate, gate=gate, roster=roster, shift=gate.shifts.order_by("pk").first())
    o.update(change=change, call=call, day=roster.starts_on.isoformat(), post_token=gate.token)
    o["assignment"] = roster.assignments.exclude(staff=people[0]).order_by("pk").first()

    # Gates: residents, a pass, a passage.
    residents = [ResidentFactory(name=f"{tag}居民{i}", household=household) for i in range(3)]
    entry_pass = checkpoint_services.pass_issue(
        actor=hq, household=household, valid_from=today - dt.timedelta(days=1),
        valid_until=today + dt.timedelta(days=30),
    )  # fmt: skip
    [answer] = passages_batch(
        actor=hq,
        items=[
            {
                "client_uuid": str(uuid.uuid4()), "gate_id": gate.pk, "direction": "out",
                "device_time": timezone.now().isoformat(), "subject": "resident",
                "pass_code": pass_token(entry_pass.pk, entry_pass.version),
                "resident_id": residents[0].pk, "temperature": 36.5, "health_code": "green",
                "travel_star": False,
            }
        ],
    )  # fmt: skip
    o.update(resident=residents[0], residents=residents, entry_pass=entry_pass)
    o.update(passage=Passage.objects.get(client_uuid=answer.client_uuid))

    # Testing: a round over the community, a site, a positive pool recalled, a home task.
    round_ = testing_services.round_create(
        actor=hq, name=f"{tag}第一轮", places=[community], starts_on=today, ends_on=today,
        pool_size=5,
    )  # fmt: skip
    site = testing_services.site_create(
        actor=hq, community=community, name=f"{tag}采样点", opens=dt.time(7),
        closes=dt.time(19), stations=1,
    )  # fmt: skip
    station = site.stations.get()
    barcode = f"T{tag}000001"
    now = timezone.now().isoformat()
    swabs_batch(
        actor=hq,
        items=[
            *[
                {"client_uuid": str(uuid.uuid4()), "kind": "swab", "round_id": round_.pk,
                 "station_id": station.pk, "tube": barcode, "resident_id": r.pk,
                 "sampled_at": now}
                for r in residents[:2]
            ],
            {"client_uuid": str(uuid.uuid4()), "kind": "close", "round_id": round_.pk,
             "station_id": station.pk, "tube": barcode, "sampled_at": now},
        ],
    )  # fmt: skip
    transfer = testing_labwork.transfer_create(
        actor=hq, round_=round_, community=community, code=f"JJ-{tag}", barcodes=[barcode]
    )
    testing_labwork.transfer_receive(actor=hq, transfer=transfer, received_count=1)
    testing_labwork.results_record(actor=hq, round_=round_, results=[(barcode, "positive")])
    task = (
        Task.objects.filter(campaign__round=round_, campaign__kind="home_sampling")
        .order_by("pk")
        .first()
    )
    if task is None:
        [task] = outreach_rounds.home_tasks_create(
            actor=hq, round_=round_, residents=[residents[2]], reason="immobile"
        )
    o.update(round=round_, site=site, station=station, transfer=transfer, task=task)
    o.update(barcode=barcode)
    o.update(recall=Recall.objects.get(round=round_))

    # Per-user things: a refused import of the side's community staff (with its bad-row
    # report), a lab's results import, a message.
    job = ImportJob.objects.create(
        kind="residents", actor=staff_user, place=community, filename="住户.xlsx",
        stored_path="", status=ImportStatus.REFUSED,
    )  # fmt: skip
    ImportRowError.objects.create(job=job, row=2, column="姓名", reason="缺少姓名")
    o["job"] = job
    o["lab_job"] = ImportJob.objects.create(
        kind="tube_results", actor=lab, filename="结果.xlsx", stored_path="",
        status=ImportStatus.REFUSED,
    )  # fmt: skip
    ImportRowError.objects.create(job=o["lab_job"], row=2, column="管码", reason="未知管码")
    o["note"] = Notification.objects.create(user=staff_user, kind="test", title="通知")
    o["help_request"] = help_services.help_open(
        actor=staff_user, household=household, kind="water", details=f"{tag}送水",
        channel="hotline",
    )  # fmt: skip
    # Today's watch-list check of a resident at risk (made as the worker makes them).
    o["watch_check"] = WatchCheck.objects.create(
        resident=residents[1], community=community, compound=places["compound"],
        building=household.parent, day=today, zone="lockdown", tags=1, assigned_to=staff_user,
    )  # fmt: skip
    # An inspection of the side's compound with one rectification owned by its staff.
    checklist = Checklist.objects.create(name=f"{tag}检查表")
    item = ChecklistItem.objects.create(checklist=checklist, section=Section.LOOK, text="卡口")
    plan = inspection_services.plan_create(
        actor=hq, name=f"{tag}督导", checklist=checklist, place=places["district"],
        starts_on=today,
    )  # fmt: skip
    o["visit"] = inspection_services.visit_record(
        actor=hq, plan=plan, place=places["compound"], results={item.pk: ("problem", "无人")}
    )
    o["rectification"] = inspection_services.rectification_create(
        actor=hq, visit=o["visit"], what=f"{tag}整改", deadline=today, owner_user=staff_user
    )
    # A photo row without its file (tests/inspections test the photo itself).
    o["photo"] = FindingPhoto.objects.create(
        finding=o["visit"].findings.get(), path="missing", content_type="image/png",
        uploaded_by=hq, uploaded_at=timezone.now(),
    )  # fmt: skip

    # Disinfection and patrols: the compound's gate twice a day, a round there, an open finding.
    o["area"] = patrol_services.area_create(
        actor=hq, place=places["compound"], kind="gate", name=f"{tag}小区大门",
        times=[8 * 60, 16 * 60],
    )  # fmt: skip
    o["patrol_round"] = patrol_services.round_record(actor=hq, area=o["area"], note=f"{tag}消杀")
    o["finding"] = patrol_services.finding_record(
        actor=hq, place=places["compound"], kind="crowd", note=f"{tag}广场聚集"
    )
    # Door-to-door: a screening campaign over the community, its building given to the
    # side's cadre, and a new arrival found at the household (a proposal to confirm).
    campaign = outreach_services.campaign_create(
        actor=hq, name=f"{tag}入户排查", kind="screening", community=community,
        questions=[{"key": "present", "label": "在家", "type": "yes_no"}],
    )  # fmt: skip
    outreach_services.buildings_assign(
        actor=hq, campaign=campaign, buildings=[household.parent], cadre=o["staff"]
    )
    o["campaign"] = campaign
    o["door"] = outreach_selectors.building_tasks(campaign, household.parent).get(
        household=household
    )
    visit = outreach_services.outcome_record(
        actor=hq, task=o["door"], outcome="done", answers={"present": True},
        people=[{"kind": "new_arrival", "name": f"{tag}新住户", "came_from": "上海"}],
    )  # fmt: skip
    o["proposal"] = visit.proposals.get()

    # Supplies: the street's warehouse and the community's store, flour in transit between.
    depot = Warehouse.objects.create(place=places["street"], name=f"{tag}街道仓库")
    store = Warehouse.objects.create(place=community, name=f"{tag}社区物资站")
    flour, _new = Item.objects.get_or_create(
        name="面粉", defaults={"unit": "袋", "category": Category.LIVING}
    )
    received = supply_services.stock_receive(
        actor=hq, warehouse=depot, item=flour, quantity=50, source="allocation"
    )
    shipment = supply_services.transfer_send(
        actor=hq, source=depot, destination=store, batch=received.batch, quantity=10
    )
    o.update(warehouse=depot, store=store, item=flour, shipment=shipment)
    tubes = Item.objects.create(name=f"{tag}采样管", unit="支", category=Category.MEDICAL)
    o["point"] = PointOfUse.objects.create(post=gate, warehouse=depot, item=tubes)
    # The community asks its street for 5 bags of flour (submitted, waiting).
    o["requisition"] = requisitions.requisition_create(
        actor=staff_user, place=community, lines=[(flour, 5)], submit=True
    )
    o["stock"] = Stock.objects.get(warehouse=depot, batch=received.batch)
    # Donations: a company's 500 yuan to the community, spent on flour for its store.
    o["donor"] = donation_services.donor_register(
        actor=hq, place=community, kind="organisation", name=f"{tag}捐赠公司",
        contact_name=f"{tag}经理", phone="13900001111",
    )  # fmt: skip
    o["donation"] = donation_services.donation_receive_cash(
        actor=hq, donor=o["donor"], place=community, received_on=today, amount_fen=50000,
        channel="bank", receipt_no=f"{tag}-SJ-1",
    )  # fmt: skip
    donation_services.donation_purchase(
        actor=hq, donation=o["donation"], warehouse=store, supplier=f"{tag}粮店",
        bought_on=today, lines=[donation_services.BoughtLine(flour, 10, 3000)],
    )  # fmt: skip
    # Notices: a published notice to the side's compound (with a file row without its file:
    # tests/notices test the file itself), a policy answer of the city, a hotline call.
    o["notice"] = notice_services.notice_create(
        actor=staff_user, place=places["compound"], title=f"{tag}告知书", body="核酸检测"
    )
    notice_services.notice_publish(actor=staff_user, notice=o["notice"])
    o["notice_file"] = NoticeAttachment.objects.create(
        notice=o["notice"], name="a.pdf", path="missing", content_type="application/pdf",
        size=1, uploaded_by=staff_user, uploaded_at=timezone.now(),
    )  # fmt: skip
    o["answer"] = answer_services.answer_save(
        actor=hq, city=city, topic="核酸", question=f"{tag}要做核酸吗", text="要", checked=True
    )
    o["hotline_call"] = answer_services.hotline_log(
        actor=staff_user, place=community, question=f"{tag}热线问题"
    )
    return side


def build_world(today: dt.date | None = None) -> World:
    today = today or timezone.localdate()
    city = make_place(PlaceKind.CITY, "C", "测试市")
    hq = make_user("hq", Role.CITY_HQ, city)
    a = _side(hq, city, "A", today)
    b = _side(hq, city, "B", today)
    # The coordinator's agency (side A's) is paired with compound KA.
    coordinator = make_user("coordinator", Role.AGENCY_COORDINATOR, agency=a.agency)
    for side in (a, b):
        side.objects["pairing"] = dispatch.pairing_create(
            actor=hq, agency=side.agency, place=side.compound, starts_on=today
        )
    cadre = make_user("cadre", Role.CADRE, a.community)
    volunteer = make_user("volunteer", Role.VOLUNTEER, a.community)
    cadre_staff, volunteer_staff = a.objects["staff"], a.objects["volunteer"]
    cadre_staff.user, volunteer_staff.user = cadre, volunteer
    cadre_staff.save(update_fields=["user"])
    volunteer_staff.save(update_fields=["user"])
    users: dict[str, User | None] = {
        "anonymous": None,
        Role.CITY_HQ: hq,
        Role.DISTRICT_OFFICER: make_user("district", Role.DISTRICT_OFFICER, a.district),
        Role.STREET_OFFICER: make_user("street", Role.STREET_OFFICER, a.street),
        Role.COMMUNITY_STAFF: a.staff_user,
        Role.AGENCY_COORDINATOR: coordinator,
        Role.CADRE: cadre,
        Role.VOLUNTEER: volunteer,
        Role.INSPECTOR: make_user("inspector", Role.INSPECTOR, a.district),
        Role.LAB_OPERATOR: a.lab,
        Role.WAREHOUSE_KEEPER: make_user("warehouse", Role.WAREHOUSE_KEEPER, a.street),
    }
    return World(a=a, b=b, users=users)
