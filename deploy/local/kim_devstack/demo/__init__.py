"""The whole platform as one scripted journey (issue 11): ``kim demo`` runs it against a
running ``make run``; ``tests/test_journey.py`` runs the same steps against the test stack.
Every step goes through the services' public HTTP APIs only."""
