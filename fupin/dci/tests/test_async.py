"""Asynchronous search (ACK, then on-search to the registered URL, queued as a job and retried), transaction
status (sync and async), subscribe / unsubscribe and the notifications an import sends to subscribers."""

import uuid

import pytest

from fupin.core.files.tabular import csv_text
from fupin.dci import services
from fupin.dci.models import Subscription
from fupin.jobs.models import Job, JobStatus
from fupin.registry.importing import households_import
from fupin.testing.factories import id_number, system_user

from .support import Dci, group_ids, predicate, validate_callback

H1, H4 = "533301/533301102201001", "533323/533323101201001"
BY_ID = {"query_type": "idtype-value", "query": {"type": "UIN", "value": "533301196001010013"}}


def run(capture, send):
    """Send, then run what the commit queued (jobs and the callbacks they post), and forget the hooks as a real
    commit does (the test's transaction never commits; fupin.dci.apps queues one notification run per commit)."""
    from django.db import connection

    with capture(execute=True):
        result = send()
    connection.run_on_commit.clear()
    return result


def test_async_search_acknowledges_then_calls_back(world, callbacks, django_capture_on_commit_callbacks):
    dci = Dci(callback_uri=callbacks.url)
    status, ack = run(django_capture_on_commit_callbacks, lambda: dci.search(BY_ID, sync=False))
    assert status == 200 and ack["message"]["ack_status"] == "ACK"
    [(path, body)] = callbacks.received
    assert path == "/spmis/registry/on-search"
    validate_callback("/registry/on-search", body)
    assert body["header"]["action"] == "on-search" and body["header"]["status"] == "succ"
    assert body["message"]["correlation_id"] == ack["message"]["correlation_id"]
    assert group_ids(body) == [H1]
    assert Job.objects.filter(kind="dci.search", status=JobStatus.SUCCEEDED).count() == 1
    assert Job.objects.filter(kind="dci.deliver", status=JobStatus.SUCCEEDED).count() == 1


def test_the_callback_goes_to_the_sender_uri_only_under_the_registered_url(world, callbacks,
                                                                           django_capture_on_commit_callbacks):
    dci = Dci(callback_uri=callbacks.url)
    header = dci.header("search", 1, sender_uri=callbacks.url + "/v1/on-search")
    run(django_capture_on_commit_callbacks, lambda: dci.search(BY_ID, sync=False, header=header))
    assert [path for path, _body in callbacks.received] == ["/spmis/v1/on-search"]
    for elsewhere in ("http://attacker.example/steal", callbacks.url.replace("/spmis", "/other")):
        header = dci.header("search", 1, sender_uri=elsewhere)
        status, payload = dci.search(BY_ID, sync=False, header=header)
        assert (status, payload["message"]["ack_status"]) == (400, "ERR")
        assert payload["message"]["error"]["code"] == "err.sender_uri.invalid"
    nowhere = Dci(name="no-callback")
    assert nowhere.search(BY_ID, sync=False)[1]["message"]["error"]["code"] == "err.sender_uri.invalid"


def test_a_failing_callback_is_retried(world, callbacks, settings, django_capture_on_commit_callbacks):
    settings.FUPIN_DCI_CALLBACK_ATTEMPTS = 3
    callbacks.failures = 2
    dci = Dci(callback_uri=callbacks.url)
    run(django_capture_on_commit_callbacks, lambda: dci.search(BY_ID, sync=False))
    assert len(callbacks.received) == 1  # the third attempt
    callbacks.failures = 5
    run(django_capture_on_commit_callbacks, lambda: dci.search(BY_ID, sync=False))
    failed = Job.objects.get(kind="dci.deliver", status=JobStatus.FAILED)
    assert "failed after 3 attempts" in failed.error


def test_async_header_rejection_is_an_err_ack(world, callbacks):
    dci = Dci(callback_uri=callbacks.url)
    status, payload = dci.search(BY_ID, sync=False, header=dci.header("search", 1, message_ts="yesterday"))
    assert (status, payload["message"]["ack_status"]) == (400, "ERR")
    assert payload["message"]["error"]["message"].startswith("rjct.message_ts.invalid")


def txn_status(dci, attribute_type, value, txn_type="search", sync=True):
    message = {"transaction_id": uuid.uuid4().hex[:12], "txnstatus_request": {
        "reference_id": "s-1", "txn_type": txn_type, "attribute_type": attribute_type, "attribute_value": value}}
    return dci.post("/registry/sync/txn/status" if sync else "/registry/txn/status",
                    {"header": dci.header("txn-status", 1), "message": message}, txn_type=txn_type)


def test_transaction_status_sync_and_async(world, callbacks, django_capture_on_commit_callbacks):
    dci = Dci(callback_uri=callbacks.url)
    _status, searched = dci.search(BY_ID)
    transaction_id = searched["message"]["transaction_id"]
    for attribute_type, value in (("transaction_id", transaction_id),
                                  ("correlation_id", searched["message"]["correlation_id"]),
                                  ("reference_id_list", ["ref-1"])):
        status, payload = txn_status(dci, attribute_type, value)
        assert status == 200 and payload["header"]["action"] == "txn-on-status"
        assert payload["header"]["status"] == "succ"
        answer = payload["message"]["txnstatus_response"]
        assert answer["txn_type"] == "search"
        assert group_ids({"message": answer["txn_status"]}) == [H1]
    _status, payload = txn_status(dci, "transaction_id", "never-sent")
    assert payload["header"]["status"] == "rjct"
    # Another client never sees this client's transactions.
    other = Dci(name="other")
    assert txn_status(other, "transaction_id", transaction_id)[1]["header"]["status"] == "rjct"
    # Asynchronous: ACK, then txn/on-status.
    status, ack = run(django_capture_on_commit_callbacks,
                      lambda: txn_status(dci, "transaction_id", transaction_id, sync=False))
    assert ack["message"]["ack_status"] == "ACK"
    [(path, body)] = callbacks.received
    assert path == "/spmis/registry/txn/on-status"
    validate_callback("/registry/txn/on-status", body)
    assert group_ids({"message": body["message"]["txnstatus_response"]["txn_status"]}) == [H1]


def test_txn_status_refuses_a_malformed_request(world):
    dci = Dci()
    status, payload = txn_status(dci, "transaction_id", ["not", "a", "string"])
    assert (status, payload["errors"][0]["code"]) == (400, "err.request.bad")


def subscribe(dci, event="REGISTER", filter_=None, record_type="Group", reference="sub-1", locale=None):
    item = {"reference_id": reference, "timestamp": "2026-06-15T09:30:00+08:00", "subscribe_criteria": {
        "reg_event_type": event, "filter_type": "predicate",
        "filter": filter_ or predicate(("area", "eq", "533301")), "notify_record_type": record_type}}
    if locale:
        item["locale"] = locale
    message = {"transaction_id": uuid.uuid4().hex[:12], "subscribe_request": [item]}
    return dci.post("/registry/subscribe", {"header": dci.header("subscribe", 1), "message": message})


def import_file(tmp_path, rows, name="h.csv"):
    header = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
              "主要致贫原因", "识别年度", "脱贫标志"]
    path = tmp_path / name
    path.write_bytes(csv_text([header, *rows]).encode("utf-8"))
    return households_import(actor=system_user(), path=path)


def test_subscribe_then_an_import_notifies_register_and_update_events(world, callbacks, tmp_path,
                                                                      django_capture_on_commit_callbacks):
    dci = Dci(callback_uri=callbacks.url)
    _status, ack = run(django_capture_on_commit_callbacks, lambda: subscribe(dci))
    assert ack["message"]["ack_status"] == "ACK"
    [(path, body)] = callbacks.received
    assert path == "/spmis/registry/on-subscribe"
    validate_callback("/registry/on-subscribe", body)
    [answer] = body["message"]["subscribe_response"]
    assert answer["status"] == "succ"
    code = answer["subscriptions"][0]["code"]
    run(django_capture_on_commit_callbacks, lambda: subscribe(dci, event="UPDATE", reference="sub-2"))
    callbacks.received.clear()

    new = ["533301102202", "533301102202009", "2019", "和梅", id_number(birth="19700101", sequence="044"), "女",
           "户主", "怒族", "低保贫困户", "因病", "2015", "未脱贫"]
    elsewhere = ["533323101201", "533323101201009", "2019", "木兰", id_number("533323", "19800101", "046"), "女",
                 "户主", "怒族", "一般贫困户", "因病", "2015", "未脱贫"]
    report = run(django_capture_on_commit_callbacks, lambda: import_file(tmp_path, [new, elsewhere]))
    assert report.households_created == 2
    notified = [(p, b) for p, b in callbacks.received if p.endswith("/registry/notify")]
    [(path, body)] = notified  # only the 泸水 household matches the filter
    validate_callback("/registry/notify", body)
    event = body["message"]["notify_event"][0]
    assert event["reference_id"] == "sub-1" and event["data"]["reg_event_type"] == "REGISTER"
    assert [e["data"]["reg_records"]["group_identifier"][0]["identifier_value"]
            for e in body["message"]["notify_event"]] == ["533301/533301102202009"]
    assert body["header"]["subscription_code"] == code

    callbacks.received.clear()
    changed = [*new]
    changed[3] = "和美"  # a member renamed: an update of the household
    run(django_capture_on_commit_callbacks, lambda: import_file(tmp_path, [changed], "h2.csv"))
    [(path, body)] = [(p, b) for p, b in callbacks.received if p.endswith("/registry/notify")]
    event = body["message"]["notify_event"][0]
    assert (event["reference_id"], event["data"]["reg_event_type"]) == ("sub-2", "UPDATE")
    callbacks.received.clear()
    run(django_capture_on_commit_callbacks, lambda: import_file(tmp_path, [changed], "h2.csv"))  # nothing new
    assert [p for p, _b in callbacks.received if p.endswith("/registry/notify")] == []


def test_a_service_registration_notifies_a_county_client_only_of_its_county(world, callbacks,
                                                                           django_capture_on_commit_callbacks):
    from fupin.testing.factories import member_data, register_household

    fugong = Dci(name="fugong", area="533323", callback_uri=callbacks.url)
    run(django_capture_on_commit_callbacks, lambda: subscribe(fugong, filter_=predicate(("area", "eq", "53"))))
    callbacks.received.clear()
    run(django_capture_on_commit_callbacks, lambda: register_household(
        area="533301102202", number="533301102202077",
        members=[member_data(name="外县", id_number=id_number(birth="19660101", sequence="077"))]))
    assert callbacks.received == []  # 泸水 is not the client's
    run(django_capture_on_commit_callbacks, lambda: register_household(
        area="533323101201", number="533323101201077",
        members=[member_data(name="本县", id_number=id_number("533323", "19660101", "079"))]))
    [(_path, body)] = callbacks.received
    assert body["message"]["notify_event"][0]["data"]["reg_records"]["group_identifier"][0][
        "identifier_value"] == "533323/533323101201077"


def test_subscription_refusals(world, callbacks, django_capture_on_commit_callbacks):
    dci = Dci(callback_uri=callbacks.url)
    for kwargs, reason in (({"event": "BIRTHDAY"}, "rjct.notify_types.invalid"),
                           ({"record_type": "Village"}, "rjct.notify_details.invalid"),
                           ({"filter_": predicate(("salary", "gt", 1))}, "rjct.notify_details.invalid"),
                           ({"locale": "EN"}, "rjct.notify_details.invalid")):
        callbacks.received.clear()
        run(django_capture_on_commit_callbacks, lambda kwargs=kwargs: subscribe(dci, **kwargs))
        [(_path, body)] = callbacks.received
        validate_callback("/registry/on-subscribe", body)
        assert body["message"]["subscribe_response"][0]["status_reason_code"] == reason
        assert body["header"]["status"] == "rjct"
    run(django_capture_on_commit_callbacks, lambda: subscribe(dci))
    callbacks.received.clear()
    run(django_capture_on_commit_callbacks, lambda: subscribe(dci))
    assert callbacks.received[0][1]["message"]["subscribe_response"][0]["status_reason_code"] == (
        "rjct.event.already_subscribed")


def test_unsubscribe(world, callbacks, django_capture_on_commit_callbacks):
    dci = Dci(callback_uri=callbacks.url)
    run(django_capture_on_commit_callbacks, lambda: subscribe(dci))
    code = Subscription.objects.get(client=dci.client).code

    def unsubscribe(codes):
        message = {"transaction_id": uuid.uuid4().hex[:12], "timestamp": "2026-06-15T09:30:00Z",
                   "subscription_codes": codes}
        return dci.post("/registry/unsubscribe", {"header": dci.header("unsubscribe", len(codes)),
                                                  "message": message})

    callbacks.received.clear()
    _status, ack = run(django_capture_on_commit_callbacks, lambda: unsubscribe([code]))
    assert ack["message"]["ack_status"] == "ACK"
    [(path, body)] = callbacks.received
    assert path == "/spmis/registry/on-unsubscribe"
    validate_callback("/registry/on-unsubscribe", body)
    assert body["message"]["subscription_status"] == [{"code": code, "status": "unsubscribe"}]
    assert Subscription.objects.get(code=code).status == "unsubscribe"
    # The subscription's status is also answered by txn/status.
    _status, payload = txn_status(dci, "subscription_code_list", [code], txn_type="subscribe")
    assert payload["message"]["txnstatus_response"]["txn_type"] == "on-subscribe"
    callbacks.received.clear()
    run(django_capture_on_commit_callbacks, lambda: unsubscribe([code]))
    assert callbacks.received[0][1]["message"]["status_reason_code"] == "rjct.event.already_unsubscribed"
    other = Dci(name="other", callback_uri=callbacks.url)
    callbacks.received.clear()
    message = {"transaction_id": "t", "timestamp": "2026-06-15T09:30:00Z", "subscription_codes": [code]}
    run(django_capture_on_commit_callbacks, lambda: other.post(
        "/registry/unsubscribe", {"header": other.header("unsubscribe", 1), "message": message}))
    assert callbacks.received[0][1]["message"]["status_reason_code"] == "rjct.subscription_code.invalid"


@pytest.mark.parametrize("path,action", [("/registry/on-search", "on-search"), ("/registry/notify", "notify"),
                                         ("/registry/on-subscribe", "on-subscribe"),
                                         ("/registry/on-unsubscribe", "on-unsubscribe"),
                                         ("/registry/txn/on-status", "txn-on-status")])
def test_callbacks_from_another_registry_are_kept_and_acknowledged(world, path, action):
    from fupin.dci.models import Transaction

    peer = Dci(name="civil-registry")
    header = {**peer.header(action, 1), "status": "succ"}
    message = {"transaction_id": "t-peer", "notify_event": [], "search_response": []}
    status, payload = peer.post(path, {"header": header, "message": message})
    assert (status, payload["message"]["ack_status"]) == (200, "ACK")
    assert Transaction.objects.get(client=peer.client, action=action).request["transaction_id"] == "t-peer"
    services.notify_pending()  # nothing to notify: no registry change since
