"""Benchmark data: many published articles over a few categories, authors and tags, and one article
with a long discussion. Used by bench/run.py; see the README's "Performance" section.

Fast: rows are bulk-inserted. Markdown is rendered once per body template (not once per article),
comment HTML once per comment text, and on PostgreSQL the stored search vectors are filled with one
UPDATE per batch using the project's own `articles.search.search_vector()`.

Repeatable: every row is named (`bench-…` slugs and usernames), so a second run only adds what is
missing; `--reset` deletes the bench articles (and their comments) first. Nothing outside the
`bench-` names is touched.
"""

import bisect
import math
import re
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from articles.markdown import render_markdown
from articles.models import WORDS_PER_MINUTE, Article, Category, Tag
from pagecache.tags import changed_everything

PREFIX = "bench-"
TARGET_SLUG = f"{PREFIX}article-0"
READER_USERNAME = f"{PREFIX}reader"
READER_DISPLAY_NAME = "Bench Reader"
# Appears in article bodies only (never in titles or summaries): the search row of the benchmark.
SEARCH_WORD = "aquifer"
BATCH_SIZE = 2000
MINUTES_BETWEEN_ARTICLES = 37

CATEGORIES = [
    ("Bench world", "world"),
    ("Bench politics", "politics"),
    ("Bench technology", "technology"),
    ("Bench science", "science"),
    ("Bench culture", "culture"),
    ("Bench sport", "sport"),
]
AUTHORS = 8
COMMENTERS = 20

TOPICS = [
    "city buses",
    "river bridges",
    "night markets",
    "school gardens",
    "solar roofs",
    "public libraries",
    "bicycle lanes",
    "harbour cranes",
    "mountain trains",
    "street trees",
    "town archives",
    "tram depots",
]
# Each article is tagged with its topic and one theme: a tag page of either size, and related
# reading with one or two shared tags.
THEMES = ["transport", "public spaces", "budgets", "climate", "heritage"]
VERBS = ["return to", "rethink", "expand", "rescue", "redesign", "count", "open up", "test"]

PARAGRAPHS = [
    "The council published the figures on a quiet Tuesday, and within hours residents had found "
    "the one table that mattered: how much each neighbourhood had received over the past decade. "
    "The differences were larger than anyone on the committee had expected.",
    "Engineers who worked on the project describe a slow start. The first survey took a year, the "
    "second found problems the first had missed, and the budget was rewritten twice before a single "
    "contract was signed. None of them regret the delay.",
    "Critics point out that the same promises were made before. A report from the previous "
    "administration set similar targets and met almost none of them, largely because the money "
    "arrived in the wrong years and was spent on the wrong things.",
    "Local businesses are cautiously optimistic. A baker on the high street said the change had "
    "brought more people past her window in a month than the last two summers together, though she "
    "added that a month is not a season.",
    "The numbers tell only part of the story. Interviews with more than forty people who use the "
    "service every day suggest that reliability matters far more to them than speed, and that small "
    "failures are remembered for years.",
    "Researchers at the university have been measuring the effect since the first phase opened. "
    "Their early results are encouraging but noisy, and they warn against reading too much into a "
    "single winter of data.",
]
# The search word lives in this paragraph only, used by one body template in SEARCH_EVERY.
SEARCH_PARAGRAPH = (
    "Under the old quarry lies an aquifer that supplies a third of the district's water. Hydrologists "
    "have monitored it since the nineteen-seventies and say its level has been stable, but they want "
    "the new works kept well clear of the recharge zone."
)
BODY_TEMPLATES = 8
SEARCH_TEMPLATE = 3  # body template that mentions SEARCH_WORD: one article in eight
COMMENT_TEXTS = [
    "Thanks for writing this up. I had no idea the budget had been rewritten twice.",
    "I use this service every day and the reliability point is spot on. Speed is nice, but "
    "knowing it will turn up is what matters.\n\nThe winter figures will be interesting.",
    "Does anyone know where the original report can be found? The council site only has a summary: "
    "https://example.org/report",
    "Same promises as ten years ago. I will believe it when I see it.",
    "Our street got the trees last spring and it has made a real difference in the heat.",
    "A good, balanced piece. More of this, please.",
]


def markdown_body(template):
    """A few hundred words of Markdown: headings, paragraphs, a list and a quote."""
    paragraphs = PARAGRAPHS[template % len(PARAGRAPHS) :] + PARAGRAPHS[: template % len(PARAGRAPHS)]
    if template == SEARCH_TEMPLATE:
        paragraphs = [paragraphs[0], SEARCH_PARAGRAPH, *paragraphs[1:]]
    return "\n\n".join(
        [
            paragraphs[0],
            paragraphs[1],
            "## What changes for residents",
            paragraphs[2],
            "- Services run later in the evening\n- Fares stay the same this year\n"
            "- A public review after twelve months",
            paragraphs[3],
            "> “We wanted to get the boring parts right first.”\n> — a member of the planning team",
            "## What happens next",
            paragraphs[4],
            paragraphs[5],
            f"Background and sources are on the [project page](https://example.org/project/{template}).",
        ]
    )


def update_comment_counters(article_ids):
    """bulk_create skips the comments app's bookkeeping: keep the articles' denormalised comment
    counters (if the app has them) as posting through the site would."""
    from comments import models as comment_models  # comments → articles, never the reverse

    update = getattr(comment_models, "update_article_counters", None)
    if update is not None:
        update(article_ids)


def reading_time(body_html):
    words = len(re.findall(r"\w+", strip_tags(body_html)))
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


class Command(BaseCommand):
    help = "Create benchmark data: N articles over a few categories and authors, M comments on one article."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000, help="Articles to have (default 10000).")
        parser.add_argument(
            "--comments", type=int, default=200, help="Comments on the target article (default 200)."
        )
        parser.add_argument(
            "--other-comments",
            type=int,
            default=20_000,
            help="Comments spread over the other published bench articles, two each (default 20000): "
            "the comments table then has a real site's shape, and its plans are a real site's plans.",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the bench articles and their comments first."
        )
        parser.add_argument(
            "--reader-password",
            default="",
            help=f"Set this password on the '{READER_USERNAME}' account (for the signed-in benchmark).",
        )

    def handle(self, *args, **options):
        n_articles, n_comments = options["articles"], options["comments"]
        if n_articles < 1 or n_comments < 0 or options["other_comments"] < 0:
            raise CommandError("--articles must be at least 1, --comments and --other-comments at least 0.")
        started = time.monotonic()
        now = timezone.now().replace(microsecond=0)
        if options["reset"]:
            self.reset()
        categories = self.categories()
        authors, commenters, reader = self.users(options["reader_password"])
        created = self.articles(n_articles, categories, authors, now)
        tagged = self.tag_articles()
        vectors = self.search_vectors()
        target = Article.objects.get(slug=TARGET_SLUG)
        comments = self.comments(target, n_comments, commenters)
        comments += self.other_comments(target, options["other_comments"], commenters, now)
        if connection.vendor == "postgresql":
            # The state autovacuum gives a long-running site: fresh planner statistics, and the GIN
            # search index's pending list merged (bulk-loaded vectors otherwise make search look slow).
            from comments.models import Comment

            with connection.cursor() as cursor:
                tables = [Article._meta.db_table, Article.tags.through._meta.db_table, Comment._meta.db_table]
                cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        # Bulk inserts send no signals: tell every page cache that the content changed.
        changed_everything()
        elapsed = time.monotonic() - started
        total = Article.objects.filter(slug__startswith=PREFIX).count()
        matches = (
            Article.objects.published().filter(slug__startswith=PREFIX, body__contains=SEARCH_WORD).count()
        )
        self.stdout.write(
            f"Bench data ready in {elapsed:.1f} s: {created} articles created ({total} bench articles, "
            f"{vectors} search vectors filled, {tagged} tagged), {comments} comments created."
        )
        self.stdout.write(f"target article: {target.slug} ({target.get_absolute_url()})")
        self.stdout.write(f"category: {categories[0].slug} ({categories[0].get_absolute_url()})")
        tag = Tag.objects.get(slug=f"{PREFIX}{slugify(TOPICS[0])}")
        self.stdout.write(f"tag: {tag.slug} ({tag.get_absolute_url()})")
        self.stdout.write(f"search word: {SEARCH_WORD} (in the bodies of {matches} published articles)")
        self.stdout.write(f"reader: {reader.username} ({reader.public_name})")

    def reset(self):
        bench = Article.objects.filter(slug__startswith=PREFIX)
        comment_model = Article._meta.get_field("comments").related_model
        with transaction.atomic():
            deleted_comments, _ = comment_model.objects.filter(article__in=bench).delete()
            Article.tags.through.objects.filter(article__in=bench).delete()
            # One DELETE statement: .delete() would first load all (up to 100,000) rows to cascade.
            deleted_articles = bench._raw_delete(bench.db)
        self.stdout.write(f"Reset: deleted {deleted_articles} articles and {deleted_comments} comments.")

    def categories(self):
        categories = []
        for name, slug in CATEGORIES:
            category, _ = Category.objects.get_or_create(
                slug=f"{PREFIX}{slug}", defaults={"name": name, "description": f"{name}, for benchmarks."}
            )
            categories.append(category)
        return categories

    def tag_articles(self):
        """Tag the bench articles that have no tag yet (bulk inserts, like the articles)."""

        def ensure(name):
            slug = f"{PREFIX}{slugify(name)}"
            return Tag.objects.get_or_create(slug=slug, defaults={"name": f"Bench {name}"})[0].pk

        topics, themes = [ensure(topic) for topic in TOPICS], [ensure(theme) for theme in THEMES]
        Through = Article.tags.through
        untagged = Article.objects.filter(slug__startswith=f"{PREFIX}article-", tags__isnull=True)
        rows = []
        for pk, slug in untagged.values_list("pk", "slug").iterator():
            i = int(slug.removeprefix(f"{PREFIX}article-"))
            rows.append(Through(article_id=pk, tag_id=topics[i % len(TOPICS)]))
            rows.append(Through(article_id=pk, tag_id=themes[i % len(THEMES)]))
        with transaction.atomic():
            Through.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
        return len(rows) // 2

    def users(self, reader_password):
        User = get_user_model()

        def ensure(username, display_name):
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": display_name, "email": ""}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            return user

        authors = [ensure(f"{PREFIX}author-{i}", f"Bench Author {i}") for i in range(AUTHORS)]
        commenters = [ensure(f"{PREFIX}commenter-{i}", f"Bench Commenter {i}") for i in range(COMMENTERS)]
        reader = ensure(READER_USERNAME, READER_DISPLAY_NAME)
        if reader_password:
            reader.set_password(reader_password)
            reader.save(update_fields=["password"])
        return authors, commenters, reader

    def articles(self, n_articles, categories, authors, now):
        templates = []
        for template in range(BODY_TEMPLATES):
            body = markdown_body(template)
            body_html = render_markdown(body)
            templates.append((body, body_html, reading_time(body_html)))
        existing = set(
            Article.objects.filter(slug__startswith=f"{PREFIX}article-").values_list("slug", flat=True)
        )
        missing = [i for i in range(n_articles) if f"{PREFIX}article-{i}" not in existing]
        created = 0
        for start in range(0, len(missing), BATCH_SIZE):
            batch = []
            for i in missing[start : start + BATCH_SIZE]:
                body, body_html, minutes = templates[i % BODY_TEMPLATES]
                topic, verb = TOPICS[i % len(TOPICS)], VERBS[(i // len(TOPICS)) % len(VERBS)]
                # Newest first by number; one in fifty is a draft (not listed, not searchable).
                published_at = now - timedelta(minutes=MINUTES_BETWEEN_ARTICLES * i + 60)
                is_draft = i % 50 == 49
                batch.append(
                    Article(
                        title=f"Why towns {verb} their {topic} (no. {i})",
                        slug=f"{PREFIX}article-{i}",
                        author=authors[i % len(authors)],
                        category=categories[i % len(categories)],
                        summary="\n".join(
                            [
                                f"The plan to {verb} the {topic} has a budget and a timetable at last.",
                                "Residents and local businesses are cautiously optimistic.",
                                "Researchers warn that one winter of data is not enough to judge.",
                            ]
                        ),
                        body=body,
                        body_html=body_html,
                        reading_time=minutes,
                        status=Article.Status.DRAFT if is_draft else Article.Status.PUBLISHED,
                        published_at=None if is_draft else published_at,
                        first_published_at=None if is_draft else published_at,
                        updated_at=published_at,
                    )
                )
            with transaction.atomic():
                Article.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            created += len(batch)
            self.stdout.write(f"  articles: {created}/{len(missing)}")
        return created

    def search_vectors(self):
        """Fill the stored search vectors of new rows in batches, as Article.save() would one by one."""
        if connection.vendor != "postgresql":
            return 0
        from articles.search import search_vector  # articles.search imports articles.models

        todo = Article.objects.filter(slug__startswith=PREFIX, search_vector__isnull=True)
        ids = list(todo.order_by("pk").values_list("pk", flat=True))
        filled = 0
        for start in range(0, len(ids), BATCH_SIZE * 5):
            chunk = ids[start : start + BATCH_SIZE * 5]
            filled += Article.objects.filter(
                pk__gte=chunk[0], pk__lte=chunk[-1], search_vector__isnull=True
            ).update(search_vector=search_vector())
        return filled

    def comments(self, target, n_comments, commenters):
        """Comments on the target article: three in four top-level, the rest replies, oldest first."""
        from comments import models as comment_models  # comments → articles, never the reverse
        from comments.formatting import format_comment

        Comment = comment_models.Comment

        have = Comment.objects.filter(article=target).count()
        if have >= n_comments:
            update_comment_counters([target.pk])
            return 0
        html = [format_comment(text) for text in COMMENT_TEXTS]
        start_at = target.published_at + timedelta(minutes=5)
        top, replies = [], []
        for i in range(have, n_comments):
            text = i % len(COMMENT_TEXTS)
            fields = {
                "article": target,
                "author": commenters[i % len(commenters)],
                "body": COMMENT_TEXTS[text],
                "body_html": html[text],
                "created_at": start_at + timedelta(seconds=7 * i),
            }
            (replies if i % 4 == 3 else top).append((i, fields))
        with transaction.atomic():
            Comment.objects.bulk_create([Comment(**fields) for _, fields in top])
            parents = list(
                Comment.objects.filter(article=target, parent__isnull=True).order_by("created_at", "id")
            )
            times = [parent.created_at for parent in parents]
            reply_rows = []
            for n, (_, fields) in enumerate(replies):
                # Reply to one of the last three top-level comments written before it.
                earlier = bisect.bisect_left(times, fields["created_at"])
                if not earlier:
                    continue
                parent = parents[max(0, earlier - 1 - n % 3)]
                reply_rows.append(Comment(**fields, parent=parent, reply_to=parent.author))
            Comment.objects.bulk_create(reply_rows)
            update_comment_counters([target.pk])
        return len(top) + len(reply_rows)

    def other_comments(self, target, n_comments, commenters, now):
        """Top-level comments, two on each of the newest published bench articles but the target."""
        from comments import models as comment_models
        from comments.formatting import format_comment

        Comment = comment_models.Comment
        bench = Comment.objects.filter(article__slug__startswith=PREFIX).exclude(article=target)
        have = bench.count()
        if have >= n_comments:
            return 0
        articles = list(
            Article.objects.published()
            .filter(slug__startswith=PREFIX)
            .exclude(pk=target.pk)
            .order_by("-published_at", "-id")
            .values_list("pk", "published_at")[: math.ceil(n_comments / 2)]
        )
        if not articles:
            return 0
        html = [format_comment(text) for text in COMMENT_TEXTS]
        rows = []
        for i in range(have, n_comments):
            article_id, published_at = articles[(i // 2) % len(articles)]
            text = i % len(COMMENT_TEXTS)
            created_at = min(published_at + timedelta(minutes=30 + 20 * (i % 2)), now)
            rows.append(
                Comment(
                    article_id=article_id,
                    author=commenters[i % len(commenters)],
                    body=COMMENT_TEXTS[text],
                    body_html=html[text],
                    created_at=created_at,
                )
            )
        with transaction.atomic():
            Comment.objects.bulk_create(rows, batch_size=2000)
            update_comment_counters(sorted({row.article_id for row in rows}))
        return len(rows)
