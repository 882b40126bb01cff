"""Benchmark: the field app's first load and the sync of 200 queued entries, over HTTP against a running server.

    .venv/bin/python benchmarks/field_sync.py [--databases sqlite,postgres] [--entries 200] [--code DIR ...]

Each database starts empty and migrated; a small county is built (fupin/field/tests/world.py: a village cadre with
two households and a work team). `fupin runserver --insecure` serves it (static files included, as the demo does).
Then, as the phone does:
- first load: the app page, its static files, the service worker, the manifest and the households' JSON (bytes
  as transferred: headers and bodies, no compression);
- sync: `--entries` entries (three visits with a 1280 × 960 JPEG photo for each check-in), sent in requests of at
  most 1.5 MB (the phone's batches); the time from the first request to the last answer, and a second sending of
  the same entries (all answered from the kept answers, nothing new).
`--code DIR` (repeatable) runs the same benchmark with the code of another copy of the `fupin` and `config`
packages (put first on PYTHONPATH), so a change is measured before and after in one run, under the same load.
PostgreSQL uses a database of its own (fupin_bench_field). Prints a Markdown table for benchmarks/RESULTS.md.
"""

import argparse
import base64
import datetime
import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import requests
from common import FUPIN, ROOT, fresh_database

BATCH_BYTES = 1_500_000
SETUP = r"""
import json, django
django.setup()
from fupin.field.tests.world import build_world
world = build_world(username="benchcadre")
print(json.dumps({"households": [h.pk for h in world.households], "cadre": world.cadre.pk,
                  "membership": world.membership.pk}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def photo() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, 960), (90, 140, 60))
    draw = ImageDraw.Draw(image)
    for k in range(0, 1280, 16):  # some detail, so the JPEG is the size of a real photo's
        draw.line([(k, 0), (1280 - k, 960)], fill=(k % 255, 200 - k % 200, 120), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def entries(world: dict, count: int, photos: bool = True) -> list[dict]:
    today = datetime.date.today()
    picture = photo() if photos else None
    made = []
    for k in range(count):
        if k % 4 == 3:  # a check-in for each of the last days
            data = {"membership": world["membership"], "day": (today - datetime.timedelta(days=k // 4)).isoformat(),
                    "latitude": "25.851000", "longitude": "98.850000"}
            made.append({"id": str(uuid.uuid4()), "kind": "check_in", "data": data})
        else:
            data = {"household": world["households"][k % 2], "cadre": world["cadre"],
                    "visited_on": (today - datetime.timedelta(days=k)).isoformat(), "notes": f"走访 {k}",
                    "photos": [picture] if picture else [], "latitude": "25.851000", "longitude": "98.850000"}
            made.append({"id": str(uuid.uuid4()), "kind": "visit", "data": data})
    return made


def batches(items: list[dict]) -> list[list[dict]]:
    out, batch, size = [], [], 0
    for item in items:
        length = len(json.dumps(item))
        if batch and size + length > BATCH_BYTES:
            out.append(batch)
            batch, size = [], 0
        batch.append(item)
        size += length
    return [*out, batch] if batch else out


def transferred(response) -> int:
    head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 17
    return head + len(response.content)


def run(database: str, count: int, photos: bool = True, code: str | None = None) -> dict:
    env = fresh_database(database, "fupin_bench_field", code)
    world = json.loads(subprocess.run([sys.executable, "-c", SETUP], env={**env, "PYTHONPATH": env.get(
        "PYTHONPATH", str(ROOT))},
                                      cwd=ROOT, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
    port = free_port()
    server = subprocess.Popen([FUPIN, "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # the server's start (system checks) on a busy machine
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped ({server.returncode})")
            try:
                requests.get(base + "/login/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        session = requests.Session()
        session.get(base + "/login/")
        session.post(base + "/login/", data={"username": "benchcadre", "password": "correct horse battery staple",
                                             "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                     headers={"Referer": base + "/login/"})
        page = session.get(base + "/field/")
        assert page.ok and "field-app" in page.text, page.status_code
        worker = session.get(base + "/field/sw.js")
        shell = json.loads(worker.text.split("const SHELL = ", 1)[1].split(";", 1)[0])
        loaded = [page, worker, session.get(base + "/field/manifest.webmanifest"),
                  session.get(base + "/api/field/data/")]
        loaded += [session.get(base + path) for path in shell[1:]]
        assert all(r.ok for r in loaded), [(r.url, r.status_code) for r in loaded if not r.ok]
        first_load = sum(transferred(r) for r in loaded)
        made = entries(world, count, photos)
        headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": base + "/field/"}
        start = time.perf_counter()
        answers = []
        for batch in batches(made):
            response = session.post(base + "/api/field/sync/", json={"entries": batch}, headers=headers)
            assert response.ok, response.text[:300]
            answers += response.json()["results"]
        seconds = time.perf_counter() - start
        outcomes = {}
        for answer in answers:
            outcomes[answer["outcome"]] = outcomes.get(answer["outcome"], 0) + 1
        start = time.perf_counter()
        again = []
        for batch in batches(made):
            again += session.post(base + "/api/field/sync/", json={"entries": batch}, headers=headers).json()["results"]
        resend = time.perf_counter() - start
        return {"database": database, "code": code or "checkout", "load": os.getloadavg()[0],
                "first_load_bytes": first_load, "entries": count,
                "requests": len(batches(made)), "payload_mb": round(sum(len(json.dumps(e)) for e in made) / 1e6, 2),
                "sync_s": round(seconds, 2), "outcomes": outcomes, "resend_s": round(resend, 2),
                "resend_same": again == answers}
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--no-photos", action="store_true", help="Visits without photos (the writes alone).")
    parser.add_argument("--code", action="append", default=[],
                        help="Another copy of the code to measure too (a folder holding fupin/ and config/).")
    options = parser.parse_args()
    rows = [run(database, options.entries, not options.no_photos, code)
            for database in options.databases.split(",") for code in [*options.code, None]]
    print("| database | code | load (1 min) | first load (bytes) | entries | requests | payload (MB) | sync (s) | "
          "outcomes | re-send (s) | same answers |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['database']} | {row['code']} | {row['load']:.1f} | {row['first_load_bytes']:,} | "
              f"{row['entries']} | {row['requests']} | "
              f"{row['payload_mb']} | {row['sync_s']} | {row['outcomes']} | {row['resend_s']} | "
              f"{row['resend_same']} |")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
