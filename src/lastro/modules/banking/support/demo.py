"""Demo tickets for tenant ``demo``: a few months of them in every state, from the demo
customers (or the admin when there are none), answered by the admin. Idempotent: nothing is
added once the tenant has tickets."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from lastro.core.auth.models import User
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from lastro.modules.banking.support import service
from lastro.modules.banking.support.models import Ticket

_TICKETS = (
    (
        "card",
        "high",
        "Compra não reconhecida no cartão",
        "Apareceu uma compra de R$ 389,90 que não fiz.",
        "RESOLVED",
    ),
    (
        "pix",
        "urgent",
        "PIX enviado para a chave errada",
        "Enviei R$ 250,00 para a chave errada, como recupero?",
        "CLOSED",
    ),
    (
        "bill",
        "medium",
        "Boleto pago e ainda consta em aberto",
        "Paguei o boleto da escola e o emissor diz que não recebeu.",
        "WAITING",
    ),
    (
        "account",
        "low",
        "Como aumentar meu limite?",
        "Gostaria de saber como aumentar o limite diário de PIX.",
        "IN_PROGRESS",
    ),
    (
        "card",
        "medium",
        "Cartão virtual recusado em loja online",
        "O cartão virtual é recusado no site da companhia aérea.",
        "OPEN",
    ),
    (
        "transfer",
        "medium",
        "TED não chegou ao destino",
        "Fiz uma TED ontem e o destinatário não recebeu.",
        "RESOLVED",
    ),
    ("other", "low", "Alterar e-mail de contato", "Quero trocar o e-mail cadastrado.", "CLOSED"),
    (
        "fraud",
        "urgent",
        "Recebi ligação se passando pelo banco",
        "Pediram meu código de verificação por telefone.",
        "OPEN",
    ),
)
_REPLIES = {
    "IN_PROGRESS": ["Olá! Já estamos analisando sua solicitação."],
    "WAITING": ["Pode nos enviar o comprovante do pagamento?"],
    "RESOLVED": ["Verificamos e o caso foi resolvido. Confirma para encerrarmos?"],
}
_PATH = {
    "OPEN": [],
    "IN_PROGRESS": ["IN_PROGRESS"],
    "WAITING": ["IN_PROGRESS", "WAITING"],
    "RESOLVED": ["IN_PROGRESS", "RESOLVED"],
    "CLOSED": ["IN_PROGRESS", "RESOLVED", "CLOSED"],
}


async def load_support_demo(runtime: Runtime) -> None:
    async with runtime.db.session(platform=True, readonly=True) as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
    if tenant_id is None:
        return
    rng = random.Random(8)  # noqa: S311 - demo data
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        if await session.scalar(select(func.count()).select_from(Ticket)):
            return
        users = (await session.scalars(select(User).order_by(User.created_at))).all()
        staff = [u for u in users if u.role != "customer"]
        customers = [u for u in users if u.role == "customer"] or staff[:1]
        if not staff:
            return
        agent = staff[0]
        now = utcnow()
        for i, (category, priority, subject, text, target) in enumerate(_TICKETS):
            customer = customers[i % len(customers)]
            opened = now - timedelta(days=110 - i * 14, hours=rng.randint(0, 10))
            ticket = await service.create_ticket(
                session,
                service.Actor(customer.id, staff=False),
                category=category,
                priority=priority,
                subject=subject,
                description=text,
            )
            ticket.created_at = ticket.updated_at = opened
            moment = opened
            for step in _PATH[target]:
                moment += timedelta(hours=rng.randint(1, 20))
                if step == "IN_PROGRESS" and ticket.assignee_id is None:
                    await service.assign(
                        session, service.Actor(agent.id, staff=True), ticket.id, agent.id
                    )
                else:
                    await service.change_status(
                        session, service.Actor(agent.id, staff=True), ticket.id, step
                    )
                for reply in _REPLIES.get(step, []):
                    msg = await service.add_message(
                        session, service.Actor(agent.id, staff=True), ticket.id, reply
                    )
                    msg.created_at = moment
                ticket.updated_at = moment
                if step == "RESOLVED":
                    ticket.resolved_at = moment
                if step == "CLOSED":
                    ticket.closed_at = moment
