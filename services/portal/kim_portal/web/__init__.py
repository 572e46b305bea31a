"""The portal's web plumbing: session, CSRF, access, templates, error pages."""
