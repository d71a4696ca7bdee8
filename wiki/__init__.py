"""The principles wiki: Markdown pages in a git repository, read and edited over the web."""
