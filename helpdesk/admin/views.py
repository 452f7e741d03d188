"""Administration: users (role, support level, active) and categories."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.accounts.decorators import admin_required
from helpdesk.accounts.models import Role, User
from helpdesk.accounts.operations import EmailTaken, create_user, set_role
from helpdesk.accounts.queries import find_users
from helpdesk.admin import bp
from helpdesk.admin.forms import CategoryForm, NewUserForm, UserForm
from helpdesk.extensions import db
from helpdesk.tickets.categories import all_categories
from helpdesk.tickets.models import Category


@bp.get("/users")
@admin_required
def users():
    text = request.args.get("q", "").strip()[:100]
    return render_template("admin/users.html", users=find_users(text), q=text)


def _apply_role(form: UserForm, user: User) -> None:
    set_role(user, role=Role(form.role.data),
             level=int(form.level.data) if form.level.data else None,
             active=form.is_active.data)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = NewUserForm(is_active=True)
    if form.validate_on_submit():
        try:
            user = create_user(email=form.email.data, name=form.name.data,
                               password=form.password.data or None)
        except EmailTaken:
            db.session.rollback()
            form.email.errors.append(_("An account with this e-mail already exists."))
        else:
            _apply_role(form, user)
            db.session.commit()
            flash(_("The user has been created."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user, is_active=user.is_active_account,
                    level=str(user.level or ""), role=user.role.value,
                    editing_self=user.id == current_user.id)
    if form.validate_on_submit():
        _apply_role(form, user)
        user.name = form.name.data.strip()
        db.session.commit()
        flash(_("The user has been saved."), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.get("/categories")
@admin_required
def categories():
    return render_template("admin/categories.html", categories=all_categories())


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def edit_category(category_id):
    category = db.session.get(Category, category_id) if category_id else Category()
    if category is None:
        abort(404)
    form = CategoryForm(obj=category, category_id=category.id)
    if form.validate_on_submit():
        form.populate_obj(category)
        db.session.add(category)
        db.session.commit()
        flash(_("The category has been saved."), "success")
        return redirect(url_for("admin.categories"))
    return render_template("admin/category_form.html", form=form, category=category)
