"""Knowledge-base forms. Category and owner choices are filled in by the view."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from helpdesk.actions import VersionedForm, optional_id
from helpdesk.config import LANGUAGES
from helpdesk.text_input import whole_number
from kb import twins
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
    # The article being edited (None: a new one), set by the view for the key check.
    article = None

    def base_revision_number(self) -> int:
        return whole_number(self.base_revision.data, 0)

    def validate_translation_key(self, field):
        """A key links one article per language: refuse one another article in this
        language has (unless neither the key nor the language changes)."""
        key, language = (field.data or "").strip() or None, self.language.data
        article = self.article
        if key is None or (article is not None and article.translation_key == key
                           and article.language == language):
            return
        try:
            twins.check_key_free(key, language, exclude_id=article.id if article else None)
        except twins.TwinRefused as exc:
            raise ValidationError(str(exc)) from None


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


_ARTICLE_NUMBER = re.compile(r"(?:^|/kb/articles/)(\d{1,10})(?:[/?#].*)?$")


class TwinForm(VersionedForm):
    """Link a translation: its article number (or the article's address)."""

    twin = StringField(_l("Article number of the translation"),
                       validators=[DataRequired(), Length(max=300)],
                       description=_l("The number in the article's address, e.g. 42 in "
                                      "/kb/articles/42."))

    def twin_id(self) -> int | None:
        match = _ARTICLE_NUMBER.search((self.twin.data or "").strip())
        return whole_number(match.group(1)) if match else None

    def validate_twin(self, field):
        if self.twin_id() is None:
            raise ValidationError(_l("Enter the number of an article, e.g. 42."))


class OwnerForm(VersionedForm):
    """An article's owner and review-by date (owner choices are set by the view)."""

    owner = SelectField(_l("Owner"), coerce=optional_id, validators=[Optional()])
    review_by = DateField(_l("Review by"), validators=[Optional()])


class RatingForm(FlaskForm):
    """"Was this article helpful?": the answer (one of two buttons) and a comment."""

    helpful = RadioField(_l("Was this article helpful?"), validators=[InputRequired()],
                         choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=1000)],
                            description=_l("What was missing or unclear? No personal data, "
                                           "please."))

    def is_helpful(self) -> bool:
        return self.helpful.data == "yes"
