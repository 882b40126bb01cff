"""DCI (Digital Convergence Initiative) Social Registry clients, their keys, tokens, transactions and
subscriptions. A client acts through a service user of its own, so it is scoped and audited like a person."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimeStampedModel


class Client(TimeStampedModel):
    """Another social-protection system allowed to call fupin's DCI endpoints (OAuth2 client credentials)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    # Only a hash is kept (Django's password hashers): a stolen database does not give the secret away.
    secret_hash = models.CharField(_("client secret (hashed)"), max_length=200)
    # The `sender_id` its messages carry in their header; also the first part of its signatures' keyId.
    sender_id = models.CharField(_("sender id"), max_length=99, unique=True)
    # Callbacks (on-search, on-subscribe, notify …) go to URLs under this one only: never to a host a message names.
    callback_uri = models.URLField(_("callback URL"), max_length=300, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("service user"), on_delete=models.PROTECT,
                                related_name="dci_client")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("DCI client")
        verbose_name_plural = _("DCI clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SenderKey(TimeStampedModel):
    """A public key a client signs its messages with (keyId "{sender_id}|{key_id}|{algorithm}")."""

    class Algorithm(models.TextChoices):
        ED25519 = "ed25519", "Ed25519"
        RSA_SHA256 = "rsa-sha256", "RSA PKCS#1 v1.5 SHA-256"

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("key id"), max_length=99)
    algorithm = models.CharField(_("algorithm"), max_length=20, choices=Algorithm.choices)
    public_key = models.TextField(_("public key (PEM)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("DCI sender key")
        verbose_name_plural = _("DCI sender keys")
        constraints = [models.UniqueConstraint(fields=["client", "key_id"], name="dci_sender_key_unique")]

    def __str__(self) -> str:
        return f"{self.client.sender_id}|{self.key_id}|{self.algorithm}"


class AccessToken(models.Model):
    """A bearer token issued by /dci/oauth2/client/token; only its SHA-256 is stored."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("DCI access token")
        verbose_name_plural = _("DCI access tokens")

    def __str__(self) -> str:
        return f"{self.client} until {self.expires_at:%Y-%m-%d %H:%M}"


class Transaction(models.Model):
    """One message received (search, subscribe, unsubscribe, txn-status): what was asked, its status and the
    response, so that a later txn/status finds it and a repeated message_id is refused."""

    class Status(models.TextChoices):
        RECEIVED = "rcvd", _("received")
        PENDING = "pdng", _("pending")
        SUCCEEDED = "succ", _("succeeded")
        REJECTED = "rjct", _("rejected")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="transactions")
    action = models.CharField(_("action"), max_length=20)
    message_id = models.CharField(_("message id"), max_length=99)
    transaction_id = models.CharField(_("transaction id"), max_length=99)
    correlation_id = models.CharField(_("correlation id"), max_length=99, unique=True)
    reference_ids = models.JSONField(_("reference ids"), default=list)
    status = models.CharField(_("status"), max_length=4, choices=Status.choices, default=Status.RECEIVED)
    request = models.JSONField(_("request message"), default=dict)
    response = models.JSONField(_("response message"), null=True, blank=True)
    locale = models.CharField(_("locale"), max_length=3, blank=True)
    sender_uri = models.CharField(_("callback URL"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("DCI transaction")
        verbose_name_plural = _("DCI transactions")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["client", "message_id"], name="dci_message_id_unique")]
        indexes = [models.Index(fields=["client", "transaction_id"], name="dci_txn_client_transaction")]

    def __str__(self) -> str:
        return f"{self.client} {self.action} {self.transaction_id}"


class Subscription(TimeStampedModel):
    """A client's subscription to register/update/delete events of the households its filter selects."""

    class Status(models.TextChoices):
        SUBSCRIBED = "subscribe", _("subscribed")
        UNSUBSCRIBED = "unsubscribe", _("unsubscribed")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="subscriptions")
    code = models.CharField(_("subscription code"), max_length=99, unique=True)
    reference_id = models.CharField(_("reference id"), max_length=99)
    reg_event_type = models.CharField(_("event type"), max_length=40)
    filter_type = models.CharField(_("filter type"), max_length=20, blank=True)
    filter = models.JSONField(_("filter"), null=True, blank=True)
    notify_record_type = models.CharField(_("record type notified"), max_length=40)
    callback_uri = models.CharField(_("callback URL"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBSCRIBED)
    locale = models.CharField(_("locale"), max_length=3, blank=True)
    criteria = models.JSONField(_("criteria as received"), default=dict)
    # The audit trail's last event when it was made: only later registry events are notified to it.
    since_seq = models.PositiveBigIntegerField(_("notified after audit event"), default=0)

    class Meta:
        verbose_name = _("DCI subscription")
        verbose_name_plural = _("DCI subscriptions")
        ordering = ["client_id", "id"]

    def __str__(self) -> str:
        return f"{self.client} {self.code} {self.reg_event_type}"


class NotifyCursor(models.Model):
    """How far the audit trail has been read for notifications (a single row): events after `last_seq` are
    still to be turned into notify messages."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("DCI notification cursor")

    def __str__(self) -> str:
        return f"notified up to #{self.last_seq}"


class PeerSubscription(TimeStampedModel):
    """fupin subscribed to another DCI registry's events (e.g. a civil registry's deaths): what was asked, the
    registry's subscription codes (from its on-subscribe), the public keys its messages must be signed with
    (its JWKS, fetched when the subscription was made) and the department list its events become rows of."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the registry")
        ACTIVE = "active", _("subscribed")
        REJECTED = "rejected", _("refused by the registry")
        ENDED = "ended", _("unsubscribed")

    # The secret part of the receiver URLs (/dci/subscriber/<token>/registry/notify …): names the subscription.
    token = models.CharField(_("receiver token"), max_length=32, unique=True)
    url = models.URLField(_("registry URL"), max_length=300)
    client_id = models.CharField(_("client id at the registry"), max_length=200)
    # Sealed (AES-GCM) with a key derived from fupin's signing key file: the database alone does not give it away.
    secret_sealed = models.TextField(_("client secret (sealed)"))
    # The sender_id the registry signs with (keyId "{sender_id}|{key_id}|{alg}"): given, or learnt from its first
    # correctly signed message.
    registry_id = models.CharField(_("registry sender id"), max_length=99, blank=True)
    event = models.CharField(_("event"), max_length=20)
    area_code = models.CharField(_("area code"), max_length=12, blank=True)
    callback_base = models.URLField(_("receiver base URL"), max_length=300)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(_("status reason"), max_length=999, blank=True)
    transaction_id = models.CharField(_("transaction id"), max_length=99)
    correlation_id = models.CharField(_("correlation id"), max_length=99, blank=True)
    codes = models.JSONField(_("subscription codes"), default=list)
    keys = models.JSONField(_("registry public keys (JWKS)"), default=list)
    department_list = models.ForeignKey("quality.DepartmentList", verbose_name=_("department list"), null=True,
                                        on_delete=models.PROTECT, related_name="+")
    # The events it delivers are written and audited as this service user (no grants, no password).
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("service user"), on_delete=models.PROTECT,
                                related_name="dci_peer_subscription")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("DCI subscription to another registry")
        verbose_name_plural = _("DCI subscriptions to other registries")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} {self.event} ({self.status})"


class PeerEvent(models.Model):
    """One event a subscribed registry notified (a death: ID number and date), once however often it is sent."""

    subscription = models.ForeignKey(PeerSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE,
                                     related_name="events")
    reference_id = models.CharField(_("reference id"), max_length=99)
    id_number = models.CharField(_("ID number"), max_length=18)
    event_date = models.DateField(_("date of the event"))
    record = models.ForeignKey("quality.DepartmentRecord", verbose_name=_("department record"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event from another registry")
        verbose_name_plural = _("events from other registries")
        constraints = [models.UniqueConstraint(fields=["subscription", "id_number", "event_date"],
                                               name="dci_peer_event_once")]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.id_number} {self.event_date}"
