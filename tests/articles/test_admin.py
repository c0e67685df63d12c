import io
import struct
from html.parser import HTMLParser

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from articles.models import Article
from tests.factories import (
    article_admin_form,
    image_bytes,
    image_upload,
    make_article,
    make_category,
    make_user,
)

pytestmark = pytest.mark.django_db


def article_form(category, author, **overrides):
    fields = {
        "title": "Council votes on cycle lanes",
        "slug": "council-votes-on-cycle-lanes",
        "author": author,
        "category": category,
        "summary": "The vote is on Tuesday.\nThree routes are proposed.",
        "body": "## Background\n\nThe plan was first **proposed** in spring.",
        "status": "published",
    }
    return article_admin_form(**(fields | overrides))


def test_staff_can_write_and_publish_an_article_in_the_admin(staff_client):
    category = make_category()
    response = staff_client.post(
        "/admin/articles/article/add/",
        article_form(
            category, staff_client.staff, lead_image=image_upload(), lead_image_alt="Cyclists at a junction"
        ),
    )
    assert response.status_code == 302, admin_errors(response)
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


# What a phone photo says about where it was taken, and by whom with what: none of it may be stored.
IDENTIFYING_NAME = "IMG_2041 Jane Doe at 14 Elm Road.jpg"
TELLTALES = [
    b"SnoopCam",  # camera make (EXIF, XMP, comment)
    b"Tracker 3000",  # camera model
    b"GPSLatitude",  # XMP location
    b"51.5007",  # a location written as text (PNG chunk, XMP)
    b"Lewisham",  # IPTC city
    b"IMG_2041",  # the uploader's file name
    b"Jane Doe",
    b"Exif\x00\x00",
    b"http://ns.adobe.com/xap/1.0/",
    b"Photoshop 3.0",
    b"ICC_PROFILE",
]
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"'
    b' exif:GPSLatitude="51,30.042N" exif:GPSLongitude="0,7.662W" tiff:Make="SnoopCam"'
    b' tiff:Model="Tracker 3000"/></rdf:RDF></x:xmpmeta>'
)
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def telltale_exif():
    exif = Image.Exif()
    exif[0x010F] = "SnoopCam"  # Make
    exif[0x0110] = "Tracker 3000"  # Model
    exif[0x0112] = 6  # Orientation: rotated, so the stored picture must be turned upright
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 2.52), 3: "W", 4: (0.0, 7.0, 39.72)})
    return exif


def app_segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def telltale_jpeg(size=(1200, 800)):
    """A JPEG as a phone writes it: EXIF with GPS and device, XMP, IPTC city, a comment, an ICC profile."""
    buffer = io.BytesIO()
    picture = Image.new("RGB", size, (200, 80, 40))
    picture.paste((20, 40, 200), (0, 0, size[0] // 4, size[1] // 4))  # a corner, to check orientation
    picture.save(
        buffer, "JPEG", exif=telltale_exif(), xmp=XMP, icc_profile=ICC, comment=b"SnoopCam Tracker 3000"
    )
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x5a\x00\x08Lewisham"
    data = buffer.getvalue()
    data = data[:2] + app_segment(0xED, iptc) + data[2:]
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries what we test for
        assert check.getexif().get_ifd(0x8825) and check.getexif()[0x010F] == "SnoopCam"
        assert {"xmp", "icc_profile", "comment", "photoshop"} <= set(check.info)
    return data


def telltale_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", "51.5007 N, 0.1277 W")
    info.add_itxt("Description", "Taken at 14 Elm Road by Jane Doe on a SnoopCam", zip=False)
    info.add_text("Software", "SnoopCam Tracker 3000", zip=True)
    buffer = io.BytesIO()
    Image.new("RGBA", (640, 480), (10, 120, 60, 255)).save(
        buffer, "PNG", pnginfo=info, exif=telltale_exif(), icc_profile=ICC
    )
    return buffer.getvalue()


def telltale_webp():
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 30, 160)).save(
        buffer, "WEBP", exif=telltale_exif(), xmp=XMP, icc_profile=ICC
    )
    return buffer.getvalue()


def assert_carries_nothing_but_pixels(data):
    found = [telltale for telltale in TELLTALES if telltale in data]
    assert not found, f"stored file still carries {found}"
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        leaked = {
            "exif",
            "xmp",
            "XML:com.adobe.xmp",
            "icc_profile",
            "comment",
            "photoshop",
            "GPS",
            "Software",
        }
        assert not leaked & set(image.info), image.info
        assert not getattr(image, "text", None)


class ImageRefs(HTMLParser):
    """Every image URL a reader's browser or a link preview would fetch from an article page."""

    def __init__(self):
        super().__init__()
        self.urls = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.urls.setdefault("img", []).append(attrs["src"])
            for candidate in (attrs.get("srcset") or "").split(","):
                if candidate.strip():
                    self.urls.setdefault("srcset", []).append(candidate.split()[0])
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key in ("og:image", "twitter:image"):
            self.urls.setdefault(key, []).append(attrs["content"])


def admin_errors(response):
    return response.context["adminform"].form.errors if response.context else response.content[:500]


def stored_name(url):
    path = url.removeprefix("http://testserver")
    assert path.startswith("/media/"), url
    return path.removeprefix("/media/")


def assert_page_shows_only_clean_images(client, article):
    refs = ImageRefs()
    refs.feed(client.get(article.get_absolute_url()).content.decode())
    assert {"img", "srcset", "og:image", "twitter:image"} <= set(refs.urls), refs.urls
    for urls in refs.urls.values():
        for url in urls:
            with default_storage.open(stored_name(url)) as stored:
                assert_carries_nothing_but_pixels(stored.read())


def assert_server_named(name, extension):
    filename = name.rsplit("/", 1)[-1]
    stem = filename.removesuffix(f".{extension}")
    assert len(stem) == 32 and int(stem, 16) >= 0, name  # a random hex name, nothing of the upload's


def test_admin_upload_keeps_no_location_device_or_file_name(staff_client):
    upload = SimpleUploadedFile(IDENTIFYING_NAME, telltale_jpeg(), content_type="image/jpeg")
    response = staff_client.post(
        "/admin/articles/article/add/",
        article_form(make_category(), staff_client.staff, lead_image=upload, lead_image_alt="A street"),
    )
    assert response.status_code == 302, admin_errors(response)
    article = Article.objects.get()
    assert_server_named(article.lead_image.name, "jpg")
    assert article.lead_image.name.startswith("articles/")
    stored_files = [article.lead_image.name, *(r["name"] for r in article.lead_image_renditions)]
    for name in stored_files:
        with default_storage.open(name) as stored:
            assert_carries_nothing_but_pixels(stored.read())
    with default_storage.open(article.lead_image.name) as stored, Image.open(stored) as image:
        assert image.size == (800, 1200)  # turned upright by its orientation tag, then the tag dropped
        assert (article.lead_image_width, article.lead_image_height) == (800, 1200)
        blue_corner = image.convert("RGB").getpixel((790, 10))
        assert blue_corner[2] > 150 and blue_corner[0] < 80
    # Nothing else was written: the upload's own bytes never reached the disk.
    everything = sorted(p.relative_to(default_storage.location).as_posix() for p in media_files())
    assert everything == sorted(stored_files)
    assert_page_shows_only_clean_images(staff_client, article)


def media_files():
    from pathlib import Path

    return [path for path in Path(default_storage.location).rglob("*") if path.is_file()]


def test_admin_change_view_cleans_a_replaced_lead_image(staff_client):
    article = make_article(author=staff_client.staff, lead_image=image_upload(), lead_image_alt="Before")
    data = article_form(article.category, staff_client.staff, slug=article.slug, title=article.title)
    data["published_at_0"] = article.published_at.strftime("%Y-%m-%d")
    data["published_at_1"] = article.published_at.strftime("%H:%M:%S")
    data["lead_image"] = SimpleUploadedFile(IDENTIFYING_NAME, telltale_jpeg(), content_type="image/jpeg")
    data["lead_image_alt"] = "After"
    response = staff_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302, admin_errors(response)
    article.refresh_from_db()
    assert_server_named(article.lead_image.name, "jpg")
    for name in [article.lead_image.name, *(r["name"] for r in article.lead_image_renditions)]:
        with default_storage.open(name) as stored:
            assert_carries_nothing_but_pixels(stored.read())
    assert_page_shows_only_clean_images(staff_client, article)


@pytest.mark.parametrize(
    ("make", "extension"),
    [(telltale_png, "png"), (telltale_webp, "webp")],
    ids=["png-text-chunks", "webp-exif"],
)
def test_admin_upload_strips_png_text_chunks_and_webp_metadata(staff_client, make, extension):
    upload = SimpleUploadedFile(f"IMG_2041 Jane Doe.{extension}", make(), content_type="image/png")
    response = staff_client.post(
        "/admin/articles/article/add/",
        article_form(make_category(), staff_client.staff, lead_image=upload, lead_image_alt="A field"),
    )
    assert response.status_code == 302, admin_errors(response)
    article = Article.objects.get()
    assert_server_named(article.lead_image.name, extension)
    for name in [article.lead_image.name, *(r["name"] for r in article.lead_image_renditions)]:
        with default_storage.open(name) as stored:
            assert_carries_nothing_but_pixels(stored.read())
    assert_page_shows_only_clean_images(staff_client, article)


@pytest.mark.parametrize("make", [telltale_jpeg, telltale_png, telltale_webp], ids=["jpeg", "png", "webp"])
def test_editor_upload_keeps_no_location_device_or_file_name(staff_client, make):
    response = upload(staff_client, SimpleUploadedFile(IDENTIFYING_NAME, make(), content_type="image/jpeg"))
    assert response.status_code == 200
    name = stored_name(response.json()["image_code"].removeprefix("![](").removesuffix(")"))
    assert name.startswith("markdownx/")
    assert_server_named(name, name.rsplit(".", 1)[-1])
    with default_storage.open(name) as stored:
        assert_carries_nothing_but_pixels(stored.read())


def test_animated_gif_keeps_its_frames_but_not_its_comment(staff_client):
    frames = [Image.new("RGB", (60, 40), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0,
        comment=b"SnoopCam Tracker 3000 at 51.5007",
    )  # fmt: skip
    response = upload(staff_client, SimpleUploadedFile(IDENTIFYING_NAME, buffer.getvalue()))
    assert response.status_code == 200
    name = stored_name(response.json()["image_code"].removeprefix("![](").removesuffix(")"))
    with default_storage.open(name) as stored:
        data = stored.read()
    assert_carries_nothing_but_pixels(data)
    with Image.open(io.BytesIO(data)) as image:
        seen = []
        for index in range(image.n_frames):
            image.seek(index)
            seen.append((image.info["duration"], image.convert("RGB").getpixel((5, 5))))
    assert seen == [(100, (255, 0, 0)), (200, (0, 255, 0)), (300, (0, 0, 255))]


def test_upload_refuses_an_animation_too_long_for_its_size(staff_client, settings):
    settings.NEWSBLOG_IMAGE_MAX_PIXELS = 100  # at most 100×100 pixels in all frames together
    frames = [Image.new("RGB", (60, 40), (n * 40, 0, 0)) for n in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    response = upload(staff_client, SimpleUploadedFile("long.gif", buffer.getvalue()))
    assert response.status_code == 400
    assert response.json()["image"] == ["The animation is too long for its size (5 frames)."]
