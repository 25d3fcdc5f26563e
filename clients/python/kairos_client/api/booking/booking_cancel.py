from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.booking_out import BookingOut
from ...models.cancel_in import CancelIn
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    booking_id: UUID,
    *,
    body: CancelIn,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/booking/bookings/{booking_id}/cancel".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BookingOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = BookingOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ProblemDetails.from_dict(response.json())

        return response_403

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
) -> Response[BookingOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[BookingOut | ProblemDetails]:
    """Cancel

     Cancelled, with the refund the policy gives (`refund_amount_minor`): payments makes
    it after this answer (`refund: "pending"`).

    Args:
        booking_id (UUID):
        idempotency_key (str | Unset):
        body (CancelIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelIn,
    idempotency_key: str | Unset = UNSET,
) -> BookingOut | ProblemDetails | None:
    """Cancel

     Cancelled, with the refund the policy gives (`refund_amount_minor`): payments makes
    it after this answer (`refund: "pending"`).

    Args:
        booking_id (UUID):
        idempotency_key (str | Unset):
        body (CancelIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BookingOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[BookingOut | ProblemDetails]:
    """Cancel

     Cancelled, with the refund the policy gives (`refund_amount_minor`): payments makes
    it after this answer (`refund: "pending"`).

    Args:
        booking_id (UUID):
        idempotency_key (str | Unset):
        body (CancelIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelIn,
    idempotency_key: str | Unset = UNSET,
) -> BookingOut | ProblemDetails | None:
    """Cancel

     Cancelled, with the refund the policy gives (`refund_amount_minor`): payments makes
    it after this answer (`refund: "pending"`).

    Args:
        booking_id (UUID):
        idempotency_key (str | Unset):
        body (CancelIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BookingOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
