"""KIM Platform mentoring service.

Experts (tenaga ahli/pendamping), help requests, sessions, trainings (diklat),
attendance and certificates.
"""
