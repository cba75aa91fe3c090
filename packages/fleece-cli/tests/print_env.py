"""A child process for ``fleece run`` tests: records its environment and argv.

Usage: ``print_env.py OUT EXIT_CODE [ARGS...]``: writes ``{"env", "argv"}`` as JSON
to OUT, prints ``child ran`` and exits with EXIT_CODE.
"""

import json
import os
import sys

out, exit_code = sys.argv[1], int(sys.argv[2])
with open(out, "w", encoding="utf-8") as file:
    json.dump({"env": dict(os.environ), "argv": sys.argv[3:]}, file)
print("child ran", flush=True)
sys.exit(exit_code)
