"""Attachments of notices: a PDF or a JPEG, PNG or WebP image under a size cap, kept sealed
(core.photos / core.sealed) under var/notices and read back through the notice's pages. The
bytes are only checked for what they claim to be (a PDF's header, an image Pillow opens),
never parsed further in the request."""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from shequ.core import photos
from shequ.core.errors import ValidationError
from shequ.core.photos import MB

ATTACHMENT_MAX_MB = 5
PER_NOTICE = 5
FOLDER = "notices"
PDF = "application/pdf"


def check_attachment(data: bytes) -> str:
    """The attachment's content type, or ValidationError naming the field `attachment`."""
    if len(data) > ATTACHMENT_MAX_MB * MB:
        raise ValidationError(
            {"attachment": _("The file is over %d MB; attach a smaller one.") % ATTACHMENT_MAX_MB}
        )
    if data.startswith(b"%PDF-"):
        return PDF
    content_type = photos.image_type(data) if data else None
    if content_type is None:
        raise ValidationError({"attachment": _("Attach a PDF or an image (JPEG, PNG or WebP).")})
    return content_type


def store_attachment(notice_id: int, upload: IO[bytes]) -> tuple[str, str, int]:
    """Check and seal the file; its stored name, content type and size."""
    data = upload.read(ATTACHMENT_MAX_MB * MB + 1)
    content_type = check_attachment(data)
    name = photos.seal_photo(
        photos.photo_folder(FOLDER), data, f"notice {notice_id}", ATTACHMENT_MAX_MB * MB
    )
    return name, content_type, len(data)


def read_attachment(notice_id: int, name: str) -> bytes:
    """The file's bytes (the caller has checked the reader may see the notice)."""
    return photos.read_photo(photos.photo_folder(FOLDER), name, f"notice {notice_id}")
