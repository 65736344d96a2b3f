"""Chinese text in the PDFs we print (entry pass cards, a round's summary).

reportlab's built-in CID font STSong-Light: the PDF viewer supplies the glyphs (every Chinese
system has them), so no font file ships with Shequ and the PDFs stay small.
"""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """The name of the font to draw Chinese (and Latin) text with, registered once."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
