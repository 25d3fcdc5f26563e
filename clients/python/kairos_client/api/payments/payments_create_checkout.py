from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkout_in import CheckoutIn
from ...models.checkout_out import CheckoutOut
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CheckoutIn,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/payments/checkouts",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckoutOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = CheckoutOut.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = CheckoutOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

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

    if response.status_code == 410:
        response_410 = ProblemDetails.from_dict(response.json())

        return response_410

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
    *,
    client: AuthenticatedClient,
    body: CheckoutIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[CheckoutOut | ProblemDetails]:
    """Create Checkout

     Pay for a hold (201; 200 when its checkout existed). By card: one PaymentIntent per
    hold, authorized now and captured when booking confirms; without `payment_method_id`
    the browser confirms it with `client_secret`. With credits: debited at once.

    Args:
        idempotency_key (str | Unset):
        body (CheckoutIn): Pay for a hold. By card: without ``payment_method_id`` the answer
            carries the
            PaymentIntent's client secret for the browser (Stripe.js) to confirm; with it the card
            is confirmed here and the answer says how it went. With credits: the hold's price in
            credits is debited at once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutOut | ProblemDetails]
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
    body: CheckoutIn,
    idempotency_key: str | Unset = UNSET,
) -> CheckoutOut | ProblemDetails | None:
    """Create Checkout

     Pay for a hold (201; 200 when its checkout existed). By card: one PaymentIntent per
    hold, authorized now and captured when booking confirms; without `payment_method_id`
    the browser confirms it with `client_secret`. With credits: debited at once.

    Args:
        idempotency_key (str | Unset):
        body (CheckoutIn): Pay for a hold. By card: without ``payment_method_id`` the answer
            carries the
            PaymentIntent's client secret for the browser (Stripe.js) to confirm; with it the card
            is confirmed here and the answer says how it went. With credits: the hold's price in
            credits is debited at once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutOut | ProblemDetails
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CheckoutIn,
    idempotency_key: str | Unset = UNSET,
) -> Response[CheckoutOut | ProblemDetails]:
    """Create Checkout

     Pay for a hold (201; 200 when its checkout existed). By card: one PaymentIntent per
    hold, authorized now and captured when booking confirms; without `payment_method_id`
    the browser confirms it with `client_secret`. With credits: debited at once.

    Args:
        idempotency_key (str | Unset):
        body (CheckoutIn): Pay for a hold. By card: without ``payment_method_id`` the answer
            carries the
            PaymentIntent's client secret for the browser (Stripe.js) to confirm; with it the card
            is confirmed here and the answer says how it went. With credits: the hold's price in
            credits is debited at once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutOut | ProblemDetails]
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
    body: CheckoutIn,
    idempotency_key: str | Unset = UNSET,
) -> CheckoutOut | ProblemDetails | None:
    """Create Checkout

     Pay for a hold (201; 200 when its checkout existed). By card: one PaymentIntent per
    hold, authorized now and captured when booking confirms; without `payment_method_id`
    the browser confirms it with `client_secret`. With credits: debited at once.

    Args:
        idempotency_key (str | Unset):
        body (CheckoutIn): Pay for a hold. By card: without ``payment_method_id`` the answer
            carries the
            PaymentIntent's client secret for the browser (Stripe.js) to confirm; with it the card
            is confirmed here and the answer says how it went. With credits: the hold's price in
            credits is debited at once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
