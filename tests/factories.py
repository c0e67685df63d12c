"""Small factory helpers: make_user(), make_category(), make_tag(), make_article(**overrides)."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Category, Tag

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


def make_member(role, **overrides):
    """A staff account in one of the newsroom's roles (articles/roles.py: WRITER, EDITOR, MODERATOR)."""
    from articles.roles import ensure_group

    user = make_staff(**overrides)
    user.groups.add(ensure_group(role))
    return user


def make_category(**overrides):
    n = next(_seq)
    fields = {"name": f"Section {n}", "slug": f"section-{n}"}
    fields.update(overrides)
    return Category.objects.create(**fields)


def make_tag(**overrides):
    n = next(_seq)
    fields = {"name": f"Subject {n}", "slug": f"subject-{n}"}
    fields.update(overrides)
    return Tag.objects.create(**fields)


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
    tags = fields.pop("tags", ())
    if "author" not in fields:
        fields["author"] = make_staff()
    if "category" not in fields:
        fields["category"] = make_category()
    article = Article(**fields)
    article.save()
    if tags:
        article.tags.set(tags)
    return article


def image_bytes(fmt="JPEG", size=(1200, 800), color=(200, 80, 40), **save_options):
    """A real encoded image, for upload tests."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, color).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def image_upload(name="photo.jpg", fmt="JPEG", size=(1200, 800), content_type="image/jpeg", **save_options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, image_bytes(fmt, size, **save_options), content_type=content_type)


def make_comment(**overrides):
    from comments.models import Comment

    n = next(_seq)
    fields = {"body": f"Comment number {n}."}
    fields.update(overrides)
    if "article" not in fields:
        fields["article"] = make_article()
    if "author" not in fields:
        fields["author"] = make_user()
    comment = Comment(**fields)
    comment.save()
    return comment


def article_admin_form(article=None, **changes):
    """What the article admin form posts: `article`'s fields as they are (none for a new article),
    then `changes` (`tags` as the comma-separated line an editor types). The public corrections inline
    (shown on published articles) posts its empty management form."""
    data = {
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "published_at_0": "",
        "published_at_1": "",
        "comments_enabled": "on",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    if article is not None:
        data |= {
            "title": article.title,
            "slug": article.slug,
            "author": article.author_id,
            "category": article.category_id,
            "summary": article.summary,
            "body": article.body,
            "status": article.status,
            "tags": ", ".join(tag.name for tag in article.tags.all()),
        }
        if article.published_at:
            local = timezone.localtime(article.published_at)
            data["published_at_0"] = local.strftime("%Y-%m-%d")
            data["published_at_1"] = local.strftime("%H:%M:%S")
    for name, value in changes.items():
        data[name] = getattr(value, "pk", value)  # a category or an author stands for its id
    return data
