"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Never let Playwright download a browser. If Chromium is missing, these tests fail loudly in CI
(CI=true) instead of skipping, so a green run always means the journeys ran.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The live server runs in another thread; Django's async-unsafe guard trips on Playwright's loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def site_url(live_server):
    return live_server.url
