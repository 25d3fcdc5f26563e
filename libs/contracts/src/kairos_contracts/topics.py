"""Topic names. One per aggregate family; the key is always the aggregate id."""

SYSTEM = "kairos.system"
