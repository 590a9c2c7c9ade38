"""Institutions and API keys over HTTP: the administrator key, keys shown once and stored
hashed, scopes, revocation; and the public registry view (this service's record + the chain's)."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlmodel import col, select

from chaincred.adapters.db import session_scope
from chaincred.adapters.db.models import ApiKeyRow
from tests.api.issuer.conftest import IssuerServer, Tenant, problem


def test_the_admin_creates_an_institution(server: IssuerServer) -> None:
    with server.client() as admin:
        answer = admin.post(
            "/v1/institutions", json={"id": 4242, "name": "Nieuwe Hogeschool", "country": "NL"}
        )
        again = admin.post("/v1/institutions", json={"id": 4242, "name": "Twice"})

    assert answer.status_code == 201
    assert answer.json() | {"created_at": None} == {
        "id": 4242,
        "name": "Nieuwe Hogeschool",
        "country": "NL",
        "created_at": None,
    }
    assert problem(again, 409, "already-exists")["detail"] == "institution 4242 exists already"


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (
            {"id": 5000, "name": "X", "country": "nl"},
            "country",
            "String should match pattern '^[A-Z]{2}$'",
        ),
        ({"id": 0, "name": "X"}, "id", "Input should be greater than or equal to 1"),
        ({"id": 2**24, "name": "X"}, "id", "Input should be less than or equal to 16777215"),
        ({"id": "7", "name": "X"}, "id", "must be an integer"),
        (
            {"id": 5001, "name": "X", "website": "https://x"},
            "website",
            "is not a known field (unknown fields are rejected, not ignored)",
        ),
        ({"name": "X"}, "id", "is required"),
    ],
    ids=[
        "lower-case-country",
        "id-zero",
        "id-beyond-uint24",
        "id-as-text",
        "unknown-field",
        "missing-id",
    ],
)
def test_institution_input_errors_are_422_with_the_field(
    server: IssuerServer, body: dict[str, object], path: str, message: str
) -> None:
    with server.client() as admin:
        details = problem(admin.post("/v1/institutions", json=body), 422, "invalid-input")
    assert details["errors"] == [{"path": path, "message": message}]


def test_malformed_json_is_400_with_line_and_column(server: IssuerServer) -> None:
    with server.client() as admin:
        response = admin.post("/v1/institutions", content=b'{"id": 1,\n "name": }')
    details = problem(response, 400, "malformed-json")
    assert details["detail"].startswith("malformed JSON at line 2, column 10")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong-admin-key",
        "Bearer cc_0123456789ab_" + "x" * 43,
        "Basic YWRtaW46YWRtaW4=",
    ],
    ids=["no-key", "wrong-key", "unknown-institution-key", "not-bearer"],
)
def test_without_a_valid_key_the_admin_calls_are_401(
    server: IssuerServer, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        response = client.post("/v1/institutions", json={"id": 5002, "name": "Nope"})
    problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == 'Bearer realm="chaincred"'


def test_an_institution_key_cannot_administer(tenant: Tenant) -> None:
    response = tenant.http.post(f"/v1/institutions/{tenant.id}/keys", json={"scopes": ["read"]})
    assert problem(response, 403, "forbidden")["detail"] == "this call needs the administrator key"


def test_the_admin_key_cannot_act_for_an_institution(server: IssuerServer) -> None:
    with server.client() as admin:
        response = admin.get("/v1/achievements")
    problem(response, 403, "forbidden")


def test_a_key_is_shown_once_and_stored_as_its_sha256(server: IssuerServer, tenant: Tenant) -> None:
    with server.client() as admin:
        created = admin.post(f"/v1/institutions/{tenant.id}/keys", json={"scopes": ["read"]}).json()
        listed = admin.get(f"/v1/institutions/{tenant.id}/keys").json()

    key = created["key"]
    assert key.startswith(created["prefix"] + "_") and len(key) == len("cc_") + 12 + 1 + 43
    assert created["scopes"] == ["read"]
    assert all("key" not in k for k in listed)
    assert created["id"] in [k["id"] for k in listed]
    with session_scope(server.db.engine) as session:
        row = session.exec(select(ApiKeyRow).where(col(ApiKeyRow.id) == created["id"])).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.key_hash and row.prefix == created["prefix"].removeprefix("cc_")


def test_a_revoked_key_is_refused(server: IssuerServer, tenant: Tenant) -> None:
    created = tenant.new_key("read")
    reader, key_id = server.client(created["key"]), created["id"]
    assert reader.get("/v1/achievements").status_code == 200

    with server.client() as admin:
        revoked = admin.delete(f"/v1/institutions/{tenant.id}/keys/{key_id}")
        again = admin.delete(f"/v1/institutions/{tenant.id}/keys/{key_id}")
        unknown = admin.delete(f"/v1/institutions/{tenant.id}/keys/no-such-key")

    assert (revoked.status_code, again.status_code) == (204, 204)
    problem(unknown, 404, "not-found")
    problem(reader.get("/v1/achievements"), 401, "unauthenticated")
    assert tenant.http.get("/v1/achievements").status_code == 200  # other keys still work


def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(tenant: Tenant) -> None:
    forged = tenant.key[:-4] + ("AAAA" if not tenant.key.endswith("AAAA") else "BBBB")
    with tenant.server.client(forged) as client:
        problem(client.get("/v1/achievements"), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ([], "give one or more of issue, revoke, read (got [])"),
        (["admin"], "give one or more of issue, revoke, read (got ['admin'])"),
    ],
    ids=["none", "unknown"],
)
def test_keys_need_known_scopes(
    server: IssuerServer, tenant: Tenant, scopes: list[str], message: str
) -> None:
    with server.client() as admin:
        response = admin.post(f"/v1/institutions/{tenant.id}/keys", json={"scopes": scopes})
    assert problem(response, 422, "invalid-input")["errors"] == [
        {"path": "scopes", "message": message}
    ]


def test_keys_of_an_unknown_institution_are_404(server: IssuerServer) -> None:
    with server.client() as admin:
        response = admin.post("/v1/institutions/999999/keys", json={"scopes": ["read"]})
    assert problem(response, 404, "not-found")["detail"] == "no institution 999999"


def test_the_registry_view_shows_the_record_and_the_chain(server: IssuerServer) -> None:
    with server.client() as admin:
        created = admin.post(
            "/v1/institutions", json={"id": 1, "name": "Issuer One", "country": "BE"}
        )
    assert created.status_code in (201, 409)  # the session's other server may not share its DB

    with httpx.Client(base_url=server.url) as public:
        view = public.get("/v1/institutions/1").json()
        chain_only = public.get("/v1/institutions/2").json()
        unknown = public.get("/v1/institutions/777777")
        bad = public.get("/v1/institutions/0")

    assert view["name"] == "Issuer One" and view["issues_here"] is True
    assert view["chain"]["registered"] is True and view["chain"]["active"] is True
    assert view["chain"]["metadata_digest"] == "0x" + "01" * 32
    assert chain_only["issues_here"] is False and chain_only["chain"]["registered"] is True
    assert problem(unknown, 404, "not-found")["detail"] == "no institution 777777"
    problem(bad, 422, "invalid-input")
