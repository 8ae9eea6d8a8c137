"""The NinjaAPI instance of API v1: its routers, its authentication and its error answers."""

from __future__ import annotations

import json

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser

from . import applications, broadcasts, groups, incidents, lookup, opendata, relays
from . import areas as areas_api
from . import figures as figures_api
from . import setup as setup_api
from .auth import ApiTokenAuth
from .errors import errors_from_django, errors_from_schema
from .schemas import DetailOut, ErrorOut

DESCRIPTION = """\
Find the WhatsApp neighbourhood-watch groups that cover an address, apply to join one, and
(for group admins and municipal coordinators) handle applications and member lists.

**Public endpoints** need no authentication and return no personal data.

**Private endpoints** need a personal token in the header `Authorization: Bearer <token>`
(`manage.py create_api_token USERNAME`). They show only the groups the token's user manages;
anything else answers 404. Reading applications or members is recorded in the audit trail.

**Errors.** Refused input answers 400 with `{"errors": {"field": ["message", ...]}}`;
`__all__` holds messages about the request as a whole. 401, 403, 404 and 429 answer
`{"detail": "message"}`. Messages follow the `Accept-Language` header (nl, fr, en).
"""


class BodyNotAnObject(ValueError):
    pass


class JsonObjectParser(Parser):
    """Every request body of this API is a JSON object. Ninja would read a list or a string as
    an object with every field missing; refuse it as what it is instead."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject
        return data


class BuurtwachtApi(NinjaAPI):
    """Ninja's API with an OpenAPI document that names every answer an operation can give: any
    operation that reads input can refuse it (400, the error shape), and any private one answers
    401 without a valid token. Written once here rather than in each router's ``response``."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        refs = {}
        for name, schema in (("ErrorOut", ErrorOut), ("DetailOut", DetailOut)):
            if name not in schemas:
                schemas[name] = schema.model_json_schema(ref_template="#/components/schemas/{model}")
            refs[name] = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
        for methods in document.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                if (operation.get("parameters") or operation.get("requestBody")) and "400" not in responses:
                    responses["400"] = {"description": "Refused input", **refs["ErrorOut"]}
                if operation.get("security") and "401" not in responses:
                    responses["401"] = {"description": "No valid token", **refs["DetailOut"]}
        return document


api = BuurtwachtApi(
    title="Buurtwacht API",
    version="1",
    description=DESCRIPTION,
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
    parser=JsonObjectParser(),
    # Private unless an endpoint says otherwise: a new endpoint cannot become public by accident.
    auth=ApiTokenAuth(),
)
api.add_router("", groups.router)
api.add_router("", lookup.router)
api.add_router("", applications.router)
api.add_router("", incidents.router)
api.add_router("", relays.router)
api.add_router("", broadcasts.router)
api.add_router("", areas_api.router)
api.add_router("", opendata.router)
api.add_router("", figures_api.router)
api.add_router("", setup_api.router)


def _errors(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    return api.create_response(request, {"errors": errors}, status=400)


def _detail(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(SchemaValidationError)
def invalid_input(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    applications.count_refused_attempt(request)
    return _errors(request, errors_from_schema(exc.errors))


@api.exception_handler(ValidationError)
def refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    applications.count_refused_attempt(request)
    return _errors(request, errors_from_django(exc))


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _detail(request, _("Send a valid API token: Authorization: Bearer <token>."), 401)
    response["WWW-Authenticate"] = 'Bearer realm="buurtwacht"'
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, _("You are not allowed to do this."), 403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, _("Not found."), 404)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _detail(request, _("Too many requests from your connection. Try again later."), 429)
    if exc.wait:
        response["Retry-After"] = str(max(int(exc.wait), 1))
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja reports a body it cannot parse as a bare 400; say what is wrong with it.
    if exc.status_code == 400:
        applications.count_refused_attempt(request)
    if exc.status_code == 400 and isinstance(exc.__cause__, BodyNotAnObject):
        return _errors(request, {NON_FIELD_ERRORS: [_("Send a JSON object in the request body.")]})
    if exc.status_code == 400 and isinstance(exc.__cause__, (json.JSONDecodeError, UnicodeDecodeError)):
        message = _("The request body is not valid JSON: %(error)s") % {"error": exc.__cause__}
        return _errors(request, {NON_FIELD_ERRORS: [message]})
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        return _errors(request, {NON_FIELD_ERRORS: [_("The request body is nested too deeply.")]})
    if exc.status_code == 400:
        # Refused input always has the API's error shape, whatever refused it.
        return _errors(request, {NON_FIELD_ERRORS: [_("The request body cannot be read.")]})
    return _detail(request, str(exc), exc.status_code)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django refuses to read (a multipart body without its boundary, too many fields or
    files, more than ``DATA_UPLOAD_MAX_MEMORY_SIZE``): 400 in the API's shape, not Django's page."""
    applications.count_refused_attempt(request)
    if isinstance(exc, RequestDataTooBig):
        message = _("The request body is too large.")
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        message = _("The request has too many fields or files.")
    elif isinstance(exc, MultiPartParserError):
        message = _("The request body is not a valid multipart form; send the file as multipart/form-data.")
    else:
        message = _("The request cannot be read.")
    return _errors(request, {NON_FIELD_ERRORS: [message]})
