"""The attendance database's tables (this service's own database, nobody else's)."""

from sqlalchemy import MetaData

from kairos_platform.messaging.tables import MessagingTables
from kairos_platform.ping import PingTables

metadata = MetaData()
messaging = MessagingTables(metadata)
pings = PingTables(metadata)
