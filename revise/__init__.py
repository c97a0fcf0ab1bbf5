"""revise: spaced-repetition review of machine-learning notes in the terminal, with live demos."""

__version__ = "0.1.0"
