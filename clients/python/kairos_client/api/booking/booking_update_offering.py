from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.offering_out import OfferingOut
from ...models.offering_patch import OfferingPatch
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    offering_id: UUID,
    *,
    body: OfferingPatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/booking/offerings/{offering_id}".format(
            offering_id=quote(str(offering_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> OfferingOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = OfferingOut.from_dict(response.json())

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
) -> Response[OfferingOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    offering_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OfferingPatch,
) -> Response[OfferingOut | ProblemDetails]:
    """Update Offering

    Args:
        offering_id (UUID):
        body (OfferingPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OfferingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        offering_id=offering_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    offering_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OfferingPatch,
) -> OfferingOut | ProblemDetails | None:
    """Update Offering

    Args:
        offering_id (UUID):
        body (OfferingPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OfferingOut | ProblemDetails
    """

    return sync_detailed(
        offering_id=offering_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    offering_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OfferingPatch,
) -> Response[OfferingOut | ProblemDetails]:
    """Update Offering

    Args:
        offering_id (UUID):
        body (OfferingPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OfferingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        offering_id=offering_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    offering_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OfferingPatch,
) -> OfferingOut | ProblemDetails | None:
    """Update Offering

    Args:
        offering_id (UUID):
        body (OfferingPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OfferingOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            offering_id=offering_id,
            client=client,
            body=body,
        )
    ).parsed
