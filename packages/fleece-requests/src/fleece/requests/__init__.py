"""requests with default timeouts, urllib3 ``Retry`` retries and connection reuse.

Change ``import requests`` to ``from fleece import requests`` and every call accepts
``timeout=`` and ``retries=``, with process-wide defaults.
"""
