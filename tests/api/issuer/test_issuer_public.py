"""What anyone may fetch without a key: token metadata (the public part's exact canonical
bytes) and badge, the metadata store as a trustless gateway (/ipfs/{cid}), and /healthz."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chaincred.adapters.chain import Deployment, RegistryClient
from chaincred.domain import badge_of, cid_of_bytes, erc721_metadata, parse_document
from chaincred.toolchain.anvil import free_port
from tests.api.issuer.conftest import IssuerServer, Tenant, new_tenant, problem, serve

RAW = "application/vnd.ipld.raw"


@pytest.fixture
def public(server: IssuerServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


@pytest.fixture
def issued(tenant: Tenant) -> dict[str, Any]:
    credential = tenant.issued(tenant.achievement())
    row = tenant.server.db.credential(credential["id"])
    assert row is not None and row.document is not None
    return credential | {"document": parse_document(row.document)}


def test_token_metadata_is_the_public_parts_canonical_bytes(
    public: httpx.Client, issued: dict[str, Any]
) -> None:
    by_hex = public.get(f"/v1/tokens/{issued['token_id']}/metadata")
    by_decimal = public.get(f"/v1/tokens/{int(issued['token_id'], 16)}/metadata")

    assert by_hex.status_code == 200 and by_hex.headers["content-type"] == "application/json"
    assert by_hex.content == erc721_metadata(issued["document"])
    assert by_decimal.content == by_hex.content
    assert "immutable" in by_hex.headers["cache-control"]
    assert b"Ada Lovelace" not in by_hex.content and b"s-1815" not in by_hex.content


def test_the_badge_is_the_image_the_metadata_names(
    public: httpx.Client, issued: dict[str, Any]
) -> None:
    image = public.get(f"/v1/tokens/{issued['token_id']}/image.svg")
    assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
    assert image.content == badge_of(issued["document"])
    assert issued["document"].public.image == f"ipfs://{cid_of_bytes(image.content)}"
    assert "sandbox" in image.headers["content-security-policy"]


def test_ipfs_answers_raw_blocks_and_typed_content(
    public: httpx.Client, issued: dict[str, Any]
) -> None:
    metadata_cid = issued["token_uri"].removeprefix("ipfs://")
    badge_cid = issued["document"].public.image.removeprefix("ipfs://")

    raw = public.get(f"/ipfs/{metadata_cid}", headers={"Accept": RAW})
    raw_by_query = public.get(f"/ipfs/{badge_cid}", params={"format": "raw"})
    typed_json = public.get(f"/ipfs/{metadata_cid}")
    typed_svg = public.get(f"/ipfs/{badge_cid}")
    head = public.head(f"/ipfs/{metadata_cid}", headers={"Accept": RAW})
    cached = public.get(
        f"/ipfs/{metadata_cid}", headers={"Accept": RAW, "If-None-Match": f'"{metadata_cid}.raw"'}
    )

    assert raw.status_code == 200 and raw.headers["content-type"] == RAW
    assert cid_of_bytes(raw.content) == metadata_cid
    assert raw.headers["etag"] == f'"{metadata_cid}.raw"'
    assert raw.headers["x-ipfs-path"] == f"/ipfs/{metadata_cid}"
    assert (
        raw_by_query.headers["content-type"] == RAW
        and cid_of_bytes(raw_by_query.content) == badge_cid
    )
    assert (
        typed_json.headers["content-type"] == "application/json"
        and typed_json.content == raw.content
    )
    assert typed_svg.headers["content-type"] == "image/svg+xml"
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(raw.content))
    assert cached.status_code == 304


def test_ipfs_and_token_errors(public: httpx.Client) -> None:
    unknown_cid = cid_of_bytes(b"never stored")
    problem(public.get(f"/ipfs/{unknown_cid}"), 404, "not-found")
    problem(public.get("/ipfs/QmNotACidV1"), 400, "invalid-identifier")
    problem(public.get(f"/ipfs/{unknown_cid}", params={"format": "car"}), 406, "not-acceptable")
    problem(public.get("/v1/tokens/0x" + "11" * 32 + "/metadata"), 404, "not-found")
    problem(public.get("/v1/tokens/not-a-number/metadata"), 400, "invalid-identifier")
    problem(public.get(f"/v1/tokens/{2**256}/image.svg"), 400, "invalid-identifier")


def test_the_store_never_holds_personal_claims(server: IssuerServer, tenant: Tenant) -> None:
    tenant.issued(tenant.achievement(), claims={"name": "Grace Hopper", "grade": "summa cum laude"})
    stored = [
        p.read_bytes() for p in (server.settings.data_dir / "ipfs").rglob("b*") if p.is_file()
    ]
    assert stored
    assert not [data for data in stored if b"Grace Hopper" in data or b"summa cum laude" in data]


def test_health_reports_each_component(public: httpx.Client, server: IssuerServer) -> None:
    response = public.get("/healthz")
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["status"] == "ok"
    assert set(health["checks"]) == {"chain", "database", "pinning", "signer"}
    assert all(check["ok"] for check in health["checks"].values())
    assert health["checks"]["chain"]["contract"] == server.settings.contract
    assert health["checks"]["database"]["engine"] == f"{server.kind} ok"
    assert int(health["checks"]["signer"]["balance_wei"]) > 0


def test_health_is_503_when_the_chain_is_down_and_no_signer_is_set(
    deployed: tuple[RegistryClient, Deployment], tmp_path: Path
) -> None:
    dead_rpc = f"http://127.0.0.1:{free_port()}"
    for server in serve("sqlite", tmp_path, dead_rpc, deployed[1].address, signer_dev_key=False):
        response = httpx.get(f"{server.url}/healthz", timeout=60)
        issue_attempt = httpx.post(
            f"{server.url}/v1/institutions/1/keys", json={"scopes": ["read"]}
        )
    health = response.json()
    assert response.status_code == 503 and health["status"] == "unavailable"
    assert health["checks"]["chain"]["ok"] is False
    assert "Connection refused" in health["checks"]["chain"]["error"]
    assert health["checks"]["signer"] == {"ok": False, "error": "no signing key is configured"}
    assert health["checks"]["database"]["ok"] and health["checks"]["pinning"]["ok"]
    problem(issue_attempt, 401, "unauthenticated")


@pytest.mark.parametrize("chain_id", [31337, None], ids=["chain-id-set", "chain-id-unknown"])
def test_issuing_needs_no_chain_once_the_chain_id_is_known(
    deployed: tuple[RegistryClient, Deployment], tmp_path: Path, chain_id: int | None
) -> None:
    dead_rpc = f"http://127.0.0.1:{free_port()}"
    for server in serve("sqlite", tmp_path, dead_rpc, deployed[1].address, chain_id=chain_id):
        for tenant in new_tenant(server):
            response = tenant.issue(tenant.achievement())
            if chain_id is None:
                assert problem(response, 503, "chain-unavailable")["detail"].startswith(
                    f"the chain at {dead_rpc} is unavailable"
                )
                assert response.headers["retry-after"] == "5"
                continue
            assert response.status_code == 202
            (operation,) = server.db.outbox(response.json()["id"])
            assert operation.state == "queued"


def test_the_openapi_document_describes_every_issuer_route(public: httpx.Client) -> None:
    spec = public.get("/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    batch = spec["paths"]["/v1/credentials/batch"]["post"]["requestBody"]["content"]
    assert set(batch) == {"application/json", "text/csv", "multipart/form-data"}
    for path in (
        "/v1/institutions",
        "/v1/achievements",
        "/v1/jobs/{job_id}",
        "/ipfs/{cid}",
        "/healthz",
    ):
        assert path in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
