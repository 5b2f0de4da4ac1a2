"""What goes wrong with saves, as messages a person can act on."""


class SaveError(Exception):
    """A save that cannot be read or used; the message names the file and the field."""


class SaveWriteError(SaveError, OSError):
    """A save that cannot be written (read-only folder, full disk); the episode itself is intact.
    An OSError too, so callers that already handle failed writes handle this one."""
