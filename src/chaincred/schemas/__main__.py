"""Regenerate credential-document.schema.json from the domain models:
``python -m chaincred.schemas``."""

from __future__ import annotations

from pathlib import Path

from chaincred.schemas import DOCUMENT_SCHEMA, document_schema, render

if __name__ == "__main__":
    target = Path(__file__).with_name(DOCUMENT_SCHEMA)
    target.write_text(render(document_schema()), encoding="utf-8")
    print(f"wrote {target}")
