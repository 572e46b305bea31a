"""KIM Platform shared kit: what every service needs and nothing domain-specific.

Modules: ``settings`` (pydantic-settings base), ``db`` (pool, migrations),
``events`` (CloudEvents envelope, event model base, topic catalogue),
``outbox`` (transactional outbox + relay), ``inbox`` (idempotent consumer,
retry, dead letters), ``auth`` (OIDC JWT), ``http`` (problem+json,
idempotency keys, health, metrics), ``logging`` (JSON logs), ``cli`` (``kim``).
"""
