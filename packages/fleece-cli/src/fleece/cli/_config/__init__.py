"""``fleece config``: KMS-encrypted configuration kept in git.

_command: the click group; _document: the YAML text and its nodes; _tree: the
parsed open/closed tree, its stages and secrets; _aws: KMS and SSM with each
stage's credentials; _convert: open <-> closed; _render: one stage's output
(YAML, JSON, Python, SSM parameters); _files: config.yml on disk; _edit: the
editor round trip.
"""
