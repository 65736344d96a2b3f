"""Benchmark: how fast the gate page shows a decision on a phone (issue #7: "< 300 ms").

    .venv/bin/python bench/gate_page.py [--residents 72000] [--passes 50]

Seeds the demo city into a fresh SQLite database in a temp folder (--residents spread over
its 24 communities: 72,000 gives about 3,000 per community, the size the issue names), serves
it with granian on 127.0.0.1, and drives Debian's Chromium with Playwright at 360 × 740 as the
demo's community staff login at 北门卡口 of its community. It prints:
  * the snapshot: its size and the time from opening the page until it is kept on the phone;
  * for each of --passes passages, online and then with the network off: the time from the
    scanner's Enter to the holders being shown, and from the last tap (the health code) to
    the decision being shown; p50 / p95 / max.
Times are taken in Python around Playwright calls, so they include the round trip to the
browser (an upper bound on what the person at the gate sees).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SHEQU_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _row(name: str, ms: list[float]) -> str:
    return (
        f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {_pct(ms, 0.95):.1f} "
        f"| {max(ms):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=72_000)
    parser.add_argument("--passes", type=int, default=50)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="shequ-gate-bench-"))
    env = {
        **os.environ,
        "SHEQU_VAR_DIR": str(var),
        "SHEQU_LOCAL_SECRETS": "1",
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
    }
    env.pop("DATABASE_URL", None)
    shequ = str(REPO / ".venv" / "bin" / "shequ")
    t = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [shequ, "seed", "--scenario", "demo", "--residents", str(args.residents)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"seeded the demo city with {args.residents:,} residents in "
          f"{time.perf_counter() - t:.0f} s ({var})")  # fmt: skip

    os.environ.update(env)
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from shequ.checkpoints.models import EntryPass
    from shequ.checkpoints.passes import pass_token
    from shequ.duty.models import Post
    from shequ.places.models import Place, PlaceKind

    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    gate = Post.objects.get(community=community, name="北门卡口")
    passes = list(
        EntryPass.objects.filter(community=community, status="active").order_by("?")[: args.passes]
    )
    tokens = [pass_token(p.pk, p.version) for p in passes]
    households = (
        Place.objects.filter(
            kind=PlaceKind.HOUSEHOLD, path__startswith=community.path, residents__isnull=False
        )
        .distinct()
        .count()
    )

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [shequ, "serve", "--port", str(port), "--no-task-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        _drive(base, gate.pk, tokens, community.name, households)
    finally:
        server.terminate()
        server.wait(10)


def _drive(base: str, gate_id: int, tokens: list[str], community: str, households: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "community")
        page.fill("input[name=password]", "shequ-demo")
        page.click("button[type=submit].weui-btn")
        page.wait_for_url(f"{base}/")
        sizes: list[int] = []
        page.on(
            "response",
            lambda r: sizes.append(len(r.body())) if "/snapshot" in r.url else None,
        )
        t = time.perf_counter()
        page.goto(f"{base}/checkpoints/gate/{gate_id}/")
        page.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
        loaded = (time.perf_counter() - t) * 1000
        people = page.evaluate("() => document.querySelectorAll('#gate-search').length")
        print(f"\n{community}: {households:,} households with residents; snapshot "
              f"{(sizes[-1] if sizes else 0) / 1024:.0f} KiB, page open → snapshot kept "
              f"{loaded:.0f} ms (search box present: {bool(people)})")  # fmt: skip
        print("\n| step | passes | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: | ---: |")
        for offline in (False, True):
            context.set_offline(offline)
            scan, decide = [], []
            for token in tokens:
                page.fill("[data-testid=gate-scan]", token)
                t = time.perf_counter()
                page.press("[data-testid=gate-scan]", "Enter")
                page.wait_for_selector("[data-testid=gate-holder]")
                scan.append((time.perf_counter() - t) * 1000)
                page.click("[data-testid=gate-holder] >> nth=0")
                page.fill("[data-testid=gate-temp]", "36.6")
                t = time.perf_counter()
                page.click("[data-testid=code-green]")
                page.wait_for_selector("[data-testid=gate-decision][data-decision]:not([hidden])")
                decide.append((time.perf_counter() - t) * 1000)
                page.click("[data-testid=gate-record]")
            mode = "offline" if offline else "online"
            print(_row(f"Enter → holders shown ({mode})", scan))
            print(_row(f"last tap → decision shown ({mode})", decide))
        browser.close()


if __name__ == "__main__":
    main()
