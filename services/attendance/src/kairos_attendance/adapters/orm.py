"""The attendance database's tables (this service's own database, nobody else's)."""

from kairos_platform.messaging.tables import MessagingTables
from kairos_platform.ping import PingTables
from sqlalchemy import MetaData

metadata = MetaData()
messaging = MessagingTables(metadata)
pings = PingTables(metadata)
