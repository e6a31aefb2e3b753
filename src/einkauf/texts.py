"""Marking German UI texts for the message catalogue without translating them (pure: no Flask).

`N_("Start")` returns "Start" unchanged; pybabel extracts it (N_ is one of its default
keywords). Use it for texts kept in module-level tables (navigation, role and audit labels,
error pages) that are translated only where they are shown, with gettext; the table itself
stays plain German text, safe for comparisons, the CLI and the database.

`NP_(context, text)` does the same for a German word that needs a different English word in
one place (German "Artikel" is singular and plural; "geöffnet" is a state and an action). The
result is still the German str; it carries its context for einkauf.i18n.translate_label.
babel.cfg registers NP_ as a keyword (NP_:1c,2).
"""


class TextInContext(str):
    """A German text together with the message context its translation is filed under."""

    context: str


def N_(text: str) -> str:
    return text


def NP_(context: str, text: str) -> str:
    marked = TextInContext(text)
    marked.context = context
    return marked
