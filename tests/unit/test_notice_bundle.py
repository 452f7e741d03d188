"""Staff notices bundled per recipient (helpdesk.notice_bundle): sent once per recipient
when the block ends, dropped when it fails, and dropped with a savepoint that failed."""
from __future__ import annotations

import pytest

from helpdesk import notice_bundle


def _collector():
    sent = []
    return sent, lambda recipient, notices: sent.append((recipient, notices))


def test_notices_go_to_each_recipient_in_one_group_when_the_block_ends():
    sent, send = _collector()
    with notice_bundle.bundled() as bundle:
        for recipient, notice in (("ann", 1), ("bob", 2), ("ann", 3)):
            notice_bundle.current().add(send, recipient, notice)
        assert sent == []                            # nothing before the end
        assert notice_bundle.current() is bundle
    assert sent == [("ann", [1, 3]), ("bob", [2])]
    assert notice_bundle.current() is None


def test_a_failed_block_sends_nothing():
    sent, send = _collector()
    with pytest.raises(RuntimeError), notice_bundle.bundled():
        notice_bundle.current().add(send, "ann", 1)
        raise RuntimeError("the transaction rolls back")
    assert sent == []
    assert notice_bundle.current() is None


def test_a_bundle_inside_a_bundle_leaves_the_sending_to_the_outer_one():
    sent, send = _collector()
    with notice_bundle.bundled() as outer:
        with notice_bundle.bundled() as inner:
            assert inner is outer
            notice_bundle.current().add(send, "ann", 1)
        assert sent == []
        notice_bundle.current().add(send, "ann", 2)
    assert sent == [("ann", [1, 2])]


def test_a_savepoint_that_fails_drops_only_its_own_notices():
    sent, send = _collector()
    with notice_bundle.bundled():
        notice_bundle.current().add(send, "ann", "breach")
        with pytest.raises(ValueError), notice_bundle.savepoint():
            notice_bundle.current().add(send, "bob", "escalation that rolled back")
            raise ValueError("stale")
        with notice_bundle.savepoint():
            notice_bundle.current().add(send, "bob", "escalation")
    assert sent == [("ann", ["breach"]), ("bob", ["escalation"])]


def test_outside_a_bundle_a_savepoint_changes_nothing():
    with pytest.raises(ValueError), notice_bundle.savepoint():
        raise ValueError
    assert notice_bundle.current() is None
