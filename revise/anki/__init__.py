"""Importing Anki packages: their notes as revise deck files, their review history into the database."""
