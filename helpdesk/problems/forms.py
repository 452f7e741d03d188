"""Problem forms. Choices that depend on the database are filled in by the views."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.actions import ButtonForm, VersionedForm, optional_id
from helpdesk.config import LANGUAGES
from helpdesk.problems.models import ProblemStatus

TEXT_MAX = 20_000


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, s.label) for s in ProblemStatus]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class NewProblemForm(ButtonForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    component = StringField(_l("Affected component"), validators=[Optional(), Length(max=80)])
    description = TextAreaField(_l("Description (symptoms, what is known)"),
                                validators=[Optional(), Length(max=TEXT_MAX)])
    ticket = HiddenField(validators=[Optional(), Length(max=40)])


class ProblemForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    component = StringField(_l("Affected component"), validators=[Optional(), Length(max=80)])
    description = TextAreaField(_l("Symptoms"),
                                validators=[Optional(), Length(max=TEXT_MAX)])
    cause = TextAreaField(_l("Cause"), validators=[Optional(), Length(max=TEXT_MAX)])
    workaround = TextAreaField(_l("Workaround"), validators=[Optional(), Length(max=TEXT_MAX)])
    fix_note = TextAreaField(_l("Fix"), validators=[Optional(), Length(max=TEXT_MAX)])
    # Any user id: the rule (a level-3 agent) decides, not the list of choices.
    owner = SelectField(_l("Owner"), coerce=optional_id, validators=[Optional()],
                        validate_choice=False)


class StatusForm(VersionedForm):
    status = SelectField(_l("Status"), choices=status_choices)


class DocumentForm(VersionedForm):
    language = SelectField(_l("Language of the article"), choices=language_choices)


class AnswerAllForm(ButtonForm):
    text_en = TextAreaField(_l("Reply in English"), validators=[Optional(),
                                                                 Length(max=TEXT_MAX)])
    text_de = TextAreaField(_l("Reply in German"), validators=[Optional(),
                                                                Length(max=TEXT_MAX)])
    resolve = BooleanField(_l("Resolve the tickets with this reply"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.text_en.data or "").strip() and not (self.text_de.data or "").strip():
            self.text_en.errors = [_l("Write the reply in English, in German, or in both.")]
            return False
        return ok


class LinkTicketForm(ButtonForm):
    ticket = StringField(_l("Ticket"), validators=[DataRequired(), Length(max=40)])
