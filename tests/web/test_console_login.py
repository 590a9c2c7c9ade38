"""Signing in to the console with an API key, signing out, the session cookie, pages that send
strangers to the sign-in form, and forms refused when another site sends them (CSRF)."""

from __future__ import annotations

import pytest

from tests.api.issuer.conftest import ADMIN_KEY, IssuerServer, Tenant
from tests.web.console_support import Browser, location, signed_in

pytestmark = pytest.mark.chain


def test_the_sign_in_form_is_labelled_and_keeps_the_key_out_of_sight(site: IssuerServer) -> None:
    browser = Browser(site)
    page = browser.get("/console")

    assert page.status == 200
    key = page.by_id("api-key")
    assert (key.tag, key.attrs["type"], key.attrs["name"]) == ("input", "password", "key")
    assert page.select("label", **{"for": "api-key"})
    assert page.by_id("login-submit").tag == "button"
    assert page.response.headers["referrer-policy"] == "same-origin"
    assert page.response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.response.headers["content-security-policy"]


def test_a_valid_key_signs_in_with_a_strict_http_only_cookie(tenant: Tenant) -> None:
    browser = Browser(tenant.server)
    answer = browser.submit(browser.get("/console"), "login-form", {"key": tenant.key})

    assert location(answer) == "/console/achievements"
    cookie = answer.response.headers["set-cookie"]
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/console"} <= attributes
    assert "secure" not in attributes  # plain http here; https sets Secure
    home = browser.follow(answer)
    assert home.status == 200
    assert f"institution {tenant.id}" in home.by_id("main").text()
    assert "Test University" in home.by_id("main").text()
    # signed in, the sign-in page sends the browser on
    assert location(browser.get("/console")) == "/console/achievements"


def test_over_https_the_cookie_is_secure_too(tenant: Tenant) -> None:
    # The site trusts its local proxy (uvicorn's forwarded-allow-ips): this request came in
    # over https, and its Origin is the https one.
    browser = Browser(tenant.server)
    https_origin = tenant.server.url.replace("http://", "https://")
    answer = browser.post(
        "/console/login",
        {"key": tenant.key},
        origin=https_origin,
        headers={"X-Forwarded-Proto": "https"},
    )

    assert location(answer) == "/console/achievements"
    attributes = {p.strip().lower() for p in answer.response.headers["set-cookie"].split(";")}
    assert {"secure", "httponly", "samesite=strict"} <= attributes


@pytest.mark.parametrize(
    ("key", "status", "message"),
    [
        (
            "cc_0123456789ab_" + "x" * 43,
            401,
            "This API key is not valid: it is unknown, mistyped or revoked.",
        ),
        ("not a key", 401, "This API key is not valid"),
        ("   ", 401, "Enter your institution's API key: it starts with cc_."),
        (
            ADMIN_KEY,
            403,
            "the administrator key cannot act for an institution; use its key.",
        ),
    ],
    ids=["unknown", "malformed", "empty", "administrator"],
)
def test_a_wrong_key_brings_the_form_back_with_a_precise_error(
    site: IssuerServer, key: str, status: int, message: str
) -> None:
    browser = Browser(site)
    answer = browser.submit(browser.get("/console"), "login-form", {"key": key})

    assert answer.status == status
    assert "set-cookie" not in answer.response.headers
    assert answer.error_of("api-key").startswith(message)
    assert answer.by_id("api-key").attrs.get("value") is None  # the key is not echoed


def test_pages_send_a_browser_that_is_not_signed_in_to_the_form_and_back(tenant: Tenant) -> None:
    browser = Browser(tenant.server)
    for path in ("/console/achievements", "/console/credentials", "/console/jobs/x"):
        assert location(browser.get(path)) == f"/console?next={path}"
    assert location(browser.post("/console/credentials/x/revoke", {"reason": "other"})) == (
        "/console"
    )

    form = browser.get("/console", next="/console/credentials")
    assert form.form("login-form")[1]["next"] == "/console/credentials"
    answer = browser.submit(form, "login-form", {"key": tenant.key})
    assert location(answer) == "/console/credentials"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/verify"])
def test_the_way_back_never_leaves_the_console(tenant: Tenant, target: str) -> None:
    browser = Browser(tenant.server)
    answer = browser.post("/console/login", {"key": tenant.key, "next": target})
    assert location(answer) == "/console/achievements"


def test_signing_out_ends_the_session(tenant: Tenant) -> None:
    browser = signed_in(tenant)
    page = browser.get("/console/achievements")
    answer = browser.submit(page, "logout-form")

    assert location(answer) == "/console?signed_out=true"
    assert 'chaincred_console=""' in answer.response.headers["set-cookie"]
    assert (
        browser.follow(answer)
        .by_id("main")
        .text()
        .startswith("Institution console You are signed out.")
    )
    assert location(browser.get("/console/achievements")).startswith("/console?next=")


def test_a_key_revoked_meanwhile_signs_its_session_out(tenant: Tenant) -> None:
    issued = tenant.new_key("issue", "revoke", "read")
    browser = Browser(tenant.server)
    browser.login(issued["key"])
    assert browser.get("/console/credentials").status == 200

    with tenant.server.client() as admin:
        revoked = admin.delete(f"/v1/institutions/{tenant.id}/keys/{issued['id']}")
    assert revoked.status_code in (200, 204), revoked.text

    assert location(browser.get("/console/credentials")) == "/console?next=/console/credentials"


def test_a_key_without_a_scope_sees_which_it_lacks(tenant: Tenant) -> None:
    browser = Browser(tenant.server)
    browser.login(tenant.new_key("read")["key"])

    assert browser.get("/console/credentials").status == 200
    page = browser.get("/console/issue")
    assert page.status == 403
    assert page.by_id("console-error").text() == "this API key lacks the 'issue' scope"


def test_a_form_sent_from_another_site_is_refused_and_does_nothing(tenant: Tenant) -> None:
    achievement_id = tenant.achievement()
    browser = signed_in(tenant)
    archive = f"/console/achievements/{achievement_id}/archive"

    by_origin = browser.post(archive, origin="https://evil.example")
    by_referer = browser.post(
        archive, origin=None, headers={"Referer": "https://evil.example/page"}
    )
    null_origin = browser.post(archive, origin="null")
    login = browser.post("/console/login", {"key": tenant.key}, origin="https://evil.example")

    for refused in (by_origin, by_referer, null_origin, login):
        assert refused.status == 403
        assert "not from this site: nothing was done" in refused.by_id("console-error").text()
    assert tenant.http.get(f"/v1/achievements/{achievement_id}").json()["archived"] is False
    # a form sent from this site, or without naming any origin, is done
    assert browser.post(archive, origin=None).status == 303
    assert tenant.http.get(f"/v1/achievements/{achievement_id}").json()["archived"] is True


def test_an_unknown_console_page_is_a_404_page(tenant: Tenant) -> None:
    page = signed_in(tenant).get("/console/nothing-here")
    assert page.status == 404
    assert page.response.headers["content-type"].startswith("text/html")
    assert page.by_id("console-error").text() == "There is no console page /console/nothing-here."
