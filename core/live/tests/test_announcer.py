"""The announcer thread: commit order, and one database connection while busy."""

import threading

import pytest
from django.db import connection

from live import announcer as announcer_module
from live.announcer import Announcer

pytestmark = pytest.mark.django_db(transaction=True)


def connection_in_use():
    """The DB-API connection of the calling thread, after a query on it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.connection


class ClosingSpy:
    """Django's connections, noting when the announcer gives them back."""

    def __init__(self, real):
        self.real = real
        self.closed = threading.Event()

    def close_all(self):
        self.real.close_all()
        self.closed.set()


def test_it_keeps_its_connection_between_events_and_gives_it_back_when_idle(
    monkeypatch,
):
    spy = ClosingSpy(announcer_module.connections)
    monkeypatch.setattr(announcer_module, "connections", spy)
    delivered = []
    announcer = Announcer(lambda message, loop: delivered.append(message), 0.5)
    used = []
    for number in range(5):
        announcer.submit(lambda: used.append(connection_in_use()), f"event {number}")
        assert announcer.flush()  # the queue runs empty between events
    assert len(used) == 5 and len({id(c) for c in used}) == 1

    assert spy.closed.wait(10)  # idle past the period: given back
    closed = threading.Event()
    announcer.submit(
        lambda: closed.set() if connection.connection is None else None, "check"
    )
    assert announcer.release()
    assert closed.is_set()


def test_messages_are_delivered_in_the_order_submitted():
    delivered = []
    announcer = Announcer(lambda message, loop: delivered.append(message), 0.5)
    for number in range(20):
        announcer.submit(lambda number=number: number, f"event {number}")
    assert announcer.release()
    assert delivered == list(range(20))


def test_streams_that_go_first_pass_public_events_waiting_in_the_queue():
    delivered = []
    announcer = Announcer(lambda message, loop: delivered.append(message), 0.5)
    started, gate = threading.Event(), threading.Event()

    def busy():
        started.set()
        gate.wait(5)
        return "busy"

    announcer.submit(busy, "a render under way")
    assert started.wait(5)
    for name, priority in [("public 1", 0), ("staff 1", 1), ("public 2", 0)]:
        announcer.submit(lambda name=name: name, name, priority)
    announcer.submit(lambda: "staff 2", "staff 2", 1)
    gate.set()
    assert announcer.flush()
    assert delivered == ["busy", "staff 1", "staff 2", "public 1", "public 2"]
