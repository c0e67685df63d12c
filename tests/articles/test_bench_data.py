"""The benchmark's data generator: the sizes it is asked for, and nothing twice."""

import io

import pytest
from django.core.management import call_command

from articles.models import Article
from comments.models import Comment

# transaction=True: on PostgreSQL the generator runs VACUUM, which cannot run inside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def generate(**options):
    call_command("generate_bench_data", stdout=io.StringIO(), **options)


def test_generates_articles_a_long_discussion_and_background_comments():
    generate(articles=40, comments=12, other_comments=10)
    bench = Article.objects.filter(slug__startswith="bench-")
    assert bench.count() == 40
    target = bench.get(slug="bench-article-0")
    assert target.comments.count() == 12
    assert target.comments.filter(parent__isnull=False).exists()
    others = Comment.objects.exclude(article=target)
    assert others.count() == 10
    assert others.values("article").distinct().count() == 5  # two each
    target.refresh_from_db()
    assert target.comment_count == 12
    busy = Article.objects.get(pk=others.first().article_id)
    assert busy.comment_count == 2
    assert busy.is_public
    # Every article has its topic and a theme: tag pages of two sizes, related reading by tag.
    assert all(article.tags.count() == 2 for article in bench)
    assert bench.filter(tags__slug="bench-city-buses").count() == 4  # one topic in twelve
    assert bench.filter(tags__slug="bench-transport").count() == 8  # one theme in five


def test_a_second_run_adds_nothing_and_a_bigger_one_only_the_difference():
    generate(articles=20, comments=8, other_comments=6)
    generate(articles=20, comments=8, other_comments=6)
    assert Article.objects.filter(slug__startswith="bench-").count() == 20
    assert Comment.objects.count() == 14
    generate(articles=25, comments=8, other_comments=10)
    assert Article.objects.filter(slug__startswith="bench-").count() == 25
    assert Article.tags.through.objects.count() == 50
    assert Comment.objects.count() == 18


def test_reset_starts_again():
    generate(articles=10, comments=4, other_comments=2)
    generate(articles=10, comments=4, other_comments=2, reset=True)
    assert Article.objects.filter(slug__startswith="bench-").count() == 10
    assert Article.tags.through.objects.count() == 20
    assert Comment.objects.count() == 6
