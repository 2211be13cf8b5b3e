"""One error type for every layer of inference (engine, server, client, API view).

It carries the HTTP status and the request field at fault, so each layer can pass it on
unchanged: the engine says "404, field index", the server and the API answer with exactly that.
"""

from __future__ import annotations


class InferenceError(Exception):
    def __init__(self, message: str, *, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field

    def as_dict(self) -> dict[str, str]:
        out = {"error": self.message}
        if self.field:
            out["field"] = self.field
        return out
