from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.ping_answers import PingAnswers
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    ping_id: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/attendance/system/pings/{ping_id}".format(
            ping_id=quote(str(ping_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PingAnswers | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = PingAnswers.from_dict(response.json())

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
) -> Response[PingAnswers | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    ping_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[PingAnswers | ProblemDetails]:
    """Get Ping

    Args:
        ping_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PingAnswers | ProblemDetails]
    """

    kwargs = _get_kwargs(
        ping_id=ping_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    ping_id: UUID,
    *,
    client: AuthenticatedClient,
) -> PingAnswers | ProblemDetails | None:
    """Get Ping

    Args:
        ping_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PingAnswers | ProblemDetails
    """

    return sync_detailed(
        ping_id=ping_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    ping_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[PingAnswers | ProblemDetails]:
    """Get Ping

    Args:
        ping_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PingAnswers | ProblemDetails]
    """

    kwargs = _get_kwargs(
        ping_id=ping_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    ping_id: UUID,
    *,
    client: AuthenticatedClient,
) -> PingAnswers | ProblemDetails | None:
    """Get Ping

    Args:
        ping_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PingAnswers | ProblemDetails
    """

    return (
        await asyncio_detailed(
            ping_id=ping_id,
            client=client,
        )
    ).parsed
