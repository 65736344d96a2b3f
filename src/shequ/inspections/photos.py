"""Photos of findings: a JPEG, PNG or WebP image under a size cap, kept encrypted
(core.photos) under var/inspections, read back only through the visit's page for those who see
the visit."""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from shequ.core import photos
from shequ.core.errors import ValidationError
from shequ.core.photos import MB

PHOTO_MAX_MB = 5
PER_FINDING = 3


def check_photo(data: bytes) -> str:
    """The photo's content type, or ValidationError naming the field `photo`."""
    if len(data) > PHOTO_MAX_MB * MB:
        raise ValidationError(
            {"photo": _("The photo is over %d MB; send a smaller one.") % PHOTO_MAX_MB}
        )
    content_type = photos.image_type(data) if data else None
    if content_type is None:
        raise ValidationError({"photo": _("Send a photo (JPEG, PNG or WebP).")})
    return content_type


def store_photo(visit_id: int, upload: IO[bytes]) -> tuple[str, str]:
    """Check and seal the photo; its stored name and content type."""
    data = upload.read(PHOTO_MAX_MB * MB + 1)
    content_type = check_photo(data)
    name = photos.seal_photo(
        photos.photo_folder("inspections"), data, f"inspection {visit_id}", PHOTO_MAX_MB * MB
    )
    return name, content_type


def read_photo(visit_id: int, name: str) -> bytes:
    """The photo's bytes (the caller has checked the reader may see the visit)."""
    return photos.read_photo(photos.photo_folder("inspections"), name, f"inspection {visit_id}")
