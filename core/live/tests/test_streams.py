"""What a stream says about itself when it does not say: public streams keep
their sockets on logout and go after the others; explicit values win."""

from live.streams import CLOSE, FIRST, KEEP, LATER, Stream, everyone


def members_only(user):
    return user.is_authenticated


def stream(**fields):
    return Stream(name="toy", topics=lambda scope: ("toy",), **fields)


def test_a_public_stream_keeps_its_sockets_and_goes_later():
    public = stream(may_join=everyone)
    assert not public.revoked_by_logout
    assert public.level == LATER


def test_a_checked_stream_closes_on_revocation_and_goes_first():
    checked = stream(may_join=members_only)
    assert checked.revoked_by_logout
    assert checked.level == FIRST


def test_a_stream_may_say_otherwise():
    assert stream(may_join=everyone, revocation=CLOSE).revoked_by_logout
    assert not stream(may_join=members_only, revocation=KEEP).revoked_by_logout
    assert stream(may_join=everyone, priority=5).level == 5


def test_its_subscriptions_are_its_topics():
    toy = stream(may_join=everyone)
    assert toy.subscriptions({}) == [(toy, "toy")]
