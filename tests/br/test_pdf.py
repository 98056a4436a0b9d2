from datetime import date
from decimal import Decimal

import pytest

from lastro.br.boleto_banks import Bradesco, boleto_from_layout
from lastro.br.errors import PdfError
from lastro.br.pdf import BoletoDocument, boleto_pdf, carne_pdf
from lastro.br.pix import static_br_code


def doc(pix: bool = False, n: int = 1) -> BoletoDocument:
    layout = Bradesco("1172", "06", str(n), "0403005")
    boleto = boleto_from_layout(layout, date(2026, 7, n), Decimal("2952.95"))
    return BoletoDocument(
        boleto=boleto,
        beneficiario_name="Empresa Ltda",
        beneficiario_document="11.222.333/0001-81",
        agencia_codigo="1172-0/0403005-1",
        nosso_numero=layout.nosso_numero_formatado,
        numero_documento=f"DOC-{n}",
        pagador_name="João da Silva",
        pagador_document="529.982.247-25",
        pagador_address="Rua A, 1 - São Paulo/SP",
        document_date=date(2026, 6, 1),
        instructions=("Não receber após 30 dias do vencimento",),
        pix_payload=static_br_code("52998224725", "Empresa", "Sao Paulo", "2952.95").render()
        if pix
        else None,
    )


def test_boleto_pdf_is_a_reproducible_pdf() -> None:
    pdf = boleto_pdf(doc())
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert boleto_pdf(doc()) == pdf


def test_hybrid_boleto_draws_more() -> None:
    assert len(boleto_pdf(doc(pix=True))) > len(boleto_pdf(doc()))


def test_carne_pages() -> None:
    pdf = carne_pdf([doc(n=i) for i in range(1, 8)], per_page=3)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 3 or b"/Count 3" in pdf
    with pytest.raises(PdfError):
        carne_pdf([])
    with pytest.raises(PdfError):
        carne_pdf([doc()], per_page=4)
