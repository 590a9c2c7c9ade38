"""Every page, as a phone and a keyboard see it, in a real Chromium: nothing wider than the
screen, every field labelled, text contrast at WCAG AA, and the verifier usable by keyboard.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Stack, screenshot
from tests.browser.test_journeys import log_in

pytestmark = [pytest.mark.chain, pytest.mark.slow]

PHONE = {"width": 375, "height": 812}

# Each element with text of its own: its contrast ratio against the first opaque background
# up its ancestors (WCAG 2.x relative luminance). Hidden elements are skipped.
_CONTRAST = """
() => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0.99) { if (c.length < 4 || c[3] > 0) return c.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === "hidden" || el.getClientRects().length === 0) continue;
    if (el.closest(".skip") && el !== document.activeElement) continue;
    const a = lum(rgb(style.color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const what = `${el.tagName.toLowerCase()}.${el.className}`;
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < 4.5) low.push(`${what}: ${ratio.toFixed(2)} "${text}"`);
  }
  return low;
}
"""

_UNLABELLED = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden" && el.labels.length === 0
    && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML.slice(0, 80))
"""


def _pages(stack: Stack) -> dict[str, str]:
    token, holder = stack.values["CHAINCRED_TOKEN_ID"], stack.values["CHAINCRED_HOLDER"]
    return {
        "home": "/",
        "verify-form": "/verify",
        "verify-token": f"/verify?token={token}",
        "verify-bulk": "/verify/bulk",
        "learner": f"/learner?address={holder}",
        "console-login": "/console",
        "console-achievements": "/console/achievements",
        "console-new-achievement": "/console/achievements/new",
        "console-issue": "/console/issue",
        "console-roster": "/console/roster",
        "console-jobs": "/console/jobs",
        "console-credentials": "/console/credentials",
    }


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_every_page_fits_a_phone_labels_its_fields_and_keeps_contrast(
    phone: Any, stack: Stack
) -> None:
    problems: dict[str, Any] = {}
    for name, path in _pages(stack).items():
        if name == "console-achievements":
            log_in(phone, stack)  # the console pages after this one are signed in
        phone.goto(stack.url + path)
        assert phone.url.startswith(stack.url + path.split("?")[0]), (name, phone.url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems[f"{name}: page width"] = width
        if unlabelled := phone.evaluate(_UNLABELLED):
            problems[f"{name}: unlabelled fields"] = unlabelled
        if low := phone.evaluate(_CONTRAST):
            problems[f"{name}: contrast below 4.5:1"] = low
        if name in ("verify-token", "learner", "console-achievements"):
            screenshot(phone, f"{name}-phone")
    assert problems == {}


def test_the_verifier_works_from_the_keyboard_alone(page: Any, stack: Stack) -> None:
    document = (stack.data_dir / "demo-credential.json").read_text("utf-8")
    page.goto(f"{stack.url}/verify")
    focused: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
        if focused[-1] == "document-text":
            break
    assert focused[-1] == "document-text", focused
    page.keyboard.insert_text(document)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "verify-submit":
            break
    assert page.evaluate("document.activeElement.id") == "verify-submit"
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict")
    assert page.locator("#verdict").get_attribute("data-verdict") == "valid"
    outline = page.evaluate(
        "() => { document.querySelector('#prove-button').focus();"
        " return getComputedStyle(document.activeElement).outlineStyle; }"
    )
    assert outline != "none"  # the focused control is visibly marked


def test_the_checks_above_catch_what_they_look_for(phone: Any, stack: Stack) -> None:
    phone.goto(f"{stack.url}/verify")
    assert phone.evaluate(_CONTRAST) == [] and phone.evaluate(_UNLABELLED) == []
    phone.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = 'faint';"
        " p.style.color = '#bbbbbb'; p.style.width = '900px'; document.body.append(p);"
        " document.body.append(document.createElement('input')); }"
    )
    (low,) = phone.evaluate(_CONTRAST)
    assert low == 'p.: 1.76 "faint"'  # #bbb on the page's #f3f5f8
    assert len(phone.evaluate(_UNLABELLED)) == 1
    assert phone.evaluate("document.documentElement.scrollWidth") > PHONE["width"]
