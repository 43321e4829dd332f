"""Ecuapass "Usuario General" registration API: wiring only (blueprints, CORS, logging).

Importing this module does no network I/O and needs no environment variable (chalicelib.config
has the `dev` stage's defaults).
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, CORSConfig, Rate
from chalice.app import CloudWatchEvent, SNSEvent

from chalicelib import logs
from chalicelib.config import get_settings
from chalicelib.handlers import (
    account_sessions,
    accounts,
    catalogs,
    challenge,
    delivery,
    http,
    meta,
    privacy,
    recovery,
    registration,
    retention,
    second_factor,
    sessions,
)

settings = get_settings()

app = Chalice(app_name="ecuapass-registro")
logs.configure(settings.log_level, app.log)
app.register_middleware(http.access_log, "http")
app.register_middleware(http.security_headers, "http")
app.api.cors = CORSConfig(
    allow_origin=settings.cors_origin,
    allow_headers=["Authorization", "Content-Type"],
    # Content-Disposition: the web page on its own origin names the data export's file as the
    # API does (R-PRIV-3).
    expose_headers=["Retry-After", "Content-Disposition"],
    max_age=600,
)

for blueprint in (catalogs.bp, registration.bp, sessions.bp, accounts.bp, recovery.bp, meta.bp):
    app.register_blueprint(blueprint)
app.register_blueprint(account_sessions.bp)
app.register_blueprint(challenge.bp)
app.register_blueprint(second_factor.bp)
app.register_blueprint(privacy.bp)


# The functions of their own in the same package are declared on the app, not on a blueprint:
# Lambda then loads them as `app.<name>`, so their cold start imports this module and its
# logging set-up (R-OPS-3) as the API's does.


@app.on_sns_message(topic=settings.ses_events_topic, name="ses_events")
def ses_events(event: SNSEvent) -> None:
    """R-MAIL-1, R-MAIL-2: SES's feedback, through the configuration set's topic."""
    delivery.handle(event.message)


@app.schedule(Rate(1, unit=Rate.HOURS), name="retention")
def retention_job(event: CloudWatchEvent) -> dict[str, Any]:
    """R-PRIV-4: the hourly retention run."""
    return retention.run_job()
