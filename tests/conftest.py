"""A small city and a cast of users shared by every app's tests.

    city C ─ district D1 ─ street S1 ─ community A ─ grid GA ─ compound KA (no property mgmt)
           │                        KA ─ building KA-1 ─ households KA-1-101, KA-1-102
           │                        KA ─ building KA-2
           │           D1 ─ street S2 ─ community B ─ grid GB ─ compound KB ─ KB-1 ─ KB-1-101
           └ district D2 ─ street S3

Personas: hq (city), district officer (D1), street officer (S1), street officer of S2,
community staff of A, of B, cadre (A), agency coordinator, outsider (no role).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from shequ.core import services as core_services
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.mobilization.models import Agency, AgencyLevel
from shequ.places import services as place_services
from shequ.places.models import Place, PlaceKind

# No test may depend on the machine's speed: Hypothesis' per-example deadline is one such
# timing assertion (a loaded 2-core machine missed it), so it is off for every property test;
# a failure prints the blob that replays it (@reproduce_failure).
hypothesis_settings.register_profile("shequ", deadline=None, print_blob=True)
hypothesis_settings.load_profile("shequ")

PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser and PostgreSQL-only tests run only when asked for (make test asks)."""
    run_e2e = os.environ.get("SHEQU_E2E") == "1"
    run_pg = os.environ.get("SHEQU_TEST_PG") == "1"
    for item in items:
        path = str(item.fspath)
        if "/tests/e2e/" in path and not run_e2e:
            item.add_marker(pytest.mark.skip(reason="browser tests need SHEQU_E2E=1"))
        if "/tests/pg/" in path and not run_pg:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL tests need SHEQU_TEST_PG=1"))


@pytest.fixture(autouse=True)
def _fast_hashing(settings: pytest.FixtureRequest) -> None:
    # Argon2 is the real hasher (tested in tests/core/test_users.py); MD5 keeps setup fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The officers' today reads its figures afresh (a cache would outlive a test's data).
    settings.TODAY_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language (zh-Hans): a request through the locale
    middleware or a CLI run in another language leaves it active in the thread, and a service
    called directly in the next test would answer in it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _audit_needs_its_own_transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test's own transaction does not count as the service's (core.audit): audit rows
    written outside a service's transaction.atomic() fail here as in production."""
    from django.db import connection

    from shequ.core import audit

    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    audit.OUTER_ATOMIC_BLOCKS = len(connection.atomic_blocks)
    yield
    audit.OUTER_ATOMIC_BLOCKS = 0


def make_place(kind: str, code: str, name: str, parent: Place | None = None, **kw) -> Place:
    return place_services.place_create(
        actor=None, kind=kind, code=code, name=name, parent=parent, **kw
    )


@pytest.fixture
def city(db) -> SimpleNamespace:
    c = make_place(PlaceKind.CITY, "C", "测试市")
    d1 = make_place(PlaceKind.DISTRICT, "D1", "东区", c)
    d2 = make_place(PlaceKind.DISTRICT, "D2", "西区", c)
    s1 = make_place(PlaceKind.STREET, "S1", "一街道", d1)
    s2 = make_place(PlaceKind.STREET, "S2", "二街道", d1)
    s3 = make_place(PlaceKind.STREET, "S3", "三街道", d2)
    a = make_place(PlaceKind.COMMUNITY, "A", "甲社区", s1)
    b = make_place(PlaceKind.COMMUNITY, "B", "乙社区", s2)
    ga = make_place(PlaceKind.GRID, "GA", "甲网格", a)
    gb = make_place(PlaceKind.GRID, "GB", "乙网格", b)
    ka = make_place(PlaceKind.COMPOUND, "KA", "甲小区", ga, no_property_management=True)
    kb = make_place(PlaceKind.COMPOUND, "KB", "乙小区", gb)
    ka1 = make_place(PlaceKind.BUILDING, "KA-1", "1号楼", ka)
    ka2 = make_place(PlaceKind.BUILDING, "KA-2", "2号楼", ka)
    kb1 = make_place(PlaceKind.BUILDING, "KB-1", "1号楼", kb)
    ha1 = make_place(PlaceKind.HOUSEHOLD, "KA-1-101", "101室", ka1)
    ha2 = make_place(PlaceKind.HOUSEHOLD, "KA-1-102", "102室", ka1)
    hb1 = make_place(PlaceKind.HOUSEHOLD, "KB-1-101", "101室", kb1)
    return SimpleNamespace(**{k: v for k, v in locals().items() if isinstance(v, Place)})


def make_user(username: str, role: str | None = None, place=None, agency=None, **kw) -> User:
    user = core_services.user_create(
        actor=None, username=username, password=PASSWORD, check_password=False, **kw
    )
    if role:
        core_services.role_grant(actor=None, user=user, role=role, place=place, agency=agency)
    return user


@dataclass
class Personas:
    hq: User
    district: User
    street: User
    other_street: User
    staff_a: User
    staff_b: User
    cadre: User
    coordinator: User
    outsider: User


@pytest.fixture
def personas(city: SimpleNamespace) -> Personas:
    agency = Agency.objects.create(code="AG1", name="测试厅", level=AgencyLevel.PROVINCE)
    return Personas(
        hq=make_user("hq", Role.CITY_HQ, city.c),
        district=make_user("district", Role.DISTRICT_OFFICER, city.d1),
        street=make_user("street", Role.STREET_OFFICER, city.s1, phone="13800000001"),
        other_street=make_user("street2", Role.STREET_OFFICER, city.s2),
        staff_a=make_user("staff_a", Role.COMMUNITY_STAFF, city.a),
        staff_b=make_user("staff_b", Role.COMMUNITY_STAFF, city.b),
        cadre=make_user("cadre", Role.CADRE, city.a),
        coordinator=make_user("coord", Role.AGENCY_COORDINATOR, agency=agency),
        outsider=make_user("outsider", language="en"),
    )


@pytest.fixture
def english(client):
    """Messages in English (the msgids, whatever the catalogue says): in the test's own calls
    and in every request of the test client. Use `pytest.mark.usefixtures("english")`."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    """Log a persona in on the Django test client: `login(personas.street)`."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api(client):
    """Call the API as a persona with a real bearer token: `api(user).get('/api/v1/places')`."""

    class _Api:
        def __init__(self, token: str):
            self.headers = {"Authorization": f"Bearer {token}"}

        def get(self, path: str, **params):
            return client.get(path, params, headers=self.headers)

        def post(self, path: str, body=None, raw: str | None = None):
            data = raw if raw is not None else json.dumps(body or {})
            return client.post(path, data, content_type="application/json", headers=self.headers)

    def _for(user: User) -> _Api:
        _token, secret = core_services.api_token_create(actor=None, user=user, name="test")
        return _Api(secret)

    return _for


@pytest.fixture
def outbox():
    """The texts sent to phones during the test (shequ.notify.phone), emptied first."""
    from shequ.notify.phone import OUTBOX

    OUTBOX.clear()
    yield OUTBOX
    OUTBOX.clear()


def last_code(outbox, phone: str) -> str:
    """The 6-digit code in the latest text to `phone`."""
    import re

    texts = [t.text for t in outbox if t.phone == phone]
    assert texts, f"no text was sent to {phone}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)
