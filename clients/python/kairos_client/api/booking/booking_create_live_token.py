from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.live_token import LiveToken
from ...models.live_token_in import LiveTokenIn
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: LiveTokenIn | None | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/booking/live/tokens",
    }

    if isinstance(body, LiveTokenIn):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> LiveToken | ProblemDetails | None:
    if response.status_code == 201:
        response_201 = LiveToken.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

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
) -> Response[LiveToken | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: LiveTokenIn | None | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[LiveToken | ProblemDetails]:
    """A short-lived token that opens your event streams

     For clients that cannot send an Authorization header on a stream (a browser's
    `EventSource`): open `GET /me/bookings/stream?token=...` or
    `GET /providers/{id}/schedule/stream?token=...` with it. It stands for the caller
    (same user, same roles) for a minute; ask for a new one to reconnect later.

    Args:
        idempotency_key (str | Unset):
        body (LiveTokenIn | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LiveToken | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: LiveTokenIn | None | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> LiveToken | ProblemDetails | None:
    """A short-lived token that opens your event streams

     For clients that cannot send an Authorization header on a stream (a browser's
    `EventSource`): open `GET /me/bookings/stream?token=...` or
    `GET /providers/{id}/schedule/stream?token=...` with it. It stands for the caller
    (same user, same roles) for a minute; ask for a new one to reconnect later.

    Args:
        idempotency_key (str | Unset):
        body (LiveTokenIn | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LiveToken | ProblemDetails
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: LiveTokenIn | None | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[LiveToken | ProblemDetails]:
    """A short-lived token that opens your event streams

     For clients that cannot send an Authorization header on a stream (a browser's
    `EventSource`): open `GET /me/bookings/stream?token=...` or
    `GET /providers/{id}/schedule/stream?token=...` with it. It stands for the caller
    (same user, same roles) for a minute; ask for a new one to reconnect later.

    Args:
        idempotency_key (str | Unset):
        body (LiveTokenIn | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LiveToken | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: LiveTokenIn | None | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> LiveToken | ProblemDetails | None:
    """A short-lived token that opens your event streams

     For clients that cannot send an Authorization header on a stream (a browser's
    `EventSource`): open `GET /me/bookings/stream?token=...` or
    `GET /providers/{id}/schedule/stream?token=...` with it. It stands for the caller
    (same user, same roles) for a minute; ask for a new one to reconnect later.

    Args:
        idempotency_key (str | Unset):
        body (LiveTokenIn | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LiveToken | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
