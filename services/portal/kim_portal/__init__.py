"""The KIM portal: server-rendered pages in Bahasa Indonesia for the public, KIM members and
officers, moderators and Diskominfo operators, over the four services' HTTP APIs. It owns no
domain data: every read and write goes to the service that owns it."""
