"""The inspection summary as Excel and A4 PDF from the inspections home: the summary by area,
the visits, their findings and the rectifications with owner, deadline and status (overdue
marked), in Chinese by default; an inspector of another district gets none of it; a role
that does not inspect is refused."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.inspections import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspected(insp, personas, city, frozen):
    visit = services.visit_record(
        actor=insp.inspector, plan=insp.plan, place=None, premises=insp.shop,
        results={insp.ask.pk: ("ok", ""), insp.check.pk: ("problem", "登记缺页"),
                 insp.look.pk: ("ok", "")},
    )  # fmt: skip
    late = services.rectification_create(
        actor=insp.inspector, visit=visit, what="补全出入登记", owner_user=personas.staff_a,
        owner_staff=None, deadline=timezone.localdate() + dt.timedelta(days=1),
    )  # fmt: skip
    frozen(timezone.now() + dt.timedelta(days=3))  # two days past its deadline
    return visit, late


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}


def test_the_summary_as_excel_and_pdf_from_the_home(login, insp, inspected, personas):
    client = login(insp.inspector)
    home = client.get("/inspections/").content.decode()
    assert 'href="/inspections/summary.xlsx"' in home
    assert 'href="/inspections/summary.pdf"' in home
    response = client.get("/inspections/summary.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxml")
    sheets = _sheets(response.content)
    assert list(sheets) == ["汇总", "已记录的检查", "检查结果", "整改"]
    summary = sheets["汇总"]
    assert summary[1][:6] == ("东区", 1, 1, 1, 1, 0)
    visits = sheets["已记录的检查"]
    assert visits[1][1:5] == ("甲超市", "东区第一轮督导", "inspector", 1)
    findings = [r for r in sheets["检查结果"][1:] if r[0]]
    assert len(findings) == 3
    assert ("出入登记是否完整", "登记缺页") in {(r[3], r[5]) for r in findings}
    [task] = [r for r in sheets["整改"][1:] if r[0]]
    assert task[:4] == ("甲超市", "补全出入登记", "staff_a", inspected[1].deadline.isoformat())
    assert task[5] == "是"  # overdue
    pdf = client.get("/inspections/summary.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    for shown in ("督导检查汇总", "东区", "甲超市", "补全出入登记", "登记缺页"):
        assert shown in text, shown


def test_another_district_and_other_roles_get_none_of_it(login, insp, inspected, personas):
    other = login(insp.inspector2)
    sheets = _sheets(other.get("/inspections/summary.xlsx").content)
    every_cell = {str(c) for rows in sheets.values() for row in rows for c in row if c}
    assert not every_cell & {"甲超市", "补全出入登记", "东区"}
    text = pypdf.PdfReader(io.BytesIO(other.get("/inspections/summary.pdf").content))
    assert "甲超市" not in "".join(p.extract_text() for p in text.pages)
    staff = login(personas.staff_a)
    assert staff.get("/inspections/summary.xlsx").status_code == 403
    assert staff.get("/inspections/summary.pdf").status_code == 403
