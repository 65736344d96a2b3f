"""The daily report and a roll-up as Excel and A4 PDF: Chinese headers (the default
language), the totals the page shows, the community's name in the PDF, and scope."""

from __future__ import annotations

import io

import pypdf
import pytest
from openpyxl import load_workbook

from shequ.reports import selectors, services

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_a_report_as_excel_and_pdf_in_chinese(login, personas, city, seeded):
    services.compile_reports(community_ids=[city.a.pk], day=seeded.day)
    client = login(personas.staff_a)
    url = f"/reports/c/{city.a.pk}/{seeded.day.isoformat()}/"
    page = client.get(url).content.decode()
    assert "?format=xlsx" in page
    assert "?format=pdf" in page
    response = client.get(url + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxml")
    sheet = _book(response.content).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("数据项", "数值", "系统汇总值")
    values = {r[0]: r[1] for r in rows[1:] if r[0]}
    report = selectors.report_of(city.a, seeded.day)
    shown = {str(r.figure.label): r for r in selectors.figure_rows(report)}
    person_times = next(r for r in shown.values() if r.figure.key == "person_times")
    assert values[str(person_times.figure.label)] == 4
    hours = next(r for r in shown.values() if r.figure.key == "duty_minutes")
    assert values[str(hours.figure.label)] == pytest.approx(19.9)  # 1195 minutes, as shown
    pdf = client.get(url + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "甲社区" in text
    assert "日报" in text


def test_a_rollup_excel_totals_equal_the_page(login, personas, city, seeded):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    client = login(personas.hq)
    url = f"/reports/p/{city.c.pk}/{seeded.day.isoformat()}/"
    up = selectors.rollup(city.c, seeded.day)
    page = client.get(url).content.decode()
    sheet = _book(client.get(url + "?format=xlsx").content).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("数据项", "合计")
    totals = {r[0]: r[1] for r in rows[1:] if r[0]}
    for figure, total, _parts in up.table:
        assert str(totals[str(figure.label)]) in (total, total.removesuffix(".0"))
        assert f"<strong>{total}</strong>" in page  # the page shows the same total
    # each part's column sums to the total
    for row in rows[1 : 1 + len(up.figures)]:
        assert row[1] == pytest.approx(sum(v or 0 for v in row[2:]))
    text = _pdf_text(client.get(url + "?format=pdf").content)
    assert "东区" in text
    assert "西区" in text


def test_exports_keep_the_scope(login, api, personas, city, seeded):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    day = seeded.day.isoformat()
    client = login(personas.staff_a)
    assert client.get(f"/reports/c/{city.b.pk}/{day}/?format=xlsx").status_code == 404
    assert client.get(f"/reports/c/{city.b.pk}/{day}/?format=pdf").status_code == 404
    street = api(personas.street)
    ok = street.get(f"/api/v1/reports/communities/{city.a.pk}/{day}/export?format=pdf")
    assert ok.status_code == 200
    assert "甲社区" in _pdf_text(ok.content)
    assert street.get(f"/api/v1/reports/communities/{city.b.pk}/{day}/export").status_code == 404
    up = street.get(f"/api/v1/reports/places/{city.s1.pk}/{day}/export?format=xlsx")
    assert up.status_code == 200
    assert "甲社区" in [c.value for c in _book(up.content).worksheets[1]["A"]]
    bad = street.get(f"/api/v1/reports/places/{city.s1.pk}/{day}/export?format=doc")
    assert bad.status_code == 400


def test_the_pdf_draws_the_14_day_trend(login, personas, city, seeded):
    """The report's PDF and the roll-up's carry one chart: the last 14 days of people on duty
    and passages (reportlab graphics in the PDF), its legend and day labels in the text."""
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    series = selectors.trend(city.a, seeded.day)
    assert len(series) == 14
    assert series[-1][0] == seeded.day
    assert series[-1][1] == {"on_duty": 3, "passages": 3}
    assert selectors.trend(city.c, seeded.day)[-1][1]["on_duty"] == 4  # A 3 + B 1
    client = login(personas.hq)
    day = seeded.day.isoformat()
    for url in (f"/reports/c/{city.a.pk}/{day}/", f"/reports/p/{city.c.pk}/{day}/"):
        data = client.get(url + "?format=pdf").content
        text = _pdf_text(data)
        assert "近14天" in text.replace(" ", "")
        assert "在岗人数" in text or "在岗" in text
        assert seeded.day.strftime("%m-%d") in text
        assert len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 1
