"""The mails Kairos sends about sessions and money: their model and their rendering
(Jinja2 templates under ``templates/``, formats by Babel). Pure: no I/O but reading the
templates. ``python -m kairos_calendar_sync.domain.mails.preview --out DIR`` writes every
kind with sample facts for a person to look at."""

from kairos_calendar_sync.domain.mails.model import (
    Links,
    MailKind,
    Money,
    Reader,
    ReceiptFacts,
    Rendered,
    SessionFacts,
    Topic,
    topic_of,
)
from kairos_calendar_sync.domain.mails.render import render

__all__ = [
    "Links",
    "MailKind",
    "Money",
    "Reader",
    "ReceiptFacts",
    "Rendered",
    "SessionFacts",
    "Topic",
    "render",
    "topic_of",
]
