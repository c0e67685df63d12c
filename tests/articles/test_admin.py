import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from tests.factories import image_bytes, image_upload, make_article, make_category, make_staff, make_user

pytestmark = pytest.mark.django_db


def article_form(category, author, **overrides):
    data = {
        "title": "Council votes on cycle lanes",
        "slug": "council-votes-on-cycle-lanes",
        "author": author.pk,
        "category": category.pk,
        "summary": "The vote is on Tuesday.\nThree routes are proposed.",
        "body": "## Background\n\nThe plan was first **proposed** in spring.",
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_client(client):
    staff = make_staff(is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


def test_staff_can_write_and_publish_an_article_in_the_admin(staff_client):
    category = make_category()
    response = staff_client.post(
        "/admin/articles/article/add/",
        article_form(
            category, staff_client.staff, lead_image=image_upload(), lead_image_alt="Cyclists at a junction"
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="council-votes-on-cycle-lanes")
    assert article.is_public
    assert "<strong>proposed</strong>" in article.body_html
    assert article.lead_image.name.endswith(".jpg")
    assert article.lead_image_renditions
    assert staff_client.get(article.get_absolute_url()).status_code == 200


def test_admin_refuses_bad_summary_and_missing_alt_text(staff_client):
    response = staff_client.post(
        "/admin/articles/article/add/",
        article_form(make_category(), staff_client.staff, summary="x" * 300, lead_image=image_upload()),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 280 characters" in html
    assert "Describe the lead image" in html
    assert not Article.objects.exists()


def test_admin_refuses_a_lead_image_that_is_not_an_image(staff_client):
    fake = SimpleUploadedFile("x.gif", b"<html><script>alert(1)</script></html>", content_type="image/gif")
    response = staff_client.post(
        "/admin/articles/article/add/",
        article_form(make_category(), staff_client.staff, lead_image=fake, lead_image_alt="x"),
    )
    assert response.status_code == 200
    assert (
        "Upload a valid image" in response.content.decode()
        or "not a readable image" in response.content.decode()
    )
    assert not Article.objects.exists()


def test_minor_edit_in_the_admin_keeps_the_updated_date(staff_client):
    article = make_article(author=staff_client.staff)
    before = article.updated_at
    data = article_form(article.category, staff_client.staff, slug=article.slug, title=article.title,
                        minor_edit="on", body="Typo fixed.")  # fmt: skip
    data["published_at_0"] = article.published_at.strftime("%Y-%m-%d")
    data["published_at_1"] = article.published_at.strftime("%H:%M:%S")
    response = staff_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.updated_at == before
    assert "Typo fixed." in article.body_html


def test_slug_is_locked_after_publication(staff_client):
    article = make_article(author=staff_client.staff)
    response = staff_client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200
    assert 'name="slug"' not in response.content.decode()


def test_admin_list_search_and_filters_work(staff_client):
    make_article(title="Findable headline")
    make_article(title="Other")
    response = staff_client.get("/admin/articles/article/", {"q": "Findable", "status__exact": "published"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Findable headline" in html and ">Other<" not in html


def test_readers_cannot_get_into_the_admin(client):
    client.force_login(make_user())
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("path", ["/markdownx/markdownify/", "/markdownx/upload/"])
@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_markdownx_endpoints_are_staff_only(client, path, who):
    if who == "reader":
        client.force_login(make_user())
    response = client.post(path, {"content": "# hi"})
    assert response.status_code == 403


def test_preview_uses_the_sanitising_renderer(staff_client):
    response = staff_client.post("/markdownx/markdownify/", {"content": "**hi** <script>alert(1)</script>"})
    assert response.status_code == 200
    assert response.content.decode().strip() == "<p><strong>hi</strong> </p>"


def test_preview_without_content_is_a_400(staff_client):
    assert staff_client.post("/markdownx/markdownify/", {}).status_code == 400
    assert staff_client.get("/markdownx/markdownify/").status_code == 405


def upload(client, uploaded):
    return client.post("/markdownx/upload/", {"image": uploaded}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


def test_upload_reencodes_and_strips_metadata(staff_client, settings):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x8825] = {1: "N"}  # GPS info
    uploaded = image_upload(name="holiday.png.exe", exif=exif.tobytes())
    response = upload(staff_client, uploaded)
    assert response.status_code == 200
    code = response.json()["image_code"]
    assert code.startswith("![](/media/markdownx/") and code.endswith(".jpg)")
    stored = settings.MEDIA_ROOT / code[len("![](/media/") : -1]
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_upload_accepts_the_other_formats(staff_client, fmt):
    response = upload(staff_client, SimpleUploadedFile("x.bin", image_bytes(fmt), content_type="image/jpeg"))
    assert response.status_code == 200
    assert response.json()["image_code"].endswith({"PNG": ".png)", "WEBP": ".webp)", "GIF": ".gif)"}[fmt])


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("evil.gif", b"GIF89a<html><script>alert(1)</script>", "image/gif"),
        (
            "pic.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("doc.png", b"%PDF-1.4 not an image", "image/png"),
        ("pic.bmp", image_bytes("BMP"), "image/bmp"),
    ],
)
def test_upload_refuses_anything_that_is_not_a_real_image(staff_client, name, content, content_type):
    response = upload(staff_client, SimpleUploadedFile(name, content, content_type=content_type))
    assert response.status_code == 400
    assert "JPEG, PNG, WebP or GIF" in response.json()["image"][0]


def test_upload_refuses_huge_dimensions(staff_client, settings):
    settings.NEWSBLOG_IMAGE_MAX_PIXELS = 100
    response = upload(staff_client, image_upload(size=(101, 50)))
    assert response.status_code == 400
    assert "larger than 100×100 pixels" in response.json()["image"][0]


def test_upload_refuses_huge_files(staff_client, settings):
    settings.NEWSBLOG_IMAGE_MAX_BYTES = 1000
    big = io.BytesIO()
    Image.effect_noise((200, 200), 100).convert("RGB").save(big, format="PNG")
    response = upload(staff_client, SimpleUploadedFile("big.png", big.getvalue(), content_type="image/png"))
    assert response.status_code == 400
    assert response.json()["image"] == ["The image is larger than 1000\xa0bytes."]


def test_upload_without_a_file_is_a_400(staff_client):
    response = staff_client.post("/markdownx/upload/", {})
    assert response.status_code == 400
