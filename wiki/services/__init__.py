"""What the wiki does (editing, accounts, rendering), independent of HTTP."""
