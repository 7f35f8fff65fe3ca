from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboards:home"), name="home"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("dashboards.urls")),
    path("", include("surveys.urls")),
]
