"""Failure tests with real processes (issue 11): Kafka, services and PostgreSQL killed and
restarted under load, judged by :mod:`kim_devstack.invariants`."""
