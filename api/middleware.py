"""Limits on the content API, before the page cache answers (a cached answer costs a request too)."""

from django.conf import settings
from django.http import JsonResponse

from accounts.throttling import client_ip, hit

API_PATH = "/api/"


class ApiThrottleMiddleware:
    """At most NEWSBLOG_API_REQUESTS_PER_MINUTE requests a minute from one client address; then a
    429 with Retry-After and a JSON message. CORS preflights (answered above) are not counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PATH):
            wait = hit("api", client_ip(request), settings.NEWSBLOG_API_REQUESTS_PER_MINUTE, period=60)
            if wait is not None:
                message = f"Too many requests from your address: try again in {wait} seconds."
                response = JsonResponse({"detail": message}, status=429)
                response["Retry-After"] = str(wait)
                response["Cache-Control"] = "no-store"
                return response
        return self.get_response(request)
