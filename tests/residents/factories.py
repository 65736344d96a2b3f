"""Synthetic residents for tests: region 629999 does not exist and phones start with 100,
so no value here can be a real person's."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from shequ.residents.idcard import check_char
from shequ.residents.models import DocumentType, Gender, Resident

REGION = "629999"
_sequence = itertools.count(1)


def id_number(born: dt.date = dt.date(1980, 5, 17), seq: int | None = None) -> str:
    """A valid 18-character ID number in the made-up region 629999."""
    seq = next(_sequence) % 1000 if seq is None else seq
    first17 = f"{REGION}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def phone(n: int) -> str:
    """An 11-digit number in the unused 100 range."""
    return f"100{n:08d}"


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Sequence(lambda n: f"居民{n}")
    gender = Gender.MALE
    birth_date = dt.date(1980, 5, 17)
    document_type = DocumentType.RESIDENT_ID
    document_number = factory.LazyAttribute(lambda o: id_number(o.birth_date))
    phone = factory.Sequence(lambda n: phone(50_000_000 + n))
