"""KIM groups: formation, lifecycle, profile, pengurus and anggota, per-kabupaten rules.

Modules: ``domain`` (lifecycle and rules, pure), ``nik`` (NIK, phone, masking),
``schemas`` (request/response models), ``repository`` and ``member_repository``
(SQL), ``handlers`` and ``member_handlers`` (commands, inside the route's
transaction, events via the outbox), ``queries`` and ``views`` (read side, what
each audience sees), ``api``, ``members_api`` and ``rules_api`` (routes;
``api.router`` includes the other two). Rules raise the kit's HTTP-free
:mod:`kim_shared.errors`; If-Match and ETag come from
:mod:`kim_shared.http.concurrency`, "today" from :mod:`kim_shared.clock`.
"""
