import json
from pathlib import Path

from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand, add_common_arguments
from fupin.core.errors import ServiceError
from fupin.dci import client as dci_client
from fupin.dci import services, subscriptions
from fupin.dci.selectors import client_get, client_list
from fupin.dci.signing import SignatureError


class Command(FupinCommand):
    help = "The DCI Social Registry: its clients and their keys, notifications, and searches of other registries."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # `clients add|list` take --user and --format after the action, as every fupin command does.
        clients = self.subparsers.add_parser("clients", help="Register and list DCI clients.")
        actions = clients.add_subparsers(dest="clients_action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help="Register a client; prints its client_id and client_secret (once).")
        add_common_arguments(add)
        add.add_argument("name")
        add.add_argument("--area", help="Area code the client may see (default: the whole country).")
        add.add_argument("--sender-id", help="The sender_id its messages carry (default: its name).")
        add.add_argument("--callback-uri", default="", help="Base URL its callbacks go to (async calls need it).")
        add.add_argument("--sensitive", action="store_true",
                         help="Let it see ID numbers and phones unmasked in its area.")
        add_common_arguments(actions.add_parser("list", help="List the clients."))
        keys = self.add_subcommand("keys", "Register a client's public signing key.")
        keys.add_argument("client", help="The client's name or client_id.")
        keys.add_argument("key_id")
        keys.add_argument("--algorithm", choices=["ed25519", "rsa-sha256"], required=True)
        keys.add_argument("--public-key", required=True, help="PEM file of the public key.")
        self.add_subcommand("notify", "Send the pending register/update/delete notifications now.")
        subs = self.subparsers.add_parser("subscriptions", help="Subscribe fupin to another DCI registry's events.")
        sub_actions = subs.add_subparsers(dest="subscriptions_action", required=True, metavar="ACTION")
        sub_add = sub_actions.add_parser("add", help="Subscribe (signed subscribe; its keys fetched from its JWKS).")
        add_common_arguments(sub_add)
        sub_add.add_argument("url", help="The registry's base URL (its /registry/… paths hang from it).")
        sub_add.add_argument("--client-id", required=True, help="The client id the registry gave fupin.")
        sub_add.add_argument("--secret", required=True, help="The client secret the registry gave fupin.")
        sub_add.add_argument("--event", choices=sorted(subscriptions.EVENTS), default="death")
        sub_add.add_argument("--area", help="Area code the events are asked for (default: all).")
        sub_add.add_argument("--registry-id", default="", help="The registry's sender id (default: learnt from "
                             "its first signed message).")
        sub_add.add_argument("--callback-base", default="", help="fupin's public URL, where the registry sends "
                             "its answers and events (default: FUPIN_DCI_PUBLIC_URL).")
        add_common_arguments(sub_actions.add_parser("list", help="List the subscriptions."))
        sub_remove = sub_actions.add_parser("remove", help="Unsubscribe at the registry and end the subscription.")
        add_common_arguments(sub_remove)
        sub_remove.add_argument("id", type=int)
        sub_remove.add_argument("--secret", default="", help="The client secret (default: the one kept).")
        sub_remove.add_argument("--force", action="store_true",
                                help="End it here even when the registry cannot be told.")
        search = self.add_subcommand("search", "Search another DCI registry (sync) and print its answer.")
        search.add_argument("url", help="The registry's base URL (its /registry/… paths hang from it).")
        search.add_argument("--client-id", required=True)
        search.add_argument("--client-secret", required=True)
        search.add_argument("--sender-id", required=True)
        search.add_argument("--receiver-id", default="")
        query = search.add_mutually_exclusive_group(required=True)
        query.add_argument("--id", nargs=2, metavar=("TYPE", "VALUE"), help="idtype-value: e.g. UIN 5333…")
        query.add_argument("--predicate", help="A predicate list as JSON.")
        query.add_argument("--expression", help="An expression query ({\"$and\": …}) as JSON.")
        search.add_argument("--entity", choices=["Group", "Member"], default="Group")
        search.add_argument("--page-size", type=int, default=100)
        search.add_argument("--page", type=int, default=1)
        search.add_argument("--locale", default="")
        search.add_argument("--key", default="", help="PEM private key to sign with.")
        search.add_argument("--key-id", default="")
        search.add_argument("--verify", action="store_true", help="Check the answer's signature (JWKS).")

    def handle_clients(self, **options):
        if options["clients_action"] == "list":
            self.emit([{"name": c.name, "client_id": c.client_id, "sender_id": c.sender_id,
                        "callback_uri": c.callback_uri, "active": c.is_active} for c in client_list()],
                      columns=["name", "client_id", "sender_id", "callback_uri", "active"])
            return
        try:
            client, secret = services.client_add(actor=self.actor, name=options["name"], area_code=options["area"],
                                                 sender_id=options["sender_id"],
                                                 callback_uri=options["callback_uri"],
                                                 sensitive=options["sensitive"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.emit({"name": client.name, "client_id": client.client_id, "client_secret": secret,
                   "sender_id": client.sender_id, "area": options["area"] or None,
                   "callback_uri": client.callback_uri})

    def handle_keys(self, **options):
        client = client_get(options["client"])
        if client is None:
            raise CommandError(f"No DCI client {options['client']!r}.")
        try:
            pem = Path(options["public_key"]).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['public_key']}: {exc}") from exc
        try:
            key = services.client_key_add(actor=self.actor, client=client, key_id=options["key_id"],
                                          algorithm=options["algorithm"], public_key_pem=pem)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.emit({"client": client.name, "key_id": key.key_id, "algorithm": key.algorithm,
                   "keyId": f"{client.sender_id}|{key.key_id}|{key.algorithm}"})

    def _subscription_row(self, subscription) -> dict:
        return {"id": subscription.pk, "url": subscription.url, "event": subscription.event,
                "area": subscription.area_code or None, "status": subscription.status,
                "codes": subscription.codes, "registry_id": subscription.registry_id,
                "receiver": subscriptions.receiver_base(subscription),
                "list": subscription.department_list.name if subscription.department_list_id else None,
                "reason": subscription.status_reason}

    def handle_subscriptions(self, **options):
        from fupin.dci.models import PeerSubscription

        action = options["subscriptions_action"]
        if action == "list":
            rows = [self._subscription_row(s) for s in PeerSubscription.objects.select_related("department_list")]
            self.emit(rows, columns=["id", "url", "event", "area", "status", "codes", "list"])
            return
        try:
            if action == "add":
                subscription = subscriptions.subscription_add(
                    actor=self.actor, url=options["url"], client_id=options["client_id"], secret=options["secret"],
                    event=options["event"], area_code=options["area"], callback_base=options["callback_base"],
                    registry_id=options["registry_id"])
            else:
                subscription = PeerSubscription.objects.filter(pk=options["id"]).first()
                if subscription is None:
                    raise CommandError(f"No DCI subscription {options['id']}.")
                subscription = subscriptions.subscription_remove(actor=self.actor, subscription=subscription,
                                                                 secret=options["secret"], force=options["force"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.emit(self._subscription_row(subscription))
        if subscription.status == PeerSubscription.Status.REJECTED:
            raise CommandError(f"The registry refused the subscription: {subscription.status_reason}")

    def handle_notify(self, **options):
        self.emit(services.notify_pending())

    def handle_search(self, **options):
        try:
            if options["id"]:
                query_type, query = "idtype-value", {"type": options["id"][0], "value": options["id"][1]}
            elif options["predicate"]:
                query_type, query = "predicate", json.loads(options["predicate"])
            else:
                query_type = "expression"
                query = {"type": "ns:org:QueryType:NoSql",
                         "value": {"expression": {"collection": options["entity"],
                                                  "query": json.loads(options["expression"])}}}
        except json.JSONDecodeError as exc:
            raise CommandError(f"The query is not JSON: {exc}") from exc
        message = dci_client.search_message(query_type=query_type, query=query, entity=options["entity"],
                                            page_size=options["page_size"], page_number=options["page"],
                                            locale=options["locale"])
        try:
            status, answer = dci_client.sync_search(
                options["url"], client_id=options["client_id"], secret=options["client_secret"],
                sender_id=options["sender_id"], receiver_id=options["receiver_id"], message=message,
                key_path=options["key"], key_id=options["key_id"])
            if options["verify"] and status == 200:
                dci_client.verify_answer(options["url"], answer)
        except (dci_client.ClientError, SignatureError, OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if status != 200:
            raise CommandError(f"The registry answered {status}: {json.dumps(answer, ensure_ascii=False)[:500]}")
        if self.output_format == "json":
            self.emit(answer)
            return
        rows = []
        for item in (answer.get("message") or {}).get("search_response", []):
            for record in (item.get("data") or {}).get("reg_records", []):
                identifiers = record.get("group_identifier") or record.get("member_identifier") or [{}]
                rows.append({"reference_id": item.get("reference_id"), "status": item.get("status"),
                             "identifier": identifiers[0].get("identifier_value", ""),
                             "type": record.get("@type", ""),
                             "size": record.get("group_size", "")})
        self.emit(rows, columns=["reference_id", "status", "identifier", "type", "size"])
