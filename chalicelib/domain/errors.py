"""One exception type per API error code (api.md, "Error codes").

The HTTP status lives on the class so that the mapping to HTTP happens in exactly one place
(`chalicelib.handlers.http.error_response`) by reading these attributes.
"""

from __future__ import annotations

from typing import Any

# The messages of refusals a transaction reads from its cancelled items (a concurrent request won
# between the check and the write); the store raises the errors below with them.

# A code that passed its check but was used, replaced or killed by wrong tries before the write
# that consumes it committed.
GONE_MEANWHILE = (
    "Este código de seguridad ya fue utilizado, reemplazado o bloqueado por intentos fallidos. "
    "Solicite un nuevo código."
)
# A recovery code whose account's address changed after it was mailed (R-HARD-3).
CODE_NO_LONGER_VALID = (
    "Este código de seguridad ya no es válido: el correo electrónico de la cuenta cambió "
    "después de enviarlo. Solicite un nuevo código."
)
# The undo of an e-mail change whose old address another account took meanwhile.
EMAIL_TAKEN_MEANWHILE = (
    "Su correo anterior ya está registrado en otra cuenta, así que no puede volver a esta. No "
    "se realizó ningún cambio. Comuníquese con el Servicio Nacional de Aduana del Ecuador."
)
ACCOUNT_CHANGED_MEANWHILE = (
    "La cuenta cambió en este mismo momento. No se realizó ningún cambio: abra el enlace "
    "nuevamente."
)
CONFIRMED_MEANWHILE = (
    "La cuenta cambió en este mismo momento. No se confirmó el cambio de correo electrónico: "
    "intente nuevamente."
)


class ApiError(Exception):
    code: str = "INTERNAL_ERROR"
    status: int = 500
    default_message: str = "Ocurrió un error inesperado. Intente nuevamente más tarde."
    # The errors of a counted try say how many are left before the lock (R-UX-2); None: the
    # error counts no tries and says nothing of them.
    default_attempts_left: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        retry_after: int | None = None,
        attempts_left: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        self.retry_after = retry_after
        self.attempts_left = (
            max(0, attempts_left) if attempts_left is not None else self.default_attempts_left
        )
        super().__init__(self.message)

    def details(self) -> dict[str, Any]:
        """What the error object carries besides code, message, fields and attempts_left."""
        return {}


class ValidationFailed(ApiError):
    code, status = "VALIDATION_ERROR", 400
    default_message = "Revise los campos marcados."


class InvalidDocument(ApiError):
    code, status = "INVALID_DOCUMENT", 400
    default_message = "El número de documento no es válido."


class UserIdTaken(ApiError):
    code, status = "USER_ID_TAKEN", 409
    default_message = "El ID de usuario ya está registrado. Elija otro."


class DocumentTaken(ApiError):
    code, status = "DOCUMENT_TAKEN", 409
    default_message = "Ya existe una cuenta activa con este documento de identificación."


class EmailTaken(ApiError):
    code, status = "EMAIL_TAKEN", 409
    default_message = "Este correo electrónico ya está registrado en otra cuenta."


class EmailUndeliverable(ApiError):
    """R-MAIL-3: SES's feedback says mail to the address bounced for good or was reported as
    spam; nothing was sent. Raised with `fields.email`."""

    code, status = "EMAIL_UNDELIVERABLE", 400
    default_message = (
        "No es posible enviar correos a esta dirección: un correo anterior fue rechazado "
        "definitivamente o marcado como no deseado. Revise que esté bien escrita o use otro "
        "correo electrónico."
    )

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.fields = self.fields or {"email": self.message}


class SecurityCodeNotRequested(ApiError):
    code, status = "SECURITY_CODE_NOT_REQUESTED", 400
    default_message = (
        "No se ha solicitado un código de seguridad para este correo electrónico. "
        "Presione «Solicitar código de seguridad»."
    )


class SecurityCodeRequired(ApiError):
    code, status = "SECURITY_CODE_REQUIRED", 400
    default_message = "Ingrese el código de seguridad enviado a su correo electrónico."


class SecurityCodeInvalid(ApiError):
    """`attempts_left`: tries of this code left (0 when it can no longer be used, R-UX-2)."""

    code, status = "SECURITY_CODE_INVALID", 400
    default_attempts_left = 0
    default_message = (
        "El código de seguridad es incorrecto. Revise el correo «ACTIVACIÓN DE CORREO "
        "ELECTRÓNICO» e ingréselo nuevamente."
    )


class SecurityCodeExpired(ApiError):
    code, status = "SECURITY_CODE_EXPIRED", 400
    default_message = "El código de seguridad ha expirado. Solicite un nuevo código de seguridad."


class SecurityCodeLocked(ApiError):
    code, status = "SECURITY_CODE_LOCKED", 400
    default_message = (
        "Se superó el número de intentos con este código de seguridad. "
        "Solicite un nuevo código de seguridad."
    )


class TooManyRequests(ApiError):
    code, status = "TOO_MANY_REQUESTS", 429
    default_message = "Demasiadas solicitudes. Espere un momento e intente nuevamente."


class InvalidCredentials(ApiError):
    """`attempts_left`: wrong passwords left before the lock-out (R-UX-2)."""

    code, status = "INVALID_CREDENTIALS", 401
    default_attempts_left = 0
    default_message = "El ID de usuario o la contraseña son incorrectos."


class Unauthorized(ApiError):
    code, status = "UNAUTHORIZED", 401
    default_message = "Su sesión no es válida o ha expirado. Ingrese nuevamente."


class AccountLocked(ApiError):
    code, status = "ACCOUNT_LOCKED", 423
    default_message = "La cuenta está bloqueada temporalmente por intentos fallidos."
    # True on the one answer whose failure started the lock (R-HARD-1), which the operators'
    # LockOuts metric counts (R-MAIL-5); the answers refused while it lasts are not lock-outs.
    started = False


class AccountDeactivated(ApiError):
    code, status = "ACCOUNT_DEACTIVATED", 403
    default_message = (
        "Esta cuenta fue dada de baja y no puede ingresar. Si lo necesita, registre un "
        "nuevo usuario."
    )


class FieldNotModifiable(ApiError):
    code, status = "FIELD_NOT_MODIFIABLE", 400
    default_message = (
        "El ID de usuario, el documento de identificación y el correo SENAE no se pueden "
        "modificar. Para cambiarlos, dé de baja esta cuenta y registre un nuevo usuario."
    )


class NameChangeNotAllowed(ApiError):
    code, status = "NAME_CHANGE_NOT_ALLOWED", 400
    default_message = (
        "Solo se permite corregir el nombre (tildes, errores de escritura, orden). Para "
        "registrar el nombre de otra persona, dé de baja esta cuenta y registre un nuevo usuario."
    )


class StaleUpdate(ApiError):
    code, status = "STALE_UPDATE", 409
    default_message = (
        "Sus datos cambiaron desde que los abrió. Vuelva a cargarlos y repita los cambios."
    )


class NotFound(ApiError):
    code, status = "NOT_FOUND", 404
    default_message = "El recurso solicitado no existe."


# Account recovery and the undo of an e-mail change (R-HARD-9) ---------------------------------


class PasswordRecoveryRequired(ApiError):
    """Log-in after an undone e-mail change: the password may be known to someone else."""

    code, status = "PASSWORD_RECOVERY_REQUIRED", 403
    default_message = (
        "Por seguridad, el correo electrónico anterior de esta cuenta fue restablecido y debe "
        "crear una contraseña nueva antes de ingresar. Use «¿Olvidó su contraseña?»: el código "
        "llegará a su correo electrónico personal."
    )


class LinkUsed(ApiError):
    code, status = "LINK_USED", 400
    default_message = (
        "Este enlace ya fue utilizado y no puede usarse otra vez. Si no puede ingresar, use "
        "«¿Olvidó su contraseña?»."
    )


class LinkExpired(ApiError):
    """The lifetime is a setting (R-HARD-9): `expired_after` says the configured one."""

    code, status = "LINK_EXPIRED", 410
    default_message = (
        "Este enlace venció. Comuníquese con el Servicio Nacional de Aduana del Ecuador si "
        "necesita ayuda."
    )

    @classmethod
    def expired_after(cls, lifetime: str) -> LinkExpired:
        return cls(
            f"Este enlace venció: solo es válido durante {lifetime} después del cambio. "
            "Comuníquese con el Servicio Nacional de Aduana del Ecuador si necesita ayuda."
        )


# R-ABUSE-1: why a proof-of-work solution was refused.
CHALLENGE_EXPIRED = (
    "La verificación automática de su navegador venció. Espere unos segundos a que se complete "
    "otra vez e intente nuevamente."
)
CHALLENGE_USED = (
    "La verificación automática de su navegador ya fue utilizada. Espere unos segundos a que "
    "se complete otra vez e intente nuevamente."
)


class ChallengeRequired(ApiError):
    code, status = "CHALLENGE_REQUIRED", 400
    default_message = (
        "Falta la verificación automática de su navegador. Active JavaScript, espere unos "
        "segundos a que se complete e intente nuevamente."
    )


class ChallengeInvalid(ApiError):
    code, status = "CHALLENGE_INVALID", 400
    default_message = (
        "La verificación automática de su navegador no es válida. Recargue la página, espere "
        "unos segundos a que se complete e intente nuevamente."
    )


class MailUnavailable(ApiError):
    code, status = "MAIL_UNAVAILABLE", 503
    default_message = (
        "No se pudo enviar el correo electrónico en este momento. No se realizó ningún "
        "cambio; intente nuevamente en unos minutos."
    )


class ServiceUnavailable(ApiError):
    code, status = "SERVICE_UNAVAILABLE", 503
    default_message = (
        "El servicio no está disponible en este momento. No se realizó ningún cambio; "
        "intente nuevamente en unos minutos."
    )


# The second factor (R-SEC-2) ------------------------------------------------------------------


class TotpRequired(ApiError):
    """The right password of an account with a second factor: the log-in goes on at
    POST /v1/sessions/totp with `challenge`, good for `expires_in_seconds`."""

    code, status = "TOTP_REQUIRED", 401
    default_message = (
        "Ingrese el código de 6 dígitos de su aplicación de autenticación, o uno de sus "
        "códigos de recuperación."
    )

    def __init__(self, challenge: str, expires_in_seconds: int) -> None:
        super().__init__()
        self.challenge = challenge
        self.expires_in_seconds = expires_in_seconds

    def details(self) -> dict[str, Any]:
        return {"totp_challenge": self.challenge, "expires_in_seconds": self.expires_in_seconds}


class TotpInvalid(ApiError):
    """`attempts_left`: wrong passwords or codes left before the lock-out (R-SEC-2, R-UX-2)."""

    code, status = "TOTP_INVALID", 401
    default_attempts_left = 0
    default_message = (
        "El código es incorrecto o ya fue utilizado. Ingrese el código que muestra ahora su "
        "aplicación de autenticación, o un código de recuperación que no haya usado."
    )


class TotpAlreadyEnabled(ApiError):
    code, status = "TOTP_ALREADY_ENABLED", 409
    default_message = (
        "Su cuenta ya tiene activado el segundo factor. Para registrar otra aplicación, "
        "desactívelo primero con su contraseña y un código."
    )


class TotpNotPending(ApiError):
    code, status = "TOTP_NOT_PENDING", 409
    default_message = (
        "No hay una activación del segundo factor en curso. Presione «Activar segundo factor» "
        "e ingrese su contraseña para empezar."
    )


class TotpNotEnabled(ApiError):
    code, status = "TOTP_NOT_ENABLED", 409
    default_message = "Su cuenta no tiene activado el segundo factor: no hay nada que desactivar."


# Every refusal of a security code (R-REG-11), as the use cases catch them together.
CODE_REFUSALS: tuple[type[ApiError], ...] = (
    SecurityCodeNotRequested,
    SecurityCodeRequired,
    SecurityCodeInvalid,
    SecurityCodeExpired,
    SecurityCodeLocked,
)
