"""Rows read with written-out SQL, handed over as the ORM's own model instances.

On the hot routes, building a query through the ORM costs several times what the database
takes to answer it. These helpers let a caller write the SQL once and still get instances
that the rest of the code cannot tell from a queryset's (`Model.from_db`, with the database's
value converters applied: booleans, JSON and datetimes on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@cache
def columns(model: type[Model], *, alias: str, skip: tuple[str, ...] = ()) -> tuple[tuple[str, ...], str]:
    """(attnames, `alias.col, alias.col, ...`) of the model's concrete fields, minus the field
    names in `skip` (left deferred on the instances)."""
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    names = tuple(f.attname for f in fields)
    return names, ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)


def table(model: type[Model]) -> str:
    """The model's table name, quoted for this database."""
    return connection.ops.quote_name(model._meta.db_table)


def instance(model: type[M], names: tuple[str, ...], values: Sequence[Any]) -> M:
    """The instance a queryset would have built from these column values."""
    out = list(values)
    for i, field, converters in _converters(model, names):
        value = out[i]
        if value is not None:
            for convert in converters:
                value = convert(value, field, connection)
            out[i] = value
    return model.from_db(connection.alias, list(names), out)


@cache
def _converters(model: type[Model], names: tuple[str, ...]) -> tuple[tuple[int, Any, tuple], ...]:
    """(position, field, converters) of the columns that have converters on this database."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    out = []
    for i, name in enumerate(names):
        field = by_attname[name]
        converters = tuple(connection.ops.get_db_converters(field.cached_col) + field.get_db_converters(connection))
        if converters:
            out.append((i, field, converters))
    return tuple(out)
