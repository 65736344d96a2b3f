"""Errors a service raises for bad input, turned into 4xx answers by the API and the pages."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied  # re-exported: services raise it too
from django.forms import BaseForm
from django.utils.functional import Promise

__all__ = ["PermissionDenied", "ValidationError"]

NON_FIELD = "__all__"


class ValidationError(Exception):
    """Bad input, field by field: `ValidationError({"level": "Choose lockdown, ..."})`.

    Messages name the field and the fix, in the user's language (pass lazy translations).
    Use the key "__all__" for a problem that is not about one field.
    """

    def __init__(self, errors: Mapping[str, str | Promise] | str | Promise):
        if not isinstance(errors, Mapping):
            errors = {NON_FIELD: errors}
        self.errors: dict[str, str] = {field: str(msg) for field, msg in errors.items()}
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.errors.items()))

    def as_list(self) -> list[dict[str, str]]:
        return [{"field": field, "message": message} for field, message in self.errors.items()]

    def apply_to_form(self, form: BaseForm) -> None:
        """Show each message next to its field on a Django form (or at the top)."""
        for field, message in self.errors.items():
            form.add_error(field if field in form.fields else None, message)
