"""lastro.br throughput: boletos, PIX BR Codes and a CNAB 240 round trip (target < 5 s each).

Run: .venv/bin/python bench/br.py  — prints one line per figure.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from lastro.br.boleto import build_boleto
from lastro.br.cnab import (
    Beneficiario,
    Pagador,
    Remessa,
    Titulo,
    read_remessa_240,
    write_remessa_240,
)
from lastro.br.pix import static_br_code

N = 100_000
TARGET_S = 5.0


def report(name: str, seconds: float) -> bool:
    ok = seconds < TARGET_S
    rate = N / seconds if seconds else float("inf")
    print(f"{name:<48} {seconds:6.2f} s  {rate:10,.0f}/s  {'OK' if ok else 'SLOW'}")
    return ok


def bench_boletos() -> float:
    due0 = date(2026, 7, 1)
    start = time.perf_counter()
    for i in range(N):
        b = build_boleto("237", due0 + timedelta(days=i % 365), Decimal(i).scaleb(-2),
                         f"{i:025d}")  # fmt: skip
        _ = b.barcode, b.linha_digitavel
    return time.perf_counter() - start


def bench_br_codes() -> float:
    start = time.perf_counter()
    for i in range(N):
        static_br_code(
            "fulano@example.com", "Empresa Exemplo", "Sao Paulo", Decimal(i + 1).scaleb(-2),
            f"TX{i}",
        ).render()  # fmt: skip
    return time.perf_counter() - start


def bench_cnab() -> tuple[float, float, float]:
    benef = Beneficiario("001", "11222333000181", "EMPRESA LTDA", "01234", "000000012345",
                         "5", "6", "123456", "BANCO DO BRASIL")  # fmt: skip
    payer = Pagador("52998224725", "JOAO DA SILVA", "RUA A 1", "CENTRO", "01310100",
                    "SAO PAULO", "SP")  # fmt: skip
    titulos = tuple(
        Titulo(
            f"{i:017d}",
            f"DOC{i}",
            date(2026, 7, 1) + timedelta(days=i % 90),
            Decimal(i % 100_000 + 1).scaleb(-2),
            date(2026, 6, 1),
            payer,
        )
        for i in range(N)
    )
    remessa = Remessa(benef, titulos, 1, date(2026, 6, 1))
    t0 = time.perf_counter()
    text = write_remessa_240(remessa)
    t1 = time.perf_counter()
    back = read_remessa_240(text)
    t2 = time.perf_counter()
    assert back == remessa
    return t1 - t0, t2 - t1, t2 - t0


def main() -> None:
    print(f"lastro.br bench, {N:,} items each, target < {TARGET_S:.0f} s on one core")
    ok = report("boletos: build + barcode + linha digitável", bench_boletos())
    ok &= report("PIX BR Codes: build static + render (CRC)", bench_br_codes())
    write, read, total = bench_cnab()
    print(f"  CNAB 240 write {write:.2f} s, read {read:.2f} s ({2 * N + 4:,} lines)")
    ok &= report("CNAB 240: write + read back (P+Q per title)", total)
    print("all targets met" if ok else "SOME TARGETS MISSED")


if __name__ == "__main__":
    main()
