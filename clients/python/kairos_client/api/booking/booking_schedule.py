import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.schedule_out import ScheduleOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    provider_id: UUID,
    *,
    from_: datetime.date,
    to: datetime.date,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to = to.isoformat()
    params["to"] = json_to

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/booking/providers/{provider_id}/schedule".format(
            provider_id=quote(str(provider_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | ScheduleOut | None:
    if response.status_code == 200:
        response_200 = ScheduleOut.from_dict(response.json())

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
) -> Response[ProblemDetails | ScheduleOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    provider_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[ProblemDetails | ScheduleOut]:
    """Schedule

     The provider's bookings in a range of their local dates, soonest first.

    Args:
        provider_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31
        limit (int | Unset): Items per page. Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | ScheduleOut]
    """

    kwargs = _get_kwargs(
        provider_id=provider_id,
        from_=from_,
        to=to,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    provider_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> ProblemDetails | ScheduleOut | None:
    """Schedule

     The provider's bookings in a range of their local dates, soonest first.

    Args:
        provider_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31
        limit (int | Unset): Items per page. Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | ScheduleOut
    """

    return sync_detailed(
        provider_id=provider_id,
        client=client,
        from_=from_,
        to=to,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    provider_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[ProblemDetails | ScheduleOut]:
    """Schedule

     The provider's bookings in a range of their local dates, soonest first.

    Args:
        provider_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31
        limit (int | Unset): Items per page. Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | ScheduleOut]
    """

    kwargs = _get_kwargs(
        provider_id=provider_id,
        from_=from_,
        to=to,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    provider_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> ProblemDetails | ScheduleOut | None:
    """Schedule

     The provider's bookings in a range of their local dates, soonest first.

    Args:
        provider_id (UUID):
        from_ (datetime.date): a date from 2000-01-01 to 2100-12-31
        to (datetime.date): a date from 2000-01-01 to 2100-12-31
        limit (int | Unset): Items per page. Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | ScheduleOut
    """

    return (
        await asyncio_detailed(
            provider_id=provider_id,
            client=client,
            from_=from_,
            to=to,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
