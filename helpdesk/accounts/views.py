"""Login, logout, registration, password reset and the profile page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from helpdesk.accounts import bp, throttle
from helpdesk.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from helpdesk.accounts.operations import EmailTaken, create_user, find_user
from helpdesk.accounts.tokens import user_for_reset_token
from helpdesk.config import LANGUAGES
from helpdesk.extensions import db, limiter
from helpdesk.signals import password_reset_requested


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
        user = find_user(email)
        if user is None or not user.is_active or not user.check_password(form.password.data):
            throttle.record_failure(email, ip)
            db.session.commit()
            flash(_("E-mail or password is wrong."), "error")
            return render_template("accounts/login.html", form=form), 200
        throttle.clear_failures(email)
        db.session.commit()
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next"), _home()))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
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
        try:
            user = create_user(email=form.email.data, name=form.name.data,
                               password=form.password.data, language=form.language.data,
                               shop_name=form.shop_name.data)
        except EmailTaken:
            form.email.errors.append(_("An account with this e-mail already exists. "
                                       "Log in or reset your password."))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_home())
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


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
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        throttle.clear_failures(user.email)
        db.session.commit()
        flash(_("Your password has been changed. Please log in."), "success")
        logout_user()
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.language = form.language.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.post("/profile/password")
@login_required
def change_password():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        if current_user.check_password(password_form.current.data):
            current_user.set_password(password_form.password.data)
            db.session.commit()
            # the new session token keeps this login alive (the user, not the proxy: storing
            # the proxy as the request's user makes every later current_user recurse)
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions were logged out."),
                  "success")
            return redirect(url_for("accounts.profile"))
        password_form.current.errors.append(_("That is not your current password."))
    return render_template("accounts/profile.html", form=form, password_form=password_form), 400


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
