"""Chinese resident ID numbers (居民身份证号码), GB 11643-1999.

18 characters: a 6-digit region code, the birth date YYYYMMDD, a 3-digit sequence (odd for
men, even for women) and a check character computed with ISO 7064 MOD 11-2 ('X' stands for 10).
"""

from __future__ import annotations

import datetime as dt
import re
from operator import mul

from django.utils.translation import gettext as _

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
CHECK_CHARS = "10X98765432"
_ZERO_WEIGHT = ord("0") * sum(WEIGHTS)
# First two digits: provinces, autonomous regions, municipalities, HK/Macau/Taiwan residents.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The 18th character for the first 17 digits."""
    if len(first17) != len(WEIGHTS):
        raise ValueError(first17)
    if first17.isascii() and first17.isdigit():
        # The digits' bytes are 48 + the digit: one C loop over them, 48 × ΣW taken off.
        total = sum(map(mul, first17.encode(), WEIGHTS)) - _ZERO_WEIGHT
    else:
        total = sum(map(mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def birth_date_of(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_number_problem(
    number: str, *, birth_date: dt.date | None = None, today: dt.date | None = None
) -> str | None:
    """Why `number` is not a valid ID number (in the user's language), or None if it is."""
    number = (number or "").strip().upper()
    if len(number) == 15 and number.isdigit():
        return _("This is an old 15-digit ID number; enter the 18-digit one.")
    if len(number) != 18:
        return _("An ID number has 18 characters; this one has %d.") % len(number)
    if not SHAPE.match(number):
        return _("An ID number is 17 digits and then a digit or X.")
    if number[:2] not in PROVINCES or number[2:4] == "00":
        return _("The first 6 digits are not a region code (e.g. 620102).")
    born = birth_date_of(number)
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1900:
        return _("Digits 7–14 must be a real birth date (YYYYMMDD).")
    if birth_date is not None and birth_date != born:
        return _("The ID number says born %(id)s but the birth date given is %(given)s.") % {
            "id": born.isoformat(),
            "given": birth_date.isoformat(),
        }
    if check_char(number[:17]) != number[17]:
        return _("The last character does not match (check digit); check the number for typos.")
    return None


def gender_of(number: str) -> str:
    """'male' or 'female' from the sequence digit (odd: male)."""
    return "male" if int(number[16]) % 2 else "female"
