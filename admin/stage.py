"""Which tables a run works on: the stage's, as the app reads them (R-ADM-1).

chalicelib reads its settings from the environment once, and PynamoDB binds each model to its
table when the model is defined; so the stage's variables go into the environment before any
module of chalicelib.store is imported. They are `.chalice/config.json`'s for the stage when
the file is at hand (a checkout of the project), else the names the template gives a stack named
`ecuapass-<stage>` (docs/deploy.md), which tests/package/test_template.py holds equal.

The `local` stage is `make run`'s moto at AWS_ENDPOINT_URL (the banner prints the command), with
moto's fake credentials and region whatever the shell holds.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# The variables that choose what a run touches and what it tells; the rest of a stage's settings
# (timeouts, CORS) are the API's business.
TABLE_KINDS = ("users", "claims", "codes", "sessions", "audit", "limits")
STAGE_VARIABLES = (
    "STAGE",
    *(f"{kind.upper()}_TABLE" for kind in TABLE_KINDS),
    "MAIL_SENDER",
    "SENAE_MAIL_DOMAIN",
    # The owner's notices name the configuration set that reports their bounces (R-MAIL-1) and
    # link to the stage's own web form and privacy notice (R-PRIV-1).
    "SES_CONFIGURATION_SET",
    "WEB_BASE_URL",
    # The export tells whether the acknowledged notice is the current one, as the API's does
    # (R-PRIV-3).
    "PRIVACY_NOTICE_VERSION",
)
CONFIG_PATH = Path(".chalice") / "config.json"

# `make run`'s stage (devstack/run.py): its tables live in moto, in this region, and moto takes
# any key; so the local stage never sends the shell's real credentials anywhere.
LOCAL_STAGE = "local"
LOCAL_AWS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
REAL_CREDENTIALS = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


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
        "SES_CONFIGURATION_SET": f"ecuapass-{stage}",
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
    local = _local_aws() if stage == LOCAL_STAGE else {}
    os.environ.update({**variables, **local})
    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        import botocore.session

        region = botocore.session.get_session().get_config_variable("region")
        if region:
            os.environ["AWS_DEFAULT_REGION"] = str(region)


def _local_aws() -> dict[str, str]:
    """`--stage local` works on the moto of `make run`, whose banner prints its address."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        raise StageError(
            "La etapa local es el entorno de `make run`: indique la dirección de «AWS emulado» "
            "que muestra al iniciar, por ejemplo AWS_ENDPOINT_URL=http://127.0.0.1:5000."
        )
    for name in REAL_CREDENTIALS:
        os.environ.pop(name, None)
    return LOCAL_AWS
