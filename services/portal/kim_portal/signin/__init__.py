"""Signing in: the development sign-in (local dev issuer) and OIDC for production."""
