"""Every route of the app, in one permission table: who gets what (DESIGN section 3).

ROUTES maps each endpoint to the requests that exercise it, and each request to the
answer every actor class gets. A new route without a row fails
`test_every_route_has_its_row`. The table runs on SQLite and PostgreSQL; a refused POST
must leave the database as it was, an allowed one must change it, and no answer to a
customer (or to nobody logged in) may show an internal note, a hand-off, an internal or
unpublished article, or (to anyone but its requester) another customer's ticket.

Answers: "ok" (a GET answered 2xx, or 3xx to anywhere but the login page), "done" (a POST
answered 2xx/3xx that changed the database), "same" (the same, but nothing changed: nothing
to do), "login" (a redirect to the login page; for a POST, with Flask-Login's "please log
in"), or a status code: 404 (may not see it; admin pages to every other user), 403 (may see
the ticket or article but may not do this to it: the one refusal rule of helpdesk.actions),
405 (a GET where only a POST acts). "-": the actor class does not apply (other_customer,
where nothing is owned). Visitors who are not logged in are asked to log in for every page
that needs a login, staff and admin pages too: before any object is looked up, so nothing
can be probed that way.
"""
from __future__ import annotations

import functools
import html
import itertools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import MethodNotAllowed

from helpdesk.accounts.tokens import make_confirm_token, make_reset_token
from helpdesk.extensions import db, login_manager
from helpdesk.mail_in import pipeline as mail_in
from helpdesk.mail_in.models import ReceivedMail
from helpdesk.notifications.models import MailStatus, OutboxMail
from helpdesk.problems import bulk as problem_bulk
from helpdesk.problems import operations as problem_ops
from helpdesk.problems.models import ProblemStatus
from helpdesk.service_levels.models import SlaCalendar, SlaLevelTarget, SlaPolicy
from helpdesk.tickets import links
from kb import curation, feedback, index, synonyms, training
from kb.evidence_models import ReaderClass, SearchLog, SearchSource
from kb.models import FeedbackKind, Visibility
from tests.factories import PASSWORD, flashes, login_session_id

ACTORS = ("anonymous", "customer", "other_customer", "l1", "l2", "l3", "admin")
STAFF = ("l1", "l2", "l3", "admin")
OK, DONE, SAME, LOGIN, NA = "ok", "done", "same", "login", "-"
NEW_PASSWORD = "violet tractor umbrella 91"

# Text only staff may read, and the requester's ticket subject (only they and staff).
NOTE_TEXT = "Refund approved internally 7f3a"
NOTE_FILE = "internal-notes-8d7c.txt"
HANDOFF_TEXT = "Checked the basics"          # what tests.factories writes into hand-offs
INTERNAL_TITLE = "Internal workaround 9c1e"
DRAFT_TITLE = "Draft known error 4b2d"
REVIEW_TITLE = "Pending review 5e6f"
STAFF_ONLY = (NOTE_TEXT, NOTE_FILE, HANDOFF_TEXT, INTERNAL_TITLE, DRAFT_TITLE, REVIEW_TITLE)
OWNED = "Order 3a1b is missing"


@dataclass(frozen=True)
class Case:
    """One request: `url` and form `data` name world objects ("{ticket1.ref}"), `also` the
    objects that must exist for the answer to mean anything (what must stay hidden).
    `shows`: text the page shows to whoever gets it ("ok"), and `shows_staff` to staff (so
    that what must stay hidden is known to be on the page for those who may see it)."""

    url: str
    answers: dict[str, tuple]
    data: dict[str, str] = field(default_factory=dict)
    also: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()
    shows_staff: tuple[str, ...] = ()


def C(url, *, GET=None, POST=None, data=None,  # noqa: N802, N803 (a table row)
      also=(), shows=(), shows_staff=()):
    answers = {m: a for m, a in (("GET", GET), ("POST", POST)) if a is not None}
    return Case(url, answers, data or {}, also, shows, shows_staff)


def everyone(answer, owned=False):
    return tuple(NA if actor == "other_customer" and not owned else answer
                 for actor in ACTORS)


def admin_only(answer):
    return (LOGIN, 404, NA, 404, 404, 404, answer)


NO_GET, NO_GET_OWNED = everyone(405), everyone(405, owned=True)

_LEVEL_FORM = {"version": "{ticket%d.version}"}


def ticket_case(level, path, *, GET=None, POST=None, data=None, **kwargs):  # noqa: N803
    data = {k: v.replace("%d", str(level)) for k, v in {**_LEVEL_FORM, **(data or {})}.items()}
    return C(f"/tickets/{{ticket{level}.ref}}{path}", GET=GET, POST=POST, data=data, **kwargs)


_REPLY = {"kind": "public", "body": "Thanks, we are on it", "confirmed_public": "y"}
_UPDATE = {"status": "waiting_on_customer", "priority": "high", "category": ""}
_ASSIGN = {"assignee": "{l%d.id}"}
_ESCALATE = {"summary": "Sync job fails", "tried": "Re-ran it", "articles_checked": "none"}
_RETURN = {"to_level": "{below%d}", "summary": "Ask for the order number"}
_MERGE = {"target": "{twin1.ref}"}
_RESOLVE = {"decision": "nothing", "reply": "Fixed, thanks for waiting"}
_ARTICLE = {"title": "Refunds for cancelled orders", "body": "Open the order, then Refund.",
            "language": "en", "visibility": "internal", "category": "", "version": "0"}


def _edit(name, visibility):
    return {**_ARTICLE, "title": "Edited {" + name + ".title}", "visibility": visibility,
            "version": "{" + name + ".version}", "base_revision": "1"}


#         anonymous customer other    l1     l2     l3     admin
ROUTES = {
    # -- accounts ------------------------------------------------------------------------
    "accounts.login": (
        C("/login", GET=everyone(OK), POST=(DONE, SAME, NA, SAME, SAME, SAME, SAME),
          data={"email": "{login_user.email}", "password": PASSWORD}),
    ),
    "accounts.logout": (
        C("/logout", GET=NO_GET, POST=(LOGIN, DONE, NA, DONE, DONE, DONE, DONE)),
    ),
    "accounts.register": (
        C("/register", GET=everyone(OK), POST=(DONE, SAME, NA, SAME, SAME, SAME, SAME),
          data={"name": "New Customer", "email": "{fresh_email}", "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD, "language": "en"}),
    ),
    # The link is the credential: whoever opens it confirms that account and is logged in.
    "accounts.confirm_email": (
        C("/confirm/{confirm_token}", GET=everyone(OK), POST=everyone(DONE)),
        C("/confirm/not-a-token", GET=everyone(LOGIN), POST=everyone(SAME)),
    ),
    # The same answer whether the address has an account or not (mail is off here).
    "accounts.forgot_password": (
        C("/password/forgot", GET=everyone(OK), POST=everyone(SAME),
          data={"email": "{login_user.email}"}),
    ),
    "accounts.reset_password": (
        C("/password/reset/{reset_token}", GET=everyone(OK), POST=everyone(DONE),
          data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        C("/password/reset/not-a-token", GET=everyone(OK), POST=everyone(SAME),
          data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ),
    "accounts.profile": (
        C("/profile", GET=(LOGIN, OK, NA, OK, OK, OK, OK),
          POST=(LOGIN, DONE, NA, DONE, DONE, DONE, DONE),
          data={"name": "Renamed Person", "language": "de"}),
    ),
    "accounts.change_password": (
        C("/profile/password", GET=NO_GET, POST=(LOGIN, DONE, NA, DONE, DONE, DONE, DONE),
          data={"pw-current": PASSWORD, "pw-password": NEW_PASSWORD,
                "pw-confirm": NEW_PASSWORD}),
    ),
    "accounts.end_other_sessions": (
        C("/profile/sessions/end-others", GET=NO_GET,
          POST=(LOGIN, DONE, NA, DONE, DONE, DONE, DONE), also=("second_sessions",)),
    ),
    # Anonymous visitors keep the language in a cookie, users in their profile.
    "accounts.set_language": (
        C("/language/de", GET=NO_GET, POST=(SAME, DONE, NA, DONE, DONE, DONE, DONE)),
    ),
    # -- administration: admins only, 404 to every other user ----------------------------
    "admin.users": (C("/admin/users", GET=admin_only(OK)),),
    "admin.new_user": (
        C("/admin/users/new", GET=admin_only(OK), POST=admin_only(DONE),
          data={"email": "{fresh_email}", "name": "Made by admin", "role": "customer",
                "level": "", "is_active": "y"}),
    ),
    "admin.edit_user": (
        C("/admin/users/{user.id}", GET=admin_only(OK), POST=admin_only(DONE),
          data={"name": "Promoted", "role": "agent", "level": "1", "is_active": "y"}),
    ),
    "admin.categories": (C("/admin/categories", GET=admin_only(OK), also=("category",)),),
    "admin.edit_category": (
        C("/admin/categories/new", GET=admin_only(OK), POST=admin_only(DONE),
          data={"slug": "{fresh_slug}", "name_en": "Returns", "name_de": "Retouren",
                "is_active": "y"}),
        C("/admin/categories/{category.id}", GET=admin_only(OK), POST=admin_only(DONE),
          data={"slug": "{category.slug}", "name_en": "Renamed", "name_de": "Umbenannt",
                "is_active": "y"}),
    ),
    "notifications.mail_outbox": (C("/admin/mail/", GET=admin_only(OK), also=("mail",)),),
    "notifications.retry_mail": (
        C("/admin/mail/{mail.id}/retry", GET=NO_GET, POST=admin_only(DONE)),
    ),
    "notifications.retry_failed": (
        C("/admin/mail/retry-failed", GET=NO_GET, POST=admin_only(DONE), also=("mail",)),
    ),
    # Mail in: the quarantine is the admins'; the original of a mail that reached a ticket
    # is for staff who see the ticket (never for customers, not even the sender).
    "mail_in.quarantine": (
        C("/admin/mail-in/", GET=admin_only(OK), also=("quarantined_mail", "mailed1")),
    ),
    "mail_in.retry": (
        C("/admin/mail-in/{quarantined_mail.id}/retry", GET=NO_GET, POST=admin_only(DONE)),
    ),
    "mail_in.discard": (
        C("/admin/mail-in/{quarantined_mail.id}/discard", GET=NO_GET, POST=admin_only(DONE)),
    ),
    "mail_in.raw_mail": (
        C("/admin/mail-in/{mailed1.id}/raw", GET=(LOGIN, 404, 404, OK, OK, OK, OK)),
        C("/admin/mail-in/{mailed3.id}/raw", GET=(LOGIN, 404, 404, 404, 404, OK, OK)),
        C("/admin/mail-in/{quarantined_mail.id}/raw", GET=admin_only(OK)),
    ),
    "health.healthz": (C("/healthz", GET=everyone(OK), also=("search_index",)),),
    # -- service levels: the rules for admins, the report for levels 2 and 3 too ---------
    "service_levels.settings": (
        C("/admin/service-levels", GET=admin_only(OK), POST=admin_only(DONE), data={
            **{day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": "", "sun": "", "timezone": "Europe/Berlin", "country": "DE",
            "subdivision": "", "closed_dates": "2030-12-24", "version": "{sla_calendar}"}),
    ),
    "service_levels.settings_new_policy": (
        C("/admin/service-levels/policies/new?priority=high&category={category.id}",
          GET=admin_only(OK)),
    ),
    "service_levels.settings_policy": (
        C("/admin/service-levels/policies/urgent/all", GET=admin_only(OK),
          POST=admin_only(DONE), data={"first_response": "1.5", "next_update": "2",
                                       "resolution": "8", "auto_escalate": "y",
                                       "version": "{sla_policy}"}),
        C("/admin/service-levels/policies/high/{category.id}", GET=admin_only(OK),
          POST=admin_only(DONE), data={"first_response": "2", "next_update": "4",
                                       "resolution": "16", "version": "0"}),
    ),
    "service_levels.settings_level": (
        C("/admin/service-levels/levels/2", GET=admin_only(OK), POST=admin_only(DONE),
          data={"take": "1", "answer": "3", "lead": "", "version": "{sla_level}"}),
    ),
    "service_levels.report": (
        C("/sla/report", GET=(LOGIN, 404, NA, 404, OK, OK, OK), also=("ticket1",)),
    ),
    "service_levels.report_csv": (
        C("/sla/report.csv", GET=(LOGIN, 404, NA, 404, OK, OK, OK), also=("ticket1",)),
    ),
    # -- tickets -------------------------------------------------------------------------
    "tickets.home": (C("/", GET=(LOGIN, OK, NA, OK, OK, OK, OK)),),
    "tickets.my_tickets": (
        C("/tickets", GET=(LOGIN, OK, OK, OK, OK, OK, OK), also=("ticket1",)),
    ),
    "tickets.new_ticket": (
        C("/tickets/new", GET=(LOGIN, OK, NA, OK, OK, OK, OK),
          POST=(LOGIN, DONE, NA, DONE, DONE, DONE, DONE),
          data={"subject": "Printer on fire", "body": "Smoke everywhere", "priority": "normal",
                "category": "", "customer_email": "{customer.email}", "channel": "phone"}),
    ),
    "tickets.preview": (
        C("/preview", GET=NO_GET, POST=(LOGIN, SAME, NA, SAME, SAME, SAME, SAME),
          data={"body": "**bold**"}),
    ),
    "tickets.queue": (C("/queue", GET=(LOGIN, 404, NA, OK, OK, OK, OK), also=("ticket1",)),),
    "tickets.show_ticket": (
        ticket_case(1, "", GET=(LOGIN, OK, 404, OK, OK, OK, OK), also=("note1",),
                    shows=(OWNED,), shows_staff=(NOTE_TEXT, NOTE_FILE)),
        ticket_case(2, "", GET=(LOGIN, OK, 404, 404, OK, OK, OK), also=("note2",),
                    shows=(OWNED,), shows_staff=(NOTE_TEXT, HANDOFF_TEXT)),
        ticket_case(3, "", GET=(LOGIN, OK, 404, 404, 404, OK, OK), also=("note3",),
                    shows=(OWNED,), shows_staff=(NOTE_TEXT, HANDOFF_TEXT)),
    ),
    "tickets.download_attachment": (
        C("/attachments/{receipt1}", GET=(LOGIN, OK, 404, OK, OK, OK, OK)),
        C("/attachments/{receipt2}", GET=(LOGIN, OK, 404, 404, OK, OK, OK)),
        C("/attachments/{note_file1}", GET=(LOGIN, 404, 404, OK, OK, OK, OK)),
        C("/attachments/{note_file3}", GET=(LOGIN, 404, 404, 404, 404, OK, OK)),
    ),
    "tickets.add_reply": (
        ticket_case(1, "/messages", GET=NO_GET_OWNED, data=_REPLY,
                    POST=(LOGIN, DONE, 404, DONE, DONE, DONE, DONE)),
        ticket_case(2, "/messages", data=_REPLY,
                    POST=(LOGIN, DONE, 404, 404, DONE, DONE, DONE)),
        ticket_case(3, "/messages", data=_REPLY,
                    POST=(LOGIN, DONE, 404, 404, 404, DONE, DONE)),
    ),
    # Only the requester closes (staff set the status): staff who see the ticket are
    # refused (403), everyone else learns nothing (404).
    "tickets.close_ticket": (
        ticket_case(1, "/close", GET=NO_GET_OWNED, POST=(LOGIN, DONE, 404, 403, 403, 403, 403)),
        ticket_case(3, "/close", POST=(LOGIN, DONE, 404, 404, 404, 403, 403)),
    ),
    "tickets.update": (
        ticket_case(1, "/update", GET=NO_GET_OWNED, data=_UPDATE,
                    POST=(LOGIN, 403, 404, DONE, DONE, DONE, DONE)),
        ticket_case(2, "/update", data=_UPDATE,
                    POST=(LOGIN, 403, 404, 404, DONE, DONE, DONE)),
        ticket_case(3, "/update", data=_UPDATE,
                    POST=(LOGIN, 403, 404, 404, 404, DONE, DONE)),
    ),
    "tickets.take": (
        ticket_case(1, "/take", GET=NO_GET_OWNED, POST=(LOGIN, 403, 404, DONE, 403, 403, 403)),
        ticket_case(2, "/take", POST=(LOGIN, 403, 404, 404, DONE, 403, 403)),
        ticket_case(3, "/take", POST=(LOGIN, 403, 404, 404, 404, DONE, 403)),
    ),
    # To the agent of the ticket's level (for that agent: taking it).
    "tickets.assign_ticket": (
        ticket_case(1, "/assign", GET=NO_GET_OWNED, data=_ASSIGN,
                    POST=(LOGIN, 403, 404, DONE, DONE, DONE, DONE)),
        ticket_case(2, "/assign", data=_ASSIGN,
                    POST=(LOGIN, 403, 404, 404, DONE, DONE, DONE)),
        ticket_case(3, "/assign", data=_ASSIGN,
                    POST=(LOGIN, 403, 404, 404, 404, DONE, DONE)),
    ),
    "tickets.escalate_ticket": (
        ticket_case(1, "/escalate", data=_ESCALATE, GET=(LOGIN, 403, 404, OK, 403, 403, OK),
                    POST=(LOGIN, 403, 404, DONE, 403, 403, DONE)),
        ticket_case(2, "/escalate", data=_ESCALATE, GET=(LOGIN, 403, 404, 404, OK, 403, OK),
                    POST=(LOGIN, 403, 404, 404, DONE, 403, DONE)),
        ticket_case(3, "/escalate", data=_ESCALATE, GET=(LOGIN, 403, 404, 404, 404, 403, 403),
                    POST=(LOGIN, 403, 404, 404, 404, 403, 403)),
    ),
    "tickets.return_ticket": (
        ticket_case(1, "/return", data=_RETURN, GET=(LOGIN, 403, 404, 403, 403, 403, 403),
                    POST=(LOGIN, 403, 404, 403, 403, 403, 403)),
        ticket_case(2, "/return", data=_RETURN, GET=(LOGIN, 403, 404, 404, OK, 403, OK),
                    POST=(LOGIN, 403, 404, 404, DONE, 403, DONE)),
        ticket_case(3, "/return", data=_RETURN, GET=(LOGIN, 403, 404, 404, 404, OK, OK),
                    POST=(LOGIN, 403, 404, 404, 404, DONE, DONE)),
    ),
    # -- merges, related tickets, resolving with the knowledge decision ------------------
    "tickets.merge_ticket": (
        ticket_case(1, "/merge", data=_MERGE, GET=(LOGIN, 403, 404, OK, OK, OK, OK),
                    POST=(LOGIN, 403, 404, DONE, DONE, DONE, DONE)),
        ticket_case(2, "/merge", data=_MERGE, GET=(LOGIN, 403, 404, 404, OK, OK, OK),
                    POST=(LOGIN, 403, 404, 404, DONE, DONE, DONE)),
    ),
    "tickets.link_ticket": (
        ticket_case(1, "/links", data={"other": "{twin1.ref}"}, GET=NO_GET_OWNED,
                    POST=(LOGIN, 403, 404, DONE, DONE, DONE, DONE)),
    ),
    "tickets.unlink_ticket": (
        C("/tickets/{ticket1.ref}/links/{twin1.ref}/remove", GET=NO_GET_OWNED,
          POST=(LOGIN, 403, 404, DONE, DONE, DONE, DONE), also=("related1",)),
    ),
    "tickets.resolve_ticket": (
        ticket_case(1, "/resolve", data=_RESOLVE, GET=(LOGIN, 403, 404, OK, OK, OK, OK),
                    POST=(LOGIN, 403, 404, DONE, DONE, DONE, DONE)),
        ticket_case(3, "/resolve", data=_RESOLVE, GET=(LOGIN, 403, 404, 404, 404, OK, OK),
                    POST=(LOGIN, 403, 404, 404, 404, DONE, DONE)),
    ),
    # -- problems: staff read them and link tickets; level 3 and admins run them ---------
    "problems.problem_list": (
        C("/problems/", GET=(LOGIN, 404, NA, OK, OK, OK, OK), also=("problem",)),
    ),
    "problems.show_problem": (
        C("/problems/{problem.id}", GET=(LOGIN, 404, NA, OK, OK, OK, OK)),
    ),
    "problems.new_problem": (
        C("/problems/new", GET=(LOGIN, 404, NA, OK, OK, OK, OK),
          POST=(LOGIN, 404, NA, DONE, DONE, DONE, DONE),
          data={"title": "Sync broken", "component": "Sync", "description": "Orders hang"}),
        C("/problems/new?ticket={ticket1.ref}", GET=(LOGIN, 404, 404, OK, OK, OK, OK)),
    ),
    "problems.edit": (
        C("/problems/{problem.id}/edit", GET=(LOGIN, 404, NA, 403, 403, OK, OK),
          POST=(LOGIN, 404, NA, 403, 403, DONE, DONE), data={
              "title": "Renamed problem", "component": "Sync", "description": "", "cause": "",
              "workaround": "", "fix_note": "", "owner": "{l3.id}",
              "version": "{problem.version}"}),
    ),
    "problems.set_status": (
        C("/problems/{problem.id}/status", GET=NO_GET,
          POST=(LOGIN, 404, NA, 403, 403, DONE, DONE),
          data={"status": "closed", "version": "{problem.version}"}),
    ),
    # Level 3 takes a problem that is not theirs (an admin gives it to someone instead).
    "problems.take": (
        C("/problems/{problem_proposed.id}/take", GET=NO_GET,
          POST=(LOGIN, 404, NA, 403, 403, DONE, 403),
          data={"version": "{problem_proposed.version}"}),
    ),
    "problems.document": (
        C("/problems/{problem_known.id}/known-error-article", GET=NO_GET,
          POST=(LOGIN, 404, NA, 403, 403, DONE, DONE),
          data={"language": "en", "version": "{problem_known.version}"}),
    ),
    # The owner (level 3 here) or an admin answers all open tickets.
    "problems.answer_all": (
        C("/problems/{problem_known.id}/answer", GET=(LOGIN, 404, NA, 403, 403, OK, OK),
          POST=(LOGIN, 404, NA, 403, 403, DONE, DONE), also=("problem_ticket1",),
          data={"text_en": "Import the orders by hand.", "text_de": ""}),
    ),
    "problems.resume_answer": (
        C("/problems/{bulk_reply.problem_id}/answers/{bulk_reply.id}/resume", GET=NO_GET,
          POST=(LOGIN, 404, NA, 403, 403, DONE, DONE)),
    ),
    "problems.link_page": (
        C("/problems/link/{ticket1.ref}", GET=(LOGIN, 404, 404, OK, OK, OK, OK),
          also=("problem",)),
        C("/problems/link/{ticket3.ref}", GET=(LOGIN, 404, 404, 404, 404, OK, OK)),
    ),
    "problems.link": (
        C("/problems/{problem.id}/tickets", GET=NO_GET,
          POST=(LOGIN, 404, NA, DONE, DONE, DONE, DONE), data={"ticket": "{ticket1.ref}"}),
    ),
    "problems.unlink": (
        C("/problems/tickets/{ticket1.ref}/unlink", GET=NO_GET_OWNED,
          POST=(LOGIN, 404, 404, DONE, DONE, DONE, DONE), also=("problem_ticket1",)),
    ),
    # -- knowledge base ------------------------------------------------------------------
    # (No 405 rows for /kb/articles/<id>/<action>: a GET there is the article page, whose
    # rule takes a slug, and answers as kb.show_article does.)
    "kb.search": (
        C("/kb/", GET=everyone(OK), shows=("Public answer",), shows_staff=(INTERNAL_TITLE,),
          also=("article_internal", "article_draft", "article_review", "article_public")),
        C("/kb/search?q=helpful", GET=everyone(OK), shows=("Public answer",),
          shows_staff=(INTERNAL_TITLE,),
          also=("article_internal", "article_draft", "article_review", "article_public")),
    ),
    # -- knowledge base, evidence: search log, knowledge gaps, effectiveness (level 2) -----
    # A search result opened through the log: the article's own rule, then a redirect.
    "kb.open_result": (
        C("/kb/go/{article_public.id}?q=helpful&s=forged", GET=everyone(OK)),
        C("/kb/go/{article_internal.id}", GET=(404, 404, NA, OK, OK, OK, OK)),
    ),
    "kb.gaps": (
        C("/kb/gaps?days=90", GET=(LOGIN, 404, NA, 404, OK, 404, OK), also=("search_gap",),
          shows_staff=("unfindable zebra",)),
    ),
    "kb.dismiss_gap": (
        C("/kb/gaps/dismiss", GET=NO_GET, POST=(LOGIN, 404, NA, 404, DONE, 404, DONE),
          data={"kind": "search", "key": "{fresh_slug}"}),
        C("/kb/gaps/dismiss", POST=(LOGIN, 404, NA, 404, DONE, 404, DONE),
          data={"kind": "ticket", "key": "{ticket2.id}"}),
        C("/kb/gaps/dismiss", POST=(LOGIN, 404, NA, 404, 404, 404, DONE),
          data={"kind": "ticket", "key": "{ticket3.id}"}),
    ),
    "kb.effectiveness_report": (
        C("/kb/effectiveness?sort=views&days=0", GET=(LOGIN, 404, NA, 404, OK, 404, OK),
          also=("article_public",), shows_staff=("Public answer",)),
    ),
    "kb.effectiveness_csv": (
        C("/kb/effectiveness.csv", GET=(LOGIN, 404, NA, 404, OK, 404, OK),
          also=("article_public",), shows_staff=("Public answer",)),
    ),
    "kb.show_article": (
        C("/kb/articles/{article_public.id}", GET=everyone(OK)),
        C("/kb/articles/{article_internal.id}/{article_internal.slug}",
          GET=(404, 404, NA, OK, OK, OK, OK), shows=(INTERNAL_TITLE,)),
        C("/kb/articles/{article_draft.id}", GET=(404, 404, NA, 404, OK, OK, OK)),
        C("/kb/articles/{article_review.id}", GET=(404, 404, NA, 404, OK, OK, OK)),
    ),
    "kb.new_article": (
        C("/kb/articles/new", GET=(LOGIN, 404, NA, 404, OK, OK, OK),
          POST=(LOGIN, 404, NA, 404, DONE, DONE, DONE), data=_ARTICLE),
    ),
    "kb.edit_article": (
        C("/kb/articles/{article_public.id}/edit", GET=(LOGIN, 403, NA, 403, OK, 403, OK),
          POST=(LOGIN, 403, NA, 403, DONE, 403, DONE), data=_edit("article_public", "public")),
        C("/kb/articles/{article_internal.id}/edit", GET=(LOGIN, 404, NA, 403, OK, 403, OK),
          POST=(LOGIN, 404, NA, 403, DONE, 403, DONE),
          data=_edit("article_internal", "internal")),
        C("/kb/articles/{article_draft.id}/edit", GET=(LOGIN, 404, NA, 404, OK, OK, OK),
          POST=(LOGIN, 404, NA, 404, DONE, DONE, DONE),
          data=_edit("article_draft", "internal")),
    ),
    "kb.article_history": (
        C("/kb/articles/{article_public.id}/history", GET=(LOGIN, 404, NA, 404, OK, OK, OK)),
        C("/kb/articles/{article_draft.id}/history", GET=(LOGIN, 404, NA, 404, OK, OK, OK)),
    ),
    "kb.submit_article": (
        C("/kb/articles/{article_draft.id}/submit", POST=(LOGIN, 404, NA, 404, DONE, DONE, DONE),
          data={"version": "{article_draft.version}"}),
    ),
    "kb.publish_article": (
        C("/kb/articles/{article_review.id}/publish", POST=(LOGIN, 404, NA, 404, DONE, 403, DONE),
          data={"version": "{article_review.version}"}),
    ),
    "kb.send_back_article": (
        C("/kb/articles/{article_review.id}/send-back", POST=(LOGIN, 404, NA, 404, DONE, 403, DONE),
          data={"version": "{article_review.version}"}),
    ),
    "kb.archive_article": (
        C("/kb/articles/{article_public.id}/archive", POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"version": "{article_public.version}"}),
        C("/kb/articles/{article_internal.id}/archive", POST=(LOGIN, 404, NA, 403, DONE, 403, DONE),
          data={"version": "{article_internal.version}"}),
    ),
    "kb.restore_revision": (
        C("/kb/articles/{article_revised.id}/revisions/1/restore", GET=NO_GET,
          POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"version": "{article_revised.version}"}),
    ),
    "kb.add_feedback": (
        C("/kb/articles/{article_public.id}/feedback",
          POST=(LOGIN, 403, NA, DONE, DONE, DONE, DONE),
          data={"kind": "change", "text": "Please update the screenshots"}),
        C("/kb/articles/{article_internal.id}/feedback",
          POST=(LOGIN, 404, NA, DONE, DONE, DONE, DONE),
          data={"kind": "outdated", "text": "The menu moved"}),
    ),
    # Level 3 sees open feedback on the article page (they read drafts) but does not review.
    "kb.resolve_feedback": (
        C("/kb/feedback/{feedback.id}/resolve", GET=NO_GET,
          POST=(LOGIN, 404, NA, 404, DONE, 403, DONE)),
    ),
    "kb.review": (
        C("/kb/review", GET=(LOGIN, 404, NA, 404, OK, 404, OK), also=("feedback",)),
    ),
    "kb.mark_answered": (
        C("/kb/articles/{article_public.id}/answered", POST=everyone(DONE)),
        C("/kb/articles/{article_internal.id}/answered",
          POST=(404, 404, NA, DONE, DONE, DONE, DONE)),
    ),
    # -- knowledge base, curation: translation twins, owners and review dates, ratings -----
    "kb.link_translation": (
        C("/kb/articles/{article_public.id}/translation",
          POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"twin": "{article_german.id}", "version": "{article_public.version}"}),
        C("/kb/articles/{article_internal.id}/translation",
          POST=(LOGIN, 404, NA, 403, DONE, 403, DONE),
          data={"twin": "{article_german.id}", "version": "{article_internal.version}"}),
    ),
    "kb.unlink_translation": (
        C("/kb/articles/{article_linked.id}/translation/unlink",
          POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"version": "{article_linked.version}"}),
    ),
    "kb.confirm_translation": (
        C("/kb/articles/{article_behind.id}/translation/confirm",
          POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"version": "{article_behind.version}"}),
    ),
    "kb.confirm_review": (
        C("/kb/articles/{article_public.id}/review/confirm",
          POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"version": "{article_public.version}"}),
        C("/kb/articles/{article_internal.id}/review/confirm",
          POST=(LOGIN, 404, NA, 403, DONE, 403, DONE),
          data={"version": "{article_internal.version}"}),
    ),
    "kb.set_owner": (
        C("/kb/articles/{article_public.id}/owner", POST=(LOGIN, 403, NA, 403, DONE, 403, DONE),
          data={"owner": "{l2.id}", "review_by": "2031-01-31",
                "version": "{article_public.version}"}),
    ),
    # -- knowledge base, synonyms and required reading (level 2 assigns; agents read) -------
    "kb.synonyms": (
        C("/kb/synonyms", GET=(LOGIN, 404, NA, 404, OK, 404, OK), also=("synonym_group",),
          shows_staff=("Rücksendung",)),
    ),
    "kb.add_synonyms": (
        C("/kb/synonyms/new", GET=NO_GET, POST=(LOGIN, 404, NA, 404, DONE, 404, DONE),
          data={"terms": "{fresh_slug}, Rücksendung"}),
    ),
    "kb.edit_synonyms": (
        C("/kb/synonyms/{synonym_group.id}", GET=NO_GET,
          POST=(LOGIN, 404, NA, 404, DONE, 404, DONE),
          data={"terms": "{fresh_slug}, return", "version": "{synonym_group.version}"}),
    ),
    "kb.delete_synonyms": (
        C("/kb/synonyms/{synonym_group.id}/delete", GET=NO_GET,
          POST=(LOGIN, 404, NA, 404, DONE, 404, DONE),
          data={"version": "{synonym_group.version}"}),
    ),
    "kb.training": (
        C("/kb/training", GET=(LOGIN, 404, NA, 404, OK, 404, OK), also=("reading_l1",),
          shows_staff=("Public answer",)),
    ),
    "kb.assign_reading": (
        C("/kb/training/assign", GET=NO_GET, POST=(LOGIN, 404, NA, 404, DONE, 404, DONE),
          data={"what": "article", "article": "{article_public.id}", "whom": "level",
                "level": "1", "due_on": "2031-01-31"}),
    ),
    "kb.remove_reading": (
        C("/kb/training/{reading_l1.id}/remove", GET=NO_GET,
          POST=(LOGIN, 404, NA, 404, DONE, 404, DONE)),
    ),
    # Agents read what is assigned to them or their level; admins belong to no level.
    "kb.my_reading": (
        C("/kb/reading", GET=(LOGIN, 404, NA, OK, OK, OK, 404), also=("reading_l1",)),
    ),
    "kb.reading_article": (
        C("/kb/reading/{reading_l1.article_id}", GET=(LOGIN, 404, NA, OK, 404, 404, 404),
          shows=("Public answer",)),
    ),
    "kb.confirm_reading": (
        C("/kb/reading/{reading_l1.article_id}/confirm", GET=NO_GET,
          POST=(LOGIN, 404, NA, DONE, 404, 404, 404)),
    ),
    "kb.rate_article": (
        C("/kb/articles/{article_public.id}/rating", POST=everyone(DONE),
          data={"helpful": "no", "comment": "Too short"}),
        C("/kb/articles/{article_internal.id}/rating",
          POST=(404, 404, NA, DONE, DONE, DONE, DONE), data={"helpful": "yes"}),
        C("/kb/articles/{article_draft.id}/rating", POST=(404, 404, NA, 404, 403, 403, 403),
          data={"helpful": "yes"}),
    ),
}

_GET_ANSWERS = {OK, LOGIN, 403, 404, 405, NA}
_POST_ANSWERS = {DONE, SAME, LOGIN, 400, 403, 404, NA}
_OWNED_OBJECTS = ("{ticket", "{receipt", "{note_file", "{mailed")


# -- the table is complete and well-formed --------------------------------------------

class _AnyObject:
    """Stands for any world object when a URL is only matched against the routes."""

    def __getitem__(self, name):
        return self

    def __getattr__(self, name):
        return self

    def __format__(self, spec):
        return "1"


def test_every_route_has_its_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert not sorted(endpoints - set(ROUTES)), (
        f"routes without a row in ROUTES: {sorted(endpoints - set(ROUTES))}")
    assert not sorted(set(ROUTES) - endpoints), (
        f"rows in ROUTES for routes that do not exist: {sorted(set(ROUTES) - endpoints)}")

    # Each URL rule of an endpoint, with each method it takes, is exercised by a case.
    adapter = app.url_map.bind("localhost")
    exercised = set()
    for endpoint, cases in ROUTES.items():
        for case in cases:
            path = urlsplit(case.url.format_map(_AnyObject())).path
            for method, answers in case.answers.items():
                if set(answers) <= {405, NA}:
                    with pytest.raises(MethodNotAllowed):
                        adapter.match(path, method=method)
                    continue
                rule, _args = adapter.match(path, method=method, return_rule=True)
                assert rule.endpoint == endpoint, (case.url, rule.endpoint)
                exercised.add((rule.rule, method))
    methods = {(rule.rule, method) for rule in app.url_map.iter_rules()
               if rule.endpoint != "static"
               for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert not sorted(methods - exercised), (
        f"route methods no case in ROUTES exercises: {sorted(methods - exercised)}")


def test_table_gives_every_actor_an_answer():
    for endpoint, cases in ROUTES.items():
        for case in cases:
            owned = any(marker in case.url for marker in _OWNED_OBJECTS) or (
                endpoint == "tickets.my_tickets")
            for method, answers in case.answers.items():
                where = f"{endpoint} {method} {case.url}"
                assert len(answers) == len(ACTORS), where
                allowed = _GET_ANSWERS if method == "GET" else _POST_ANSWERS
                assert set(answers) <= allowed, where
                for actor, answer in zip(ACTORS, answers, strict=True):
                    applies = actor != "other_customer" or owned
                    assert (answer != NA) is applies, f"{where}: {actor}"


# -- the world the routes act on ------------------------------------------------------

_serial = itertools.count(1)


class World:
    """The actors (each with a logged-in test client) and the objects the routes need,
    built when a case first names them. After a POST acted, the objects it used are built
    anew for the next actor, so every allowed action starts from the same state."""

    def __init__(self, app, make, make_article):
        self.app, self.make, self.make_article = app, make, make_article
        self.actors = {"anonymous": None, "customer": make.user(name="Carla Customer"),
                       "other_customer": make.user(name="Otto Other"),
                       "l1": make.agent(1), "l2": make.agent(2), "l3": make.agent(3),
                       "admin": make.user("admin")}
        self.clients = {}
        self._objects: dict[str, object] = {}
        self._deps: dict[str, set[str]] = {}
        self._building: list[set[str]] = []
        self.used: set[str] = set()

    # -- objects ------------------------------------------------------------------------
    def __getitem__(self, name):
        if name in self.actors:
            return self.actors[name]
        self.used.add(name)
        for outer in self._building:
            outer.add(name)
        if name not in self._objects:
            self._building.append(set())
            try:
                value = self._build(name)
            finally:
                self._deps[name] = self._building.pop()
            db.session.commit()
            self._objects[name] = value
        return self._objects[name]

    def discard(self, names):
        """Forget `names` and everything built from them."""
        names = set(names)
        while names:
            name = names.pop()
            self._objects.pop(name, None)
            names |= {other for other, deps in self._deps.items()
                      if name in deps and other in self._objects}

    def _build(self, name):
        make, level = self.make, name[-1]
        if name.startswith("ticket"):
            return make.ticket(self["customer"], level=int(level), subject=f"{OWNED} ({level})")
        if name.startswith("below"):
            return str(self[f"ticket{level}"].level - 1)
        if name.startswith("receipt"):
            return make.message(self[f"ticket{level}"], self["customer"], "See the receipt",
                                files={"receipt.pdf": b"receipt-bytes"}).attachments[0].id
        if name.startswith("note_file"):
            return self[f"note{level}"].attachments[0].id
        if name.startswith("note"):
            return make.message(self[f"ticket{level}"], self["admin"], NOTE_TEXT,
                                internal=True, files={NOTE_FILE: b"internal-bytes"})
        if name.startswith("twin"):         # another ticket of the customer, same level
            return make.ticket(self["customer"], level=int(level), subject=f"{OWNED} (twin)")
        if name.startswith("related"):
            return links.link(self[f"ticket{level}"], self[f"twin{level}"], by=self["admin"])
        if name in ("problem", "problem_proposed", "problem_known"):
            return self._problem(name)
        if name.startswith("problem_ticket"):
            return problem_ops.link_ticket(self["problem_known"], self[f"ticket{level}"],
                                           by=self["l3"])
        if name == "bulk_reply":        # a reply to all tickets that did not get through
            self["problem_ticket1"]
            return problem_bulk.start(self["problem_known"], by=self["l3"], text_de="",
                                      text_en=f"Import the orders by hand ({next(_serial)}).",
                                      resolve=False)
        n = next(_serial)
        if name == "fresh_email":
            return f"new-{n}@example.com"
        if name == "fresh_slug":
            return f"returns-{n}"
        if name == "login_user":
            return make.user(name="Lena Login")
        if name == "user":
            return make.user(name="Target Customer")
        if name == "category":
            return make.category()
        if name == "confirm_token":
            user = make.user(name="Unconfirmed")
            user.email_confirmed_at = None
            db.session.commit()
            return make_confirm_token(user)
        if name == "reset_token":
            return make_reset_token(make.user(name="Forgetful"))
        if name == "second_sessions":
            for user in self.actors.values():
                if user is not None:
                    login_session_id(user, user_agent="Another device")
            return True
        if name == "search_index":
            return index.rebuild(self.app)
        if name == "search_gap":
            # A logged search nobody found anything for (a gap on level 2's page).
            db.session.add(SearchLog(source=SearchSource.kb, query="unfindable zebra",
                                     key="unfindabl zebra", language="en", hits=0,
                                     reader=ReaderClass.customer))
            return True
        if name.startswith("mailed"):           # the customer's mail into ticket<level>
            ticket, customer = self[f"ticket{name[-1]}"], self["customer"]
            raw = (f"From: {customer.name} <{customer.email}>\r\nTo: support@example.com\r\n"
                   f"Subject: Re: [{ticket.ref}] {OWNED}\r\nMessage-ID: <mailed-{n}@example.org>"
                   "\r\n\r\nOne more detail.\r\n").encode()
            return db.session.get(ReceivedMail, mail_in.receive(raw).received_id)
        if name == "quarantined_mail":          # a new sender's mail, waiting for an admin
            raw = (f"From: Quentin <quentin-{n}@example.org>\r\nTo: support@example.com\r\n"
                   f"Subject: Parcel {n}\r\nMessage-ID: <held-{n}@example.org>\r\n\r\n"
                   "Where is my parcel?\r\n").encode()
            received = mail_in.keep_in_quarantine(raw, reason="held for the test")
            return db.session.get(ReceivedMail, received.received_id)
        if name == "mail":
            mail = OutboxMail(sender="helpdesk@example.com", recipient="someone@example.com",
                              subject="Your ticket", body_text="Hello",
                              message_id=f"<route-{n}@example.com>", status=MailStatus.failed,
                              attempts=5, last_error="550 mailbox unavailable")
            db.session.add(mail)
            return mail
        articles = {"article_public": ("Public answer", "published", "public"),
                    "article_internal": (INTERNAL_TITLE, "published", "internal"),
                    "article_draft": (DRAFT_TITLE, "draft", "internal"),
                    "article_review": (REVIEW_TITLE, "in_review", "public"),
                    "article_revised": ("Revised answer", "published", "public")}
        if name in articles:
            title, status, visibility = articles[name]
            article = self.make_article(f"{title} {n}", status=status, visibility=visibility,
                                        body="Some helpful text.")
            if name == "article_revised":
                curation.revise_article(article, curation.ArticleInput(
                    title=article.title, body="Some more helpful text.",
                    visibility=Visibility.public), by=self.make_article.editor)
            return article
        if name == "article_german":
            return self.make_article(f"Öffentliche Antwort {n}", language="de",
                                     body="Ein hilfreicher Text.")
        if name in ("article_linked", "article_behind"):
            # A linked pair; "behind": the German side, after a new English text.
            english = self.make_article(f"Linked answer {n}", body="Some helpful text.")
            german = self.make_article(f"Verknüpfte Antwort {n}", language="de",
                                       body="Ein hilfreicher Text.")
            curation.link_translation(english, german, by=self.make_article.editor)
            if name == "article_linked":
                return english
            curation.revise_article(english, curation.ArticleInput(
                title=english.title, body="Some newer helpful text.",
                visibility=Visibility.public,
                translation_key=english.translation_key), by=self.make_article.editor)
            return german
        if name in ("sla_calendar", "sla_policy", "sla_level"):
            # The version of the service-level row the form changes (0: not saved yet).
            model, where = {"sla_calendar": (SlaCalendar, SlaCalendar.name == "default"),
                            "sla_policy": (SlaPolicy, SlaPolicy.scope == "urgent:*"),
                            "sla_level": (SlaLevelTarget, SlaLevelTarget.level == 2)}[name]
            return str(db.session.scalar(sa.select(model.version).where(where)) or 0)
        if name == "synonym_group":
            return synonyms.create_group(f"Retoure {n}, Rücksendung, return", by=self["l2"])
        if name == "reading_l1":          # the public article, required reading for level 1
            return training.assign(by=self["l2"], article=self["article_public"], level=1)[0]
        if name == "feedback":
            return feedback.add_feedback(self["article_public"], kind=FeedbackKind.outdated,
                                         text="The screenshots are old", by=self["admin"])
        raise KeyError(name)

    def _problem(self, name):
        """An open problem of level 3's; a proposed one (level 1's, no owner); a known
        error with its workaround."""
        if name == "problem_proposed":
            return problem_ops.create_problem(problem_ops.ProblemInput(
                title="Proposed problem", component="Sync"), by=self["l1"])
        problem = problem_ops.create_problem(problem_ops.ProblemInput(
            title="Sync problem", component="Sync", description="Orders hang"), by=self["l3"])
        if name == "problem_known":
            problem_ops.edit_problem(problem, problem_ops.ProblemInput(
                title=problem.title, component=problem.component,
                description=problem.description), by=self["l3"],
                workaround="Import the orders by hand.", fix_note="")
            problem_ops.change_status(problem, ProblemStatus.known_error, by=self["l3"])
        return problem

    # -- clients ------------------------------------------------------------------------
    def client(self, actor):
        """The actor's test client, logged in with a login session of its own."""
        if actor not in self.clients:
            client = self.app.test_client()
            user = self.actors[actor]
            if user is not None:
                with client.session_transaction() as session:
                    session["_user_id"] = login_session_id(user)
                    session["_fresh"] = True
            self.clients[actor] = client
        return self.clients[actor]


# Columns an action changes in place (no new row, no version): role, name, password, ...
_IN_PLACE = {
    "user": ("id", "name", "role", "level", "language", "is_active_account",
             "email_confirmed_at", "password_hash"),
    "category": ("id", "slug", "name_en", "name_de", "is_active"),
    "mail_outbox": ("id", "status", "attempts"),
    "mail_in_received": ("id", "status", "attempts"),
    "kb_article_feedback": ("id", "resolved_at"),
}


@functools.cache
def _fingerprint_queries() -> tuple:
    tables = {table.name: table for table in db.metadata.sorted_tables}
    totals = sa.union_all(*(
        sa.select(sa.literal_column(f"'{table.name}'"), sa.func.count(),
                  sa.func.coalesce(sa.func.max(table.c.id), 0),
                  sa.func.coalesce(sa.func.sum(table.c.version), 0) if "version" in table.c
                  else sa.literal_column("0"))
        for table in tables.values()))
    rows = tuple(sa.select(*(tables[name].c[c] for c in columns)).order_by(tables[name].c.id)
                 for name, columns in _IN_PLACE.items())
    return (totals, *rows)


def fingerprint() -> tuple:
    """What a refused request must leave alone: the row count, the highest id and the sum
    of the versions of every table, and the columns an action changes in place."""
    db.session.commit()         # (a new transaction sees what the last request committed)
    found = tuple(sorted(tuple(row) for row in db.session.execute(query))
                  for query in _fingerprint_queries())
    db.session.commit()
    return found


def _asked_to_log_in(client, response, method) -> bool:
    """Whether the answer sends the user to log in first. (A POST may lead to the login
    page when it is done, as logging out or "we sent you a link" do: a refusal is
    Flask-Login's, with its "please log in".)"""
    if response.status_code not in (302, 303):
        return False
    if urlsplit(response.headers["Location"]).path != "/login":
        return False
    return method == "GET" or ("info", str(login_manager.login_message)) in flashes(client)


def _check(answer, response, asked_to_log_in, changed, where):
    status = response.status_code
    location = urlsplit(response.headers.get("Location", "")).path
    if answer == LOGIN:
        assert asked_to_log_in, f"{where}: {status} {location}, expected a log-in request"
    elif answer in (OK, DONE, SAME):
        assert 200 <= status < 400 and not asked_to_log_in, f"{where}: {status} {location}"
    else:
        assert status == answer, f"{where}: {status} {location}, expected {answer}"
    if changed is not None:
        assert changed is (answer == DONE), (
            f"{where}: the database {'changed' if changed else 'did not change'}")


def _check_text(case, actor, answer, response, where):
    """Nothing hidden from `actor` is in the answer; what the case shows is."""
    if response.mimetype not in ("text/html", "application/json", "text/plain"):
        return
    text = html.unescape(response.get_data(as_text=True))
    if answer == OK:
        expected = case.shows + (case.shows_staff if actor in STAFF else ())
        assert not [t for t in expected if t not in text], f"{where}: {expected} not shown"
    if actor not in STAFF:
        hidden = STAFF_ONLY + ((OWNED,) if actor != "customer" else ())
        shown = [secret for secret in hidden if secret in text]
        assert not shown, f"{where} shows {actor} {shown}"


@pytest.fixture
def app_config(app_config):
    # Who may do what; mail is tested elsewhere (and would change the outbox meanwhile).
    return {**app_config, "MAIL_SUPPRESS": True, "MAIL_SEND_IN_BACKGROUND": False}


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_answers_every_actor_as_the_table_says(app, make, make_article, endpoint):
    world = World(app, make, make_article)
    for case in ROUTES[endpoint]:
        for method in sorted(case.answers):          # GET before POST
            for actor, answer in zip(ACTORS, case.answers[method], strict=True):
                if answer == NA:
                    continue
                world.used.clear()
                url = case.url.format_map(world)
                data = {k: v.format_map(world) for k, v in case.data.items()}
                for name in case.also:
                    world[name]
                client = world.client(actor)
                where = f"{method} {url} as {actor}"
                before = fingerprint() if method == "POST" else None
                response = client.open(url, method=method,
                                       data=data if method == "POST" else None)
                changed = fingerprint() != before if method == "POST" else None
                _check(answer, response, _asked_to_log_in(client, response, method), changed,
                       where)
                _check_text(case, actor, answer, response, where)
                if changed:
                    # The next actor gets objects nobody acted on, and this one a new login.
                    world.discard(world.used)
                    world.clients.pop(actor)
