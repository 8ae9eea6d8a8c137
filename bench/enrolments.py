"""Member import benchmark: check and invite a generated member list of 5,000 and 100,000 rows
(the row limit raised for the larger one), each in a fresh child process on a fresh SQLite
database. Prints the time of each step and the peak resident memory of the child.

    .venv/bin/python bench/enrolments.py [--rows 5000 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(rows: int, var: str) -> dict:
    import os

    os.environ["BUURTWACHT_ENROLMENT_MAX_ROWS"] = str(rows)
    os.environ["BUURTWACHT_ENROLMENT_MAX_FILE"] = str(1024 * 1024 * 1024)
    os.environ["SMS_CM_PRODUCT_TOKEN"] = "bench"
    sys.path.insert(0, str(HERE))
    from child import start_django

    start_django(f"sqlite:///{var}/bench.sqlite3", var)
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from apps.addresses.models import Address
    from apps.enrolments import services
    from testkit.world import build_world

    world = build_world()
    # One address per person, all in group A's area: the register answers each row anew.
    for start in range(0, rows, 2000):
        Address.objects.bulk_create(
            [
                Address(
                    country="BE",
                    postcode="3870",
                    house_number=1 + n % 10000,
                    street=f"Straat {n // 10000}",
                    town="Testdorp",
                    lon=5.301 + (n % 1000) * 0.000018,
                    lat=50.751 + (n // 1000) * 0.00008,
                    municipality=world.testdorp,
                )
                for n in range(start, min(start + 2000, rows))
            ]
        )
    upload = TemporaryUploadedFile("leden.csv", "text/csv", 0, "utf-8")
    upload.write(b"Naam;Straat;Huisnummer;Postcode;Gemeente;GSM;E-mail\r\n")
    for n in range(1, rows + 1):
        email = "" if n % 10 == 0 else f"p{n}@example.org"
        street, number = f"Straat {(n - 1) // 10000}", 1 + (n - 1) % 10000
        upload.write(f"Persoon {n};{street};{number};3870;Testdorp;0471 {n:06d};{email}\r\n".encode())
    upload.size = upload.tell()
    upload.seek(0)
    mapping = {"full_name": 0, "street": 1, "house_number": 2, "postcode": 3, "town": 4, "phone": 5, "email": 6}
    timings = {}
    started = time.perf_counter()
    imp = services.start_import(world.group_a, upload, actor=world.admin_a)
    timings["upload_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    services.check_import(imp, mapping, actor=world.admin_a)
    timings["check_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        invited = profiler.runcall(services.invite, imp, actor=world.admin_a)
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
    else:
        invited = services.invite(imp, actor=world.admin_a)
    timings["invite_s"] = round(time.perf_counter() - started, 2)
    # Peak resident memory of the whole process (Django, the world and the file's work).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "invited": invited, **timings, "max_rss_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[5000, 100_000])
    parser.add_argument("--child", type=int)
    parser.add_argument("--var")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.var)))
        return
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as var:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(rows), "--var", var],
                capture_output=True,
                text=True,
                check=True,
            )
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
