"""The one module that talks to Stripe, and the only importer of `stripe`.

Every call gets its own `StripeClient` for the credentials in force (a tenant's own keys or the
environment's), so nothing global is configured. Every call that creates something carries an
idempotency key derived from our own id. Errors come out as two kinds: `ProviderUnreachable`
(no answer; the outcome is unknown and the same call may be retried with the same key) and
`ProviderRefused` (Stripe answered no).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import stripe

from core.errors import DomainError

TIMEOUT_SECONDS = 15
NETWORK_RETRIES = 1  # safe: every creating call carries an idempotency key

# Thread-safe (one requests.Session per thread), so connections are reused across calls.
_http_client = stripe.RequestsClient(timeout=TIMEOUT_SECONDS)


class PaymentProviderError(DomainError):
    status, reason = 502, "payment_provider_error"
    message = "The payment provider failed"


class ProviderUnreachable(PaymentProviderError):
    """No usable answer from Stripe: the outcome is unknown."""


class ProviderRefused(PaymentProviderError):
    """Stripe answered and refused."""


class MalformedEvent(DomainError):
    """A webhook whose signature holds but whose body is not a Stripe event we can read."""

    status, reason = 400, "invalid_event"
    message = "The event is signed, but it is not a Stripe event that can be read"


class UnreadableIntent(ValueError):
    """Stripe JSON that is not a PaymentIntent as we need it (missing or mistyped fields)."""


@dataclass(frozen=True)
class StripeCredentials:
    secret_key: str
    api_base: str | None = None


@dataclass(frozen=True)
class IntentState:
    id: str
    status: str  # Stripe's: requires_payment_method, processing, succeeded, canceled, …
    amount: int
    currency: str  # upper case, as we store currencies
    client_secret: str | None
    metadata: dict
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundState:
    id: str
    status: str  # Stripe's: pending, succeeded, failed, canceled, requires_action
    amount: int


def create_intent(credentials: StripeCredentials, *, amount: int, currency: str, metadata: dict,
                  idempotency_key: str) -> IntentState:
    """Create a PaymentIntent for an order (the consumer's client confirms it)."""
    params = {"amount": amount, "currency": currency.lower(), "metadata": metadata}
    intent = _call(lambda: _client(credentials).v1.payment_intents.create(
        params=params, options={"idempotency_key": idempotency_key}))
    return intent_state(intent.to_dict())


def retrieve_intent(credentials: StripeCredentials, intent_id: str) -> IntentState:
    """The PaymentIntent as Stripe sees it now."""
    return intent_state(_call(lambda: _client(credentials).v1.payment_intents.retrieve(intent_id)).to_dict())


def cancel_intent(credentials: StripeCredentials, intent_id: str) -> IntentState:
    """Cancel a PaymentIntent so it can no longer be paid; refused once it has succeeded."""
    return intent_state(_call(lambda: _client(credentials).v1.payment_intents.cancel(intent_id)).to_dict())


def create_refund(credentials: StripeCredentials, *, intent_id: str, amount: int, metadata: dict,
                  idempotency_key: str) -> RefundState:
    """Refund part of a succeeded PaymentIntent."""
    params = {"payment_intent": intent_id, "amount": amount, "metadata": metadata}
    refund = _call(lambda: _client(credentials).v1.refunds.create(
        params=params, options={"idempotency_key": idempotency_key}))
    return RefundState(id=refund.id, status=refund.status, amount=refund.amount)


def retrieve_refund(credentials: StripeCredentials, refund_id: str) -> RefundState:
    """A refund as Stripe sees it now."""
    refund = _call(lambda: _client(credentials).v1.refunds.retrieve(refund_id))
    return RefundState(id=refund.id, status=refund.status, amount=refund.amount)


@dataclass(frozen=True)
class TransferState:
    """A Stripe Connect transfer as we keep it."""

    id: str
    amount: int
    currency: str  # upper case
    destination: str
    reversed: bool
    amount_reversed: int
    created: int  # Unix seconds
    metadata: dict


def create_transfer(credentials: StripeCredentials, *, amount: int, currency: str, destination: str, metadata: dict,
                    transfer_group: str, idempotency_key: str) -> TransferState:
    """Send `amount` from the platform's balance to a connected account (a distributor's payout)."""
    params = {"amount": amount, "currency": currency.lower(), "destination": destination, "metadata": metadata,
              "transfer_group": transfer_group}
    return _transfer_state(_call(lambda: _client(credentials).v1.transfers.create(
        params=params, options={"idempotency_key": idempotency_key})).to_dict())


def find_transfer(credentials: StripeCredentials, *, transfer_group: str) -> TransferState | None:
    """The transfer made for `transfer_group` (ours name one withdrawal each), if Stripe has one: what a retry asks
    first, so that a transfer made by a run that died unrecorded is found even after the idempotency key expired."""
    found = _call(lambda: _client(credentials).v1.transfers.list(params={"transfer_group": transfer_group,
                                                                          "limit": 1}))
    return _transfer_state(found.data[0].to_dict()) if found.data else None


def retrieve_transfer(credentials: StripeCredentials, transfer_id: str) -> TransferState:
    """A transfer as Stripe sees it now (reversed since, or not)."""
    return _transfer_state(_call(lambda: _client(credentials).v1.transfers.retrieve(transfer_id)).to_dict())


def _transfer_state(data: dict) -> TransferState:
    try:
        return TransferState(id=data["id"], amount=int(data["amount"]), currency=str(data["currency"]).upper(),
                             destination=str(data["destination"]), reversed=bool(data.get("reversed")),
                             amount_reversed=int(data.get("amount_reversed") or 0), created=int(data["created"]),
                             metadata=dict(data.get("metadata") or {}))
    except (KeyError, TypeError, ValueError) as error:
        raise ProviderUnreachable(f"Stripe answered with a transfer we cannot read: {error}") from error


def verified_event(payload: bytes, signature: str, secret: str | None) -> dict | None:
    """The event in `payload` if `signature` proves `secret` signed it (recently); else None.

    A signed payload that is not an event (`{id, type, data: {object: {…}}}`) is MalformedEvent.
    """
    if not secret or not signature:
        return None
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
    except (stripe.SignatureVerificationError, ValueError):
        return None
    return _event(payload)


def _event(payload: bytes) -> dict:
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise MalformedEvent() from error
    data = event.get("data") if isinstance(event, dict) else None
    target = data.get("object") if isinstance(data, dict) else None
    if not (isinstance(target, dict) and isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
            and isinstance(target.get("metadata") or {}, dict)):
        raise MalformedEvent()
    return event


def _client(credentials: StripeCredentials) -> stripe.StripeClient:
    base = {"api": credentials.api_base} if credentials.api_base else {}
    return stripe.StripeClient(credentials.secret_key, base_addresses=base, http_client=_http_client,
                               max_network_retries=NETWORK_RETRIES)


def _call(request):
    try:
        return request()
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise ProviderUnreachable(f"Stripe is unreachable: {error.user_message or error}") from error
    except stripe.APIError as error:  # Stripe's own 5xx
        raise ProviderUnreachable(f"Stripe failed: {error.user_message or error}") from error
    except stripe.StripeError as error:
        raise ProviderRefused(f"Stripe refused: {error.user_message or error}") from error


def intent_state(data: dict) -> IntentState:
    """A PaymentIntent as we need it, from Stripe's JSON (an API answer or an event's `data.object`).

    UnreadableIntent if a field we need is missing or of the wrong type.
    """
    try:
        identity, status, currency = data["id"], data["status"], data["currency"]
        if not all(isinstance(value, str) for value in (identity, status, currency)):
            raise TypeError("id, status and currency are strings")
        if isinstance(data["amount"], bool) or not isinstance(data["amount"], int | str):
            raise TypeError("amount is an integer")
        failure = (data.get("last_payment_error") or {}).get("message")
        return IntentState(id=identity, status=status, amount=int(data["amount"]), currency=currency.upper(),
                           client_secret=data.get("client_secret"), metadata=dict(data.get("metadata") or {}),
                           failure_message=failure)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UnreadableIntent(f"not a PaymentIntent we can read: {error}") from error
