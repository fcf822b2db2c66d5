"""The payment-api's failures. Class names are what ends up in ``logs.error_type``.

Timeouts use Python's built-in :class:`TimeoutError`, as real client libraries raise it.
"""

from __future__ import annotations


class PaymentApiError(Exception):
    """A failure the API answers with ``status_code`` (and logs with its stack trace)."""

    status_code = 500
    code = "internal_error"


class DatabaseConnectionError(PaymentApiError):
    """The payments database could not hand out a connection."""

    status_code = 503
    code = "database_unavailable"


class PaymentDeclinedError(PaymentApiError):
    """The card network declined the charge (a business outcome, still logged as an ERROR)."""

    status_code = 402
    code = "payment_declined"


class PaymentNotFoundError(PaymentApiError):
    status_code = 404
    code = "payment_not_found"


class RefundRejectedError(PaymentApiError):
    """A refund larger than what is left of the payment."""

    status_code = 409
    code = "refund_rejected"


#: status codes of failures that are not ours to define
STATUS_OF = {TimeoutError: 504}


def status_of(exc: BaseException) -> int:
    if isinstance(exc, PaymentApiError):
        return exc.status_code
    for kind, status in STATUS_OF.items():
        if isinstance(exc, kind):
            return status
    return 500


class ValidationError(PaymentApiError):
    """A well-formed request the business rules refuse (unknown currency, amount over the limit)."""

    status_code = 422
    code = "invalid_payment"


#: failures logged as ERROR with error_type and stack trace; others (404, 409) are WARN
LOGGED_AS_ERRORS = (DatabaseConnectionError, PaymentDeclinedError, ValidationError, TimeoutError)
