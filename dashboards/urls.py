from django.urls import path

from .views import audit, figures, overview, radiator, report, setup

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", overview.home, name="home"),
    path("dashboard/organizations/<int:pk>/waves/new/", setup.wave_create, name="wave_create"),
    path("dashboard/waves/<slug:slug>/", overview.wave_overview, name="wave"),
    path("dashboard/waves/<slug:slug>/set-up/", setup.wave_edit, name="wave_edit"),
    path("dashboard/waves/<slug:slug>/invitations/", setup.invitations_view, name="invitations"),
    path("dashboard/waves/<slug:slug>/responses.csv", overview.wave_responses_csv, name="wave_responses_csv"),
    path("dashboard/waves/<slug:slug>/organization/", figures.organization_view, name="organization"),
    path("dashboard/waves/<slug:slug>/gaps.csv", figures.gaps_csv, name="pooled_gaps_csv"),
    path("dashboard/waves/<slug:slug>/heatmap.csv", figures.heatmap_csv, name="heatmap_csv"),
    path("dashboard/waves/<slug:slug>/reliability.csv", figures.reliability_csv, name="reliability_csv"),
    path("dashboard/waves/<slug:slug>/streams/<int:pk>/", figures.value_stream_view, name="value_stream"),
    path("dashboard/waves/<slug:slug>/streams/<int:pk>/gaps.csv", figures.gaps_csv, name="gaps_csv"),
    path("dashboard/waves/<slug:slug>/report/", report.report_view, name="report"),
    path("dashboard/waves/<slug:slug>/report.pdf", report.report_pdf, name="report_pdf"),
    path("dashboard/waves/<slug:slug>/streams/<int:pk>/report/", report.report_view, name="stream_report"),
    path("dashboard/waves/<slug:slug>/streams/<int:pk>/report.pdf", report.report_pdf, name="stream_report_pdf"),
    path("dashboard/waves/<slug:slug>/items/", figures.items_view, name="items"),
    path("dashboard/waves/<slug:slug>/items.csv", figures.items_csv, name="items_csv"),
    path("dashboard/organizations/<int:pk>/trends/", figures.trends_view, name="trends"),
    path("dashboard/organizations/<int:pk>/trends.csv", figures.trends_csv, name="trends_csv"),
    path("dashboard/organizations/<int:pk>/audit/", audit.audit_log, name="audit_log"),
    path("dashboard/streams/<int:pk>/radiator-links/", radiator.create_radiator_link, name="create_radiator_link"),
    path("dashboard/radiator-links/<int:pk>/revoke/", radiator.revoke_radiator_link, name="revoke_radiator_link"),
    path("radiator/<str:token>/", radiator.radiator, name="radiator"),
]
