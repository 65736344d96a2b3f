"""Photos of rounds and findings: a JPEG, PNG or WebP image under a size cap, kept encrypted
(core.photos) under var/patrols, read back only through pages of those who see the area or
the finding."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.core import photos
from shequ.core.errors import ValidationError
from shequ.core.photos import MB

PHOTO_MAX_MB = 3  # fits a batch of the phone page (DATA_UPLOAD_MAX_MEMORY_SIZE is 5 MB)
FOLDER = "patrols"


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


def store_photo(data: bytes, context: str) -> tuple[str, str]:
    """Check and seal the photo; its stored name and content type."""
    content_type = check_photo(data)
    name = photos.seal_photo(photos.photo_folder(FOLDER), data, context, PHOTO_MAX_MB * MB)
    return name, content_type


def read_photo(name: str, context: str) -> bytes:
    """The photo's bytes (the caller has checked the reader may see it)."""
    return photos.read_photo(photos.photo_folder(FOLDER), name, context)
