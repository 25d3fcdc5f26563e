"""The two small pages a person's browser sees behind a one-click unsubscribe link: what it
will stop (with the button that does it: a GET never unsubscribes, since link scanners
fetch every link in a mail) and what it stopped. Nothing in them comes from the request
but the topic, one of ours."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from kairos_calendar_sync.domain.mails.model import Topic

_WHAT = {
    Topic.CONFIRMATIONS: "mails confirming your sessions and their changes and cancellations",
    Topic.REMINDERS: "reminders before your sessions",
}

#: the token is in the address: no referrer, no caching, no scripts, forms only to us
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5}button{font:inherit;padding:.5rem 1rem;cursor:pointer}"
)


def _page(title: str, body: str) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, headers=HEADERS)


def _preferences(preferences_url: str) -> str:
    return (
        f'<p><a href="{escape(preferences_url)}">Choose what Kairos mails you</a> '
        "(time zone, language and topics).</p>"
    )


def confirm_page(topic: Topic, preferences_url: str) -> HTMLResponse:
    """What the link will stop, and the button that stops it (a POST to the same address,
    the body RFC 8058's one-click POST carries)."""
    return _page(
        "Unsubscribe?",
        f"<p>Stop {escape(_WHAT[topic])}? Receipts of payments and refunds still come.</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>' + _preferences(preferences_url),
    )


def done_page(topic: Topic, preferences_url: str) -> HTMLResponse:
    return _page(
        "Unsubscribed",
        f"<p>You will no longer get {escape(_WHAT[topic])}.</p>" + _preferences(preferences_url),
    )
