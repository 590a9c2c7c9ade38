"""CSV rosters: a cohort to issue, one credential per line.

A roster has a header row naming its columns (``recipient``, the claim names such as ``name``
and ``student_id``, optionally ``valid_until``, ``burn_auth`` and ``achievement_id``), then one
line per credential. It is read here into the rows :func:`chaincred.services.issuance.issue_batch`
validates, each with its CSV line number as its path (``line[5].recipient``), for the API's
``POST /v1/credentials/batch`` and the console's preview alike. Header problems and bytes that
are not UTF-8 CSV are the whole roster's problem (:class:`InvalidCredential`); a line of the
wrong width is that row's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chaincred.domain import CLAIM_NAMES, InvalidCredential
from chaincred.services.issuance import Row

__all__ = ["COLUMNS", "Roster", "RosterLine", "read_roster", "roster_csv", "roster_rows"]

#: Columns a CSV roster may have besides the claim names.
COLUMNS = ("recipient", "achievement_id", "valid_until", "burn_auth")


@dataclass(frozen=True)
class RosterLine:
    """One line of a roster: its cells as written and the row it is issued as."""

    number: int
    cells: tuple[str, ...]
    row: Row


@dataclass(frozen=True)
class Roster:
    header: tuple[str, ...]
    lines: list[RosterLine]


def roster_rows(data: bytes, achievement_id: str | None) -> list[Row]:
    """The rows of a roster (``achievement_id``: of the lines without that column)."""
    return [line.row for line in read_roster(data, achievement_id).lines]


def read_roster(data: bytes, achievement_id: str | None) -> Roster:
    """The header and the lines of a roster; blank lines are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCredential.at((), f"the CSV is not UTF-8 (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read(reader, achievement_id)
    except csv.Error as exc:
        raise InvalidCredential.at(("line", reader.line_num), f"is not CSV: {exc}") from None


def roster_csv(header: Sequence[str], lines: Iterable[Sequence[str]]) -> str:
    """A roster's text again (the console carries the lines a preview accepted)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return out.getvalue()


def _read(reader: Any, achievement_id: str | None) -> Roster:
    header = tuple(h.strip().lower() for h in next(reader, []))
    _check_header(header, achievement_id)
    lines: list[RosterLine] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        number = reader.line_num
        path = ("line", number)
        if len(cells) != len(header):
            width = f"has {len(cells)} cells, the header has {len(header)}"
            lines.append(RosterLine(number, tuple(cells), Row(path, {}, unreadable=width)))
            continue
        request = _request(dict(zip(header, cells, strict=True)), achievement_id)
        lines.append(RosterLine(number, tuple(cells), Row(path, request)))
    return Roster(header, lines)


def _check_header(header: tuple[str, ...], achievement_id: str | None) -> None:
    known = set(COLUMNS) | set(CLAIM_NAMES)
    problems = [h for h in header if h not in known]
    if problems:
        raise InvalidCredential.at(
            ("columns", problems[0]),
            f"is not a known column (known: {', '.join((*COLUMNS, *CLAIM_NAMES))})",
        )
    if len(set(header)) != len(header):
        raise InvalidCredential.at(("columns",), "a column is named twice")
    if "recipient" not in header:
        raise InvalidCredential.at(("columns",), "the header row needs a recipient column")
    if "achievement_id" not in header and not achievement_id:
        raise InvalidCredential.at(
            ("achievement_id",), "give ?achievement_id=… or an achievement_id column"
        )


def _request(cells: dict[str, str], achievement_id: str | None) -> dict[str, object]:
    values = {k: v.strip() for k, v in cells.items() if v.strip()}
    request: dict[str, object] = {
        "achievement_id": values.pop("achievement_id", achievement_id),
        "recipient": values.pop("recipient", ""),
    }
    for optional in ("valid_until", "burn_auth"):
        if optional in values:
            request[optional] = values.pop(optional)
    request["claims"] = values
    return request
