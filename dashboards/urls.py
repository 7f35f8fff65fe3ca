from django.urls import path

from . import audit_page, views

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.home, name="home"),
    path("dashboard/organizations/<int:pk>/waves/new/", views.wave_create, name="wave_create"),
    path("dashboard/waves/<slug:slug>/", views.wave_overview, name="wave"),
    path("dashboard/waves/<slug:slug>/set-up/", views.wave_edit, name="wave_edit"),
    path("dashboard/waves/<slug:slug>/invitations/", views.invitations_view, name="invitations"),
    path("dashboard/waves/<slug:slug>/responses.csv", views.wave_responses_csv, name="wave_responses_csv"),
    path("dashboard/waves/<slug:slug>/organization/", views.organization_view, name="organization"),
    path("dashboard/waves/<slug:slug>/gaps.csv", views.gaps_csv, name="pooled_gaps_csv"),
    path("dashboard/waves/<slug:slug>/heatmap.csv", views.heatmap_csv, name="heatmap_csv"),
    path("dashboard/waves/<slug:slug>/reliability.csv", views.reliability_csv, name="reliability_csv"),
    path("dashboard/waves/<slug:slug>/streams/<int:pk>/", views.value_stream_view, name="value_stream"),
    path("dashboard/waves/<slug:slug>/streams/<int:pk>/gaps.csv", views.gaps_csv, name="gaps_csv"),
    path("dashboard/waves/<slug:slug>/items/", views.items_view, name="items"),
    path("dashboard/waves/<slug:slug>/items.csv", views.items_csv, name="items_csv"),
    path("dashboard/organizations/<int:pk>/trends/", views.trends_view, name="trends"),
    path("dashboard/organizations/<int:pk>/trends.csv", views.trends_csv, name="trends_csv"),
    path("dashboard/organizations/<int:pk>/audit/", audit_page.audit_log, name="audit_log"),
    path("dashboard/streams/<int:pk>/radiator-links/", views.create_radiator_link, name="create_radiator_link"),
    path("dashboard/radiator-links/<int:pk>/revoke/", views.revoke_radiator_link, name="revoke_radiator_link"),
    path("radiator/<str:token>/", views.radiator, name="radiator"),
]
