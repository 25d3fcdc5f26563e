import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.slots_out import SlotsOut
from ...types import UNSET, Response


def _get_kwargs(
    offering_id: UUID,
    *,
    from_: datetime.date,
    to: datetime.date,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to = to.isoformat()
    params["to"] = json_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/booking/offerings/{offering_id}/slots".format(
            offering_id=quote(str(offering_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | SlotsOut | None:
    if response.status_code == 200:
        response_200 = SlotsOut.from_dict(response.json())

        return response_200

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
) -> Response[ProblemDetails | SlotsOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    offering_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date,
    to: datetime.date,
) -> Response[ProblemDetails | SlotsOut]:
    """Slots

     Bookable slots of a one-time offering in a range of the provider's local dates,
    full ones included (``free: 0``).

    Args:
        offering_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SlotsOut]
    """

    kwargs = _get_kwargs(
        offering_id=offering_id,
        from_=from_,
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    offering_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date,
    to: datetime.date,
) -> ProblemDetails | SlotsOut | None:
    """Slots

     Bookable slots of a one-time offering in a range of the provider's local dates,
    full ones included (``free: 0``).

    Args:
        offering_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SlotsOut
    """

    return sync_detailed(
        offering_id=offering_id,
        client=client,
        from_=from_,
        to=to,
    ).parsed


async def asyncio_detailed(
    offering_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date,
    to: datetime.date,
) -> Response[ProblemDetails | SlotsOut]:
    """Slots

     Bookable slots of a one-time offering in a range of the provider's local dates,
    full ones included (``free: 0``).

    Args:
        offering_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SlotsOut]
    """

    kwargs = _get_kwargs(
        offering_id=offering_id,
        from_=from_,
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    offering_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    from_: datetime.date,
    to: datetime.date,
) -> ProblemDetails | SlotsOut | None:
    """Slots

     Bookable slots of a one-time offering in a range of the provider's local dates,
    full ones included (``free: 0``).

    Args:
        offering_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SlotsOut
    """

    return (
        await asyncio_detailed(
            offering_id=offering_id,
            client=client,
            from_=from_,
            to=to,
        )
    ).parsed
