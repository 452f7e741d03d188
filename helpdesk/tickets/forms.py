"""Ticket forms. Choices that depend on the database are filled in by the view."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from helpdesk.actions import ButtonForm, VersionedForm, optional_id
from helpdesk.text_input import whole_number
from helpdesk.tickets.models import Channel, KnowledgeDecision, Priority, Status

BODY_MAX = 50_000


def priority_choices() -> list[SelectChoice]:
    return [SelectChoice(p.value, p.label) for p in Priority]


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, s.label) for s in Status]


def channel_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, c.label) for c in Channel]


def status_after_choices() -> list[SelectChoice]:
    """A message's "then set status to": keep it as it is (empty), or a status."""
    return [SelectChoice("", "—"), *status_choices()]


class NewTicketForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=priority_choices, default="normal")
    body = TextAreaField(_l("Describe your question"),
                         validators=[DataRequired(), Length(max=BODY_MAX)])
    shop_ref = StringField(_l("Shop"), validators=[Optional(), Length(max=120)])
    order_ref = StringField(_l("Order number"), validators=[Optional(), Length(max=120)])
    product_ref = StringField(_l("Product"), validators=[Optional(), Length(max=120)])
    attachments = MultipleFileField(_l("Attachments"))


class StaffNewTicketForm(NewTicketForm):
    """Filing for a customer: who it is for and where the request came in."""

    customer_email = EmailField(_l("Customer e-mail"),
                                validators=[DataRequired(), Email(), Length(max=254)])
    customer_name = StringField(_l("Customer name"), validators=[Optional(), Length(max=120)])
    channel = SelectField(_l("Channel"), choices=channel_choices, default="phone")


class TicketForm(VersionedForm):
    """A ticket action's form: the version of the ticket the user saw (optimistic
    locking, see helpdesk.actions) and the last event they saw (what changed since)."""

    seen_event = HiddenField()

    def seen_event_id(self) -> int:
        return whole_number(self.seen_event.data, 0)


class MessageForm(TicketForm):
    kind = RadioField(_l("Type"), choices=[SelectChoice("public", _l("Public reply")),
                                           SelectChoice("internal", _l("Internal note"))],
                      default="public")
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)])
    status_after = SelectField(_l("Then set status to"), choices=status_after_choices,
                               validators=[Optional()])
    attachments = MultipleFileField(_l("Attachments"))
    confirmed_public = BooleanField(_l("Yes, send this reply to the customer"))
    # The knowledge-base articles inserted into the message, as "12,34".
    article_ids = HiddenField(validators=[Optional(), Length(max=2000)])

    def article_id_list(self) -> list[int]:
        """Return the inserted articles' ids (each once, in order)."""
        ids = (whole_number(x.strip()) for x in (self.article_ids.data or "").split(","))
        return list(dict.fromkeys(i for i in ids if i is not None))


class UpdateTicketForm(TicketForm):
    status = SelectField(_l("Status"), choices=status_choices)
    priority = SelectField(_l("Priority"), choices=priority_choices)
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()])


class AssignForm(TicketForm):
    # Any agent id: the permission rule (can_assign_to) decides, not a list of choices.
    assignee = SelectField(_l("Assign to"), coerce=optional_id, validators=[Optional()],
                           validate_choice=False)


class ActionForm(TicketForm):
    """A POST-only button on a ticket (take): its version and nothing else."""


class EscalateForm(TicketForm):
    summary = TextAreaField(_l("Summary for the next level"),
                            validators=[DataRequired(), Length(max=5000)])
    tried = TextAreaField(_l("What was tried"), validators=[DataRequired(), Length(max=5000)])
    articles_checked = TextAreaField(_l("Knowledge-base articles checked"),
                                     validators=[DataRequired(), Length(max=2000)])


class ReturnForm(TicketForm):
    to_level = SelectField(_l("Return to level"), coerce=int)
    summary = TextAreaField(_l("Resolution or instructions"),
                            validators=[DataRequired(), Length(max=5000)])


class CustomerCloseForm(ButtonForm):
    """The requester's "Yes, this solved it" or "Close this request" button."""


class MergeForm(TicketForm):
    """Merge this ticket into another (helpdesk.tickets.merge)."""

    target = StringField(_l("Merge into ticket"), validators=[DataRequired(), Length(max=40)])
    confirm_other_customer = BooleanField(
        _l("Yes, merge the tickets of two different customers"))


class LinkForm(ButtonForm):
    """Link a related ticket (helpdesk.tickets.links)."""

    other = StringField(_l("Related ticket"), validators=[DataRequired(), Length(max=40)])


def knowledge_decision_choices() -> list[SelectChoice]:
    return [SelectChoice(d.value, d.label) for d in KnowledgeDecision]


class ResolveForm(TicketForm):
    """Resolve, with the knowledge decision (helpdesk.tickets.knowledge_decision)."""

    reply = TextAreaField(_l("Reply to the customer (optional)"),
                          validators=[Optional(), Length(max=BODY_MAX)])
    decision = RadioField(_l("What does this ticket mean for the knowledge base?"),
                          choices=knowledge_decision_choices, validators=[Optional()])
    article = StringField(_l("Article number or link"), validators=[Optional(), Length(max=300)])
    note = TextAreaField(_l("Note for level 2 (what the article should say, or what is wrong)"),
                         validators=[Optional(), Length(max=5000)])
