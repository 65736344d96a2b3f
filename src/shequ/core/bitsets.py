"""A set of choices stored as the bits of one integer column.

Special populations of a resident, skills of a cadre: small fixed vocabularies a person has
several of. One integer keeps them in the row (no join table for 10 million residents) and
stays filterable on every database with `F(column).bitand(bit)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class ChoiceBits:
    """Bits for a TextChoices class, in its declaration order (never reorder a live one)."""

    def __init__(self, choices: type[models.TextChoices]):
        self.bits: dict[str, int] = {value: 1 << i for i, value in enumerate(choices.values)}

    def to_bits(self, values: Iterable[str]) -> int:
        """Raises KeyError naming an unknown value."""
        return sum(self.bits[v] for v in set(values))

    def to_list(self, bits: int) -> list[str]:
        return [value for value, bit in self.bits.items() if bits & bit]
