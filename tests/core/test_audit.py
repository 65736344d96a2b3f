"""Every service write leaves exactly one matching AuditEvent, in the same transaction."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import tempfile
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from shequ.assistance import isolation, public, watch, watch_jobs
from shequ.assistance import services as help_services
from shequ.assistance.models import Channel, HelpKind
from shequ.core import audit, services
from shequ.core.models import AuditEvent
from shequ.core.roles import Role
from shequ.duty import attendance, calls, changes, planning, reports
from shequ.duty import services as duty_services
from shequ.duty.attendance import services as attendance_services
from shequ.duty.models import Attendance, Post, RosterStatus
from shequ.duty.planning import jobs as planning_jobs
from shequ.duty.planning import services as planning_services
from shequ.inspections import reminders as inspection_reminders
from shequ.inspections import services as inspection_services
from shequ.inspections.models import Checklist, ChecklistItem, Section
from shequ.mobilization import dispatch, formation
from shequ.mobilization import services as mob_services
from shequ.mobilization.models import Agency, Staff
from shequ.notices import answers as answer_services
from shequ.notices import services as notice_services
from shequ.outreach import registry as outreach_registry
from shequ.outreach import rounds as round_doors
from shequ.outreach import services as outreach_services
from shequ.patrols import missed as patrol_missed_jobs
from shequ.patrols import services as patrol_services
from shequ.places import services as place_services
from shequ.places.models import PlaceKind, ZoneLevel
from shequ.reports import subscriptions as report_subscriptions
from shequ.reports.models import ReportSubscription
from shequ.residents import services as resident_services
from shequ.residents.idcard import check_char
from shequ.residents.models import HealthStatus, StatusPeriod
from shequ.supplies import donations as donation_services
from shequ.supplies import help_stock, points, stocktake
from shequ.supplies import requisitions as requisition_services
from shequ.supplies import services as supply_services
from shequ.supplies.models import Item, Movement, PointOfUse, Stock, Warehouse
from tests.conftest import make_user
from tests.duty.conftest import on_duty
from tests.duty.helpers import day_shift, night_shift, put, roster_for
from tests.mobilization.conftest import make_staff


def _writes(personas, city):
    """service function name → (expected action, call, expected place). Each call is one write."""
    hq = personas.hq
    held = {}

    def make_token():
        token, _secret = services.api_token_create(actor=hq, user=hq, name="scanner")
        held["token"] = token
        return token

    def checklist():
        if "checklist" not in held:
            held["checklist"] = Checklist.objects.create(name="表")
            held["item"] = ChecklistItem.objects.create(
                checklist=held["checklist"], section=Section.LOOK, text="卡口"
            )
        return held["checklist"]

    def visit(fresh=False):
        if "visit" not in held:
            plan = inspection_services.plan_create(
                actor=hq, name="督导", checklist=checklist(), place=city.d1,
                starts_on=timezone.localdate(),
            )  # fmt: skip
            if fresh:
                AuditEvent.objects.all().delete()
            held["visit"] = inspection_services.visit_record(
                actor=hq, plan=plan, place=city.a, results={held["item"].pk: ("problem", "无人")}
            )
        return held["visit"]

    def photo():
        the_visit = visit()
        AuditEvent.objects.all().delete()
        image = io.BytesIO()
        Image.new("RGB", (4, 4)).save(image, "PNG")
        image.seek(0)
        with override_settings(VAR_DIR=tempfile.mkdtemp()):
            return inspection_services.finding_photo_add(
                actor=hq, finding=the_visit.findings.get(), upload=image
            )

    def overdue():
        the_task = task()
        AuditEvent.objects.all().delete()
        inspection_reminders.notify_overdue(now=timezone.now() + timedelta(days=3))
        return the_task

    def patrol_area():
        if "area" not in held:
            held["area"] = patrol_services.area_create(
                actor=hq, place=city.ka1, kind="stairwell", name="楼道", times=[8 * 60, 16 * 60]
            )
        return held["area"]

    def patrol_finding():
        if "finding" not in held:
            held["finding"] = patrol_services.finding_record(
                actor=hq, place=city.ka, kind="crowd", note="聚集"
            )
        return held["finding"]

    def clean(obj):  # what the write acts on, made before it: its audit rows go
        AuditEvent.objects.all().delete()
        return obj

    def patrol_missed():
        # One slot two hours from now, flagged four hours from now: one missed slot.
        soon = timezone.localtime() + timedelta(hours=2)
        area = patrol_services.area_create(
            actor=hq, place=city.ka2, kind="gate", name="门", times=[soon.hour * 60 + soon.minute]
        )
        AuditEvent.objects.all().delete()
        patrol_missed_jobs.flag_missed(now=timezone.now() + timedelta(hours=4))
        return area.missed.get()

    def deliver():
        sub = ReportSubscription.objects.create(user=hq, place=city.a, format="pdf")
        report_subscriptions.deliver(day=timezone.localdate())
        return sub

    def task(fresh=False):
        if "task" not in held:
            the_visit = visit()
            if fresh:
                AuditEvent.objects.all().delete()
            held["task"] = inspection_services.rectification_create(
                actor=hq, visit=the_visit, what="整改", owner_user=personas.staff_a,
                deadline=timezone.localdate(),
            )  # fmt: skip
        return held["task"]

    def follow_up():
        the_task = task()
        AuditEvent.objects.all().delete()
        inspection_services.rectification_follow_up(
            actor=hq, rectification=the_task, note="已整改", done=True
        )
        return the_task

    def close():
        the_task = task()
        AuditEvent.objects.all().delete()
        return inspection_services.rectification_close(
            actor=hq, rectification=the_task, accept=True
        )

    def lift():
        place_services.zone_set(
            actor=hq,
            place=city.kb,
            level=ZoneLevel.CONTROL,
            starts_at=timezone.now() - timedelta(hours=2),
        )
        AuditEvent.objects.all().delete()
        return place_services.zone_lift(actor=hq, place=city.kb)

    def resident():
        if "resident" not in held:
            held["resident"] = resident_services.resident_create(
                actor=hq, household=city.ha1, name="测试", document_number=ID_NUMBER
            )
            AuditEvent.objects.all().delete()
        return held["resident"]

    def mob():
        """An agency cadre of community A under an open order (built once, not audited)."""
        if "mob" not in held:
            from django.utils import timezone as tz

            agency = Agency.objects.get(code="AG1")
            staff = mob_services.staff_register(
                actor=hq,
                kind="cadre",
                name="甲",
                id_number=ID_NUMBER,
                birth_year=1980,
                gender="male",
                agency=agency,
                residence_community=city.a,
            )
            volunteer = mob_services.staff_register(
                actor=None,
                kind="volunteer",
                name="乙",
                id_number=ID_NUMBER_2,
                birth_year=1990,
                gender="female",
                residence_community=city.a,
            )
            order = mob_services.order_issue(
                actor=hq, title="令", scope=city.c, deadline=tz.now() + timedelta(hours=3)
            )
            held["mob"] = (staff, volunteer, order)
            AuditEvent.objects.all().delete()
        return held["mob"]

    def enlisted():
        staff, _v, order = mob()
        if "enlisted" not in held:
            [held["enlisted"]] = mob_services.enlist(actor=hq, order=order, staff=[staff])
            AuditEvent.objects.all().delete()
        return held["enlisted"]

    def reported():
        if "reported" not in held:
            held["reported"] = mob_services.report_in(actor=hq, enlistment=enlisted())
            AuditEvent.objects.all().delete()
        return held["reported"]

    def report_in_batch():
        mob_services.report_in_batch(
            actor=hq, items=[{"client_uuid": str(uuid.uuid4()), "token": enlisted().token}]
        )
        return enlisted().order

    def report_in():
        mob_services.report_in(actor=hq, enlistment=enlisted())
        return enlisted().order

    def sign_up():
        staff, _v, order = mob()
        staff.user = personas.cadre
        staff.save()
        [e] = mob_services.enlist(actor=hq, order=order, staff=[staff], signed_up=False)
        AuditEvent.objects.all().delete()
        return mob_services.sign_up(actor=personas.cadre, enlistment=e)

    def draft():
        staff, _v, order = mob()
        staff.rank = "chu"
        staff.save()
        second = mob_services.staff_register(
            actor=hq,
            kind="cadre",
            name="丁",
            id_number=ID_NUMBER_3,
            birth_year=1975,
            gender="female",
            agency=Agency.objects.get(code="AG1"),
            residence_community=city.a,
        )
        [e2] = mob_services.enlist(actor=hq, order=order, staff=[second])
        mob_services.report_in(actor=hq, enlistment=e2)
        reported()
        AuditEvent.objects.all().delete()
        return formation.team_draft_create(
            actor=hq, order=order, rules=formation.rules_from(size=2, time_limit_s=2)
        )

    def held_draft():
        if "draft" not in held:
            held["draft"] = draft()
            AuditEvent.objects.all().delete()
        return held["draft"]

    def batch():
        staff, _v, order = mob()
        reported()
        return dispatch.batch_dispatch(
            actor=hq,
            order=order,
            name="第一批",
            place=city.a,
            staff=[staff],
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(days=3),
        )

    def rotate():
        if "batch" not in held:
            held["batch"] = batch()
            AuditEvent.objects.all().delete()
        return dispatch.batch_rotate(
            actor=hq,
            current=held["batch"],
            name="第二批",
            staff=[mob()[0]],
            ends_at=held["batch"].ends_at + timedelta(days=3),
            handover_note="交接",
        )

    tomorrow = timezone.localdate() + timedelta(days=1)

    def duty():
        """Community A's gate (2 × 12 h) and three people on duty, the first the cadre's."""
        if "duty" not in held:
            agency = Agency.objects.get(code="AG1")
            people = [make_staff(hq, agency, city.a, n) for n in ("值一", "值二", "值三")]
            people[0].user = personas.cadre
            people[0].save(update_fields=["user"])
            order = mob_services.order_issue(
                actor=hq, title="下沉", scope=city.c, deadline=timezone.now() + timedelta(days=3)
            )
            on_duty(hq, order, people, city.a)
            gate = duty_services.post_create(
                actor=hq,
                community=city.a,
                place=city.ka,
                name="北门",
                kind="checkpoint",
                pattern="2x12",
            )
            held["duty"] = SimpleNamespace(people=people, gate=gate)
            AuditEvent.objects.all().delete()
        return held["duty"]

    def roster(status=RosterStatus.PUBLISHED):
        """A one-day roster of A for tomorrow, the cadre on the gate's day shift."""
        d = duty()
        made = roster_for(hq, city.a, tomorrow, status=status)
        held["mine"] = put(made, day_shift(d), tomorrow, d.people[0])
        return made

    def mine():
        if "mine" not in held:
            roster()
        return held["mine"]

    def removed():
        assignment = mine()
        pk = assignment.pk
        planning.assignment_remove(actor=hq, assignment=assignment)
        assignment.pk = pk  # deleted: keep the id the audit row names
        return assignment

    def checked_in():
        if "checked_in" not in held:
            held["checked_in"] = attendance.check_in(
                actor=personas.cadre, staff=duty().people[0], post=duty().gate
            )
            AuditEvent.objects.all().delete()
        return held["checked_in"]

    def batch_check_in():
        item = {
            "client_uuid": str(uuid.uuid4()),
            "kind": "in",
            "staff_id": duty().people[1].pk,
            "at": timezone.now().isoformat(),
            "post_id": duty().gate.pk,
        }
        [result] = attendance.attendance_batch(actor=hq, items=[item])
        return Attendance.objects.get(pk=result.id)

    def call():
        if "call" not in held:
            duty()
            held["call"] = calls.call_create(actor=hq, community=city.a, where="3号楼", needed=1)
            AuditEvent.objects.all().delete()
        return held["call"]

    def swap():
        if "swap" not in held:
            held["swap"] = changes.swap_request(
                actor=personas.cadre, assignment=mine(), replacement=duty().people[2]
            )
            AuditEvent.objects.all().delete()
        return held["swap"]

    def depot():
        """The street's warehouse with 20 bags of flour and a community store (not audited)."""
        if "depot" not in held:
            street = Warehouse.objects.create(place=city.s1, name="仓库")
            store = Warehouse.objects.create(place=city.a, name="物资站")
            flour = Item.objects.create(name="面粉", unit="袋", category="living")
            moved = supply_services.stock_receive(
                actor=hq, warehouse=street, item=flour, quantity=20, source="allocation"
            )
            held["depot"] = SimpleNamespace(street=street, store=store, flour=flour, m=moved)
            AuditEvent.objects.all().delete()
        return held["depot"]

    def post():
        if "post" not in held:
            held["post"] = Post.objects.create(
                community=city.a, place=city.a, name="甲采样点", kind="sampling"
            )
        return held["post"]

    def point():
        """The sampling post drawing flour (for the test) from the street's warehouse."""
        if "point" not in held:
            held["point"] = PointOfUse.objects.create(
                post=post(), warehouse=depot().street, item=depot().flour
            )
        return held["point"]

    def stock_of(d):
        return Stock.objects.get(warehouse=d.street, batch=d.m.batch).pk

    def shipment():
        d = depot()
        sent = supply_services.transfer_send(
            actor=hq, source=d.street, destination=d.store, batch=d.m.batch, quantity=5
        )
        AuditEvent.objects.all().delete()
        return sent

    def requisition(status="draft"):
        """Community A's requisition of 5 bags of flour, as far as `status` (not audited)."""
        d = depot()
        r = requisition_services.requisition_create(
            actor=hq, place=city.a, lines=[(d.flour, 5)], submit=status != "draft"
        )
        if status in ("approved", "shipped"):
            requisition_services.requisition_decide(actor=hq, requisition=r, approved={})
        if status == "shipped":
            requisition_services.requisition_ship(actor=hq, requisition=r)
        AuditEvent.objects.all().delete()
        return r

    staff_a, cadre = personas.staff_a, personas.cadre

    def asked(status="new", **kw):
        """A water request of household KA-1-101 opened by A's staff and taken by the cadre
        as far as `status` (built before the test's write, not audited)."""
        request = help_services.help_open(
            actor=staff_a, household=city.ha1, kind=HelpKind.WATER, details="两桶水",
            channel=Channel.HOTLINE,
        )  # fmt: skip
        steps = ["claimed", "on_the_way", "delivered"]
        for step in steps[: steps.index(status) + 1] if status in steps else []:
            move = {
                "claimed": help_services.help_claim,
                "on_the_way": help_services.help_set_off,
                "delivered": help_services.help_deliver,
            }[step]
            request = move(actor=cadre, request=request)
        if kw:
            request = help_services.purchase_record(actor=cadre, request=request, **kw)
        AuditEvent.objects.all().delete()
        return request

    def isolated():
        person = resident()
        resident_services.resident_set_status(
            actor=hq, resident=person, status=HealthStatus.HOME_ISOLATION
        )
        person.refresh_from_db()
        AuditEvent.objects.all().delete()
        return person

    def watched():
        """Today's watch-list check of a resident living alone in a locked-down compound."""
        from shequ.residents.models import Resident, tags_to_bits

        person = resident()
        Resident.objects.filter(pk=person.pk).update(tags=tags_to_bits(["elderly_alone"]))
        place_services.zone_set(actor=hq, place=city.ka, level=ZoneLevel.LOCKDOWN)
        watch_jobs.watch_checks_create()
        AuditEvent.objects.all().delete()
        return watch.checks_for(hq).get(resident=person)

    assistance = {
        "watch_record": (
            "assistance.watch.record",
            lambda: watch.watch_record(actor=cadre, check=watched(), outcome="reached"),
            city.ka1,
        ),
        "help_open": (
            "assistance.open",
            lambda: help_services.help_open(
                actor=staff_a,
                household=city.ha1,
                kind=HelpKind.GAS,
                details="一罐气",
                channel=Channel.COMMUNITY,
            ),
            city.ha1,
        ),
        "help_claim": (
            "assistance.claimed",
            lambda: help_services.help_claim(actor=cadre, request=asked()),
            city.a,
        ),
        "help_release": (
            "assistance.released",
            lambda: help_services.help_release(actor=cadre, request=asked("claimed")),
            city.a,
        ),
        "help_set_off": (
            "assistance.set_off",
            lambda: help_services.help_set_off(actor=cadre, request=asked("claimed")),
            city.a,
        ),
        "help_deliver": (
            "assistance.delivered",
            lambda: help_services.help_deliver(actor=cadre, request=asked("on_the_way")),
            city.a,
        ),
        "help_confirm": (
            "assistance.confirmed",
            lambda: help_services.help_confirm(actor=staff_a, request=asked("delivered")),
            city.a,
        ),
        "help_close": (
            "assistance.closed",
            lambda: help_services.help_close(actor=staff_a, request=asked(), reason="已解决"),
            city.a,
        ),
        "help_cancel": (
            "assistance.cancelled",
            lambda: help_services.help_cancel(actor=staff_a, request=asked("claimed")),
            city.a,
        ),
        "purchase_record": (
            "assistance.purchase",
            lambda: help_services.purchase_record(
                actor=cadre, request=asked("claimed"), amount=Decimal("12.50")
            ),
            city.a,
        ),
        "repaid_mark": (
            "assistance.repaid",
            lambda: help_services.repaid_mark(
                actor=cadre, request=asked("delivered", amount=Decimal("8"))
            ),
            city.a,
        ),
        "ledger_mark": (
            "assistance.ledger",
            lambda: help_services.ledger_mark(actor=staff_a, request=asked(), for_ledger=True),
            city.a,
        ),
        "isolation_report": (
            "assistance.isolation_report",
            lambda: isolation.isolation_report(
                actor=cadre, resident=isolated(), temperature="36.6"
            ),
            city.ha1,
        ),
        "resident_help_open": (
            "assistance.open",
            lambda: public.resident_help_open(
                households=[city.ha1.pk],
                household_id=city.ha1.pk,
                kind=HelpKind.MEDICINE,
                details="胰岛素",
            ),
            city.ha1,
        ),
        "resident_confirm": (
            "assistance.confirmed",
            lambda: public.resident_confirm(
                households=[city.ha1.pk], request_id=asked("delivered").pk
            ),
            city.a,
        ),
    }

    supplies = {
        "stock_receive": (
            "supplies.stock.receive",
            lambda: supply_services.stock_receive(
                actor=hq,
                warehouse=depot().street,
                item=depot().flour,
                quantity=3,
                source="donation",
            ),
            city.s1,
        ),
        "stock_issue": (
            "supplies.stock.issue",
            lambda: supply_services.stock_issue(
                actor=hq,
                warehouse=depot().street,
                batch=depot().m.batch,
                quantity=2,
                household=city.ha1,
            ),
            city.s1,
        ),
        "stock_adjust": (
            "supplies.stock.adjust",
            lambda: supply_services.stock_adjust(
                actor=hq,
                warehouse=depot().street,
                batch=depot().m.batch,
                delta=-1,
                reason="damage",
                note="破损",
            ),
            city.s1,
        ),
        "transfer_send": (
            "supplies.transfer.send",
            lambda: supply_services.transfer_send(
                actor=hq,
                source=depot().street,
                destination=depot().store,
                batch=depot().m.batch,
                quantity=4,
            ),
            city.s1,
        ),
        "transfer_receive": (
            "supplies.transfer.receive",
            lambda: supply_services.transfer_receive(
                actor=hq, transfer=shipment(), quantity_received=4
            ),
            city.a,
        ),
        # A stock-take is audited once, on its warehouse (its adjustments are its changes).
        "stocktake_apply": (
            "supplies.stocktake.apply",
            lambda: (
                stocktake.stocktake_apply(
                    actor=hq,
                    warehouse=depot().street,
                    counts=[stocktake.Count(stock_of(depot()), 20, 18)],
                )
                and depot().street
            ),
            city.s1,
        ),
        "warehouse_create": (
            "supplies.warehouse.create",
            lambda: supply_services.warehouse_create(actor=hq, place=city.b, name="乙社区物资站"),
            city.b,
        ),
        "point_set": (
            "supplies.point.set",
            lambda: points.point_set(
                actor=hq, warehouse=depot().street, post=post(), item=depot().flour
            ),
            city.s1,
        ),
        "point_remove": (
            "supplies.point.remove",
            lambda: points.point_remove(actor=hq, point=point()),
            city.s1,
        ),
        "record_area_use": (
            "supplies.area.use",
            lambda: (
                points.record_area_use(
                    actor=hq,
                    warehouse=depot().street,
                    item=depot().flour,
                    quantity=2,
                    detail="1号楼楼道",
                )
                and Movement.objects.filter(kind="issue").get()
            ),
            city.s1,
        ),
        "record_use": (
            "supplies.point.use",
            lambda: points.record_use(actor=hq, uses={point().post_id: 2}) and point(),
            city.s1,
        ),
    }

    def donor():
        if "donor" not in held:
            held["donor"] = donation_services.donor_register(
                actor=hq, place=city.a, kind="organisation", name="星河科技", phone="13900001111"
            )
            AuditEvent.objects.all().delete()
        return held["donor"]

    def gift():
        if "gift" not in held:
            held["gift"] = donation_services.donation_receive_cash(
                actor=hq, donor=donor(), place=city.a, received_on=timezone.localdate(),
                amount_fen=100000, channel="bank", receipt_no="SJ-1",
            )  # fmt: skip
            AuditEvent.objects.all().delete()
        return held["gift"]

    donations = {
        "donor_register": (
            "supplies.donor.register",
            lambda: donation_services.donor_register(
                actor=hq, place=city.a, kind="person", name="王建国", phone="13900002222"
            ),
            city.a,
        ),
        "donation_receive_goods": (
            "supplies.donation.goods",
            lambda: donation_services.donation_receive_goods(
                actor=hq,
                donor=donor(),
                warehouse=depot().store,
                received_on=timezone.localdate(),
                lines=[donation_services.GoodsLine(depot().flour, 10)],
            ),
            city.a,
        ),
        "donation_receive_cash": (
            "supplies.donation.cash",
            lambda: donation_services.donation_receive_cash(
                actor=hq,
                donor=donor(),
                place=city.a,
                received_on=timezone.localdate(),
                amount_fen=545000,
                channel="wechat",
                receipt_no="SJ-9",
            ),
            city.a,
        ),
        "donation_purchase": (
            "supplies.donation.purchase",
            lambda: donation_services.donation_purchase(
                actor=hq,
                donation=gift(),
                warehouse=depot().store,
                supplier="康安",
                bought_on=timezone.localdate(),
                lines=[donation_services.BoughtLine(depot().flour, 10, 5000)],
            ),
            city.a,
        ),
    }

    rs = requisition_services
    requisitions = {
        "requisition_create": (
            "supplies.requisition.create",
            lambda: rs.requisition_create(actor=hq, place=city.a, lines=[(depot().flour, 2)]),
            city.a,
        ),
        "requisition_edit": (
            "supplies.requisition.edit",
            lambda: rs.requisition_edit(
                actor=hq, requisition=requisition(), lines=[(depot().flour, 3)]
            ),
            city.a,
        ),
        "requisition_submit": (
            "supplies.requisition.submit",
            lambda: rs.requisition_submit(actor=hq, requisition=requisition()),
            city.a,
        ),
        "requisition_decide": (
            "supplies.requisition.decide",
            lambda: rs.requisition_decide(
                actor=hq, requisition=requisition("submitted"), approved={}
            ),
            city.a,
        ),
        "requisition_ship": (
            "supplies.requisition.ship",
            lambda: rs.requisition_ship(actor=hq, requisition=requisition("approved")),
            city.a,
        ),
        "requisition_receive": (
            "supplies.requisition.receive",
            lambda: rs.requisition_receive(actor=hq, requisition=requisition("shipped")),
            city.a,
        ),
        "requisition_cancel": (
            "supplies.requisition.cancel",
            lambda: rs.requisition_cancel(actor=hq, requisition=requisition("submitted")),
            city.a,
        ),
        "help_issue_from_stock": (
            "supplies.help_request.issue",
            lambda: help_stock.help_issue_from_stock(
                actor=hq,
                help_request=asked(),
                stock=Stock.objects.get(warehouse=depot().street, batch=depot().m.batch),
                quantity=1,
            ),
            city.s1,
        ),
    }

    # Notices, policy answers, the hotline log (issue #21 part 2).
    def notice(published=False):
        n = notice_services.notice_create(actor=hq, place=city.a, title="告知书", body="正文")
        if published:
            notice_services.notice_publish(actor=hq, notice=n)
        AuditEvent.objects.all().delete()
        return n

    def qa(checked=True):
        a = answer_services.answer_save(
            actor=hq, city=city.c, topic="核酸", question="要做吗", text="要", checked=checked
        )
        AuditEvent.objects.all().delete()
        return a

    def hotline_call():
        c = answer_services.hotline_log(actor=hq, place=city.a, question="新问题")
        AuditEvent.objects.all().delete()
        return c

    def attach():
        n = notice()
        with override_settings(VAR_DIR=tempfile.mkdtemp()):
            return notice_services.notice_attach(
                actor=hq, notice=n, upload=io.BytesIO(b"%PDF-1.4"), name="a.pdf"
            )

    notices = {
        "notice_create": (
            "notices.notice_create",
            lambda: notice_services.notice_create(actor=hq, place=city.a, title="t", body="b"),
            city.a,
        ),
        "notice_edit": (
            "notices.notice_edit",
            lambda: notice_services.notice_edit(
                actor=hq, notice=notice(published=True), title="改", body="改过"
            ),
            city.a,
        ),
        "notice_attach": ("notices.notice_attach", attach, city.a),
        "notice_publish": (
            "notices.notice_publish",
            lambda: notice_services.notice_publish(actor=hq, notice=notice()),
            city.a,
        ),
        "notice_withdraw": (
            "notices.notice_withdraw",
            lambda: notice_services.notice_withdraw(actor=hq, notice=notice(published=True)),
            city.a,
        ),
        "answer_save": (
            "notices.answer_save",
            lambda: answer_services.answer_save(
                actor=hq, city=city.c, topic="t", question="q", text="a", checked=True
            ),
            city.c,
        ),
        "answer_check": (
            "notices.answer_check",
            lambda: answer_services.answer_check(actor=hq, answer=qa()),
            city.c,
        ),
        "answer_retire": (
            "notices.answer_retire",
            lambda: answer_services.answer_retire(actor=hq, answer=qa()),
            city.c,
        ),
        "hotline_log": (
            "notices.hotline_log",
            lambda: answer_services.hotline_log(actor=hq, place=city.a, question="问"),
            city.a,
        ),
        "answer_from_call": (
            "notices.answer_from_call",
            lambda: answer_services.answer_from_call(actor=hq, call=hotline_call()),
            city.c,
        ),
    }

    writes = assistance | supplies | donations | requisitions | notices
    writes |= _outreach_writes(hq, city)
    writes |= _round_door_writes(hq, city)
    return writes | {
        "post_create": (
            "duty.post_create",
            lambda: duty_services.post_create(
                actor=hq, community=city.a, name="南门", kind="checkpoint"
            ),
            city.a,
        ),
        "shift_add": (
            "duty.shift_add",
            lambda: duty_services.shift_add(
                actor=hq, post=duty().gate, name="加班", starts=dt.time(6), minutes=120
            ),
            city.a,
        ),
        "requirement_set": (
            "duty.requirement_set",
            lambda: duty_services.requirement_set(
                actor=hq, shift=day_shift(duty()), min_people=1, max_people=2
            ),
            city.a,
        ),
        "rules_set": (
            "duty.rules_set",
            lambda: duty_services.rules_set(actor=hq, community=city.a, late_after_minutes=20),
            city.a,
        ),
        "duty_request_add": (
            "duty.request_add",
            lambda: duty_services.duty_request_add(
                actor=hq, staff=duty().people[0], day=tomorrow, kind="unavailable"
            ),
            city.a,
        ),
        "roster_generate": (
            "duty.roster_generate",
            lambda: (
                duty()
                and planning.roster_generate(
                    actor=hq, place=city.a, starts_on=tomorrow, days=1, time_limit=1
                )
            ),
            city.a,
        ),
        "roster_job_start": (
            "duty.roster_job_start",
            lambda: (
                duty()
                and planning.roster_job_start(actor=hq, place=city.a, starts_on=tomorrow, days=1)
            ),
            city.a,
        ),
        "roster_publish": (
            "duty.roster_publish",
            lambda: planning.roster_publish(actor=hq, roster=roster(RosterStatus.DRAFT)),
            city.a,
        ),
        "roster_discard": (
            "duty.roster_discard",
            lambda: planning.roster_discard(actor=hq, roster=roster(RosterStatus.DRAFT)),
            city.a,
        ),
        "roster_replan": (
            "duty.roster_replan",
            lambda: planning.roster_replan(actor=hq, roster=roster(), time_limit=1),
            city.a,
        ),
        "assignment_add": (
            "duty.assignment_add",
            lambda: planning.assignment_add(
                actor=hq,
                roster=roster(),
                shift=night_shift(duty()),
                day=tomorrow,
                staff=duty().people[1],
            ),
            city.a,
        ),
        "assignment_remove": ("duty.assignment_remove", removed, city.a),
        "check_in": (
            "duty.check_in",
            lambda: attendance.check_in(
                actor=personas.cadre, staff=duty().people[0], post=duty().gate
            ),
            city.a,
        ),
        "check_out": (
            "duty.check_out",
            lambda: (
                checked_in() and attendance.check_out(actor=personas.cadre, staff=duty().people[0])
            ),
            city.a,
        ),
        "attendance_manual": (
            "duty.attendance_manual",
            lambda: attendance.attendance_manual(
                actor=hq,
                staff=duty().people[1],
                post=duty().gate,
                check_in_at=timezone.now() - timedelta(hours=1),
                reason="补录",
            ),
            city.a,
        ),
        "attendance_batch": ("duty.check_in", batch_check_in, city.a),
        "call_create": (
            "duty.call_create",
            lambda: (
                duty() and calls.call_create(actor=hq, community=city.a, where="3号楼", needed=1)
            ),
            city.a,
        ),
        "call_answer": (
            "duty.call_answer",
            lambda: calls.call_answer(actor=personas.cadre, call=call()).answer,
            city.a,
        ),
        "call_close": ("duty.call_close", lambda: calls.call_close(actor=hq, call=call()), city.a),
        "swap_request": (
            "duty.swap_request",
            lambda: changes.swap_request(
                actor=personas.cadre, assignment=mine(), replacement=duty().people[2]
            ),
            city.a,
        ),
        "sick_report": (
            "duty.sick_report",
            lambda: changes.sick_report(actor=personas.cadre, assignment=mine()),
            city.a,
        ),
        "change_decide": (
            "duty.change_decide",
            lambda: changes.change_decide(actor=hq, change=swap(), approve=False),
            city.a,
        ),
        "change_cancel": (
            "duty.change_cancel",
            lambda: changes.change_cancel(actor=personas.cadre, change=swap()),
            city.a,
        ),
        "team_draft_create": ("mobilization.teams.draft", draft, city.c),
        "team_draft_swap": (
            "mobilization.teams.swap",
            lambda: formation.team_draft_swap(
                actor=hq, draft=held_draft(), first=mob()[0].pk, second=mob()[0].pk
            ),
            city.c,
        ),
        "team_draft_confirm": (
            "mobilization.teams.confirm",
            lambda: formation.team_draft_confirm(actor=hq, draft=held_draft()) and held["draft"],
            city.c,
        ),
        "batch_dispatch": ("mobilization.batch.dispatch", batch, city.a),
        "batch_rotate": ("mobilization.batch.dispatch", rotate, city.a),
        "pairing_create": (
            "mobilization.pairing.create",
            lambda: dispatch.pairing_create(
                actor=hq,
                agency=Agency.objects.get(code="AG1"),
                place=city.ka,
                starts_on=timezone.localdate(),
            ),
            city.ka,
        ),
        "pairing_end": (
            "mobilization.pairing.end",
            lambda: dispatch.pairing_end(
                actor=hq,
                pairing=dispatch.pairing_create(
                    actor=hq,
                    agency=Agency.objects.get(code="AG1"),
                    place=city.ka,
                    starts_on=timezone.localdate(),
                ),
            ),
            city.ka,
        ),
        "staff_register": (
            "mobilization.staff.register",
            lambda: mob_services.staff_register(
                actor=hq,
                kind="cadre",
                name="丙",
                id_number=ID_NUMBER_3,
                birth_year=1970,
                gender="male",
                agency=Agency.objects.get(code="AG1"),
                residence_community=city.a,
            ),
            city.a,
        ),
        "volunteer_vet": (
            "mobilization.volunteer.vet",
            lambda: mob_services.volunteer_vet(actor=hq, volunteer=mob()[1], approve=True),
            city.a,
        ),
        "order_issue": (
            "mobilization.order.issue",
            lambda: (
                mob()[2]
                and mob_services.order_issue(
                    actor=hq,
                    title="二令",
                    scope=city.c,
                    deadline=timezone.now() + timedelta(hours=3),
                )
            ),
            city.c,
        ),
        "order_close": (
            "mobilization.order.close",
            lambda: mob_services.order_close(actor=hq, order=mob()[2]),
            city.c,
        ),
        "enlist": (
            "mobilization.enlistment.create",
            lambda: mob_services.enlist(actor=hq, order=mob()[2], staff=[mob()[0]])[0],
            None,
        ),
        "sign_up": ("mobilization.enlistment.sign_up", sign_up, None),
        "report_in_batch": ("mobilization.enlistment.report_in", report_in_batch, city.a),
        "report_in": ("mobilization.enlistment.report_in", report_in, city.a),
        "release": (
            "mobilization.enlistment.release",
            lambda: mob_services.release(actor=hq, enlistment=reported()),
            city.a,
        ),
        "need_declare": (
            "mobilization.need.declare",
            lambda: mob_services.need_declare(
                actor=hq,
                community=city.a,
                people_per_day=3,
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate(),
            ),
            city.a,
        ),
        "redistribute": (
            "mobilization.enlistment.move",
            lambda: mob_services.redistribute(
                actor=hq, enlistments=[reported()], to_community=city.b
            )[0],
            city.b,
        ),
        "user_create": (
            "core.user.create",
            lambda: services.user_create(actor=hq, username="new1", password="long-enough-pw-1"),
            None,
        ),
        "role_grant": (
            "core.role.grant",
            lambda: services.role_grant(
                actor=hq, user=personas.outsider, role=Role.CADRE, place=city.a
            ),
            city.a,
        ),
        "api_token_create": ("core.token.create", make_token, None),
        "api_token_revoke": (
            "core.token.revoke",
            lambda: services.api_token_revoke(actor=hq, token=held["token"]),
            None,
        ),
        "user_set_language": (
            "core.user.language",
            lambda: services.user_set_language(user=hq, language="en"),
            None,
        ),
        "place_create": (
            "places.place.create",
            lambda: place_services.place_create(
                actor=hq, kind=PlaceKind.BUILDING, code="KA-9", name="9号楼", parent=city.ka
            ),
            "self",
        ),
        "zone_set": (
            "places.zone.set",
            lambda: place_services.zone_set(actor=hq, place=city.ka, level=ZoneLevel.LOCKDOWN),
            city.ka,
        ),
        "zone_lift": ("places.zone.lift", lift, city.kb),
        "resident_create": (
            "residents.resident.create",
            lambda: resident_services.resident_create(
                actor=hq, household=city.ha2, name="新", document_number=ID_NUMBER_2
            ),
            city.ha2,
        ),
        "resident_update": (
            "residents.resident.update",
            lambda: resident_services.resident_update(actor=hq, resident=resident(), name="改"),
            city.ha1,
        ),
        "resident_move": (
            "residents.resident.move",
            lambda: resident_services.resident_move(
                actor=hq, resident=resident(), household=city.ha2
            ),
            city.ha2,
        ),
        "plan_create": (
            "inspections.plan_create",
            lambda: inspection_services.plan_create(
                actor=hq,
                name="督导",
                checklist=checklist(),
                place=city.d1,
                starts_on=timezone.localdate(),
            ),
            city.d1,
        ),
        "premises_create": (
            "inspections.premises_create",
            lambda: inspection_services.premises_create(
                actor=hq, name="超市", address="一路", place=city.ka
            ),
            city.ka,
        ),
        "visit_record": ("inspections.visit_record", lambda: visit(fresh=True), city.a),
        "checklist_create": (
            "inspections.checklist_create",
            lambda: inspection_services.checklist_create(
                actor=hq, name="表", items=[("ask", "问"), ("look", "看")]
            ),
            None,
        ),
        "finding_photo_add": ("inspections.photo_add", photo, city.a),
        "notify_overdue": ("inspections.overdue_notify", overdue, city.a),
        "subscribe": (
            "reports.subscribe",
            lambda: report_subscriptions.subscribe(actor=hq, place=city.s1, format="xlsx"),
            city.s1,
        ),
        "unsubscribe": (
            "reports.unsubscribe",
            lambda: report_subscriptions.unsubscribe(
                actor=hq,
                subscription=ReportSubscription.objects.create(user=hq, place=city.s1),
            ),
            city.s1,
        ),
        "deliver": ("reports.deliver", deliver, city.a),
        "rectification_create": (
            "inspections.rectification_create",
            lambda: task(fresh=True),
            city.a,
        ),
        "rectification_follow_up": (
            "inspections.rectification_follow_up",
            lambda: follow_up(),
            city.a,
        ),
        "rectification_close": ("inspections.rectification_close", close, city.a),
        "resident_set_status": (
            "residents.resident.status",
            lambda: resident_services.resident_set_status(
                actor=hq, resident=resident(), status="home_isolation"
            ),
            city.ha1,
        ),
        "area_create": ("patrols.area_create", patrol_area, city.ka1),
        "areas_for_buildings": (
            "patrols.areas_for_buildings",
            lambda: (
                patrol_services.areas_for_buildings(
                    actor=hq, compound=city.ka, kind="lift", times=[9 * 60]
                )
                and city.ka
            ),
            "self",
        ),
        "area_retire": (
            "patrols.area_retire",
            lambda: patrol_services.area_retire(actor=hq, area=clean(patrol_area())),
            city.ka1,
        ),
        "round_record": (
            "patrols.round_record",
            lambda: patrol_services.round_record(actor=hq, area=clean(patrol_area())),
            city.ka1,
        ),
        "finding_record": ("patrols.finding_record", patrol_finding, city.ka),
        "finding_assign": (
            "patrols.finding_assign",
            lambda: patrol_services.finding_assign(
                actor=hq, finding=clean(patrol_finding()), assignee=personas.staff_a, due_on=None
            ),
            city.ka,
        ),
        "finding_resolve": (
            "patrols.finding_resolve",
            lambda: patrol_services.finding_resolve(
                actor=hq, finding=clean(patrol_finding()), note="已处理"
            ),
            city.ka,
        ),
        "flag_missed": ("patrols.missed_notify", patrol_missed, city.ka2),
    }


def _round_door_writes(hq, city):
    """A testing round's door-to-door writes (outreach/rounds.py): a round over 甲社区 and a
    missed resident's task in its missed campaign, made without an audit row."""
    from shequ.outreach.models import Campaign
    from shequ.outreach.models import Task as DoorTask
    from shequ.residents.models import Resident
    from shequ.testing.models import Round

    def task():
        today = timezone.localdate()
        made = Round.objects.create(name="轮", starts_on=today, ends_on=today, created_by=hq)
        made.places.set([city.a])
        walk = Campaign.objects.create(
            name="漏检", kind="missed_test", unit="resident", community=city.a, round=made,
            created_at=timezone.now(),
        )  # fmt: skip
        person = Resident.objects.create(household=city.ha1, name="漏检者")
        return DoorTask.objects.create(
            campaign=walk, building=city.ka1, household=city.ha1, resident=person,
            updated_at=timezone.now(),
        )  # fmt: skip

    def knock():
        door = task()
        return round_doors.door_outcome_record(
            actor=hq, round_=door.campaign.round, resident=door.resident, outcome="reminded"
        )

    return {"door_outcome_record": ("outreach.visit.record", knock, city.ka1)}


def _outreach_writes(hq, city):
    """Door-to-door writes (outreach): a campaign over 甲小区 made without an audit row, then
    each write on it."""
    from shequ.outreach.models import Assignment as DoorAssignment
    from shequ.outreach.models import Campaign, Proposal, ProposalKind
    from shequ.outreach.models import Task as DoorTask

    def campaign():
        made = Campaign.objects.create(
            name="入户排查", kind="screening", community=city.a, created_at=timezone.now()
        )
        outreach_services._add_tasks(hq, made)
        return made

    def door():
        return DoorTask.objects.get(campaign=campaign(), household=city.ha1)

    def assign():
        made = campaign()
        staff = Staff.objects.create(
            kind="volunteer", name="队员", id_number=ID_NUMBER_3, phone="", birth_year=1980,
            gender="male",
        )  # fmt: skip
        outreach_services.buildings_assign(
            actor=hq, campaign=made, buildings=[city.ka1], cadre=staff
        )
        return DoorAssignment.objects.get(campaign=made)

    def proposal(kind=ProposalKind.NEW_ARRIVAL):
        task = door()
        return Proposal.objects.create(
            task=task, kind=kind, household=city.ha2, name="新来的", document_number=ID_NUMBER_2,
            came_from="上海", created_at=timezone.now(),
        )  # fmt: skip

    return {
        "campaign_create": (
            "outreach.campaign_create",
            lambda: outreach_services.campaign_create(
                actor=hq, name="疫苗", kind="vaccination", community=city.a, places=[city.ka]
            ),
            city.a,
        ),
        "campaign_questions_set": (
            "outreach.campaign_questions_set",
            lambda: outreach_services.campaign_questions_set(
                actor=hq,
                campaign=campaign(),
                questions=[{"key": "home", "label": "在家吗", "type": "yes_no"}],
            ),
            city.a,
        ),
        "campaign_add_tasks": (
            "outreach.campaign_add_tasks",
            lambda: _returning(
                campaign(), lambda c: outreach_services.campaign_add_tasks(actor=hq, campaign=c)
            ),
            city.a,
        ),
        "campaign_set_status": (
            "outreach.campaign_status",
            lambda: outreach_services.campaign_set_status(
                actor=hq, campaign=campaign(), status="closed"
            ),
            city.a,
        ),
        "buildings_assign": ("outreach.building_assign", assign, city.ka1),
        "outcome_record": (
            "outreach.outcome",
            lambda: outreach_services.outcome_record(actor=hq, task=door(), outcome="refused"),
            city.ha1,
        ),
        "tasks_add": (
            "outreach.tasks_add",
            lambda: _returning(
                campaign(),
                lambda c: outreach_services.tasks_add(
                    actor=hq, campaign=c, households=[city.ha1], reason="漏检"
                ),
            ),
            city.a,
        ),
        "task_cancel": (
            "outreach.task_cancel",
            lambda: outreach_services.task_cancel(actor=hq, task=door()),
            city.ha1,
        ),
        "proposal_confirm": (
            "outreach.proposal_confirm",
            lambda: outreach_registry.proposal_confirm(actor=hq, proposal=proposal()),
            city.ha2,
        ),
        "proposal_reject": (
            "outreach.proposal_reject",
            lambda: outreach_registry.proposal_reject(actor=hq, proposal=proposal()),
            city.ha2,
        ),
    }


def _returning(obj, call):
    """Run `call(obj)` and answer `obj` (a write that answers a count, audited on `obj`)."""
    call(obj)
    return obj


def _first17(born: str, seq: str) -> str:
    first17 = f"629999{born}{seq}"
    return first17 + check_char(first17)


ID_NUMBER = _first17("19800101", "011")
ID_NUMBER_2 = _first17("19900101", "022")
ID_NUMBER_3 = _first17("19700101", "033")
SERVICE_MODULES = [
    services,
    place_services,
    resident_services,
    mob_services,
    formation,
    dispatch,
    duty_services,
    planning_services,
    planning_jobs,
    attendance_services,
    calls,
    changes,
    reports,
    inspection_services,
    inspection_reminders,
    report_subscriptions,
    outreach_services,
    outreach_registry,
    round_doors,
    supply_services,
    stocktake,
    donation_services,
    requisition_services,
    help_stock,
    points,
    help_services,
    isolation,
    public,
    watch,
    patrol_services,
    patrol_missed_jobs,
    notice_services,
    answer_services,
]
WRITES = [
    "help_open",
    "help_claim",
    "help_release",
    "help_set_off",
    "help_deliver",
    "help_confirm",
    "help_close",
    "help_cancel",
    "purchase_record",
    "repaid_mark",
    "ledger_mark",
    "isolation_report",
    "watch_record",
    "resident_help_open",
    "resident_confirm",
    "stock_receive",
    "stock_issue",
    "stock_adjust",
    "transfer_send",
    "transfer_receive",
    "stocktake_apply",
    "warehouse_create",
    "point_set",
    "point_remove",
    "record_use",
    "record_area_use",
    "donor_register",
    "donation_receive_goods",
    "donation_receive_cash",
    "donation_purchase",
    "requisition_create",
    "requisition_edit",
    "requisition_submit",
    "requisition_decide",
    "requisition_ship",
    "requisition_receive",
    "requisition_cancel",
    "help_issue_from_stock",
    "user_create",
    "role_grant",
    "api_token_create",
    "api_token_revoke",
    "user_set_language",
    "place_create",
    "zone_set",
    "zone_lift",
    "resident_create",
    "resident_update",
    "resident_move",
    "resident_set_status",
    "staff_register",
    "volunteer_vet",
    "order_issue",
    "order_close",
    "enlist",
    "sign_up",
    "report_in_batch",
    "report_in",
    "release",
    "need_declare",
    "redistribute",
    "team_draft_create",
    "team_draft_swap",
    "team_draft_confirm",
    "batch_dispatch",
    "batch_rotate",
    "pairing_create",
    "pairing_end",
    "post_create",
    "shift_add",
    "requirement_set",
    "rules_set",
    "duty_request_add",
    "roster_generate",
    "roster_job_start",
    "roster_publish",
    "roster_discard",
    "roster_replan",
    "assignment_add",
    "assignment_remove",
    "check_in",
    "check_out",
    "attendance_manual",
    "attendance_batch",
    "call_create",
    "call_answer",
    "call_close",
    "swap_request",
    "sick_report",
    "change_decide",
    "change_cancel",
    "plan_create",
    "premises_create",
    "visit_record",
    "rectification_create",
    "rectification_follow_up",
    "rectification_close",
    "checklist_create",
    "finding_photo_add",
    "notify_overdue",
    "area_create",
    "areas_for_buildings",
    "area_retire",
    "round_record",
    "finding_record",
    "finding_assign",
    "finding_resolve",
    "flag_missed",
    "subscribe",
    "unsubscribe",
    "deliver",
    "notice_create",
    "notice_edit",
    "notice_attach",
    "notice_publish",
    "notice_withdraw",
    "answer_save",
    "answer_check",
    "answer_retire",
    "hotline_log",
    "answer_from_call",
    "campaign_create",
    "campaign_add_tasks",
    "campaign_questions_set",
    "campaign_set_status",
    "buildings_assign",
    "outcome_record",
    "task_cancel",
    "door_outcome_record",
    "tasks_add",
    "proposal_confirm",
    "proposal_reject",
]
# Who acts, where not the HQ: people do some things only for themselves.
BY_THE_CADRE = [
    "sign_up",
    "check_in",
    "check_out",
    "call_answer",
    "swap_request",
    "sick_report",
    "change_cancel",
    "help_claim",
    "help_release",
    "help_set_off",
    "help_deliver",
    "purchase_record",
    "repaid_mark",
    "isolation_report",
    "watch_record",
]
# Help requests are managed by the community's staff (the city HQ only views them).
BY_THE_COMMUNITY_STAFF = ["help_open", "help_confirm", "help_close", "help_cancel", "ledger_mark"]
# The resident's own public page: no login, so the audit row names no actor.
RESIDENT = "resident"
BY_THE_RESIDENT = ["resident_help_open", "resident_confirm"]
# The worker's periodic jobs: no actor either.
BY_THE_WORKER = ["notify_overdue", "deliver", "flag_missed"]
ACTORS = (
    dict.fromkeys(BY_THE_CADRE, "cadre")
    | dict.fromkeys(BY_THE_WORKER, RESIDENT)
    | dict.fromkeys(BY_THE_COMMUNITY_STAFF, "staff_a")
    | dict.fromkeys(BY_THE_RESIDENT, RESIDENT)
)
# Writes that also run another audited service: a sick report proposes a re-plan.
ALSO_AUDITED = {
    "sick_report": {"duty.roster_replan"},
    "pairing_end": {"mobilization.pairing.create"},
    # Each line of a donation in kind or a purchase is a receipt into the warehouse.
    "donation_receive_goods": {"supplies.stock.receive"},
    "donation_purchase": {"supplies.stock.receive"},
    # Shipping and receiving a requisition send and receive its transfers; the one-tap issue
    # to a help request is a stock issue.
    "requisition_ship": {"supplies.transfer.send"},
    "requisition_receive": {"supplies.transfer.receive"},
    "help_issue_from_stock": {"supplies.stock.issue"},
    # Confirming a new arrival registers the resident.
    "proposal_confirm": {"residents.resident.create"},
}
# Services made only of other audited services, checked where they are tested: `shequ init`
# (place_create, user_create, role_grant) runs on an empty database only
# (tests/places/test_cli_city.py).
# Writes made of several audited rows: sending a building's missed to the door and asking
# for home visits make the round's campaign (once) and a task each (one row each, checked in
# tests/outreach and tests/testing); giving a route to a team sets its building's assignment.
# The worker's roster job saves through planning's audited keep_generated (tests/duty/
# test_roster_jobs.py).
COMPOSED = {
    "city_init",
    "missed_send",
    "home_tasks_create",
    "home_tasks_assign",
    "run_roster_job",
}


@pytest.mark.parametrize("name", WRITES)
def test_each_service_write_leaves_exactly_one_matching_audit_event(db, personas, city, name):
    writes = _writes(personas, city)
    action, call, place = writes[name]
    if name == "api_token_revoke":
        writes["api_token_create"][1]()
    AuditEvent.objects.all().delete()
    obj = call()
    if isinstance(obj, StatusPeriod):  # a status change is audited on the resident
        obj = obj.resident
    also = ALSO_AUDITED.get(name, set())
    assert {e.action for e in AuditEvent.objects.all()} >= also
    events = [e for e in AuditEvent.objects.all() if e.action not in also]
    assert len(events) == 1, [e.action for e in events]
    event = events[0]
    assert event.action == action
    assert event.object_id == str(obj.pk)
    assert event.object_type == obj._meta.label_lower
    who = ACTORS.get(name, "hq")
    assert event.actor == (None if who == RESIDENT else getattr(personas, who))
    assert event.place == (obj if place == "self" else place)


def test_every_transactional_service_is_in_the_audit_test():
    """A new service that writes must be added above, so its audit row is checked."""
    found = {
        name
        for module in SERVICE_MODULES
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__
        and not name.startswith("_")
        # @transaction.atomic, or a `with transaction.atomic():` after a read-only phase
        # (the solvers run before the write transaction: see planning.roster_generate).
        and (hasattr(fn, "__wrapped__") or "transaction.atomic()" in inspect.getsource(fn))
    }
    assert found - COMPOSED == set(WRITES)


def test_audit_refuses_to_write_outside_a_transaction(transactional_db):
    user = make_user("li")
    with pytest.raises(RuntimeError, match="transaction"):
        audit.record(actor=None, action="x", obj=user)


def test_an_audit_row_rolls_back_with_its_change(db):
    def create_then_fail():
        with transaction.atomic():
            make_user("li")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        create_then_fail()
    assert not AuditEvent.objects.exists()


def test_phone_in_the_audit_log_is_masked(db, personas):
    event = AuditEvent.objects.get(action="core.user.create", object_id=str(personas.street.pk))
    assert event.changes["phone"] == "138****0001"
