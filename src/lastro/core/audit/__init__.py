"""Tamper-evident audit log: every state change, hash-chained per tenant, verifiable."""
