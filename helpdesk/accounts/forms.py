"""Account forms: login, registration, password reset, profile."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from helpdesk.accounts.passwords import password_problem
from helpdesk.config import LANGUAGES


class AcceptablePassword:
    """Validator: the password policy of accounts/passwords.py for a new password.

    The account's address comes from the form's `email` field or, on forms without
    one, from its `account_email` attribute.
    """

    def __call__(self, form, field):
        email_field = getattr(form, "email", None)
        email = email_field.data if email_field is not None else form.account_email
        name_field = getattr(form, "name", None)
        problem = password_problem(field.data or "", email=email or "",
                                   name=(name_field.data if name_field is not None else "") or "")
        if problem:
            raise ValidationError(problem)


def new_password_field(label):
    """A password field that only accepts what the password policy allows."""
    return PasswordField(label, validators=[DataRequired(), Length(max=200),
                                            AcceptablePassword()])


class _ForAccount(FlaskForm):
    """A form about an account that is not typed into it (`account_email`)."""

    def __init__(self, *args, account_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Stay logged in"))


class RegistrationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    shop_name = StringField(_l("Shop name (optional)"), validators=[Optional(), Length(max=120)])
    password = new_password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    language = SelectField(_l("Language"), choices=_language_choices())


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(_ForAccount):
    password = new_password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), choices=_language_choices())


class ChangePasswordForm(_ForAccount):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = new_password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
