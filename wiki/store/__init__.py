"""Storage: the git repository, the indexes derived from it, and the database.

Nothing here knows the web exists.
"""
