"""Uploaded images: checked by content with Pillow, re-encoded, stored under random names.

Public media (product images, logos, avatars) live under MEDIA_ROOT and are served as they are
(by `/media/`, or a web server in front). Private media (a customer's return photos) live under
PRIVATE_MEDIA_ROOT, which nothing serves as is: the API sends such a file only on a link signed
for it that expires (`sign_link` / `check_link`), handed out in the responses of those allowed
to see it. A link that leaks (a forwarded screenshot, a proxy log) stops working within
PRIVATE_MEDIA_LINK_MINUTES to twice that; links are the same within a window, so a client can
cache the image.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from app.common.db import after_commit, on_rollback
from app.errors import MediaLinkExpired, PayloadTooLarge, ValidationFailed

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# A pixel budget read from the header, before anything is decoded: a small file can describe a
# huge bitmap (an 8900 x 8900 RGBA PNG of 308 KB decodes to ~320 MB, and its conversions to
# twice that). 25 megapixels is a 6000 x 4000 camera photo; nothing a shop shows needs more.
MAX_IMAGE_PIXELS = 25_000_000
MAX_IMAGE_SIDE = 10_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # Pillow's own guard too (its warnings are errors below)


def media_root(*, private: bool = False) -> Path:
    return Path(current_app.config["PRIVATE_MEDIA_ROOT" if private else "MEDIA_ROOT"])


def media_url(path: str | None) -> str | None:
    if not path:
        return None
    return f"{current_app.config['MEDIA_URL'].rstrip('/')}/{path}"


def save_image(
    upload: FileStorage, folder: str, *, max_side: int = 1024, field: str = "file", private: bool = False
) -> str:
    """Verify, re-encode (dropping metadata) and store an image; returns its path under
    MEDIA_ROOT (PRIVATE_MEDIA_ROOT if `private`)."""
    return save_images(upload, [(folder, max_side)], field=field, private=private)[0]


def save_images(
    upload: FileStorage, variants: Sequence[tuple[str, int]], *, field: str = "file", private: bool = False
) -> list[str]:
    """Verify an upload and decode it once, then store one re-encoded WebP per (folder, max side)
    (an image and its thumbnail); returns their paths under MEDIA_ROOT (PRIVATE_MEDIA_ROOT if
    `private`), in the order asked.

    Raises 413 when the file is over MAX_IMAGE_BYTES, 422 when it is not a JPEG, PNG or WebP
    image or describes more than MAX_IMAGE_PIXELS (checked from the header, before decoding).
    """
    limit = current_app.config["MAX_IMAGE_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Images may be at most {limit // (1024 * 1024)} MB.")
    largest = max(side for _, side in variants)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ValidationFailed.field(field, "Only JPEG, PNG or WebP images are accepted.")
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
                    raise ValidationFailed.field(
                        field,
                        f"The image is {width} x {height} pixels: at most {MAX_IMAGE_PIXELS // 1_000_000} "
                        f"megapixels and {MAX_IMAGE_SIDE} pixels a side.",
                    )
                probe.verify()
            image: Image.Image = Image.open(io.BytesIO(data))
            # Shrink first, in place (JPEG even decodes at a reduced scale): the rotation and the
            # mode conversion, which copy the bitmap, then work on the small one. (The box is a
            # square, so shrinking before the EXIF rotation gives the same size.)
            image.draft("RGB", (largest, largest))
            image.thumbnail((largest, largest))
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA" if image.mode in {"RGBA", "LA", "P"} else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's check, in open()
        raise ValidationFailed.field(
            field, f"The image has more than {MAX_IMAGE_PIXELS // 1_000_000} megapixels."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed.field(field, "The file is not a valid image.") from None

    paths = []
    for folder, side in variants:
        variant = image if side >= largest else image.copy()
        variant.thumbnail((side, side))
        name = f"{folder}/{secrets.token_hex(16)}.webp"
        target = media_root(private=private) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        variant.save(target, format="WEBP", quality=85)
        paths.append(name)
    return paths


def delete_media(path: str | None, *, private: bool = False) -> None:
    if path:
        (media_root(private=private) / path).unlink(missing_ok=True)


# Signed links to private media ------------------------------------------------------------------


def _signature(subject: str, expires: int) -> str:
    key = hashlib.sha256(b"duka-private-media:" + current_app.config["SECRET_KEY"].encode()).digest()
    digest = hmac.new(key, f"{subject}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_link(subject: str) -> dict[str, Any]:
    """The `expires` (Unix time) and `signature` query values of a link to `subject` (what the
    link opens, e.g. a private file's path). Links end on a window boundary, one to two windows
    of PRIVATE_MEDIA_LINK_MINUTES from now, so the same link is handed out for a whole window."""
    window = current_app.config["PRIVATE_MEDIA_LINK_MINUTES"] * 60
    expires = (int(time.time()) // window + 2) * window
    return {"expires": expires, "signature": _signature(subject, expires)}


def check_link(subject: str, expires: int, signature: str) -> bool:
    """Whether the link was signed for `subject` (False for any other, or an altered one); one
    that was but has expired is 403 `media_link_expired` (the caller hands out a fresh one)."""
    if not hmac.compare_digest(_signature(subject, expires).encode(), signature.encode()):
        return False
    if time.time() >= expires:
        raise MediaLinkExpired("This link has expired: read what gave it again for a fresh one.")
    return True


def link_lifetime(expires: int) -> int:
    """Seconds until a link expires (a cache may keep what it opened that long)."""
    return max(0, int(expires - time.time()))


def replace_image(owner: Any, attribute: str, upload: FileStorage, folder: str, *, max_side: int) -> None:
    """Store `upload` as `owner.<attribute>`. The old file goes once the change commits; the new
    one goes if it rolls back, so no orphan is left either way."""
    new_path = save_image(upload, folder, max_side=max_side)
    old_path = getattr(owner, attribute)
    setattr(owner, attribute, new_path)
    on_rollback(delete_media, new_path)
    if old_path:
        after_commit(delete_media, old_path)
