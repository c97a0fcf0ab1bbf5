"""The card loader: Markdown card files parsed, checked, and synced into the store."""
