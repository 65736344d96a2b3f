"""Every role's screens: its home and every navigation target, on a 360 × 740 phone and at a
1280 × 800 desk, with a screenshot of each under tests/e2e/artifacts/screens/. Nothing may
stick out sideways, log a console error, or answer 4xx/5xx (the page or anything it loads).

One browser; one context per role, resized from phone to desk. The world is the access
matrix's (tests/web/access_world.py): every role bound to side A, with a roster, a gate, a
testing round, an order and messages.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client

from shequ.core.roles import Role
from tests.e2e.conftest import ARTIFACTS
from tests.web.access_world import build_world

SIZES = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 800}}
SCREENS = ARTIFACTS / "screens"


def _targets(page) -> list[tuple[str, str]]:
    """(key, path) of every navigation item the page shows, in order."""
    found = page.eval_on_selector_all(
        ".sq-nav [data-testid^='nav-'][href]",
        "links => links.map(a => [a.dataset.testid.slice(4), a.getAttribute('href')])",
    )
    return list(dict.fromkeys((key, href) for key, href in found))


def test_every_role_home_and_navigation_fit_phone_and_desk(live_server, browser) -> None:
    world = build_world()
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    opened = 0
    where = {"now": ""}  # the screen being opened, named in each problem
    for role in Role.values:
        client = Client()
        client.force_login(world.users[role])
        context = browser.new_context(viewport=SIZES["360"], locale="zh-CN")
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"{where['now']}: console {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"{where['now']}: script {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"{where['now']}: {r.status} {r.url}"),
        )
        page.goto(f"{live_server.url}/")
        targets = [("home", "/"), *[(k, p) for k, p in _targets(page) if p != "/"]]
        if len(targets) < 2:  # home and messages at least
            problems.append(f"{role}: only {targets} in the navigation")
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            for key, path in targets:
                where["now"] = f"{role} {key} {size}"
                response = page.goto(f"{live_server.url}{path}")
                page.wait_for_load_state("networkidle")
                opened += 1
                if response is None or response.status != 200:
                    problems.append(f"{where['now']}: answered {response and response.status}")
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > viewport["width"]:
                    problems.append(f"{where['now']}: {wide} px wide")
                name = re.sub(r"\W", "-", f"{role}-{key}-{size}")
                page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
            if size == "360" and page.locator("[data-testid=nav-menu]").count():
                where["now"] = f"{role} menu 360"
                page.goto(f"{live_server.url}/")
                page.click("[data-testid=nav-menu]")
                menu = page.locator(".sq-menu-list [data-testid^='nav-']")
                if not menu.first.is_visible():
                    problems.append(f"{where['now']}: the menu does not open")
                page.screenshot(path=str(SCREENS / f"{role}-menu-360.png"))
        # English labels are the longest: the tab bar must still fit a phone.
        where["now"] = f"{role} home en 360"
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        page.set_viewport_size(SIZES["360"])
        page.goto(f"{live_server.url}/")
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            problems.append(f"{where['now']}: wider than the phone")
        page.screenshot(path=str(SCREENS / f"{role}-home-en-360.png"))
        context.close()
    assert not problems, "\n".join(problems)
    assert opened >= 2 * 2 * len(Role.values)
