"""The resident import template (residents/import/template.xlsx): the header row people fill
in, two example rows of synthetic people, and a sheet explaining each column and the words it
accepts (from `import_columns`)."""

from __future__ import annotations

from shequ.core.exports import Sheet, xlsx_workbook
from shequ.residents.import_columns import COLUMNS, WORDS

EXAMPLE_ROWS = [
    # Synthetic people: region 629999 does not exist, so no real person has these numbers.
    [
        "张三",
        "男",
        "1980-05-17",
        "居民身份证",
        "",
        "10000000001",
        "",
        "和平1号家属院",
        "1号楼",
        "1",
        "101",
        "户主",
        "住户",
        "",
        "",
    ],
    [
        "李四",
        "女",
        "1952-11-02",
        "居民身份证",
        "",
        "",
        "",
        "和平1号家属院",
        "1号楼",
        "1",
        "102",
        "户主",
        "租户",
        "独居老人、行动不便",
        "每周送药",
    ],
]


def template_workbook() -> bytes:
    """The import template: the header row people fill in, two example rows, and a sheet
    explaining each column and the words it accepts."""
    from shequ.residents.idcard import check_char

    for row, born in zip(EXAMPLE_ROWS, ("19800517", "19521102"), strict=True):
        first17 = f"629999{born}{'013' if row[1] == '男' else '024'}"
        row[4] = first17 + check_char(first17)
    residents = Sheet(
        "居民",
        [column.label for column in COLUMNS],
        EXAMPLE_ROWS,
        widths=[20 if column.pii else 12 for column in COLUMNS],
        required={i for i, column in enumerate(COLUMNS) if column.required},
        text_columns=True,
    )
    notes = Sheet(
        "说明 Notes",
        ["列 Column", "英文列名 English header", "必填 Required", "可填 Accepted"],
        [
            [
                column.label,
                column.aliases[0] if column.aliases else column.field,
                "是 yes" if column.required else "",
                "、".join(WORDS[column.field]) if column.field in WORDS else "",
            ]
            for column in COLUMNS
        ],
        widths=(22, 22, None, 80),
        notes=[
            "户编码, or 楼栋 + 单元 + 房号 (单元 when the building has units; 小区 when two "
            "compounds have a building of the same name). Other columns are listed as ignored."
        ],
    )
    return xlsx_workbook(residents, notes)
