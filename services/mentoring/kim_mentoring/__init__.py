"""KIM Platform mentoring service.

Experts (tenaga ahli/pendamping), help requests, sessions, trainings (diklat),
attendance and certificates.

Proactive rules, set per kabupaten by its operators (``/proactive-rules/{kabupaten_code}``),
run from events: a KIM formed is invited to the next onboarding training of its kabupaten
(or a help request asks for one when none is scheduled); N rejected articles of a KIM within
a window open a help request for the matching skill; a KIM evaluated in the lowest band gets
a mentoring plan (a help request and a training suggestion). Requests the system opens are
marked ``origin: system`` with their rule. Each rule fires once per cause, also when its
event is delivered twice or replayed.
"""
