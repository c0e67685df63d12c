"""What article pages show and which tags a change to an article or a section moves (see
pagecache/tags.py for how tags work)."""

from django.db.models import Min
from django.utils import timezone

from accounts.caching import user_tag

# Every list of articles (home, search, feeds, sitemaps, related reading) shows this tag's objects.
ALL_ARTICLES = "articles"
# The section menu in every page's header.
ALL_CATEGORIES = "categories"


def article_tag(article_id):
    return f"article:{article_id}"


def discussion_tag(article_id):
    """An article's comments and its comment count (moved by the comments app)."""
    return f"discussion:{article_id}"


def category_tag(category_id):
    return f"category:{category_id}"


def in_category_tag(category_id):
    return f"articles-in:{category_id}"


def by_author_tag(user_id):
    return f"articles-by:{user_id}"


def article_changed_tags(article):
    """A saved or deleted article: its page, and every list it is (or was) in."""
    return [
        article_tag(article.pk),
        ALL_ARTICLES,
        in_category_tag(article.category_id),
        by_author_tag(article.author_id),
    ]


def category_changed_tags(category):
    return [category_tag(category.pk), ALL_CATEGORIES]


def shown_tags(article):
    """What a page showing this article (its page, or a card in a list) depends on."""
    return [
        article_tag(article.pk),
        discussion_tag(article.pk),
        user_tag(article.author_id),
        category_tag(article.category_id),
    ]


def related_tags(articles):
    """Related reading shows title, section and author, not the comment count."""
    return [
        tag
        for a in articles
        for tag in (article_tag(a.pk), user_tag(a.author_id), category_tag(a.category_id))
    ]


def listing_tags(articles):
    return [tag for article in articles for tag in shown_tags(article)]


def next_publication():
    """When the next scheduled article goes live: cached copies expire then."""
    from articles.models import Article

    return (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .aggregate(next=Min("published_at"))
        .get("next")
    )
