"""gunicorn's logger, less the balancer's health checks (several a second per server), which
would bury every real request in the access log."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

QUIET_PATHS = frozenset({"/healthz"})


class AccessLogWithoutHealthChecks(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if environ.get("PATH_INFO") in QUIET_PATHS and getattr(resp, "status_code", 200) == 200:
            return
        super().access(resp, req, environ, request_time)
