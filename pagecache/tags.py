"""Tags: what a page shows, and what a change moves.

A tag names something readers see: `article:42`, `comments:42`, `user:7`, `categories`... Views and
fragments declare the tags of what they show with `shows()`; apps declare which tags a saved or
deleted object moves with `watch()`. A copy is stored with the versions its tags had when it was
rendered and served only while every one of them still has that version.
"""

import pickle
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from pagecache.personal import shared_render
from pagecache.store import EPOCH, NOTHING_SCHEDULED, get_store, now_and_after_commit

# Copies also expire, so relative times ("3 hours ago") and time-based rules stay close.
TIMEOUT = 300

_collecting = ContextVar("pagecache_collecting", default=())
# Callables returning when the next scheduled change happens (a datetime or None).
_schedules = []


def shows(*tags):
    """The page (or fragment) being rendered shows these tags' objects."""
    for collected in _collecting.get():
        collected.update(tags)


@contextmanager
def collecting(*, alone=False):
    """The tags `shows()` is called with inside the block (and in any enclosing block, unless
    `alone`)."""
    tags = set()
    token = _collecting.set((tags,) if alone else (*_collecting.get(), tags))
    try:
        yield tags
    finally:
        _collecting.reset(token)


class Render:
    """One render of a copy: the clock before it started, and until when the copy may be served
    (the next scheduled change, for pages; fragments show nothing scheduled)."""

    def __init__(self, *, scheduled=True):
        self.store = get_store()
        self.clock, until = self.store.clock_and_schedule()
        now = now_ns()
        if not scheduled:
            until = NOTHING_SCHEDULED
        elif until is None or until <= now:
            until = next_scheduled_change(now)
            self.store.set_schedule(until)
        self.until = until

    def versions(self, tags):
        """The versions to store a copy with, or None if something it shows changed while it was
        rendered (it may hold the old rows: serve it, but do not keep it)."""
        versions = self.store.versions(sorted(tags))
        if versions is None or any(version > self.clock for version in versions.values()):
            return None
        return versions


def now_ns():
    return int(timezone.now().timestamp() * 1e9)


def next_scheduled_change(now):
    times = [int(at.timestamp() * 1e9) for at in (schedule() for schedule in _schedules) if at is not None]
    return min([t for t in times if t > now], default=NOTHING_SCHEDULED)


def is_current(entry, store, versions=None):
    """Whether a stored copy is still what a fresh render would show. `versions`: the current
    versions of its tags if already read with it (they are read again if they are not exactly its
    tags)."""
    if entry["until"] <= now_ns():
        return False
    if versions is None or versions.keys() != entry["versions"].keys():
        versions = store.versions([tag for tag in entry["versions"] if tag != EPOCH])
    return versions == entry["versions"]


def shown_tags(entry):
    """The tags a stored copy showed."""
    return tuple(tag for tag in entry["versions"] if tag != EPOCH)


def cached(key, build, *, tags=(), shown=True):
    """`build()`'s value, built again only when something it shows changes. `build` runs as a shared
    render: personal parts inside it are markers (see pagecache/personal.py). `shown=False`: the
    page being rendered does not show this value, so does not depend on its tags."""
    store = get_store()
    [stored] = store.get_many([f"f:{key}"])
    if stored is not None:
        entry = pickle.loads(stored)  # noqa: S301 - written by this module only
        if is_current(entry, store):
            if shown:
                shows(*(tag for tag in entry["versions"] if tag != EPOCH))
            return entry["value"]
    render = Render(scheduled=False)
    with collecting(alone=True) as found, shared_render():
        shows(*tags)
        value = build()
    if shown:
        shows(*found)
    versions = render.versions(found)
    if versions is not None:
        entry = {"versions": versions, "until": render.until, "value": value}
        store.set_many({f"f:{key}": pickle.dumps(entry)}, TIMEOUT)
    return value


def changed(*tags):
    """These tags' objects changed (call it inside the writing transaction): every copy showing
    them is out of date. Saves and deletes of watched models call it themselves."""
    if tags:
        get_store().bump(tags)


def changed_everything():
    """A bulk change that sent no signals (a data import): no stored copy may be served."""
    changed(EPOCH)
    forget_schedule()


def forget_schedule():
    """A scheduled change was added or moved: the next render looks the schedule up again."""
    store = get_store()
    now_and_after_commit(lambda: store.set_schedule(0))


def watch(model, *, tags, ignore_fields=(), before_save=False, schedule=None):
    """Saves and deletes of `model` move `tags(instance)`.

    `ignore_fields`: a save of only these fields changes nothing readers see (a login's
    `last_login`). `before_save`: also move the tags of the row as it was (what it showed before an
    edit may have moved it elsewhere; costs one query per save). `schedule`: a callable returning
    when the next scheduled change to this model happens (an article going live), so that copies
    expire then.
    """
    uid = f"pagecache-{model._meta.label_lower}"
    ignored = set(ignore_fields)

    def saving(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or instance.pk is None or (update_fields is not None and set(update_fields) <= ignored):
            return
        old = sender._default_manager.filter(pk=instance.pk).first()
        if old is not None:
            changed(*tags(old))

    def saved(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or (update_fields is not None and set(update_fields) <= ignored):
            return
        changed(*tags(instance))
        if schedule is not None:
            forget_schedule()

    post_save.connect(saved, sender=model, dispatch_uid=f"{uid}-saved", weak=False)
    post_delete.connect(saved, sender=model, dispatch_uid=f"{uid}-deleted", weak=False)
    if before_save:
        pre_save.connect(saving, sender=model, dispatch_uid=f"{uid}-saving", weak=False)
    if schedule is not None:
        _schedules.append(schedule)
