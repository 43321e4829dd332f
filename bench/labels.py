"""The names bench/actions.py gives the invocations that the budgets and the cost model of
bench/run.py and bench/cost.py look up."""

from __future__ import annotations

CATALOGUES = [
    "GET /v1/catalogs/countries",
    "GET /v1/catalogs/provinces",
    "GET /v1/catalogs/provinces/{code}/cities",
    "GET /v1/catalogs/mobile-operators",
    "GET /v1/catalogs/document-types",
]
AVAILABILITY = [
    "POST /v1/registration/user-id-availability",
    "POST /v1/registration/document-availability",
    "POST /v1/registration/email-availability",
]
PRIVACY_NOTICE = "GET /v1/privacy-notice"
CHALLENGE = "GET /v1/challenge"
CODE_REQUEST = "POST /v1/registration/security-code"
SIGN_UP = "POST /v1/registration"
LOG_IN = "POST /v1/sessions"
LOG_IN_SECOND_FACTOR = "POST /v1/sessions (second factor on)"
CODE_STEP_TOTP = "POST /v1/sessions/totp (TOTP code)"
CODE_STEP_RECOVERY = "POST /v1/sessions/totp (recovery code)"
READ = "GET /v1/account"
READ_SLIDING = "GET /v1/account (≥ 60 s after the last request: slides the session)"
PROFILE_SAVE = "PUT /v1/account (profile save)"

# SES's feedback (app.ses_events): what every mail sent brings back.
DELIVERY_NOTICE = "ses_events: Delivery, nothing to clear (each mail sent)"

# The retention job (app.retention), hourly.
RETENTION_FIRST = "retention: 1 account anonymised, 1 day of events stripped"
RETENTION_QUIET = "retention: a quiet hour (nothing new due)"
RETENTION_DAY = "retention: the first run of a new day (nothing due)"

# The proof of work's parts, measured alone.
POW_CHALLENGE = "ProofOfWork.challenge (a new challenge, signed)"
POW_CHECK = "ProofOfWork.check (signature, answer, expiry: CPU only)"
POW_REQUIRE = "ProofOfWork.require (check + the single-use write)"

FIRST = "(first request of a container)"
