"""banking · accounts — customer accounts on the core ledger (API for the other areas).

**Tables** (``accounts/models.py``): ``BankAccount`` (``banking_accounts``): kind
``individual`` (CPF) / ``company`` (CNPJ, alphanumeric too), holder name, bare ``document``,
``holder_user_id`` (the tenant user, role ``customer``, who owns it; may be None for accounts
operated by staff only), ``agency`` + ``number`` + ``check_digit`` (módulo 11 over agency+number,
weights 2..9 from the right, remainder 0/1 → "0": ``domain.account_check_digit``),
``kyc_status`` (pending/approved/rejected), ``status`` (active / frozen = no debits / closed),
``ledger_id`` and ``ledger_account_id`` (its core-ledger account: a liability with
``overdraft_limit=0`` in the tenant's ``banking`` book, code ``conta:<agency>-<number><dv>``,
owner_ref ``banking.account:<id>``). Also ``PixKey`` (``banking_pix_keys``) and ``Deposit``
(``banking_deposits``, deposit boletos).

**The caller's account, with access checks** (``accounts/deps.py``):
``AccountForCaller`` — ``Annotated[BankAccount, Depends(account_for_caller)]`` for routes with an
``{account_id}`` path parameter: holders reach their own accounts, staff (permission
``banking.accounts.manage``: tenant_admin, manager, operator, agent) any; everything else is 404
``ACCOUNT_NOT_FOUND``. For an id in a body: ``await check_access(session, principal, account_id,
lock=True)``. ``is_staff(principal)``; ``service.accounts_of_user(session, user_id)`` lists a
holder's accounts.

**Moving money** (``accounts/service.py``, all in the caller's session, flush only):

* ``debit(session, account, amount=, credit_to=<ledger account id>, idempotency_key=,
  metadata=, description=, fee=, fee_account=, pending=False, effective_date=, expires_in=)``
  — checks ``ensure_can_debit`` (not frozen/closed, KYC approved); the ledger refuses
  overdrafts → ``InsufficientBalance`` (402 ``INSUFFICIENT_BALANCE``). With ``pending=True`` it
  is a two-phase hold: ``settle_hold(session, hold_id, amount=None, metadata=, description=)``
  (capture, in full or for less) / ``release_hold(session, hold_id)`` (void).
* ``credit(session, account, amount=, debit_from=<ledger account id>, ...)``, ``move(session,
  source, target, ...)`` (account to account), ``post_entry(session, EntryDraft)`` for anything
  else (translates the overdraft error), ``balance(session, account)`` → ledger ``Balance``
  (``posted``, ``available``, ``pending_out``).
* ``lock_account(session, id)`` (row lock to serialise limit checks of one account).
* Metadata convention on every entry: ``movement_metadata(kind, category, counterparty,
  transfer_id=None, **extra)`` → ``{"kind": "pix_out|pix_in|ted_out|p2p_out|p2p_in|deposit|fee|
  refund|card_purchase|bill_payment|...", "category": "transferencias|tarifas|depositos|...",
  "counterparty": "...", "transfer_id": "..."}``. Idempotency keys: ``<area>:<resource id>[:step]``.
  Kinds posted by accounts/transfers: ``deposit`` (depositos), ``fee`` (tarifas), ``pix_out`` /
  ``ted_out`` (transferencias; the TED fee is a leg of the same entry, ``fee`` in metadata),
  ``pix_in``, ``refund`` (devoluções and MED, both directions), and ``p2p``: one entry for both
  sides — the customer leg's side says out (debit) or in (credit); ``counterparty`` is the
  receiver, ``payer`` the sender, plus ``from_account`` / ``to_account``.

**The bank's own accounts** (``accounts/books.py``): ``await bank_books(session)`` →
``BankBooks(ledger_id, reserve, pix_settlement, ted_settlement, boleto_deposits, fees, yields)``
(ledger account ids; the book and its ``banking.banco`` chart are opened on first use).
"""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts

STAFF_ROLES = ("tenant_admin", "manager", "operator", "agent")
STAFF_PERMISSIONS = (
    "banking.accounts.read",
    "banking.accounts.manage",
    "banking.transfers.read",
    "banking.transfers.write",
)
CUSTOMER_PERMISSIONS = (
    "banking.accounts.read",
    "banking.transfers.read",
    "banking.transfers.write",
)


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.modules.banking.accounts import books  # noqa: F401 - registers the chart
    from lastro.modules.banking.accounts import lgpd_source as _lgpd  # noqa: F401
    from lastro.modules.banking.accounts.demo import demo
    from lastro.modules.banking.accounts.endpoints import router
    from lastro.modules.banking.accounts.pages import router as pages

    del parts
    permissions = {role: list(STAFF_PERMISSIONS) for role in STAFF_ROLES}
    permissions["customer"] = list(CUSTOMER_PERMISSIONS)
    return ModuleSpec(
        name="banking.accounts",
        title="Contas",
        router=router,
        pages=pages,
        permissions=permissions,
        demo=demo,
    )
