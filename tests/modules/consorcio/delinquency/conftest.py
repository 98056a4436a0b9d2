"""The consorcio module's runtime for these tests (see groups/support.py)."""

from tests.modules.consorcio.groups.support import runtime  # noqa: F401
