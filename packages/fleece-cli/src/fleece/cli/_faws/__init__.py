"""Rackspace Fanatical AWS, shared by ``fleece run`` and ``fleece config``.

_environments: environments.yml (accounts, roles, stages); _stages: picking an
entry for a stage name (exact, else /regex/); _credentials: Rackspace identity,
FAWS credentials and the role to assume.
"""
