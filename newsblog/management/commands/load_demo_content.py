"""Demo content for a first run: two sections, a staff author, a writer and an editor of the
newsroom's roles, and a handful of published, tagged articles.

Idempotent: everything is looked up by slug or username first, so a second run adds nothing twice.
All sample text below is our own writing.
"""

import io
import os
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles import roles
from articles.models import Article, Category, Tag

CATEGORIES = [
    ("Technology", "technology", "Software, hardware and the people who make them."),
    ("City life", "city-life", "What is changing in the streets, parks and markets around us."),
]

ARTICLES = [
    {
        "slug": "the-library-that-never-closes",
        "tags": ["Libraries", "Public services", "Night shifts"],
        "title": "The library that never closes",
        "category": "city-life",
        "hours_ago": 3,
        "image": ((34, 87, 122), (240, 180, 90)),
        "alt": "An abstract sunrise in orange and deep blue",
        "caption": "Dawn over the reading room, as imagined by our illustrator.",
        "summary": [
            "The central library now lends books from a self-service hall that is open day and night.",
            "Night-time borrowing doubled in the first month, mostly among shift workers and students.",
            "Staff say the quiet hours have become the busiest time for returning overdue books.",
        ],
        "body": """The central library's new hall has no front desk, no opening hours and, so far, no
complaints. Borrowers tap their card at the door, pick up what they reserved and leave.

## Who comes at three in the morning

The librarians expected students. They got nurses, bakers, taxi drivers and a surprising number of
parents with babies who would not sleep.

- Nurses finishing a late shift
- Bakers starting an early one
- Students who lost track of time

> "People told us reading was a daytime hobby. The logs say otherwise."
> — one of the librarians who planned the hall

## What it cost

The hall reused an old loading bay. The biggest expense was the lockers, which the city bought
second-hand from a closed parcel depot. Details are in the [city's budget pages](https://example.org/budget).
""",
    },
    {
        "slug": "why-your-phone-battery-ages",
        "tags": ["Batteries", "Smartphones", "Repair"],
        "title": "Why your phone battery ages, and how to slow it down",
        "category": "technology",
        "hours_ago": 20,
        "image": ((20, 30, 48), (80, 200, 160)),
        "alt": "An abstract green and navy gradient suggesting a charging battery",
        "caption": "",
        "summary": [
            "Lithium-ion batteries lose capacity with every full cycle and with heat.",
            "Keeping the charge between roughly 20 and 80 percent measurably slows the wear.",
            "Most phones now offer a setting that does this for you overnight.",
        ],
        "body": """Every rechargeable battery in your pocket is slowly wearing out. The good news is that
the habits that slow it down are simple.

## Heat is the enemy

A battery that spends its life warm ages faster than one kept cool. Avoid charging under a pillow
or on a sunny dashboard.

## Partial charges are fine

Old advice said to drain a battery completely. That was true for older chemistries, not for
lithium-ion. A quick check of a phone's battery report might look like this:

```text
cycle_count     412
design_capacity 4000 mAh
full_capacity   3550 mAh  (89%)
```

1. Turn on the optimised charging setting.
2. Take the phone out of its case when it gets hot.
3. Do not worry about topping up during the day.
""",
    },
    {
        "slug": "a-market-moves-indoors",
        "tags": ["Markets", "Local business", "Winter"],
        "title": "A weekend market moves indoors for the winter",
        "category": "city-life",
        "hours_ago": 30,
        "summary": [
            "The riverside market will trade inside the old tram depot from December to March.",
            "Forty stalls have signed up, including ten that are new this year.",
        ],
        "body": """For the first time in its history the riverside market will not close for the winter.

## Forty stalls under one roof

The old tram depot has room for forty stalls, a small stage and, crucially, heating. Traders who
used to pack up in November can now keep their regular customers through the cold months.

*Opening hours* stay the same: Saturday and Sunday, eight until two.
""",
    },
    {
        "slug": "writing-software-that-lasts",
        "tags": ["Software", "Repair"],
        "title": "Writing software that lasts longer than the hype",
        "category": "technology",
        "hours_ago": 50,
        "summary": [
            "Boring, well-understood tools tend to outlive fashionable ones.",
            "Small teams benefit most from code that a newcomer can read in an afternoon.",
            "Tests that describe behaviour age better than tests that describe implementation.",
        ],
        "body": """Every few years a new framework promises to make everything before it obsolete. A few
deliver. Most are forgotten.

## Choose boring technology

A database that has been around for thirty years has had thirty years of bugs found and fixed.
That is a feature.

## Write for the next reader

Code is read many more times than it is written. A short function with a clear name beats a
clever one-liner:

```python
def is_published(article, now):
    return article.status == "published" and article.published_at <= now
```

> The best code is the code a tired colleague can fix at midnight.
""",
    },
    {
        "slug": "trees-on-every-street",
        "tags": ["Trees", "Public services", "Winter"],
        "title": "A plan to put a tree on every street",
        "category": "city-life",
        "hours_ago": 75,
        "summary": [
            "The council wants at least one tree on every residential street within five years.",
            "Residents can nominate a spot; engineers check for pipes and cables first.",
            "The first two hundred trees go in this winter, when planting is cheapest.",
        ],
        "body": """Some streets have dozens of trees. Others have none at all. A new plan aims to close
the gap.

## How to nominate a spot

1. Find a place on the pavement at least a metre and a half wide.
2. Send the council a photo and the nearest house number.
3. Wait for an engineer to check what lies underneath.

| Season | Trees planted |
|--------|---------------|
| Winter | 200           |
| Spring | 150           |

Read more about the species chosen in our [earlier report](https://example.org/trees).
""",
    },
]


def demo_tags(names):
    return [Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0] for name in names]


# Accounts in the newsroom's roles (articles/roles.py), made once like the staff account.
ROLE_ACCOUNTS = [
    ("Writer", "writer", "Wren Writer", roles.WRITER),
    ("Editor", "deskeditor", "Dana Desk", roles.EDITOR),
]


def demo_image(colors):
    """A gradient made here, so the demo needs no downloaded photos."""
    width, height = 1600, 900
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = colors
    for y in range(height):
        t = y / (height - 1)
        draw.line(
            [(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name="demo.jpg")


class Command(BaseCommand):
    help = "Create demo sections, a staff author and sample articles (safe to run more than once)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=None, help="Staff username (default: env or 'editor').")

    @transaction.atomic
    def handle(self, *args, username=None, **options):
        username, password = self.ensure_staff(username)
        author = get_user_model().objects.get(username__iexact=username)
        categories = {}
        for name, slug, description in CATEGORIES:
            categories[slug], _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
        created = 0
        now = timezone.now()
        for spec in ARTICLES:
            existing = Article.objects.filter(slug=spec["slug"]).first()
            if existing is not None:
                if not existing.tags.exists():  # demo content loaded before articles had tags
                    existing.tags.set(demo_tags(spec["tags"]))
                continue
            article = Article(
                slug=spec["slug"],
                title=spec["title"],
                author=author,
                category=categories[spec["category"]],
                summary="\n".join(spec["summary"]),
                body=spec["body"],
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(hours=spec["hours_ago"]),
            )
            if "image" in spec:
                article.lead_image = demo_image(spec["image"])  # cleaned and renamed as the article saves
                article.lead_image_alt = spec["alt"]
                article.lead_image_caption = spec["caption"]
                article.lead_image_credit = "newsblog illustration"
            article.full_clean()
            article.save()
            article.tags.set(demo_tags(spec["tags"]))
            created += 1
        self.stdout.write(f"Demo content: {created} new article(s), {Article.objects.count()} in total.")
        if password:
            self.stdout.write(
                self.style.SUCCESS(f"Staff login: {author.username} / {password}  (admin: /admin/)")
            )
            self.stdout.write("Note the password now: it is not shown again.")
        else:
            self.stdout.write(
                f"Staff login: {author.username} (account unchanged; forgot the password? "
                f"run: .venv/bin/python manage.py changepassword {author.username})"
            )
        for label, role_username, display_name, group in ROLE_ACCOUNTS:
            role_password = self.ensure_role_account(role_username, display_name, group)
            if role_password:
                self.stdout.write(self.style.SUCCESS(f"{label} login: {role_username} / {role_password}"))
            else:
                self.stdout.write(f"{label} login: {role_username} (account unchanged)")

    def ensure_staff(self, username):
        """The staff account, created once. A re-run never touches an existing account, so a
        password changed since stays changed; the password is printed when it is made and stored
        nowhere but as Django's hash."""
        User = get_user_model()
        username = username or os.environ.get("NEWSBLOG_ADMIN_USERNAME") or "editor"
        stale = Path(settings.BASE_DIR) / ".admin-password"
        if stale.exists():  # written in clear by earlier versions of this command
            stale.unlink()
        if User.objects.filter(username__iexact=username).exists():
            return username, None
        password = os.environ.get("NEWSBLOG_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=username, email=f"{username}@example.org", password=password, display_name="The Editor"
        )
        return username, password

    def ensure_role_account(self, username, display_name, group):
        """A staff account in one of the newsroom's groups, made once; returns its new password, or
        None when it already exists (then it is left exactly as it is)."""
        User = get_user_model()
        if User.objects.filter(username__iexact=username).exists():
            return None
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=password,
            display_name=display_name,
            is_staff=True,  # may log in to the admin; the group decides what they may do there
        )
        user.groups.add(roles.ensure_group(group))
        return password
