from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkout_out import CheckoutOut
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    payment_id: UUID,
    *,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/payments/checkouts/{payment_id}/confirmation".format(
            payment_id=quote(str(payment_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckoutOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = CheckoutOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = ProblemDetails.from_dict(response.json())

        return response_402

    if response.status_code == 404:
        response_404 = ProblemDetails.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = ProblemDetails.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ProblemDetails.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CheckoutOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    payment_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Response[CheckoutOut | ProblemDetails]:
    """Confirm Checkout

     The browser confirmed the PaymentIntent (Stripe.js): payments re-fetches it now
    and answers the checkout as it is then (`verified` once authorized), instead of
    waiting for Stripe's event.

    Args:
        payment_id (UUID):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    payment_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> CheckoutOut | ProblemDetails | None:
    """Confirm Checkout

     The browser confirmed the PaymentIntent (Stripe.js): payments re-fetches it now
    and answers the checkout as it is then (`verified` once authorized), instead of
    waiting for Stripe's event.

    Args:
        payment_id (UUID):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutOut | ProblemDetails
    """

    return sync_detailed(
        payment_id=payment_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    payment_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Response[CheckoutOut | ProblemDetails]:
    """Confirm Checkout

     The browser confirmed the PaymentIntent (Stripe.js): payments re-fetches it now
    and answers the checkout as it is then (`verified` once authorized), instead of
    waiting for Stripe's event.

    Args:
        payment_id (UUID):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    payment_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> CheckoutOut | ProblemDetails | None:
    """Confirm Checkout

     The browser confirmed the PaymentIntent (Stripe.js): payments re-fetches it now
    and answers the checkout as it is then (`verified` once authorized), instead of
    waiting for Stripe's event.

    Args:
        payment_id (UUID):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            payment_id=payment_id,
            client=client,
            idempotency_key=idempotency_key,
        )
    ).parsed
