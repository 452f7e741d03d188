"""Demo: level 3's problems, played through the same functions the pages use.

* A known error with three customers' tickets (one filed by phone), escalated to level 3
  and linked by level 3, with its workaround, ready to answer all at once; its article
  waits for level 2's review.
* A fixed problem whose tickets got one reply each, in their language, whose known error
  went to the knowledge base (the article is flagged now that it is fixed), and a
  duplicate ticket merged into one of them.
* A problem level 1 proposed, waiting for level 3 to take it.
"""
from __future__ import annotations

import contextlib

import sqlalchemy as sa

from helpdesk.accounts.operations import customer_for
from helpdesk.extensions import db
from helpdesk.problems import bulk
from helpdesk.problems.models import BulkDelivery, ProblemStatus
from helpdesk.problems.operations import (
    ProblemInput,
    ProblemRefused,
    change_status,
    create_problem,
    document_known_error,
    edit_problem,
    link_ticket,
)
from helpdesk.tickets.escalation import HandoffInput, escalate
from helpdesk.tickets.merge import merge
from helpdesk.tickets.models import Channel, Priority, Ticket
from helpdesk.tickets.operations import NewTicket, add_message, file_ticket

STUCK_REPORTS = [
    ("customer", None, "TikTok-Bestellungen hängen auf „Synchronisierung ausstehend“",
     "Seit heute Morgen bleiben alle Bestellungen aus meinem TikTok Shop auf "
     "„Synchronisierung ausstehend“ stehen. Die Kundinnen haben bezahlt, aber ich sehe "
     "die Bestellungen nicht in meiner Übersicht und kann nichts versenden."),
    ("customer2", None, "TikTok orders stuck in “sync pending”",
     "Every order from TikTok Shop since 9 am is stuck in *sync pending*. Customers paid, "
     "but I can't see the orders in my dashboard, so nothing ships."),
    ("mara", "l1", "Orders from TikTok Shop not arriving",
     "Called in: TikTok Shop shows four paid orders since this morning, the shop's order "
     "list shows none of them. Customer wants to know when she can ship."),
]


def _escalate_to_3(ticket: Ticket, users: dict) -> None:
    for level in (1, 2):
        escalate(ticket, by=users[f"l{level}"], handoff=HandoffInput(
            summary="TikTok orders do not reach the shop; looks like the sync job.",
            tried="Reconnected the TikTok account; the orders still hang.",
            articles_checked="TikTok Shop connection guide"))


def _demo_ticket(subject: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.subject == subject)
                             .order_by(Ticket.id).limit(1))


def seed_demo(*, users: dict, categories: dict) -> None:
    l1, l3 = users["l1"], users["l3"]
    mara, _created = customer_for("mara.klein@example.com", "Mara Klein", language="de")
    people = {**users, "mara": mara}

    # -- a known error, its three tickets waiting at level 3 ----------------------------
    tickets = []
    for customer, filed_by, subject, body in STUCK_REPORTS:
        ticket = file_ticket(NewTicket(subject=subject, body=body,
                                       category=categories.get("social-sync"),
                                       priority=Priority.high,
                                       channel=Channel.phone if filed_by else Channel.web),
                             requester=people[customer], by=people[filed_by or customer])
        _escalate_to_3(ticket, users)
        tickets.append(ticket)
    stuck = create_problem(ProblemInput(
        title="TikTok orders stuck in “sync pending”", component="TikTok sync",
        description="Orders placed in TikTok Shop stay in *sync pending* and never reach "
                    "the shop's order list; payment went through."), by=l3)
    for ticket in tickets:
        link_ticket(stuck, ticket, by=l3)
    edit_problem(stuck, ProblemInput(
        title=stuck.title, description=stuck.description, component=stuck.component,
        cause="TikTok changed the order webhook's signature header; our sync job rejects "
              "the webhooks as unsigned."), by=l3,
        workaround="In the shop: *Orders › Import from TikTok › Import now* fetches the "
                   "waiting orders by hand (repeat every few hours until it is fixed).",
        fix_note="")
    change_status(stuck, ProblemStatus.known_error, by=l3)
    with contextlib.suppress(ProblemRefused):       # a draft for level 2 to review
        document_known_error(stuck, by=l3, language="en")

    # -- a fixed problem: answered at once, documented, one duplicate merged -------------
    prices = create_problem(ProblemInput(
        title="Instagram catalogue sends prices without VAT", component="Instagram sync",
        description="Products in the Instagram and Facebook shops show net prices."),
        by=l3)
    originals = [t for t in (_demo_ticket("Instagram shop shows wrong prices"),) if t]
    for ticket in originals:
        link_ticket(prices, ticket, by=l3)
    if originals:
        duplicate = file_ticket(NewTicket(
            subject="Instagram still shows prices without VAT",
            body="Same as my other ticket: the prices on Instagram are still net prices.",
            category=categories.get("social-sync"), channel=Channel.web),
            requester=originals[0].requester, by=originals[0].requester)
        merge(duplicate, into=originals[0], by=l1 if originals[0].level == 1 else l3)
    edit_problem(prices, ProblemInput(
        title=prices.title, description=prices.description, component=prices.component,
        cause="The catalogue export read the net price field after a schema change."),
        by=l3, workaround="Pause the Instagram shop, or set the prices in the catalogue "
                          "by hand, until the fix is out.", fix_note="")
    change_status(prices, ProblemStatus.known_error, by=l3)
    answer = bulk.start(prices, by=l3, resolve=True,
                        text_en="We found the cause: the catalogue export sent net prices. "
                                "Until the fix is out, pause the Instagram shop or set the "
                                "prices by hand. We will tell you when it is fixed.",
                        text_de="Wir haben die Ursache gefunden: Der Katalog-Export hat "
                                "Nettopreise gesendet. Bis die Korrektur da ist, pausiere "
                                "den Instagram-Shop oder setze die Preise von Hand.")
    for ticket_id in bulk.open_ticket_ids(prices.id):
        db.session.add(BulkDelivery(bulk_reply_id=answer.id, ticket_id=ticket_id))
        db.session.flush()
        bulk.answer_ticket(answer, db.session.get(Ticket, ticket_id), by=l3)
    with contextlib.suppress(ProblemRefused):       # no knowledge base in this app
        document_known_error(prices, by=l3, language="en")
    edit_problem(prices, ProblemInput(title=prices.title, description=prices.description,
                                      component=prices.component, cause=prices.cause),
                 by=l3, workaround=prices.workaround,
                 fix_note="The export reads the gross price again (release 4.12).")
    change_status(prices, ProblemStatus.fixed, by=l3)

    # -- proposed by level 1, waiting for level 3 ---------------------------------------
    paypal = _demo_ticket("Checkout: PayPal-Zahlungen schlagen fehl")
    proposed = create_problem(ProblemInput(
        title="PayPal declines payments with 10486", component="Checkout",
        description="Customers come back from PayPal to the cart with PAYMENT_DECLINED "
                    "(10486)."), by=l1, ticket=paypal if paypal and paypal.level == 1
        else None)
    if paypal is not None and paypal.level == 1:
        add_message(paypal, author=l1, internal=True,
                    body=f"Proposed problem {proposed.ref} for level 3.")
    db.session.flush()
