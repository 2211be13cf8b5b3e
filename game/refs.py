"""`model/source/index`: how a feature is named in URLs, the API, exports and the session.

Slugs and an index are all it takes to find a feature again in any process (or after a
re-import, which keeps them while row ids may change), so this is what leaves the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from django.urls import reverse

# Slugs as SlugField allows them; the index bound keeps int() and the database column sane.
_PATTERN = re.compile(r"^(?P<model>[-\w]+)/(?P<source>[-\w]+)/(?P<index>\d{1,9})$")


@dataclass(frozen=True)
class FeatureRef:
    model: str
    source: str
    index: int

    @classmethod
    def parse(cls, raw: str) -> FeatureRef | None:
        """`model/source/index`, or None when `raw` is not one (it comes from a query string)."""
        match = _PATTERN.match(raw or "")
        if not match:
            return None
        return cls(match["model"], match["source"], int(match["index"]))

    def __str__(self) -> str:
        return f"{self.model}/{self.source}/{self.index}"

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "source": self.source, "index": self.index}

    def sibling(self, index: int) -> FeatureRef:
        """Another feature of the same source (a neighbour)."""
        return replace(self, index=int(index))

    def url(self) -> str:
        return reverse("feature", args=[self.model, self.source, self.index])

    def play_url(self) -> str:
        """The puzzle page opened on this feature: where a player goes back to after login."""
        return f"{reverse('play')}?feature={self}"
