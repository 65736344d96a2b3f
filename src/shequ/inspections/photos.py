"""Photos of findings: checked as the receipt photos are (assistance/receipts.py: a JPEG,
PNG or WebP image, under a size cap), kept encrypted (core.sealed) under var/inspections, read
back only through the visit's page for those who see the visit."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from shequ.assistance.receipts import MB, check_image
from shequ.core.errors import ValidationError
from shequ.core.sealed import open_sealed, seal

PHOTO_MAX_MB = 5
PER_FINDING = 3


def photo_dir() -> Path:
    path = Path(settings.VAR_DIR) / "inspections"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _context(visit_id: int, name: str) -> str:
    return f"inspection {visit_id} {name}"


def check_photo(data: bytes) -> str:
    """The photo's content type, or ValidationError naming the field `photo`."""
    if len(data) > PHOTO_MAX_MB * MB:
        raise ValidationError(
            {"photo": _("The photo is over %d MB; send a smaller one.") % PHOTO_MAX_MB}
        )
    try:
        return check_image(data)
    except ValidationError:
        raise ValidationError({"photo": _("Send a photo (JPEG, PNG or WebP).")}) from None


def store_photo(visit_id: int, upload: IO[bytes]) -> tuple[str, str]:
    """Check and seal the photo; its stored name and content type."""
    data = upload.read(PHOTO_MAX_MB * MB + 1)
    content_type = check_photo(data)
    name = uuid.uuid4().hex
    seal(
        photo_dir() / name,
        io.BytesIO(data),
        context=_context(visit_id, name),
        limit=PHOTO_MAX_MB * MB,
    )
    return name, content_type


def read_photo(visit_id: int, name: str) -> bytes:
    """The photo's bytes (the caller has checked the reader may see the visit)."""
    if not name or "/" in name or name.startswith("."):
        raise FileNotFoundError(name)
    with open_sealed(photo_dir() / name, context=_context(visit_id, name)) as stream:
        return stream.read()
