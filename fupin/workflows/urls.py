"""The workflow pages: the inbox and its forms, notices with their PDFs, and the procedure step forms."""

from django.urls import path

from . import views

urlpatterns = [
    path("policy/procedures/<str:code>/steps/add/", views.procedure_step_edit, name="policy-step-add"),
    path("policy/procedures/<str:code>/steps/<int:pk>/", views.procedure_step_edit, name="policy-step"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/start/", views.case_start, name="case-start"),
    path("inbox/approve/", views.bulk_approve, name="inbox-approve"),
    path("inbox/cases/<int:pk>/decide/", views.case_decide, name="case-decide"),
    path("inbox/notices/", views.notice_publish, name="notice-publish"),
    path("inbox/objections/<int:pk>/resolve/", views.objection_resolve, name="objection-resolve"),
    path("notices/<int:pk>/", views.notice_page, name="notice"),
    path("notices/<int:pk>/notice.pdf", views.notice_pdf, name="notice-pdf"),
]
