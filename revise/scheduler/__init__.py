"""Spaced-repetition scheduling: FSRS-6 through the `fsrs` package, with Anki's daily rules around it."""
