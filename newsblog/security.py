"""Security headers Django has no setting for, and refusing impossible URL paths."""

from django.conf import settings
from django.http import Http404

# The reader's address lives with the throttles that first needed it (apps never import newsblog);
# newsblog's metrics and request logs use the very same one.
from accounts.throttling import client_ip  # noqa: F401


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
