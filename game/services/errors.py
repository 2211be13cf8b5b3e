"""One exception type for refused actions, carrying what the API needs to answer."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An action the rules refuse. `status` is the HTTP status the API answers with;
    `extra` goes into the JSON body beside `error` (e.g. `field`, `existing_id`)."""

    def __init__(self, message: str, *, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = {k: v for k, v in extra.items() if v is not None}
