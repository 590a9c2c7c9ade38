// "Use my wallet's address" on the learner page: asks the browser's wallet (EIP-1193,
// window.ethereum) which account it holds and lists that account's credentials. Reading an
// address signs nothing and sends nothing. Without a wallet the button stays hidden: the
// address can always be typed.
"use strict";

(function () {
  const button = document.getElementById("connect-wallet");
  const field = document.getElementById("wallet-address");
  const result = document.getElementById("connect-result");
  const provider = window.ethereum;
  if (!button || !field || !provider || typeof provider.request !== "function") return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const accounts = await provider.request({ method: "eth_requestAccounts" });
      if (!accounts || accounts.length === 0) {
        result.textContent = "Your wallet shared no account: unlock it, or type the address.";
        return;
      }
      field.value = accounts[0];
      field.form.submit();
    } catch (error) {
      result.textContent = error && error.code === 4001
        ? "You declined to share an address: type it instead."
        : "Your wallet reported an error: " + (error && error.message ? error.message : error);
    } finally {
      button.disabled = false;
    }
  });
})();
