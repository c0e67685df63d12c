"""Reads while someone writes: the anonymous article page and the home page under load while a
signed-in reader posts a comment every second, then every 0.2 s, on another article and then on the
same article. Compared with the same page's quiet row from the same run.

Target (issue "Caching, redesigned"): with a comment every 0.2 s on another article, throughput
>= 0.9x the quiet row and p99 <= 1.5x the quiet p99. Comments on the same article must re-render
it, so those rows are shown without a target.
"""

import re
import threading
import time
import urllib.parse

RATES = (1.0, 0.2)  # seconds between comments
THROUGHPUT_TARGET = 0.9
P99_TARGET = 1.5


class Writer(threading.Thread):
    """Posts a comment on `article_url` every `interval` seconds until stopped."""

    def __init__(self, fetch, base, article_url, cookie, interval):
        super().__init__(daemon=True)
        self.fetch, self.base, self.article_url = fetch, base, article_url
        self.cookie, self.interval = cookie, interval
        self.stopping = threading.Event()
        self.posted, self.failed = 0, 0

    def run(self):
        status, _, body = self.fetch(self.article_url, headers={"Cookie": self.cookie})
        token = re.search(r'id="comment-form".*?name="csrfmiddlewaretoken" value="([^"]+)"', body, re.S)
        if status != 200 or not token:
            self.failed += 1
            return
        action = re.search(r'<form id="comment-form"[^>]*action="([^"]+)"', body).group(1)
        headers = {
            "Cookie": self.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.base,
        }
        n = 0
        next_at = time.monotonic()
        while not self.stopping.is_set():
            n += 1
            form = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token.group(1), "body": f"Bench comment {time.time_ns()} #{n}"}
            ).encode()
            status, _, _ = self.fetch(self.base + action, headers=headers, data=form)
            if status == 302:
                self.posted += 1
            else:
                self.failed += 1
            next_at += self.interval
            self.stopping.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)


def another_article_url(fetch, base):
    """An article far down the archive: on no list page the load reads, and not the target article."""
    status, _, body = fetch(f"{base}/?page=50")
    match = re.search(r'<h2 class="card-title"><a href="([^"]+)"', body)
    if status != 200 or not match:
        raise RuntimeError(f"no article found on /?page=50 (status {status})")
    return base + match.group(1)


def measure(*, fetch, wrk, log, args, base, article_url, cookie, quiet):
    """Rows {key: result} for every page x target x rate; `quiet` holds the quiet rows by page."""
    targets = {"another": another_article_url(fetch, base), "same": article_url}
    pages = {"article": article_url, "home": base + "/"}
    rows = {}
    for target, target_url in targets.items():
        for interval in RATES:
            for page, url in pages.items():
                key = f"{page}_while_writing_{target}_{interval}"
                log(f"{key}: load {args.duration} s while posting every {interval} s")
                writer = Writer(fetch, base, target_url, cookie, interval)
                writer.start()
                try:
                    result = wrk(url, args, args.duration)
                finally:
                    writer.stop()
                result.update(page=page, target=target, interval=interval, posted=writer.posted)
                result["post_failures"] = writer.failed
                result["quiet_rps"], result["quiet_p99_ms"] = quiet[page]["rps"], quiet[page]["p99_ms"]
                rows[key] = result
    return rows


def render(rows):
    lines = [
        "reads while writing (comment every N s)",
        f"{'page':<10} {'writes on':<9} {'every':>6} {'req/s':>8} {'x quiet':>8} {'p99 ms':>8} "
        f"{'x quiet':>8} {'posted':>7}  target",
        "-" * 100,
    ]
    for row in rows.values():
        ratio = row["rps"] / max(1e-9, row["quiet_rps"])
        p99_ratio = row["p99_ms"] / max(1e-9, row["quiet_p99_ms"])
        target = ""
        if row["target"] == "another" and row["interval"] == min(RATES):
            ok = ratio >= THROUGHPUT_TARGET and p99_ratio <= P99_TARGET
            target = f">= {THROUGHPUT_TARGET}x and p99 <= {P99_TARGET}x quiet {'pass' if ok else 'MISS'}"
        if row["errors"] or row["post_failures"]:
            target += f" errors {row['errors']}, failed posts {row['post_failures']}"
        lines.append(
            f"{row['page']:<10} {row['target']:<9} {row['interval']:>5}s {row['rps']:>8.0f} {ratio:>8.2f} "
            f"{row['p99_ms']:>8.1f} {p99_ratio:>8.2f} {row['posted']:>7}  {target}"
        )
    return "\n".join(lines)
