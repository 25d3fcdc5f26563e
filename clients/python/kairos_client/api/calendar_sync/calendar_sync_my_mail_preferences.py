from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.mail_preferences_out import MailPreferencesOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/calendar/me/mail-preferences",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MailPreferencesOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = MailPreferencesOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

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
) -> Response[MailPreferencesOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[MailPreferencesOut | ProblemDetails]:
    """My Mail Preferences

     The caller's mail preferences. The token's OIDC `zoneinfo` and `locale` claims (and
    `email`, `name`) are kept first: they are the zone and locale until the caller chooses.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MailPreferencesOut | ProblemDetails]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> MailPreferencesOut | ProblemDetails | None:
    """My Mail Preferences

     The caller's mail preferences. The token's OIDC `zoneinfo` and `locale` claims (and
    `email`, `name`) are kept first: they are the zone and locale until the caller chooses.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MailPreferencesOut | ProblemDetails
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[MailPreferencesOut | ProblemDetails]:
    """My Mail Preferences

     The caller's mail preferences. The token's OIDC `zoneinfo` and `locale` claims (and
    `email`, `name`) are kept first: they are the zone and locale until the caller chooses.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MailPreferencesOut | ProblemDetails]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> MailPreferencesOut | ProblemDetails | None:
    """My Mail Preferences

     The caller's mail preferences. The token's OIDC `zoneinfo` and `locale` claims (and
    `email`, `name`) are kept first: they are the zone and locale until the caller chooses.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MailPreferencesOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
