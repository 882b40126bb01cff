"""The DCI app's background jobs: an asynchronous search, a callback delivery (retried), a notification run."""

from django.utils.translation import gettext_lazy as _

from fupin.jobs.registry import job_kind

from . import services
from .models import Client, Transaction


@job_kind("dci.search", _("answer a DCI search"))
def search_job(job, progress):
    txn = Transaction.objects.select_related("client", "client__user").get(pk=job.params["transaction"])
    body = services.search_complete(txn)
    items = body["search_response"]
    services.deliver_later(client=txn.client, url=txn.sender_uri,
                           envelope=services.callback_envelope(txn, "on-search", body, items), kind="on-search")
    return {"transaction": txn.transaction_id, "requests": len(items)}


@job_kind("dci.deliver", _("deliver a DCI callback"))
def deliver_job(job, progress):
    client = Client.objects.get(pk=job.params["client"])
    status = services.deliver(client=client, url=job.params["url"], body=job.params["body"])
    return {"url": job.params["url"], "what": job.params.get("what", ""), "http_status": status}


@job_kind("dci.notify", _("notify DCI subscribers of registry events"))
def notify_job(job, progress):
    return services.notify_pending()
