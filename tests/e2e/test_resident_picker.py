"""Registering a resident on a phone: with JavaScript the address lists refill as each step
is picked (no "show" button, no page reload), and the resident lands in the chosen flat."""

from __future__ import annotations

import datetime as dt

from shequ.residents.models import Resident
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.residents.factories import id_number


def test_register_a_resident_by_picking_the_flat_on_a_phone(live_server, personas, city, phone):
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/residents/new/")
    assert not phone.is_visible("[data-testid=pick]")  # JS refills the lists itself
    phone.fill("input[name=name]", "李四")
    phone.fill("input[name=document_number]", id_number(dt.date(1952, 11, 2), seq=24))
    phone.select_option("select[name=compound]", str(city.ka.pk))
    phone.wait_for_selector(
        f"select[name=building] option[value='{city.ka1.pk}']", state="attached"
    )
    phone.select_option("select[name=building]", str(city.ka1.pk))
    phone.wait_for_selector(
        f"select[name=household] option[value='{city.ha2.pk}']", state="attached"
    )
    phone.select_option("select[name=household]", str(city.ha2.pk))
    assert phone.input_value("input[name=name]") == "李四"  # nothing was reloaded
    phone.screenshot(path=str(ARTIFACTS / "resident-picker-zh-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("button[type=submit].weui-btn_primary")
    phone.wait_for_selector("[data-testid=address]")
    assert phone.inner_text("[data-testid=address]") == "甲小区 1号楼 102室"
    assert Resident.objects.get().household == city.ha2
