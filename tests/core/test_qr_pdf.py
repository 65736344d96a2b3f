"""The shared QR response and the PDF font every app prints with."""

from __future__ import annotations

import io

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.core.qr import qr_svg, qr_svg_response


def test_a_qr_response_is_an_svg_that_no_cache_keeps():
    response = qr_svg_response("https://shequ.example/duty/scan/abc/")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    assert b"<svg" in response.content


def test_a_larger_scale_draws_a_larger_code():
    small, large = qr_svg("SQ1-42-1", scale=4), qr_svg("SQ1-42-1", scale=8)
    assert b'width="' in small
    assert small != large
    assert qr_svg("SQ1-42-1") == large  # 8 pixels a module unless told


def test_the_cjk_font_is_registered_once_and_draws_chinese():
    assert cjk_font() == cjk_font() == CJK_FONT
    assert pdfmetrics.getRegisteredFontNames().count(CJK_FONT) == 1
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont(cjk_font(), 12)
    page.drawString(72, 720, "甲社区 北门 通行证")
    page.save()
    assert out.getvalue().startswith(b"%PDF")
    assert b"STSong-Light" in out.getvalue()


def test_a_qr_poster_is_one_a4_page_with_its_call_place_lines_and_address():
    import io

    import pypdf

    from shequ.core.qr import qr_poster

    data = qr_poster(
        title="t",
        call="志愿者招募",
        place="甲社区",
        url="https://shequ.example/v/A/",
        lines=["扫码报名"],
    )
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = page.extract_text()
    for words in ("志愿者招募", "甲社区", "扫码报名", "https://shequ.example/v/A/"):
        assert words in text
