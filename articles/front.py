"""The front page: a lead story, the next stories in a grid, then a block per section.

Three queries however large the archive: the newest stories, the sections in the menu, and the
newest few stories of each shown section that the top of the page does not already show.
"""

from collections import defaultdict

from django.db import connections
from django.db.models import Window
from django.db.models.functions import RowNumber

from articles.models import Article, Category

MAX_SECTIONS = 6  # section blocks shown at most, in menu order
SECTION_SIZE = 4  # stories per section block
NEWEST_FIRST = ("-published_at", "-id")


def front_page(*, top_size):
    """{"lead", "stories", "sections", "has_more"} for the first page of the site.

    The top is the newest `top_size` stories, which are also the first page of the plain list at
    `?page=N`: the newest one with an image leads (the newest of all when none has one), the others
    follow in a grid. `has_more` says whether `?page=2` has anything.
    """
    newest = list(_stories().order_by(*NEWEST_FIRST)[: top_size + 1])
    has_more = len(newest) > top_size
    top = newest[:top_size]
    lead = next((article for article in top if article.lead_image), top[0] if top else None)
    return {
        "lead": lead,
        "stories": [article for article in top if article is not lead],
        "sections": section_blocks(exclude=[article.pk for article in top]),
        "has_more": has_more,
    }


def section_blocks(*, exclude=(), limit=MAX_SECTIONS, size=SECTION_SIZE):
    """[{"category", "articles"}]: the newest `size` stories of each of the first `limit` sections
    in the menu, leaving out `exclude`; sections with nothing left to show are left out."""
    categories = list(Category.objects.in_menu()[:limit])
    if not categories:
        return []
    candidates = _stories().exclude(pk__in=exclude)
    if connections[Article.objects.db].features.supports_slicing_ordering_in_compound:
        # One index scan per section (article_category_idx), however many stories each has.
        newest = candidates.order_by(*NEWEST_FIRST).values("pk")
        branches = [newest.filter(category=category)[:size] for category in categories]
        chosen = _stories().filter(pk__in=branches[0].union(*branches[1:], all=True))
    else:
        # SQLite cannot slice inside a UNION: number each section's stories and keep the first few.
        rank = Window(RowNumber(), partition_by="category", order_by=NEWEST_FIRST)
        chosen = candidates.filter(category__in=categories).annotate(rank=rank).filter(rank__lte=size)
    by_category = defaultdict(list)
    for article in chosen.order_by(*NEWEST_FIRST):
        by_category[article.category_id].append(article)
    return [
        {"category": category, "articles": by_category[category.pk]}
        for category in categories
        if by_category[category.pk]
    ]


def _stories():
    # Cards show the title, summary and byline: the body stays in the database.
    return Article.objects.for_listing().defer("body", "body_html")
