"""/dci/…: the DCI Social Registry (included from config/urls.py; names without a namespace)."""

from django.urls import path

from . import subscriber_views, views

urlpatterns = [
    path("registry/sync/search", views.sync_search, name="dci-sync-search"),
    path("registry/search", views.search, name="dci-search"),
    path("registry/sync/txn/status", views.sync_txn_status, name="dci-sync-txn-status"),
    path("registry/txn/status", views.txn_status, name="dci-txn-status"),
    path("registry/subscribe", views.subscribe, name="dci-subscribe"),
    path("registry/unsubscribe", views.unsubscribe, name="dci-unsubscribe"),
    path("registry/on-search", views.on_search, name="dci-on-search"),
    path("registry/on-subscribe", views.on_subscribe, name="dci-on-subscribe"),
    path("registry/on-unsubscribe", views.on_unsubscribe, name="dci-on-unsubscribe"),
    path("registry/txn/on-status", views.txn_on_status, name="dci-txn-on-status"),
    path("registry/notify", views.notify, name="dci-notify"),
    path("oauth2/client/token", views.token, name="dci-token"),
    path(".well-known/jwks.json", views.jwks, name="dci-jwks"),
    # fupin's receiver for a registry it subscribed to (fupin dci subscriptions add): its callbacks and events.
    path("subscriber/<str:token>/registry/on-subscribe", subscriber_views.on_subscribe,
         name="dci-subscriber-on-subscribe"),
    path("subscriber/<str:token>/registry/notify", subscriber_views.notify, name="dci-subscriber-notify"),
    path("subscriber/<str:token>/registry/on-unsubscribe", subscriber_views.on_unsubscribe,
         name="dci-subscriber-on-unsubscribe"),
]
