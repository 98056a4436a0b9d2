"""CNAB 240/400 files: a declarative fixed-width engine and the bank layouts built on it.

Reading is all or nothing: a malformed file raises ``CnabError`` naming the line and the
field, and no partial result is returned.
"""

from lastro.br.cnab.cnab240 import (
    read_remessa_240,
    read_retorno_240,
    write_remessa_240,
    write_retorno_240,
)
from lastro.br.cnab.cnab400 import (
    BRADESCO,
    ITAU,
    read_remessa_400,
    read_retorno_400,
    write_remessa_400,
    write_retorno_400,
)
from lastro.br.cnab.engine import Field, Layout, filler
from lastro.br.cnab.models import (
    Beneficiario,
    MovementStatus,
    Ocorrencia,
    Pagador,
    Remessa,
    Retorno,
    Titulo,
)

__all__ = [
    "BRADESCO",
    "ITAU",
    "Beneficiario",
    "Field",
    "Layout",
    "MovementStatus",
    "Ocorrencia",
    "Pagador",
    "Remessa",
    "Retorno",
    "Titulo",
    "filler",
    "read_remessa_240",
    "read_remessa_400",
    "read_retorno_240",
    "read_retorno_400",
    "write_remessa_240",
    "write_remessa_400",
    "write_retorno_240",
    "write_retorno_400",
]
