from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.purchase_in import PurchaseIn
from ...models.purchase_out import PurchaseOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PurchaseIn,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/payments/credits/purchases",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | PurchaseOut | None:
    if response.status_code == 201:
        response_201 = PurchaseOut.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = ProblemDetails.from_dict(response.json())

        return response_402

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
) -> Response[ProblemDetails | PurchaseOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PurchaseIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[ProblemDetails | PurchaseOut]:
    """Buy Credit Pack

     Buy a credit pack: a PaymentIntent (captured at once) for the pack's price. With
    `payment_method_id` it is confirmed here (`credited` when paid); else the browser
    confirms it with `client_secret`. The same `purchase_id` again is the same purchase.

    Args:
        idempotency_key (str | Unset):
        body (PurchaseIn): Buy a credit pack (`starter`: 5 credits, `standard`: 10, `pro`: 25).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | PurchaseOut]
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
    body: PurchaseIn,
    idempotency_key: str | Unset = UNSET,
) -> ProblemDetails | PurchaseOut | None:
    """Buy Credit Pack

     Buy a credit pack: a PaymentIntent (captured at once) for the pack's price. With
    `payment_method_id` it is confirmed here (`credited` when paid); else the browser
    confirms it with `client_secret`. The same `purchase_id` again is the same purchase.

    Args:
        idempotency_key (str | Unset):
        body (PurchaseIn): Buy a credit pack (`starter`: 5 credits, `standard`: 10, `pro`: 25).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | PurchaseOut
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PurchaseIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[ProblemDetails | PurchaseOut]:
    """Buy Credit Pack

     Buy a credit pack: a PaymentIntent (captured at once) for the pack's price. With
    `payment_method_id` it is confirmed here (`credited` when paid); else the browser
    confirms it with `client_secret`. The same `purchase_id` again is the same purchase.

    Args:
        idempotency_key (str | Unset):
        body (PurchaseIn): Buy a credit pack (`starter`: 5 credits, `standard`: 10, `pro`: 25).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | PurchaseOut]
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
    body: PurchaseIn,
    idempotency_key: str | Unset = UNSET,
) -> ProblemDetails | PurchaseOut | None:
    """Buy Credit Pack

     Buy a credit pack: a PaymentIntent (captured at once) for the pack's price. With
    `payment_method_id` it is confirmed here (`credited` when paid); else the browser
    confirms it with `client_secret`. The same `purchase_id` again is the same purchase.

    Args:
        idempotency_key (str | Unset):
        body (PurchaseIn): Buy a credit pack (`starter`: 5 credits, `standard`: 10, `pro`: 25).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | PurchaseOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
