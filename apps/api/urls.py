"""API v1, mounted at /api/v1/ (OpenAPI document at /api/v1/openapi.json, docs at /api/v1/docs)."""

from django.urls import path

from .api import api

urlpatterns = [path("", api.urls)]
