"""Admin forms: users and categories, with the rules about their own input."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from helpdesk.accounts.forms import AcceptablePassword
from helpdesk.accounts.models import Role
from helpdesk.tickets.categories import slug_taken

ROLE_CHOICES = [SelectChoice(Role.customer.value, _l("Customer")),
                SelectChoice(Role.agent.value, _l("Agent")),
                SelectChoice(Role.admin.value, _l("Administrator"))]
LEVEL_CHOICES = [SelectChoice("", "—"), SelectChoice("1", _l("Level 1")),
                 SelectChoice("2", _l("Level 2")), SelectChoice("3", _l("Level 3"))]


class UserForm(FlaskForm):
    """A user's role, support level and access. `editing_self`: the admin edits their
    own account, and may not take their own administrator access away."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    level = SelectField(_l("Support level"), choices=LEVEL_CHOICES, validators=[Optional()])
    is_active = BooleanField(_l("Active (may log in)"))

    def __init__(self, *args, editing_self: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing_self = editing_self

    def validate_role(self, field):
        if self.editing_self and (field.data != Role.admin.value or not self.is_active.data):
            raise ValidationError(_l("You cannot remove your own administrator access."))

    def validate(self, extra_validators=None) -> bool:
        """The fields, then: an agent needs a support level (the level may be left
        empty, and is, for everyone else)."""
        valid = super().validate(extra_validators)
        if self.role.data == Role.agent.value and not self.level.data:
            self.level.errors = [*self.level.errors, _l("An agent needs a support level.")]
            return False
        return valid


class NewUserForm(UserForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password (optional)"),
                             validators=[Optional(), Length(max=200), AcceptablePassword()])


class CategoryForm(FlaskForm):
    """A category; `category_id` is the one being edited (None: a new one)."""

    slug = StringField(_l("Short name"), validators=[
        DataRequired(), Length(max=60),
        Regexp(r"^[a-z0-9-]+$", message=_l("Lower-case letters, digits and dashes only."))])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    name_de = StringField(_l("Name (German)"), validators=[DataRequired(), Length(max=80)])
    is_active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, category_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id = category_id

    def validate_slug(self, field):
        if slug_taken(field.data, other_than=self.category_id):
            raise ValidationError(_l("This short name is taken."))
