"""The place sheet template (places/import/template.xlsx): the header row, example rows of a
made-up district (a street with a community, a town with a village), and a sheet explaining
each column and the words it accepts (from `import_columns`)."""

from __future__ import annotations

from shequ.core.exports import Sheet, xlsx_workbook
from shequ.places.import_columns import CODE_OPTIONAL, COLUMNS, WORDS

# A made-up district (region 6299, and district 99 of any city, do not exist), in the columns'
# order; "6299" becomes the city's own first 4 digits (`template_workbook`).
EXAMPLE_ROWS = [
    # district code, district, street code, street, word, community code, community, word,
    # grid code, grid, compound code, compound, word, no property management,
    # building code, building, unit, room
    ["629901000000", "示例区", "629901001000", "和平街道", "街道", "629901001001", "和平社区",
     "社区", "", "1网格", "HP-C01", "和平1号家属院", "小区", "否", "", "1号楼", "1", "101"],
    ["629901000000", "示例区", "629901001000", "和平街道", "街道", "629901001001", "和平社区",
     "社区", "", "1网格", "HP-C01", "和平1号家属院", "小区", "否", "", "1号楼", "1", "102"],
    ["629901000000", "示例区", "629901100000", "青石镇", "镇", "629901100201", "红星村", "村",
     "", "1网格", "HX-Y03", "红星村三组", "院落", "是", "", "3组1号", "", "1"],
    ["629901000000", "示例区", "629901100000", "青石镇", "镇", "629901100202", "东岭村", "村",
     "", "", "", "", "", "", "", "", "", ""],
]  # fmt: skip


def example_rows(city_code: str = "") -> list[list[str]]:
    """The example rows under a city with this code: its district 99 (none has that number),
    so the template imports as it is, to try the import before filling it in."""
    if not (city_code.isdigit() and len(city_code) in (6, 12)):
        return EXAMPLE_ROWS
    prefix = city_code[:4]
    return [
        [cell.replace("629901", f"{prefix}99", 1) if cell.startswith("629901") else cell
         for cell in row]
        for row in EXAMPLE_ROWS
    ]  # fmt: skip


def template_workbook(city_code: str = "") -> bytes:
    """The import template: header row, example rows (under `city_code`), and the notes."""
    places = Sheet(
        "地点 Places",
        [column.label for column in COLUMNS],
        example_rows(city_code),
        widths=[14 if column.field.endswith("code") else 12 for column in COLUMNS],
        required={i for i, column in enumerate(COLUMNS) if column.required},
        text_columns=True,
    )
    kinds = {c.field.removesuffix("_word") for c in COLUMNS if c.field.endswith("_word")}
    notes = Sheet(
        "说明 Notes",
        ["列 Column", "英文列名 English header", "必填 Required", "可填 Accepted"],
        [
            [
                column.label,
                column.aliases[0] if column.aliases else column.field,
                "是 yes" if column.required else "",
                "、".join(WORDS[column.field.removesuffix("_word")])
                if column.field.endswith("_word") and column.field.removesuffix("_word") in kinds
                else "",
            ]
            for column in COLUMNS
        ],
        widths=(22, 26, None, 60),
        notes=[
            "One row per deepest place (a household, a building, … or a community with nothing "
            "below yet); every level above it filled in. 每行一个最末级地点, 上级各列都要填.",
            "Codes: 12-digit statistical division codes (统计用区划代码) for districts, streets "
            "(towns) and communities (villages), or the city's own codes. Codes of "
            + "、".join(sorted(str(k) for k in CODE_OPTIONAL))
            + " may stay empty (made from the parent's code and the name).",
            "Import again to rename or move a place: it is found by its code; its residents "
            "stay. Nothing is deleted. 再次导入可改名或调整上级(按代码识别), 居民不受影响.",
        ],
    )
    return xlsx_workbook(places, notes)
