"""Lab results from a spreadsheet (through core.imports): one row per tube, its barcode and
its result (阴性 / 阳性 / 无效 or negative / positive / invalid), for one round chosen on
upload (`options["round_id"]`). Rows are checked like the API's results, then recorded
with `labwork.results_record`, so a positive or invalid tube starts its recall."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from shequ.core.imports import CREATED, UNCHANGED, Checked, Importer, RowError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.core.tabular import Column, HeaderMap, TableRefused
from shequ.testing import labwork
from shequ.testing.models import Round, Tube, TubeResult, TubeStatus

COLUMNS = [
    Column(
        "barcode",
        "试管条码",
        ("barcode", "tube", "tube barcode", "条码", "试管编码", "试管编号", "管码"),
        required=True,
    ),
    Column("result", "结果", ("result", "检测结果", "核酸结果"), required=True),
]
LABELS = {c.field: c.label for c in COLUMNS}

RESULT_WORDS = {
    "阴性": TubeResult.NEGATIVE,
    "阴": TubeResult.NEGATIVE,
    "negative": TubeResult.NEGATIVE,
    "neg": TubeResult.NEGATIVE,
    "-": TubeResult.NEGATIVE,
    "阳性": TubeResult.POSITIVE,
    "阳": TubeResult.POSITIVE,
    "positive": TubeResult.POSITIVE,
    "pos": TubeResult.POSITIVE,
    "+": TubeResult.POSITIVE,
    "无效": TubeResult.INVALID,
    "无效样本": TubeResult.INVALID,
    "invalid": TubeResult.INVALID,
}
RECEIVABLE = (TubeStatus.SENT, TubeStatus.RECEIVED)


class TubeResultImporter(Importer):
    kind = "tube_results"
    columns = COLUMNS

    def prepare(self, header: HeaderMap) -> None:
        round_id = self.job.options.get("round_id")
        self.round = Round.objects.filter(pk=round_id).first() if round_id else None
        if self.round is None:
            raise TableRefused(_("Choose the round these results belong to."))
        self.scope = scope_for(self.job.actor, Capability.RECORD_RESULTS)
        if self.scope.is_empty:
            raise TableRefused(_("Your role does not record test results."))

    def check(
        self, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        errors: list[RowError] = []
        wanted: list[tuple[int, str, str, str]] = []  # row, barcode, result, text as written
        for number, cells in rows:
            barcode = header.get(cells, "barcode").strip()
            text = header.get(cells, "result").strip()
            result = RESULT_WORDS.get(text.lower(), "")
            problems = []
            if not barcode or len(barcode) > 40:
                problems.append(
                    RowError(
                        number,
                        LABELS["barcode"],
                        barcode[:200],
                        _("Write the tube's barcode (at most 40 characters)."),
                    )
                )
            if not result:
                problems.append(
                    RowError(
                        number,
                        LABELS["result"],
                        text[:200],
                        _("Write the result as 阴性, 阳性 or 无效 (negative, positive, invalid)."),
                    )
                )
            if problems:
                errors.extend(problems)
            else:
                wanted.append((number, barcode, result, text))
        tubes = {
            t.barcode: t
            for t in Tube.objects.filter(
                round=self.round, barcode__in=[w[1] for w in wanted]
            ).select_related("community")
        }
        checked: list[Checked] = []
        for number, barcode, result, text in wanted:
            tube = tubes.get(barcode)
            if tube is None or not self.scope.covers(tube.community):
                reason = _("No tube with this barcode in round %s that your lab records.")
                errors.append(RowError(number, LABELS["barcode"], barcode, reason % self.round))
                continue
            if tube.result and tube.result != result:
                errors.append(
                    RowError(
                        number,
                        LABELS["result"],
                        text,
                        _(
                            "This tube's result is in already (%s); "
                            "a correction goes through the lab page."
                        )
                        % TubeResult(tube.result).label,
                    )
                )
                continue
            if not tube.result and tube.status not in RECEIVABLE:
                errors.append(
                    RowError(
                        number,
                        LABELS["barcode"],
                        barcode,
                        _("This tube was not sent to the lab (it is %s).")
                        % TubeStatus(tube.status).label,
                    )
                )
                continue
            checked.append(
                Checked(row=number, key=barcode, item=(barcode, result, tube.result), label=barcode)
            )
        return checked, errors

    def classify(self, items: Sequence[Checked]) -> list[str]:
        return [UNCHANGED if c.item[2] == c.item[1] else CREATED for c in items]

    def write(self, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
        todo = [
            (c.item[0], c.item[1]) for c, o in zip(items, outcomes, strict=True) if o == CREATED
        ]
        if not todo:
            return
        answers = labwork.results_record(actor=self.job.actor, round_=self.round, results=todo)
        refused = [a for a in answers if a.status == "rejected"]
        if refused:
            # Checked a moment ago: someone else recorded in between. Nothing lands.
            raise TableRefused(
                _("Tube %(tube)s: %(why)s Nothing was recorded; upload the file again.")
                % {"tube": refused[0].barcode, "why": refused[0].message},
                column=LABELS["barcode"],
            )

    def duplicate_errors(self, first: int, again: int, label: str) -> tuple[RowError, RowError]:
        column = LABELS["barcode"]
        return (
            RowError(first, column, label, _("The same tube appears again in row %d.") % again),
            RowError(again, column, label, _("The same tube already appears in row %d.") % first),
        )
