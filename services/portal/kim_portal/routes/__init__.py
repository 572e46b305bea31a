"""Routes per area: sign-in, public pages, KIM members, moderators, Diskominfo operators."""
