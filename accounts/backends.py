"""Signed-in readers' user rows from the shared cache.

Django's ModelBackend loads the user with one query on every request (and, because it is the only
query most cached pages need, the connection health check costs another round trip). With Redis
configured, `CachedModelBackend` keeps each user in the cache under a per-user *version* that every
save or delete of that user moves, so a changed password, a deactivated account or a new display
name takes effect on the very next request, on every host. Django's own checks still run on the
loaded user: `user_can_authenticate()` and the session hash (a password change ends other sessions).

The version is moved inside the writing transaction and again once it commits, so no request can
store the old row under the new version. Without Redis (each worker with its own local memory) the
cache could not be invalidated everywhere, so the backend is plain ModelBackend there.
"""

import time

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from newsblog.cache import now_and_after_commit, uses_shared_cache

USER_TIMEOUT = 600
# Every cached user also records this; Redis drops it after an outage (newsblog/redis_cache.py), so
# a password changed while Redis was unreachable still ends the old sessions once it is back.
EPOCH_KEY = "newsblog:user-epoch"


def _keys(user_id):
    return f"newsblog:user:{user_id}", f"newsblog:user-version:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        if not uses_shared_cache():
            return super().get_user(user_id)
        user_key, version_key = _keys(user_id)
        found = cache.get_many([user_key, version_key, EPOCH_KEY])
        version, epoch, stored = found.get(version_key), found.get(EPOCH_KEY), found.get(user_key)
        if None not in (version, epoch, stored) and (stored["version"], stored["epoch"]) == (version, epoch):
            user = stored["user"]
        else:
            if epoch is None:
                epoch = time.time_ns()
                cache.set(EPOCH_KEY, epoch, None)
            if version is None:
                version = time.time_ns()
                cache.set(version_key, version, None)
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(user_key, {"version": version, "epoch": epoch, "user": user}, USER_TIMEOUT)
        return user if self.user_can_authenticate(user) else None


def user_changed(sender, instance, **kwargs):
    """post_save / post_delete of a user: every cached copy of them is out of date."""
    if not uses_shared_cache():
        return
    version_key = _keys(instance.pk)[1]
    now_and_after_commit(lambda: cache.set(version_key, time.time_ns(), None))
