"""boto3's ``client()`` and ``resource()`` with connect/read timeouts.

A process-wide default timeout (``set_default_timeout``) applies to every client
created afterwards, in every thread, unless a call overrides it.
"""
