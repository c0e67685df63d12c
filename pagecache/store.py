"""Where cached copies and tag versions live.

With Redis (the default cache is django-redis): copies and versions are Redis keys, read with one
MGET each, so a cached page costs no database query. Without Redis: copies live in this process's
local memory, and versions in the `TagVersion` table, which every worker process shares — one small
query per cached page, and never a copy another worker has outdated.

Versions are drawn from one clock (a counter), so a render can tell whether anything it depends on
changed after it started (see pagecache/tags.py). A tag whose version is missing from Redis (never
changed, evicted, or dropped after an outage) gets a fresh negative one: a copy must never match a
version it was not stored with, and only a change makes a version greater than the clock.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger("pagecache")

CLOCK = "~clock"
# When the next scheduled change (an article going live) happens, in nanoseconds since the epoch.
SCHEDULE = "~schedule"
# Every copy depends on this too: moved by bulk changes that send no signals, and dropped when Redis
# answers again after an outage, because the changes made during it could not move their tags.
EPOCH = "~epoch"
# What a failed Redis call raises: redis-py's errors, and django-redis's wrapper of them.
REDIS_ERRORS = (RedisError, ConnectionInterrupted)
# The schedule's value when nothing is scheduled.
NOTHING_SCHEDULED = 2**62
# Seconds to leave Redis alone after a failed call.
BACKOFF_SECONDS = 5.0


def uses_redis():
    return settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


def get_store():
    return REDIS if uses_redis() else LOCAL


def now_and_after_commit(action):
    """Run a Redis write now and, inside a transaction, again once it commits. Redis is not part of
    the transaction: without the second write, a request in between could read the old rows and
    store them under the new version."""
    action()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(action)


class LocalStore:
    """Copies in local memory (Django's default cache), versions in the database."""

    def get_many(self, keys):
        found = cache.get_many(keys)
        return [found.get(key) for key in keys]

    def set_many(self, values, timeout):
        cache.set_many(values, timeout)

    def read(self, keys, tags):
        """`get_many(keys)`, and the versions of `tags` (None when no tags are asked for)."""
        return self.get_many(keys), self.versions(tags) if tags else None

    def versions(self, tags):
        from pagecache.models import TagVersion

        # A tag never changed has no row: version 0 on every worker (database rows are not evicted).
        tags = [*tags, EPOCH]
        found = dict(TagVersion.objects.filter(name__in=tags).values_list("name", "version"))
        return {tag: found.get(tag, 0) for tag in tags}

    def bump(self, tags):
        """New versions for `tags`, in the writing transaction itself: readers see them exactly when
        they see the change."""
        from pagecache.models import TagVersion

        with transaction.atomic():
            TagVersion.objects.bulk_create([TagVersion(name=CLOCK, version=0)], ignore_conflicts=True)
            TagVersion.objects.filter(name=CLOCK).update(version=F("version") + 1)  # locks the clock row
            clock = TagVersion.objects.get(name=CLOCK).version
            TagVersion.objects.bulk_create(
                [TagVersion(name=tag, version=clock) for tag in tags],
                update_conflicts=True,
                unique_fields=["name"],
                update_fields=["version"],
            )

    def clock_and_schedule(self):
        from pagecache.models import TagVersion

        found = dict(TagVersion.objects.filter(name__in=[CLOCK, SCHEDULE]).values_list("name", "version"))
        return found.get(CLOCK, 0), found.get(SCHEDULE) or None

    def set_schedule(self, at_ns):
        from pagecache.models import TagVersion

        TagVersion.objects.update_or_create(name=SCHEDULE, defaults={"version": at_ns})


class RedisStore:
    """Copies and versions in Redis. A Redis outage degrades the site instead of failing it: every
    copy can be rebuilt from the database, so a failed call is a miss (or a skipped write), and Redis
    is left alone for a few seconds so requests don't each wait on a dead socket."""

    def __init__(self):
        self.down_until = 0.0
        self.had_outage = False

    def client(self):
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    def key(self, name):
        return self.keys(name)[0]

    def keys(self, *names):
        """The Redis keys of `names`: the cache's prefix is worked out once per call, not per name
        (a page can show a hundred tags)."""
        prefix = cache.make_key("pagecache:")
        return [prefix + name for name in names]

    def available(self):
        if not self.had_outage:
            return True
        if time.monotonic() < self.down_until:
            return False
        try:
            # Back after an outage: changes made during it could not move their tags, so no copy
            # stored before it may be served after it.
            self.client().delete(self.key(f"v:{EPOCH}"))
        except REDIS_ERRORS as error:
            self.failed(error)
            return False
        self.had_outage = False
        logger.warning("Redis is back: every cached copy from before the outage is dropped")
        return True

    def failed(self, error):
        self.down_until = time.monotonic() + BACKOFF_SECONDS
        self.had_outage = True
        logger.warning("Redis unavailable (%s): serving without it for %.0f s", error, BACKOFF_SECONDS)

    def get_many(self, keys):
        if not self.available():
            return [None] * len(keys)
        try:
            return self.client().mget(self.keys(*keys))
        except REDIS_ERRORS as error:
            self.failed(error)
            return [None] * len(keys)

    def set_many(self, values, timeout):
        if not self.available():
            return
        try:
            pipe = self.client().pipeline(transaction=False)
            for key, value in zip(self.keys(*values), values.values(), strict=True):
                pipe.set(key, value, ex=timeout)
            pipe.execute()
        except REDIS_ERRORS as error:
            self.failed(error)

    def read(self, keys, tags):
        """`get_many(keys)`, and the versions of `tags` as `versions()` gives them (None when no tags
        are asked for): both in one MGET when every version is there, as it is for any page shown
        since its tags last changed."""
        if not tags or not self.available():
            return self.get_many(keys), None
        tags = [*tags, EPOCH]
        try:
            found = self.client().mget(self.keys(*keys, *(f"v:{tag}" for tag in tags)))
        except REDIS_ERRORS as error:
            self.failed(error)
            return [None] * len(keys), None
        values, versions = found[: len(keys)], found[len(keys) :]
        if None in versions:
            return values, self.versions(tags[:-1])
        return values, {tag: int(version) for tag, version in zip(tags, versions, strict=True)}

    def versions(self, tags):
        """{tag: version}, EPOCH included; None when Redis is unreachable (nothing is valid)."""
        tags = [*tags, EPOCH]
        if not self.available():
            return None
        try:
            client = self.client()
            keys = self.keys(*(f"v:{tag}" for tag in tags))
            values = client.mget(keys)
            missing = [key for key, value in zip(keys, values, strict=True) if value is None]
            if missing:
                # Negative: unique, yet never taken for a change made after a render began.
                version = -client.incr(self.key(CLOCK))
                pipe = client.pipeline(transaction=False)
                for key in missing:
                    pipe.set(key, version, nx=True)
                pipe.execute()
                values = client.mget(keys)

        except REDIS_ERRORS as error:
            self.failed(error)
            return None
        return {tag: int(value) for tag, value in zip(tags, values, strict=True)}

    def bump(self, tags):
        keys = self.keys(*(f"v:{tag}" for tag in tags))

        def write():
            if not self.available():
                return
            try:
                client = self.client()
                version = client.incr(self.key(CLOCK))
                client.mset(dict.fromkeys(keys, version))
            except REDIS_ERRORS as error:
                self.failed(error)

        now_and_after_commit(write)

    def clock_and_schedule(self):
        clock, schedule = self.get_many([CLOCK, SCHEDULE])
        return int(clock or 0), int(schedule) if schedule else None

    def set_schedule(self, at_ns):
        self.set_many({SCHEDULE: at_ns}, None)


LOCAL = LocalStore()
REDIS = RedisStore()


def _django_redis_client_class():
    from django_redis.client import DefaultClient
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError as RedisConnectionError

    class RedisClient(DefaultClient):
        """django-redis's client, which also leaves Redis alone while the page cache backs off: with
        IGNORE_EXCEPTIONS, sessions then fall back to the database at once instead of each request
        waiting on a dead socket."""

        def get_client(self, write=True, tried=None):
            if REDIS.had_outage and time.monotonic() < REDIS.down_until:
                raise ConnectionInterrupted(connection=None) from RedisConnectionError("backing off")
            return super().get_client(write, tried)

    return RedisClient


RedisClient = _django_redis_client_class()
