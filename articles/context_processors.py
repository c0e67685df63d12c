from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.caching import ALL_CATEGORIES, MENU
from pagecache.tags import cached


def nav_categories():
    """The sections in the header (those with a published article): every page shows them, and every
    page is told when a section changes or the list of sections with a published article does."""
    from articles.models import Category

    menu = lambda: list(Category.objects.in_menu().values("name", "slug"))  # noqa: E731
    return cached("nav", menu, tags=[ALL_CATEGORIES, MENU])


def site(request):
    """The site name and the section menu for every template (the menu is looked up only if shown)."""
    # Looked up at most once per page, however many times the page shows the menu.
    return {"site_name": settings.SITE_NAME, "nav_categories": SimpleLazyObject(nav_categories)}
