"""The ``fleece`` command line: ``run``, ``build`` and ``config``."""
