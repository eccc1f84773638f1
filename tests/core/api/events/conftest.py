"""Fixtures of the organizer and event API tests: the organizer's default sales channels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session


@pytest.fixture
def channels(db_session: Session, organizer: Any) -> list[Any]:
    """The default sales channels (``web``, ``api``) of ``organizer``."""
    from core.services.channels import create_default_channels

    return create_default_channels(db_session, organizer)
