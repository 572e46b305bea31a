"""Event payload models, one module per publishing service.

These are the platform's public contract (other agencies subscribe): one
frozen model per event type, ids and roles only — never NIK, phone numbers or
addresses (UU 27/2022 PDP).
"""
