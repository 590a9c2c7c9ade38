"""The SVG badge wallets show as the token's image.

Deterministic: the same achievement and institution always give the same bytes, hence the
same CID, so the image URI in the public part (and therefore the digest) is reproducible by
anyone. No fonts, scripts or external references: wallets render SVG in sandboxes that load
nothing, and a remote reference would make the picture mutable behind a fixed CID.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from chaincred.domain.achievement import Achievement

__all__ = ["badge_svg"]

# One hue per EQF level (1-8), so levels are told apart at a glance; grey when unlevelled.
_LEVEL_COLOURS = (
    "#5b6b7a",
    "#2e7d6b",
    "#2f7a3d",
    "#6b7d1f",
    "#a0661c",
    "#b23a48",
    "#7b3fa0",
    "#3a4fb2",
    "#1f3d7a",
)
_TITLE_LINE_CHARS = 22
_TITLE_LINES = 4
_INSTITUTION_LINE_CHARS = 34
_INSTITUTION_LINES = 2


def badge_svg(achievement: Achievement, institution_name: str) -> bytes:
    """The badge as UTF-8 SVG bytes (title, institution, ECTS, EQF level)."""
    colour = _LEVEL_COLOURS[achievement.eqf_level or 0]
    kind = achievement.achievement_type.replace("-", " ").upper()
    title = _wrap(achievement.title, _TITLE_LINE_CHARS, _TITLE_LINES)
    institution = _wrap(institution_name, _INSTITUTION_LINE_CHARS, _INSTITUTION_LINES)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">',
        f'<rect x="8" y="8" width="384" height="384" rx="32" fill="{colour}"/>',
        '<rect x="24" y="24" width="352" height="352" rx="24" fill="#ffffff" fill-opacity="0.94"/>',
        _text(200, 66, 15, colour, kind, bold=True),
        *_lines(title, top=118, size=26, gap=32, fill="#1b1f24", bold=True),
        *_lines(institution, top=270, size=15, gap=20, fill="#3d4650"),
        *_pills(achievement, colour),
        "</svg>",
    ]
    return ("\n".join(p for p in parts if p) + "\n").encode("utf-8")


def _pills(achievement: Achievement, colour: str) -> list[str]:
    labels = []
    if achievement.ects is not None:
        labels.append(f"{_number(achievement.ects)} ECTS")
    if achievement.eqf_level is not None:
        labels.append(f"EQF {achievement.eqf_level}")
    width, gap = 130, 16
    left = 200 - (len(labels) * width + (len(labels) - 1) * gap) // 2
    out = []
    for i, label in enumerate(labels):
        x = left + i * (width + gap)
        out.append(f'<rect x="{x}" y="318" width="{width}" height="40" rx="20" fill="{colour}"/>')
        out.append(_text(x + width // 2, 345, 18, "#ffffff", label, bold=True))
    return out


def _lines(
    lines: list[str], *, top: int, size: int, gap: int, fill: str, bold: bool = False
) -> list[str]:
    return [_text(200, top + i * gap, size, fill, line, bold=bold) for i, line in enumerate(lines)]


def _text(x: int, y: int, size: int, fill: str, content: str, *, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x}" y="{y}" font-family="sans-serif" font-size="{size}"{weight} '
        f'fill="{fill}" text-anchor="middle">{escape(content)}</text>'
    )


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap by code points; over-long words are cut; overflow ends in "…"."""
    words = [w[i : i + width] for w in text.split() for i in range(0, len(w), width)]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], last[: width - 1].rstrip() + "…"]
    return lines
