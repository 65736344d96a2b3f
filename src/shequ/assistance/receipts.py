"""Receipt photos of paid purchases: checked to be a JPEG, PNG or WebP image under
RECEIPT_MAX_MB, kept encrypted (core.photos) under var/receipts, read back only through the
request's page for those who see the request."""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from shequ.core import photos
from shequ.core.errors import ValidationError
from shequ.core.photos import MB

RECEIPT_MAX_MB = 5


def check_image(data: bytes) -> str:
    """The content type of a receipt photo, or ValidationError naming the field `receipt`."""
    if not data:
        raise ValidationError({"receipt": _("The receipt photo is empty.")})
    if len(data) > RECEIPT_MAX_MB * MB:
        raise ValidationError(
            {"receipt": _("The receipt photo is over %d MB; send a smaller one.") % RECEIPT_MAX_MB}
        )
    content_type = photos.image_type(data)
    if content_type is None:
        raise ValidationError({"receipt": _("The receipt must be a photo (JPEG, PNG or WebP).")})
    return content_type


def store_receipt(request_id: int, upload: IO[bytes], filename: str = "") -> tuple[str, str]:
    """Check and seal the photo; its stored name and content type."""
    data = upload.read(RECEIPT_MAX_MB * MB + 1)
    content_type = check_image(data)
    name = photos.seal_photo(
        photos.photo_folder("receipts"), data, f"receipt {request_id}", RECEIPT_MAX_MB * MB
    )
    return name, content_type


def read_receipt(request_id: int, name: str) -> bytes:
    """The photo's bytes (the caller has checked the reader may see the request)."""
    return photos.read_photo(photos.photo_folder("receipts"), name, f"receipt {request_id}")
