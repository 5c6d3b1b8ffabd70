"""The server's settings, handed to every worker process through one environment variable."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

VARIABLE = "RULERUN_SERVE_SETTINGS"


@dataclass(frozen=True)
class Settings:
    """What `rulerun serve` was started with."""

    measures: str = "measures"
    token_file: str | None = None
    decision_log: str | None = None
    max_body: int = 1_000_000
    max_batch_cases: int = 1_000_000
    reload_interval: float = 1.0
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    edit: bool = False  # the workbench may write measure files

    def to_env(self) -> None:
        """Put these settings where the worker processes read them."""
        os.environ[VARIABLE] = json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> "Settings":
        """The settings the server process put in the environment."""
        data = json.loads(os.environ[VARIABLE])
        data["cors_origins"] = tuple(data.get("cors_origins") or ())
        return cls(**data)
