"""The Textual app: the shell, its screens and widgets."""
