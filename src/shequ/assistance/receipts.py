"""Receipt photos of paid purchases: checked to be a JPEG, PNG or WebP image under
RECEIPT_MAX_MB, kept encrypted (core.sealed) under var/receipts, read back only through the
request's page for those who see the request."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from shequ.core.errors import ValidationError
from shequ.core.sealed import open_sealed, seal

RECEIPT_MAX_MB = 5
MB = 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def receipt_dir() -> Path:
    path = Path(settings.VAR_DIR) / "receipts"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _context(request_id: int, name: str) -> str:
    return f"receipt {request_id} {name}"


def check_image(data: bytes) -> str:
    """The content type of a receipt photo, or ValidationError naming the field `receipt`."""
    if not data:
        raise ValidationError({"receipt": _("The receipt photo is empty.")})
    if len(data) > RECEIPT_MAX_MB * MB:
        raise ValidationError(
            {"receipt": _("The receipt photo is over %d MB; send a smaller one.") % RECEIPT_MAX_MB}
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = ""
    if kind not in IMAGE_TYPES:
        raise ValidationError({"receipt": _("The receipt must be a photo (JPEG, PNG or WebP).")})
    return IMAGE_TYPES[kind]


def store_receipt(request_id: int, upload: IO[bytes], filename: str = "") -> tuple[str, str]:
    """Check and seal the photo; its stored name and content type."""
    data = upload.read(RECEIPT_MAX_MB * MB + 1)
    content_type = check_image(data)
    name = uuid.uuid4().hex
    seal(
        receipt_dir() / name,
        io.BytesIO(data),
        context=_context(request_id, name),
        limit=RECEIPT_MAX_MB * MB,
    )
    return name, content_type


def read_receipt(request_id: int, name: str) -> bytes:
    """The photo's bytes (the caller has checked the reader may see the request)."""
    if not name or "/" in name or name.startswith("."):
        raise FileNotFoundError(name)
    with open_sealed(receipt_dir() / name, context=_context(request_id, name)) as stream:
        return stream.read()
