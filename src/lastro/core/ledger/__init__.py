"""Core ledger: the double-entry engine every money-moving module posts to.

Owns books (``ledgers``), accounts, balance rows, entries and postings; modules never touch
these tables, only the interface:

- ``service.ledger_service`` (``LedgerService``): inside the caller's transaction.
- ``runner.Ledger``: own transactions with retries and group commit; the fast path for
  standalone movements.
- ``types``: drafts, postings, results, balances, statements; ``calls.transfer_draft``.
- ``templates.register_chart``: charts of accounts a module applies to its books.
- ``expiry.expire_pending``: the job that releases overdue holds.
- ``verify.verify_ledgers``: the invariant proof behind ``lastro ledger verify``.

Publishes (``lastro.contracts.ledger``), one event per entry in the entry's transaction:
``LancamentoRegistrado`` (``ledger.entry.posted``), ``ReservaRegistrada``
(``ledger.pending.created``), ``ReservaLiberada`` (``ledger.pending.released``).

Inside: ``planning`` (drafts → checked, fingerprinted entries), ``engine`` (lock, check, stream
writes), ``pg`` (PostgreSQL fast path: ``ledger_write()``) and ``store`` (SQLAlchemy path),
``repository`` (reads), ``domain`` (pure rules), ``models`` (tables). See docs/ledger.md.

Kept import-free so that ``lastro --help`` does not load the engine.
"""
