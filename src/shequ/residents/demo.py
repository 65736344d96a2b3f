"""Synthetic residents for the demo city: deterministic, realistic in shape, nobody real.

ID numbers use region code 629999 (no such county exists), so no generated number can be a
real person's; phones start with 100, which is not a mobile range.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shequ.places.models import Place, PlaceKind
from shequ.residents.idcard import check_char
from shequ.residents.models import (
    DocumentType,
    Gender,
    HealthStatus,
    Occupancy,
    Relation,
    Resident,
    Tag,
    tags_to_bits,
)
from shequ.residents.services import resident_set_status

if TYPE_CHECKING:
    from shequ.core.models import User

REGION = "629999"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯秀云峰鑫"
    "琳欣怡晨阳佳思雨梓涵子轩浩然一诺雅婷志国春梅海燕德福兴旺小红淑珍"
)
FOREIGN_NAMES = ["John Smith", "Maria Garcia", "Anna Ivanova", "Kim Minjun", "Ali Hassan"]


def synthetic_id_number(rng: random.Random, born: dt.date, gender: str, used: set[str]) -> str:
    """A valid ID number in region 629999, which does not exist: nobody real has it."""
    while True:
        seq = rng.randrange(0, 500) * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"{REGION}{born:%Y%m%d}{seq:03d}"
        number = first17 + check_char(first17)
        if number not in used:
            used.add(number)
            return number


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _birth(rng: random.Random, today: dt.date, low: int, high: int) -> dt.date:
    return today - dt.timedelta(days=rng.randint(low * 365, high * 365 + 364))


@transaction.atomic
def add_demo_residents(*, count: int, seed: int, hq: User) -> int:
    """Fill the demo city's households with `count` residents (skips if any exist)."""
    if Resident.objects.exists() or count <= 0:
        return 0
    rng = random.Random(seed + 2)
    today = timezone.localdate()
    households = list(
        Place.objects.filter(kind=PlaceKind.HOUSEHOLD).order_by("path").values_list("pk", flat=True)
    )
    used: set[str] = set()
    rows: list[Resident] = []
    phone_seq = 0
    i = 0
    while len(rows) < count:
        household = households[i % len(households)]
        i += 1
        size = rng.choices([1, 2, 3, 4, 5, 6], weights=[12, 28, 26, 20, 10, 4])[0]
        size = min(size, count - len(rows))
        renter = rng.random() < 0.2
        for member in range(size):
            tags: list[str] = []
            doc_type = DocumentType.RESIDENT_ID
            if member == 0:
                relation, born = Relation.HEAD, _birth(rng, today, 25, 88)
            elif member == 1:
                relation, born = Relation.SPOUSE, _birth(rng, today, 25, 85)
            elif member in (2, 3):
                relation, born = Relation.CHILD, _birth(rng, today, 0, 30)
            else:
                relation, born = Relation.PARENT, _birth(rng, today, 60, 95)
            gender = rng.choice([Gender.MALE, Gender.FEMALE])
            age = (today - born).days // 365
            # Special populations, about 8 % in all.
            if size == 1 and age >= 70:
                tags.append(Tag.ELDERLY_ALONE)
            if age >= 75 and rng.random() < 0.08:
                tags.append(Tag.IMMOBILE)
            if age >= 50 and rng.random() < 0.04:
                tags.append(Tag.CHRONIC_ILLNESS)
            if rng.random() < 0.008:
                tags.append(Tag.DISABLED)
            if age < 2:
                tags.append(Tag.INFANT)
            if gender == Gender.FEMALE and 22 <= age <= 38 and rng.random() < 0.03:
                tags.append(Tag.PREGNANT)
            if rng.random() < 0.01:
                tags.append(Tag.RETURNEE)
            name = _name(rng)
            if rng.random() < 0.003:
                tags.append(Tag.FOREIGNER)
                doc_type = DocumentType.PASSPORT
                name = rng.choice(FOREIGN_NAMES)
                number = f"E{rng.randrange(10**7, 10**8)}"
                while number in used:
                    number = f"E{rng.randrange(10**7, 10**8)}"
                used.add(number)
            else:
                number = synthetic_id_number(rng, born, gender, used)
            phone = ""
            if age >= 16 and rng.random() < 0.9:
                phone_seq += 1
                phone = f"100{phone_seq:08d}"
            rows.append(
                Resident(
                    household_id=household,
                    name=name,
                    gender=gender,
                    birth_date=born,
                    document_type=doc_type,
                    document_number=number,
                    phone=phone,
                    relation=relation,
                    occupancy=Occupancy.RENTER if renter else Occupancy.OWNER,
                    tags=tags_to_bits(tags),
                )
            )
    Resident.objects.bulk_create(rows, batch_size=1000)
    # A few people in isolation or under monitoring, through the service (history + audit).
    step = max(1, count // 40)
    ids = list(Resident.objects.order_by("id").values_list("id", flat=True))[::step][:40]
    picked = list(Resident.objects.filter(id__in=ids).select_related("household"))
    statuses = [
        HealthStatus.HOME_ISOLATION,
        HealthStatus.HOME_MONITORING,
        HealthStatus.CLOSE_CONTACT,
        HealthStatus.CENTRAL_ISOLATION,
        HealthStatus.SECONDARY_CONTACT,
    ]
    now = timezone.now()
    for n, resident in enumerate(picked):
        resident_set_status(
            actor=hq,
            resident=resident,
            status=statuses[n % len(statuses)],
            starts_at=now - dt.timedelta(days=rng.randint(1, 6)),
            planned_end=today + dt.timedelta(days=rng.randint(1, 7)),
            reason="流调排查",
        )
    return len(rows)
