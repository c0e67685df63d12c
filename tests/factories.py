"""Small factory helpers: make_user(), make_category(), make_article(**overrides)."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Category

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(**overrides):
    n = next(_seq)
    fields = {"username": f"user{n}", "email": f"user{n}@example.org", "display_name": f"User {n}"}
    fields.update(overrides)
    password = fields.pop("password", PASSWORD)
    return get_user_model().objects.create_user(password=password, **fields)


def make_staff(**overrides):
    return make_user(is_staff=True, **overrides)


def make_category(**overrides):
    n = next(_seq)
    fields = {"name": f"Section {n}", "slug": f"section-{n}"}
    fields.update(overrides)
    return Category.objects.create(**fields)


def make_article(**overrides):
    n = next(_seq)
    fields = {
        "title": f"Article number {n}",
        "slug": f"article-{n}",
        "summary": "First point of the story.\nSecond point.",
        "body": f"Body of article {n}.\n\n## A heading\n\nMore text.",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    fields.update(overrides)
    if "author" not in fields:
        fields["author"] = make_staff()
    if "category" not in fields:
        fields["category"] = make_category()
    article = Article(**fields)
    article.save()
    return article
