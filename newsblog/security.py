"""Security headers Django has no setting for, and the client address for login throttling."""

import ipaddress

from django.conf import settings
from django.http import Http404


def permissions_policy_header(policy):
    """{"camera": [], "fullscreen": ["self"]} -> 'camera=(), fullscreen=(self)'."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    """Adds a Permissions-Policy header built from settings.PERMISSIONS_POLICY to every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in the URL path is never a real address: no page lives there, so it is a 404
    before any view sees it (PostgreSQL would refuse it as a lookup value, a 500). A NUL byte in
    a form field is a 400 from the form itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("There is no such page.")
        return self.get_response(request)


def client_ip(request):
    """The reader's address, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

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
