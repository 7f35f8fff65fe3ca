from django.urls import path

from . import instrument_views, structural_validity, views

app_name = "exports"

urlpatterns = [
    path("exports/", views.home, name="home"),
    path("exports/waves/<slug:slug>/download/", views.download, name="download"),
    path("exports/waves/<slug:slug>/choose/", views.choose, name="choose"),
    path("exports/waves/<slug:slug>/codebook/", views.codebook_page, name="codebook"),
    path("exports/waves/<slug:slug>/codebook.json", views.codebook_json, name="codebook_json"),
    path(
        "exports/waves/<slug:slug>/structural-validity/",
        structural_validity.structural_validity,
        name="structural_validity",
    ),
    path("exports/waves/<slug:slug>/codebook.md", views.codebook_markdown_file, name="codebook_markdown"),
    path("instruments/", instrument_views.instruments, name="instruments"),
    path("instruments/<int:pk>/download/", instrument_views.download, name="instrument_download"),
    path("instruments/<int:pk>/compare/", instrument_views.compare, name="instrument_compare"),
    path(
        "instruments/<int:pk>/preview/<slug:language>/<int:number>/",
        instrument_views.preview,
        name="instrument_preview",
    ),
]
