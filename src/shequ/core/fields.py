"""Model fields for personal data: an encrypted column and its blind-index companion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from shequ.core import pii


class EncryptedTextField(models.TextField):
    """Stores text AES-GCM encrypted; Python code sees plaintext, the database never does.

    Lookups other than `isnull` are refused: the ciphertext is randomized, so an equality
    filter could never match. Filter on the companion `BlindIndexField` instead.
    """

    def __init__(self, *args: Any, normalize: Callable[[str], str] | None = None, **kwargs: Any):
        self.normalize = normalize
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.normalize is not None:
            kwargs["normalize"] = self.normalize
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return pii.decrypt(value, context=self.context)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value and self.normalize is not None:
            value = self.normalize(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if self.normalize is not None:
            value = self.normalize(value)
        return pii.encrypt(value, context=self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted: filter on its blind index (…_hmac) instead of "
                f"'{lookup_name}'."
            )
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC of another (encrypted) field's normalized value, filled on every save."""

    def __init__(self, *args: Any, source: str = "", kind: str = "", **kwargs: Any):
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        # Indexed unless said otherwise (CharField's own default is the opposite).
        kwargs.pop("db_index", None)
        if not self.db_index:
            kwargs["db_index"] = False
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def digest(self, value: str) -> str:
        source_field = self.model._meta.get_field(self.source)
        normalize = getattr(source_field, "normalize", None)
        if normalize is not None:
            value = normalize(value)
        return pii.blind_index(value, kind=self.kind) if value else ""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        source = getattr(model_instance, self.source) or ""
        # Bulk writers that already computed the digest mark it, saving an HMAC per row.
        known = getattr(model_instance, "_blind_index_for", {}).get(self.attname)
        if known is not None and known == source:
            return getattr(model_instance, self.attname)
        value = self.digest(source)
        setattr(model_instance, self.attname, value)
        return value


class BlindIndexedModel(models.Model):
    """Keeps blind indexes in step on `save(update_fields=[...])` too.

    (A queryset `.update(phone=...)` bypasses both fields' logic: change PII through services.)
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, update_fields: Any = None, **kwargs: Any) -> None:
        if update_fields is not None:
            indexes = {
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, BlindIndexField) and f.source in update_fields
            }
            update_fields = {*update_fields, *indexes}
        super().save(*args, update_fields=update_fields, **kwargs)
