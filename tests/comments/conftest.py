import pytest


@pytest.fixture(autouse=True)
def _no_rate_limit_unless_asked(settings, request):
    """Most tests post several comments quickly; the rate-limit tests switch the limits back on."""
    if "rate_limited" not in request.keywords:
        settings.COMMENTS_MIN_INTERVAL_SECONDS = 0
        settings.COMMENTS_MAX_PER_HOUR = 0
