from django.urls import path

from . import views

urlpatterns = [
    path("grievances/", views.ticket_list, name="grievances"),
    path("grievances/export.csv", views.ticket_export, name="grievances-export"),
    path("grievances/file/", views.ticket_new, name="grievance-file"),
    path("grievances/statistics/", views.statistics, name="grievance-statistics"),
    path("grievances/<int:pk>/", views.ticket_detail, name="grievance"),
    path("grievances/<int:pk>/receipt.pdf", views.ticket_receipt_pdf, name="grievance-receipt"),
    # Public, without an account: a villager files a complaint and checks its status by tracking number.
    path("grievances/new/", views.public_new, name="grievance-new"),
    path("grievances/track/", views.public_track, name="grievance-track"),
]
