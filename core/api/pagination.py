"""Lists: pretix's page envelope (``count``, ``next``, ``previous``, ``results``) and ``?ordering=``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pyramid.request import Request
from sqlalchemy import Select, func, select

from core.api.errors import NotFound, ValidationFailed

#: pretix's default and largest page size.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Ordering:
    """The fields a list may be ordered by (``?ordering=name`` or ``-name``; comma-separated for several).

    ``fields`` maps the public name to a column; ``default`` is used without a parameter; the primary
    key ``pk`` is appended so that pages are deterministic.
    """

    fields: Mapping[str, Any]
    default: Sequence[str] = ()
    pk: Any = None

    def columns(self, request: Request) -> list[tuple[Any, bool]]:
        """The requested ``(column, descending)`` pairs, the primary key last (400 for an unknown field)."""
        raw = request.GET.get("ordering", "")
        names = [n.strip() for n in raw.split(",") if n.strip()] or list(self.default)
        out = []
        for name in names:
            column = self.fields.get(name.lstrip("-"))
            if column is None:
                raise ValidationFailed({"ordering": [
                    f"Select a valid choice. {name} is not one of the available choices: "
                    f"{', '.join(sorted(self.fields))}."]})
            out.append((column, name.startswith("-")))
        if self.pk is not None:
            out.append((self.pk, False))
        return out

    def apply(self, request: Request, stmt: Select) -> Select:
        return stmt.order_by(*_clauses(self.columns(request)))


def _clauses(columns: Sequence[tuple[Any, bool]], *, reverse: bool = False) -> list[Any]:
    return [column.desc() if descending != reverse else column.asc() for column, descending in columns]


def _positive(request: Request, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        if name == "page":
            raise NotFound("Invalid page.") from None
        return default
    if value < 1:
        if name == "page":
            raise NotFound("Invalid page.")
        return default
    return value


def page_url(request: Request, page: int | None) -> str:
    """The list URL with the current query and ``page`` replaced (removed for page 1), keys sorted like DRF."""
    params = [(k, v) for k, v in request.GET.items() if k != "page"]
    if page is not None and page > 1:
        params.append(("page", str(page)))
    params.sort(key=lambda kv: kv[0])
    query = urlencode(params)
    return request.path_url + ("?" + query if query else "")


def paginate(
    request: Request, stmt: Select, render_rows: Callable[[list[Any]], list[Any]], *,
    ordering: Ordering | None = None, unique: bool = False,
) -> dict[str, Any]:
    """One page of ``stmt`` (``?page=``, ``?page_size=`` up to 50) rendered by ``render_rows``.

    ``render_rows`` gets the ORM rows of the page and returns their JSON-able forms; load related
    rows for the whole page there (a constant number of queries per page). A page past the end is a
    404 ``Invalid page.`` (page 1 of an empty list is fine).
    """
    page_size = min(_positive(request, "page_size", PAGE_SIZE), PAGE_SIZE)
    page = _positive(request, "page", 1)
    ordered = ordering.apply(request, stmt) if ordering is not None else stmt
    count = request.dbsession.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if page > 1 and (page - 1) * page_size >= count:
        raise NotFound("Invalid page.")
    stmt = ordered
    result = request.dbsession.execute(stmt.limit(page_size).offset((page - 1) * page_size))
    rows = list(result.unique().scalars() if unique else result.scalars())
    return {
        "count": count,
        "next": page_url(request, page + 1) if page * page_size < count else None,
        "previous": page_url(request, page - 1) if page > 1 else None,
        "results": render_rows(rows),
    }


def paginate_keys(
    request: Request, keys: Select, render_page: Callable[[Select, list[Any]], list[Any]], *, ordering: Ordering,
) -> dict[str, Any]:
    """:func:`paginate` for big tables: ``keys`` selects the primary key (``ordering.pk``) of the filtered rows.

    The page is found on the keys alone, which an index on the filter and ordering columns answers without
    reading the table (deep ``OFFSET`` pages skip index entries, not rows), and a page past the middle is read
    from the end in reverse order (the ordering ends with the primary key, so it is total and its reverse is
    exact). ``render_page(page_keys, order_by)`` gets a select of the page's keys and the ORDER BY clauses of
    the requested ordering, and returns the page's rows rendered in that order.
    """
    if ordering.pk is None:
        raise ValueError("paginate_keys needs an ordering that ends with the primary key")
    page_size = min(_positive(request, "page_size", PAGE_SIZE), PAGE_SIZE)
    page = _positive(request, "page", 1)
    columns = ordering.columns(request)
    count = request.dbsession.scalar(select(func.count()).select_from(keys.order_by(None).subquery()))
    offset = (page - 1) * page_size
    if page > 1 and offset >= count:
        raise NotFound("Invalid page.")
    limit = min(page_size, count - offset) if count else page_size
    backwards = count > 0 and offset > count - offset - limit
    window = keys.order_by(*_clauses(columns, reverse=backwards)).limit(limit)
    window = window.offset(count - offset - limit if backwards else offset)
    return {
        "count": count,
        "next": page_url(request, page + 1) if page * page_size < count else None,
        "previous": page_url(request, page - 1) if page > 1 else None,
        "results": render_page(window, _clauses(columns)),
    }


def get_object(request: Request, stmt: Select, name: str | None = None) -> Any:
    """The single row of ``stmt`` or 404 (``No <name> matches the given query.`` when ``name`` is given)."""
    found = request.dbsession.scalars(stmt.limit(2)).first()
    if found is None:
        raise NotFound(f"No {name} matches the given query." if name else "Not found.")
    return found
