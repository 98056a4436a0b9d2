"""Believable consorciados for the demo: names, valid CPFs/CNPJs, addresses with real CEPs,
contacts, income. Deterministic for a given seed, so the demo is the same on every machine."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from lastro.br.documents import generate_cnpj, generate_cpf

FIRST = (
    "Ana", "Bruno", "Carla", "Daniel", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela",
    "João", "Karina", "Lucas", "Mariana", "Nicolas", "Olívia", "Paulo", "Renata", "Sérgio",
    "Tatiana", "Vinícius", "Juliana", "Rafael", "Camila", "Thiago", "Larissa", "Gustavo",
    "Fernanda", "Rodrigo", "Patrícia", "Marcelo", "Aline", "Leandro", "Beatriz", "André",
    "Letícia", "Fábio", "Priscila", "Diego", "Vanessa", "Ricardo", "Luana", "Otávio",
    "Simone", "Caio", "Débora", "Márcio", "Helena", "Antônio", "Cláudia", "José",
)  # fmt: skip
LAST = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
    "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
    "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira",
    "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves",
    "Santana", "Teixeira", "Araújo", "Pinto", "Moura", "Cavalcanti", "Batista",
)  # fmt: skip
COMPANY = (
    ("Transportes", "Ltda"), ("Comércio de Alimentos", "Ltda"), ("Serviços Médicos", "S/S"),
    ("Construtora", "Ltda"), ("Agropecuária", "Ltda"), ("Distribuidora", "Eireli"),
    ("Tecnologia", "Ltda"), ("Logística", "S.A."),
)  # fmt: skip
# (street, district, city, state, cep) — real streets and CEPs
ADDRESSES = (
    ("Avenida Paulista", "Bela Vista", "São Paulo", "SP", "01310100"),
    ("Rua Augusta", "Consolação", "São Paulo", "SP", "01305000"),
    ("Rua da Consolação", "Consolação", "São Paulo", "SP", "01302000"),
    ("Avenida Brigadeiro Faria Lima", "Pinheiros", "São Paulo", "SP", "01452000"),
    ("Rua Barão de Jaguara", "Centro", "Campinas", "SP", "13015000"),
    ("Avenida Atlântica", "Copacabana", "Rio de Janeiro", "RJ", "22021001"),
    ("Rua Voluntários da Pátria", "Botafogo", "Rio de Janeiro", "RJ", "22270000"),
    ("Avenida Afonso Pena", "Centro", "Belo Horizonte", "MG", "30130001"),
    ("Rua XV de Novembro", "Centro", "Curitiba", "PR", "80020310"),
    ("Avenida Borges de Medeiros", "Centro Histórico", "Porto Alegre", "RS", "90020025"),
    ("Avenida Sete de Setembro", "Centro", "Salvador", "BA", "40060001"),
    ("Avenida Boa Viagem", "Boa Viagem", "Recife", "PE", "51011000"),
    ("Avenida Beira Mar", "Meireles", "Fortaleza", "CE", "60165121"),
    ("Eixo Monumental", "Asa Sul", "Brasília", "DF", "70070000"),
    ("Avenida Goiás", "Centro", "Goiânia", "GO", "74005010"),
    ("Rua Felipe Schmidt", "Centro", "Florianópolis", "SC", "88010001"),
)
MOBILE_DDD = {"SP": "11", "RJ": "21", "MG": "31", "PR": "41", "RS": "51", "BA": "71",
              "PE": "81", "CE": "85", "DF": "61", "GO": "62", "SC": "48"}  # fmt: skip


@dataclass(frozen=True)
class Person:
    kind: str  # pf | pj
    document: str
    name: str
    trade_name: str
    birth_date: date | None
    email: str
    mobile: str
    cep: str
    street: str
    number: str
    complement: str
    district: str
    city: str
    state: str
    monthly_income: Decimal
    pix_key: str
    pix_key_type: str
    bank_code: str
    bank_branch: str
    bank_account: str
    bank_account_digit: str
    pep: bool


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def people(count: int, *, seed: int = 2026, company_every: int = 9) -> list[Person]:
    """``count`` distinct holders: mostly people (CPF), every ``company_every``-th a company
    (CNPJ); one in forty is a politically exposed person."""
    rng = Random(seed)  # noqa: S311 - deterministic demo data, not secrets
    out: list[Person] = []
    seen: set[str] = set()
    while len(out) < count:
        i = len(out)
        street, district, city, state, cep = ADDRESSES[rng.randrange(len(ADDRESSES))]
        ddd = MOBILE_DDD[state]
        mobile = f"+55{ddd}9{rng.randrange(10_000_000, 99_999_999)}"
        if company_every and i % company_every == company_every - 1:
            document = generate_cnpj(rng)
            owner = LAST[rng.randrange(len(LAST))]
            activity, suffix = COMPANY[rng.randrange(len(COMPANY))]
            name = f"{owner} {activity} {suffix}"
            trade = f"{activity} {owner}"
            email = f"financeiro@{_ascii(owner)}{_ascii(activity.split()[0])}.com.br"
            income = Decimal(rng.randrange(40, 400) * 1000)
            birth = None
            pix, pix_type = document, "cnpj"
        else:
            document = generate_cpf(rng)
            first = FIRST[rng.randrange(len(FIRST))]
            last = f"{LAST[rng.randrange(len(LAST))]} {LAST[rng.randrange(len(LAST))]}"
            name = f"{first} {last}"
            trade = ""
            email = f"{_ascii(first)}.{_ascii(last.split()[-1])}{i}@exemplo.com.br"
            income = Decimal(rng.randrange(35, 300) * 100)
            birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
            pix, pix_type = (document, "cpf") if i % 3 else (email, "email")
        if document in seen:
            continue
        seen.add(document)
        out.append(
            Person(
                kind="pj" if len(document) == 14 else "pf",
                document=document,
                name=name,
                trade_name=trade,
                birth_date=birth,
                email=email,
                mobile=mobile,
                cep=cep,
                street=street,
                number=str(rng.randrange(10, 3000)),
                complement="" if rng.random() < 0.6 else f"Apto {rng.randrange(11, 200)}",
                district=district,
                city=city,
                state=state,
                monthly_income=income,
                pix_key=pix,
                pix_key_type=pix_type,
                bank_code=("001", "237", "341", "104", "033")[rng.randrange(5)],
                bank_branch=f"{rng.randrange(1, 9999):04d}",
                bank_account=str(rng.randrange(10_000, 999_999)),
                bank_account_digit=str(rng.randrange(10)),
                pep=i % 40 == 17,
            )
        )
    return out
