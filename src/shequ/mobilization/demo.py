"""Demo mobilization: agencies, cadres, volunteers, an open order, report-ins and needs.

Synthetic people only: ID numbers in the non-existent region 629999, phones starting 100.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shequ.core import batches
from shequ.core.models import User
from shequ.mobilization import selectors, services
from shequ.mobilization.models import (
    Agency,
    AgencyLevel,
    Enlistment,
    Need,
    Order,
    Rank,
    Skill,
    Staff,
    StaffKind,
    Vetting,
    skills_to_bits,
)
from shequ.places.models import Place, PlaceKind
from shequ.residents.demo import GIVEN, SURNAMES, synthetic_id_number

if TYPE_CHECKING:
    pass

AGENCY_WORDS = [
    "发展和改革",
    "教育",
    "科学技术",
    "工业和信息化",
    "民族事务",
    "公安",
    "民政",
    "司法",
    "财政",
    "人力资源和社会保障",
    "自然资源",
    "生态环境",
    "住房和城乡建设",
    "交通运输",
    "水利",
    "农业农村",
    "商务",
    "文化和旅游",
    "卫生健康",
    "退役军人事务",
    "应急管理",
    "审计",
    "外事",
    "国有资产监督管理",
    "市场监督管理",
    "广播电视",
    "体育",
    "统计",
    "医疗保障",
    "林业和草原",
    "粮食和物资储备",
    "地方金融监督管理",
    "乡村振兴",
    "信访",
    "机关事务管理",
    "档案",
    "气象",
    "地震",
    "供销合作",
    "科学院",
]
SUFFIXES = ["厅", "局", "委员会", "办公室"]
RANK_WEIGHTS = [(Rank.TING, 2), (Rank.CHU, 22), (Rank.KE, 30), (Rank.KEYUAN, 40), (Rank.OTHER, 6)]


@transaction.atomic
def add_demo_mobilization(*, seed: int, hq: User, cadres: int = 3000) -> dict[str, int]:
    """Build the demo's mobilization data once (skips when an order exists)."""
    if Order.objects.exists():
        return {}
    rng = random.Random(seed + 3)
    existing = set(Agency.objects.values_list("code", flat=True))
    agencies = list(Agency.objects.all())
    n = 0
    while len(agencies) < 110:
        word = AGENCY_WORDS[n % len(AGENCY_WORDS)]
        level = AgencyLevel.PROVINCE if n < 60 else AgencyLevel.CITY
        prefix = "示范省" if level == AgencyLevel.PROVINCE else "示范市"
        code = f"A{n:03d}"
        n += 1
        if code in existing:
            continue
        agencies.append(
            Agency.objects.create(
                code=code,
                name=f"{prefix}{word}{SUFFIXES[n % len(SUFFIXES)]}",
                level=level,
            )
        )
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("path"))
    used: set[str] = set()
    now = timezone.now()
    rows: list[Staff] = []
    for i in range(cadres + 300):
        volunteer = i >= cadres
        female = rng.random() < 0.4
        year = rng.randint(1964, 2001)
        rank = (
            Rank.OTHER
            if volunteer
            else rng.choices([r for r, _ in RANK_WEIGHTS], [w for _, w in RANK_WEIGHTS])[0]
        )
        skills = [s for s in Skill.values if rng.random() < 0.12]
        rows.append(
            Staff(
                kind=StaffKind.VOLUNTEER if volunteer else StaffKind.CADRE,
                name=rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                id_number=synthetic_id_number(
                    rng,
                    dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                    "female" if female else "male",
                    used,
                ),
                phone=f"101{i:08d}",
                agency=None if volunteer else agencies[rng.randrange(len(agencies))],
                rank=rank,
                party_member=rng.random() < (0.5 if volunteer else 0.75),
                birth_year=year,
                gender="female" if female else "male",
                skills=skills_to_bits(skills),
                residence_community=communities[rng.randrange(len(communities))],
                vetting=Vetting.PENDING if volunteer and rng.random() < 0.2 else Vetting.APPROVED,
            )
        )
    Staff.objects.bulk_create(rows, batch_size=1000)
    order = services.order_issue(
        actor=hq,
        title="关于组织机关干部下沉社区参与疫情防控的紧急通知",
        scope=Place.objects.get(kind=PlaceKind.CITY),
        deadline=now + dt.timedelta(hours=12),
        message="请各单位组织干部于今日内到居住地社区报到，服从社区统一安排。",
    )
    staff = list(Staff.objects.filter(kind=StaffKind.CADRE).order_by("id"))
    services.enlist(actor=hq, order=order, staff=staff)
    enlistments = list(Enlistment.objects.filter(order=order).order_by("id"))
    arriving = [e for e in enlistments if rng.random() < 0.45]
    items = [
        {"client_uuid": str(uuid.UUID(int=rng.getrandbits(128))), "token": e.token}
        for e in arriving
    ]
    # As a device would: a batch holds at most batches.MAX_ITEMS (3,000 cadres bring ~1,350).
    size = batches.MAX_ITEMS
    for start in range(0, len(items), size):
        services.report_in_batch(actor=hq, items=items[start : start + size])
    # Spread the demo's arrivals over the morning so the per-hour chart has a shape.
    for e in Enlistment.objects.filter(pk__in=[a.pk for a in arriving]):
        e.reported_at = now - dt.timedelta(minutes=int(rng.triangular(0, 480, 150)))
        e.save(update_fields=["reported_at"])
    today = timezone.localdate()
    Need.objects.bulk_create(
        [
            Need(
                community=c,
                people_per_day=rng.choice([30, 40, 50, 60, 80]),
                skills=skills_to_bits([Skill.DRIVING] if rng.random() < 0.3 else []),
                starts_on=today - dt.timedelta(days=1),
                ends_on=today + dt.timedelta(days=13),
                note="卡口值守、核酸秩序维护、物资配送",
                created_by=hq,
            )
            for c in communities
        ]
    )
    teams = _demo_teams(hq=hq, order=order)
    _demo_pairing(hq=hq, order=order, rng=rng)
    return {
        "agency": len(agencies),
        "cadre": cadres,
        "volunteer": 300,
        "reported_in": len(arriving),
        "team": teams,
    }


def _demo_teams(*, hq: User, order: Order) -> int:
    """A hundred teams of three from the reported-in cadres, confirmed."""
    from shequ.mobilization import formation

    if not selectors.pool_of(hq, order).exists():
        return 0
    # A hundred teams: the rest of who reported in stays free, as on a real first morning.
    rules = formation.rules_from(size=3, time_limit_s=5, team_count=100)
    draft = formation.team_draft_create(actor=hq, order=order, rules=rules)
    return len(formation.team_draft_confirm(actor=hq, draft=draft))


def _demo_pairing(*, hq: User, order: Order, rng: random.Random) -> None:
    """对点支援: the demo agency is paired with a locked-down compound and sends 第一批."""
    from shequ.mobilization import dispatch
    from shequ.places.models import ZoneDesignation

    agency = Agency.objects.filter(code="A-RS").first()
    lockdown = (
        ZoneDesignation.objects.filter(
            level="lockdown", ends_at__isnull=True, place__kind=PlaceKind.COMPOUND
        )
        .select_related("place")
        .first()
    )
    if agency is None or lockdown is None:
        return
    dispatch.pairing_create(
        actor=hq, agency=agency, place=lockdown.place, starts_on=timezone.localdate()
    )
    people = list(
        Staff.objects.filter(
            agency=agency,
            enlistments__order=order,
            enlistments__state__in=["reported_in", "assigned"],
        ).order_by("id")[:10]
    )
    if people:
        now = timezone.now()
        dispatch.batch_dispatch(
            actor=hq,
            order=order,
            name="第一批",
            place=lockdown.place,
            staff=people,
            starts_at=now,
            ends_at=now + dt.timedelta(days=3),
        )


def link_demo_person(*, user: User, community: Place, order: Order | None = None) -> Staff | None:
    """Give the demo 'cadre' login a staff record, signed up and not yet reported in, living in
    the demo community, so the QR → check-in journey can be tried at once."""
    staff = Staff.objects.filter(user=user).first()
    if staff is not None:
        return staff
    staff = (
        Staff.objects.filter(kind=StaffKind.CADRE, user__isnull=True, residence_community=community)
        .exclude(enlistments__state__in=["reported_in", "assigned"])
        .first()
    )
    if staff is None:
        return None
    staff.user = user
    staff.name = user.display_name or staff.name
    staff.save(update_fields=["user", "name"])
    return staff
