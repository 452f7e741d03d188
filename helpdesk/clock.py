"""The one source of the current time, so tests and SLA maths agree on it."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (the database stores UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)
