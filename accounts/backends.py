"""Signed-in readers' user rows from the shared cache.

Django's ModelBackend loads the user with one query on every request (and, because it is the only
query most cached pages need, the connection health check costs another round trip). With Redis
configured, `CachedModelBackend` keeps each user in the page cache under the user's tag, which every
save or delete of that user moves (pagecache/tags.py), so a changed password, a deactivated account
or a new display name takes effect on the very next request, on every host. Django's own checks
still run on the loaded user: `user_can_authenticate()` and the session hash (a password change
ends other sessions). Without Redis, checking the tag would cost the query it saves, so the backend
is plain ModelBackend there.
"""

from django.contrib.auth.backends import ModelBackend

from accounts.caching import user_tag
from pagecache.store import uses_redis
from pagecache.tags import cached


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        if not uses_redis():
            return super().get_user(user_id)
        load = super().get_user
        # Not part of what a page shows: a reader's own name is a personal part.
        user = cached(f"user:{user_id}", lambda: load(user_id), tags=[user_tag(user_id)], shown=False)
        return user if user is not None and self.user_can_authenticate(user) else None
