"""Is the database reachable, and is its schema at the Alembic head?"""

from __future__ import annotations

import time
from dataclasses import dataclass

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from alembic import command
from vocahire.infra.database import get_engine
from vocahire.settings import PROJECT_ROOT


@dataclass(frozen=True)
class SchemaStatus:
    reachable: bool
    current_revision: str | None
    head_revision: str | None
    latency_ms: float | None

    @property
    def at_head(self) -> bool:
        return self.current_revision is not None and self.current_revision == self.head_revision

    @property
    def ready(self) -> bool:
        return self.reachable and self.at_head


def alembic_config(url: str | None = None) -> Config:
    """The project's Alembic configuration, aimed at ``url`` (default: the settings' migration URL)."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if url is not None:
        cfg.attributes["url"] = url
        cfg.attributes["configure_logger"] = False
    return cfg


def upgrade_to_head(url: str | None = None) -> None:
    """Apply every migration, as `alembic upgrade head` does.

    Tests and benchmarks build their databases with it.
    """
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def check_database() -> SchemaStatus:
    head = head_revision()
    started = time.perf_counter()
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:
                current = None
    except Exception:
        return SchemaStatus(False, None, head, None)
    return SchemaStatus(True, current, head, round((time.perf_counter() - started) * 1000, 2))
