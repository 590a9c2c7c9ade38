/* "Prove you hold it" on the verifier page (/verify).
 *
 * The holder's wallet (an EIP-1193 provider at window.ethereum) signs a one-time EIP-4361
 * challenge from this verifier: eth_requestAccounts, POST /v1/verify/challenge,
 * personal_sign, POST /v1/verify/possession. The outcome is told in words in an aria-live
 * region. What this script needs comes from data- attributes of #possession (the page's
 * Content-Security-Policy allows no inline script).
 */
(function () {
  "use strict";

  var section = document.getElementById("possession");
  var button = document.getElementById("prove-button");
  var result = document.getElementById("possession-result");
  if (!section || !button || !result) {
    return;
  }

  function say(text, outcome) {
    result.textContent = text;
    result.className = "possession-result" + (outcome ? " " + outcome : "");
    if (outcome) {
      result.setAttribute("data-outcome", outcome);
    } else {
      result.removeAttribute("data-outcome");
    }
  }

  // personal_sign takes the message as 0x-hex of its UTF-8 bytes.
  function hexOf(text) {
    var bytes = new TextEncoder().encode(text);
    var hex = "0x";
    for (var i = 0; i < bytes.length; i++) {
      hex += bytes[i].toString(16).padStart(2, "0");
    }
    return hex;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var detail = data && (data.detail || data.title);
          throw new Error(detail || "the verifier answered HTTP " + response.status);
        }
        return data;
      });
    });
  }

  function walletError(error) {
    if (error && error.code === 4001) {
      return "you declined the request in your wallet";
    }
    if (error && error.code === -32002) {
      return "your wallet is already asking for something: answer it first";
    }
    return (error && error.message) || String(error);
  }

  async function prove() {
    var provider = window.ethereum;
    if (!provider || typeof provider.request !== "function") {
      say(
        "A wallet is needed: open this page in a browser with an Ethereum wallet " +
          "(an EIP-1193 provider such as a wallet extension) holding this credential.",
        "fail"
      );
      return;
    }
    var tokenId = section.getAttribute("data-token-id");
    var documentText = section.getAttribute("data-document");
    button.disabled = true;
    try {
      say("Asking your wallet which account to use…");
      var accounts = await provider.request({ method: "eth_requestAccounts" });
      if (!accounts || !accounts.length) {
        throw new Error("the wallet shared no account");
      }
      var address = accounts[0];
      var challenge = await postJson(
        section.getAttribute("data-challenge-url"),
        JSON.stringify({ token_id: tokenId, address: address })
      );
      say("Sign the message in your wallet…");
      var signature = await provider.request({
        method: "personal_sign",
        params: [hexOf(challenge.message), address],
      });
      // The document goes as the exact JSON text the page verified.
      var proof =
        '{"message":' + JSON.stringify(challenge.message) +
        ',"signature":' + JSON.stringify(signature) +
        (documentText !== null
          ? ',"document":' + documentText
          : ',"token_id":' + JSON.stringify(tokenId)) +
        "}";
      var report = await postJson(section.getAttribute("data-possession-url"), proof);
      var check = (report.checks || []).filter(function (c) { return c.name === "possession"; })[0];
      if (check && check.outcome === "pass") {
        say("Proven: " + check.message + ".", "pass");
      } else if (check) {
        say("Not proven: " + check.message + ".", "fail");
      } else {
        say("Not proven: the verifier did not judge the signature.", "fail");
      }
    } catch (error) {
      say("Not proven: " + walletError(error) + ".", "fail");
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", prove);
})();
