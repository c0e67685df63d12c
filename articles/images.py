"""Uploaded images: decode, check, strip metadata, re-encode, and make WebP renditions.

Nothing a user uploads is stored as sent: the server decodes it with Pillow, refuses anything that
is not a JPEG, PNG, WebP or GIF, and writes a fresh file whose extension comes from the decoded
format, never from the client's file name or content type.
"""

import io
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
RENDITION_WIDTHS = (480, 960, 1440)
ACCEPTED = "Upload a JPEG, PNG, WebP or GIF image."


def decode_image(uploaded):
    """Return (image, format) for an uploaded file, or raise ValidationError with a clear message."""
    max_bytes = settings.NEWSBLOG_IMAGE_MAX_BYTES
    max_side = settings.NEWSBLOG_IMAGE_MAX_PIXELS
    if uploaded.size is not None and uploaded.size > max_bytes:
        raise ValidationError(f"The image is larger than {filesizeformat(max_bytes)}.")
    uploaded.seek(0)
    try:
        image = Image.open(uploaded)
        image_format = image.format
        if image_format not in FORMATS:
            raise ValidationError(ACCEPTED)
        if image.width > max_side or image.height > max_side:
            raise ValidationError(f"The image is larger than {max_side}×{max_side} pixels.")
        image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(f"This file is not a readable image. {ACCEPTED}") from exc
    return image, image_format


def encode_image(image, image_format):
    """Re-encode without metadata (EXIF, GPS, comments, ICC) in the decoded format."""
    buffer = io.BytesIO()
    if image_format == "GIF":
        frames = getattr(image, "n_frames", 1)
        options = {"save_all": frames > 1, "loop": image.info.get("loop", 0)}
        if "duration" in image.info:
            options["duration"] = image.info["duration"]
        image.info = {}
        image.save(buffer, format="GIF", **options)
    else:
        clean = ImageOps.exif_transpose(image)
        if image_format == "JPEG" and clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        clean.info = {}
        options = {"quality": 85, "optimize": True} if image_format in ("JPEG", "WEBP") else {}
        clean.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def sanitised_file(uploaded, prefix):
    """Decode + re-encode an upload; return a ContentFile named by the server, and the image."""
    image, image_format = decode_image(uploaded)
    data = encode_image(image, image_format)
    name = f"{prefix}{uuid.uuid4().hex}.{FORMATS[image_format]}"
    return ContentFile(data, name=name), image


def make_renditions(image, name, storage=default_storage):
    """Save WebP copies at a few widths (never upscaled); return [{"width", "height", "name"}]."""
    base = PurePosixPath(name)
    source = ImageOps.exif_transpose(image)
    source = source.convert("RGBA" if source.mode in ("RGBA", "LA", "P") else "RGB")
    renditions = []
    widths = [w for w in RENDITION_WIDTHS if w < source.width] + [source.width]
    for width in sorted(set(widths)):
        height = max(1, round(source.height * width / source.width))
        buffer = io.BytesIO()
        source.resize((width, height), Image.LANCZOS).save(buffer, format="WEBP", quality=80)
        saved = storage.save(f"{base.parent}/{base.stem}-{width}w.webp", ContentFile(buffer.getvalue()))
        renditions.append({"width": width, "height": height, "name": saved})
    return renditions
