"""The SaaS core: tenancy, auth, audit, platform administration and the web shell.

Modules build on these services; the core never imports a module.
"""
