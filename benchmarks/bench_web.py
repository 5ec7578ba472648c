"""Benchmark: the web interface under 10 concurrent users.

    python benchmarks/bench_web.py [--households 2000] [--database-url URL]

A coach with ``--households`` households, six months (February to July 2026)
allocated and booked; the app served by waitress (as ``ontzorging web``) on
127.0.0.1; 10 threads, each signed in as that coach, fetch the caseload page
and a household page (six months of statements and ledger) in turn. Reports
the median and 95th percentile per page. Issue 14's target: under 300 ms at
the 95th percentile for both.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_allocation import NOW, fresh_database, generate
from sqlalchemy import update

from ontzorging.adapters.db import make_engine, upgrade_to_head
from ontzorging.adapters.schema import benefit_payments, households
from ontzorging.allocation.allocate import allocate_due
from ontzorging.bootstrap import App, Clock, Home
from ontzorging.settings import load_settings
from ontzorging.web.accounts import add_user

COACH = "Coach Bench"
PASSWORD = "benchmark password"
MONTHS = tuple(date(2026, m, 1) for m in range(2, 8))
USERS = 10
ROUNDS = 30  # per user and page


def prepare(url: str, count: int) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    generate(engine, count)  # March's payment for every household
    settings = load_settings()
    with engine.begin() as conn:
        conn.execute(update(households).values(coach=COACH))
        for month in MONTHS:
            if month == date(2026, 3, 1):
                continue
            conn.execute(
                benefit_payments.insert(),
                [
                    {
                        "payment_id": f"P{i}-{month:%Y%m}",
                        "bsn": None,
                        "household_id": f"H{i:07d}",
                        "payee_name": None,
                        "period": month,
                        "kind": "levensonderhoud",
                        "amount_cents": 133423,
                        "payout_date": month.replace(day=26),
                        "iban": None,
                        "imported_file_id": 1,
                    }
                    for i in range(count)
                ],
            )
    for month in MONTHS:
        with engine.begin() as conn:
            allocate_due(conn, month.replace(day=26), settings, None, NOW)
    with engine.begin() as conn:
        add_user(conn, "bench", ("coach",), COACH, PASSWORD, "bench", NOW)
    engine.dispose()


def serve(url: str) -> str:
    import waitress.server

    from ontzorging.web.app import create_app

    settings = load_settings()
    settings = replace(settings, web=replace(settings.web, require_mfa=False, secure_cookies=False))
    clock = Clock(NOW.tzinfo, date(2026, 7, 15))  # type: ignore[arg-type]
    app = App(Home(Path(tempfile.mkdtemp())), settings, make_engine(url), clock)
    server = waitress.server.create_server(create_app(app), host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]


def signed_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode(
        {"username": "bench", "password": PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=data, headers={"Origin": base}))
    return opener


def hammer(base: str, worker: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
    """Caseload, then a household no one opened before (never a cached page)."""
    opener = signed_in(base)
    for round_number in range(ROUNDS):
        household = f"/households/H{worker * ROUNDS + round_number:07d}"
        for name, path in (("caseload", "/"), ("household", household)):
            start = time.perf_counter()
            body = opener.open(base + path).read()
            took = time.perf_counter() - start
            if b"utrecht-table" not in body:
                raise SystemExit(f"{path}: not the page expected")
            with lock:
                timings[name].append(took)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--database-url", default="sqlite://")
    args = parser.parse_args()
    url, drop = fresh_database(args.database_url)
    try:
        started = time.perf_counter()
        prepare(url, args.households)
        print(
            f"prepared {args.households} households x 6 months in "
            f"{time.perf_counter() - started:.1f} s"
        )
        base = serve(url)
        timings: dict[str, list[float]] = {"caseload": [], "household": []}
        lock = threading.Lock()
        workers = [
            threading.Thread(target=hammer, args=(base, worker, timings, lock))
            for worker in range(USERS)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        for name, values in timings.items():
            values.sort()
            p95 = values[int(len(values) * 0.95) - 1]
            print(
                f"{name:<10} {len(values)} requests, {USERS} users: "
                f"median {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
            )
    finally:
        drop()


if __name__ == "__main__":
    main()
