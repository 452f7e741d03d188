"""Login, logout, registration and its confirmation, password reset and the profile page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from helpdesk.accounts import bp, throttle
from helpdesk.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from helpdesk.accounts.login_sessions import (
    end_login_session,
    login_sessions_of,
    start_login_session,
)
from helpdesk.accounts.models import User
from helpdesk.accounts.operations import (
    Registration,
    authenticate,
    find_user,
    register_customer,
)
from helpdesk.accounts.tokens import user_for_confirm_token, user_for_reset_token
from helpdesk.config import LANGUAGES
from helpdesk.extensions import db, limiter
from helpdesk.signals import email_confirmation_requested, password_reset_requested


def safe_next(target: str | None, default: str) -> str:
    """Return `target` if it is a path on this site, else `default`."""
    if not target or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _home() -> str:
    return url_for("tickets.home")


def _log_in(user: User, *, remember: bool = False) -> None:
    """Open a login session for `user` on this device, commit, and set the cookies."""
    start_login_session(user, user_agent=request.user_agent.string,
                        ip=request.remote_addr or "-",
                        lifetime=current_app.config["REMEMBER_COOKIE_DURATION"])
    db.session.commit()
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    if form.validate_on_submit():
        email, ip = form.email.data.strip().lower(), request.remote_addr or "-"
        if throttle.is_locked_out(email, ip):
            flash(_("Too many failed logins. Please wait a few minutes and try again, "
                    "or reset your password."), "error")
            return render_template("accounts/login.html", form=form), 429
        user = authenticate(email, form.password.data)
        if user is None:
            throttle.record_failure(email, ip)
            db.session.commit()
            flash(_("E-mail or password is wrong."), "error")
            return render_template("accounts/login.html", form=form), 200
        throttle.clear_failures(email)
        if not user.is_email_confirmed:
            email_confirmation_requested.send(user)
            db.session.commit()
            flash(_("Please confirm your e-mail address first: we have sent you a new link "
                    "to %(email)s.", email=user.email), "info")
            return render_template("accounts/login.html", form=form), 200
        _log_in(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next"), _home()))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    end_login_session(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegistrationForm(language=request.accept_languages.best_match(list(LANGUAGES)) or "en")
    if form.validate_on_submit():
        register_customer(Registration(
            email=form.email.data, name=form.name.data, password=form.password.data,
            language=form.language.data, shop_name=form.shop_name.data))
        db.session.commit()
        # The same answer for an address that has an account: its owner gets a notice.
        flash(_("Almost done: we have sent an e-mail to %(email)s. Follow the link in it "
                "to confirm your address; then you can log in.",
                email=form.email.data.strip().lower()), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """Confirm a new account's address (a POST, so a mail scanner opening the link does not)."""
    user = user_for_confirm_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Log in to get a new one."),
              "error")
        return redirect(url_for("accounts.login"))
    form = FlaskForm()
    if form.validate_on_submit():
        user.confirm_email()
        logout_user()
        _log_in(user)
        flash(_("Welcome! Your address is confirmed and your account is ready."), "success")
        return redirect(_home())
    return render_template("accounts/confirm_email.html", form=form, email=user.email)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.is_active:
            password_reset_requested.send(user)
            db.session.commit()     # queued mail goes out when the session commits
        # Same answer either way: the page must not reveal who has an account.
        flash(_("If an account exists for that address, we have sent a link to reset "
                "the password. It is valid for one hour."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Please ask for a new one."),
              "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm(account_email=user.email)
    if form.validate_on_submit():
        user.set_password(form.password.data)       # ends every session of the user
        user.confirm_email()                        # the link came to their inbox
        throttle.clear_failures(user.email)
        db.session.commit()
        flash(_("Your password has been changed. Please log in."), "success")
        logout_user()
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


def _profile_page(form, password_form, status=200):
    return render_template("accounts/profile.html", form=form, password_form=password_form,
                           sessions=login_sessions_of(current_user),
                           current_session=current_user.current_session), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw", account_email=current_user.email)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.language = form.language.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return _profile_page(form, password_form)


@bp.post("/profile/password")
@login_required
def change_password():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw", account_email=current_user.email)
    if password_form.validate_on_submit():
        if current_user.check_password(password_form.current.data):
            user = current_user._get_current_object()
            remember = request.cookies.get(current_app.config.get(
                "REMEMBER_COOKIE_NAME", "remember_token")) is not None
            user.set_password(password_form.password.data)     # ends every session
            _log_in(user, remember=remember)                   # and opens one for this device
            flash(_("Your password has been changed. Other sessions were logged out."),
                  "success")
            return redirect(url_for("accounts.profile"))
        password_form.current.errors.append(_("That is not your current password."))
    return _profile_page(form, password_form, 400)


@bp.post("/profile/sessions/end-others")
@login_required
def end_other_sessions():
    """Log the user out on every other device."""
    current_user.end_login_sessions(keep=current_user.current_session)
    db.session.commit()
    flash(_("You have been logged out on every other device."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/language/<code>")
def set_language(code):
    """Switch the interface language (kept in the profile, or a cookie when logged out)."""
    if code not in LANGUAGES:
        code = "en"
    if current_user.is_authenticated:
        current_user.language = code
        db.session.commit()
    response = redirect(safe_next(request.form.get("next"), _home()))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
