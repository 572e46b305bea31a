"""Help requests of KIM to Diskominfo experts: assignment, SLA, status."""
