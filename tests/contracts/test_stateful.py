"""Random sequences of registry and credential operations against a Python model of the contract.

Every rule first asks the model what must happen (success, or the exact custom error), then
sends the transaction and compares; on success it applies the model with the block's time.
After every step the invariants compare the whole chain state with the model:

- the balances of all holders sum to the tokens not burned (revoked, suspended and superseded
  tokens are still held);
- a digest, once issued, never returns to ``Status.None``;
- a token keeps its original institution, and only that institution's signers changed its
  status (a signer of another one is expected to get ``ChainCredNotTokenIssuer``);
- no transfer succeeds: every ``Transfer`` event comes from or goes to the zero address, and a
  token's owner is its first owner or zero (burned);
- ``credential()`` of every id ever touched equals the model's record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from eth_abi import decode, encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3 import Web3
from web3.types import RPCEndpoint, TxReceipt

from chaincred.adapters.chain import Transactor
from chaincred.domain.onchain import BurnAuth, CredentialRecord, Reason, Status
from chaincred.errors import ContractReverted
from chaincred.toolchain.anvil import DEV_ACCOUNTS
from tests.conftest import Roles
from tests.contracts.conftest import (
    ISSUER_INSTITUTION,
    OTHER_INSTITUTION,
    Registry,
    new_digest,
)
from tests.contracts.support import ZERO_ADDRESS, block_time, events, normalized

pytestmark = [pytest.mark.chain, pytest.mark.slow]

# ================================================================ the model


class Expected(Exception):
    def __init__(self, error: str, *args: object) -> None:
        super().__init__(error, args)
        self.error = error
        self.args_ = args


@dataclass(frozen=True)
class Token:
    owner: str
    institution: int
    issued_at: int
    auth: BurnAuth
    status: Status = Status.ACTIVE
    reason: Reason = Reason.NONE
    changed_at: int = 0
    superseded_by: int = 0


@dataclass
class Model:
    institutions: dict[int, bool]  # id -> active
    signers: dict[str, int]  # account -> institution (kept after deactivation)
    tokens: dict[int, Token] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)

    def copy(self) -> Model:
        return Model(
            dict(self.institutions), dict(self.signers), dict(self.tokens), dict(self.balances)
        )

    # ---------------------------------------------------------------- checks, in contract order

    def issuing(self, sender: str) -> int:
        institution = self.managing(sender)
        if not self.institutions[institution]:
            raise Expected("ChainCredInstitutionInactive", institution)
        return institution

    def managing(self, sender: str) -> int:
        if sender not in self.signers:
            raise Expected("ChainCredNotAnIssuer", sender)
        return self.signers[sender]

    def managed(self, token_id: int, institution: int, sender: str) -> Token:
        token = self.tokens.get(token_id)
        if token is None:
            raise Expected("ERC721NonexistentToken", token_id)
        if token.institution != institution:
            raise Expected("ChainCredNotTokenIssuer", sender, token_id)
        return token

    @staticmethod
    def require_current(token_id: int, token: Token) -> None:
        if token.status not in (Status.ACTIVE, Status.SUSPENDED):
            raise Expected("ChainCredInvalidStatus", token_id, token.status)

    # ---------------------------------------------------------------- state changes

    def issue(self, to: str, digest: int, institution: int, auth: BurnAuth, now: int) -> None:
        if digest == 0:
            raise Expected("ChainCredZeroDigest")
        if digest in self.tokens:
            raise Expected("ChainCredAlreadyIssued", digest)
        self.tokens[digest] = Token(owner=to, institution=institution, issued_at=now, auth=auth)
        self.balances[to] = self.balances.get(to, 0) + 1

    def set_status(self, token_id: int, status: Status, reason: Reason, now: int) -> None:
        token = self.tokens[token_id]
        self.tokens[token_id] = replace(token, status=status, reason=reason, changed_at=now)

    def revoke(self, sender: str, token_ids: list[int], reason: Reason, now: int) -> None:
        if reason in (Reason.NONE, Reason.SUPERSEDED):
            raise Expected("ChainCredInvalidReason", reason)
        institution = self.managing(sender)
        for token_id in token_ids:
            token = self.managed(token_id, institution, sender)
            self.require_current(token_id, token)
            self.set_status(token_id, Status.REVOKED, reason, now)

    def burn(self, sender: str, token_id: int, now: int) -> None:
        token = self.tokens.get(token_id)
        if token is None or token.owner == ZERO_ADDRESS:
            raise Expected("ERC721NonexistentToken", token_id)
        owner_may = token.auth in (BurnAuth.OWNER_ONLY, BurnAuth.BOTH) and sender == token.owner
        issuer_may = token.auth in (BurnAuth.ISSUER_ONLY, BurnAuth.BOTH) and (
            self.signers.get(sender) == token.institution
        )
        if not (owner_may or issuer_may):
            raise Expected("ChainCredBurnNotAllowed", sender, token_id)
        self.balances[token.owner] -= 1
        self.tokens[token_id] = replace(
            token, owner=ZERO_ADDRESS, status=Status.BURNED, changed_at=now
        )


Operation = Callable[[Model, int], None]

# ================================================================ the machine

MAX_INSTITUTIONS = 4

# A choice is a kind (drawn with sampled_from, so the common kind comes first and shrinking
# goes towards it) and an index that picks among the candidates of that kind.
INDEX = st.integers(min_value=0, max_value=1023)
Choice = tuple[str, int]
TOKEN = st.tuples(st.sampled_from(["issued"] * 7 + ["never issued"]), INDEX)
NEW_DIGEST = st.tuples(st.sampled_from(["fresh"] * 7 + ["issued"]), INDEX)
MINTER = st.tuples(st.sampled_from(["active signer"] * 3 + ["anyone"]), INDEX)
MANAGER = st.tuples(st.sampled_from(["own signer"] * 2 + ["any signer", "outsider"]), INDEX)
SENDER = st.tuples(st.sampled_from(["holder", "anyone"]), INDEX)
# Values that are allowed come first, the ones the contract refuses last.
REASON = st.sampled_from(
    [r for r in Reason if r not in (Reason.NONE, Reason.SUPERSEDED)]
    + [Reason.NONE, Reason.SUPERSEDED]
)
AUTH = st.sampled_from([BurnAuth.OWNER_ONLY, BurnAuth.BOTH, BurnAuth.ISSUER_ONLY, BurnAuth.NEITHER])


def pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)]


class ChainCredMachine(RuleBasedStateMachine):
    def __init__(self, registry: Registry, roles: Roles) -> None:
        super().__init__()
        self.registry = registry
        self.w3 = registry.w3
        self.snapshot = self.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        # Fresh transactors per example: their local nonce counters must not outlive a revert.
        self.accounts: dict[str, Transactor] = {
            role: self._transactor(getattr(roles, role))
            for role in ("registrar", "issuer", "second_issuer", "other_issuer", "learner")
        }
        self.accounts["stranger"] = self._transactor(roles.stranger)
        self.accounts["holder_a"] = self._transactor(Account.from_key(DEV_ACCOUNTS[6]))
        self.accounts["holder_b"] = self._transactor(Account.from_key(DEV_ACCOUNTS[7]))
        self.signer_names = ["issuer", "second_issuer", "other_issuer"]
        self.holder_names = ["learner", "stranger", "holder_a", "holder_b"]
        self.outsider_names = ["learner", "stranger", "registrar"]
        # The fixture's registry: two active institutions, the issuer's with two signers.
        self.model = Model(
            institutions={ISSUER_INSTITUTION: True, OTHER_INSTITUTION: True},
            signers={
                roles.issuer.address: ISSUER_INSTITUTION,
                roles.second_issuer.address: ISSUER_INSTITUTION,
                roles.other_issuer.address: OTHER_INSTITUTION,
            },
        )
        self.first_owner: dict[int, tuple[str, int]] = {}
        self.probed: set[int] = set()  # ids looked up but never issued

    def teardown(self) -> None:
        reverted = self.w3.provider.make_request("evm_revert", [self.snapshot])  # type: ignore[arg-type]
        assert reverted["result"] is True, reverted

    # ---------------------------------------------------------------- plumbing

    def _transactor(self, account: Any) -> Transactor:
        return Transactor(self.w3, account, self.registry.client.decoder)

    def address(self, name: str) -> str:
        return self.accounts[name].address

    def token_id(self, choice: Choice) -> int:
        """An issued token, or a digest that was never issued (recorded as probed)."""
        kind, index = choice
        if kind == "never issued" or not self.model.tokens:
            digest = new_digest()
            self.probed.add(digest)
            return digest
        return int(pick(list(self.model.tokens), index))

    def new_digest(self, choice: Choice) -> int:
        kind, index = choice
        if kind == "issued" and self.model.tokens:
            return int(pick(list(self.model.tokens), index))
        return new_digest()

    def signers_of(self, institution: int | None = None, *, active: bool = False) -> list[str]:
        return [
            name
            for name in self.signer_names
            if (institution is None or self.model.signers[self.address(name)] == institution)
            and (not active or self.model.institutions[self.model.signers[self.address(name)]])
        ]

    def minter(self, choice: Choice) -> str:
        kind, index = choice
        active = self.signers_of(active=True)
        if kind == "active signer" and active:
            return str(pick(active, index))
        return str(pick(self.signer_names + self.outsider_names, index))

    def manager(self, choice: Choice, token_id: int) -> str:
        kind, index = choice
        token = self.model.tokens.get(token_id)
        own = self.signers_of(token.institution) if token else []
        if kind == "own signer" and own:
            return str(pick(own, index))
        if kind == "outsider":
            return str(pick(self.outsider_names, index))
        return str(pick(self.signer_names, index))

    def holder_or_anyone(self, choice: Choice, token_id: int) -> str:
        """The token's holder (when it has one), or anyone at all."""
        kind, index = choice
        token = self.model.tokens.get(token_id)
        if kind == "holder" and token is not None and token.owner != ZERO_ADDRESS:
            return next(n for n in self.holder_names if self.address(n) == token.owner)
        return str(pick(self.holder_names + self.signer_names + ["registrar"], index))

    def attempt(self, operation: Operation, sender: str, function: str, *args: Any) -> None:
        """Compare the chain's answer with the model's, and apply the model on success."""
        try:
            operation(self.model.copy(), 0)
            expected: tuple[str, tuple[object, ...]] | None = None
        except Expected as exc:
            expected = (exc.error, normalized(exc.args_))
        receipt: TxReceipt | None = None
        try:
            receipt = self.registry.client.transact(self.accounts[sender], function, *args)
            actual = None
        except ContractReverted as exc:
            actual = (exc.error, normalized(exc.args_))
        assert actual == expected, f"{function}{args} by {sender}"
        event(f"{function}: {actual[0] if actual else 'succeeded'}")
        if receipt is not None:
            for transfer in events(self.registry, "Transfer", receipt):
                assert ZERO_ADDRESS in (transfer["from"], transfer["to"]), transfer
            draft = self.model.copy()
            operation(draft, block_time(self.registry, receipt))
            self._check_who_changed_status(self.address(sender), draft)
            for token_id, token in draft.tokens.items():
                self.first_owner.setdefault(token_id, (token.owner, token.institution))
            self.model = draft

    def _check_who_changed_status(self, sender: str, after: Model) -> None:
        """Only a signer of the token's own institution changed its status (or its holder
        burned it)."""
        for token_id, token in after.tokens.items():
            before = self.model.tokens.get(token_id)
            if before is None or before.status is token.status:
                continue
            holder_burned = token.status is Status.BURNED and before.owner == sender
            assert holder_burned or self.model.signers.get(sender) == token.institution

    # ---------------------------------------------------------------- registry rules

    @precondition(lambda self: len(self.model.institutions) < MAX_INSTITUTIONS)
    @rule()
    def register(self) -> None:
        account = Account.create()
        self.w3.provider.make_request("anvil_setBalance", [account.address, hex(10**21)])  # type: ignore[arg-type]
        name = f"signer_{len(self.model.institutions) + 1}"
        self.accounts[name] = self._transactor(account)

        def operation(model: Model, now: int) -> None:
            institution = len(model.institutions) + 1
            model.institutions[institution] = True
            model.signers[account.address] = institution

        self.attempt(operation, "registrar", "registerInstitution", b"\x09" * 32, [account.address])
        self.signer_names.append(name)

    # At most one institution goes inactive, so that issuing goes on (deactivating twice is
    # covered by test_deactivate_institution.py).
    @precondition(lambda self: all(self.model.institutions.values()))
    @rule(index=INDEX)
    def deactivate(self, index: int) -> None:
        institution = pick(sorted(self.model.institutions), index)

        def operation(model: Model, now: int) -> None:
            if not model.institutions[institution]:
                raise Expected("ChainCredInstitutionInactive", institution)
            model.institutions[institution] = False

        self.attempt(operation, "registrar", "deactivateInstitution", institution)

    # ---------------------------------------------------------------- issuing rules

    @rule(minter=MINTER, holder=INDEX, auth=AUTH, digest_choice=NEW_DIGEST)
    def mint(self, minter: Choice, holder: int, auth: BurnAuth, digest_choice: Choice) -> None:
        sender = self.minter(minter)
        to = self.address(pick(self.holder_names, holder))
        digest = self.new_digest(digest_choice)

        def operation(model: Model, now: int) -> None:
            model.issue(to, digest, model.issuing(self.address(sender)), auth, now)

        self.attempt(operation, sender, "mint", to, digest, int(auth))

    @rule(
        minter=MINTER,
        holders=st.lists(INDEX, min_size=1, max_size=4),
        auth=AUTH,
        duplicate=st.sampled_from(["none"] * 4 + ["issued", "within"]),
        index=INDEX,
    )
    def mint_batch(
        self, minter: Choice, holders: list[int], auth: BurnAuth, duplicate: str, index: int
    ) -> None:
        sender = self.minter(minter)
        to = [self.address(pick(self.holder_names, h)) for h in holders]
        digests = [new_digest() for _ in to]
        if digests and duplicate == "issued" and self.model.tokens:
            digests[index % len(digests)] = pick(list(self.model.tokens), index)
        elif len(digests) > 1 and duplicate == "within":
            digests[-1] = digests[index % (len(digests) - 1)]

        def operation(model: Model, now: int) -> None:
            if not to:
                raise Expected("ChainCredBadBatch", 0, 0)
            institution = model.issuing(self.address(sender))
            for holder, digest in zip(to, digests, strict=True):
                model.issue(holder, digest, institution, auth, now)

        self.attempt(operation, sender, "mintBatch", to, digests, int(auth))

    # ---------------------------------------------------------------- status rules

    # One rule for the four single-token status changes: hypothesis enables a random subset of
    # the rules in each example (swarm testing), and suspend/reinstate need each other.
    @precondition(lambda self: bool(self.model.tokens))
    @rule(
        action=st.sampled_from(["reinstate", "suspend", "revoke", "supersede", "reinstate"]),
        actor=MANAGER,
        token=TOKEN,
        reason=REASON,
        holder=INDEX,
        successor=NEW_DIGEST,
    )
    def change_status(
        self,
        action: str,
        actor: Choice,
        token: Choice,
        reason: Reason,
        holder: int,
        successor: Choice,
    ) -> None:
        # A reinstatement needs a suspension first: with none to lift, suspend instead (so
        # "reinstate", drawn twice as often, drives the suspend/reinstate cycle).
        suspended = [i for i, t in self.model.tokens.items() if t.status is Status.SUSPENDED]
        if action == "reinstate" and not suspended:
            action = "suspend"
        if action == "reinstate" and token[0] == "issued":
            token_id = int(pick(suspended, token[1]))
        else:
            token_id = self.token_id(token)
        sender = self.manager(actor, token_id)
        if action == "revoke":
            self._revoke(sender, token_id, reason)
        elif action == "suspend":
            self._suspend(sender, token_id, reason)
        elif action == "reinstate":
            self._reinstate(sender, token_id)
        else:
            to = self.address(pick(self.holder_names, holder))
            self._supersede(sender, token_id, to, self.new_digest(successor))

    @precondition(lambda self: bool(self.model.tokens))
    @rule(
        actor=MANAGER,
        tokens=st.lists(TOKEN, min_size=1, max_size=3),
        reason=REASON,
    )
    def revoke_batch(self, actor: Choice, tokens: list[Choice], reason: Reason) -> None:
        token_ids = [self.token_id(t) for t in tokens]
        sender = self.manager(actor, token_ids[0] if token_ids else 0)

        def operation(model: Model, now: int) -> None:
            if not token_ids:
                raise Expected("ChainCredBadBatch", 0, 0)
            model.revoke(self.address(sender), token_ids, reason, now)

        self.attempt(operation, sender, "revokeBatch", token_ids, int(reason))

    def _revoke(self, sender: str, token_id: int, reason: Reason) -> None:

        def operation(model: Model, now: int) -> None:
            model.revoke(self.address(sender), [token_id], reason, now)

        self.attempt(operation, sender, "revoke", token_id, int(reason))

    def _suspend(self, sender: str, token_id: int, reason: Reason) -> None:

        def operation(model: Model, now: int) -> None:
            if reason is Reason.SUPERSEDED:
                raise Expected("ChainCredInvalidReason", reason)
            record = model.managed(
                token_id, model.managing(self.address(sender)), self.address(sender)
            )
            if record.status is not Status.ACTIVE:
                raise Expected("ChainCredInvalidStatus", token_id, record.status)
            model.set_status(token_id, Status.SUSPENDED, reason, now)

        self.attempt(operation, sender, "suspend", token_id, int(reason))

    def _reinstate(self, sender: str, token_id: int) -> None:

        def operation(model: Model, now: int) -> None:
            who = self.address(sender)
            record = model.managed(token_id, model.issuing(who), who)
            if record.status is not Status.SUSPENDED:
                raise Expected("ChainCredInvalidStatus", token_id, record.status)
            model.set_status(token_id, Status.ACTIVE, Reason.NONE, now)

        self.attempt(operation, sender, "reinstate", token_id)

    def _supersede(self, sender: str, old: int, to: str, new: int) -> None:

        def operation(model: Model, now: int) -> None:
            who = self.address(sender)
            institution = model.issuing(who)
            record = model.managed(old, institution, who)
            model.require_current(old, record)
            model.set_status(old, Status.SUPERSEDED, Reason.SUPERSEDED, now)
            model.tokens[old] = replace(model.tokens[old], superseded_by=new)
            model.issue(to, new, institution, record.auth, now)

        self.attempt(operation, sender, "supersede", old, new, to)

    # ---------------------------------------------------------------- holder rules

    @precondition(lambda self: bool(self.model.tokens))
    @rule(actor=SENDER, token=TOKEN)
    def burn(self, actor: Choice, token: Choice) -> None:
        token_id = self.token_id(token)
        sender = self.holder_or_anyone(actor, token_id)

        def operation(model: Model, now: int) -> None:
            model.burn(self.address(sender), token_id, now)

        self.attempt(operation, sender, "burn", token_id)

    @precondition(lambda self: bool(self.model.tokens))
    @rule(
        actor=SENDER,
        token=TOKEN,
        holder=INDEX,
        function=st.sampled_from(
            [
                "transferFrom",
                "safeTransferFrom",
                "safeTransferFrom+data",
                "approve",
                "setApprovalForAll",
            ]
        ),
    )
    def transfer(self, actor: Choice, token: Choice, holder: int, function: str) -> None:
        token_id = self.token_id(token)
        record = self.model.tokens.get(token_id)
        owner = record.owner if record and record.owner != ZERO_ADDRESS else self.address("learner")
        sender = self.holder_or_anyone(actor, token_id)
        to = self.address(pick(self.holder_names, holder))
        args: tuple[Any, ...] = {
            "transferFrom": (owner, to, token_id),
            "safeTransferFrom": (owner, to, token_id),
            "safeTransferFrom+data": (owner, to, token_id, b""),
            "approve": (to, token_id),
            "setApprovalForAll": (to, True),
        }[function]

        def operation(model: Model, now: int) -> None:
            raise Expected("ChainCredSoulbound")

        self.attempt(operation, sender, function.removesuffix("+data"), *args)

    # ---------------------------------------------------------------- invariants

    # Raw eth_calls encoded with eth-abi in one batch: the contract layer costs ~10x more per
    # call (FIELD-NOTES), and the invariants read the whole state after every step.

    def _eth_calls(self, *calls: bytes) -> list[bytes]:
        """Several eth_calls to the registry in one JSON-RPC batch."""
        target = self.registry.client.address
        requests = [
            (RPCEndpoint("eth_call"), [{"to": target, "data": "0x" + c.hex()}, "latest"])
            for c in calls
        ]
        responses = self.w3.provider.make_batch_request(requests)
        assert isinstance(responses, list), responses
        return [bytes.fromhex(str(r["result"]).removeprefix("0x")) for r in responses]

    @invariant()
    def balances_sum_to_tokens_not_burned(self) -> None:
        live = sum(1 for t in self.model.tokens.values() if t.status is not Status.BURNED)
        holders = [self.address(name) for name in self.holder_names]
        answers = self._eth_calls(*(_BALANCE_OF + encode(["address"], [h]) for h in holders))
        chain = {h: decode(["uint256"], a)[0] for h, a in zip(holders, answers, strict=True)}
        assert sum(chain.values()) == live
        assert chain == {h: self.model.balances.get(h, 0) for h in holders}

    @invariant()
    def records_equal_the_model(self) -> None:
        ids = [*self.model.tokens, *self.probed]
        (answer,) = self._eth_calls(_CREDENTIALS + encode(["uint256[]"], [ids]))
        (rows,) = decode([_CREDENTIAL_ROWS], answer)
        for token_id, row in zip(ids, rows, strict=True):
            record = _as_record(token_id, row)
            token = self.model.tokens.get(token_id)
            if token is None:
                assert record.status is Status.NONE
                continue
            # Issued once: never back to None; the first institution and owner stay (or burned).
            assert record.status is not Status.NONE
            first_owner, first_institution = self.first_owner[token_id]
            assert record.institution_id == first_institution
            assert record.owner in (first_owner, ZERO_ADDRESS)
            assert record == _record(token_id, token)


_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
_CREDENTIALS = function_signature_to_4byte_selector("credentials(uint256[])")
_CREDENTIAL_ROWS = "(address,uint24,uint32,uint32,uint8,uint8,uint8,uint256)[]"


def _as_record(token_id: int, row: tuple[Any, ...]) -> CredentialRecord:
    owner, institution, issued_at, changed_at, status, reason, auth, successor = row
    return CredentialRecord(
        token_id=token_id,
        owner=Web3.to_checksum_address(owner),
        institution_id=institution,
        issued_at=issued_at,
        status_changed_at=changed_at,
        status=Status(status),
        reason=Reason(reason),
        burn_auth=BurnAuth(auth),
        superseded_by=successor,
    )


def _record(token_id: int, token: Token) -> CredentialRecord:
    return CredentialRecord(
        token_id=token_id,
        owner=token.owner,
        institution_id=token.institution,
        issued_at=token.issued_at,
        status_changed_at=token.changed_at,
        status=token.status,
        reason=token.reason,
        burn_auth=token.auth,
        superseded_by=token.superseded_by,
    )


def test_random_operation_sequences_keep_the_invariants(registry: Registry, roles: Roles) -> None:
    run_state_machine_as_test(
        lambda: ChainCredMachine(registry, roles),
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_the_model_refuses_what_the_contract_refuses() -> None:
    # A tiny check that the model is not vacuous: it predicts the common rejections.
    model = Model(institutions={1: True, 2: True}, signers={"0xA": 1, "0xB": 2})
    model.issue("0xL", 5, 1, BurnAuth.OWNER_ONLY, 1)
    for attempt, error in [
        (lambda: model.issue("0xL", 5, 1, BurnAuth.OWNER_ONLY, 2), "ChainCredAlreadyIssued"),
        (lambda: model.revoke("0xB", [5], Reason.OTHER, 2), "ChainCredNotTokenIssuer"),
        (lambda: model.revoke("0xS", [5], Reason.OTHER, 2), "ChainCredNotAnIssuer"),
        (lambda: model.revoke("0xA", [5], Reason.NONE, 2), "ChainCredInvalidReason"),
        (lambda: model.burn("0xA", 5, 2), "ChainCredBurnNotAllowed"),
    ]:
        with pytest.raises(Expected) as caught:
            attempt()
        assert caught.value.error == error
