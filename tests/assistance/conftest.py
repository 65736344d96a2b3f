"""Help requests over the shared city: households KA-1-101/102 in community A, KB-1-101 in B;
a second cadre of A."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shequ.assistance import services
from shequ.assistance.models import Channel, HelpKind
from shequ.core.roles import Role
from tests.conftest import make_user


def open_request(actor, household, kind=HelpKind.WATER, **kw):
    return services.help_open(
        actor=actor,
        household=household,
        kind=kind,
        details=kw.pop("details", "两桶水"),
        channel=kw.pop("channel", Channel.HOTLINE),
        **kw,
    )


@pytest.fixture
def helpers(personas, city) -> SimpleNamespace:
    return SimpleNamespace(
        cadre2=make_user("cadre2", Role.CADRE, city.a),
        cadre_b=make_user("cadre_b", Role.CADRE, city.b),
        volunteer=make_user("vol", Role.VOLUNTEER, city.a),
    )
