// Burning a credential from the learner page: the holder's own wallet (an EIP-1193 provider,
// window.ethereum) sends the registry's burn(uint256). The page computed the transaction data
// server-side (data-calldata); this script only asks the wallet and reports the outcome in the
// aria-live region #burn-result. No key ever touches this page.
"use strict";

(function () {
  const POLL_MS = 1500;
  const GIVE_UP_MS = 5 * 60 * 1000;
  const result = document.getElementById("burn-result");

  function say(text, kind) {
    if (!result) return;
    const line = document.createElement("p");
    line.className = kind;
    line.textContent = text;
    result.replaceChildren(line);
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function receiptOf(provider, hash) {
    const deadline = Date.now() + GIVE_UP_MS;
    while (Date.now() < deadline) {
      const receipt = await provider.request({ method: "eth_getTransactionReceipt", params: [hash] });
      if (receipt) return receipt;
      await sleep(POLL_MS);
    }
    return null;
  }

  function markBurned(button) {
    const card = button.closest("article.credential");
    if (card) {
      card.dataset.status = "burned";
      const badge = card.querySelector(".credential-status .badge");
      if (badge) {
        badge.className = "badge burned";
        badge.textContent = "Burned";
      }
    }
    button.remove();
  }

  function walletError(error) {
    if (error && error.code === 4001) return "You declined the request in your wallet: nothing was sent.";
    const message = error && error.message ? error.message : String(error);
    return "Your wallet reported an error, and the token was not burned: " + message;
  }

  async function burn(button) {
    const provider = window.ethereum;
    if (!provider || typeof provider.request !== "function") {
      say("No Ethereum wallet was found in this browser. Burning needs the holder's wallet to " +
          "sign the transaction: install a wallet extension (or open this page in your wallet's " +
          "browser) and reload the page.", "error");
      return;
    }
    const holder = button.dataset.holder;
    const token = button.dataset.tokenId;
    const accounts = await provider.request({ method: "eth_requestAccounts" });
    const account = (accounts || []).find((a) => a.toLowerCase() === holder.toLowerCase());
    if (!account) {
      say("Your wallet's account " + ((accounts || [])[0] || "(none)") + " is not the holder " +
          holder + ". Switch to the holder's account in your wallet and try again.", "error");
      return;
    }
    const chainId = await provider.request({ method: "eth_chainId" });
    if (parseInt(chainId, 16) !== parseInt(button.dataset.chainId, 16)) {
      say("Your wallet is connected to chain " + parseInt(chainId, 16) + ", but the registry is " +
          "on chain " + parseInt(button.dataset.chainId, 16) + ". Switch network in your wallet " +
          "and try again.", "error");
      return;
    }
    say("Confirm the burn of token " + token + " in your wallet…", "hint");
    const hash = await provider.request({
      method: "eth_sendTransaction",
      params: [{ from: account, to: button.dataset.contract, data: button.dataset.calldata, value: "0x0" }],
    });
    say("Transaction " + hash + " sent; waiting for it to be included in a block…", "hint");
    const receipt = await receiptOf(provider, hash);
    if (!receipt) {
      say("Transaction " + hash + " is still pending after five minutes. Check it in your " +
          "wallet; reload this page later to see the token's status.", "error");
      return;
    }
    if (receipt.status !== "0x1") {
      say("The burn transaction " + hash + " failed on chain (it reverted): the token was not " +
          "burned.", "error");
      return;
    }
    markBurned(button);
    say("Burned: token " + token + " is gone from your wallet (block " +
        parseInt(receipt.blockNumber, 16) + "). Its record stays on the chain as burned, so its " +
        "id can never be reused. This service erases the personal claims it stored for this " +
        "credential once it sees the burn on the chain, a few blocks from now.", "notice");
  }

  for (const button of document.querySelectorAll("button[data-burn]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await burn(button);
      } catch (error) {
        say(walletError(error), "error");
      } finally {
        if (button.isConnected) button.disabled = false;
      }
    });
  }
})();
