"""The knowledge loop's evidence pages on the KB blueprint: opening a search result
(logged), the knowledge-gaps page with its "dismiss" action, the article-effectiveness
report and its CSV; and the hooks that feed them (article views, new-ticket filings).

Level 2 and admins (`kb.permissions.can_review`) see the gaps and the report; everyone
else gets 404, like the review list.
"""
from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from helpdesk import registry, signals
from helpdesk.actions import ButtonForm, run_action
from helpdesk.extensions import db
from kb import bp, effectiveness, gaps, search_log
from kb import permissions as perms
from kb.evidence_models import GapKind

log = logging.getLogger(__name__)

REPORT_ROWS = 300          # the page shows this many; the CSV has every article


def init_app(app: Flask) -> None:
    """Settings, navigation, template helpers and receivers of the evidence part."""
    app.config.setdefault("KB_SEARCH_LOG_DAYS", 90)       # `kb prune-searches` keeps these
    app.config.setdefault("KB_GAP_MAX_HITS", 1)           # a search with at most this many
    app.config.setdefault("KB_GAP_RECHECK", 40)           # gaps run again per page, at most
    app.config.setdefault("KB_EFFECTIVENESS_BOOST", 0.15)  # ticket-page suggestions
    app.config.setdefault("KB_EFFECTIVENESS_CACHE", 600)   # seconds
    registry.add(app, registry.NAV_ITEMS, nav_items)
    registry.connect(app, signals.ticket_created, on_ticket_created)
    registry.add(app, registry.DEMO_SEEDERS, seed_demo_evidence)
    app.jinja_env.globals["kb_effectiveness"] = effectiveness_for_editors
    app.jinja_env.globals["kb_result_url"] = result_url


def seed_demo_evidence(*, users: dict, categories: dict) -> None:
    from kb.evidence_demo import seed

    seed(users=users, categories=categories)


def nav_items(user) -> list[dict]:
    if not perms.can_review(user):
        return []
    return [{"url": url_for("kb.gaps"), "label": _("Knowledge gaps"), "prefix": "kb.gaps"}]


def result_url(article_id: int, query: str | None = None, ref: str | None = None) -> str:
    """A search result's link: through the logged opening when the search was logged."""
    if ref:
        return url_for("kb.open_result", article_id=article_id, s=ref, q=query or None)
    return url_for("kb.show_article", article_id=article_id, q=query or None)


def effectiveness_for_editors(article) -> effectiveness.Effectiveness | None:
    """The article page's effectiveness box: editors only."""
    if not perms.is_editor(current_user):
        return None
    return effectiveness.for_article(article)


# -- hooks ----------------------------------------------------------------------------------

@bp.after_request
def _count_article_view(response: Response) -> Response:
    """An article page read (not by an editor at work) is one view for today."""
    if (request.endpoint == "kb.show_article" and request.method == "GET"
            and response.status_code == 200 and not perms.is_editor(current_user)):
        effectiveness.count_view(request.view_args["article_id"])
    return response


def on_ticket_created(ticket, **_extra) -> None:
    """Receiver of `ticket_created`: the new-ticket form carries the references of the
    searches made while its subject was typed; those were filed anyway."""
    if not has_request_context() or request.method != "POST":
        return
    refs = request.form.get("kb_searches")
    if not refs:
        return
    try:
        with db.session.begin_nested():
            search_log.mark_filed(refs)
    except SQLAlchemyError:
        log.warning("could not mark the new-ticket searches as filed", exc_info=True)


# -- opening a search result ----------------------------------------------------------------

@bp.get("/go/<int:article_id>")
def open_result(article_id):
    """Follow a search result: note that it was opened, then show the article.

    The target is always the article page (never a URL from the request), so this
    cannot send anyone elsewhere; an unknown or forged `s` only goes unrecorded.
    """
    from kb.views import get_readable_article_or_404

    article = get_readable_article_or_404(article_id)
    search_log.record_open(request.args.get("s"), article.id)
    query = " ".join((request.args.get("q") or "").split())[:200]
    return redirect(url_for("kb.show_article", article_id=article.id, q=query or None))


# -- knowledge gaps -------------------------------------------------------------------------

def _editors_only() -> None:
    if not perms.can_review(current_user):
        abort(404)


def _period(choices: tuple[int, ...], default: int) -> int:
    days = request.args.get("days", default, type=int)
    return days if days in choices else default


class DismissForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    key = HiddenField(validators=[DataRequired(), Length(max=200)])
    days = HiddenField()


@bp.get("/gaps", endpoint="gaps")
@login_required
def gaps_page():
    _editors_only()
    days = _period(gaps.PERIODS, 30)
    return render_template(
        "kb/gaps.html", days=days, periods=gaps.PERIODS,
        search_gaps=gaps.search_gaps(days=days), ticket_gaps=gaps.ticket_gaps(
            current_user, days=days), dismissed=gaps.dismissals(),
        max_hits=int(current_app.config["KB_GAP_MAX_HITS"]), form=ButtonForm(formdata=None))


def _gap_to_dismiss():
    """The gap the form names: a search key, or a ticket the user sees (else 404)."""
    _editors_only()
    kind = request.form.get("kind")
    if kind == GapKind.ticket:
        ticket = gaps.visible_ticket(current_user, request.form.get("key"))
        if ticket is None:
            abort(404)
        return GapKind.ticket, str(ticket.id), ticket.ref
    if kind == GapKind.search:
        wording = search_log.normalise(request.form.get("key") or "")
        key = search_log.stem_key(wording)
        if key:
            return GapKind.search, key, wording
    abort(404)


@bp.post("/gaps/dismiss")
@login_required
def dismiss_gap():
    def done(_gap, dismissed):
        flash(_("Dismissed: this gap is no longer listed.") if dismissed
              else _("This gap was already dismissed."), "success")
        days = request.form.get("days", type=int)
        return redirect(url_for("kb.gaps", days=days if days in gaps.PERIODS else None))
    return run_action(_gap_to_dismiss,
                      lambda gap, _form: gaps.dismiss(*gap[:2], label=gap[2], by=current_user),
                      form=DismissForm(), done=done)


# -- effectiveness ---------------------------------------------------------------------------

def _report_args() -> tuple[int | None, str, bool]:
    days = request.args.get("days", 90, type=int)
    days = days if days in effectiveness.PERIODS else None if days == 0 else 90
    sort = request.args.get("sort", "uses")
    sort = sort if sort in effectiveness.SORT_KEYS else "uses"
    descending = request.args.get("dir", "asc" if sort == "title" else "desc") != "asc"
    return days, sort, descending


@bp.get("/effectiveness")
@login_required
def effectiveness_report():
    _editors_only()
    days, sort, descending = _report_args()
    rows = effectiveness.report(days=days, sort=sort, descending=descending)
    return render_template("kb/effectiveness.html", rows=rows[:REPORT_ROWS], total=len(rows),
                           days=days, sort=sort, descending=descending,
                           periods=effectiveness.PERIODS)


@bp.get("/effectiveness.csv")
@login_required
def effectiveness_csv():
    _editors_only()
    days, sort, descending = _report_args()
    rows = effectiveness.report(days=days, sort=sort, descending=descending)
    return Response(effectiveness.to_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=kb-effectiveness.csv"})
