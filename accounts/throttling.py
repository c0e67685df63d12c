"""Who a request comes from, and how often they may do something.

`client_ip` is the reader's address for every throttle: django-axes' login lockouts
(AXES_CLIENT_IP_CALLABLE) and the sign-up and password-reset limits below. `hit` counts an action in
fixed windows on Django's cache: shared by every worker and host when the cache is Redis, per worker
with local memory (development).
"""

import hashlib
import ipaddress
import logging
import math
import time

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def client_ip(request):
    """The reader's address, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE) and the limits here.

    Behind N trusted reverse proxies (DJANGO_PROXY_COUNT=N), each proxy appends the address it was
    connected from to X-Forwarded-For, so the reader is the Nth entry from the right; anything
    further left was written by the client and is ignored. Without proxies it is REMOTE_ADDR.
    Written here rather than taken from django-ipware: ipware 8 counts proxies differently and
    returns no address at all for the header a single nginx sends, which would put every reader
    into one throttling bucket.
    """
    count = settings.NEWSBLOG_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            try:
                # Not an address (a misconfigured proxy count, say): use the peer's address.
                return str(ipaddress.ip_address(hops[-count]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def reset_own_failures(sender, request, user, **kwargs):
    """user_logged_in: a success clears that account's own failed logins, and nothing else.

    django-axes' AXES_RESET_ON_SUCCESS also deletes every failure from the address the success came
    from, whoever they were for: four guesses at someone else's password and one good login to your
    own account, repeated, would never reach the limit. The address's failures for other accounts
    keep counting (and keep locking the address and those accounts)."""
    axes_reset(username=user.get_username())


# Fixed windows on cache.add/incr rather than django-ratelimit 4.1: its system checks refuse the
# local-memory cache (our development default) as an error and warn about our Redis backend.
def hit(scope, ident, limit, period=3600):
    """Count one `scope` action by `ident` (an address, an email); the seconds until it may be done
    again if that was one too many, else None. A limit of 0 turns the throttle off.

    If the cache can't count (Redis unreachable), the action is allowed and a warning logged: a
    sign-up or a reset mail during an outage matters more than a limit."""
    if not limit or not ident:
        return None
    now = time.time()
    window = int(now // period)
    # Hashed: the key is short whatever was typed, and no address is written into the cache in clear.
    digest = hashlib.sha256(str(ident).casefold().encode()).hexdigest()[:32]
    key = f"newsblog:throttle:{scope}:{digest}:{window}"
    try:
        cache.add(key, 0, period + 60)
        count = cache.incr(key)
    except (ValueError, RedisError) as error:
        logger.warning("Throttle %s not counted (%s): allowed", scope, error)
        return None
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * period - now))
