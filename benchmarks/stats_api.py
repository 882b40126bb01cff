"""Benchmark: the statistics API answered from the rollups against the same question computed on the snapshot.

    DATABASE_URL=… .venv/bin/python benchmarks/stats_api.py [--runs 30] [--user admin]

On a database holding the demo with `fupin stats refresh` done. Each request goes through Django's test client
in this process (the server's own time), first with the default engine (`rollups`: the refresh's rows while they
are fresh), then with `engine=duckdb` (the snapshot, what the API did before): median, p95 and the ratio, measured
in the same run. Each answer's `X-Fupin-Answered-By` is checked, and both answers must be equal. Target
(issue 23): p95 ≤ 300 ms.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# The project instead of this folder: benchmarks/statistics.py would shadow the standard library's module.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("FUPIN_DEBUG", "0")
os.environ.setdefault("FUPIN_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402 (the path and settings above must come first)

django.setup()

from django.test import Client  # noqa: E402

from fupin.accounts.models import User  # noqa: E402

QUESTIONS = [
    ("poor persons, 云南 down to villages", "/api/stats/poor/?year={year}&area=53"),
    ("poor persons, 泸水市 and below", "/api/stats/poor/?year={year}&area=533301"),
    ("incidence, every county", "/api/stats/incidence/?year={year}&level=3"),
    ("incidence, 云南 down to villages", "/api/stats/incidence/?year={year}&area=53"),
    ("exits, every province", "/api/stats/exits/?year={year}&level=1"),
]


def timed(client, url: str, runs: int) -> tuple[list[float], str, object]:
    client.get(url)  # warm the caches
    times, answered_by, body = [], "", None
    for _run in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        answered_by, body = response["X-Fupin-Answered-By"], response.json()
    return times, answered_by, body


def median(times: list[float]) -> float:
    ordered = sorted(times)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--year", type=int, default=2019)
    args = parser.parse_args()
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    print("| question | rows | answered by | median ms | p95 ms | snapshot median ms | snapshot p95 ms | ratio (p95) |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for label, template in QUESTIONS:
        url = template.format(year=args.year)
        fast, answered_by, body = timed(client, url, args.runs)
        slow, snapshot_by, snapshot_body = timed(client, f"{url}&engine=duckdb", args.runs)
        assert snapshot_by == "duckdb"
        assert body == snapshot_body, f"{label}: the rollups and the snapshot disagree"
        print(f"| {label} | {len(body)} | {answered_by} | {median(fast):.0f} | {p95(fast):.0f} | "
              f"{median(slow):.0f} | {p95(slow):.0f} | {p95(slow) / p95(fast):.1f}× |")


if __name__ == "__main__":
    main()
