"""TEMPORARY: replaced by the API."""

urlpatterns = []
