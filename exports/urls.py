from django.urls import path

from . import structural_validity, views

app_name = "exports"

urlpatterns = [
    path("exports/", views.home, name="home"),
    path("exports/waves/<slug:slug>/download/", views.download, name="download"),
    path("exports/waves/<slug:slug>/codebook/", views.codebook_page, name="codebook"),
    path("exports/waves/<slug:slug>/codebook.json", views.codebook_json, name="codebook_json"),
    path(
        "exports/waves/<slug:slug>/structural-validity/",
        structural_validity.structural_validity,
        name="structural_validity",
    ),
    path("exports/waves/<slug:slug>/codebook.md", views.codebook_markdown_file, name="codebook_markdown"),
]
