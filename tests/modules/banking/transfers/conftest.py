from tests.modules.banking.accounts.support import bank, runtime

__all__ = ["bank", "runtime"]
