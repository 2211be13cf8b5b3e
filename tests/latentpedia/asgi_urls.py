"""Views for the ASGI handler's tests: where each request ran, and when."""

import threading
import time

from django.db import connection
from django.http import JsonResponse
from django.urls import path

# (path, started, ended) of each finished /sleep request, in the order they ended.
spans: list[tuple[str, float, float]] = []


def where(request):
    connection.ensure_connection()
    return JsonResponse({"thread": threading.get_ident(), "connection": id(connection.connection)})


def sleep(request):
    started = time.monotonic()
    time.sleep(float(request.GET.get("s", "0")))
    spans.append((request.GET.get("name", ""), started, time.monotonic()))
    return JsonResponse({"ok": True})


urlpatterns = [path("where", where), path("sleep", sleep)]
