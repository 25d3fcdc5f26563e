from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.attendance_in import AttendanceIn
from ...models.marked_out import MarkedOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    booking_id: UUID,
    *,
    body: AttendanceIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/attendance/sessions/{booking_id}/attendance".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MarkedOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = MarkedOut.from_dict(response.json())

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
) -> Response[MarkedOut | ProblemDetails]:
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
    body: AttendanceIn,
) -> Response[MarkedOut | ProblemDetails]:
    """Mark

     The session's mentor (or an admin) marks or corrects its attendance once it started;
    every change is audited. The same mark again changes nothing (``changed`` false).

    Args:
        booking_id (UUID):
        body (AttendanceIn): The mark a mentor gives (or corrects) once the session started.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MarkedOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: AttendanceIn,
) -> MarkedOut | ProblemDetails | None:
    """Mark

     The session's mentor (or an admin) marks or corrects its attendance once it started;
    every change is audited. The same mark again changes nothing (``changed`` false).

    Args:
        booking_id (UUID):
        body (AttendanceIn): The mark a mentor gives (or corrects) once the session started.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MarkedOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: AttendanceIn,
) -> Response[MarkedOut | ProblemDetails]:
    """Mark

     The session's mentor (or an admin) marks or corrects its attendance once it started;
    every change is audited. The same mark again changes nothing (``changed`` false).

    Args:
        booking_id (UUID):
        body (AttendanceIn): The mark a mentor gives (or corrects) once the session started.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MarkedOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: AttendanceIn,
) -> MarkedOut | ProblemDetails | None:
    """Mark

     The session's mentor (or an admin) marks or corrects its attendance once it started;
    every change is audited. The same mark again changes nothing (``changed`` false).

    Args:
        booking_id (UUID):
        body (AttendanceIn): The mark a mentor gives (or corrects) once the session started.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MarkedOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
            body=body,
        )
    ).parsed
