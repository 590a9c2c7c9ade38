"""The shared frame of the pages: the home page, the static assets and the headers."""

from __future__ import annotations

import httpx
import pytest

from tests.api.issuer.conftest import IssuerServer

pytestmark = pytest.mark.chain


def test_home_links_the_three_pages_and_serves_html_with_a_strict_policy(
    site: IssuerServer,
) -> None:
    answer = httpx.get(f"{site.url}/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    for href in ('href="/verify"', 'href="/learner"', 'href="/console"'):
        assert href in answer.text
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_the_stylesheet_is_served_by_the_app_itself(site: IssuerServer) -> None:
    page = httpx.get(f"{site.url}/").text
    assert "/static/chaincred.css" in page and "https://" not in page.split("<body>")[0]
    css = httpx.get(f"{site.url}/static/chaincred.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".verdict.invalid" in css.text


def test_pages_stay_out_of_the_api_description(site: IssuerServer) -> None:
    paths = httpx.get(f"{site.url}/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/static") for p in paths)
