"""The page cache's hits and misses, for Prometheus (the project serves them at /metrics)."""

from prometheus_client import Counter

PAGES = Counter(
    "newsblog_page_cache_total",
    "Reader pages by who asked (anonymous, signed_in) and how the cache answered (hit, not_modified, miss)",
    ["audience", "result"],
)
