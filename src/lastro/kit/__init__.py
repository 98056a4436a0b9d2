"""Domain-free helpers shared by every layer: errors, money, time, ids, pagination, ORM base.

Imports nothing else from ``lastro``.
"""
