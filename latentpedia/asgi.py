"""ASGI entry point: HTTP through Django, websockets through channels (`game/routing.py`)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")

# Set up Django before anything imports models (the routing imports consumers).
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from latentpedia.asgi_handler import PooledThreadASGIHandler  # noqa: E402

django_asgi_app = PooledThreadASGIHandler(threads=settings.ASGI_REQUEST_THREADS,
                                          slow_after_s=settings.ASGI_SLOW_REQUEST_S)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from game.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
