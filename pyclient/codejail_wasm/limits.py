"""codejail's resource limits: the names and codejail 4.1.1's defaults.

``codejail.jail_code`` keeps the configured state (``LIMITS``, ``LIMIT_OVERRIDES``) and
passes the effective limits of each run to this package; these are only the constants.
"""

LIMIT_NAMES = ("CPU", "REALTIME", "VMEM", "FSIZE", "NPROC", "PROXY")

# The resource limits that we unless otherwise configured.
DEFAULT_LIMITS = {
    # CPU seconds, defaulting to 1.
    "CPU": 1,
    # Real time, defaulting to 1 second.
    "REALTIME": 1,
    # Total process virutal memory, in bytes, defaulting to unlimited.
    "VMEM": 0,
    # Size of files creatable, in bytes, defaulting to nothing can be written.
    "FSIZE": 0,
    # The number of processes and threads to allow for the sandbox user (total
    # across entire host).
    "NPROC": 15,
    # Whether to use a proxy process or not.  None means use an environment
    # variable to decide. NOTE: using a proxy process is NOT THREAD-SAFE, only
    # one thread can use CodeJail at a time if you are using a proxy process.
    "PROXY": None,
}
