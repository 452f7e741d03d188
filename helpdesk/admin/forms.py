"""Admin forms: users and categories."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from helpdesk.accounts.forms import AcceptablePassword
from helpdesk.accounts.models import Role

ROLE_CHOICES = [(Role.customer.value, _l("Customer")), (Role.agent.value, _l("Agent")),
                (Role.admin.value, _l("Administrator"))]
LEVEL_CHOICES = [("", "—"), ("1", _l("Level 1")), ("2", _l("Level 2")), ("3", _l("Level 3"))]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    level = SelectField(_l("Support level"), choices=LEVEL_CHOICES, validators=[Optional()])
    is_active = BooleanField(_l("Active (may log in)"))


class NewUserForm(UserForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password (optional)"),
                             validators=[Optional(), Length(max=200), AcceptablePassword()])


class CategoryForm(FlaskForm):
    slug = StringField(_l("Short name"), validators=[
        DataRequired(), Length(max=60),
        Regexp(r"^[a-z0-9-]+$", message=_l("Lower-case letters, digits and dashes only."))])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    name_de = StringField(_l("Name (German)"), validators=[DataRequired(), Length(max=80)])
    is_active = BooleanField(_l("Active"), default=True)
