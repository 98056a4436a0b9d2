"""Brazilian documents and payment formats: pure functions and frozen value objects, no I/O.

Owns: CPF/CNPJ (``documents``), boleto de cobrança (``boleto``, ``boleto_banks``),
arrecadação (``arrecadacao``), PIX keys/BR Code/E2E ids (``pix``), CNAB 240/400 (``cnab``),
business days (``calendar``), boleto PDFs (``pdf``), the text inspector (``inspect``) and
money in words (``money_text``). Publishes no events; imports only ``lastro.kit``.
Every parser raises only ``lastro.br.errors.BrFormatError`` subclasses (HTTP 422).
"""
