"""The verifier page in tests: a report read back from its HTML (the tree and the page rules
are tests/web/html.py's), and the documents the tests verify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chaincred.domain import CredentialDocument, Institution, issue_document, parse_achievement
from tests.contracts.conftest import ISSUER_INSTITUTION
from tests.unit.domain.factories import achievement_data
from tests.verifier.support import ANVIL_CHAIN_ID, Issue, make_document
from tests.web.html import Element, check_page_rules, parse_html


@dataclass(frozen=True)
class Report:
    """A report page read back: the verdict, each check's outcome, the whole tree."""

    page: Element
    verdict: str
    words: str
    why: str
    outcomes: dict[str, str]

    def row(self, check: str) -> Element:
        return self.page.one("tr", data_check=check)


def read_report(text: str) -> Report:
    page = parse_html(text)
    check_page_rules(page)
    verdict = page.by_id("verdict")
    assert verdict.attrs["data-verdict"] in verdict.classes
    assert "verdict" in verdict.classes
    table = page.by_id("checks")
    rows = [r for r in table.walk() if r.tag == "tr" and "data-check" in r.attrs]
    return Report(
        page=page,
        verdict=verdict.attrs["data-verdict"],
        words=page.by_id("verdict-words").text(),
        why=page.by_id("verdict-why").text(),
        outcomes={r.attrs["data-check"]: r.attrs["data-outcome"] for r in rows},
    )


def build_issue(contract: str, recipient: str) -> Issue:
    def build(**changes: Any) -> CredentialDocument:
        arguments: dict[str, Any] = {"contract": contract, "recipient": recipient}
        return make_document(**(arguments | changes))

    return build


HOSTILE = "<script>alert('pwned')</script>"


def hostile_document(contract: str, recipient: str) -> CredentialDocument:
    """A document whose title, institution, outcome and a claim are markup."""
    achievement = achievement_data() | {
        "title": f"Course {HOSTILE}",
        "learning_outcomes": [{"text": f"Outcome <img src=x onerror=alert(1)> {HOSTILE}"}],
    }
    return issue_document(
        parse_achievement(achievement),
        institution=Institution.model_validate({"id": ISSUER_INSTITUTION, "name": HOSTILE}),
        recipient=recipient,
        claims={"name": f'"><b>{HOSTILE}', "grade": "A"},
        issued_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=1),
        chain_id=ANVIL_CHAIN_ID,
        contract=contract,
    )
