"""Root pytest configuration: the shared fixtures live in ``kim_devstack.testing``."""

pytest_plugins = ("kim_devstack.testing",)
