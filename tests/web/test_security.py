"""Deployment posture: Django's deploy checks pass with the documented production environment;
a Content-Security-Policy without inline script; no caching of anything personal; the API's
docs behind a login."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import shequ
from tests.duty import conftest as duty_conftest

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(shequ.__file__).parent
duty = duty_conftest.duty  # community A with people on duty


# --- check --deploy --------------------------------------------------------------------------


def documented_production_env() -> dict[str, str]:
    """The ```env block under "## Production" in docs/config.md, placeholders filled in."""
    text = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    section = text.split("## Production", 1)[1]
    block = re.search(r"```env\n(.*?)```", section, re.S).group(1)
    env = {}
    for line in block.strip().splitlines():
        name, value = line.split("=", 1)
        if "<random" in value:
            value = secrets.token_urlsafe(50)
        env[name] = value.replace("<password>", "secret")
    return env


def test_the_deploy_checks_pass_with_the_documented_production_environment(tmp_path):
    documented = documented_production_env()
    assert documented["SHEQU_SSL_REDIRECT"] == "true"
    assert int(documented["SHEQU_HSTS_SECONDS"]) >= 31536000
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHEQU_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(documented)
    env["PYTHONPATH"] = str(SRC.parent)
    env["SHEQU_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=shequ.settings",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_demo_settings_do_fail_the_deploy_checks(tmp_path):
    """The test above can fail: without the production block the same checks complain."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEQU_", "DATABASE_URL"))}
    env.update(PYTHONPATH=str(SRC.parent), SHEQU_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--settings=shequ.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "security.W004" in result.stderr + result.stdout  # no HSTS
    assert "security.W008" in result.stderr + result.stdout  # no HTTPS redirect


def test_https_and_hsts_headers_follow_the_settings(settings, client, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    secure = client.get("/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- Content-Security-Policy ------------------------------------------------------------------


def test_every_page_carries_a_policy_without_inline_script(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_no_template_holds_inline_script_handlers_or_styles():
    """What the policy would block in a browser (tests/e2e/test_csp.py checks it there)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"\sstyle\s*=|<style", re.I)
    found = []
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for rule in (inline_script, handler, style):
            found += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in rule.finditer(text)]
    # JSON data islands are not scripts and run nothing.
    found = [f for f in found if 'type="application/json"' not in f]
    assert found == []


# --- Cache-Control: no-store ------------------------------------------------------------------

FAKE = {"int": "1", "str": "x", "slug": "x", "path": "x"}
FAKE["uuid"] = FAKE["uuidstr"] = str(uuid.uuid4())


def _fake(match: re.Match[str]) -> str:
    return FAKE.get(match.group(1) or "str", "1")


def _urls(patterns, prefix: str = "") -> list[tuple[str, str]]:
    """Every route of the URL conf as (route, a URL for it with made-up arguments)."""
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _urls(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            made_up = re.sub(r"<(?:(\w+):)?\w+>", _fake, route)
            url = "/" + made_up
            url = url.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
            found.append((route, url))
    return found


ROUTES = [
    (route, url)
    for route, url in _urls(get_resolver().url_patterns)
    if not route.startswith("admin/")  # Django's own admin sets its own never-cache headers
    and "(?P<" not in route
]


def test_the_url_conf_walk_finds_the_pages():
    urls = {url for _route, url in ROUTES}
    assert {"/residents/", "/duty/", "/api/v1/places", "/outreach/rounds/1/missed.xlsx"} <= urls
    assert len(ROUTES) > 100


@pytest.mark.parametrize(("route", "url"), ROUTES, ids=[r for r, _u in ROUTES])
def test_every_answer_to_a_logged_in_user_is_not_stored(personas, route, url):
    client = Client(raise_request_exception=False)
    client.force_login(personas.hq)
    response = client.get(url)
    cache = response.get("Cache-Control", "")
    assert "no-store" in cache, (response.status_code, cache)
    assert "private" in cache


def test_api_answers_to_a_token_are_not_stored(personas, api):
    response = api(personas.hq).get("/api/v1/places")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_download_by_link_is_not_stored_and_the_login_page_may_be(personas, city, duty):
    from shequ.duty.views.me import ical_token

    client = Client()
    feed = client.get(f"/duty/ical/{ical_token(duty.people[0])}.ics")
    assert feed.status_code == 200
    assert "no-store" in feed["Cache-Control"]
    login = client.get("/login/")
    assert "no-store" not in login.get("Cache-Control", "")


# --- the API docs ------------------------------------------------------------------------------


def test_the_api_docs_need_a_login(personas, api, client):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/login/?next=/api/v1/docs")
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 401
    assert set(schema.json()) == {"detail", "errors"}
    assert "/api/v1/places" in api(personas.outsider).get("/api/v1/openapi.json").json()["paths"]
    client.force_login(personas.outsider)
    assert client.get("/api/v1/docs").status_code == 200


def test_the_api_docs_can_be_made_public(settings, client, db):
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
