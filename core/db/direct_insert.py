"""Inserting new ORM objects with Core ``INSERT`` statements, for hot paths that write a known set of rows.

The unit of work spends most of a flush on bookkeeping: sorting the mappers by their dependencies and visiting
every relationship of every object, also the empty ones. An order with one position has a dozen relationships per
object and costs several milliseconds to flush. :func:`insert_new` writes a list of *transient* objects that the
caller gives parents first: it copies the foreign keys of the many-to-one relationships (and of loaded one-to-many
collections) from the already written parents, inserts consecutive objects of one class with one statement that
returns what the database or a column default generated (primary keys, server defaults), and then attaches the
objects to the session as persistent, with every attribute they had as their committed state.

What the unit of work would have done besides is the caller's job: the session's flush hooks do not see these
rows (``before_flush``/``after_flush`` listeners: usage counters, journal tracking, ``organizer_id`` filling).
Many-to-many collections are not written (a non-empty one is refused).

A rollback of the transaction or savepoint the objects were written in expunges them and makes them transient
again (:func:`forget_new`), as it does with flushed objects; a session hook keeps track of them for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Column, Connection, event, insert
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE, ONETOMANY


@dataclass(frozen=True)
class _Plan:
    """What :func:`insert_new` needs to know of one mapper, computed once."""

    table: Any
    #: ``(attribute key, column)`` of every column of the mapper's table.
    columns: tuple[tuple[str, Column[Any]], ...]
    #: ``(relationship key, ((foreign key attribute, parent attribute), ...))`` of the many-to-one relationships.
    parents: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    #: ``(relationship key, child mapper, ((parent attribute, child foreign key attribute), ...))`` of one-to-many.
    children: tuple[tuple[str, Mapper[Any], tuple[tuple[str, str], ...]], ...]
    #: keys of the writable many-to-many relationships.
    many_to_many: tuple[str, ...]


@cache
def _plan(mapper: Mapper[Any]) -> _Plan:
    table = mapper.local_table
    columns = tuple((mapper.get_property_by_column(column).key, column) for column in table.columns)
    parents, children, many_to_many = [], [], []
    for rel in mapper.relationships:
        if rel.viewonly:
            continue
        if rel.direction is MANYTOONE:
            pairs = tuple((mapper.get_property_by_column(local).key, rel.mapper.get_property_by_column(remote).key)
                          for local, remote in rel.local_remote_pairs)
            parents.append((rel.key, pairs))
        elif rel.direction is ONETOMANY:
            pairs = tuple((mapper.get_property_by_column(source).key, rel.mapper.get_property_by_column(target).key)
                          for source, target in rel.synchronize_pairs)
            children.append((rel.key, rel.mapper, pairs))
        elif rel.direction is MANYTOMANY:
            many_to_many.append(rel.key)
    return _Plan(table, columns, tuple(parents), tuple(children), tuple(many_to_many))


def _copy_parent_keys(obj: Any, plan: _Plan) -> None:
    values = instance_state(obj).dict
    for key, pairs in plan.parents:
        parent = values.get(key)
        if parent is None:
            continue
        for own, theirs in pairs:
            value = getattr(parent, theirs)
            if value is None:
                raise ValueError(f"{obj!r}: its {key} {parent!r} has no {theirs} yet; give parents first")
            setattr(obj, own, value)
    for key in plan.many_to_many:
        if values.get(key):
            raise ValueError(f"{obj!r}: insert_new does not write many-to-many collections ({key})")


def _copy_to_children(obj: Any, plan: _Plan) -> None:
    values = instance_state(obj).dict
    for key, _mapper, pairs in plan.children:
        loaded = values.get(key)
        if loaded is None:
            continue
        for child in (loaded if isinstance(loaded, list | tuple | set) else [loaded]):
            if instance_state(child).key is None:
                for own, theirs in pairs:
                    setattr(child, theirs, getattr(obj, own))


def _batches(objects: Sequence[Any]) -> list[list[Any]]:
    """Runs of objects of one class, split where an object's parent is in the same run (add-ons of positions)."""
    batches: list[list[Any]] = []
    for obj in objects:
        mapper = instance_state(obj).mapper
        current = batches[-1] if batches else None
        if current and instance_state(current[0]).mapper is mapper:
            in_run = {id(o) for o in current}
            values = instance_state(obj).dict
            if not any(id(values.get(key)) in in_run for key, _pairs in _plan(mapper).parents):
                current.append(obj)
                continue
        batches.append([obj])
    return batches


@lru_cache(maxsize=256)
def _statement(mapper: Mapper[Any], given: tuple[str, ...]) -> tuple[Any, tuple[tuple[str, Column[Any]], ...]]:
    """The insert of ``mapper``'s rows with the columns ``given``, returning the others (built once: a statement
    object that is used again keeps its compiled form and cache key)."""
    plan = _plan(mapper)
    returned = tuple((key, column) for key, column in plan.columns if column.key not in given)
    statement = insert(plan.table)
    if returned:
        statement = statement.returning(*(column for _key, column in returned), sort_by_parameter_order=True)
    return statement, returned


def _insert_batch(connection: Connection, batch: list[Any]) -> None:
    mapper = instance_state(batch[0]).mapper
    plan = _plan(mapper)
    rows: list[dict[str, Any]] = []
    given: list[tuple[str, ...]] = []
    for obj in batch:
        _copy_parent_keys(obj, plan)
        values = instance_state(obj).dict
        row = {column.key: values[key] for key, column in plan.columns
               if key in values and not (column.primary_key and values[key] is None)}
        rows.append(row)
        given.append(tuple(row))
    if len(set(given)) > 1:
        for obj in batch:
            _insert_batch(connection, [obj])
        return
    statement, returned = _statement(mapper, given[0])
    result = connection.execute(statement, rows)
    if returned:
        for obj, generated in zip(batch, result.all(), strict=True):
            values = instance_state(obj).dict
            for (key, _column), value in zip(returned, generated, strict=True):
                values[key] = value
    for obj in batch:
        _copy_to_children(obj, plan)


def insert_new(session: Session, objects: Sequence[Any]) -> None:
    """Write the transient ``objects`` (parents first) with Core inserts and attach them as persistent; see the
    module docstring for what is left to the caller."""
    for obj in objects:
        state = instance_state(obj)
        if state.key is not None or state.session_id is not None:
            raise ValueError(f"insert_new writes transient objects only, not {obj!r}")
    connection = session.connection()
    for batch in _batches(objects):
        _insert_batch(connection, batch)
    for obj in objects:
        make_transient_to_detached(obj)
    session.add_all(objects)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_INSERTED, []).append((transaction, list(objects)))


def forget_new(session: Session, objects: Sequence[Any]) -> None:
    """Expunge ``objects`` and make them transient (their rows were rolled back)."""
    for obj in objects:
        if instance_state(obj).session_id is not None:
            session.expunge(obj)
        make_transient(obj)


_INSERTED = "ticketry.direct_insert.inserted"


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """The objects written in the rolled-back transaction (or a savepoint inside it) are transient again."""
    records = session.info.get(_INSERTED)
    if not records:
        return
    kept = []
    for transaction, objects in records:
        if _inside(transaction, previous):
            forget_new(session, objects)
        else:
            kept.append((transaction, objects))
    session.info[_INSERTED] = kept


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session: Session) -> None:
    """The rows are committed (the hook also fires for a released savepoint, whose objects an outer rollback can
    still remove: those are kept)."""
    if not session.in_nested_transaction():
        session.info.pop(_INSERTED, None)
