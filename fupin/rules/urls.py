from django.urls import path

from . import views

urlpatterns = [
    path("policy/", views.policy_list, name="policy"),
    path("policy/values/", views.policy_value_edit, name="policy-value"),
]
