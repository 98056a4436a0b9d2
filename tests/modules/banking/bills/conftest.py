from tests.modules.banking.accounts.support import bank
from tests.modules.banking.cards.harness import runtime

__all__ = ["bank", "runtime"]
