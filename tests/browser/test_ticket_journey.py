"""The ticket's way through the tiers, driven through the real UI in Chromium.

A customer files a ticket, level 1 notes and escalates it with a hand-off, level 2
answers publicly, and the customer sees the answer but none of the staff's internals.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (
    LAPTOP,
    PHONE,
    PLAYWRIGHT_MISSING,
    horizontal_overflow,
    login,
    screenshot,
)

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

pytestmark = pytest.mark.browser

SUBJECT = "Payout for March never arrived"
BODY = "My payout for **March** is missing.\n\n- Shop: Kiosk Anna\n- Amount: 120 EUR"
NOTE = "Checked the payout log: the transfer bounced at the bank."
HANDOFF_SUMMARY = "Payout bounced; needs a manual re-send from the finance console."
HANDOFF_TRIED = "Re-checked the IBAN with the customer; looked at the payout log."
HANDOFF_ARTICLES = "KB-12 Payout timing; none matched a bounced transfer"
REPLY = "We have re-sent your March payout. It should reach your account within two days."


@pytest.fixture
def people(live_server):
    """A customer, one agent per level, an admin, and two categories."""
    live_server.create_category("Payouts")
    live_server.create_category("Orders")
    return {
        "customer": live_server.create_user("customer", name="Anna Kiosk"),
        "l1": live_server.create_user("agent", level=1, name="Lena First"),
        "l2": live_server.create_user("agent", level=2, name="Max Second"),
        "l3": live_server.create_user("agent", level=3, name="Sam Specialist"),
        "admin": live_server.create_user("admin", name="Ada Admin"),
    }


def _file_ticket(page) -> str:
    """File the journey's ticket as the logged-in customer; return its reference."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New ticket").click()
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Category").select_option(label="Payouts")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_label("Describe your question").fill(BODY)
    # The preview tab renders through the server (a CSRF-protected POST from JavaScript).
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator("[data-editor] .preview strong")).to_have_text("March")
    page.get_by_role("tab", name="Write").click()
    page.get_by_role("button", name="Send request").click()
    flash = page.locator(".flash.success")
    expect(flash).to_contain_text(re.compile(r"Ticket HD-\d+ has been filed"))
    return re.search(r"HD-\d+", flash.inner_text()).group(0)


def _escalate(page) -> None:
    page.get_by_role("link", name="Escalate to level 2").click()
    heading = page.get_by_role("heading", name=re.compile(r"Escalate HD-\d+ to level 2"))
    expect(heading).to_be_visible()
    page.get_by_label("Summary for the next level").fill(HANDOFF_SUMMARY)
    page.get_by_label("What was tried").fill(HANDOFF_TRIED)
    page.get_by_label("Knowledge-base articles checked").fill(HANDOFF_ARTICLES)
    page.get_by_role("button", name="Escalate with this hand-off").click()
    expect(page.locator(".flash.success")).to_have_text("Escalated to level 2 with your hand-off.")


def test_ticket_goes_from_customer_through_levels_and_back(live_server, new_page, people):
    customer, l1, l2 = people["customer"], people["l1"], people["l2"]

    # The customer files a ticket with Markdown and sees it rendered.
    anna = new_page()
    login(anna, customer.email, customer.password)
    expect(anna.get_by_role("heading", name="My tickets")).to_be_visible()
    ref = _file_ticket(anna)
    expect(anna.locator("h1")).to_contain_text(SUBJECT)
    expect(anna.locator(".msg.from-customer .body strong")).to_have_text("March")
    expect(anna.locator("#where")).to_contain_text("with our first-level team")
    assert live_server.mailbox.to(customer.email), "no receipt mail for the new ticket"

    # Level 1 finds it in the queue, notes what they found, and escalates with a hand-off.
    lena = new_page()
    login(lena, l1.email, l1.password)
    expect(lena.get_by_role("heading", name="Level 1 queue")).to_be_visible()
    row = lena.locator("table.list tr", has_text=SUBJECT)
    expect(row).to_contain_text(ref)
    expect(row).to_contain_text("High")
    row.get_by_role("link", name=SUBJECT).click()
    expect(lena.locator("h1")).to_contain_text(ref)
    lena.get_by_label("Internal note").check()
    expect(lena.get_by_role("button", name="Add internal note")).to_be_visible()
    lena.get_by_label("Message").fill(NOTE)
    lena.get_by_role("button", name="Add internal note").click()
    expect(lena.locator(".flash.success")).to_have_text("Your note has been added.")
    note = lena.locator("article.msg.internal")
    expect(note).to_contain_text(NOTE)
    expect(note.locator(".badge.internal")).to_have_text("Internal note")
    _escalate(lena)
    # The escalating agent keeps read access and sees note and hand-off in the thread.
    handoff = lena.locator("article.handoff")
    expect(handoff).to_contain_text("Hand-off: escalated from level 1 to level 2")
    expect(handoff).to_contain_text(HANDOFF_SUMMARY)
    expect(handoff).to_contain_text(HANDOFF_TRIED)
    expect(handoff).to_contain_text(HANDOFF_ARTICLES)
    # ... but the work belongs to level 2 now: no write controls are left for level 1.
    expect(lena.get_by_role("link", name="Escalate to level 2")).to_have_count(0)
    for button in ("Save changes", "Send reply", "Take it", "Assign"):
        expect(lena.get_by_role("button", name=button)).to_have_count(0)
    lena.goto("/queue")
    expect(lena.get_by_role("link", name=SUBJECT)).to_have_count(0)

    # Level 2 finds it unassigned in their queue and answers publicly (confirming the first reply).
    max_ = new_page()
    login(max_, l2.email, l2.password)
    expect(max_.get_by_role("heading", name="Level 2 queue")).to_be_visible()
    row = max_.locator("table.list tr", has_text=SUBJECT)
    expect(row).to_contain_text("—")        # nobody is assigned yet
    row.get_by_role("link", name=SUBJECT).click()
    expect(max_.locator("article.handoff")).to_contain_text(HANDOFF_SUMMARY)
    expect(max_.locator("article.msg.internal")).to_contain_text(NOTE)
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()
    max_.on("dialog", accept)
    max_.get_by_label("Public reply").check()
    max_.get_by_label("Message").fill(REPLY)
    max_.get_by_role("button", name="Send reply").click()
    expect(max_.locator(".flash.success")).to_have_text("Your reply has been sent.")
    assert len(dialogs) == 1 and "first public reply" in dialogs[0] and "Anna Kiosk" in dialogs[0]
    expect(max_.locator("article.msg.from-staff")).to_contain_text(REPLY)

    # The customer sees the answer and where the ticket is, and none of the internals.
    anna = new_page()
    login(anna, customer.email, customer.password)
    row = anna.locator("table.list tr", has_text=SUBJECT)
    expect(row).to_contain_text("with our second-level team")
    row.get_by_role("link", name=SUBJECT).click()
    expect(anna.locator("#where")).to_contain_text("with our second-level team")
    expect(anna.locator("article.msg.from-staff")).to_contain_text(REPLY)
    expect(anna.locator("article.msg.from-staff header")).to_contain_text("Support team")
    seen = anna.locator("main").inner_text()
    for secret in (NOTE, HANDOFF_SUMMARY, HANDOFF_TRIED, HANDOFF_ARTICLES, "Internal note",
                   "Hand-off", l1.name, l2.name):
        assert secret not in seen, f"the customer can see {secret!r}"
    expect(anna.locator("article.handoff, article.msg.internal")).to_have_count(0)
    expect(anna.get_by_role("link", name=re.compile("Escalate"))).to_have_count(0)
    for button in ("Save changes", "Assign", "Take it"):
        expect(anna.get_by_role("button", name=button)).to_have_count(0)
    expect(anna.get_by_label("Internal note")).to_have_count(0)

    # The customer was mailed the reply (and nothing internal in any mail).
    mails = live_server.mailbox.to(customer.email)
    replies = [m for m in mails if "New reply" in m["Subject"]]
    assert len(replies) == 1, [m["Subject"] for m in mails]
    text = replies[0].get_content()
    assert ref in replies[0]["Subject"] and REPLY in text
    assert f"{live_server.url}/tickets/{ref}" in text
    for mail in mails:
        body = mail.get_content()
        assert NOTE not in body and HANDOFF_SUMMARY not in body and HANDOFF_TRIED not in body


def test_pages_fit_a_phone_screen(live_server, new_page, people):
    customer, l1 = people["customer"], people["l1"]
    # Long unbroken words (links, SKUs, German compounds) must wrap, not widen the page.
    long_ref = live_server.file_ticket(
        customer, subject="Error at https://shop.example.com/checkout/payment/confirmation?"
                          "session=abcdefghijklmnopqrstuvwxyz0123456789",
        body="See https://shop.example.com/" + "x" * 120 + "\n\n`" + "y" * 90 + "`",
        priority="urgent", product_ref="SKU-" + "Z" * 50)
    anna = new_page(viewport=PHONE)
    login(anna, customer.email, customer.password)
    for path in ("/tickets", "/tickets/new", f"/tickets/{long_ref}"):
        anna.goto(path)
        assert horizontal_overflow(anna) <= 1, f"{path} is wider than a phone as a customer"
    ref = _file_ticket(anna)
    assert horizontal_overflow(anna) <= 1, f"ticket {ref} is wider than a phone as the customer"

    lena = new_page(viewport=PHONE)
    login(lena, l1.email, l1.password)
    for path in ("/queue", f"/tickets/{ref}", "/tickets/new", f"/tickets/{ref}/escalate",
                 f"/tickets/{long_ref}"):
        lena.goto(path)
        expect(lena.locator("main h1")).to_be_visible()
        assert horizontal_overflow(lena) <= 1, f"{path} is wider than a phone as an agent"
    for viewport in ({"width": 720, "height": 900}, LAPTOP):     # a small tablet, a laptop
        lena.set_viewport_size(viewport)
        for path in ("/queue", f"/tickets/{long_ref}"):
            lena.goto(path)
            assert horizontal_overflow(lena) <= 1, f"{path} is wider than {viewport}"


def test_screenshots_of_the_main_pages(live_server, new_page, people):
    """Save screenshots at laptop and phone widths to test-artifacts/screenshots/ for review."""
    customer, l1 = people["customer"], people["l1"]
    other = live_server.create_user("customer", name="Ben Shopkeeper")
    for subject, priority, channel, refs in (
            ("Instagram shop shows prices without VAT since this morning", "urgent", "instagram",
             {"shop_ref": "Carter Sneakers", "product_ref": "SKU-AIR-42"}),
            ("Cannot log in after changing my e-mail address", "normal", "email", {}),
            ("Return label missing", "low", "whatsapp", {"order_ref": "A-100234"})):
        live_server.file_ticket(other, subject=subject, priority=priority, channel=channel, **refs)
    setup = new_page()
    login(setup, customer.email, customer.password)
    ref = _file_ticket(setup)
    staff = new_page()
    login(staff, l1.email, l1.password)
    staff.goto(f"/tickets/{ref}")
    staff.get_by_label("Internal note").check()
    staff.get_by_label("Message").fill(NOTE)
    staff.get_by_role("button", name="Add internal note").click()
    _escalate(staff)

    anon = new_page()
    pages = {None: anon}
    shots = [  # (who, name, path)
        (None, "login", "/login"),
        (customer, "my-tickets", "/tickets"), (customer, "new-ticket", "/tickets/new"),
        (customer, "ticket-customer", f"/tickets/{ref}"),
        (l1, "queue-l1", "/queue"), (l1, "ticket-agent", f"/tickets/{ref}"),
        (people["l2"], "ticket-l2", f"/tickets/{ref}"),
        (people["l2"], "escalate", f"/tickets/{ref}/escalate"),
        (people["admin"], "admin-users", "/admin/users"),
    ]
    for who, name, path in shots:
        if who not in pages:
            pages[who] = new_page()
            login(pages[who], who.email, who.password)
        page = pages[who]
        page.goto(path)
        for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            screenshot(page, f"{name}-{size}")
    assert len(list(live_server.mailbox.messages)) >= 1


def test_first_public_reply_is_confirmed_without_javascript_too(live_server, new_page, people):
    """With JavaScript off, the server asks for the confirmation the dialog would have asked."""
    customer, l1 = people["customer"], people["l1"]
    ref = live_server.file_ticket(customer, subject=SUBJECT, body=BODY)
    lena = new_page(java_script_enabled=False)
    login(lena, l1.email, l1.password)
    lena.goto(f"/tickets/{ref}")
    lena.get_by_label("Message").fill(REPLY)
    lena.get_by_role("button", name="Send reply").click()
    box = lena.locator(".confirm-box")
    expect(box).to_contain_text("This is the first public reply on this ticket.")
    expect(box).to_contain_text(customer.email)
    assert not [m for m in live_server.mailbox.to(customer.email) if "New reply" in m["Subject"]], \
        "the reply went out unconfirmed"
    expect(lena.get_by_label("Message")).to_have_value(REPLY)      # nothing typed is lost
    screenshot(lena, "reply-confirmation-laptop")
    lena.get_by_label("Yes, send this reply to the customer").check()
    lena.get_by_role("button", name="Send reply").click()
    expect(lena.locator(".flash.success")).to_have_text("Your reply has been sent.")
    replies = [m for m in live_server.mailbox.to(customer.email) if "New reply" in m["Subject"]]
    assert len(replies) == 1 and REPLY in replies[0].get_content()


def test_specialist_returns_ticket_to_level_1_with_instructions(live_server, new_page, people):
    """Level 3 sends a solved case back down; level 1 gets the instructions, the customer not."""
    customer, l1, l3 = people["customer"], people["l1"], people["l3"]
    ref = live_server.file_ticket(customer, subject=SUBJECT, body=BODY, level=3)
    instructions = "Fixed the bank file export; ask the customer to confirm the re-sent payout."

    sam = new_page()
    login(sam, l3.email, l3.password)
    expect(sam.get_by_role("heading", name="Level 3 queue")).to_be_visible()
    sam.get_by_role("link", name=SUBJECT).click()
    sam.get_by_role("link", name="Return to a lower level").click()
    sam.get_by_label("Return to level").select_option(label="Level 1")
    sam.get_by_label("Resolution or instructions").fill(instructions)
    sam.get_by_role("button", name="Return the ticket").click()
    expect(sam.locator(".flash.success")).to_have_text("The ticket has been returned.")

    lena = new_page()
    login(lena, l1.email, l1.password)
    lena.locator("table.list tr", has_text=ref).get_by_role("link", name=SUBJECT).click()
    returned = lena.locator("article.handoff-return")
    expect(returned).to_contain_text("Returned from level 3 to level 1")
    expect(returned).to_contain_text(instructions)
    expect(lena.get_by_role("button", name="Send reply")).to_be_visible()   # level 1's work again

    anna = new_page()
    login(anna, customer.email, customer.password)
    anna.get_by_role("link", name=SUBJECT).click()
    expect(anna.locator("#where")).to_contain_text("with our first-level team")
    assert instructions not in anna.locator("main").inner_text()
    for mail in live_server.mailbox.to(customer.email):
        assert instructions not in mail.get_content()
