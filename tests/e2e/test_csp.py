"""The Content-Security-Policy holds on the main pages: no inline script, no inline style, no
eval. A page that still had one would show "Refused to …" in the console and fire a
`securitypolicyviolation` event; its confirmations and auto-submitting selects must still work.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.checkpoints.ingest import passages_batch
from shequ.mobilization import services as mob_services
from shequ.places.models import ZoneLevel
from shequ.places.services import zone_set
from shequ.testing.ingest import swabs_batch
from tests.checkpoints import conftest as checkpoints_conftest
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.testing import conftest as testing_conftest

pytestmark = pytest.mark.e2e
gates = checkpoints_conftest.gates  # community A's gate, residents and passes
rnd = testing_conftest.rnd  # a running testing round in A

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watched:
    """A browser page that collects CSP violations from the console and from events."""

    def __init__(self, browser, live_server) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = live_server.url
        self.console: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text:
            self.console.append(f"{self.page.url}: {text}")

    def log_in(self, username: str) -> None:
        self.page.goto(f"{self.base}/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit].weui-btn")
        self.page.wait_for_url(f"{self.base}/")

    def visit(self, path: str) -> list[str]:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.violations()

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        found = [f"{self.page.url}: {v}" for v in events] + self.console
        self.console = []
        return found

    def close(self) -> None:
        self.context.close()


def test_the_main_pages_break_no_content_security_rule(
    live_server, browser, personas, city, gates, rnd
):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, reason="周边阳性")
    order = mob_services.order_issue(
        actor=personas.hq, title="下沉通知", scope=city.c,
        deadline=timezone.now() + dt.timedelta(hours=6),
    )  # fmt: skip
    # Some passages and swabs, so the figures and the round draw their bars.
    pass_code = checkpoints_conftest.qr(gates.p1)
    passages_batch(
        actor=personas.cadre,
        items=[
            checkpoints_conftest.item(gates.gate, pass_code=pass_code, resident_id=gates.a1.pk),
            checkpoints_conftest.item(gates.gate, pass_code=pass_code, resident_id=gates.a2.pk),
        ],
    )
    swabs_batch(
        actor=personas.staff_a, items=[testing_conftest.swab(rnd, "T1", r) for r in rnd.a[:4]]
    )
    seen: list[str] = []

    staff = Watched(browser, live_server)
    response = staff.page.goto(f"{live_server.url}/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    seen += staff.violations()
    staff.log_in("staff_a")
    for path in [
        "/",
        "/places/",
        f"/places/{city.ka.pk}/",
        "/residents/",
        f"/residents/{gates.a1.pk}/",
        f"/residents/{gates.a1.pk}/edit/",
        "/residents/import/",
        "/duty/",
        f"/duty/communities/{city.a.pk}/",
        "/duty/hours/",
        "/checkpoints/",
        f"/checkpoints/gate/{gates.gate.pk}/",
        "/checkpoints/passages/",
        f"/checkpoints/figures/?community={city.a.pk}",
        f"/checkpoints/passes/{gates.p1.pk}/",
        f"/checkpoints/rules/{city.a.pk}/",
        "/testing/",
        f"/testing/rounds/{rnd.round.pk}/",
        f"/testing/stations/{rnd.s1.pk}/",
        "/inbox/",
        "/api/v1/docs",
    ]:
        seen += staff.visit(path)
        if path.startswith(("/testing/rounds/", "/checkpoints/figures/")):
            # The bars that were style="width: …" are SVG now: look at them.
            name = "round" if "rounds" in path else "figures"
            staff.page.screenshot(path=str(ARTIFACTS / f"csp-{name}-bars.png"), full_page=True)
    # The swagger page really ran: it drew the operations from the schema.
    staff.visit("/api/v1/docs")
    staff.page.wait_for_selector(".opblock", timeout=15_000)
    staff.page.screenshot(path=str(ARTIFACTS / "api-docs-csp.png"))
    seen += staff.violations()
    # htmx still works (a live search), and a select still sends its form.
    staff.visit("/places/")
    staff.page.fill("#q", "甲小区")
    staff.page.wait_for_selector("#results >> text=甲小区")
    staff.visit("/testing/")
    staff.page.select_option("select[name=status]", index=1)
    staff.page.wait_for_url("**/testing/?status=*")
    seen += staff.violations()
    staff.close()

    street = Watched(browser, live_server)
    street.log_in("street")
    seen += street.visit(f"/places/{city.ka.pk}/")
    # The lift-zone form asks first (a confirm dialog, no longer an onsubmit attribute).
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    street.page.on("dialog", answer)
    street.page.click("form[data-confirm] button[type=submit]")
    street.page.wait_for_timeout(300)
    assert questions, "no confirmation was asked"
    assert "甲小区" in street.page.inner_text("[data-testid=place-name]")
    seen += street.violations()
    hq = Watched(browser, live_server)
    hq.log_in("hq")
    seen += hq.visit(f"/mobilization/?order={order.pk}")
    hq.page.select_option("select[name=level]", "street")
    hq.page.wait_for_url("**level=street*")
    for path in [
        "/mobilization/needs/",
        "/mobilization/teams/",
        f"/mobilization/moves/?order={order.pk}",
        "/mobilization/batches/",
    ]:
        seen += hq.visit(path)
    # Logging out runs the script that forgets what the gate page kept (now a file).
    hq.page.click("text=退出登录")
    hq.page.wait_for_url("**/login/?bye=1")
    hq.page.wait_for_load_state("networkidle")
    seen += hq.violations()
    hq.close()
    street.close()

    assert seen == []
