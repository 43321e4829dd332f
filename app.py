"""Ecuapass "Usuario General" registration API: wiring only (blueprints, CORS, logging).

Importing this module does no network I/O and needs no environment variable (chalicelib.config
has the `dev` stage's defaults).
"""

from __future__ import annotations

from chalice import Chalice, CORSConfig

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
# R-MAIL-1: SES's feedback, a function of its own in the same package.
app.register_blueprint(delivery.bp)
app.register_blueprint(second_factor.bp)
app.register_blueprint(privacy.bp)
