"""The one alembic environment of Ticketry, shared by the core lineage and every plugin lineage.

It is run by :mod:`core.db.migrate`, which puts the lineage and an open connection in
``config.attributes``; there is no ``alembic.ini`` and no offline (``--sql``) mode.
"""

from alembic import context

from core.db.migrate import MigrationError, context_options

lineage = context.config.attributes.get("lineage")
connection = context.config.attributes.get("connection")
if lineage is None or connection is None:
    raise MigrationError("run migrations through `ticketry db ...` or core.db.migrate, not the alembic command")

context.configure(connection=connection, **context_options(lineage))
with context.begin_transaction():
    context.run_migrations()
