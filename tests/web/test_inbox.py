"""The in-app inbox: alerts, calls and approvals reach the user; nobody else's."""

from __future__ import annotations

from pathlib import Path

import shequ
from shequ.core.models import Notification


def _note(user, title, url="/checkpoints/"):
    return Notification.objects.create(user=user, kind="gate_alert", title=title, url=url)


def test_nav_shows_the_unread_count_and_the_inbox_lists_messages(login, personas) -> None:
    _note(personas.staff_a, "北门: 甲三 — 发热")
    _note(personas.staff_a, "南门: 访客 — 红码")
    _note(personas.staff_b, "乙社区的消息")
    client = login(personas.staff_a)
    home = client.get("/").content.decode()
    assert 'data-testid="nav-inbox"' in home
    assert '<span class="sq-badge sq-unread"' in home
    assert ">2</span>" in client.get("/inbox/badge/").content.decode()
    page = client.get("/inbox/").content.decode()
    assert "北门: 甲三 — 发热" in page
    assert "乙社区的消息" not in page


def test_opening_a_message_marks_it_read_and_goes_to_its_page(login, personas) -> None:
    note = _note(personas.staff_a, "北门: 发热", url="/checkpoints/passages/")
    client = login(personas.staff_a)
    r = client.get(f"/inbox/{note.pk}/")
    assert r.status_code == 302
    assert r["Location"] == "/checkpoints/passages/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "sq-unread" not in client.get("/inbox/badge/").content.decode()


def test_a_message_never_redirects_off_site(login, personas) -> None:
    note = _note(personas.staff_a, "x", url="//evil.example/")
    r = login(personas.staff_a).get(f"/inbox/{note.pk}/")
    assert r["Location"] == "/inbox/"


def test_someone_elses_message_is_404(login, personas) -> None:
    note = _note(personas.staff_b, "乙")
    assert login(personas.staff_a).get(f"/inbox/{note.pk}/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(login, personas) -> None:
    _note(personas.staff_a, "一")
    _note(personas.staff_a, "二")
    other = _note(personas.staff_b, "乙")
    login(personas.staff_a).post("/inbox/")
    assert not Notification.objects.filter(user=personas.staff_a, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_inbox_needs_a_login(client) -> None:
    assert client.get("/inbox/").status_code == 302


def test_logging_out_wipes_what_the_gate_page_kept_on_the_phone(login, personas) -> None:
    client = login(personas.cadre)
    r = client.post("/logout/")
    assert r.status_code == 302
    assert r["Location"] == "/login/?bye=1"
    page = client.get(r["Location"]).content.decode()
    # A script file (the Content-Security-Policy runs no inline script), only after logging out.
    assert "shequ/forget.js" in page
    assert "shequ/forget.js" not in client.get("/login/").content.decode()
    # The stores to forget come from core.offline.OFFLINE_STORES (tests/web/test_forget.py).
    assert '"database": "shequ-gate"' in page
    script = (Path(shequ.__file__).parent / "web/static/shequ/forget.js").read_text()
    assert "indexedDB.open(store.database)" in script
    assert "tx.objectStore(t).clear()" in script
    assert client.get("/inbox/").status_code == 302  # logged out
