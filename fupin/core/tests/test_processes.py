"""A generator run in a spawned worker process: items, errors (translatable, in the reader's language), early
closing and a worker that dies."""

import os
import pickle

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ServiceError
from fupin.core.processes import WorkerFailed, dumps, iterate_in_process


def squares(count: int):
    for number in range(count):
        yield number * number, _("A value is required.")


def fails_after(count: int):
    yield from range(count)
    raise ServiceError(_("No village has the code %(code)s."), code="533301999999")


def dies():
    yield 1
    os._exit(3)


def test_items_arrive_in_order_with_their_translatable_messages():
    items = list(iterate_in_process(squares, 5))
    assert [number for number, _message in items] == [0, 1, 4, 9, 16]
    with translation.override("en"):
        assert str(items[0][1]) == "A value is required."
    with translation.override("zh-hans"):
        assert str(items[0][1]) != "A value is required."


def test_an_error_in_the_worker_is_raised_here_with_its_message_and_parameters():
    received = []
    with pytest.raises(ServiceError) as raised:
        for item in iterate_in_process(fails_after, 3):
            received.append(item)
    assert received == [0, 1, 2]
    with translation.override("en"):
        assert str(raised.value) == "No village has the code 533301999999."


def test_a_worker_that_dies_is_reported_not_waited_for():
    with pytest.raises(WorkerFailed, match="exit code 3"):
        list(iterate_in_process(dies))


def test_closing_early_stops_the_worker():
    items = iterate_in_process(squares, 10**9)
    assert next(items)[0] == 0
    items.close()  # the finally of the generator terminates and joins the worker: returning at all is the test


def test_lazy_messages_unpickle_without_a_class_each():
    messages = pickle.loads(dumps([_("A value is required.") for _index in range(1000)]))
    assert len({type(message) for message in messages}) == 1
    with translation.override("en"):
        assert {str(message) for message in messages} == {"A value is required."}


def test_fewer_collections_restores_the_thresholds_after_the_last_of_overlapping_jobs():
    import gc

    from fupin.core.processes import BULK_THRESHOLDS, fewer_collections

    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold() == BULK_THRESHOLDS != before
    first.__exit__(None, None, None)  # the jobs of two threads need not end in the order they began
    assert gc.get_threshold() == BULK_THRESHOLDS != before
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
