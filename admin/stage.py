"""Which tables a run works on: the stage's, as the app reads them (R-ADM-1).

chalicelib reads its settings from the environment once, and PynamoDB binds each model to its
table when the model is defined; so the stage's variables go into the environment before any
module of chalicelib.store is imported. They are `.chalice/config.json`'s for the stage when
the file is at hand (a checkout of the project), else the names the template gives a stack named
`ecuapass-<stage>` (docs/deploy.md), which tests/package/test_template.py holds equal.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The variables that choose what a run touches; the rest of a stage's settings (timeouts, CORS)
# are the API's business.
TABLE_KINDS = ("users", "claims", "codes", "sessions", "audit", "limits")
STAGE_VARIABLES = (
    "STAGE",
    *(f"{kind.upper()}_TABLE" for kind in TABLE_KINDS),
    "MAIL_SENDER",
    "SENAE_MAIL_DOMAIN",
)
CONFIG_PATH = Path(".chalice") / "config.json"


class StageError(Exception):
    """The stage cannot be used in this run (a usage error: exit status 2)."""


def _config_files() -> list[Path]:
    checkout = Path(__file__).resolve().parent.parent
    return [checkout / CONFIG_PATH, Path.cwd() / CONFIG_PATH]


def stage_variables(stage: str) -> dict[str, str]:
    """The stage's table names, sender and SENAE domain."""
    for path in _config_files():
        if path.is_file():
            stages = json.loads(path.read_text(encoding="utf-8"))["stages"]
            if stage not in stages:
                known = ", ".join(sorted(stages))
                raise StageError(f"La etapa «{stage}» no existe. Use una de estas: {known}.")
            declared: dict[str, str] = stages[stage]["environment_variables"]
            return {name: declared[name] for name in STAGE_VARIABLES if name in declared}
    return {
        "STAGE": stage,
        **{f"{kind.upper()}_TABLE": f"ecuapass-{stage}-{kind}" for kind in TABLE_KINDS},
    }


def use_stage(stage: str) -> None:
    """Point this process at `stage`'s tables, before chalicelib's settings are read.

    The region is the app's (AWS_REGION, AWS_DEFAULT_REGION), else the operator's profile's.
    """
    variables = stage_variables(stage)
    if "chalicelib.store.models" in sys.modules:
        # Already bound (a test calling main() in-process): only the same tables will do.
        from chalicelib.config import get_settings

        if get_settings().users_table != variables["USERS_TABLE"]:
            raise StageError(
                f"Este proceso ya trabaja con otra etapa ({get_settings().stage}); ejecute el "
                f"comando de nuevo con --stage {get_settings().stage} o en otra terminal."
            )
        return
    os.environ.update(variables)
    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        import botocore.session

        region = botocore.session.get_session().get_config_variable("region")
        if region:
            os.environ["AWS_DEFAULT_REGION"] = str(region)
