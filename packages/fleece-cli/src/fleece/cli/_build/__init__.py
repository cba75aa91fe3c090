"""``fleece build``: a Lambda zip of a service's dependencies and sources.

_command: the click command; _zip: `build_zip`, the steps of a build; _archive:
the reproducible zip; _cache: the cache of dependency layers; _pip and _docker: the
two ways to install them; _bytecode: compiling for the target Python; _runtime: the
packages Lambda provides; _info: the build info of --inject-build-info.
"""
