"""Uploaded images: decode, check, strip metadata, re-encode, make WebP renditions, store.

Nothing a user uploads is stored as sent: the server decodes it with Pillow, refuses anything that
is not a JPEG, PNG, WebP or GIF, and writes fresh pixels (upright, in sRGB) with no EXIF, GPS, XMP,
IPTC, ICC profile, comment or text chunk, under a random name whose extension comes from the decoded
format, never from the client's file name or content type.

Article images go through `CleanImageField`: whatever saves an article (the admin, code, the demo
content), its file is written by `store_image`, so no path reaches the disk with the original bytes.
A write the storage refuses (disk full, read-only) removes everything that upload wrote, partial
files included, and raises `ImageStorageError`.
"""

import io
import logging
import re
import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

logger = logging.getLogger(__name__)

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
RENDITION_WIDTHS = (480, 960, 1440)
ACCEPTED = "Upload a JPEG, PNG, WebP or GIF image."
STORAGE_FAILED = (
    "The image could not be stored: the media storage is full or read-only. Nothing was saved. "
    "Try again later, or tell the site's administrator."
)
# Keys Pillow reports for files we wrote ourselves (clean_media leaves such files alone).
STRUCTURAL_INFO = {
    "transparency", "background", "loop", "duration", "jfif", "jfif_version", "jfif_unit",
    "jfif_density", "dpi", "progressive", "progression", "adobe", "adobe_transform", "version",
    "extension", "disposal", "blend", "bbox", "aspect",
}  # fmt: skip
SERVER_NAME = re.compile(r"[0-9a-f]{32}(-\d+w)?\.(jpg|png|webp|gif)")
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageStorageError(Exception):
    """The storage refused to write an image; nothing of that upload was left behind."""

    def __init__(self, message=STORAGE_FAILED):
        super().__init__(message)
        self.message = message


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
        # Every frame is decoded: an animation may hold no more pixels than one image of the largest size.
        if getattr(image, "n_frames", 1) * image.width * image.height > max_side * max_side:
            raise ValidationError(f"The animation is too long for its size ({image.n_frames} frames).")
        image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(f"This file is not a readable image. {ACCEPTED}") from exc
    return image, image_format


def to_srgb(image):
    """Pixels converted from an embedded colour profile to sRGB (the profile itself may name a device)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            image, source, SRGB, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are and drop it


def pixels_only(image, image_format):
    """The picture's frames as fresh images: nothing about where, when or with what it was taken."""
    if image_format == "GIF":  # no orientation or profile; every frame, each with its own duration
        frames = []
        for frame in ImageSequence.Iterator(image):
            fresh = frame.copy()
            fresh.info = {key: frame.info[key] for key in ("transparency", "duration") if key in frame.info}
            frames.append(fresh)
        return frames
    clean = to_srgb(ImageOps.exif_transpose(image))
    if image_format == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    else:
        clean = clean.copy()
    clean.info = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    return [clean]


def encode_image(frames, image_format):
    """Encode `pixels_only` frames; Pillow writes no metadata it is not given."""
    buffer = io.BytesIO()
    first, *others = frames
    options = {key: value for key, value in first.info.items()}
    if image_format == "GIF" and others:
        options.update(
            save_all=True,
            append_images=others,
            duration=[frame.info.get("duration", 100) for frame in frames],
            loop=0,
        )
    elif image_format in ("JPEG", "WEBP"):
        options.update(quality=85, optimize=True)
    first.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def encode_renditions(image):
    """WebP copies at a few widths (never upscaled): [(width, height, bytes)]."""
    source = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    widths = sorted({w for w in RENDITION_WIDTHS if w < source.width} | {source.width})
    renditions = []
    for width in widths:
        height = max(1, round(source.height * width / source.width))
        buffer = io.BytesIO()
        source.resize((width, height), Image.LANCZOS).save(buffer, format="WEBP", quality=80)
        renditions.append((width, height, buffer.getvalue()))
    return renditions


@dataclass
class StoredImage:
    name: str
    width: int
    height: int
    renditions: list = field(default_factory=list)  # [{"width", "height", "name"}]

    @property
    def names(self):
        return [self.name, *(r["name"] for r in self.renditions)]


def save_all_or_nothing(storage, files):
    """Write [(name, bytes)]; if any write fails, remove every file written so far, partial ones too.

    Names must be fresh (random): a failed name is deleted, and it must not be anybody else's file.
    """
    saved = []
    try:
        for name, data in files:
            saved.append(name)  # a write that fails half-way leaves a file under this name
            saved[-1] = storage.save(name, ContentFile(data))
    except OSError as exc:
        logger.error(
            "Media storage refused a write (%s); removing the %d file(s) of this upload", exc, len(saved)
        )
        delete_quietly(storage, saved)
        raise ImageStorageError from exc
    return saved


def delete_quietly(storage, names):
    for name in names:
        try:
            storage.delete(name)
        except OSError as exc:  # read-only storage: nothing was written there anyway
            logger.warning("Could not remove %s from media storage: %s", name, exc)


def store_image(uploaded, *, storage, name_for, renditions=True):
    """Decode, clean and write an upload (and its renditions) under a new random name.

    `name_for(filename)` turns the server's file name into the storage path. Raises ValidationError
    for a file that is not an acceptable image and ImageStorageError when the storage fails.
    """
    image, image_format = decode_image(uploaded)
    frames = pixels_only(image, image_format)
    clean = frames[0]
    name = name_for(f"{uuid.uuid4().hex}.{FORMATS[image_format]}")
    files = [(name, encode_image(frames, image_format))]
    sizes = []
    if renditions:
        base = PurePosixPath(name)
        for width, height, data in encode_renditions(clean):
            files.append((str(base.with_name(f"{base.stem}-{width}w.webp")), data))
            sizes.append((width, height))
    saved = save_all_or_nothing(storage, files)
    return StoredImage(
        name=saved[0],
        width=clean.width,
        height=clean.height,
        renditions=[{"width": w, "height": h, "name": n} for (w, h), n in zip(sizes, saved[1:], strict=True)],
    )


def has_server_name(name):
    return bool(SERVER_NAME.fullmatch(PurePosixPath(name).name))


def carries_only_pixels(storage, name):
    """True if a stored image has no EXIF, XMP, IPTC, ICC profile, comment or text chunk."""
    try:
        with storage.open(name) as stored, Image.open(stored) as image:
            return (
                not image.getexif()
                and set(image.info) <= STRUCTURAL_INFO
                and not getattr(image, "text", None)
            )
    except (OSError, UnidentifiedImageError, ValueError):
        return False


def is_clean(storage, name):
    """True if a stored file has a name the server made and carries nothing but pixels."""
    return has_server_name(name) and carries_only_pixels(storage, name)


class CleanImageFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        """Store a cleaned copy of `content` (never `content` itself) under a name of the server's."""
        stored = store_image(
            content,
            storage=self.storage,
            name_for=lambda filename: self.field.generate_filename(self.instance, filename),
            renditions=bool(self.field.renditions_field),
        )
        self.name = stored.name
        self._committed = True
        self._dimensions_cache = (stored.width, stored.height)
        # Written but not yet pointed at by a saved row: the owner removes them if its save fails.
        self.unsaved_files = stored.names
        if self.field.renditions_field:
            setattr(self.instance, self.field.renditions_field, stored.renditions)
        setattr(self.instance, self.field.attname, self)
        if save:
            self.instance.save()

    def discard_unsaved(self):
        """Remove the files this object wrote if the row that would have pointed at them was not saved."""
        delete_quietly(self.storage, getattr(self, "unsaved_files", []))
        self.unsaved_files = []

    def mark_saved(self):
        self.unsaved_files = []


class CleanImageField(models.ImageField):
    """An ImageField whose files are always cleaned and renamed by the server, with WebP renditions.

    `renditions_field` names a JSONField that receives [{"width", "height", "name"}].
    """

    attr_class = CleanImageFieldFile

    def __init__(self, *args, renditions_field=None, **kwargs):
        self.renditions_field = renditions_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # The column is an ordinary ImageField; cleaning happens in Python, so migrations needn't know.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs
