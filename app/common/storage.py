"""Uploaded images: checked by content with Pillow, re-encoded, stored under random names."""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from app.common.db import after_commit, on_rollback
from app.errors import PayloadTooLarge, ValidationFailed

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Refuse decompression bombs: a small file that would decode to a huge bitmap.
Image.MAX_IMAGE_PIXELS = 40_000_000


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def media_url(path: str | None) -> str | None:
    if not path:
        return None
    return f"{current_app.config['MEDIA_URL'].rstrip('/')}/{path}"


def save_image(upload: FileStorage, folder: str, *, max_side: int = 1024, field: str = "file") -> str:
    """Verify, re-encode (dropping metadata) and store an image; returns its path under MEDIA_ROOT.

    Raises 422 when the content is not a JPEG, PNG or WebP image, 413 when it is too big.
    """
    limit = current_app.config["MAX_IMAGE_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Images may be at most {limit // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        if image.format not in ALLOWED_FORMATS:
            raise ValidationFailed.field(field, "Only JPEG, PNG or WebP images are accepted.")
        image = ImageOps.exif_transpose(image)
        image.thumbnail((max_side, max_side))
        image = image.convert("RGBA" if image.mode in {"RGBA", "LA", "P"} else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationFailed.field(field, "The file is not a valid image.") from None

    name = f"{folder}/{secrets.token_hex(16)}.webp"
    target = media_root() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, format="WEBP", quality=85)
    return name


def delete_media(path: str | None) -> None:
    if path:
        (media_root() / path).unlink(missing_ok=True)


def replace_image(owner: Any, attribute: str, upload: FileStorage, folder: str, *, max_side: int) -> None:
    """Store `upload` as `owner.<attribute>`. The old file goes once the change commits; the new
    one goes if it rolls back, so no orphan is left either way."""
    new_path = save_image(upload, folder, max_side=max_side)
    old_path = getattr(owner, attribute)
    setattr(owner, attribute, new_path)
    on_rollback(delete_media, new_path)
    if old_path:
        after_commit(delete_media, old_path)
