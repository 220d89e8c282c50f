"""Result objects."""


class JailResult:
    """
    A passive object for us to return from jail_code.

    As codejail's: ``stdout`` and ``stderr`` are bytes, ``status`` is the int
    exit status (0 for success).  Results from the service also carry:
    ``outcome`` ("complete", "out_of_fuel", "timed_out", "out_of_memory",
    "crashed"), ``limit_hit``, ``fuel_used``, ``wall_ms``,
    ``stdout_truncated``, ``stderr_truncated``, ``effective_limits``,
    ``response`` (the whole decoded JSON body) and, for a successful safe_exec,
    ``globals_dict``.
    """

    def __init__(self):
        self.stdout = self.stderr = self.status = None
        self.outcome = None
        self.limit_hit = None
        self.fuel_used = None
        self.wall_ms = None
        self.stdout_truncated = False
        self.stderr_truncated = False
        self.effective_limits = None
        self.response = None
        self.globals_dict = None

    def __repr__(self):
        return "<JailResult status=%r outcome=%r stdout=%r stderr=%r>" % (
            self.status, self.outcome, _short(self.stdout), _short(self.stderr),
        )


def _short(value, limit=200):
    if value is None:
        return None
    return value if len(value) <= limit else value[:limit] + b"..."
