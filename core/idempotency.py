"""`Idempotency-Key` for any endpoint, with one decorator.

The first request with a key claims it in a short transaction of its own (a unique row), runs,
and stores its response. A replay with the same body gets the stored status and body back with
`Idempotent-Replayed: true`; the same key with a different body is 422 `idempotency_key_reused`.
Two requests with one key at once: the second waits for the first and replays it (or, if the
first is still running after a while, gets 409 `idempotency_request_in_progress`). Responses of
5xx and 429 and unexpected errors release the key, so a retry runs again. Keys are scoped to the tenant
and the credential (consumer or API key) that sent them.

Atomicity: by default the view's units of work join one enclosing transaction in which its
response is stored too, so a crash leaves either nothing (the retry runs again) or the change
with its response (the retry replays it). A use case that owns several transactions because it
calls a provider between them (checkout, refunds) says `@idempotent(own_transactions=True)` and
keys what it creates by `request_key()` (a unique column), so a retry after a crash finds it.
`conceal=("field",)` stores that field of the body as null: a secret is shown only once.

Claimed with the view's own writes (`claimed_in_writes=True`: checkout and the offline payment): no claim
statement before the view runs, so a keyed request costs one round trip more than an unkeyed one, not two.
A view that owns its transactions writes the key's row (`claim_row()`) in the statement that creates what it
makes, and its response is stored after it; in a view run in one transaction the key's row, response and
all, is the transaction's last statement. Either way the claim commits with the work or not at all. A key used
before makes that statement fail on the row's primary key (the view's transaction rolls back whole), or the
view finds what the key created by its natural key; then the earlier request's response is replayed (or its
different body refused) instead of this one's, as with a claim made first. A refusal is checked against the
key's record the same way before it is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from datetime import datetime, timedelta
from functools import wraps

from flask import Response, g, make_response, request
from sqlalchemy import Integer, String, Text, bindparam, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import HTTPException

from core import clock, faults
from core.db import Base, UTCDateTime, enclosing_unit_of_work, insert_ignoring_conflicts, statement_by_statement
from core.driver import defer_on_driver
from core.errors import DomainError, InvalidRequest, http_error_body
from core.tenancy import TenantScoped, current_tenant_id
from core.writes import NewRow

HEADER = "Idempotency-Key"
LOCK_SECONDS = 60
WAIT_SECONDS = 10.0
RETAIN = timedelta(hours=24)


class IdempotencyKeyReused(DomainError):
    status, reason = 422, "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request"


class IdempotencyRequestInProgress(DomainError):
    status, reason = 409, "idempotency_request_in_progress"
    message = "A request with this Idempotency-Key is still being processed"


class IdempotencyRecord(TenantScoped, Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    locked_until: Mapped[datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


def _fingerprint() -> str:
    body = request.get_data(cache=True) or b""
    with contextlib.suppress(ValueError):  # not JSON: compare the raw bytes
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Claim the key; None if we own it now, else the existing record (completed or running)."""
    now = clock.now()
    # Statement by statement: each one below is safe alone (the INSERT is the claim; the take-over is
    # guarded on the lock it saw), and a fresh claim then costs one round trip, not BEGIN, INSERT, COMMIT.
    with statement_by_statement() as session:
        inserted = insert_ignoring_conflicts(session, IdempotencyRecord.__table__,
                                             _claim_values(scope, key, fingerprint),
                                             index_elements=["tenant_id", "scope", "key"])
        g.idempotency_fresh = bool(inserted)
        if inserted:
            return None
        record = session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        ).one()
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        stale = record.response_status is None and record.locked_until and record.locked_until < now
        if stale:
            # The first owner died mid-request: take the key over, guarded on the lock we saw.
            taken = session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.scope == scope,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.locked_until == record.locked_until,
                    IdempotencyRecord.response_status.is_(None),
                )
                .values(locked_until=now + timedelta(seconds=LOCK_SECONDS))
            ).rowcount
            if taken:
                return None
        return record


def claim_row() -> NewRow | None:
    """For a view claimed in its writes: the key's row, to insert with the first thing the view creates (core.db
    NewRow, no conflict skipping: a key used before must fail that statement). None without a key, or once
    written."""
    values = g.pop("idempotency_unwritten", None)
    return None if values is None else NewRow(IdempotencyRecord.__table__, values)


def _claim_values(scope: str, key: str, fingerprint: str) -> dict:
    now = clock.now()
    return {"tenant_id": current_tenant_id(), "scope": scope, "key": key, "fingerprint": fingerprint,
            "locked_until": now + timedelta(seconds=LOCK_SECONDS), "response_status": None, "response_body": None,
            "created_at": now}


def _store(scope: str, key: str, response: Response, *, conceal: tuple[str, ...] = (), session=None) -> None:
    """Keep the response for replays (in `session`'s transaction, or one of its own)."""
    if session is None:
        with statement_by_statement() as own:  # one UPDATE: atomic by itself
            _store(scope, key, response, conceal=conceal, session=own)
        return
    session.execute(_STORE, {**_key_of(scope, key), "status": response.status_code,
                             "body": _kept_body(response, conceal)})


# Built once: these run on keyed requests. The sessions they run in hold no IdempotencyRecord objects to keep in
# step, so the ORM is told not to look: by default it evaluated the WHERE against the session's objects, compiling
# an evaluator on every call, which cost more than the statement (issue 14).
_KEY_IS = (IdempotencyRecord.scope == bindparam("the_scope"), IdempotencyRecord.key == bindparam("the_key"))
_RESPONSE = {"response_status": bindparam("status"), "response_body": bindparam("body"), "locked_until": None}
_STORE = update(IdempotencyRecord).where(*_KEY_IS).values(_RESPONSE).execution_options(synchronize_session=False)
_STORE_ON_OUR_CLAIM = (
    update(IdempotencyRecord)
    .where(*_KEY_IS, IdempotencyRecord.fingerprint == bindparam("the_fingerprint"),
           IdempotencyRecord.response_status.is_(None))
    .values(_RESPONSE).execution_options(synchronize_session=False)
)
_RELEASE = delete(IdempotencyRecord).where(*_KEY_IS).execution_options(synchronize_session=False)


def _key_of(scope: str, key: str) -> dict:
    return {"the_scope": scope, "the_key": key}


def _kept_body(response: Response, conceal: tuple[str, ...]) -> str:
    body = response.get_data(as_text=True)
    if not conceal or not 200 <= response.status_code < 300:
        return body
    document = json.loads(body)
    for field in conceal:
        if field in document:
            document[field] = None
    return json.dumps(document)


def _release(scope: str, key: str) -> None:
    with statement_by_statement() as session:  # one DELETE: atomic by itself
        session.execute(_RELEASE, _key_of(scope, key))


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _wait_for(scope: str, key: str, fingerprint: str) -> Response | None:
    """The first request's response once it is stored; None if its owner died and we took the key over."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        record = _claim(scope, key, fingerprint)
        if record is None:
            return None  # the first owner died and we took over
        if record.response_status is not None:
            return _replay(record)
    raise IdempotencyRequestInProgress()


def _error_response(error: Exception) -> Response:
    if isinstance(error, DomainError):
        body, status, headers = error.body(), error.status, error.headers()
    else:
        body, status, headers = http_error_body(error)
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _worth_keeping(response: Response) -> bool:
    """5xx and 429 (too many requests: try later) release the key, so the retry runs again."""
    return response.status_code < 500 and response.status_code != 429


def idempotent(view=None, *, own_transactions: bool = False, conceal: tuple[str, ...] = (),
               claimed_in_writes: bool = False):
    """Make a view honour `Idempotency-Key` (place it above flask-smorest's decorators).

    `@idempotent`: the view's units of work and the stored response commit as one transaction.
    `@idempotent(own_transactions=True)`: the view commits on its own (it calls a provider between
    transactions); what it creates must be unique on `request_key()`. `conceal`: body fields that
    replays return as null (secrets). `claimed_in_writes`: no claim statement before the view runs; with
    `own_transactions` the view puts `claim_row()` into its first write, otherwise the key's row is inserted
    with the response at the end of the view's transaction (see the module's docstring).
    """
    if view is None:
        return lambda decorated: idempotent(decorated, own_transactions=own_transactions, conceal=conceal,
                                            claimed_in_writes=claimed_in_writes)

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or current_tenant_id() is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 255:
            raise InvalidRequest("Idempotency-Key must be 1 to 255 characters",
                                 errors={"headers": {HEADER: ["Length must be between 1 and 255."]}})
        scope = g.get("principal_id") or "anonymous"
        fingerprint = _fingerprint()
        if claimed_in_writes:
            g.idempotency_claim, g.idempotency_fresh = (scope, key), True
            if own_transactions:
                g.idempotency_unwritten = _claim_values(scope, key, fingerprint)
            run = _run_claimed_in_writes if own_transactions else _run_and_record_together
            return run(view, args, kwargs, scope=scope, key=key, fingerprint=fingerprint, conceal=conceal)
        record = _claim(scope, key, fingerprint)
        if record is not None:
            if record.response_status is not None:
                return _replay(record)
            replayed = _wait_for(scope, key, fingerprint)
            if replayed is not None:
                return replayed
        g.idempotency_claim = (scope, key)
        run = _run_then_store if own_transactions else _run_and_store_together
        return run(view, args, kwargs, scope=scope, key=key, conceal=conceal)

    return wrapper


def request_key() -> str | None:
    """This request's Idempotency-Key as a natural key (per tenant and credential); None without one."""
    claim = g.get("idempotency_claim")
    if claim is None:
        return None
    scope, key = claim
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def first_use() -> bool:
    """Whether this request claimed its Idempotency-Key afresh: no earlier request with it is on record (a
    use case may skip looking for what an earlier attempt made; its unique `request_key()` still guards)."""
    return g.get("idempotency_claim") is not None and bool(g.get("idempotency_fresh"))


def _run_and_store_together(view, args, kwargs, *, scope: str, key: str, conceal: tuple[str, ...]) -> Response:
    try:
        with enclosing_unit_of_work() as session:
            response = _as_response(view(*args, **kwargs))
            if _worth_keeping(response):
                _store(scope, key, response, conceal=conceal, session=session)
    except (DomainError, HTTPException) as error:  # rolled back: nothing happened, so storing it later is safe
        return _refusal(error, scope=scope, key=key)
    except BaseException:
        _release(scope, key)
        raise
    faults.reached("idempotency.committed")
    if not _worth_keeping(response):
        _release(scope, key)
    return response


def _run_then_store(view, args, kwargs, *, scope: str, key: str, conceal: tuple[str, ...]) -> Response:
    try:
        response = _as_response(view(*args, **kwargs))
    except (DomainError, HTTPException) as error:
        return _refusal(error, scope=scope, key=key)
    except BaseException:
        _release(scope, key)
        raise
    faults.reached("idempotency.committed")
    if _worth_keeping(response):
        _store(scope, key, response, conceal=conceal)
    else:
        _release(scope, key)
    return response


def _run_claimed_in_writes(view, args, kwargs, *, scope: str, key: str, fingerprint: str,
                           conceal: tuple[str, ...]) -> Response:
    try:
        response = _as_response(view(*args, **kwargs))
    except IntegrityError as error:
        # The claim row met the key's earlier record, and the view found nothing the key created: the earlier
        # request was refused, is still running, or sent another body. Its answer, not ours.
        return _earlier_outcome_or_raise(scope, key, fingerprint, error)
    except (DomainError, HTTPException) as error:
        response = _error_response(error)
        if not _worth_keeping(response):
            _release(scope, key)  # the claim may have committed with the view's first write
            if response.status_code >= 500:
                raise
            return response
        return _store_ours_or_replay(scope, key, fingerprint, response, conceal=())
    except BaseException:
        _release(scope, key)
        raise
    faults.reached("idempotency.committed")
    if not _worth_keeping(response):
        _release(scope, key)
        return response
    return _store_ours_or_replay(scope, key, fingerprint, response, conceal=conceal)


def _run_and_record_together(view, args, kwargs, *, scope: str, key: str, fingerprint: str,
                             conceal: tuple[str, ...]) -> Response:
    try:
        with enclosing_unit_of_work() as session:
            response = _as_response(view(*args, **kwargs))
            if _worth_keeping(response):
                # The claim and the response in one INSERT, the transaction's last statement: a key used before
                # fails it (after the earlier request commits, if it is still running) and everything rolls back.
                record = {**_claim_values(scope, key, fingerprint), "locked_until": None,
                          "response_status": response.status_code, "response_body": _kept_body(response, conceal)}
                if record["tenant_id"] is None:
                    session.execute(_RECORD, record)
                else:  # with the COMMIT, in one message; its failure raised by the commit, handled below alike
                    defer_on_driver(session, _RECORD_WITH_THE_COMMIT, record)
    except IntegrityError as error:  # the key's record met an earlier one: everything rolled back
        return _earlier_outcome_or_raise(scope, key, fingerprint, error)
    except (DomainError, HTTPException) as error:  # rolled back: nothing happened and nothing was claimed
        response = _error_response(error)
        if not _worth_keeping(response):
            if response.status_code >= 500:
                raise
            return response
        return _store_ours_or_replay(scope, key, fingerprint, response, conceal=())
    faults.reached("idempotency.committed")
    return response


_RECORD = IdempotencyRecord.__table__.insert()
_RECORD_WITH_THE_COMMIT = text(
    "INSERT INTO idempotency_keys (tenant_id, scope, key, fingerprint, locked_until, response_status, "
    "response_body, created_at) VALUES (:tenant_id, :scope, :key, :fingerprint, :locked_until, :response_status, "
    ":response_body, :created_at)"
).bindparams(bindparam("locked_until", type_=UTCDateTime()), bindparam("created_at", type_=UTCDateTime()))


def _store_ours_or_replay(scope: str, key: str, fingerprint: str, response: Response, *,
                          conceal: tuple[str, ...]) -> Response:
    """Store the response on the claim this request wrote (one guarded UPDATE, the usual case); if the key's
    record is not an unanswered claim of this body, the earlier request's outcome instead."""
    with statement_by_statement() as session:
        stored = session.execute(_STORE_ON_OUR_CLAIM, {
            **_key_of(scope, key), "the_fingerprint": fingerprint, "status": response.status_code,
            "body": _kept_body(response, conceal)}).rowcount
    if stored:
        return response
    earlier = _earlier_outcome(scope, key, fingerprint)
    if earlier is None:  # no record at all (the view wrote no claim): claimed now, so ours to store
        _store(scope, key, response, conceal=conceal)
        return response
    return earlier


def _earlier_outcome_or_raise(scope: str, key: str, fingerprint: str, error: IntegrityError) -> Response:
    """After `error`: the earlier request's outcome; if the key was free after all, the failure was something
    else, so the key is left free and `error` raised."""
    earlier = _earlier_outcome(scope, key, fingerprint)
    if earlier is None:
        _release(scope, key)
        raise error
    return earlier


def _earlier_outcome(scope: str, key: str, fingerprint: str) -> Response | None:
    """What an earlier request with this key answered (waiting for it if it is still running; 422 for another
    body); None if the key was free (this claims it) or its owner died (this takes it over)."""
    record = _claim(scope, key, fingerprint)
    if record is None:
        return None
    if record.response_status is not None:
        return _replay(record)
    return _wait_for(scope, key, fingerprint)


def _refusal(error: Exception, *, scope: str, key: str) -> Response:
    response = _error_response(error)
    if not _worth_keeping(response):
        _release(scope, key)
        if response.status_code >= 500:
            raise error
        return response
    _store(scope, key, response)
    return response


def _as_response(result) -> Response:
    return result if isinstance(result, Response) else make_response(result)


def purge_expired(session) -> int:
    """Forget keys older than the retention window (run per tenant by the scheduler)."""
    cutoff = clock.now() - RETAIN
    return session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)).rowcount
