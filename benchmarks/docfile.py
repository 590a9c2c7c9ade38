"""docs/benchmarks.md: one section per benchmark, each between its own markers, rewritten
only by its own script."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DOC_HEADER", "markers", "rewrite_section", "write_section"]

DOC_HEADER = (
    "# Benchmarks\n\nResults written by the scripts in `benchmarks/` (how to run each: "
    "`benchmarks/README.md`). Each script rewrites only its own section, between its markers.\n"
)


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of section ``name`` (HTML comments: invisible when rendered)."""
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def rewrite_section(text: str, name: str, section: str) -> str:
    """``text`` with section ``name`` replaced, or appended when it has none yet."""
    begin, end = markers(name)
    block = f"{begin}\n{section.strip()}\n{end}"
    start, stop = text.find(begin), text.find(end)
    if start == -1 or stop < start:
        return text.rstrip() + "\n\n" + block + "\n"
    return text[:start] + block + text[stop + len(end) :]


def write_section(path: Path, name: str, section: str) -> None:
    """Rewrite section ``name`` of the document at ``path`` (created if missing)."""
    text = path.read_text("utf-8") if path.exists() else DOC_HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rewrite_section(text, name, section), "utf-8")
