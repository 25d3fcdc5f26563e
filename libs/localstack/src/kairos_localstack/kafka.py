"""The Kafka broker of the local stack and the tests: Apache Kafka, run by the project
(``ApacheKafka``, kafka_broker.py; its jars resolved by kafka_dist.py), or the servers
$KAFKA_BOOTSTRAP_SERVERS names. Topics are created by Kairos (ensure_topics), never by
the broker on first use.
"""

from __future__ import annotations

from collections.abc import Iterable

from kairos_localstack.kafka_broker import ApacheKafka as ApacheKafka
from kairos_localstack.kafka_metadata import metadata_ok as metadata_ok


async def ensure_topics(
    bootstrap: str, names: Iterable[str], partitions: int = 3, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; return the names created. Idempotent."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            new = [
                NewTopic(n, num_partitions=partitions, replication_factor=replication)
                for n in missing
            ]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # a concurrent creator won; the topics exist, which is all we want
        return missing
    finally:
        await admin.close()
