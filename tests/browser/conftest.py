"""End-to-end tests in a real headless Chromium against the whole local stack.

The stack is ``chaincred up`` itself (Anvil, the registry, the API with its pages, the signer
worker and the indexer) on free ports in a temporary folder, as a user starts it. The browser
is Debian's ``chromium`` driven by playwright's Python client: playwright never downloads a
browser here (the machine reaches no browser CDN), it is pointed at ``/usr/bin/chromium``.

Without Chromium the tests are skipped with the reason shown in pytest's summary; CI sets
``CHAINCRED_REQUIRE_BROWSER=1`` (``.ci/run`` installs the package first), which turns that skip
into a failure. Screenshots of every page land in ``test-artifacts/screenshots/``; with
``CHAINCRED_SCREENSHOT_DIR=docs/screenshots`` they refresh the README's copies: the tests are
their generator.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from PIL import Image

from chaincred.toolchain.anvil import free_port
from tests.cli.up_support import read_until_ready

pytestmark = [pytest.mark.chain, pytest.mark.slow]

CHROMIUM = os.environ.get("CHAINCRED_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to test-artifacts/ (ignored by git) unless asked elsewhere: the README's copies
# are refreshed with CHAINCRED_SCREENSHOT_DIR=docs/screenshots.
SCREENSHOTS = ROOT / os.environ.get("CHAINCRED_SCREENSHOT_DIR", "test-artifacts/screenshots")

# The flags a root user on a closed network needs: no sandbox (root), no GPU (headless VM),
# and none of Chromium's background calls home, which this machine's network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_missing() -> str | None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).is_file():
        return f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (Debian) runs them"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: `pip install -e '.[dev]'`"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing is not None:
        if os.environ.get("CHAINCRED_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CHAINCRED_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Stack:
    """A running ``chaincred up``: its KEY=VALUE lines and its data folder."""

    values: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[str]

    @property
    def url(self) -> str:
        return self.values["CHAINCRED_API_URL"]

    @property
    def rpc_url(self) -> str:
        return self.values["CHAINCRED_RPC_URL"]

    def api(self) -> httpx.Client:
        key = self.values["CHAINCRED_API_KEY"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if _browser_missing() is not None and os.environ.get("CHAINCRED_REQUIRE_BROWSER") != "1":
        pytest.skip(_browser_missing() or "")
    data_dir = tmp_path_factory.mktemp("stack")
    command = [
        sys.executable, "-m", "chaincred.cli", "up", "--port", str(free_port()),
        "--chain-port", str(free_port()), "--data-dir", str(data_dir),
    ]  # fmt: skip
    # A fast flush, so a cohort is one batch a moment after it is accepted.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CHAINCRED_BATCH_INTERVAL": "0.2"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        values = read_until_ready(process, timeout=180.0)
        yield Stack(values, data_dir, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG of what the browser shows, kept for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    # A 256-colour palette keeps the text crisp at a third of the bytes (the README's copies
    # are committed).
    shot.convert("RGB").quantize(colors=256).save(target, optimize=True)
    return target


# ---- an EIP-1193 wallet backed by a known Anvil key

_PROVIDER = """
window.ethereum = {
  isChainCredTestWallet: true,
  request: async ({ method, params }) => {
    const answer = JSON.parse(await window.__chaincredWallet(method, JSON.stringify(params || [])));
    if (answer.error) {
      const error = new Error(answer.error.message);
      error.code = answer.error.code;
      throw error;
    }
    return answer.result;
  },
  on: () => {},
  removeListener: () => {},
};
"""


class Wallet:
    """What a browser wallet does for a page, for one account: it answers account requests,
    signs messages (EIP-191 ``personal_sign``), signs and sends transactions, and passes
    reads through to the node. ``calls`` records every method a page asked for."""

    def __init__(self, key: str, rpc_url: str) -> None:
        self.account: LocalAccount = Account.from_key(key)
        self.rpc = httpx.Client(timeout=30)
        self.rpc_url = rpc_url
        self.calls: list[str] = []

    def install(self, page: Any) -> None:
        page.context.expose_function("__chaincredWallet", self._answer)
        page.context.add_init_script(_PROVIDER)

    def _answer(self, method: str, params_json: str) -> str:
        self.calls.append(method)
        params = json.loads(params_json)
        try:
            result = self._call(method, params)
        except Exception as exc:  # the page sees it as a provider error, as with a real wallet
            return json.dumps({"error": {"code": 4001, "message": str(exc)}})
        return json.dumps({"result": result})

    def _call(self, method: str, params: list[Any]) -> Any:
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.account.address]
        if method == "personal_sign":
            message = params[0]
            if isinstance(message, str) and message.startswith("0x"):
                signable = encode_defunct(hexstr=message)
            else:
                signable = encode_defunct(text=message)
            return "0x" + self.account.sign_message(signable).signature.hex().removeprefix("0x")
        if method == "eth_sendTransaction":
            return self._send(params[0])
        return self._node(method, params)

    def _send(self, request: dict[str, Any]) -> str:
        sender = self.account.address
        if request.get("from", sender).lower() != sender.lower():
            raise ValueError(f"this wallet holds {sender}, not {request['from']}")
        tx = {
            "from": sender,
            "to": request["to"],
            "data": request.get("data", "0x"),
            "value": int(request.get("value", "0x0"), 16),
            "nonce": int(self._node("eth_getTransactionCount", [sender, "pending"]), 16),
            "chainId": int(self._node("eth_chainId", []), 16),
        }
        tx["gas"] = int(self._node("eth_estimateGas", [{**tx, "value": hex(tx["value"])}]), 16)
        base = int(self._node("eth_gasPrice", []), 16)
        tx |= {"maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}
        tx.pop("from")
        signed = self.account.sign_transaction(tx)
        raw = "0x" + signed.raw_transaction.hex().removeprefix("0x")
        return str(self._node("eth_sendRawTransaction", [raw]))

    def _node(self, method: str, params: list[Any]) -> Any:
        answer = self.rpc.post(
            self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        ).json()
        if "error" in answer:
            raise ValueError(answer["error"].get("message", "node error"))
        return answer["result"]
