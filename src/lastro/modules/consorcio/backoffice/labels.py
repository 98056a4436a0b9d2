"""pt-BR labels and badge tones for the codes the other areas store (statuses, segments, flags).
A code nobody labelled yet shows as itself, never as an error."""

from __future__ import annotations

SEGMENTS = {
    "imovel": "Imóvel",
    "automovel": "Automóvel",
    "motocicleta": "Motocicleta",
    "pesados": "Pesados",
    "servicos": "Serviços",
    "eletroeletronicos": "Eletroeletrônicos",
}
GROUP_STATUS = {
    "em_formacao": ("Em formação", "info"),
    "em_andamento": ("Em andamento", "ok"),
    "encerrado": ("Encerrado", ""),
}
REGIMES = {"circular_3432": "Circular 3.432", "res_285": "Resolução BCB 285"}
PRICE_INDEX = {
    "asset_price_table": "Tabela de preço do bem",
    "incc": "INCC",
    "ipca": "IPCA",
    "nominal_with_index": "Crédito nominal com índice",
}
QUOTA_STATUS = {
    "ativa": ("Ativa", "ok"),
    "contemplada": ("Contemplada", "info"),
    "excluida": ("Excluída", "bad"),
    "desistente": ("Desistente", "bad"),
    "quitada": ("Quitada", ""),
    "cancelada": ("Cancelada", ""),
    "encerrada": ("Encerrada", ""),
    "transferencia_pendente": ("Transferência pendente", "warn"),
}
COLLECTION = {
    "em_dia": ("Em dia", "ok"),
    "atraso_1": ("1 parcela em atraso", "warn"),
    "atraso_2": ("2 parcelas em atraso", "warn"),
    "atraso_3": ("3 parcelas em atraso", "bad"),
    "pre_exclusao": ("Pré-exclusão", "bad"),
    "cobranca_judicial": ("Cobrança judicial", "bad"),
    "excluida": ("Excluída", "bad"),
}
STAGES = {
    "em_dia": ("Em dia", "ok"),
    "cobranca": ("Cobrança", "warn"),
    "mediacao": ("Mediação", "warn"),
    "exclusao": ("Exclusão", "bad"),
    "bloqueio_contemplado": ("Contemplada bloqueada", "bad"),
    "juridico": ("Jurídico", "bad"),
}
INSTALLMENT_STATUS = {
    "open": ("Em aberto", "info"),
    "paid": ("Paga", "ok"),
    "partial": ("Paga em parte", "warn"),
    "overdue": ("Vencida", "bad"),
    "cancelled": ("Cancelada", ""),
    "replaced": ("Substituída", ""),
}
CHARGE_KIND = {
    "mensal": "Mensal",
    "antecipacao": "Antecipação",
    "quitacao": "Quitação",
    "avulso": "Avulso",
    "segunda_via": "Segunda via",
}
RUN_STATUS = {
    "pending": ("Na fila", "info"),
    "queued": ("Na fila", "info"),
    "running": ("Em execução", "warn"),
    "done": ("Concluída", "ok"),
    "finished": ("Concluída", "ok"),
    "completed": ("Concluída", "ok"),
    "failed": ("Falhou", "bad"),
}
PAYMENT_SOURCE = {
    "cnab240": "CNAB 240",
    "cnab400": "CNAB 400",
    "pix": "PIX",
    "manual": "Manual",
}
COMPONENTS = {
    "fc": "Fundo comum",
    "ta": "Taxa de administração",
    "fr": "Fundo de reserva",
    "seguro": "Seguro",
    "multa": "Multa",
    "juros": "Juros",
}
DRAW_METHOD = {
    "last_digits": "últimos dígitos da Loteria Federal",
    "modulo": "módulo da Loteria Federal",
    "centenas": "centenas da Loteria Federal com tabela de equivalência",
    "globo": "globo",
    "sistema": "sorteio eletrônico",
}
TIE_BREAK = {
    "proximity_above": "proximidade do número sorteado (acima primeiro)",
    "proximity_below": "proximidade do número sorteado (abaixo primeiro)",
    "sorteio": "sorteio entre empatados",
    "earliest_bid": "lance mais antigo",
}
AMORTIZATION = {
    "inversa": "ordem inversa (reduz o prazo)",
    "direta": "ordem direta",
    "pro_rata": "rateio nas parcelas (reduz a parcela)",
}
LATE_JOINER = {
    "spread_remaining": "diluído no prazo restante",
    "arrears_upfront": "atraso cobrado na adesão",
    "arrears_over_months": "atraso parcelado em alguns meses",
}
BID_TYPES = {
    "livre": "livre",
    "fixo": "fixo",
    "embutido": "embutido",
    "limitado": "limitado",
    "fgts": "FGTS",
}
STAGE_COLOURS = ("#12a37f", "#f59e0b", "#f97316", "#dc2626", "#7f1d1d", "#667085")


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "—"
    return table.get(code, code.replace("_", " "))


def badge(table: dict[str, tuple[str, str]], code: str | None) -> tuple[str, str]:
    """(text, tone) for a status code."""
    if code is None:
        return "—", ""
    return table.get(code, (code.replace("_", " "), ""))
