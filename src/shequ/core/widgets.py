"""The browser's own date and time pickers, for every form.

An `<input type="date">` takes and sends its value in ISO form (`2025-03-12`) whatever the
page's language; Django's DateInput instead formats it with the active language's first input
format, which for Chinese is `2025/03/12`: the browser then shows an empty field and the form
saves nothing. These widgets always write the value as the browser reads it, in both
languages (tests/web/test_date_inputs.py renders every date or time field of every form).
"""

from __future__ import annotations

from typing import Any

from django import forms

DATE = "%Y-%m-%d"
TIME = "%H:%M"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# What the browser sends back is ISO too, and Django's fields read it in every language:
# DateField and TimeField through each language's input formats (all include ISO), and
# DateTimeField through parse_datetime first (`2025-03-12T08:00`, with or without seconds).


class DateInput(forms.DateInput):
    """`<input type="date">` with an ISO value."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATE)


class TimeInput(forms.TimeInput):
    """`<input type="time">` with an `HH:MM` value."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=TIME)


class DateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` with a `YYYY-MM-DDTHH:MM` value (city time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)
