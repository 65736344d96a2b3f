"""The columns of a resident list and how their cells read.

`COLUMNS` names each column (its label on the template and the header spellings seen on real
community sheets), `WORDS` the cell words (Chinese and English) each coded field accepts, and
`read_row` turns one row's cells into the values stored, reporting each problem it finds.
Used by `importers` (the import) and `import_template` (the template workbook).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.core.tabular import Column, HeaderMap
from shequ.residents.models import DocumentType, Gender, Occupancy, Relation, Tag

# Header spellings seen on real community sheets; a header none of these match is reported
# as ignored (never dropped unseen), see core.tabular.map_header.
COLUMNS = [
    Column("name", "姓名", ("name", "full name", "居民姓名", "名字"), required=True),
    Column("gender", "性别", ("gender", "sex")),
    Column(
        "birth_date",
        "出生日期",
        ("birth date", "date of birth", "birthday", "生日", "出生年月日", "出生年月"),
    ),
    Column("document_type", "证件类型", ("document type", "id type")),
    Column(
        "document_number",
        "证件号码",
        (
            "document number",
            "id number",
            "身份证号码",
            "身份证号",
            "公民身份号码",
            "身份证",
            "证件号",
        ),
        required=True,
        pii=True,
    ),
    Column(
        "phone",
        "手机号码",
        ("phone", "mobile", "手机号", "手机", "联系电话", "电话号码", "联系方式", "电话"),
        pii=True,
    ),
    Column("household_code", "户编码", ("household code", "household", "户号编码")),
    Column("compound", "小区", ("compound", "小区名称", "楼院", "院落")),
    Column("building", "楼栋", ("building", "楼号", "楼栋号", "楼栋名称", "栋号")),
    Column("unit", "单元", ("unit", "单元号", "单元名称")),
    Column("room", "房号", ("room", "门牌号", "房间号", "室号", "房间", "室", "户号")),
    Column("relation", "与户主关系", ("relation", "relation to head", "关系")),
    Column("occupancy", "居住类型", ("occupancy", "住户类型", "户籍类型")),
    Column("tags", "重点人群", ("special populations", "tags", "人群类别")),
    Column("notes", "备注", ("notes", "remark", "remarks")),
]
LABELS = {c.field: c.label for c in COLUMNS}
COLUMNS_BY_FIELD = {c.field: c for c in COLUMNS}

# Cell words (Chinese and English) → stored values.
WORDS: dict[str, dict[str, str]] = {
    "gender": {
        "男": Gender.MALE,
        "女": Gender.FEMALE,
        "male": Gender.MALE,
        "female": Gender.FEMALE,
        "m": Gender.MALE,
        "f": Gender.FEMALE,
    },
    "document_type": {
        "居民身份证": DocumentType.RESIDENT_ID,
        "身份证": DocumentType.RESIDENT_ID,
        "resident id": DocumentType.RESIDENT_ID,
        "id card": DocumentType.RESIDENT_ID,
        "护照": DocumentType.PASSPORT,
        "passport": DocumentType.PASSPORT,
        "其他": DocumentType.OTHER,
        "other": DocumentType.OTHER,
    },
    "relation": {
        "户主": Relation.HEAD,
        "本人": Relation.HEAD,
        "head": Relation.HEAD,
        "配偶": Relation.SPOUSE,
        "妻": Relation.SPOUSE,
        "夫": Relation.SPOUSE,
        "spouse": Relation.SPOUSE,
        "子女": Relation.CHILD,
        "子": Relation.CHILD,
        "女": Relation.CHILD,
        "儿子": Relation.CHILD,
        "女儿": Relation.CHILD,
        "child": Relation.CHILD,
        "父母": Relation.PARENT,
        "父亲": Relation.PARENT,
        "母亲": Relation.PARENT,
        "parent": Relation.PARENT,
        "祖父母": Relation.GRANDPARENT,
        "grandparent": Relation.GRANDPARENT,
        "孙子女": Relation.GRANDCHILD,
        "孙子": Relation.GRANDCHILD,
        "孙女": Relation.GRANDCHILD,
        "grandchild": Relation.GRANDCHILD,
        "兄弟姐妹": Relation.SIBLING,
        "sibling": Relation.SIBLING,
        "其他": Relation.OTHER,
        "other": Relation.OTHER,
    },
    "occupancy": {
        "住户": Occupancy.OWNER,
        "业主": Occupancy.OWNER,
        "owner": Occupancy.OWNER,
        "租户": Occupancy.RENTER,
        "renter": Occupancy.RENTER,
        "tenant": Occupancy.RENTER,
        "其他": Occupancy.OTHER,
        "other": Occupancy.OTHER,
    },
    "tags": {
        "独居老人": Tag.ELDERLY_ALONE,
        "elderly living alone": Tag.ELDERLY_ALONE,
        "慢性病": Tag.CHRONIC_ILLNESS,
        "重病": Tag.CHRONIC_ILLNESS,
        "慢性病或重病": Tag.CHRONIC_ILLNESS,
        "chronic or severe illness": Tag.CHRONIC_ILLNESS,
        "残疾": Tag.DISABLED,
        "残疾人": Tag.DISABLED,
        "disabled": Tag.DISABLED,
        "行动不便": Tag.IMMOBILE,
        "immobile": Tag.IMMOBILE,
        "孕妇": Tag.PREGNANT,
        "孕产妇": Tag.PREGNANT,
        "pregnant": Tag.PREGNANT,
        "婴幼儿": Tag.INFANT,
        "婴儿": Tag.INFANT,
        "infant": Tag.INFANT,
        "外籍人员": Tag.FOREIGNER,
        "外籍": Tag.FOREIGNER,
        "foreigner": Tag.FOREIGNER,
        "返乡人员": Tag.RETURNEE,
        "返乡": Tag.RETURNEE,
        "returnee": Tag.RETURNEE,
    },
}
for _field in ("document_type", "relation", "occupancy", "tags"):  # the codes work too
    enum = {
        "document_type": DocumentType,
        "relation": Relation,
        "occupancy": Occupancy,
        "tags": Tag,
    }
    WORDS[_field].update({value: value for value in enum[_field].values})
# Between tags: Chinese or Latin list marks; spaces only separate words that are not a tag
# together ("elderly living alone" is one tag, "独居老人 行动不便" two).
TAG_SPLIT = re.compile(r"[、,，;；/|\n]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if "T" in text:
        text = text.split("T", 1)[0]
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)  # the common case, ten times faster than strptime
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_word(field: str, text: str, default: str) -> tuple[str, str | None]:
    if not text:
        return default, None
    value = WORDS[field].get(text.strip().lower())
    if value is None:
        return "", _("Unknown value “%(v)s”; use one of: %(ok)s.") % {
            "v": text,
            "ok": "、".join(k for k in WORDS[field] if not k.isascii())[:80],
        }
    return value, None


# The cells `read_row` reads, in the order it takes them (one `HeaderMap.picker` call a row).
READ = (
    "name",
    "notes",
    "gender",
    "document_type",
    "relation",
    "occupancy",
    "tags",
    "birth_date",
    "document_number",
    "phone",
)
# Each word column's field, its default when empty, and its words (upper case, trimmed).
_WORDS = (
    ("gender", "", WORDS["gender"]),
    ("document_type", DocumentType.RESIDENT_ID, WORDS["document_type"]),
    ("relation", Relation.OTHER, WORDS["relation"]),
    ("occupancy", Occupancy.OWNER, WORDS["occupancy"]),
)


def read_row(cells: list[str], header: HeaderMap, bad: Any) -> dict[str, Any]:
    """The row's fields as stored, each problem reported through `bad`."""
    return read_fields(header.picker(READ)(cells), bad)


def read_fields(cells: tuple[str, ...], bad: Any) -> dict[str, Any]:
    """`read_row` of the row's cells already picked in the order of READ."""
    name, notes, *words, tag_text, birth_text, document, phone = cells
    data: dict[str, Any] = {"name": name, "notes": notes}
    for (field, default, known), text in zip(_WORDS, words, strict=True):
        if not text:
            data[field] = default
            continue
        value = known.get(text) or known.get(text.strip().lower())
        if value is None:
            data[field], problem = read_word(field, text, default)
            bad(field, text, problem)
        else:
            data[field] = value
    tags: list[str] = []
    if tag_text:
        for piece in filter(None, (p.strip() for p in TAG_SPLIT.split(tag_text))):
            found = WORDS["tags"].get(piece.lower())
            words = [found] if found else [WORDS["tags"].get(w.lower()) for w in piece.split()]
            if not words or None in words:
                bad("tags", tag_text, _("Unknown special population “%s”.") % piece)
            else:
                tags.extend(words)
    data["tags"] = tags
    data["birth_date"] = None
    if birth_text:
        try:
            data["birth_date"] = parse_date(birth_text)
        except ValueError:
            bad("birth_date", birth_text, _("Write the date as 1980-05-17."))
    data["document_number"] = pii.normalize_document(document)
    data["phone"] = pii.normalize_phone(phone) if phone else ""
    return data
