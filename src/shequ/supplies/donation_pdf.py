"""The thank-you receipt (捐赠感谢收据) of one donation on A4, always in Chinese: it is given
to the donor. Its number, the donor, what was given (the amount in figures and in capitals,
or the goods), the place that received it and what it became (for cash: the purchases).
The donor's contact is not printed.

Chinese text uses reportlab's built-in CID font (core/pdf.py): no font file ships with Shequ.
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.supplies.donations import fen_to_yuan
from shequ.supplies.models import Donation, DonationKind, PayChannel

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]
CHANNELS = {
    PayChannel.BANK: "银行转账",
    PayChannel.WECHAT: "微信支付",
    PayChannel.ALIPAY: "支付宝",
    PayChannel.CASH: "现金",
}


def _four(n: int) -> str:
    """0 < n < 10000 in capitals, with 零 for inner zeros: 1045 → 壹仟零肆拾伍."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL_UNITS[i]
    return out


def rmb_upper(amount: Decimal) -> str:
    """An amount in capitals as on a Chinese receipt: 5450 → 伍仟肆佰伍拾元整,
    1200.50 → 壹仟贰佰元伍角."""
    fen = int((amount * 100).to_integral_value())
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    parts: list[str] = []
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    text, gap = "", False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            gap = True
            continue
        if text and (gap or g < 1000):
            text += "零"
        text += _four(g) + BIG_UNITS[i]
        gap = False
    if text:
        parts.append(text + "元")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    if cents:
        parts.append(("零" if text and not jiao else "") + DIGITS[cents] + "分")
    if not parts:
        return "零元整"
    return "".join(parts) + ("" if cents else "整")


def receipt_pdf(donation: Donation) -> bytes:
    """The donation's thank-you receipt, one A4 page."""
    cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
        bottomMargin=20 * mm, title=f"捐赠感谢收据 {donation.number}", author="Shequ",
    )  # fmt: skip
    title = ParagraphStyle("t", fontName=CJK_FONT, fontSize=22, leading=30, alignment=1)
    body = ParagraphStyle("b", fontName=CJK_FONT, fontSize=12, leading=20)
    small = ParagraphStyle("s", fontName=CJK_FONT, fontSize=10, leading=14)
    right = ParagraphStyle("r", parent=body, alignment=2)
    donor = donation.donor
    place = donation.place
    story: list = [
        Paragraph("捐赠感谢收据", title),
        Spacer(1, 4 * mm),
        Paragraph(f"编号：{donation.number}", right),
        Spacer(1, 6 * mm),
        Paragraph(f"尊敬的{donor.name}：", body),
        Spacer(1, 2 * mm),
    ]
    when = f"{donation.received_on:%Y年%m月%d日}".replace("年0", "年").replace("月0", "月")
    if donation.kind == DonationKind.CASH:
        yuan = fen_to_yuan(donation.amount_fen)
        story.append(
            Paragraph(
                f"您于{when}通过{CHANNELS.get(donation.channel, '')}向{place.name}捐赠善款"
                f"人民币{yuan:,.2f}元（大写：{rmb_upper(yuan)}），收据号 {donation.receipt_no}。"
                "善款全部用于疫情防控物资采购，每一笔支出均可查询。",
                body,
            )
        )
        rows = [["采购日期", "供应商", "物资", "数量", "金额（元）"]]
        for p in donation.purchases.prefetch_related("lines__item").order_by("bought_on", "pk"):
            for ln in p.lines.all():
                rows.append(
                    [f"{p.bought_on:%Y-%m-%d}", p.supplier, ln.item.name,
                     f"{ln.quantity}{ln.item.unit}", f"{fen_to_yuan(ln.total_fen):,.2f}"]
                )  # fmt: skip
        if len(rows) > 1:
            rows.append(["", "", "", "已用", f"{fen_to_yuan(donation.spent_fen):,.2f}"])
            story += [Spacer(1, 4 * mm), _table(rows, [26, 44, 40, 24, 30])]
    else:
        story.append(Paragraph(f"您于{when}向{place.name}捐赠以下物资，已全部入库：", body))
        rows = [["物资", "数量"]]
        rows += [
            [ln.item.name, f"{ln.quantity}{ln.item.unit}"]
            for ln in donation.lines.select_related("item").order_by("pk")
        ]
        story += [Spacer(1, 4 * mm), _table(rows, [100, 64])]
    story += [
        Spacer(1, 8 * mm),
        Paragraph("您的善举为社区疫情防控工作提供了有力支持，谨此致以诚挚的感谢！", body),
        Spacer(1, 16 * mm),
        Paragraph(place.name, right),
        Paragraph(f"{when}", right),
        Spacer(1, 16 * mm),
        Paragraph("本收据由社区防控平台生成，凭编号可查询捐赠去向。", small),
    ]
    doc.build(story)
    return out.getvalue()


def _table(rows: list[list[str]], widths_mm: list[int]) -> Table:
    table = Table(rows, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CJK_FONT, 10.5),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8F5E9")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table
