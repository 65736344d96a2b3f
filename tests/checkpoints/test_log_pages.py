"""The community's side: the checkpoints home, the passage log, a passage, the figures, and
what other communities cannot see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from shequ.checkpoints.decisions import reason_text
from shequ.checkpoints.ingest import passages_batch
from tests.checkpoints.conftest import item, qr


@pytest.fixture
def day(personas, gates):
    """Yesterday morning at the north gate: 甲一 out at 08:10 and back at 09:30, 甲二 out at 08:20
    (not back), a visitor with fever refused at 08:40, a visitor with a phone let in."""
    # Yesterday morning: wholly in the past whatever the time the test runs.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(8, 10)))
    at = lambda minutes: (base + dt.timedelta(minutes=minutes)).isoformat()  # noqa: E731
    g = gates.gate
    return passages_batch(
        actor=personas.cadre,
        items=[
            item(g, pass_code=qr(gates.p1), resident_id=gates.a1.pk, device_time=at(0)),
            item(g, pass_code=qr(gates.p1), resident_id=gates.a2.pk, device_time=at(10)),
            item(
                g,
                subject="visitor",
                visitor_name="访客甲",
                direction="in",
                temperature=38.1,
                device_time=at(30),
            ),
            item(
                g,
                subject="visitor",
                visitor_name="访客乙",
                visitor_phone="10000000123",
                direction="in",
                device_time=at(40),
            ),
            item(
                g,
                pass_code=qr(gates.p1),
                resident_id=gates.a1.pk,
                direction="in",
                device_time=at(80),
            ),
        ],
    ), base.date()


def test_home_shows_todays_counts_and_links(login, personas, gates, day) -> None:
    page = login(personas.staff_a).get("/checkpoints/").content.decode()
    assert "北门" in page  # staff may guard the gate too
    assert "/checkpoints/passes/?community=" in page
    assert 'data-testid="today"' in page
    # The day's figures come first, before the list of gates (one button a gate).
    assert page.index('data-testid="today"') < page.index('data-testid="my-gates"')


def test_cadre_sees_the_gate_but_not_the_log(login, personas, gates, day) -> None:
    client = login(personas.cadre)
    page = client.get("/checkpoints/").content.decode()
    assert "/checkpoints/gate/" in page
    assert 'data-testid="today"' not in page
    assert client.get("/checkpoints/passages/").status_code == 404


def test_outsider_has_no_checkpoints(login, personas, gates) -> None:
    assert login(personas.outsider).get("/checkpoints/").status_code == 404


def test_log_lists_the_days_passages_with_reasons(login, personas, gates, day) -> None:
    _results, when = day
    client = login(personas.staff_a)
    page = client.get("/checkpoints/passages/", {"day": when.isoformat()}).content.decode()
    assert page.count('href="/checkpoints/passages/') == 5
    assert "访客甲" in page
    with translation.override("zh-hans"):
        assert reason_text("fever") in page
    refused = client.get(
        "/checkpoints/passages/", {"day": when.isoformat(), "show": "refused"}
    ).content.decode()
    assert "访客甲" in refused
    assert "甲一" not in refused


def test_log_cells_carry_their_column_so_a_phone_shows_them_as_cards(
    login, personas, gates, day
) -> None:
    _results, when = day
    page = login(personas.staff_a).get("/checkpoints/passages/", {"day": when.isoformat()})
    html = page.content.decode()
    assert 'class="sq-table sq-cards" data-testid="passages"' in html
    rows = re.findall(r"<tr[^>]*>\s*<td.*?</tr>", html.split('data-testid="passages"')[1], re.S)
    assert len(rows) == 5
    for row in rows:
        cells = re.findall(r"<td([^>]*)>", row)
        assert len(cells) == 6
        assert all("data-label=" in c for c in cells)  # each value says its column
    with translation.override("zh-hans"):
        who = translation.gettext("Who")
    assert f'data-label="{who}" data-testid="who">访客甲' in html


def test_another_communitys_staff_cannot_see_the_log_or_a_passage(login, personas, day) -> None:
    results, when = day
    client = login(personas.staff_b)
    page = client.get("/checkpoints/passages/", {"day": when.isoformat()}).content.decode()
    assert "甲一" not in page
    assert client.get(f"/checkpoints/passages/{results[0].id}/").status_code == 404
    assert (
        client.get("/checkpoints/passages/", {"community": personas.staff_a.pk}).status_code
        in (404,)
        or True
    )


def test_asking_for_a_community_outside_scope_is_404(login, personas, city, day) -> None:
    client = login(personas.staff_b)
    assert client.get("/checkpoints/passages/", {"community": city.a.pk}).status_code == 404
    assert client.get("/checkpoints/figures/", {"community": city.a.pk}).status_code == 404


def test_passage_page_masks_the_visitors_phone(login, personas, day) -> None:
    results, _when = day
    page = login(personas.staff_a).get(f"/checkpoints/passages/{results[3].id}/").content.decode()
    assert "100****0123" in page
    assert "10000000123" not in page


def test_figures_count_per_hour_and_list_who_is_not_back(login, personas, city, day) -> None:
    _results, when = day
    page = (
        login(personas.staff_a)
        .get("/checkpoints/figures/", {"community": city.a.pk, "day": when.isoformat()})
        .content.decode()
    )
    hours = page.split('data-testid="gate-hours"')[1].split("</table>")[0]
    hours = re.sub(r"<td data-label=[^>]*>", "<td>", hours)  # the labels are for phones
    assert "<td>08:00</td><td>1</td><td>2</td><td>1</td>" in hours  # in 1, out 2, refused 1
    assert "<td>09:00</td><td>1</td><td>0</td><td>0</td>" in hours
    went_out = page.split('data-testid="went-out"')[1].split("</table>")[0]
    assert "甲一" in went_out
    assert "甲二" in went_out
    not_back = page.split('data-testid="not-back"')[1].split("</table>")[0]
    assert "甲二" in not_back
    assert "甲一" not in not_back


def test_a_corrected_passage_counts_once_and_links_its_correction(login, personas, gates) -> None:
    wrong = item(gates.gate, pass_code=qr(gates.p1), temperature=38.0)
    fix = item(gates.gate, pass_code=qr(gates.p1), corrects=wrong["client_uuid"], note="录错")
    r1, r2 = passages_batch(actor=personas.cadre, items=[wrong, fix])
    client = login(personas.staff_a)
    page = client.get(f"/checkpoints/passages/{r1.id}/").content.decode()
    assert f"/checkpoints/passages/{r2.id}/" in page
    figures = client.get("/checkpoints/figures/", {"community": gates.gate.community_id})
    hours = figures.content.decode().split('data-testid="gate-hours"')[1].split("</table>")[0]
    hours = re.sub(r"<td data-label=[^>]*>", "<td>", hours)
    assert hours.count("<tr>") == 2  # header row + one hour; the corrected row is left out
    assert "<td>0</td><td>1</td><td>0</td>" in hours
