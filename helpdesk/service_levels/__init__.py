"""Service levels: targets measured in working time (issue 9).

A feature package on the tickets layer. `working_time` is the pure arithmetic the SLA clock
builds on: business calendars (opening hours per weekday in a time zone, public holidays,
extra closed days) and adding or measuring working time with pauses. It uses no database and
no Flask.
"""
