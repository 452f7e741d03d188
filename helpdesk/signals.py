"""Domain signals. Domain code sends them; notifications and the search outbox listen."""
from blinker import Namespace

_signals = Namespace()

ticket_created = _signals.signal("ticket-created")
ticket_replied = _signals.signal("ticket-replied")          # public replies and notes
ticket_status_changed = _signals.signal("ticket-status-changed")
ticket_escalated = _signals.signal("ticket-escalated")
ticket_returned = _signals.signal("ticket-returned")
ticket_assigned = _signals.signal("ticket-assigned")
password_reset_requested = _signals.signal("password-reset-requested")
email_confirmation_requested = _signals.signal("email-confirmation-requested")
# someone tried to register with the address of an existing account
registration_for_existing_account = _signals.signal("registration-for-existing-account")
articles_used = _signals.signal("articles-used")            # KB articles put into a reply
# a service-level target was missed (sent once per ticket, target and due time)
sla_breached = _signals.signal("sla-breached")
# a mailbox that takes mail only from known customers refused a mail (mail in): the sender
# gets a polite automatic answer (address, name, language, subject, in_reply_to)
unknown_sender_refused = _signals.signal("unknown-sender-refused")
# a ticket was merged into another (sender: the merged ticket; into, by, cross_customer)
ticket_merged = _signals.signal("ticket-merged")
# level 2 or 3 resolved a ticket with a knowledge decision (decision, article_id, note, by);
# a receiver acts on it (the KB: link, draft, flag) and may return the article's id, or raise
# helpdesk.tickets.knowledge_decision.DecisionRefused
knowledge_decided = _signals.signal("knowledge-decided")
# a problem's known error goes to the knowledge base (sender: the problem; language, by): a
# receiver creates the draft and returns its article id
known_error_documented = _signals.signal("known-error-documented")
# a problem was fixed (sender: the problem; article_id, by): its article needs a look
problem_fixed = _signals.signal("problem-fixed")
