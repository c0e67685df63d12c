"""What article pages show and which tags a change to an article or a section moves (see
pagecache/tags.py for how tags work)."""

from django.db.models import Min
from django.db.models.signals import post_delete
from django.utils import timezone

from accounts.caching import user_tag
from pagecache.tags import changed

# Every list of articles (home, search, feeds, sitemaps, related reading) shows this tag's objects.
ALL_ARTICLES = "articles"
# Every section's name and address (the section menu in every page's header shows them).
ALL_CATEGORIES = "categories"
# Which sections the menu lists: those with a published article (Category.objects.in_menu()).
MENU = "menu"
# Every tag's name and address (lists of tags, and every page showing an article's tags).
ALL_TAGS = "tags"


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


def tag_tag(tag_id):
    return f"tag:{tag_id}"


def tag_changed_tags(tag):
    return [tag_tag(tag.pk), ALL_TAGS]


def article_tags_changed(sender, instance, action, reverse, **kwargs):
    """m2m_changed on Article.tags (no save signal is sent): from the article's side its page and
    every list; from a tag's side every page showing that tag, and every list."""
    if not action.startswith("post_"):
        return
    changed(tag_tag(instance.pk) if reverse else article_tag(instance.pk), ALL_ARTICLES, ALL_TAGS)


def menu_section(article):
    """The section this article puts in the menu (its own, while it is public), or None."""
    return article.category_id if article is not None and article.is_public else None


def article_moves_menu(sender, instance, raw=False, **kwargs):
    """pre_save and post_delete of an article: the menu changes only when a section gains its first
    public article or loses its last, not on every edit or publication (each such move empties
    every cached page, since every page shows the menu)."""
    if raw:
        return
    if kwargs.get("signal") is post_delete:
        before, after = menu_section(instance), None
    else:
        old = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
        before, after = menu_section(old), menu_section(instance)
    if before == after:
        return
    others = sender._default_manager.published().exclude(pk=instance.pk)
    if any(
        section is not None and not others.filter(category_id=section).exists() for section in (before, after)
    ):
        changed(MENU)


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
