"""The site's URLconf with a bare "hello" view in front, for `bench.http`.

Selected with `LATENTPEDIA_URLCONF=bench.hello_site`: the hello route then runs in the same
server process, behind the same settings and middleware (sessions, auth, CSRF, CSP...), as
the routes it is compared with, so the ratio of their request rates is what the app's own
work costs, not what the server or the machine costs.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from latentpedia.urls import handler404, handler500  # noqa: F401  (Django reads them from ROOT_URLCONF)
from latentpedia.urls import urlpatterns as site_urlpatterns

HELLO_PATH = "bench/hello"


def hello(request: HttpRequest) -> JsonResponse:
    """The least a view can do: sync, no database, a constant JSON body."""
    return JsonResponse({"hello": "world"})


# First, so the site's catch-all routes (`<model>/<source>/<index>`) never see it.
urlpatterns = [path(HELLO_PATH, hello, name="bench-hello"), *site_urlpatterns]
