"""Knowledge-base forms. Category choices are filled in by the view."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.actions import VersionedForm, optional_id
from helpdesk.config import LANGUAGES
from helpdesk.text_input import whole_number
from kb.models import AnswerSource, FeedbackKind, Visibility

BODY_MAX = 100_000


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class ArticleForm(VersionedForm):
    """Write or edit an article; an edit carries the version the editor saw and the
    revision they started from (to show what changed on a conflict)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=500)],
                            description=_l("One or two sentences: shown in search results "
                                           "and put into replies."))
    body = TextAreaField(_l("Article"), validators=[DataRequired(), Length(max=BODY_MAX)])
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)],
                       description=_l("Comma-separated, e.g. refund, return, paypal"))
    language = SelectField(_l("Language"), choices=language_choices(), default="en")
    visibility = SelectField(_l("Visibility"), default=Visibility.internal.value, choices=[
        SelectChoice(Visibility.internal.value, _l("Internal: agents only")),
        SelectChoice(Visibility.public.value, _l("Public: customers too"))])
    is_known_error = BooleanField(_l("Known error (a problem we know about, with a "
                                     "workaround)"))
    translation_key = StringField(
        _l("Translation key"), validators=[Optional(), Length(max=120)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("Articles with the same key are translations of each other: each "
                       "shows the others under “Also available in”."))
    comment = StringField(_l("What did you change?"), validators=[Optional(), Length(max=300)])
    base_revision = HiddenField(default="0")

    def base_revision_number(self) -> int:
        return whole_number(self.base_revision.data, 0)


class TransitionForm(VersionedForm):
    """Submit, publish, send back, archive, restore: a version and an optional comment."""

    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=300)])


class FeedbackForm(FlaskForm):
    kind = SelectField(_l("What is it?"), default=FeedbackKind.change.value, choices=[
        SelectChoice(FeedbackKind.change.value, _l("Suggest a change")),
        SelectChoice(FeedbackKind.outdated.value, _l("This article is outdated"))])
    text = TextAreaField(_l("Details"), validators=[DataRequired(), Length(max=5000)],
                         description=_l("What is wrong or missing? Level 2 reviews it."))


class AnsweredForm(FlaskForm):
    """"This answered my question": the search that led here and where it was clicked."""

    q = HiddenField()
    source = HiddenField(default=AnswerSource.kb_page.value)

    def answer_source(self) -> AnswerSource:
        value = self.source.data
        return AnswerSource(value) if value in AnswerSource._value2member_map_ \
            else AnswerSource.kb_page
