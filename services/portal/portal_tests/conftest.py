"""Fixtures of the portal's tests (package ``portal_tests``: unique, see the repo's note on
``tests`` packages). The portal alone answers sign-in, CSRF and role checks without asking
any service; the end-to-end tests start the four services and a browser."""
