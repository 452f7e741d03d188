"""Forms of the service-level administration: the calendar, a policy, a level's targets."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from helpdesk.actions import VersionedForm, optional_id
from helpdesk.service_levels.working_time import (
    WEEKDAYS,
    BusinessCalendar,
    CalendarError,
    _supported_countries,
)

WEEKDAY_LABELS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"),
                  "thu": _l("Thursday"), "fri": _l("Friday"), "sat": _l("Saturday"),
                  "sun": _l("Sunday")}
_RANGE = re.compile(r"^\s*(\d{1,2}:\d\d)\s*[-–]\s*(\d{1,2}:\d\d)\s*$")
HOURS_HINT = _l("For example 08:00-18:00, or 08:00-12:00, 13:00-18:00. Empty: closed.")
MAX_HOURS = 10_000


def _hours_field(day: str) -> StringField:
    return StringField(WEEKDAY_LABELS[day], validators=[Optional(), Length(max=200)])


class CalendarForm(VersionedForm):
    """The business calendar as an admin types it."""

    mon = _hours_field("mon")
    tue = _hours_field("tue")
    wed = _hours_field("wed")
    thu = _hours_field("thu")
    fri = _hours_field("fri")
    sat = _hours_field("sat")
    sun = _hours_field("sun")
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    country = StringField(_l("Public holidays of (country code)"),
                          validators=[Optional(), Length(max=8)])
    subdivision = StringField(_l("Region (optional)"), validators=[Optional(), Length(max=12)])
    closed_dates = TextAreaField(_l("Further closed days"),
                                 validators=[Optional(), Length(max=20_000)])

    @classmethod
    def initial(cls, calendar: BusinessCalendar, version: int) -> CalendarForm:
        data = calendar.to_dict()
        values: dict[str, Any] = {day: ", ".join(f"{a}-{b}" for a, b in data["hours"][day])
                                  for day in WEEKDAYS}
        values.update(timezone=data["timezone"], country=data["country"] or "",
                      subdivision=data["subdivision"] or "",
                      closed_dates="\n".join(data["closed_dates"]), version=str(version))
        return cls(formdata=None, data=values)

    def calendar(self) -> BusinessCalendar | None:
        """The calendar the form describes, or None with the errors on the fields."""
        hours: dict[str, list[list[str]]] = {}
        valid = True
        for day in WEEKDAYS:
            field = self[day]
            hours[day] = []
            for part in (field.data or "").split(","):
                if not part.strip():
                    continue
                match = _RANGE.match(part)
                if match is None:
                    field.errors.append(_l("“%(text)s” is not a time range such as "
                                           "08:00-18:00.", text=part.strip()))
                    valid = False
                    continue
                hours[day].append([_two_digit(match[1]), _two_digit(match[2])])
        dates = [line.strip() for line in re.split(r"[\n,;]", self.closed_dates.data or "")
                 if line.strip()]
        if not valid:
            return None
        try:
            return BusinessCalendar.from_dict({
                "hours": hours, "timezone": (self.timezone.data or "").strip(),
                "country": (self.country.data or "").strip().upper() or None,
                "subdivision": (self.subdivision.data or "").strip().upper() or None,
                "closed_dates": dates})
        except CalendarError as exc:
            self._place(exc, dates)
            return None

    def _place(self, exc: CalendarError, dates: list[str]) -> None:
        where = exc.field
        if where.startswith("hours."):
            day = where.split(".")[1].split("[")[0]
            self[day].errors.append(_l(
                "These opening hours must be in order, must not overlap, and each must "
                "close after it opens (24:00 is midnight)."))
        elif where == "hours":
            self.mon.errors.append(_l("At least one weekday needs opening hours."))
        elif where == "timezone":
            self.timezone.errors.append(_l("Unknown time zone: use a name such as "
                                           "Europe/Berlin."))
        elif where == "country":
            self.country.errors.append(_l("No public holidays are known for this country: "
                                          "use a code such as DE, or leave it empty."))
        elif where == "subdivision":
            country = (self.country.data or "").strip().upper()
            known = ", ".join(_supported_countries().get(country, ())) or "—"
            self.subdivision.errors.append(_l("This country has no such region. Its regions "
                                              "are: %(codes)s.", codes=known))
        else:
            index = int(re.sub(r"\D", "", where) or 0)
            text = dates[index] if index < len(dates) else ""
            self.closed_dates.errors.append(_l("“%(text)s” is not a date (YYYY-MM-DD).",
                                               text=text))


def _two_digit(text: str) -> str:
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


def _hours(label) -> DecimalField:
    return DecimalField(label, places=2, validators=[
        DataRequired(), NumberRange(min=0.01, max=MAX_HOURS)])


class PolicyForm(VersionedForm):
    """One policy's targets, in working hours."""

    first_response = _hours(_l("First response within (working hours)"))
    next_update = _hours(_l("Next update within (working hours)"))
    resolution = _hours(_l("Resolution within (working hours)"))
    auto_escalate = BooleanField(_l("Escalate to the next level when the first response "
                                    "is late"))


class LevelForm(VersionedForm):
    """A level's internal targets and who hears of its breaches."""

    take = _hours(_l("Taken within (working hours)"))
    answer = _hours(_l("Answered within (working hours)"))
    lead = SelectField(_l("Lead told of missed deadlines"), coerce=optional_id,
                       validators=[Optional()])
