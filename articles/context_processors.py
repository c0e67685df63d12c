from django.conf import settings

from articles.caching import ALL_CATEGORIES
from pagecache.tags import cached


def nav_categories():
    """The sections in the header: every page shows them, and every page is told when they change."""
    from articles.models import Category

    return cached("nav", lambda: list(Category.objects.values("name", "slug")), tags=[ALL_CATEGORIES])


def site(request):
    """The site name and the section menu for every template (the menu is looked up only if shown)."""
    return {"site_name": settings.SITE_NAME, "nav_categories": nav_categories}
