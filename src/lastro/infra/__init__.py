"""Infrastructure adapters: each capability is one interface with an in-process backend.

The in-process backends (memory cache, asyncio locks, memory rate limiter, memory bus) make a
single ``lastro`` process work with no other service; the real backends (Redis, RabbitMQ) are
chosen by configuration when several processes must share state. Code depends on the interface
(``Cache``, ``LockManager``, ``RateLimiter``, ``MessageBus``) and gets a backend from the
``build_*`` factories in the composition root. Infra imports only ``lastro.kit``.
"""
