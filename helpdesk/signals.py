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
