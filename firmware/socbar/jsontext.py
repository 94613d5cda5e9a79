"""A configuration value as the JSON text the user wrote, for messages.

Both the validator and the custom decoder's description checks quote the
user's values; they share this so neither has to import the other.
"""


def show(value):
    """A value as JSON text, the way the user wrote it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return '"%s"' % value
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "an object"
    return repr(value)
