"""GB 11643 resident ID numbers: the check digit, and a clear reason for every wrong number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shequ.residents.idcard import (
    CHECK_CHARS,
    PROVINCES,
    check_char,
    gender_of,
    id_number_problem,
)
from tests.residents.factories import id_number

TODAY = dt.date(2026, 6, 1)

first17s = st.builds(
    lambda province, area, born, seq: f"{province}{area}{born:%Y%m%d}{seq}",
    st.sampled_from(sorted(PROVINCES)),
    st.from_regex(r"\A(0[1-9]|[1-9][0-9])[0-9]{2}\Z"),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.from_regex(r"\A[0-9]{3}\Z"),
)


@given(first17=first17s)
def test_any_number_completed_with_its_check_char_is_valid(first17):
    assert id_number_problem(first17 + check_char(first17), today=TODAY) is None


@given(first17=first17s, data=st.data())
def test_changing_any_one_character_makes_the_number_invalid(first17, data):
    number = first17 + check_char(first17)
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    alphabet = CHECK_CHARS if position == 17 else "0123456789"
    replacement = data.draw(
        st.sampled_from([c for c in alphabet if c != number[position]]), label="replacement"
    )
    changed = number[:position] + replacement + number[position + 1 :]
    assert id_number_problem(changed, today=TODAY) is not None


def test_a_lower_case_x_check_char_is_accepted():
    for seq in range(200):
        first17 = f"629999198005170{seq:02d}"[:17]
        if check_char(first17) == "X":
            assert id_number_problem(first17 + "x", today=TODAY) is None
            return
    pytest.fail("no number with check char X in the sample")  # pragma: no cover


def test_the_sequence_digit_tells_the_gender():
    assert gender_of(id_number(seq=13)) == "male"
    assert gender_of(id_number(seq=24)) == "female"


VALID = id_number(dt.date(1980, 5, 17), seq=13)


def _with_check(first17: str) -> str:
    return first17 + check_char(first17)


REJECTIONS = [
    pytest.param("629999800517013", {}, "old 15-digit", id="old-15-digit-number"),
    pytest.param(VALID[:-1], {}, "18 characters; this one has 17", id="too-short"),
    pytest.param(VALID + "1", {}, "18 characters; this one has 19", id="too-long"),
    pytest.param("62999919800517A13" + "1", {}, "17 digits and then a digit or X", id="letters"),
    pytest.param(_with_check("999999198005170131"[:17]), {}, "region code", id="bad-province"),
    pytest.param(_with_check("620099198005170131"[:17]), {}, "region code", id="zero-city"),
    pytest.param(_with_check("62999919800231013"), {}, "real birth date", id="impossible-date"),
    pytest.param(_with_check("62999920990101013"), {}, "real birth date", id="future-date"),
    pytest.param(_with_check("62999918991231013"), {}, "real birth date", id="before-1900"),
    pytest.param(
        VALID,
        {"birth_date": dt.date(1980, 5, 18)},
        "born 1980-05-17 but the birth date given is 1980-05-18",
        id="birth-date-mismatch",
    ),
    pytest.param(
        VALID[:-1] + CHECK_CHARS[(CHECK_CHARS.index(VALID[-1]) + 1) % 11],
        {},
        "check digit",
        id="check-digit",
    ),
]


@pytest.mark.parametrize(("number", "extra", "words"), REJECTIONS)
def test_each_wrong_number_is_refused_with_its_own_reason(number, extra, words):
    with translation.override("en"):
        problem = id_number_problem(number, today=TODAY, **extra)
    assert problem is not None
    assert words in problem


def test_every_reason_is_a_different_message_in_the_default_language():
    messages = {
        id_number_problem(p.values[0], today=TODAY, **p.values[1])
        for p in REJECTIONS
        if p.id not in {"too-long", "zero-city", "future-date", "before-1900"}
    }
    assert None not in messages
    assert len(messages) == 7


def test_the_matching_birth_date_is_accepted():
    assert id_number_problem(VALID, birth_date=dt.date(1980, 5, 17), today=TODAY) is None


def test_spaces_around_the_number_do_not_matter():
    assert id_number_problem(f"  {VALID} ", today=TODAY) is None
