from django.conf import settings
from django.core.cache import cache

NAV_CACHE_KEY = "newsblog:nav-categories"


def nav_categories():
    """Categories for the header, cached: every page shows them, they rarely change."""
    from articles.models import Category

    return cache.get_or_set(
        NAV_CACHE_KEY, lambda: list(Category.objects.in_menu().values("name", "slug")), 600
    )


def site(request):
    """The site name and navigation for every template; `member_shell` is true while the shared copy
    of a signed-in reader's page is rendered (personal parts become markers, see newsblog/cache.py)."""
    return {
        "site_name": settings.SITE_NAME,
        "nav_categories": nav_categories,
        "member_shell": getattr(request, "member_shell", None) is not None,
    }
