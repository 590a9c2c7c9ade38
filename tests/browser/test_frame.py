"""The frame every page shares, in a real browser: it renders, it fits a phone, and the
keyboard reaches the content first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Stack, screenshot

pytestmark = [pytest.mark.chain, pytest.mark.slow]


def test_home_renders_with_only_its_own_assets(page: Any, stack: Stack) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(stack.url + "/")
    assert page.title() == "chaincred"
    assert page.locator("nav a").all_inner_texts() == ["Verify", "Learner", "Institution console"]
    assert requested and all(url.startswith(stack.url) for url in requested), requested
    screenshot(page, "home")


def test_the_first_tab_stop_skips_to_the_content(page: Any, stack: Stack) -> None:
    page.goto(stack.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
