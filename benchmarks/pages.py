"""Benchmark: server time of the pages people open every day, on a database holding the demo.

    DATABASE_URL=… .venv/bin/python benchmarks/pages.py [--runs 7] [--user admin]

Each page is requested in this process through Django's test client (no network: the server's own time, from the
request entering Django to the response leaving it), once to warm the caches, then `--runs` times; the median and
the slowest are printed in milliseconds with the response size. Pages read the rollups (`fupin stats refresh` must
have run). Target (issue 9): ≤ 300 ms server time on the full demo.
"""

import argparse
import json
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

PAGES = [
    ("home: figures and due work (run with --user county_approver for a county's)", "/"),
    ("dashboard, all areas", "/dashboard/"),
    ("dashboard, 云南", "/dashboard/530000000000/"),
    ("dashboard, 怒江州", "/dashboard/533300000000/"),
    ("dashboard, 泸水市", "/dashboard/533301000000/"),
    ("dashboard, 山西", "/dashboard/140000000000/"),
    ("map shapes, 云南's prefectures", "/maps/children/530000000000/"),
    ("map shapes, 怒江's counties", "/maps/children/533300000000/"),
    ("map shapes, provinces", "/maps/children/"),
    ("helping side, 山西 2017", "/helping/140000000000/?year=2017"),
    ("pairings, who helps 云南", "/cooperation/530000000000/"),
    ("pairings, whom 东莞 helps", "/cooperation/441900000000/?side=helper"),
    ("area tree, 云南", "/areas/530000000000/"),
    ("dashboard, a village of 泸水", "/dashboard/{village}/"),
    ("household file (户档案)", "/households/{household}/"),
    ("household edit form", "/households/{household}/edit/"),
    ("明白卡 (PDF)", "/households/{household}/card.pdf"),
    ("search by pinyin, a surname (124,717 matches)", "/search/?q=yang"),
    ("search by pinyin, a name", "/search/?q=yangxiu"),
    ("inbox (待办)", "/inbox/"),
    ("quality findings, 云南", "/quality/530000000000/"),
    ("households not visited in time, 山西", "/helping/140000000000/not-visited/"),
    ("households not visited in time, 泸水, page 2", "/helping/533301000000/not-visited/?page=2"),
    ("project delays, 山西", "/helping/140000000000/projects/"),
    ("work teams, 山西", "/helping/140000000000/teams/"),
    ("policy data", "/policy/"),
    ("export form", "/exports/households/"),
]


def placeholders() -> dict:
    """A real household and village of the demo for the pages that show one."""
    from fupin.registry.models import Household

    household = Household.objects.filter(county_code="533301").order_by("pk").first()
    return {"household": household.pk, "village": household.area_id}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--user", default="admin")
    options = parser.parse_args()
    client = Client()
    client.force_login(User.objects.get(username=options.user))
    results = []
    values = placeholders()
    for name, url in PAGES:
        url = url.format(**values)
        first = client.get(url)
        if first.status_code != 200:
            results.append({"page": name, "url": url, "status": first.status_code})
            continue
        times = []
        for _run in range(options.runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        results.append({"page": name, "url": url, "median_ms": round(sorted(times)[len(times) // 2], 1),
                        "max_ms": round(max(times), 1), "bytes": len(response.content)})
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
