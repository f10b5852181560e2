from __future__ import annotations

from django.shortcuts import render

from medmissions.core.errors import DomainError


class DomainErrorMiddleware:
    """A domain error that escapes an HTML view becomes an error page with its message and status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(request, "core/error.html", {"error": exception}, status=exception.status)
        return None
