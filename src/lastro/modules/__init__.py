"""Business modules. Each depends on the core only and talks to the others through events.

``INSTALLED`` lists the modules the product ships, in display order; each is a package
``lastro.modules.<name>`` exposing ``module: ModuleSpec``.
"""

INSTALLED: tuple[str, ...] = ("consorcio", "banking")
