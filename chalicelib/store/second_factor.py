"""The second factor's writes (R-SEC-2): enrolment, confirmation, removal, the log-in challenge
and the session a right code opens.

Each is one DynamoDB call, conditional on the lock-out state the gate counted against (when
there is one, R-HARD-1) and on the factor as read: a TOTP step is accepted once, a recovery code
and a challenge are used once, even by requests that race (tests/server/test_totp_race.py).
When a transaction is refused, one read of the user item tells the state that moved (retry)
from the factor that changed (refuse).
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.lockout import login_state
from chalicelib.domain.records import (
    AuditEvent,
    FactorWrite,
    LoginState,
    Session,
    TotpChallenge,
)
from chalicelib.domain.totp import FactorUse
from chalicelib.store.accounts import _state_actions, _state_condition
from chalicelib.store.audit import audit_item
from chalicelib.store.batch import batch_get
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import TotpChallengeModel, UserModel
from chalicelib.store.sessions import to_model as session_model
from chalicelib.store.transactions import labelled_write
from chalicelib.store.users import to_user

# A challenge item outlives its expiry a little, so that a late answer reads "expired".
CHALLENGE_PURGE_MARGIN_SECONDS = 3600


def challenge_key(challenge_hash: str) -> str:
    return f"TOTP#{challenge_hash}"


class _Refused(Exception):
    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
        self.failed = failed


def _refused(failed: set[str]) -> Exception:
    return _Refused(failed)


def _factor_removal() -> list[Any]:
    return [
        UserModel.totp_secret.remove(),
        UserModel.totp_pending.remove(),
        UserModel.totp_recovery.remove(),
        UserModel.totp_last_step.remove(),
    ]


class DynamoSecondFactorStore:
    def _why(self, user_id: str, before: LoginState | None) -> FactorWrite:
        """After a refused write: the lock-out state moved (the gate retries), or the factor."""
        (item,) = batch_get([(UserModel, user_id)])
        if item is not None and before is not None and login_state(to_user(item)) != before:
            return FactorWrite.STATE_MOVED
        return FactorWrite.FACTOR_CHANGED

    def _user_write(
        self,
        user_id: str,
        actions: list[Any],
        condition: Condition,
        *,
        before: LoginState | None,
        audit: AuditEvent | None,
    ) -> FactorWrite:
        item = UserModel(user_id)
        if audit is None:
            with dynamodb_unavailable():
                try:
                    item.update(actions=actions, condition=condition)
                except UpdateError as exc:
                    if is_condition_failure(exc):
                        return self._why(user_id, before)
                    raise
            return FactorWrite.WRITTEN
        try:
            with labelled_write(_refused) as tx:
                tx.update("user", item, actions=actions, condition=condition)
                tx.save("audit", audit_item(audit))
        except _Refused:
            return self._why(user_id, before)
        return FactorWrite.WRITTEN

    def begin(
        self, user_id: str, sealed: str, *, before: LoginState, after: LoginState
    ) -> FactorWrite:
        """Keeps the secret shown at enrolment until its first code (a new enrolment replaces
        an unconfirmed one), with the password's attempt taken back."""
        return self._user_write(
            user_id,
            [*_state_actions(after), UserModel.totp_pending.set(sealed)],
            UserModel.user_id.exists()
            & _state_condition(UserModel, before)
            & UserModel.totp_secret.does_not_exist(),
            before=before,
            audit=None,
        )

    def enable(
        self,
        user_id: str,
        *,
        pending: str,
        recovery_hashes: tuple[str, ...],
        step: int,
        audit: AuditEvent,
        before: LoginState,
        after: LoginState,
    ) -> FactorWrite:
        """The pending secret becomes the account's, with its recovery codes and the step of the
        code that confirmed it; only if it is still the one read."""
        return self._user_write(
            user_id,
            [
                *_state_actions(after),
                UserModel.totp_secret.set(pending),
                UserModel.totp_pending.remove(),
                UserModel.totp_recovery.set(set(recovery_hashes)),
                UserModel.totp_last_step.set(step),
            ],
            _state_condition(UserModel, before)
            & (UserModel.totp_pending == pending)
            & UserModel.totp_secret.does_not_exist(),
            before=before,
            audit=audit,
        )

    def disable(
        self,
        user_id: str,
        *,
        secret: str,
        audit: AuditEvent,
        before: LoginState | None,
        after: LoginState | None,
    ) -> FactorWrite:
        """Removes the factor (the owner's with password and code, or the help desk's without a
        lock-out state), only if it is still the one read."""
        actions = _factor_removal()
        condition = UserModel.totp_secret == secret
        if before is not None and after is not None:
            actions = [*_state_actions(after), *actions]
            condition = condition & _state_condition(UserModel, before)
        return self._user_write(user_id, actions, condition, before=before, audit=audit)

    def open_challenge(
        self, challenge: TotpChallenge, *, before: LoginState, after: LoginState
    ) -> FactorWrite:
        """The right password's attempt taken back and the challenge stored, in one write."""
        item = TotpChallengeModel(
            challenge_key(challenge.challenge_hash),
            user_id=challenge.user_id,
            epoch=challenge.epoch,
            expires_at=challenge.expires_at,
            used=False,
            purge_at=challenge.expires_at + CHALLENGE_PURGE_MARGIN_SECONDS,
        )
        condition = (
            UserModel.user_id.exists()
            & _state_condition(UserModel, before)
            & UserModel.totp_secret.exists()
        )
        try:
            with labelled_write(_refused) as tx:
                tx.save("challenge", item, condition=TotpChallengeModel.key.does_not_exist())
                if after != before:
                    tx.update(
                        "user",
                        UserModel(challenge.user_id),
                        actions=_state_actions(after),
                        condition=condition,
                    )
                else:
                    tx.condition_check("user", UserModel, challenge.user_id, condition=condition)
        except _Refused:
            return self._why(challenge.user_id, before)
        return FactorWrite.WRITTEN

    def load_challenge(self, challenge_hash: str) -> TotpChallenge | None:
        """The challenge, if it exists and was not used (one strongly consistent read)."""
        with dynamodb_unavailable():
            try:
                item = TotpChallengeModel.get(challenge_key(challenge_hash), consistent_read=True)
            except TotpChallengeModel.DoesNotExist:
                return None
        if item.used:
            return None
        return TotpChallenge(
            challenge_hash=challenge_hash,
            user_id=item.user_id,
            epoch=int(item.epoch),
            expires_at=int(item.expires_at),
        )

    def open_session(
        self,
        session: Session,
        audit: AuditEvent,
        *,
        challenge_hash: str,
        use: FactorUse,
        before: LoginState,
        after: LoginState,
    ) -> FactorWrite:
        """The session, its audit item, the challenge used, the code consumed and the attempt
        taken back, in one transaction."""
        user_actions = _state_actions(after)
        condition = (
            _state_condition(UserModel, before)
            & (UserModel.session_epoch == session.epoch)
            & UserModel.totp_secret.exists()
        )
        if use.step is not None:
            user_actions.append(UserModel.totp_last_step.set(use.step))
            condition = condition & (
                UserModel.totp_last_step.does_not_exist() | (UserModel.totp_last_step < use.step)
            )
        if use.recovery_hash is not None:
            user_actions.append(UserModel.totp_recovery.delete({use.recovery_hash}))
            condition = condition & UserModel.totp_recovery.contains(use.recovery_hash)
        try:
            with labelled_write(_refused) as tx:
                tx.save("session", session_model(session))
                tx.save("audit", audit_item(audit))
                tx.update(
                    "challenge",
                    TotpChallengeModel(challenge_key(challenge_hash)),
                    actions=[TotpChallengeModel.used.set(True)],
                    condition=TotpChallengeModel.key.exists() & (TotpChallengeModel.used == False),  # noqa: E712  # a DynamoDB condition
                )
                tx.update("user", UserModel(session.user_id), user_actions, condition=condition)
        except _Refused as refused:
            if "challenge" in refused.failed:
                return FactorWrite.CHALLENGE_USED
            return self._why(session.user_id, before)
        return FactorWrite.WRITTEN
