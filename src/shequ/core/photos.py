"""Photos people send (receipts of purchases, findings of inspections): what kind of image the
bytes are, and keeping them encrypted (core.sealed) under a folder of var/, read back by name.
Each caller keeps its own size cap and its own messages, naming its own field."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from shequ.core.sealed import open_sealed, seal

MB = 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def image_type(data: bytes) -> str | None:
    """The content type of a JPEG, PNG or WebP image (Pillow reads it), else None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = ""
    return IMAGE_TYPES.get(kind)


def photo_folder(name: str) -> Path:
    """var/<name>, made private on first use."""
    path = Path(settings.VAR_DIR) / name
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def seal_photo(folder: Path, data: bytes, context: str, limit: int) -> str:
    """Seal checked bytes under a new random name in `folder`; the name (`context` is bound
    to the name: pass the same to read it back)."""
    name = uuid.uuid4().hex
    seal(folder / name, io.BytesIO(data), context=f"{context} {name}", limit=limit)
    return name


def read_photo(folder: Path, name: str, context: str) -> bytes:
    """A sealed photo's bytes (the caller has checked the reader may see it)."""
    if not name or "/" in name or name.startswith("."):
        raise FileNotFoundError(name)
    with open_sealed(folder / name, context=f"{context} {name}") as stream:
        return stream.read()
