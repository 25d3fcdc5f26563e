"""The shared column helpers make the columns the services' tables had."""

from sqlalchemy import Column, ForeignKey, MetaData, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from kairos_platform.orm import stamped, timestamp, uuid_column


def test_the_columns_ddl() -> None:
    md = MetaData()
    Table("parents", md, uuid_column("id", primary_key=True))
    t = Table(
        "t",
        md,
        uuid_column("id", primary_key=True),
        uuid_column("parent_id", ForeignKey("parents.id"), nullable=False),
        timestamp("starts_at", nullable=False),
        timestamp("sent_at", nullable=True),
        stamped("created_at"),
    )
    ddl = " ".join(str(CreateTable(t).compile(dialect=postgresql.dialect())).split())
    assert "id UUID NOT NULL" in ddl
    assert "parent_id UUID NOT NULL" in ddl
    assert "FOREIGN KEY(parent_id) REFERENCES parents (id)" in ddl
    assert "starts_at TIMESTAMP WITH TIME ZONE NOT NULL" in ddl
    assert "sent_at TIMESTAMP WITH TIME ZONE," in ddl
    assert "created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL" in ddl
    assert isinstance(t.c.id, Column)
