"""The printable sheet of entry passes: A4 pages of 8 cards, Chinese text, the current QR."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from shequ.checkpoints import pdf, services
from shequ.checkpoints.models import EntryPass
from shequ.checkpoints.passes import pass_token
from shequ.core import qr
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _passes(**filters):
    return (
        EntryPass.objects.filter(**filters)
        .select_related("community", "household__parent__parent")
        .prefetch_related("holders")
        .order_by("household__path")
    )


def _text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _building_of(city, n: int, personas):
    """A building of community A with `n` households, one resident and one pass each."""
    building = make_place("building", f"KA-9-{n}", "9号楼", city.ka)
    for i in range(n):
        household = make_place("household", f"KA-9-{n}-{i:03d}", f"{i + 1:03d}室", building)
        ResidentFactory(name=f"住户{i + 1}", household=household)
    today = timezone.localdate()
    services.passes_issue_building(
        actor=personas.staff_a,
        building=building,
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )
    return building


def test_a_card_carries_the_names_dates_number_and_the_current_token(personas, gates):
    services.pass_reissue(actor=personas.staff_a, entry_pass=gates.p1)
    p = _passes(pk=gates.p1.pk).get()
    card = pdf.card_fields(p)
    assert card.community == "甲社区"
    assert card.place == "甲小区 1号楼 101室"
    assert card.holders == "甲一、甲二"
    assert (card.valid_from, card.valid_until) == (
        p.valid_from.isoformat(),
        p.valid_until.isoformat(),
    )
    assert card.version == 2
    assert card.number == f"{p.pk:06d}"
    assert card.token == pass_token(p.pk, 2)
    assert card.token != pass_token(p.pk, 1)


def test_the_qr_drawn_on_the_sheet_encodes_each_cards_token(personas, gates, monkeypatch):
    drawn: list[str] = []
    real = segno.make

    def spy(content, *args, **kwargs):
        drawn.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr(qr.segno, "make", spy)
    services.pass_reissue(actor=personas.staff_a, entry_pass=gates.p2)
    passes = list(_passes(community=gates.p1.community))
    pdf.passes_sheet(passes)
    assert drawn == [pass_token(p.pk, p.version) for p in passes]
    assert pass_token(gates.p2.pk, 2) in drawn


def test_sheet_is_a_pdf_with_the_chinese_names_and_dates(personas, city, gates):
    data = pdf.passes_sheet(_passes(community=city.a))
    assert data.startswith(b"%PDF")
    pages, text = _text(data)
    assert pages == 1
    for expected in ["甲社区", "甲小区", "1号楼", "101室", "102室", "甲一、甲二", "甲三"]:
        assert expected in text, expected
    assert gates.p1.valid_from.isoformat() in text
    assert gates.p1.valid_until.isoformat() in text
    assert f"{gates.p1.pk:06d}" in text


@pytest.mark.parametrize(("n", "pages"), [(1, 1), (8, 1), (9, 2), (17, 3)])
def test_eight_cards_a_page(personas, city, n, pages):
    building = _building_of(city, n, personas)
    data = pdf.passes_sheet(_passes(household__parent=building))
    count, text = _text(data)
    assert count == pages
    assert f"住户{n}" in text
    assert "住户1" in text


def test_an_empty_sheet_is_still_one_page():
    data = pdf.passes_sheet([])
    assert data.startswith(b"%PDF")
    assert _text(data)[0] == 1


def test_long_holder_lists_are_cut_not_spilled(personas, city, gates):
    household = make_place("household", "KA-2-201", "201室", city.ka2)
    for i in range(12):
        ResidentFactory(name=f"很长的名字{i:02d}", household=household)
    services.pass_issue(
        actor=personas.staff_a,
        household=household,
        valid_from=gates.today,
        valid_until=gates.today,
    )
    _count, text = _text(pdf.passes_sheet(_passes(household=household)))
    assert "很长的名字00" in text
    assert "…" in text
    assert "很长的名字11" not in text


def test_building_pdf_leaves_out_revoked_and_lost_passes(client, login, personas, city, gates):
    household = make_place("household", "KA-1-103", "103室", city.ka1)
    ResidentFactory(name="甲四", household=household)
    p3 = services.pass_issue(
        actor=personas.staff_a, household=household, valid_from=gates.today,
        valid_until=gates.today,
    )  # fmt: skip
    services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="搬走")
    services.pass_report_lost(actor=personas.staff_a, entry_pass=gates.p2)
    login(personas.staff_a)
    response = client.get(reverse("checkpoints:passes_building_pdf", args=[city.ka1.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    _pages, text = _text(response.content)
    assert "甲四" in text
    assert "103室" in text
    assert "甲一" not in text
    assert "甲三" not in text
    assert f"{p3.pk:06d}" in text


def test_building_pdf_is_404_for_another_communitys_building(client, login, personas, city, gates):
    login(personas.staff_b)
    response = client.get(reverse("checkpoints:passes_building_pdf", args=[city.ka1.pk]))
    assert response.status_code == 404
    own = client.get(reverse("checkpoints:passes_building_pdf", args=[city.kb1.pk]))
    assert own.status_code == 200
    assert "乙一" in _text(own.content)[1]
