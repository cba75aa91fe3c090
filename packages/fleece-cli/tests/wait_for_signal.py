"""A child process for ``fleece run`` tests: waits for SIGINT or SIGTERM.

Prints ``ready``, then on a signal prints ``got <NAME>`` and exits with 40 + signal
number; gives up after 30 seconds with exit status 1.
"""

import signal
import sys
import time


def on_signal(signum, frame):
    print(f"got {signal.Signals(signum).name}", flush=True)
    sys.exit(40 + signum)


signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, on_signal)
print("ready", flush=True)
time.sleep(30)
sys.exit(1)
