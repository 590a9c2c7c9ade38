"""The printable certificate: one A4 page (fpdf2) with a QR code (segno) of the verifier page.

The certificate shows public facts only, the same as the token's metadata: title,
institution, ECTS, EQF level, learning outcomes, issue date, token id and recipient address.
It is not itself the proof: the QR code opens ``/verify?token=0x…`` (the verifier page for
that token), which judges the credential against the chain, so a revoked credential's
certificate leads to the revocation. The URL is printed under the code for those who type.

Text is set in DejaVu Sans, vendored in ``static/`` as a subset (Latin, Greek, Cyrillic,
punctuation: the scripts of the EU's official languages) made with fontTools::

    pyftsubset DejaVuSans.ttf --unicodes="U+0020-007E,U+00A0-024F,U+0259,U+02B0-036F,\\
      U+0370-03FF,U+0400-04FF,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-214F,U+2190-21FF,\\
      U+2212,U+FFFD" --layout-features='*' --name-IDs='*' --name-languages='*' \\
      --notdef-outline --glyph-names

(the same for DejaVuSans-Bold.ttf; DejaVu 2.37, license in ``static/DejaVu-LICENSE.txt``).
PDF core fonts would cover Latin-1 only: "Łódź" or "Ελληνικά" would not print. A character
outside the subset (CJK, say) prints as U+FFFD, so that its absence shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from chaincred.domain import PublicPart
from chaincred.web.templating import STATIC_DIR

__all__ = ["certificate_pdf", "verify_url"]

_FONT = "DejaVu"
_REGULAR = STATIC_DIR / "DejaVuSans.ttf"
_BOLD = STATIC_DIR / "DejaVuSans-Bold.ttf"

_INK = (27, 31, 36)
_MUTED = (74, 82, 96)
_ACCENT = (11, 87, 164)
_QR_MM = 42


def verify_url(public_url: str, token_id: int) -> str:
    """The verifier page for one token: what the certificate's QR code encodes."""
    return f"{public_url.rstrip('/')}/verify?token=0x{token_id:064x}"


@dataclass(frozen=True)
class _Fact:
    label: str
    value: str


def certificate_pdf(public: PublicPart, *, token_id: int, verify_url: str) -> bytes:
    """The certificate of the credential whose public part is ``public``."""
    pdf = _Certificate(public)
    pdf.add_page()
    pdf.heading(public)
    pdf.facts(_facts_of(public, token_id))
    pdf.outcomes(public)
    pdf.verification(verify_url)
    return bytes(pdf.output())


def _facts_of(public: PublicPart, token_id: int) -> list[_Fact]:
    achievement = public.achievement
    facts = [
        _Fact("Institution", public.institution.name),
        _Fact("ECTS credits", _number(achievement.ects)),
        _Fact("EQF level", str(achievement.eqf_level) if achievement.eqf_level else "not stated"),
        _Fact("Workload", f"{_number(achievement.workload_hours)} hours"),
        _Fact("Issued", public.issued_at[:10]),
    ]
    if public.valid_until is not None:
        facts.append(_Fact("Valid until", public.valid_until[:10]))
    facts += [
        _Fact("Recipient wallet", public.recipient),
        _Fact("Token id", f"0x{token_id:064x}"),
    ]
    return facts


def _number(value: float | None) -> str:
    if value is None:
        return "not stated"
    return str(int(value)) if value.is_integer() else str(value)


class _Certificate(FPDF):
    def __init__(self, public: PublicPart) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(_FONT, "", str(_REGULAR))
        self.add_font(_FONT, "B", str(_BOLD))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(f"{public.name}: certificate")
        self.set_author(public.institution.name)
        self.set_creator("chaincred")
        self.set_lang(public.achievement.languages[0])
        font = self.fonts[_FONT.lower()]
        assert isinstance(font, TTFFont)
        self._glyphs = frozenset(font.cmap)

    def printable(self, text: str) -> str:
        return "".join(c if ord(c) in self._glyphs or c == "\n" else "\ufffd" for c in text)

    def text_style(
        self, size: float, *, bold: bool = False, color: tuple[int, int, int] = _INK
    ) -> None:
        self.set_font(_FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def paragraph(self, text: str, height: float, *, link: str | None = None) -> None:
        self.multi_cell(
            0,
            height,
            self.printable(text),
            align="L",
            link=link,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def heading(self, public: PublicPart) -> None:
        self.text_style(11, color=_MUTED)
        self.paragraph(public.institution.name, 6)
        self.text_style(10, color=_ACCENT)
        kind = public.achievement.achievement_type.replace("-", " ")
        self.paragraph(f"Certificate of a {kind}", 6)
        self.ln(4)
        self.text_style(22, bold=True)
        self.paragraph(public.name, 10)
        self.ln(2)
        self.text_style(10, color=_MUTED)
        self.paragraph(public.description, 5)
        self.ln(4)

    def facts(self, facts: list[_Fact]) -> None:
        label_width = 42
        for fact in facts:
            self.text_style(10, bold=True)
            self.cell(label_width, 6, fact.label)
            # A token id (66 characters) fits the line only a size smaller.
            self.text_style(8.5 if fact.value.startswith("0x") else 10)
            self.paragraph(fact.value, 6)
        self.ln(4)

    def outcomes(self, public: PublicPart) -> None:
        self.text_style(12, bold=True)
        self.paragraph("Learning outcomes", 7)
        self.text_style(10)
        outcomes = public.achievement.learning_outcomes
        if not outcomes:
            self.paragraph("Not stated.", 5)
        for outcome in outcomes:
            self.cell(5, 5, "\u2022")
            self.paragraph(outcome.text, 5)
        self.ln(6)

    def verification(self, url: str) -> None:
        if self.get_y() + _QR_MM + 30 > self.h - self.b_margin:
            self.add_page()
        png = io.BytesIO()
        segno.make(url, error="m").save(png, kind="png", scale=10, border=4)
        png.seek(0)
        top = self.get_y()
        self.image(png, x=self.l_margin, y=top, w=_QR_MM, h=_QR_MM, alt_text=f"QR code: {url}")
        self.set_xy(self.l_margin + _QR_MM + 6, top + 4)
        self.text_style(12, bold=True)
        self.multi_cell(0, 6, "Verify this certificate", align="L", new_y=YPos.NEXT)
        self.set_x(self.l_margin + _QR_MM + 6)
        self.text_style(9, color=_MUTED)
        self.multi_cell(
            0,
            4.5,
            "Scan the code, or open the address below. The verifier checks the credential "
            "against the blockchain itself: whether it was issued, by whom, and whether it has "
            "since been revoked, suspended or replaced. This paper alone proves nothing.",
            align="L",
            new_y=YPos.NEXT,
        )
        self.set_xy(self.l_margin, top + _QR_MM + 2)
        # On one line if a smaller size allows: a URL broken in two is hard to type.
        size = 8.0
        self.text_style(size, color=_ACCENT)
        # multi_cell pads each side by c_margin: the text has epw less both paddings.
        while size > 6 and self.get_string_width(url) > self.epw - 2 * self.c_margin:
            size -= 0.5
            self.text_style(size, color=_ACCENT)
        self.paragraph(url, 4, link=url)
