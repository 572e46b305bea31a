"""Diskominfo experts (tenaga ahli / pendamping): skills, kabupaten, weekly capacity."""
