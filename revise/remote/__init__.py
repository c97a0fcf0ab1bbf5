"""Syncing the review log between devices through a remote database."""
