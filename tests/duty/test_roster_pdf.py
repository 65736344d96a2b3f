"""The published roster printed for the wall: an A4 landscape PDF, a week to a table, with
the posts, shifts and names; only a published roster, only for those who see its duty."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from django.urls import reverse

from shequ.duty.models import Roster, RosterStatus
from tests.duty.helpers import run_roster_jobs

pytestmark = pytest.mark.django_db


def _roster(client, login, personas, city, duty, days: int = 7, publish: bool = True) -> Roster:
    login(personas.staff_a)
    client.post(
        reverse("duty:roster_new"),
        {"place": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": days},
    )
    run_roster_jobs()
    roster = Roster.objects.get(place=city.a)
    if publish:
        client.post(reverse("duty:roster_action", args=[roster.pk, "publish"]))
        roster.refresh_from_db()
        assert roster.status == RosterStatus.PUBLISHED
    return roster


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_a_published_roster_prints_on_a4_landscape_with_posts_and_names(
    client, login, personas, city, duty
) -> None:
    roster = _roster(client, login, personas, city, duty)
    page = client.get(reverse("duty:roster", args=[roster.pk])).content.decode()
    url = reverse("duty:roster_pdf", args=[roster.pk])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = " ".join(_pages(response.content))
    assert duty.gate.name in text
    assert "白班" in text
    assert "夜班" in text
    names = {a.staff.name for a in roster.assignments.select_related("staff")}
    assert names
    assert all(n in text for n in names)
    assert f"{duty.tomorrow:%m-%d}" in text


def test_a_long_roster_starts_a_page_a_week(client, login, personas, city, duty) -> None:
    roster = _roster(client, login, personas, city, duty, days=14)
    pages = _pages(client.get(reverse("duty:roster_pdf", args=[roster.pk])).content)
    assert len(pages) == 2
    assert "第1/2周" in pages[0]
    assert "第2/2周" in pages[1]
    eighth_day = roster.starts_on + dt.timedelta(days=7)
    assert f"{eighth_day:%m-%d}" in pages[1]
    assert f"{eighth_day:%m-%d}" not in pages[0]


def test_a_draft_roster_is_not_printed_and_has_no_print_link(
    client, login, personas, city, duty
) -> None:
    roster = _roster(client, login, personas, city, duty, publish=False)
    url = reverse("duty:roster_pdf", args=[roster.pk])
    assert client.get(url).status_code == 404
    assert (
        f'href="{url}"' not in client.get(reverse("duty:roster", args=[roster.pk])).content.decode()
    )


def test_another_community_cannot_print_the_roster(client, login, personas, city, duty) -> None:
    roster = _roster(client, login, personas, city, duty)
    login(personas.staff_b)
    assert client.get(reverse("duty:roster_pdf", args=[roster.pk])).status_code == 404
