"""``fleece run``: a command with temporary AWS credentials.

_command: the click command; _process: the child process and its signals.
"""
