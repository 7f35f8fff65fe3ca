from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("s/<slug:slug>/", views.intro, name="intro"),
    path("s/<slug:slug>/about-you/", views.about, name="about"),
    path("s/<slug:slug>/questions/<int:number>/", views.page, name="page"),
    path("s/<slug:slug>/review/", views.review, name="review"),
    path("s/<slug:slug>/thank-you/", views.thanks, name="thanks"),
    path("i/<str:token>/", views.invitation, name="invitation"),
]
