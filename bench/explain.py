"""EXPLAIN ANALYZE every query the reader pages run, against the bench database.

Requests each page in-process with Django's test client (cache cleared first, so the page is
rendered rather than served from the page cache), captures the SQL it really runs, and
explains each SELECT. Writes the plans to the file given as the first argument and prints one JSON
line "EXPLAIN_JSON {...}" per query (page, duration, sequential scans on the articles or comments
tables). Run by bench/run.py with the same environment as the server (production settings).
"""

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsblog.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

WATCHED_TABLES = ("articles_article", "comments_comment")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def main(out_path, pages):
    client = Client(HTTP_HOST="127.0.0.1")
    report = []
    with open(out_path, "w") as out:
        for name, url in pages:
            client.get(url)  # once to load templates and open the connection
            cache.clear()  # the bench cache only: a page served from the cache would run no query
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            out.write(f"=== {name}: GET {url} -> {response.status_code}, {len(captured)} queries\n\n")
            for number, query in enumerate(captured, 1):
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                scans = sorted({table for table in SEQ_SCAN.findall(plan) if table in WATCHED_TABLES})
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                out.write(f"--- query {number}\n{sql}\n\n{plan}\n\n")
                row = {
                    "page": name,
                    "query": number,
                    "execution_ms": float(took.group(1)) if took else None,
                    "seq_scans": scans,
                    "sql": sql[:160],
                }
                report.append(row)
                print("EXPLAIN_JSON " + json.dumps(row), flush=True)
    return report


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
