"""Repository-wide pytest configuration: the local-stack fixtures for every test tree."""

pytest_plugins = ["kairos_localstack.pytest_plugin"]
