"""Scorers by name. The deployment picks one with `SCORING_METHOD`; others run on demand."""

from __future__ import annotations

from collections.abc import Callable

from scoring.base import Scorer

_FACTORIES: dict[str, Callable[[], Scorer]] = {}
_INSTANCES: dict[str, Scorer] = {}


def register(name: str) -> Callable[[Callable[[], Scorer]], Callable[[], Scorer]]:
    def deco(factory: Callable[[], Scorer]) -> Callable[[], Scorer]:
        _FACTORIES[name] = factory
        return factory

    return deco


def _load_builtin() -> None:
    import scoring.scorers  # noqa: F401 - each module registers itself


def available() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def get_scorer(name: str) -> Scorer:
    """The scorer registered as `name`. Instances are reused within a process because some
    load an embedding model; they hold no state that other processes must agree with."""
    _load_builtin()
    if name not in _FACTORIES:
        raise KeyError(f"Unknown scoring method {name!r}; known: {', '.join(sorted(_FACTORIES))}")
    if name not in _INSTANCES:
        _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


def scorer_version(name: str) -> str:
    """The version of the scorer registered as `name` ("1" for scorers that do not say)."""
    return str(getattr(get_scorer(name), "version", "1"))
