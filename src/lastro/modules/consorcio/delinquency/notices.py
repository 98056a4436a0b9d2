"""What the consorciado is told: reminders before and after the due date, the pre-exclusion
notice and the exclusion notice. Default wording lives here; each tenant overrides it per
locale in the notifications centre (``/notifications`` → templates), versioned.

Category ``consorcio`` (the key's first word) is what a person may opt out of; the
pre-exclusion and exclusion notices are legal and ignore opt-outs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lastro.br.money_text import format_brl
from lastro.core.notifications.api import DefaultTemplate, register_template

BEFORE_DUE = "consorcio.parcela_a_vencer"
AFTER_DUE = "consorcio.parcela_vencida"
PRE_EXCLUSION = "consorcio.pre_exclusao"
EXCLUDED = "consorcio.cota_excluida"

TEMPLATES = (
    DefaultTemplate(
        key=BEFORE_DUE,
        subject="Sua parcela {{ number }} do consórcio vence em {{ due_date }}",
        body=(
            "Olá, {{ name }}!\n\n"
            "A parcela {{ number }} da cota {{ quota }} do grupo {{ group }} vence em "
            "{{ due_date }}, no valor de {{ amount }}.\n"
            "Pague em dia pelo boleto ou PIX e participe da próxima assembleia."
        ),
        description="Consórcio: lembrete antes do vencimento da parcela",
    ),
    DefaultTemplate(
        key=AFTER_DUE,
        subject="Parcela {{ number }} do consórcio em atraso",
        body=(
            "Olá, {{ name }}.\n\n"
            "A parcela {{ number }} da cota {{ quota }} do grupo {{ group }}, vencida em "
            "{{ due_date }}, ainda não foi paga ({{ days_late }} dia(s) de atraso).\n"
            "Valor para pagamento hoje, com multa e juros e ao preço atual do bem: {{ amount }}.\n"
            "Cotas em atraso não concorrem aos sorteios e lances. Emita a 2ª via do boleto "
            "ou fale com a administradora."
        ),
        description="Consórcio: aviso de parcela em atraso",
    ),
    DefaultTemplate(
        key=PRE_EXCLUSION,
        subject="Aviso: cota {{ quota }} do grupo {{ group }} próxima da exclusão",
        body=(
            "Olá, {{ name }}.\n\n"
            "A cota {{ quota }} do grupo {{ group }} tem {{ missed }} vencimento(s) seguido(s) "
            "sem pagamento. Pelo contrato, com {{ threshold }} vencimentos em atraso a cota "
            "não contemplada é excluída do grupo.\n"
            "Total em aberto hoje: {{ amount }}. Regularize para manter sua participação."
        ),
        description="Consórcio: aviso de pré-exclusão por inadimplência",
        legal=True,
    ),
    DefaultTemplate(
        key=EXCLUDED,
        subject="Cota {{ quota }} do grupo {{ group }} excluída",
        body=(
            "Olá, {{ name }}.\n\n"
            "A cota {{ quota }} do grupo {{ group }} foi excluída em {{ excluded_on }} por "
            "{{ missed }} vencimentos sem pagamento, conforme o contrato.\n"
            "Os valores pagos ao fundo comum serão devolvidos quando a cota for contemplada "
            "no sorteio de excluídos ou no encerramento do grupo. Mantenha seus dados "
            "bancários e chave PIX atualizados."
        ),
        description="Consórcio: exclusão de cota não contemplada por inadimplência",
        legal=True,
    ),
)
for _template in TEMPLATES:
    register_template(_template)


def brl(value: Decimal) -> str:
    return format_brl(value)


def br_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")
